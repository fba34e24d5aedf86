"""Further question: how to do multiclass classification?

One output unit per class, softmax turns scores into probabilities that sum to one, and
categorical cross-entropy compares them with one-hot labels (or sparse cross-entropy with the
integer labels directly). Here: three intertwined spirals, which no straight line separates.

Run: python examples/multiclass.py [--seed 0] [--out reports/multiclass]   (a few seconds)
"""

from __future__ import annotations

from collections.abc import Sequence

from _common import parse, save_figure, split

from glassnet.datasets.toy import make_spirals
from glassnet.layers import Dense
from glassnet.models import Sequential
from glassnet.plotting.boundary import plot_decision_boundary


def main(argv: Sequence[str] | None = None) -> dict:
    args = parse(__doc__, argv, "multiclass")
    x, y = make_spirals(n_samples=600, n_classes=3, noise=0.1, seed=args.seed)
    (x_tr, y_tr), (x_te, y_te) = split(x, y, seed=args.seed)
    model = Sequential([Dense(64, activation="relu", input_dim=2),
                        Dense(64, activation="relu"),
                        Dense(3, activation="softmax")], seed=args.seed)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_tr, y_tr, epochs=150, batch_size=32, verbose=0)
    _, acc = model.evaluate(x_te, y_te, verbose=0)
    print(f"3-class spirals: test accuracy {acc:.3f}")
    path = args.out / "multiclass_spirals.png"
    save_figure(plot_decision_boundary(model.predict, x, y, path=path,
                                       title=f"3 spirals, softmax output (test accuracy {acc:.2f})",
                                       class_names=["spiral 0", "spiral 1", "spiral 2"]), path)
    return {"test_accuracy": acc}


if __name__ == "__main__":
    main()
