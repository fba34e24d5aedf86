"""Further question: how to do regression?

A linear output unit (no activation) and a regression loss (MSE, MAE or Huber) instead of a
sigmoid/softmax and cross-entropy. Here: fitting a noisy 1-D curve.

Run: python examples/regression.py [--quick] [--out reports/examples]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from _common import parse, table

from glassnet.datasets.toy import make_regression_1d
from glassnet.layers import Dense
from glassnet.models import Sequential
from glassnet.plotting._backend import finish, pyplot


def main(argv: Sequence[str] | None = None) -> list[dict]:
    args = parse(__doc__, argv, "reports/examples")
    x, y = make_regression_1d(n_samples=200 if args.quick else 500, noise=0.05, seed=0)
    grid = np.linspace(x.min(), x.max(), 300)[:, None]
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.scatter(x[:, 0], y[:, 0], s=8, color="0.6", label="data")
    rows = []
    for loss in ["mse", "mae", "huber"]:
        model = Sequential([Dense(32, activation="tanh", input_dim=1), Dense(32, activation="tanh"),
                            Dense(1)], seed=0)  # Dense(1) with no activation: a linear output
        model.compile("adam", loss, metrics=["mae"])
        model.fit(x, y, epochs=10 if args.quick else 300, batch_size=16, verbose=0)
        rows.append({"loss": loss, "test MAE": float(np.mean(np.abs(model.predict(x) - y)))})
        ax.plot(grid[:, 0], model.predict(grid)[:, 0], label=f"trained with {loss}")
    ax.set(xlabel="x", ylabel="y", title="Regression: linear output unit + regression loss")
    ax.legend()
    finish(fig, args.out / "regression.png")
    plt.close(fig)
    print(table(rows, ["loss", "test MAE"]))
    return rows


if __name__ == "__main__":
    main()
