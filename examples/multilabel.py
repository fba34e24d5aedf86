"""Further question: how to do multilabel classification?

In *multiclass* classification each sample has exactly one class: a softmax output turns the
scores into probabilities that sum to one. In *multilabel* classification a sample can carry
several labels at once (a photo with a cat *and* a dog), or none. Then each label gets its own
sigmoid output unit, an independent yes/no probability, trained with binary cross-entropy on
each label (the losses of the labels are averaged); a threshold (0.5 by default) turns each
probability into a yes or a no.

Why not softmax? Its outputs sum to 1, so at most one of them can exceed 0.5: for a sample with
two true labels the best it can do is 0.5 each, and with a threshold of 0.5 it never says yes
to both. Here: points in the plane with three labels, "right" (x0 > 0), "top" (x1 > 0) and
"near the centre" (|x| < 1.2), any combination of which can hold. Printed: per-label accuracy
and subset accuracy (every label of a sample right) for sigmoid outputs and for a softmax
trained on the same data; plotted: each label's sigmoid probability over the plane.

Run: python examples/multilabel.py [--threshold 0.5] [--seed 0] [--out reports/multilabel]
(a few seconds)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from _common import parser, saved, split, table

from glassnet.layers import Dense
from glassnet.models import Sequential
from glassnet.optimizers import Adam

LABELS = ("right", "top", "near the centre")


def make_multilabel(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``x`` (n, 2) uniform in [-2, 2]², ``y`` (n, 3) of 0/1: one column per label."""
    x = np.random.default_rng(seed).uniform(-2.0, 2.0, size=(n, 2))
    y = np.column_stack([x[:, 0] > 0, x[:, 1] > 0, np.hypot(x[:, 0], x[:, 1]) < 1.2])
    return x.astype(np.float32), y.astype(np.float32)


def net(output: str, seed: int) -> Sequential:
    """Two hidden ReLU layers and one output unit per label, ``sigmoid`` or ``softmax``."""
    loss = "binary_crossentropy" if output == "sigmoid" else "categorical_crossentropy"
    model = Sequential([Dense(32, activation="relu", input_dim=2),
                        Dense(32, activation="relu"),
                        Dense(len(LABELS), activation=output)], seed=seed)
    model.compile(Adam(0.01), loss)
    return model


def scores(y_true: np.ndarray, proba: np.ndarray, threshold: float) -> dict[str, float]:
    """Per-label accuracy and subset accuracy of ``proba >= threshold`` against ``y_true``."""
    y_pred = proba >= threshold
    right = y_pred == y_true.astype(bool)  # (n, labels)
    out = {f"accuracy '{name}'": float(right[:, k].mean()) for k, name in enumerate(LABELS)}
    out["subset accuracy"] = float(right.all(axis=1).mean())
    two = y_true.sum(axis=1) >= 2
    out["subset accuracy, 2+ labels"] = float(right[two].all(axis=1).mean())
    return out


def main(argv: Sequence[str] | None = None) -> list[dict]:
    p = parser(__doc__, "multilabel")
    p.add_argument("--threshold", type=float, default=0.5,
                   help="probability from which a label is predicted (default 0.5)")
    args = p.parse_args(argv)
    if not 0.0 < args.threshold < 1.0:
        p.error(f"argument --threshold: must lie strictly between 0 and 1, got {args.threshold}")
    (x_tr, y_tr), (x_te, y_te) = split(*make_multilabel(800, args.seed), seed=args.seed)
    rows, models = [], {}
    for output in ("sigmoid", "softmax"):
        model = models[output] = net(output, args.seed)
        # Softmax needs targets that sum to 1: each true label gets an equal share (a sample
        # with no label at all cannot be expressed; it keeps all zeros).
        target = y_tr if output == "sigmoid" else y_tr / np.maximum(y_tr.sum(1, keepdims=True), 1)
        model.fit(x_tr, target, epochs=60, batch_size=32, verbose=0)
        proba = model.predict(x_te)
        rows.append({"output": f"{len(LABELS)} x {output}", **scores(y_te, proba, args.threshold),
                     "largest output sum": float(proba.sum(axis=1).max())})
    columns = list(rows[0])
    n_two = int((y_te.sum(axis=1) >= 2).sum())
    print(f"{len(x_te)} test points, {n_two} of them with two or more labels; threshold "
          f"{args.threshold:g}:")
    print(table(rows, columns))
    print("Softmax outputs sum to 1, so no two can pass 0.5: it cannot say yes to two labels.")
    path = args.out / "multilabel.png"
    _plot(models["sigmoid"], x_te, y_te, args.threshold, path)
    saved(path)
    return rows


def _plot(model: Sequential, x: np.ndarray, y: np.ndarray, threshold: float, path) -> None:
    from glassnet.plotting._backend import finish, pyplot
    from glassnet.plotting.boundary import plot_decision_boundary

    plt = pyplot()
    fig, axes = plt.subplots(1, len(LABELS), figsize=(4.2 * len(LABELS), 4.4))
    fig.tight_layout = lambda *a, **k: None  # laid out once, below
    for k, (ax, name) in enumerate(zip(axes, LABELS, strict=True)):
        plot_decision_boundary(lambda pts, k=k: model.predict(pts)[:, k], x, y[:, k], ax=ax,
                               title=f"label '{name}': its own sigmoid",
                               feature_names=("$x_0$", "$x_1$"),
                               class_names=[f"not '{name}'", f"'{name}'"], resolution=120)
    fig.suptitle(f"Multilabel: one sigmoid per label, each cut at {threshold:g} (black line); "
                 "a point can be in several shaded regions at once", fontsize=11)
    del fig.tight_layout
    fig.tight_layout()
    finish(fig, path)
    plt.close(fig)


if __name__ == "__main__":
    main()
