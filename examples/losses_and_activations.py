"""Further question: different loss and activation functions?

The same network on the same data, trained with each hidden activation; and the same
classifier trained with MSE on one-hot targets versus cross-entropy. Cross-entropy's gradient
does not vanish when a sigmoid/softmax output saturates, so it learns faster.

Run: python examples/losses_and_activations.py [--seed 0] [--out reports/losses_and_activations]
(a few seconds)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from _common import parse, save_figure, split, table

from glassnet.datasets.toy import make_moons
from glassnet.layers import Dense
from glassnet.models import Sequential
from glassnet.plotting.curves import plot_curves
from glassnet.utils import to_categorical

ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "gelu", "softplus"]


def train(activation: str, loss: str, data, epochs: int, seed: int) -> tuple[float, list[float]]:
    (x_tr, y_tr), (x_te, y_te) = data
    model = Sequential([Dense(16, activation=activation, input_dim=2),
                        Dense(16, activation=activation),
                        Dense(2, activation="softmax")], seed=seed)
    model.compile("sgd", loss, metrics=["accuracy"])
    h = model.fit(x_tr, to_categorical(y_tr, 2), epochs=epochs, batch_size=16, verbose=0)
    return model.evaluate(x_te, to_categorical(y_te, 2), verbose=0)[1], h.history["accuracy"]


def main(argv: Sequence[str] | None = None) -> list[dict]:
    args = parse(__doc__, argv, "losses_and_activations")
    data = split(*make_moons(n_samples=600, noise=0.2, seed=args.seed), seed=args.seed)
    epochs = 30
    rows, curves = [], {}
    for act in ACTIVATIONS:
        acc, _ = train(act, "categorical_crossentropy", data, epochs, args.seed)
        rows.append({"hidden activation": act, "loss": "categorical_crossentropy",
                     "test accuracy": acc, "train accuracy after 3 epochs": "",
                     "mean train accuracy over the epochs": ""})
    for loss in ["mse", "categorical_crossentropy"]:
        acc, curve = train("tanh", loss, data, epochs, args.seed)
        curves[f"tanh + {loss}"] = curve
        rows.append({"hidden activation": "tanh", "loss": loss, "test accuracy": acc,
                     "train accuracy after 3 epochs": float(curve[2]),
                     "mean train accuracy over the epochs": float(np.mean(curve))})
    print(table(rows, ["hidden activation", "loss", "test accuracy",
                       "train accuracy after 3 epochs", "mean train accuracy over the epochs"]))
    path = args.out / "losses_mse_vs_crossentropy.png"
    save_figure(plot_curves(curves, path=path, ylabel="train accuracy",
                            title="Same net, SGD: MSE vs cross-entropy on a softmax output"), path)
    return rows


if __name__ == "__main__":
    main()
