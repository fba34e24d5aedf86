"""Further question: how to do regression?

A linear output unit (no activation) and a regression loss (MSE, MAE or Huber) instead of a
sigmoid/softmax and cross-entropy. Here: fitting a noisy 1-D curve. The error is measured on
held-out test points the network never trained on, so it says how well the curve was
learnt, not how well the training points were memorised.

Run: python examples/regression.py [--seed 0] [--out reports/regression]   (a few seconds)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from _common import parse, saved, split, table

from glassnet.datasets.toy import make_regression_1d
from glassnet.layers import Dense
from glassnet.models import Sequential
from glassnet.optimizers import Adam
from glassnet.plotting._backend import finish, pyplot
from glassnet.plotting.curves import OKABE_ITO

STYLES = {"mse": ("-", "o"), "mae": ("--", "s"), "huber": (":", "^")}


def main(argv: Sequence[str] | None = None) -> list[dict]:
    args = parse(__doc__, argv, "regression")
    x, y = make_regression_1d(n_samples=400, noise=0.05, seed=args.seed)
    (x_tr, y_tr), (x_te, y_te) = split(x, y, test_fraction=0.25, seed=args.seed)
    grid = np.linspace(x.min(), x.max(), 300)[:, None]
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.scatter(x_tr[:, 0], y_tr[:, 0], s=8, color="0.7", label="training points")
    ax.scatter(x_te[:, 0], y_te[:, 0], s=14, facecolors="none", edgecolors="0.3",
               label="test points (held out)")
    rows = []
    for k, loss in enumerate(STYLES):
        model = Sequential([Dense(32, activation="tanh", input_dim=1), Dense(32, activation="tanh"),
                            Dense(1)], seed=args.seed)  # Dense(1), no activation: linear output
        model.compile(Adam(0.01), loss, metrics=["mae"])
        model.fit(x_tr, y_tr, epochs=100, batch_size=16, verbose=0)
        rows.append({"loss": loss,
                     "train MAE": float(np.mean(np.abs(model.predict(x_tr) - y_tr))),
                     "test MAE": float(np.mean(np.abs(model.predict(x_te) - y_te))),
                     "predict zero MAE": float(np.mean(np.abs(y_te)))})
        style, marker = STYLES[loss]
        ax.plot(grid[:, 0], model.predict(grid)[:, 0], color=OKABE_ITO[k], linestyle=style,
                marker=marker, markevery=(10 * k, 30), markersize=5, linewidth=2,
                label=f"trained with {loss} (test MAE {rows[-1]['test MAE']:.3f})")
    ax.set(xlabel="x", ylabel="y", title="Regression: linear output unit + regression loss")
    ax.legend(fontsize=8)
    path = args.out / "regression.png"
    finish(fig, path)
    plt.close(fig)
    saved(path)
    print(f"{len(x_tr)} training and {len(x_te)} test points (the test points never trained on):")
    print(table(rows, ["loss", "train MAE", "test MAE", "predict zero MAE"]))
    return rows


if __name__ == "__main__":
    main()
