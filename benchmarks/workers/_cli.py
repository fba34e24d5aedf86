"""The command line every worker shares, parsed BEFORE NumPy or a framework is imported.

Thread counts of BLAS and OpenMP runtimes are read from the environment when the library
loads, so the worker sets ``OMP_NUM_THREADS`` & co. here first (``run.py`` also sets them
in the worker's environment; this makes a worker run by hand behave the same).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parents[1]
_THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


def parse_args(framework: str, argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=f"Train one workload with {framework}.")
    parser.add_argument("--workload", required=True, help="W1, W2, W3, W4 or W4G")
    parser.add_argument("--data", required=True, type=Path, help="directory of prepared .npy files")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--result", required=True, type=Path, help="JSON file to write")
    args = parser.parse_args(argv)
    for var in _THREAD_ENV:
        os.environ[var] = str(args.threads)
    if str(BENCH_DIR) not in sys.path:
        sys.path.insert(0, str(BENCH_DIR))
    return args


def run(framework: str, args: argparse.Namespace, train: Callable[..., Any]) -> int:
    """Call ``train(args, workload) -> WorkerResult`` and write its JSON; never raise."""
    import common  # NumPy is imported only now, after the thread variables are set

    wl = common.WORKLOADS.get(args.workload)
    try:
        if wl is None:
            raise ValueError(f"unknown workload {args.workload!r}; valid: {sorted(common.WORKLOADS)}")
        result = train(args, wl)
    except Exception as exc:  # report the failure in the table instead of losing the run
        tail = traceback.format_exc().strip().splitlines()[-3:]
        result = common.WorkerResult(args.workload, framework, status="failed",
                                     note=f"{type(exc).__name__}: {exc}"[:300])
        sys.stderr.write("\n".join(tail) + "\n")
    result.threads = args.threads
    result.blas = common.blas_info()
    args.result.write_text(json.dumps(result.to_dict(), indent=1))
    return 0 if result.status != "failed" else 1


def main(framework: str, train: Callable[..., Any], argv: list[str] | None = None) -> int:
    """A worker's command line: parse the arguments (threads first), train, write the JSON."""
    return run(framework, parse_args(framework, argv), train)
