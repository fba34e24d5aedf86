"""Further question: are there better initialisation techniques?

The workshop draws weights from a standard normal. In a deep ReLU net that makes the signal
grow by about ``sqrt(fan_in / 2)`` per layer: after 10 layers of 32 units the last hidden
activations are ~10^6 times the input, the first gradient step overshoots and the loss becomes
inf or NaN -- the run *diverges*. Too small a scale (0.01) makes the signal vanish instead and
the net barely moves. Glorot and He scale the variance by the fan-in (and fan-out) so the
signal keeps its size, and the same deep net trains.

Printed: the spread of the last hidden activations at initialisation, whether training
diverged, and the test accuracy after the same training (SGD, two circles). A diverged run is
reported and the example goes on with the next initialiser.

Run: python examples/initialization.py [--depth 10] [--seed 0] [--out reports/initialization]
(a few seconds)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from _common import split, table

from glassnet.callbacks import TerminateOnNaN
from glassnet.datasets.toy import make_circles
from glassnet.initializers import RandomNormal
from glassnet.layers import Dense
from glassnet.models import Sequential

SCHEMES = {
    "standard normal (the workshop)": lambda: RandomNormal(stddev=1.0),
    "small normal (0.01)": lambda: RandomNormal(stddev=0.01),
    "glorot_uniform (Keras default)": lambda: "glorot_uniform",
    "he_normal": lambda: "he_normal",
}


def deep_net(init: str, depth: int, seed: int) -> Sequential:
    """``depth`` ReLU layers of 32 units, all initialised by ``init``, and a softmax output."""
    layers = [Dense(32, activation="relu", input_dim=2, kernel_initializer=SCHEMES[init]())]
    layers += [Dense(32, activation="relu", kernel_initializer=SCHEMES[init]())
               for _ in range(depth - 1)]
    model = Sequential(layers + [Dense(2, activation="softmax")], seed=seed)
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def last_hidden_spread(model: Sequential, x: np.ndarray) -> float:
    """Standard deviation of the last hidden layer's output at initialisation."""
    model.build()
    h = x.astype("float32")
    with np.errstate(all="ignore"):
        for layer in model.layers[:-1]:
            h = layer.forward(h)
        return float(np.std(h))


def train(model: Sequential, data, epochs: int) -> tuple[bool, int | None, float]:
    """Fit; returns (diverged, epoch at which the loss stopped being finite, test accuracy)."""
    (x_tr, y_tr), (x_te, y_te) = data
    diverged_at = None
    with np.errstate(all="ignore"):
        try:
            history = model.fit(x_tr, y_tr, epochs=epochs, batch_size=32, verbose=0,
                                callbacks=[TerminateOnNaN()]).history
            losses = history.get("loss", [])
            bad = [i for i, v in enumerate(losses) if not math.isfinite(v)]
            if bad or len(losses) < epochs:
                diverged_at = (bad[0] if bad else len(losses)) + 1
        except FloatingPointError:  # the loss became inf / NaN (NonFiniteLossError)
            diverged_at = -1
        pred = model.predict(x_te)
    finite = np.isfinite(pred).all(axis=1)
    accuracy = float(np.mean(finite & (np.nan_to_num(pred).argmax(axis=1) == y_te)))
    return diverged_at is not None, diverged_at, accuracy


def main(argv: Sequence[str] | None = None) -> list[dict]:
    from _common import parser

    p = parser(__doc__, "initialization")
    p.add_argument("--depth", type=int, default=10, help="hidden ReLU layers (default 10)")
    args = p.parse_args(argv)
    data = split(*make_circles(n_samples=600, noise=0.1, seed=args.seed), seed=args.seed)
    epochs = 100
    rows = []
    for name in SCHEMES:
        model = deep_net(name, args.depth, args.seed)
        spread = last_hidden_spread(model, data[0][0])
        diverged, at, acc = train(model, data, epochs)
        if diverged:
            when = f"at epoch {at}" if at and at > 0 else "in the first epoch"
            print(f"{name}: diverged {when} (the loss became inf/NaN); "
                  "going on with the next initialiser.")
        rows.append({"initialiser": name, "std of last hidden layer at init": spread,
                     "diverged": "yes" if diverged else "no", "test accuracy": acc})
    print(f"\n{args.depth} ReLU layers of 32 units, SGD(0.01), {epochs} epochs, two circles:")
    print(table(rows, ["initialiser", "std of last hidden layer at init", "diverged",
                       "test accuracy"]))
    return rows


if __name__ == "__main__":
    main()
