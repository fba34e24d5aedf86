"""A very deep residual network (250+ layers, 102 of them Dense) trains on Fashion-MNIST;
a plain network with as many Dense layers does not.

Run:  python examples/very_deep_resnet.py            (60k train / 10k test, 10 epochs; long)
      python examples/very_deep_resnet.py --quick    (2,000 train / 1,000 test images, 2 epochs:
                                                      some seconds per network)

Both networks have the same number of Dense layers of the same width, He initialisation and
the same optimizer (Adam 1e-3). The plain one (``Dense(64, relu)`` stacked) barely leaves
chance: its gradient has to cross every layer. The residual one trains.

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
import json
import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from glassnet import initializers, layers
from glassnet.callbacks import Callback
from glassnet.commands._args import out_dir
from glassnet.diagnostics import GradientFlow
from glassnet.layers import Activation, Add, Dense, Input
from glassnet.models import Model, Sequential
from glassnet.optimizers import Adam


def parser(doc: str, example: str, quick_help: str) -> argparse.ArgumentParser:
    """``--quick``, ``--out`` (default ``reports/very_deep_resnet``) and ``--seed``; this example
    does not use the examples' shared ``_common`` so that it can be loaded on its own."""
    p = argparse.ArgumentParser(description=doc.strip().splitlines()[0])
    p.add_argument("--quick", action="store_true", help=quick_help)
    p.add_argument("--out", type=out_dir, default=Path("reports") / example,
                   help=f"folder for what it writes (default: reports/{example})")
    p.add_argument("--seed", type=int, default=0, help="seed for the data and the weights")
    return p


def saved(path: Path) -> Path:
    print(f"Saved {path}")
    return path


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


def plain(n_in: int, blocks: int, width: int, seed: int) -> Sequential:
    """As many Dense layers as :func:`resnet` (``2 * blocks + 2``), stacked with no skip
    connection and no normalisation: ReLU, He initialisation."""
    hidden = [Dense(width, activation="relu", kernel_initializer="he_normal")
              for _ in range(2 * blocks + 1)]
    return Sequential([Input(shape=(n_in,)), *hidden, Dense(10, activation="softmax")],
                      seed=seed, name="plain_deep")


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
    p = parser(__doc__, "very_deep_resnet",
               quick_help="2,000 training / 1,000 test images, 2 epochs, batch 64")
    p.add_argument("--blocks", type=int, default=50, help="residual blocks (default 50)")
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--epochs", type=int, default=None, help="default 10 (2 with --quick)")
    p.add_argument("--batch-size", type=int, default=None, help="default 128 (64 with --quick)")
    args = p.parse_args(argv)
    if args.blocks < 1:
        p.error(f"--blocks must be at least 1, got {args.blocks}")
    sizes = (2000, 1000) if args.quick else (None, None)
    epochs = args.epochs or (2 if args.quick else 10)
    args.batch_size = args.batch_size or (64 if args.quick else 128)
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
    baseline = plain(x.shape[1], args.blocks, args.width, args.seed)
    baseline.blas_threads = 1
    baseline.compile(Adam(1e-3), "sparse_categorical_crossentropy", ["accuracy"])
    print(f"\nThe same {2 * args.blocks + 2} Dense layers stacked plainly (no skips, no "
          "normalisation):")
    plain_history = baseline.fit(x, y, epochs=epochs, batch_size=args.batch_size, verbose=0,
                                 validation_data=(xt, yt), callbacks=[EpochLine()]).history
    result["plain_test_accuracy"] = float(plain_history["val_accuracy"][-1])
    result["plain_loss"] = plain_history["loss"]
    print(f"\n| network ({2 * args.blocks + 2} Dense layers) | final test accuracy |\n|---|---:|\n"
          f"| residual + LayerNorm | {result['test_accuracy']:.4f} |\n"
          f"| plain | {result['plain_test_accuracy']:.4f} |")
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "results.json"
    keep = {k: v for k, v in result.items() if k != "grad_ratio"}
    path.write_text(json.dumps({**keep, "grad_ratio": [float(r) for r in result["grad_ratio"]]},
                               indent=1) + "\n")
    saved(path)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    result = run(argv)
    return 1 if result["diverged"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
