"""W1 written as NumPy with no framework at all: the yardsticks for glassnet's overhead.

The workshop's 784-30-30-10 ReLU/softmax MLP trained with SGD (lr 0.001, batch 32) on
Fashion-MNIST, exactly as W1 in ``run.py``, three ways, each one function:

* ``plain``: what a careful person writes -- one shuffle per epoch, then slices; the loss and
  the accuracy kept as ``fit`` keeps them.
* ``minimal``: every trick we know for this one network, to find the floor of a NumPy W1
  step: batches gathered into preallocated buffers, integer labels, the biases of layers 2
  and 3 folded into their products (a ones column appended to the activations, the bias as
  the kernel's last row: ``[a, 1] @ [W; b]``, whose gradient ``[a, 1]^T g`` gives dW and db in
  one product), the learning rate folded into ``dL/dz`` so the update is one subtraction
  over all parameters, every elementwise result written into a buffer (``out=``). About 30
  NumPy calls per step, eight of them matrix products.
* ``glassnet``: ``Sequential.fit`` on the same arrays.

All three (and, with ``--torch``, the PyTorch eager loop of ``run.py``'s worker) run in the
same process, alternating epoch by epoch so that each sees the same machine; the table gives
CPU seconds per epoch and, with ``--torch``, each ÷ PyTorch::

    python benchmarks/plain_numpy_w1.py --epochs 3 --torch

Set the thread count before NumPy loads (``OPENBLAS_NUM_THREADS=1``, as ``run.py`` does; this
script sets it when unset).
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


class MinimalW1:
    """The W1 step with every trick (see the module notes); parameters in one flat vector.

    Layout of ``theta``: ``W1 (784, 30)``, ``b1 (30,)``, ``[W2; b2] (31, 30)``,
    ``[W3; b3] (31, 10)``; ``grad`` the same. Activations ``A1, A2`` are ``(batch, 31)`` with
    a last column of ones that ``max(., 0)`` keeps.
    """

    def __init__(self, rng: np.random.Generator, batch: int, lr: float) -> None:
        self.shapes = [(784, 30), (30,), (31, 30), (31, 10)]
        size = sum(int(np.prod(s)) for s in self.shapes)
        self.theta, self.grad = np.zeros(size, np.float32), np.zeros(size, np.float32)
        self.w1, self.b1, self.w2, self.w3 = self._views(self.theta)
        self.gw1, self.gb1, self.gw2, self.gw3 = self._views(self.grad)
        self.w1[:] = glorot(rng, 784, 30)
        self.w2[:30] = glorot(rng, 30, 30)
        self.w3[:30] = glorot(rng, 30, 10)
        self.batch, self.lr = batch, lr
        self.xb, self.yb = np.empty((batch, 784), np.float32), np.empty(batch, np.intp)
        self.a1, self.a2 = np.ones((batch, 31), np.float32), np.ones((batch, 31), np.float32)
        self.z3 = np.empty((batch, 10), np.float32)
        self.d1, self.d2 = np.empty((batch, 30), np.float32), np.empty((batch, 30), np.float32)
        self.m1, self.m2 = np.empty((batch, 30), bool), np.empty((batch, 30), bool)
        self.rmax, self.rsum = np.empty((batch, 1), np.float32), np.empty((batch, 1), np.float32)
        self.ones, self.rows = np.ones(batch, np.float32), np.arange(batch)

    def _views(self, flat: np.ndarray) -> list[np.ndarray]:
        out, at = [], 0
        for shape in self.shapes:
            n = int(np.prod(shape))
            out.append(flat[at:at + n].reshape(shape))
            at += n
        return out

    def epoch(self, x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[float, float]:
        """One epoch over the full batches; returns (mean loss, accuracy)."""
        b, xb, yb, a1, a2, z3, d1, d2 = (self.batch, self.xb, self.yb, self.a1, self.a2,
                                         self.z3, self.d1, self.d2)
        h1, h2, rows = a1[:, :30], a2[:, :30], self.rows
        w2t, w3t = self.w2[:30].T, self.w3[:30].T
        scale = np.float32(self.lr / b)  # lr / n folded into dL/dz
        perm = rng.permutation(len(x))
        loss_sum, hits, steps = 0.0, 0, len(x) // b
        for i in range(0, steps * b, b):
            idx = perm[i:i + b]
            np.take(x, idx, axis=0, out=xb, mode="clip")
            np.take(y, idx, out=yb, mode="clip")
            np.matmul(xb, self.w1, out=h1)
            np.add(h1, self.b1, out=h1)
            np.maximum(a1, 0, out=a1)  # the ones column stays 1
            np.matmul(a1, self.w2, out=h2)  # [a1, 1] @ [W2; b2]
            np.maximum(a2, 0, out=a2)
            np.matmul(a2, self.w3, out=z3)  # logits
            np.maximum.reduce(z3, axis=1, keepdims=True, out=self.rmax)
            np.subtract(z3, self.rmax, out=z3)
            picked = z3[rows, yb]  # z_y - max z: 0 where the label scores highest
            hits += int(np.count_nonzero(picked == 0))
            np.exp(z3, out=z3)
            np.add.reduce(z3, axis=1, keepdims=True, out=self.rsum)
            loss_sum += float(np.add.reduce(np.log(self.rsum), axis=None) - np.add.reduce(picked))
            np.multiply(self.rsum, 1 / scale, out=self.rsum)
            np.divide(z3, self.rsum, out=z3)  # lr/n softmax
            z3[rows, yb] -= scale  # g = lr (p - onehot) / n
            np.matmul(a2.T, z3, out=self.gw3)  # lr [dW3; db3]
            np.matmul(z3, w3t, out=d2)
            np.greater(h2, 0, out=self.m2)
            np.multiply(d2, self.m2, out=d2)
            np.matmul(a1.T, d2, out=self.gw2)  # lr [dW2; db2]
            np.matmul(d2, w2t, out=d1)
            np.greater(h1, 0, out=self.m1)
            np.multiply(d1, self.m1, out=d1)
            np.matmul(xb.T, d1, out=self.gw1)
            np.matmul(self.ones, d1, out=self.gb1)
            np.subtract(self.theta, self.grad, out=self.theta)  # grad already holds lr g
        return loss_sum / (steps * b), hits / (steps * b)


def torch_epoch_fn(x: np.ndarray, y: np.ndarray, seed: int):
    """``run.py``'s PyTorch W1 loop as a function of no arguments (one epoch per call)."""
    import torch
    import torch.nn.functional as F
    from workers import torch_worker

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    model = torch_worker.build_model(common.WORKLOADS["W1"])
    opt = torch.optim.SGD(model.parameters(), lr=0.001)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))

    def epoch() -> None:
        perm = torch.randperm(len(tx))
        xs, ys = tx[perm], ty[perm]
        for i in range(0, len(xs), 32):
            opt.zero_grad()
            F.cross_entropy(model(xs[i:i + 32]), ys[i:i + 32]).backward()
            opt.step()

    return epoch


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--torch", action="store_true", help="also time the PyTorch loop")
    args = parser.parse_args()
    raw, source = common.load_fashion_uint8()
    x = (raw["x_train"].reshape(len(raw["x_train"]), -1) / np.float32(255)).astype(np.float32)
    y = raw["y_train"].astype(np.intp)
    rng = np.random.default_rng(args.seed)
    params = [glorot(rng, 784, 30), np.zeros(30, np.float32), glorot(rng, 30, 30),
              np.zeros(30, np.float32), glorot(rng, 30, 10), np.zeros(10, np.float32)]
    minimal = MinimalW1(np.random.default_rng(args.seed), 32, 0.001)

    from glassnet.layers import Activation, Dense
    from glassnet.models import Sequential
    from glassnet.optimizers import SGD

    model = Sequential([Dense(30, input_dim=784), Activation("relu"), Dense(30),
                        Activation("relu"), Dense(10), Activation("softmax")], seed=args.seed)
    model.compile(SGD(learning_rate=0.001), "categorical_crossentropy", metrics=["accuracy"])
    onehot = np.eye(10, dtype=np.float32)[y]

    def glassnet_epoch() -> tuple[float, float]:
        logs = model.fit(x, onehot, batch_size=32, epochs=1, verbose=0).history
        return logs["loss"][-1], logs["accuracy"][-1]

    runs = {"plain NumPy": lambda: plain_epoch(params, x, y, rng, 0.001, 32),
            "minimal NumPy": lambda: minimal.epoch(x, y, rng),
            "glassnet fit": glassnet_epoch}
    if args.torch:
        runs["PyTorch"] = torch_epoch_fn(x, y, args.seed)
    cpu: dict[str, list[float]] = {k: [] for k in runs}
    print(f"data: {source}; {len(x)} rows; OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}")
    print("CPU seconds per epoch (loss / accuracy of that epoch):\n")
    print("| epoch | " + " | ".join(runs) + " |")
    print("|---:|" + "---:|" * len(runs))
    for epoch in range(args.epochs):
        cells = []
        for name, run in runs.items():
            c = time.process_time()
            out = run()
            cpu[name].append(time.process_time() - c)
            cells.append(f"{cpu[name][-1]:.3f}" + ("" if out is None else
                                                    f" ({out[0]:.3f} / {out[1]:.3f})"))
        print(f"| {epoch + 1} | " + " | ".join(cells) + " |")
    med = {k: float(np.median(v)) for k, v in cpu.items()}
    print("\nmedian CPU s/epoch: " + ", ".join(f"{k} {v:.3f}" for k, v in med.items()))
    if args.torch:
        print("÷ PyTorch: " + ", ".join(f"{k} {v / med['PyTorch']:.2f}x" for k, v in med.items()
                                        if k != "PyTorch"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
