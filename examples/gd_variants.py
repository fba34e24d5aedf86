"""Further question: gradient-descent variants?

The same network, data and initial weights trained with each optimizer; their loss curves on
one plot. Momentum and the adaptive methods (RMSprop, Adam) reach a low loss in far fewer
epochs than plain SGD at the workshop's kind of learning rate. (Adam and AdamW nearly
coincide here: AdamW only adds a small weight decay.)

Run: python examples/gd_variants.py [--seed 0] [--out reports/gd_variants]   (a few seconds)
"""

from __future__ import annotations

from collections.abc import Sequence

from _common import parse, save_figure, split, table

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
    args = parse(__doc__, argv, "gd_variants")
    (x_tr, y_tr), (x_te, y_te) = split(*make_moons(n_samples=600, noise=0.2, seed=args.seed),
                                       seed=args.seed)
    curves, rows = {}, []
    for name, opt in optimizers().items():
        model = Sequential([Dense(32, activation="tanh", input_dim=2), Dense(32, activation="tanh"),
                            Dense(2, activation="softmax")], seed=args.seed)  # same initial weights
        model.compile(opt, "sparse_categorical_crossentropy", metrics=["accuracy"])
        h = model.fit(x_tr, y_tr, epochs=40, batch_size=32, verbose=0)
        curves[name] = h.history["loss"]
        rows.append({"optimizer": name, "train loss after 5 epochs": h.history["loss"][4],
                     "final train loss": h.history["loss"][-1],
                     "test accuracy": model.evaluate(x_te, y_te, verbose=0)[1]})
    print(table(rows, ["optimizer", "train loss after 5 epochs", "final train loss",
                       "test accuracy"]))
    path = args.out / "gd_variants.png"
    save_figure(plot_curves(curves, path=path, ylabel="training loss (log scale)", logy=True,
                            title="Gradient-descent variants: same net, data and initial weights"),
                path)
    return rows


if __name__ == "__main__":
    main()
