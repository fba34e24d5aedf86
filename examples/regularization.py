"""Further question: regularisation?

A network much bigger than 60 noisy training points can memorise them: training loss near
zero, validation loss several times higher -- a wide train/validation *gap*. L2 weight decay
(and Dropout) hold it back: the boundary stays smooth and the gap narrows. Printed: train and
validation accuracy and loss with and without; plotted: the validation loss curves.

Run: python examples/regularization.py [--seed 0] [--out reports/regularization]
(a few seconds)
"""

from __future__ import annotations

from collections.abc import Sequence

from _common import parse, save_figure, table

from glassnet.datasets.toy import make_moons
from glassnet.layers import Dense, Dropout
from glassnet.models import Sequential
from glassnet.plotting.curves import plot_curves

KINDS = ("none", "L2 (0.01)", "Dropout (0.5)")


def build(kind: str, seed: int) -> Sequential:
    reg = "l2" if kind == "L2 (0.01)" else None
    layers = [Dense(128, activation="relu", input_dim=2, kernel_regularizer=reg)]
    if kind == "Dropout (0.5)":
        layers.append(Dropout(0.5))
    layers.append(Dense(128, activation="relu", kernel_regularizer=reg))
    if kind == "Dropout (0.5)":
        layers.append(Dropout(0.5))
    layers.append(Dense(2, activation="softmax"))
    return Sequential(layers, seed=seed)


def main(argv: Sequence[str] | None = None) -> list[dict]:
    args = parse(__doc__, argv, "regularization")
    x_tr, y_tr = make_moons(n_samples=60, noise=0.35, seed=args.seed + 1)
    x_va, y_va = make_moons(n_samples=500, noise=0.35, seed=args.seed + 1000)
    curves, rows = {}, []
    for kind in KINDS:
        model = build(kind, args.seed)
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        h = model.fit(x_tr, y_tr, epochs=200, batch_size=16, verbose=0,
                      validation_data=(x_va, y_va), validation_batch_size=len(x_va))
        curves[f"validation loss, {kind}"] = h.history["val_loss"]
        # Both measured the same way (no dropout at evaluation), so the gap is fair.
        train_loss, train_acc = model.evaluate(x_tr, y_tr, verbose=0)
        val_loss, val_acc = model.evaluate(x_va, y_va, verbose=0)
        rows.append({"regularisation": kind, "train accuracy": float(train_acc),
                     "validation accuracy": float(val_acc),
                     "train loss": float(train_loss), "validation loss": float(val_loss),
                     "loss gap": float(val_loss - train_loss)})
    print("60 noisy training points, 500 validation points, 2x128 ReLU net, Adam, 200 epochs:")
    print(table(rows, ["regularisation", "train accuracy", "validation accuracy", "train loss",
                       "validation loss", "loss gap"]))
    print("The loss gap (validation minus training) measures memorisation: L2 narrows it.")
    path = args.out / "regularization.png"
    save_figure(plot_curves(curves, path=path, ylabel="validation loss",
                            title="60 noisy training points, 2x128 ReLU net"), path)
    return rows


if __name__ == "__main__":
    main()
