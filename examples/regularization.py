"""Further question: regularisation?

A network much bigger than 60 noisy training points can memorise them: training loss near
zero, validation loss climbing. L2 weight decay and Dropout hold it back. Printed: train and
validation accuracy with and without; plotted: the validation loss curves.

Run: python examples/regularization.py [--quick] [--out reports/examples]
"""

from __future__ import annotations

from collections.abc import Sequence

from _common import parse, table

from glassnet.datasets.toy import make_moons
from glassnet.layers import Dense, Dropout
from glassnet.models import Sequential
from glassnet.plotting.curves import plot_curves


def build(kind: str) -> Sequential:
    reg = "l2" if kind == "L2 (0.01)" else None
    layers = [Dense(256, activation="relu", input_dim=2, kernel_regularizer=reg)]
    if kind == "Dropout (0.5)":
        layers.append(Dropout(0.5))
    layers.append(Dense(256, activation="relu", kernel_regularizer=reg))
    if kind == "Dropout (0.5)":
        layers.append(Dropout(0.5))
    layers.append(Dense(2, activation="softmax"))
    return Sequential(layers, seed=0)


def main(argv: Sequence[str] | None = None) -> list[dict]:
    args = parse(__doc__, argv, "reports/examples")
    x_tr, y_tr = make_moons(n_samples=60, noise=0.35, seed=1)
    x_va, y_va = make_moons(n_samples=1000, noise=0.35, seed=2)
    curves, rows = {}, []
    for kind in ["none", "L2 (0.01)", "Dropout (0.5)"]:
        model = build(kind)
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        h = model.fit(x_tr, y_tr, epochs=10 if args.quick else 400, batch_size=16, verbose=0,
                      validation_data=(x_va, y_va))
        curves[f"validation loss, {kind}"] = h.history["val_loss"]
        rows.append({"regularisation": kind, "train accuracy": h.history["accuracy"][-1],
                     "validation accuracy": h.history["val_accuracy"][-1],
                     "validation loss": h.history["val_loss"][-1]})
    print(table(rows, ["regularisation", "train accuracy", "validation accuracy",
                       "validation loss"]))
    plot_curves(curves, path=args.out / "regularization.png", ylabel="validation loss",
                title="60 noisy training points, 2x256 ReLU net")
    return rows


if __name__ == "__main__":
    main()
