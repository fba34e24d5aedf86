"""glassnet against PyTorch, scikit-learn, Keras and plain NumPy, measured side by side in one run.

Every (framework, workload) trains in its OWN process (``benchmarks/workers/<fw>_worker.py``)
on the same prepared arrays (Fashion-MNIST scaled to [0, 1] float32), with the same network,
optimizer, learning rate, batch size, epoch count and thread count. Reported per row: seconds
per epoch (median and min–max over every epoch of every repeat), test accuracy after training,
the time to predict the test set, peak memory, and glassnet ÷ PyTorch from this same run.

Usage::

    python benchmarks/run.py                                 # W1-W4, every installed framework
    nice -n 5 python benchmarks/run.py --workloads W1,W2 --frameworks glassnet,torch,sklearn
    python benchmarks/run.py --quick                         # seconds: 600 rows, 1 epoch

Method (also printed into results.md):

* threads: ``--threads`` (default 1) for everyone: ``OMP/OPENBLAS/MKL_NUM_THREADS`` in each
  worker's environment and ``torch.set_num_threads``. On a shared 2-core machine two BLAS
  threads collapse when another process competes; one is as fast for W1-sized layers.
* memory: ``ru_maxrss`` after training + predict minus ``ru_maxrss`` after the framework
  import and the data load (the baseline), in the same worker process.
* predict: median of 5 calls of glassnet ``model.predict(x_test, batch_size=256)``;
  PyTorch ``no_grad`` forward in batches of 256 (eval mode); Keras
  ``predict(batch_size=256)``; sklearn ``predict_proba`` on the whole test set.
* CPU s/epoch: the worker's process CPU time per epoch. On a loaded machine the wall time
  also counts other processes' time slices; the CPU time does not (it still feels their
  cache and memory-bandwidth contention), so compare both.
* the PyTorch loop is the bare eager loop (no DataLoader, no per-batch ``.item()``);
  glassnet's ``fit`` also keeps a running loss and accuracy, so its ratio is conservative.
* ``--quick`` keeps 600 training and 200 test rows and 1 epoch; without Fashion-MNIST on
  disk it (and ``--data synthetic``) uses synthetic 28x28 images of 10 noisy class
  templates -- accuracy then means nothing, the timing machinery is what is tested.
* Keras runs W1/W2 only, for at most ``--keras-epochs`` epochs (it is slow).
* ``numpy`` is the plain NumPy reference (W1/W2): the network written by hand with no
  framework (``workers/numpy_worker.py``), the yardstick for glassnet's own overhead.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import common  # noqa: E402
import report  # noqa: E402

ALL_FRAMEWORKS = ("glassnet", "torch", "sklearn", "keras", "numpy")
MODULE_OF = {"glassnet": "glassnet", "torch": "torch", "sklearn": "sklearn", "keras": "keras",
             "numpy": "numpy"}
QUICK_ROWS = (600, 200)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workloads", default="W1,W2,W3,W4",
                   help=f"comma-separated, from {','.join(common.WORKLOADS)} (default W1,W2,W3,W4)")
    p.add_argument("--frameworks", default=",".join(ALL_FRAMEWORKS),
                   help="comma-separated, from glassnet,torch,sklearn,keras,numpy (default: all; "
                        "those not installed are listed as skipped)")
    p.add_argument("--epochs", type=int, default=None, help="epochs per run (default 3; --quick 1)")
    p.add_argument("--repeats", type=int, default=1, help="runs per (framework, workload)")
    p.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP/torch threads (default 1)")
    p.add_argument("--quick", action="store_true",
                   help=f"{QUICK_ROWS[0]} train / {QUICK_ROWS[1]} test rows, 1 epoch")
    p.add_argument("--data", default="auto", choices=("auto", "fashion", "synthetic"),
                   help="Fashion-MNIST, synthetic, or auto (Fashion-MNIST if found)")
    p.add_argument("--keras-epochs", type=int, default=2, help="cap on Keras's epochs (slow)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--timeout", type=float, default=3600.0, help="seconds per worker")
    p.add_argument("--out", type=Path, default=BENCH_DIR / "results",
                   help="directory for results.json, results.md, benchmark.png")
    args = p.parse_args(argv)
    args.workloads = [w.strip().upper() for w in args.workloads.split(",") if w.strip()]
    args.frameworks = [f.strip().lower() for f in args.frameworks.split(",") if f.strip()]
    bad = [w for w in args.workloads if w not in common.WORKLOADS]
    bad += [f for f in args.frameworks if f not in ALL_FRAMEWORKS]
    if bad:
        p.error(f"unknown workload/framework {bad}; workloads: {', '.join(common.WORKLOADS)}; "
                f"frameworks: {', '.join(ALL_FRAMEWORKS)}")
    if args.epochs is None:
        args.epochs = 1 if args.quick else 3
    for name in ("epochs", "repeats", "threads", "keras_epochs"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "load average " + Path("/proc/loadavg").read_text().strip()


def skip_reason(framework: str, wl: common.Workload) -> str | None:
    """Why this pair is not run (None: run it)."""
    if importlib.util.find_spec(MODULE_OF[framework]) is None:
        return f"{framework} is not installed"
    if framework == "sklearn" and wl.kind != "mlp":
        return "scikit-learn has no CNN/RNN layers"
    if framework == "numpy" and wl.kind != "mlp":
        return "the plain NumPy reference is an MLP"
    if framework == "keras" and wl.key not in ("W1", "W2"):
        return "Keras is run on W1/W2 only (slow)"
    return None


def run_worker(framework: str, wl: common.Workload, args: argparse.Namespace, data_dir: Path,
               scratch: Path, repeat: int) -> dict:
    epochs = min(args.epochs, args.keras_epochs) if framework == "keras" else args.epochs
    result_path = scratch / f"{wl.key}_{framework}_{repeat}.json"
    cmd = [sys.executable, str(BENCH_DIR / "workers" / f"{framework}_worker.py"),
           "--workload", wl.key, "--data", str(data_dir), "--epochs", str(epochs),
           "--threads", str(args.threads), "--seed", str(args.seed + repeat),
           "--result", str(result_path)]
    env = dict(os.environ)
    env.update({var: str(args.threads) for var in common.THREAD_ENV})
    env.setdefault("KERAS_BACKEND", "torch")
    env.setdefault("GLASSNET_OFFLINE", "1")
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=args.timeout)
        stderr = proc.stderr
    except subprocess.TimeoutExpired:
        return {"workload": wl.key, "framework": framework, "status": "failed",
                "note": f"timed out after {args.timeout:.0f} s"}
    wall = time.perf_counter() - t0
    if result_path.is_file():
        result = json.loads(result_path.read_text())
    else:
        tail = " / ".join(stderr.strip().splitlines()[-2:])
        result = {"workload": wl.key, "framework": framework, "status": "failed",
                  "note": f"worker exited {proc.returncode}: {tail}"[:300]}
    result["worker_wall_s"] = wall
    return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = "python " + " ".join(shlex.quote(a) for a in [
        os.path.relpath(__file__), *(sys.argv[1:] if argv is None else argv)])
    load_before = uptime()
    workloads = [common.WORKLOADS[w] for w in args.workloads]
    n_train, n_test = QUICK_ROWS if args.quick else (None, None)
    runs: dict[tuple[str, str], list[dict]] = {}
    with tempfile.TemporaryDirectory(prefix="glassnet-bench-") as tmp:
        data_dir, scratch = Path(tmp) / "data", Path(tmp)
        data_meta = common.prepare_data(data_dir, args.data, n_train, n_test, args.seed)
        print(f"data: {data_meta['data']}, {data_meta['n_train']} train / "
              f"{data_meta['n_test']} test rows; threads {args.threads}; {load_before}",
              file=sys.stderr)
        # Repeats outermost and frameworks innermost: a burst of load from another process
        # hits every framework of a workload, not one framework's every run.
        for repeat in range(args.repeats):
            for wl in workloads:
                for fw in args.frameworks:
                    reason = skip_reason(fw, wl)
                    if reason is not None:
                        if repeat == 0:
                            runs[(wl.key, fw)] = [{"workload": wl.key, "framework": fw,
                                                   "status": "skipped", "note": reason}]
                        continue
                    result = run_worker(fw, wl, args, data_dir, scratch, repeat)
                    runs.setdefault((wl.key, fw), []).append(result)
                    med = (sorted(result["epoch_seconds"])[len(result["epoch_seconds"]) // 2]
                           if result.get("epoch_seconds") else None)
                    print(f"  {wl.key} {fw:<8} repeat {repeat + 1}/{args.repeats}: "
                          f"{result.get('status')} "
                          f"{'' if med is None else f'{med:.3f} s/epoch '}"
                          f"{result.get('note', '')}", file=sys.stderr)
    load_after = uptime()
    rows = [report.merge(r) for r in runs.values()]
    targets = {wl.key: wl.target for wl in workloads}
    rats = report.ratios(rows, targets)
    table = report.markdown(rows, rats, targets)
    meta = {
        "command": command, "started_load": load_before, "finished_load": load_after,
        "time": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} logical CPUs",
        "threads": args.threads, "epochs": args.epochs, "repeats": args.repeats,
        "quick": args.quick, "seed": args.seed, "keras_epochs": args.keras_epochs,
        "predict_batch": common.PREDICT_BATCH, **data_meta,
        "workloads": {wl.key: wl.title for wl in workloads},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(
        {"meta": meta, "results": rows, "ratios": rats,
         "runs": [r for rs in runs.values() for r in rs]}, indent=1))
    header = (f"`{command}`\n\n{meta['time']}; {meta['machine']}; threads {args.threads}; "
              f"{args.epochs} epoch(s) x {args.repeats} repeat(s); data {data_meta['data']} "
              f"({data_meta['n_train']}/{data_meta['n_test']} rows)\n\n"
              f"load before: `{load_before}`  \nload after: `{load_after}`\n\n")
    (args.out / "results.md").write_text(header + table)
    title = (f"{data_meta['data'].split(' ')[0]} {data_meta['n_train']}/{data_meta['n_test']} rows, "
             f"{args.threads} thread(s), {args.epochs} epoch(s) x {args.repeats} repeat(s); "
             f"load average at start {load_before.split('load average')[-1].strip(': ')}, "
             f"at end {load_after.split('load average')[-1].strip(': ')}")
    png = report.chart(rows, rats, targets, args.out / "benchmark.png", title)
    print(header + table)
    print(f"wrote {args.out / 'results.json'}, {args.out / 'results.md'}"
          + (f", {png}" if png else " (no matplotlib: no chart)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
