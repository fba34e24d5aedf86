"""A very deep residual network (250+ layers, 102 of them Dense) trains on Fashion-MNIST.

Run:  python examples/very_deep_resnet.py            (60k train / 10k test, 10 epochs)
      python examples/very_deep_resnet.py --quick    (a few seconds, for CI)

The network, built with the functional API (``glassnet.models.Model``)::

    x (784) -> Dense(64)                                              stem
            -> 50 x [ h + Dense(64)(Dense(64, relu)(relu(LayerNorm(h)))) ]   residual blocks
            -> LayerNorm -> relu -> Dense(10, softmax)                head

Layers counted: every entry of ``model.layers`` but the InputLayer, i.e. Dense,
LayerNormalization, Activation and Add layers: ``1 + 5 * blocks + 3`` = 254 for 50 blocks,
of which ``2 * blocks + 2`` = 102 are Dense (weight) layers.

What keeps 250 layers trainable: the skip connections (the gradient reaches the stem through
the identities of the Add layers), He initialisation for the ReLU layers, pre-activation
normalisation, and the last Dense of each branch starting small (variance ``1 / blocks``),
so that at initialisation the whole stack is close to the identity.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from glassnet import initializers, layers
from glassnet.callbacks import Callback
from glassnet.diagnostics import GradientFlow
from glassnet.layers import Activation, Add, Dense, Input
from glassnet.models import Model
from glassnet.optimizers import Adam


def load_data(n_train: int | None, n_test: int | None, seed: int) -> tuple[Any, ...]:
    """Fashion-MNIST (a random subset when sizes are given), else scikit-learn's digits."""
    try:
        from glassnet.datasets import fashion_mnist

        (x, y), (xt, yt) = fashion_mnist.load_data()
        name, scale = "Fashion-MNIST", 255.0
    except (ValueError, OSError):
        from glassnet.datasets import digits

        (x, y), (xt, yt) = digits.load_data()
        name, scale = "digits (Fashion-MNIST not found)", 16.0
    rng = np.random.default_rng(seed)
    i = rng.permutation(len(x))[:n_train]
    j = rng.permutation(len(xt))[:n_test]
    flat = lambda a: a.reshape(len(a), -1).astype(np.float32) / scale  # noqa: E731
    return name, flat(x[i]), y[i].astype(np.int64), flat(xt[j]), yt[j].astype(np.int64)


def resnet(n_in: int, blocks: int, width: int, seed: int) -> Model:
    """The pre-activation residual MLP described in the module docstring."""
    norm = getattr(layers, "LayerNormalization", None)
    small = initializers.VarianceScaling(scale=1.0 / blocks, mode="fan_in")
    x = Input(shape=(n_in,))
    h = Dense(width, kernel_initializer="he_normal")(x)
    for _ in range(blocks):
        f = norm()(h) if norm is not None else h
        f = Activation("relu")(f)
        f = Dense(width, activation="relu", kernel_initializer="he_normal")(f)
        f = Dense(width, kernel_initializer=small)(f)
        h = Add()([h, f])
    h = Activation("relu")(norm()(h) if norm is not None else h)
    return Model(x, Dense(10, activation="softmax")(h), seed=seed, name="very_deep_resnet")


def count_layers(model: Model) -> dict[str, int]:
    """Layers by type, the InputLayer left out."""
    counts: dict[str, int] = {}
    for layer in model.layers:
        if not isinstance(layer, layers.InputLayer):
            counts[type(layer).__name__] = counts.get(type(layer).__name__, 0) + 1
    return counts


class EpochLine(Callback):
    """One printed line per epoch: loss, test accuracy, seconds."""

    def on_epoch_begin(self, epoch, logs=None):
        self._t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        print(f"  epoch {epoch + 1:2d}: loss {logs.get('loss', float('nan')):.4f}  "
              f"train acc {logs.get('accuracy', float('nan')):.4f}  "
              f"test acc {logs.get('val_accuracy', float('nan')):.4f}  "
              f"({time.perf_counter() - self._t0:.1f} s)")


def run(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2000 images, 1 epoch (CI)")
    parser.add_argument("--blocks", type=int, default=50, help="residual blocks (default 50)")
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=None, help="default 10 (1 with --quick)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.blocks < 1:
        parser.error(f"--blocks must be at least 1, got {args.blocks}")
    sizes = (2000, 1000) if args.quick else (None, None)
    epochs = args.epochs or (1 if args.quick else 10)
    name, x, y, xt, yt = load_data(*sizes, args.seed)
    model = resnet(x.shape[1], args.blocks, args.width, args.seed)
    model.blas_threads = 1  # 64-wide products: one BLAS thread is fastest (and polite)
    model.compile(Adam(1e-3), "sparse_categorical_crossentropy", ["accuracy"])
    model.build()
    counts = count_layers(model)
    depth = sum(counts.values())
    print(f"{name}: {len(x)} training / {len(xt)} test images")
    print(f"{depth} layers ({', '.join(f'{n} {k}' for k, n in counts.items())}), "
          f"{model.count_params():,} parameters; Adam(1e-3), batch {args.batch_size}, "
          f"{epochs} epoch(s)")
    flow = GradientFlow(every="epoch")
    start, cpu_start = time.perf_counter(), time.process_time()
    history = model.fit(x, y, epochs=epochs, batch_size=args.batch_size, verbose=0,
                        validation_data=(xt, yt), callbacks=[flow, EpochLine()]).history
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start  # a shared machine inflates wall time
    _, kernels = flow.series("grad_norm", param="kernel")
    losses = history["loss"]
    result = {
        "dataset": name, "depth": depth, "dense": counts.get("Dense", 0), "counts": counts,
        "params": model.count_params(), "epochs": epochs, "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "loss": losses, "test_accuracy": history["val_accuracy"][-1],
        "grad_ratio": kernels[:, 0] / kernels[:, -1],
        "diverged": not all(math.isfinite(v) for v in losses) or losses[-1] > losses[0],
    }
    print(f"Wall time {seconds:.1f} s (CPU {cpu_seconds:.1f} s); final test accuracy "
          f"{result['test_accuracy']:.4f}; first/last Dense gradient norm at each epoch's first step: "
          f"{' '.join(f'{r:.2g}' for r in result['grad_ratio'])}")
    return result


def main(argv: Sequence[str] | None = None) -> int:
    result = run(argv)
    return 1 if result["diverged"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
