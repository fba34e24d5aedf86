"""Plain NumPy worker: the MLP workloads written by hand, with no framework at all.

The "plain NumPy reference": what a careful person writes in an afternoon, and the
yardstick for a NumPy library's overhead. ReLU hidden layers, softmax output with the mean
cross-entropy, Glorot-uniform kernels and zero biases (as everywhere else), and per epoch
one shuffled copy of the training set (``x[perm]``), then slices of ``batch_size`` rows.
Per step: the forward pass, the fused softmax + cross-entropy gradient ``(p - onehot) / n``,
the backward pass, and the update -- SGD ``p -= lr g``, or Adam written as its formula
(``m = b1 m + (1 - b1) g`` ...: temporaries allocated per step, as a hand-written loop
does). Like the PyTorch loop it keeps no running loss or accuracy. Prediction: the forward
pass in batches of 256 rows. MLP workloads only (W1, W2).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workers import _cli  # noqa: E402  (no NumPy import: the thread variables come first)

FRAMEWORK = "numpy"


def init_params(rng, sizes):
    """``[W1, b1, W2, b2, ...]``: Glorot-uniform kernels (fan_in, fan_out), zero biases, float32."""
    import numpy as np

    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        params += [rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32),
                   np.zeros(fan_out, np.float32)]
    return params


def forward(params, x):
    """Activations of every layer, input first; the last entry is the logits."""
    import numpy as np

    acts = [x]
    for i in range(0, len(params), 2):
        z = acts[-1] @ params[i] + params[i + 1]
        acts.append(np.maximum(z, 0) if i + 2 < len(params) else z)
    return acts


def gradients(params, acts, y):
    """Gradients of the mean softmax cross-entropy, in the order of ``params``."""
    import numpy as np

    z = acts[-1]
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    n = len(y)
    p[np.arange(n), y] -= 1.0
    g = p / n  # dL/dz of the last layer
    grads = [None] * len(params)
    for i in range(len(params) - 2, -1, -2):
        a = acts[i // 2]
        grads[i], grads[i + 1] = a.T @ g, g.sum(axis=0)
        if i:
            g = (g @ params[i].T) * (a > 0)
    return grads


class Adam:
    """Adam as Keras 3 writes it: the bias corrections folded into the step size,
    ``lr_t = lr * sqrt(1 - b2**t) / (1 - b1**t)``, then ``p -= lr_t * m / (sqrt(v) + eps)``."""

    def __init__(self, params, lr, eps, b1=0.9, b2=0.999):
        import numpy as np

        self.lr, self.eps, self.b1, self.b2, self.t = lr, eps, b1, b2, 0
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]

    def step(self, params, grads):
        import numpy as np

        self.t += 1
        b1, b2, t = self.b1, self.b2, self.t
        for p, g, m, v in zip(params, grads, self.m, self.v, strict=True):
            m[:] = b1 * m + (1 - b1) * g
            v[:] = b2 * v + (1 - b2) * g * g
            lr_t = self.lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
            p -= lr_t * m / (np.sqrt(v) + self.eps)


def train(args, wl):
    import common
    import numpy as np

    result = common.WorkerResult(wl.key, FRAMEWORK, version=np.__version__)
    if wl.kind != "mlp":
        result.status, result.note = "skipped", "the plain NumPy reference is an MLP"
        return result
    x_train, y_train, x_test, y_test = common.load_prepared(args.data)
    x, xt = common.shaped(x_train, wl.kind), common.shaped(x_test, wl.kind)
    y = y_train.astype(np.intp)
    memory = common.MemoryProbe()
    memory.start()
    rng = np.random.default_rng(args.seed)
    params = init_params(rng, (784, *wl.hidden, 10))
    adam = Adam(params, wl.learning_rate, common.ADAM_EPSILON) if wl.optimizer == "adam" else None
    n, bs = len(x), wl.batch_size
    watch = common.Stopwatch()
    t_fit = time.perf_counter()
    for _ in range(args.epochs):
        watch.start()
        perm = rng.permutation(n)
        xs, ys = x[perm], y[perm]
        for i in range(0, n, bs):
            grads = gradients(params, forward(params, xs[i:i + bs]), ys[i:i + bs])
            if adam is None:
                for p, g in zip(params, grads, strict=True):
                    p -= wl.learning_rate * g
            else:
                adam.step(params, grads)
        del xs, ys  # one shuffled copy at a time, as the PyTorch loop
        watch.stop()
    result.fit_total_s = time.perf_counter() - t_fit

    def predict() -> np.ndarray:
        out = np.empty((len(xt), 10), np.float32)
        for i in range(0, len(xt), common.PREDICT_BATCH):
            out[i:i + common.PREDICT_BATCH] = forward(params, xt[i:i + common.PREDICT_BATCH])[-1]
        return out

    result.predict_s, scores = common.timed_predict(predict)
    result.record(watch, memory, scores, y_test)
    result.note = f"weights {params[0].dtype}; whole-set shuffle per epoch, then slices"
    return result


if __name__ == "__main__":
    sys.exit(_cli.main(FRAMEWORK, train))
