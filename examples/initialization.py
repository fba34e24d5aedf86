"""Further question: are there better initialisation techniques?

The workshop draws weights from a standard normal. In a deep ReLU net that makes activations
explode (or, too small, vanish) layer after layer; Glorot and He scale the variance by the
fan-in/out so the signal keeps its size. Printed: the spread of the last hidden activations at
initialisation, and the accuracy after the same short training.

Run: python examples/initialization.py [--quick] [--out reports/examples]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from _common import parse, split, table

from glassnet.datasets.toy import make_circles
from glassnet.initializers import RandomNormal
from glassnet.layers import Dense
from glassnet.models import Sequential

SCHEMES = {
    "standard normal (the workshop)": RandomNormal(stddev=1.0),
    "small normal (0.01)": RandomNormal(stddev=0.01),
    "glorot_uniform (Keras default)": "glorot_uniform",
    "he_normal": "he_normal",
}


def main(argv: Sequence[str] | None = None) -> list[dict]:
    args = parse(__doc__, argv, "reports/examples")
    (x_tr, y_tr), (x_te, y_te) = split(*make_circles(n_samples=300 if args.quick else 1000,
                                                     noise=0.1, seed=0))
    depth = 4 if args.quick else 10
    rows = []
    for name, init in SCHEMES.items():
        layers = [Dense(32, activation="relu", input_dim=2, kernel_initializer=init)]
        layers += [Dense(32, activation="relu", kernel_initializer=init) for _ in range(depth - 1)]
        model = Sequential(layers + [Dense(2, activation="softmax")], seed=0)
        model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
        model.build()
        h = x_tr.astype("float32")
        for layer in model.layers[:-1]:
            h = layer.forward(h)
        spread = float(np.std(h))
        model.fit(x_tr, y_tr, epochs=3 if args.quick else 40, batch_size=32, verbose=0,
                  callbacks=[])
        with np.errstate(all="ignore"):
            acc = model.evaluate(x_te, y_te, verbose=0)[1]
        rows.append({"initialiser": name, "std of last hidden layer at init": spread,
                     "test accuracy": acc})
    print(f"{depth} ReLU layers of 32 units, SGD:")
    print(table(rows, ["initialiser", "std of last hidden layer at init", "test accuracy"]))
    return rows


if __name__ == "__main__":
    main()
