"""Decision regions of a 2-D classifier, with the data drawn on top."""

from __future__ import annotations

import numbers
import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from glassnet.plotting._backend import finish, pyplot
from glassnet.plotting.curves import OKABE_ITO

_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def _labels(y: np.ndarray, m: int) -> np.ndarray:
    """Integer labels of shape (m,) from labels (m,), a 0/1 column (m, 1) or one-hot (m, C)."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        labels = np.argmax(y, axis=1)
    else:
        labels = y.reshape(-1) if y.ndim == 2 else y
    if labels.ndim != 1 or labels.shape[0] != m:
        raise ValueError(
            f"`y` must have shape ({m},), ({m}, 1) or ({m}, n_classes) to match `X` with {m} "
            f"rows, got {y.shape}."
        )
    return np.rint(labels).astype(np.int64)


def _grid_classes(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Classes of the grid points, and the class-1 probability when the model is binary."""
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim == 2 and scores.shape[1] == 1:
        scores = scores[:, 0]
    if scores.shape[0] != k or scores.ndim not in (1, 2):
        raise ValueError(
            f"`predict_fn` must map ({k}, 2) points to scores of shape ({k},), ({k}, 1) or "
            f"({k}, n_classes), got {scores.shape}."
        )
    if scores.ndim == 2:
        return np.argmax(scores, axis=1), None
    # One score per point: a probability in [0, 1] is cut at 0.5, anything else (a logit
    # or a margin) at 0.
    threshold = 0.5 if scores.min() >= 0.0 and scores.max() <= 1.0 else 0.0
    prob = scores if threshold == 0.5 else 1.0 / (1.0 + np.exp(-np.clip(scores, -50, 50)))
    return (scores >= threshold).astype(np.int64), prob


def plot_decision_boundary(
    predict_fn: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    path: str | os.PathLike[str] | None = None,
    ax: Any = None,
    title: str | None = None,
    resolution: int = 200,
    feature_names: Sequence[str] = ("$x_0$", "$x_1$"),
    class_names: Sequence[str] | None = None,
) -> Any:
    """Shade the plane by the class a model predicts there and scatter the labelled data.

    Parameters
    ----------
    predict_fn : callable
        Maps points of shape ``(k, 2)`` to scores: shape ``(k,)`` or ``(k, 1)`` for a binary
        model (probabilities in [0, 1] cut at 0.5; otherwise logits cut at 0) or
        ``(k, n_classes)`` for a multiclass one (argmax).
    X : ndarray of shape (m, 2)
        The data; the plotted area is its bounding box plus 10% on each side.
    y : ndarray of shape (m,), (m, 1) or (m, n_classes)
        Integer labels, a 0/1 column, or one-hot rows.
    path : str or path-like, optional
        Where to save the figure; not saved when ``None``.
    ax : matplotlib Axes, optional
        Draw on this Axes (e.g. one panel when comparing models) instead of a new figure.
    title : str, optional
    resolution : int, default 200
        Grid points per axis (``resolution**2`` calls' worth of points, in one batch).
    feature_names : pair of str
        Axis labels.
    class_names : sequence of str, optional
        Legend entries per class; ``"class 0"``, ``"class 1"``... when ``None``.

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    A binary model's probability is drawn as a blue–orange gradient (both ends stay
    distinct under colour-vision deficiencies) with its 0.5 contour as a black line;
    classes of a multiclass model are flat Okabe–Ito colours. Points use one marker
    shape per class too, so the plot also reads in greyscale.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"`X` must have shape (m, 2), got {X.shape}.")
    if X.shape[0] == 0:
        raise ValueError("`X` must hold at least one point, got shape (0, 2).")
    if (
        isinstance(resolution, bool)
        or not isinstance(resolution, numbers.Integral)
        or resolution < 2
    ):
        raise ValueError(f"`resolution` must be an integer >= 2, got {resolution!r}.")
    labels = _labels(y, X.shape[0])

    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.1 * np.where(hi > lo, hi - lo, 1.0)
    xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
    ys = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
    gx, gy = np.meshgrid(xs, ys)
    grid = np.column_stack([gx.ravel(), gy.ravel()])  # (resolution**2, 2)
    # One call for the grid and the data, so both are cut at the same threshold.
    k = grid.shape[0] + X.shape[0]
    classes, prob = _grid_classes(predict_fn(np.concatenate([grid, X])), k)
    predicted, classes = classes[grid.shape[0]:], classes[: grid.shape[0]]
    prob = None if prob is None else prob[: grid.shape[0]]
    n_classes = int(max(classes.max(initial=0), labels.max(initial=0))) + 1
    names = [f"class {c}" for c in range(n_classes)] if class_names is None else list(class_names)
    if len(names) < n_classes:
        raise ValueError(f"`class_names` must name {n_classes} classes, got {len(names)}.")

    plt = pyplot()
    from matplotlib.colors import LinearSegmentedColormap, ListedColormap

    if ax is None:
        fig, ax = plt.subplots(figsize=(6.0, 5.0))
    else:
        fig = ax.figure
    colors = [OKABE_ITO[c % len(OKABE_ITO)] for c in range(n_classes)]
    if prob is not None:
        cmap = LinearSegmentedColormap.from_list("bo", [colors[0], "#FFFFFF", colors[1]])
        ax.contourf(gx, gy, prob.reshape(gx.shape), levels=np.linspace(0, 1, 21), cmap=cmap,
                    alpha=0.35, antialiased=True)
        if prob.min() < 0.5 < prob.max():
            ax.contour(gx, gy, prob.reshape(gx.shape), levels=[0.5], colors="black",
                       linewidths=1.5)
    else:
        ax.contourf(gx, gy, classes.reshape(gx.shape), levels=np.arange(n_classes + 1) - 0.5,
                    cmap=ListedColormap(colors), alpha=0.3)
        ax.contour(gx, gy, classes.reshape(gx.shape), levels=np.arange(n_classes) + 0.5,
                   colors="black", linewidths=0.8, alpha=0.6)
    for c in range(n_classes):
        pts = X[labels == c]
        if pts.shape[0]:
            ax.scatter(pts[:, 0], pts[:, 1], s=28, color=colors[c],
                       marker=_MARKERS[c % len(_MARKERS)], edgecolors="black", linewidths=0.6,
                       label=names[c], zorder=3)
    accuracy = float(np.mean(predicted == labels))
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    ax.set_xlabel(feature_names[0])
    ax.set_ylabel(feature_names[1])
    ax.set_title(title if title is not None else f"Decision boundary (accuracy {accuracy:.1%})")
    # Below the axes, so it never hides points or the boundary.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=min(n_classes, 4),
              frameon=False, fontsize=9)
    fig.tight_layout()
    return finish(fig, path)
