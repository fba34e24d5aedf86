"""Further question: gradient-descent variants?

The same network, data and initial weights trained with each optimizer; their loss curves on
one plot. Momentum and the adaptive methods (RMSprop, Adam) reach a low loss in far fewer
epochs than plain SGD at the workshop's kind of learning rate.

Run: python examples/gd_variants.py [--quick] [--out reports/examples]
"""

from __future__ import annotations

from collections.abc import Sequence

from _common import parse, split, table

from glassnet.datasets.toy import make_moons
from glassnet.layers import Dense
from glassnet.models import Sequential
from glassnet.optimizers import SGD, Adagrad, Adam, AdamW, RMSprop
from glassnet.plotting.curves import plot_curves


def optimizers():
    return {
        "SGD": SGD(learning_rate=0.01),
        "SGD + momentum 0.9": SGD(learning_rate=0.01, momentum=0.9),
        "SGD + Nesterov": SGD(learning_rate=0.01, momentum=0.9, nesterov=True),
        "Adagrad": Adagrad(learning_rate=0.05),
        "RMSprop": RMSprop(learning_rate=0.001),
        "Adam": Adam(learning_rate=0.001),
        "AdamW": AdamW(learning_rate=0.001, weight_decay=0.01),
    }


def main(argv: Sequence[str] | None = None) -> list[dict]:
    args = parse(__doc__, argv, "reports/examples")
    (x_tr, y_tr), (x_te, y_te) = split(*make_moons(n_samples=300 if args.quick else 1000,
                                                   noise=0.2, seed=0))
    curves, rows = {}, []
    for name, opt in optimizers().items():
        model = Sequential([Dense(32, activation="tanh", input_dim=2), Dense(32, activation="tanh"),
                            Dense(2, activation="softmax")], seed=0)  # same initial weights
        model.compile(opt, "sparse_categorical_crossentropy", metrics=["accuracy"])
        h = model.fit(x_tr, y_tr, epochs=5 if args.quick else 60, batch_size=32, verbose=0)
        curves[name] = h.history["loss"]
        rows.append({"optimizer": name, "final train loss": h.history["loss"][-1],
                     "test accuracy": model.evaluate(x_te, y_te, verbose=0)[1]})
    print(table(rows, ["optimizer", "final train loss", "test accuracy"]))
    plot_curves(curves, path=args.out / "gd_variants.png", ylabel="training loss", logy=True,
                title="Gradient-descent variants: same net, data and initial weights")
    return rows


if __name__ == "__main__":
    main()
