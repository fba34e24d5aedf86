"""A sequence task that needs memory: SimpleRNN against LSTM and GRU.

Run:  python examples/rnn_memory.py                  (full: about a minute of CPU)
      python examples/rnn_memory.py --quick          (seconds: T=20, 1,024 sequences, 16
                                                      units, 6 epochs; the gap holds)
      python examples/rnn_memory.py --task fashion   (Fashion-MNIST rows instead; minutes)

**Remember the flagged value.** Each sequence has ``T`` steps of two features: a value drawn
from N(0, 1) at every step, and a flag that is 1 at exactly one step ``p`` (random, among the
first ``P``) and 0 elsewhere. The label is the sign of the value at the flagged step, so the
network must store one number when the flag says so, ignore the ``T - p - 1`` equally loud
values after it, and answer at the end. That is what the LSTM's input and forget gates (the
GRU's update gate) are for: ``i_t`` opens on the flag, ``f_t`` keeps the cell. A SimpleRNN has
no multiplicative gate -- every value enters its state through the same ``x_t W`` -- and stays
near chance.

``--task fashion`` (or ``both``) reads Fashion-MNIST images as sequences of 28 rows of 28
pixels and trains SimpleRNN/LSTM/GRU(128) + Dense(10) for ``--fashion-epochs`` epochs (batch
128, Adam), timing each epoch: the numbers a later speed comparison with PyTorch starts from.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence

import numpy as np
from _common import parser as example_parser
from _common import saved

from glassnet.layers import GRU, LSTM, Dense, SimpleRNN
from glassnet.models import Sequential
from glassnet.optimizers import Adam

CELLS = {"SimpleRNN": SimpleRNN, "LSTM": LSTM, "GRU": GRU}


def flagged_value_task(n: int, timesteps: int, flag_within: int,
                       rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``x`` (n, T, 2) float32 and ``y`` (n,) in {0, 1}: the sign of the flagged value."""
    x = np.zeros((n, timesteps, 2), dtype=np.float32)
    x[:, :, 0] = rng.standard_normal((n, timesteps))
    p = rng.integers(0, flag_within, n)
    x[np.arange(n), p, 1] = 1.0
    y = (x[np.arange(n), p, 0] > 0).astype(np.float32)
    return x, y


def table(rows: list[dict], columns: Sequence[str]) -> str:
    def cell(v):
        return f"{v:.3f}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(r[c]) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


def memory_task(args: argparse.Namespace) -> list[dict]:
    rng = np.random.default_rng(args.seed)
    x_train, y_train = flagged_value_task(args.samples, args.timesteps, args.flag_within, rng)
    x_test, y_test = flagged_value_task(2000, args.timesteps, args.flag_within, rng)
    print(f"Remember the flagged value: T={args.timesteps}, flag within the first "
          f"{args.flag_within} steps, {args.samples} training / 2000 test sequences; "
          f"{args.units} units, Adam({args.lr}), batch {args.batch_size}, {args.epochs} epochs, "
          f"seed {args.seed}.")
    rows = []
    for name in args.models:
        model = Sequential([CELLS[name](args.units, input_shape=(args.timesteps, 2)),
                            Dense(1, activation="sigmoid")], seed=args.seed)
        model.compile(Adam(args.lr), "binary_crossentropy", metrics=["accuracy"])
        t0 = time.perf_counter()
        history = model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
                            verbose=0)
        seconds = time.perf_counter() - t0
        _, accuracy = model.evaluate(x_test, y_test, verbose=0)
        curve = " ".join(f"{a:.2f}" for a in history.history["accuracy"])
        print(f"  {name:9s} test accuracy {accuracy:.3f}  ({seconds:.1f} s)  "
              f"train accuracy by epoch: {curve}")
        rows.append({"model": f"{name}({args.units})", "params": model.count_params(),
                     "epochs": args.epochs, "test accuracy": float(accuracy),
                     "seconds": f"{seconds:.1f}"})
    return rows


def fashion_rows(args: argparse.Namespace) -> list[dict]:
    from glassnet.datasets import fashion_mnist

    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data(progress=False)
    if args.quick:
        x_train, y_train, x_test, y_test = x_train[:2048], y_train[:2048], x_test[:1000], \
            y_test[:1000]
    x_train = x_train.astype(np.float32) / 255.0  # (n, 28 rows = steps, 28 pixels = features)
    x_test = x_test.astype(np.float32) / 255.0
    print(f"\nFashion-MNIST rows: {len(x_train)} train / {len(x_test)} test, 28 steps x 28 "
          f"features, {args.fashion_units} units + Dense(10, softmax), Adam(0.001), batch 128, "
          f"{args.fashion_epochs} epoch(s).")
    rows = []
    for name in args.models:
        model = Sequential([CELLS[name](args.fashion_units, input_shape=(28, 28)),
                            Dense(10, activation="softmax")], seed=args.seed)
        model.compile(Adam(0.001), "sparse_categorical_crossentropy", metrics=["accuracy"])
        times, cpu_times = [], []
        for epoch in range(args.fashion_epochs):
            t0, c0 = time.perf_counter(), time.process_time()
            model.fit(x_train, y_train, batch_size=128, epochs=epoch + 1, initial_epoch=epoch,
                      verbose=0)
            times.append(time.perf_counter() - t0)
            cpu_times.append(time.process_time() - c0)  # all threads of this process
        _, accuracy = model.evaluate(x_test, y_test, verbose=0)
        print(f"  {name:9s} test accuracy {accuracy:.4f}, seconds per epoch "
              f"{', '.join(f'{t:.1f}' for t in times)} (CPU seconds "
              f"{', '.join(f'{t:.1f}' for t in cpu_times)})")
        rows.append({"model": f"{name}({args.fashion_units})", "params": model.count_params(),
                     "epochs": args.fashion_epochs, "test accuracy": float(accuracy),
                     "s/epoch": f"{np.mean(times):.1f}",
                     "CPU s/epoch": f"{np.mean(cpu_times):.1f}"})
    return rows


def main(argv: Sequence[str] | None = None) -> dict[str, list[dict]]:
    parser = example_parser(__doc__, "rnn_memory",
                            quick_help="T=20, 1,024 sequences, 16 units, 6 epochs (seconds)")
    parser.add_argument("--models", default="SimpleRNN,LSTM,GRU")
    parser.add_argument("--timesteps", type=int, default=30)
    parser.add_argument("--flag-within", type=int, default=10)
    parser.add_argument("--samples", type=int, default=4096)
    parser.add_argument("--units", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.005)
    parser.add_argument("--task", choices=["memory", "fashion", "both"], default="memory",
                        help="the memory task, Fashion-MNIST rows, or both")
    parser.add_argument("--fashion-units", type=int, default=128)
    parser.add_argument("--fashion-epochs", type=int, default=1)
    args = parser.parse_args(argv)
    args.models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [m for m in args.models if m not in CELLS]
    if unknown:
        parser.error(f"unknown model(s) {unknown}; choose from {', '.join(CELLS)}")
    if args.quick:
        args.timesteps, args.samples, args.units, args.epochs = 20, 1024, 16, 6
        args.fashion_units = 32

    results: dict[str, list[dict]] = {}
    if args.task in ("memory", "both"):
        rows = results["memory"] = memory_task(args)
        print()
        print(table(rows, ["model", "params", "epochs", "test accuracy", "seconds"]))
    if args.task in ("fashion", "both"):
        rows = results["fashion"] = fashion_rows(args)
        print()
        print(table(rows, ["model", "params", "epochs", "test accuracy", "s/epoch",
                           "CPU s/epoch"]))
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "results.json"
    path.write_text(json.dumps(results, indent=1) + "\n")
    saved(path)
    return results


if __name__ == "__main__":
    main()
