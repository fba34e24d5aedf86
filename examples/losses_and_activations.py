"""Further question: different loss and activation functions?

The same network on the same data, trained with each hidden activation; and the same
classifier trained with MSE on one-hot targets versus cross-entropy. Cross-entropy's gradient
does not vanish when a sigmoid/softmax output saturates, so it learns faster.

Run: python examples/losses_and_activations.py [--quick] [--out reports/examples]
"""

from __future__ import annotations

from collections.abc import Sequence

from _common import parse, split, table

from glassnet.datasets.toy import make_moons
from glassnet.layers import Dense
from glassnet.models import Sequential
from glassnet.plotting.curves import plot_curves
from glassnet.utils import to_categorical

ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "gelu", "softplus"]


def train(activation: str, loss: str, data, epochs: int) -> tuple[float, list[float]]:
    (x_tr, y_tr), (x_te, y_te) = data
    model = Sequential([Dense(16, activation=activation, input_dim=2),
                        Dense(16, activation=activation),
                        Dense(2, activation="softmax")], seed=0)
    model.compile("sgd", loss, metrics=["accuracy"])
    h = model.fit(x_tr, to_categorical(y_tr, 2), epochs=epochs, batch_size=16, verbose=0)
    return model.evaluate(x_te, to_categorical(y_te, 2), verbose=0)[1], h.history["accuracy"]


def main(argv: Sequence[str] | None = None) -> list[dict]:
    args = parse(__doc__, argv, "reports/examples")
    data = split(*make_moons(n_samples=300 if args.quick else 1000, noise=0.2, seed=0))
    epochs = 5 if args.quick else 60
    rows, curves = [], {}
    for act in ACTIVATIONS[:3] if args.quick else ACTIVATIONS:
        acc, _ = train(act, "categorical_crossentropy", data, epochs)
        rows.append({"hidden activation": act, "loss": "categorical_crossentropy",
                     "test accuracy": acc})
    for loss in ["mse", "categorical_crossentropy"]:
        acc, curve = train("tanh", loss, data, epochs)
        curves[f"tanh + {loss}"] = curve
        rows.append({"hidden activation": "tanh", "loss": loss, "test accuracy": acc})
    print(table(rows, ["hidden activation", "loss", "test accuracy"]))
    plot_curves(curves, path=args.out / "losses_mse_vs_crossentropy.png", ylabel="train accuracy",
                title="Same net, SGD: MSE vs cross-entropy on a softmax output")
    return rows


if __name__ == "__main__":
    main()
