"""Vanishing gradients, shown: a deep sigmoid MLP stalls, ReLU + He + residual trains.

Run:  python examples/vanishing_gradients.py            (Fashion-MNIST, 20k images, ~1 min)
      python examples/vanishing_gradients.py --quick    (2,000 images, 1 epoch: seconds)

Three networks with the same depth (32 Dense layers of width 64 by default), trained on the
same data with the same optimizer (SGD, learning rate 0.05, momentum 0.9, batch 64):

1. **sigmoid, plain**: the 1990s recipe, Glorot initialisation. Each layer multiplies the
   backward gradient by ``W^T diag(a (1 - a))`` with ``a (1 - a) <= 1/4``: the gradient at the
   first layer is ~20 orders of magnitude below the last one's, and the loss stays at
   ``ln 10 = 2.30`` (chance).
2. **ReLU + He, plain**: slope 1 where active and He's ``Var(W) = 2 / fan_in`` keep the
   gradient's size at initialisation, but nothing keeps it there: this deep stack is fragile
   and, at this learning rate, most ReLUs die (output 0 for every sample) and it stalls too.
3. **ReLU + He + residual** (+ LayerNormalization when ``glassnet.layers`` has it): blocks
   ``h <- h + f(h)``, whose Jacobian ``I + df/dh`` carries the gradient through the identity;
   the last layer of each branch starts small (variance ``1 / n_blocks``), so the stack starts
   near the identity. It trains.

A :class:`glassnet.diagnostics.GradientFlow` callback records each layer's gradient norm
during training; the figure (``<out>/vanishing_gradients.png``, by default under
``reports/vanishing_gradients/``) draws the norm of each Dense kernel's gradient against depth.
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from glassnet import initializers, layers
from glassnet.commands._args import out_dir
from glassnet.diagnostics import GradientFlow
from glassnet.layers import Activation, Add, Dense, Input
from glassnet.models import Model, Sequential
from glassnet.optimizers import SGD


def parser(doc: str, example: str, quick_help: str) -> argparse.ArgumentParser:
    """``--quick``, ``--out`` (default ``reports/vanishing_gradients``) and ``--seed``; this example
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


def load_data(n_train: int, n_test: int, seed: int) -> tuple[np.ndarray, ...]:
    """A class-balanced random subset of Fashion-MNIST (else scikit-learn's digits), in [0, 1]."""
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


HEALTH = {"dead_fraction": "dead ReLUs (mean over layers)",
          "saturated_fraction": "saturated sigmoids (mean over layers)"}


def normalization() -> type | None:
    """``LayerNormalization`` if this glassnet has it (it is being written), else None."""
    return getattr(layers, "LayerNormalization", None)


def plain(depth: int, width: int, n_in: int, activation: str, init: str, seed: int) -> Sequential:
    hidden = [Dense(width, activation=activation, kernel_initializer=init)
              for _ in range(depth - 1)]
    return Sequential([Input(shape=(n_in,)), *hidden, Dense(10, activation="softmax")],
                      seed=seed, name=f"plain_{activation}")


def residual(depth: int, width: int, n_in: int, seed: int) -> Model:
    """Stem Dense, ``(depth - 2) // 2`` blocks of two Dense layers, head Dense: ``depth`` Dense."""
    blocks = (depth - 2) // 2
    norm = normalization()
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
    return Model(x, Dense(10, activation="softmax")(h), seed=seed, name="residual")


def train(model: Any, data: tuple, epochs: int, every: int) -> dict[str, Any]:
    _, x, y, xt, yt = data
    model.blas_threads = 1  # 64-wide products: a second BLAS thread costs more than it saves
    model.compile(SGD(0.05, momentum=0.9), "sparse_categorical_crossentropy", ["accuracy"])
    flow = GradientFlow(every=every)
    start = time.perf_counter()
    history = model.fit(x, y, epochs=epochs, batch_size=64, verbose=0, callbacks=[flow])
    seconds = time.perf_counter() - start
    _, accuracy = model.evaluate(xt, yt, verbose=0)
    _, norms = flow.series("grad_norm", param="kernel")  # the Dense weight matrices
    health = {}
    for key in ("dead_fraction", "saturated_fraction"):
        with contextlib.suppress(ValueError, KeyError, IndexError):
            _, v = flow.series(key)
            if v.size:
                health[key] = float(v[-1].mean())
    return {"flow": flow, "loss": history.history["loss"], "accuracy": float(accuracy),
            "seconds": seconds, "norms_start": norms[0], "norms_end": norms[-1], "health": health,
            "dense": sum(isinstance(la, Dense) for la in model.layers),
            "layers": sum(not isinstance(la, layers.InputLayer) for la in model.layers)}


def ratio(norms: np.ndarray) -> str:
    """First layer's gradient norm over the last layer's, as text."""
    if norms[-1] == 0:
        return "undefined (all zero: the last hidden layer's ReLUs are all dead)"
    return f"{norms[0] / norms[-1]:.1e}"


def run(argv: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
    p = parser(__doc__, "vanishing_gradients",
               quick_help="2,000 training / 1,000 test images, 1 epoch (seconds)")
    p.add_argument("--depth", type=int, default=32, help="Dense layers per network")
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--plot", type=Path, default=None,
                   help="figure path (default: <out>/vanishing_gradients.png)")
    args = p.parse_args(argv)
    if args.depth < 4:
        p.error(f"--depth must be at least 4, got {args.depth}")
    n_train, n_test = (2000, 1000) if args.quick else (20000, 5000)
    epochs = args.epochs or (1 if args.quick else 5)
    every = 5 if args.quick else 50
    data = load_data(n_train, n_test, args.seed)
    n_in = data[1].shape[1]
    print(f"{data[0]}: {n_train} training / {n_test} test images; {args.depth} Dense layers of "
          f"width {args.width}; SGD(0.05, momentum=0.9), batch 64, {epochs} epoch(s).")
    if normalization() is None:
        print("glassnet.layers.LayerNormalization is not available yet: the residual network "
              "uses residual connections + He initialisation only.")
    models = {
        "sigmoid, plain": plain(args.depth, args.width, n_in, "sigmoid", "glorot_uniform",
                                args.seed),
        "ReLU + He, plain": plain(args.depth, args.width, n_in, "relu", "he_normal", args.seed),
        "ReLU + He + residual" + (" + LayerNorm" if normalization() else ""):
            residual(args.depth, args.width, n_in, args.seed),
    }
    results = {}
    for label, model in models.items():
        results[label] = r = train(model, data, epochs, every)
        health = ", ".join(f"{HEALTH[k]} {v:.0%}" for k, v in r["health"].items())
        print(f"\n{label}: {r['layers']} layers ({r['dense']} Dense), "
              f"{model.count_params():,} params, {r['seconds']:.1f} s")
        print(f"  |grad| first layer / last layer: {ratio(r['norms_start'])} at step 0, "
              f"{ratio(r['norms_end'])} at the end")
        print(f"  loss per epoch: {' '.join(f'{v:.3f}' for v in r['loss'])}; "
              f"test accuracy {r['accuracy']:.3f}" + (f"; at the end: {health}" if health else ""))
    from glassnet.plotting._backend import pyplot
    from glassnet.plotting.gradients import plot_gradient_flow

    path = args.plot or args.out / "vanishing_gradients.png"
    fig = plot_gradient_flow({k: r["flow"] for k, r in results.items()}, path=path,
                             title=f"Gradient norm per layer, {args.depth} Dense layers, "
                                   f"{data[0]}")
    pyplot().close(fig)
    print()
    saved(path)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    run(argv)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
