"""W1 written as plain NumPy, with no framework at all: the yardstick for glassnet's overhead.

The workshop's 784-30-30-10 ReLU/softmax MLP trained with SGD (lr 0.001, batch 32) on
Fashion-MNIST, exactly as W1 in ``run.py``, as one function: one shuffle per epoch, then
slices; the loss and the accuracy are kept as ``fit`` keeps them. No layers, no callbacks, no
checks. Prints seconds per epoch (wall and CPU) beside glassnet's ``fit`` on the same arrays in
the same process, alternating, so both see the same machine::

    python benchmarks/plain_numpy_w1.py --epochs 3

Set the thread count before NumPy loads (``OPENBLAS_NUM_THREADS=1``, as ``run.py`` does).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import numpy as np  # noqa: E402


def glorot(rng: np.random.Generator, n_in: int, n_out: int) -> np.ndarray:
    limit = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-limit, limit, (n_in, n_out)).astype(np.float32)


def plain_epoch(params: list[np.ndarray], x: np.ndarray, y: np.ndarray,
                rng: np.random.Generator, lr: float, batch: int) -> tuple[float, float]:
    """One epoch of minibatch SGD; returns (mean loss, accuracy). ``params`` updated in place."""
    w1, b1, w2, b2, w3, b3 = params
    perm = rng.permutation(len(x))
    xs, ys = x[perm], y[perm]
    rows = np.arange(batch)
    loss_sum, hits = 0.0, 0
    for i in range(0, len(xs), batch):
        xb, yb = xs[i:i + batch], ys[i:i + batch]
        n, idx = len(xb), rows[:len(xb)]
        z1 = xb @ w1
        z1 += b1
        a1 = np.maximum(z1, 0, out=z1)
        z2 = a1 @ w2
        z2 += b2
        a2 = np.maximum(z2, 0, out=z2)
        z3 = a2 @ w3
        z3 += b3
        hits += int((z3.argmax(1) == yb).sum())
        z3 -= z3.max(1, keepdims=True)
        np.exp(z3, out=z3)
        z3 /= z3.sum(1, keepdims=True)  # softmax probabilities
        loss_sum -= float(np.log(np.maximum(z3[idx, yb], 1e-7)).sum())
        g = z3
        g[idx, yb] -= 1.0
        g *= 1.0 / n  # dL/dz3 of the mean cross-entropy
        gw3, gb3 = a2.T @ g, g.sum(0)
        d2 = g @ w3.T
        d2 *= a2 > 0
        gw2, gb2 = a1.T @ d2, d2.sum(0)
        d1 = d2 @ w2.T
        d1 *= a1 > 0
        gw1, gb1 = xb.T @ d1, d1.sum(0)
        for p, gp in ((w1, gw1), (b1, gb1), (w2, gw2), (b2, gb2), (w3, gw3), (b3, gb3)):
            gp *= lr
            p -= gp
    return loss_sum / len(x), hits / len(x)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    raw, source = common.load_fashion_uint8()
    x = (raw["x_train"].reshape(len(raw["x_train"]), -1) / np.float32(255)).astype(np.float32)
    y = raw["y_train"].astype(np.intp)
    rng = np.random.default_rng(args.seed)
    params = [glorot(rng, 784, 30), np.zeros(30, np.float32), glorot(rng, 30, 30),
              np.zeros(30, np.float32), glorot(rng, 30, 10), np.zeros(10, np.float32)]

    from glassnet.layers import Activation, Dense
    from glassnet.models import Sequential
    from glassnet.optimizers import SGD

    model = Sequential([Dense(30, input_dim=784), Activation("relu"), Dense(30),
                        Activation("relu"), Dense(10), Activation("softmax")], seed=args.seed)
    model.compile(SGD(learning_rate=0.001), "categorical_crossentropy", metrics=["accuracy"])
    onehot = np.eye(10, dtype=np.float32)[y]
    print(f"data: {source}; {len(x)} rows; OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}")
    print("| epoch | plain NumPy s (CPU s) | glassnet fit s (CPU s) | plain loss / acc |")
    print("|---:|---:|---:|---|")
    for epoch in range(args.epochs):
        t, c = time.perf_counter(), time.process_time()
        loss, acc = plain_epoch(params, x, y, rng, 0.001, 32)
        plain = (time.perf_counter() - t, time.process_time() - c)
        t, c = time.perf_counter(), time.process_time()
        model.fit(x, onehot, batch_size=32, epochs=1, verbose=0)
        glass = (time.perf_counter() - t, time.process_time() - c)
        print(f"| {epoch + 1} | {plain[0]:.3f} ({plain[1]:.3f}) | {glass[0]:.3f} ({glass[1]:.3f}) "
              f"| {loss:.4f} / {acc:.4f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
