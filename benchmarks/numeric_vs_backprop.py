"""Time the slides' numeric gradient against backprop as the parameter count grows.

The forward-difference estimator evaluates the cost P + 1 times for P parameters;
backprop does one forward and one backward pass. This script measures both on a fixed
batch for networks from 13 to ~100,000 parameters and prints a markdown table.

The numeric gradient is run for real when its predicted time (seconds per cost
evaluation × (P + 1)) is within ``--budget``; otherwise its time is *extrapolated* from
that prediction and marked so.

Usage::

    python benchmarks/numeric_vs_backprop.py            # full: up to [784, 128, 10]
    python benchmarks/numeric_vs_backprop.py --quick    # seconds, small networks only
    python benchmarks/numeric_vs_backprop.py --out reports/numeric_vs_backprop.md
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence

import numpy as np

from glassnet.scratch import (
    CallCounter,
    backprop,
    cost_function,
    count_params,
    gradient_estimator,
    init_params,
)

FULL = ([2, 3, 1], [8, 16, 1], [32, 32, 10], [64, 64, 10], [784, 30, 30, 10], [784, 128, 10])
QUICK = ([2, 3, 1], [8, 16, 1], [32, 32, 10])


def _median_time(fn: Callable[[], object], min_runs: int = 5, min_seconds: float = 0.2) -> float:
    """Median wall time of ``fn()`` over at least ``min_runs`` runs and ``min_seconds``."""
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < min_runs or time.perf_counter() - start < min_seconds:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        if len(times) >= 1000:
            break
    return float(np.median(times))


def measure(sizes: Sequence[int], batch: int, budget: float, seed: int = 0) -> dict:
    """Time one network; return a row of the table as a dict."""
    rng = np.random.default_rng(seed)
    w, b = init_params(sizes, seed=seed)
    X = rng.uniform(0.0, 1.0, (batch, sizes[0]))
    y = rng.uniform(0.0, 1.0, (batch, sizes[-1]))
    P = count_params(w, b)

    counter = CallCounter()
    backprop_s = _median_time(lambda: backprop(X, y, w, b))
    backprop(X, y, w, b, counter=counter)
    per_eval = _median_time(lambda: cost_function(X, y, w, b))
    predicted = per_eval * (P + 1)

    counter.reset()
    if predicted <= budget:
        t0 = time.perf_counter()
        gradient_estimator(X, y, w, b, method="forward", counter=counter)
        numeric_s, how = time.perf_counter() - t0, "measured"
        evaluations = counter.cost
    else:
        numeric_s, how = predicted, "extrapolated"
        evaluations = P + 1
    return {
        "sizes": list(sizes),
        "params": P,
        "numeric_s": numeric_s,
        "how": how,
        "backprop_s": backprop_s,
        "evaluations": evaluations,
        "predicted_s": predicted,
    }


def _fmt_s(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:,.1f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.0f} µs"


def table(rows: list[dict], batch: int) -> str:
    """The results as a markdown table (seconds per full gradient)."""
    lines = [
        f"Time for one full gradient of the MSE cost on a batch of {batch} rows "
        "(numeric = the slides' forward difference).",
        "",
        "| network | parameters P | numeric gradient | backprop | numeric / backprop "
        "| cost evaluations, numeric | passes, backprop |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        numeric = _fmt_s(r["numeric_s"])
        if r["how"] == "extrapolated":
            numeric += " (extrapolated)"
        lines.append(
            f"| {r['sizes']} | {r['params']:,} | {numeric} | {_fmt_s(r['backprop_s'])} "
            f"| {r['numeric_s'] / r['backprop_s']:,.0f}× | {r['evaluations']:,} "
            "| 1 forward + 1 backward |"
        )
    lines += [
        "",
        f"NumPy {np.__version__}, Python {platform.python_version()}, "
        f"{platform.machine()} with {os.cpu_count()} CPU(s) visible. \"Extrapolated\" = "
        "median time of one cost evaluation × (P + 1); every other numeric time is measured.",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small networks only (seconds)")
    parser.add_argument("--batch", type=int, default=64, help="rows in the batch (default: 64)")
    parser.add_argument(
        "--budget", type=float, default=None,
        help="longest numeric gradient to run for real, in seconds "
        "(default: 20, or 1 with --quick); longer ones are extrapolated",
    )
    parser.add_argument("--out", default=None, help="also write the table to this file")
    args = parser.parse_args(argv)
    budget = args.budget if args.budget is not None else (1.0 if args.quick else 20.0)

    rows = []
    for sizes in QUICK if args.quick else FULL:
        row = measure(sizes, args.batch, budget)
        rows.append(row)
        print(
            f"{str(sizes):>18}: P={row['params']:>7,}  numeric {row['numeric_s']:.4g} s "
            f"({row['how']}; predicted {row['predicted_s']:.4g} s)  "
            f"backprop {row['backprop_s']:.3g} s",
            file=sys.stderr,
            flush=True,
        )
    text = table(rows, args.batch)
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
