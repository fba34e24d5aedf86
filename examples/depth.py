"""Further question: advantages and disadvantages of adding more layers?

Width and depth on the same data: more layers can draw more intricate boundaries with fewer
parameters, but train slower per step and, without care, harder (see vanishing_gradients.py).

Run: python examples/depth.py [--seed 0]   (some seconds; it writes no files)
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from _common import parse, split, table

from glassnet.datasets.toy import make_spirals
from glassnet.layers import Dense
from glassnet.models import Sequential


def model_of(depth: int, width: int, seed: int) -> Sequential:
    layers = [Dense(width, activation="relu", input_dim=2, kernel_initializer="he_normal")]
    layers += [Dense(width, activation="relu", kernel_initializer="he_normal")
               for _ in range(depth - 1)]
    return Sequential(layers + [Dense(2, activation="softmax")], seed=seed)


def main(argv: Sequence[str] | None = None) -> list[dict]:
    args = parse(__doc__, argv, "depth")
    (x_tr, y_tr), (x_te, y_te) = split(*make_spirals(n_samples=600, noise=0.15,
                                                     seed=args.seed + 1), seed=args.seed)
    rows = []
    configs = [(1, 8), (1, 64), (3, 16), (6, 16)]
    for depth, width in configs:
        model = model_of(depth, width, args.seed)
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        t0 = time.perf_counter()
        model.fit(x_tr, y_tr, epochs=100, batch_size=32, verbose=0)
        rows.append({"hidden layers": depth, "width": width, "params": model.count_params(),
                     "train s": time.perf_counter() - t0,
                     "test accuracy": model.evaluate(x_te, y_te, verbose=0)[1]})
    print(table(rows, ["hidden layers", "width", "params", "train s", "test accuracy"]))
    return rows


if __name__ == "__main__":
    main()
