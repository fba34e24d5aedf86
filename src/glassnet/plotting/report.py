"""Report figures for a trained classifier: what it confuses, where it fails, what it learnt.

* :func:`plot_confusion_matrix` -- which classes are mistaken for which;
* :func:`plot_misclassified` -- the most confident mistakes, with both labels;
* :func:`plot_first_layer_weights` -- each first-layer unit's weights drawn as an image;
* :func:`plot_comparison` and :func:`plot_boundaries` -- several models side by side.

Every function returns the figure and saves it when given ``path``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from glassnet.plotting._backend import finish, pyplot
from glassnet.plotting.curves import OKABE_ITO


def confusion_matrix(y_true: Any, y_pred: Any, n_classes: int | None = None) -> np.ndarray:
    """Counts ``C[i, j]`` of samples of true class ``i`` predicted as class ``j``.

    Parameters
    ----------
    y_true, y_pred : array-like of int, shape (n,)
    n_classes : int, optional
        Default: one more than the largest label seen.

    Returns
    -------
    ndarray of shape (n_classes, n_classes), int64
        Rows are true classes, columns predicted ones; the diagonal counts the hits.
    """
    t = np.asarray(y_true).reshape(-1).astype(np.int64)
    p = np.asarray(y_pred).reshape(-1).astype(np.int64)
    if t.shape != p.shape:
        raise ValueError(f"`y_true` and `y_pred` must have the same length, got {t.shape} and {p.shape}.")
    k = int(n_classes) if n_classes is not None else int(max(t.max(initial=0), p.max(initial=0))) + 1
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k)


def _names(class_names: Sequence[str] | None, k: int) -> list[str]:
    return [str(c) for c in range(k)] if class_names is None else [str(c) for c in class_names]


def plot_confusion_matrix(
    y_true: Any,
    y_pred: Any,
    class_names: Sequence[str] | None = None,
    path: str | os.PathLike[str] | None = None,
    title: str | None = None,
) -> Any:
    """Confusion matrix: colour is the share of each true class (row), text the count.

    Colouring by row share makes a class's recall readable on the diagonal whatever the
    class sizes; off the diagonal, the darkest cells are the most common confusions.
    """
    n_classes = None if class_names is None else len(class_names)
    cm = confusion_matrix(y_true, y_pred, n_classes)
    k = cm.shape[0]
    names = _names(class_names, k)
    share = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    plt = pyplot()
    size = max(4.5, 0.55 * k + 2.5)
    fig, ax = plt.subplots(figsize=(size + 1.2, size))
    im = ax.imshow(share, cmap="Blues", vmin=0.0, vmax=1.0)
    i: int | np.signedinteger[Any]  # loop ints, then unravel_index's numpy ints
    j: int | np.signedinteger[Any]
    for i in range(k):
        for j in range(k):
            if cm[i, j]:
                ax.text(j, i, f"{cm[i, j]}", ha="center", va="center", fontsize=8 if k > 6 else 10,
                        color="white" if share[i, j] > 0.55 else "black")
    ax.set_xticks(range(k), names, rotation=45 if max(map(len, names)) > 2 else 0, ha="right"
                  if max(map(len, names)) > 2 else "center")
    ax.set_yticks(range(k), names)
    off = cm - np.diag(np.diag(cm))
    i, j = np.unravel_index(np.argmax(off), off.shape)
    worst = (f"\nmost frequent mistake: {names[i]} taken for {names[j]} ({off[i, j]} times)"
             if off[i, j] else "")
    ax.set_xlabel("predicted class" + worst)
    ax.set_ylabel("true class")
    accuracy = np.trace(cm) / max(cm.sum(), 1)
    ax.set_title(title or f"Confusion matrix (accuracy {accuracy:.1%}, n = {cm.sum()})")
    cbar = fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    cbar.set_label("share of the true class (row)")
    fig.tight_layout()
    return finish(fig, path)


def _signed_grid(images: np.ndarray, titles: Sequence[str], path: Any, ncols: int,
                 suptitle: str, label: str = "weight") -> Any:
    """Signed images (e.g. weights) on a diverging map, all on one scale
    ``[-m, m]`` with ``m`` the 99.5th percentile of ``|w|`` over every panel (white is exactly
    zero, and the same colour means the same value in every panel), with a colour bar."""
    n = images.shape[0]
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    # A percentile rather than the maximum: one outlier weight would wash every panel out.
    m = float(np.percentile(np.abs(images), 99.5)) or float(np.abs(images).max()) or 1.0
    plt = pyplot()
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.5 * ncols + 1.0, 1.55 * nrows + 0.5),
                             squeeze=False)
    im = None
    for i, ax in enumerate(axes.ravel()):
        ax.set_axis_off()
        if i < n:
            im = ax.imshow(images[i], cmap="RdBu_r", vmin=-m, vmax=m, interpolation="nearest")
            ax.set_title(titles[i], fontsize=7.5)
    fig.suptitle(suptitle, fontsize=11)
    fig.tight_layout(rect=(0, 0, 0.92, 1))
    cax = fig.add_axes((0.93, 0.15, 0.015, 0.7), label="<colorbar>")  # as fig.colorbar names it
    cbar = fig.colorbar(im, cax=cax, extend="both")
    cbar.set_label(f"{label} (same scale in every panel)")
    return finish(fig, path)


def plot_misclassified(
    images: Any,
    y_true: Any,
    y_pred: Any,
    proba: Any | None = None,
    class_names: Sequence[str] | None = None,
    path: str | os.PathLike[str] | None = None,
    max_images: int = 32,
    ncols: int = 8,
) -> Any:
    """The misclassified images the model was most confident about, with both labels.

    Drawn by :func:`glassnet.plotting.images.plot_image_grid`: each title gives the
    prediction (with its probability) and, below it, the true class.

    Parameters
    ----------
    images : array-like of shape (n, h, w)
    y_true, y_pred : array-like of int, shape (n,)
    proba : array-like of shape (n, n_classes), optional
        Predicted probabilities; wrong answers are then sorted by confidence (the most
        confident mistakes first) and each title shows it.
    max_images : int, default 32
    """
    from glassnet.plotting.images import plot_image_grid

    t = np.asarray(y_true).reshape(-1)
    p = np.asarray(y_pred).reshape(-1)
    wrong = np.flatnonzero(t != p)
    n_wrong = wrong.size
    if proba is not None and n_wrong:
        conf = np.asarray(proba)[wrong, p[wrong]]
        wrong = wrong[np.argsort(-conf, kind="stable")]
    wrong = wrong[:max_images]
    if wrong.size == 0:
        plt = pyplot()
        fig, ax = plt.subplots(figsize=(5, 1.5))
        ax.set_axis_off()
        ax.text(0.5, 0.5, f"No misclassified images among {t.size:,}.", ha="center", va="center")
        return finish(fig, path)
    what = ("most confident mistakes (prediction and its probability, then the true class)"
            if proba is not None else "mistakes (prediction, then the true class)")
    title = (f"{n_wrong:,} of {t.size:,} test images misclassified "
             f"({n_wrong / max(t.size, 1):.1%});\nthe {wrong.size} {what}")
    predictions = np.asarray(proba)[wrong] if proba is not None else p[wrong]
    fig = plot_image_grid(np.asarray(images)[wrong], t[wrong], predictions, class_names,
                          n=wrong.size, ncols=ncols, title=title)
    # Every title here has two lines (prediction, true class) and long class names: give
    # each cell more room than the grid's default before laying it out again.
    w, h = fig.get_size_inches()
    fig.set_size_inches(w * 1.25, h * 1.3)
    fig.tight_layout(h_pad=0.8, w_pad=0.4)
    return finish(fig, path)


def plot_first_layer_weights(
    kernel: Any,
    image_shape: tuple[int, int],
    path: str | os.PathLike[str] | None = None,
    ncols: int = 10,
    title: str | None = None,
) -> Any:
    """Each first-layer unit's incoming weights, reshaped to the input image.

    Parameters
    ----------
    kernel : array-like of shape (h * w, units)
        A Dense layer's ``kernel``: column ``u`` holds unit ``u``'s weight on every pixel.
    image_shape : (h, w)

    Notes
    -----
    Unit ``u`` computes ``z_u = sum_p x_p W[p, u] + b_u``: red pixels (W > 0) raise its
    input when ink is there, blue ones (W < 0) lower it. Every panel shares one scale (the
    colour bar; white is exactly zero), so units can be compared with each other.
    """
    kernel = np.asarray(kernel, dtype=np.float64)
    h, w = image_shape
    if kernel.ndim != 2 or kernel.shape[0] != h * w:
        raise ValueError(
            f"`kernel` must have shape ({h * w}, units) to match `image_shape` {image_shape}, "
            f"got {kernel.shape}."
        )
    images = kernel.T.reshape(-1, h, w)
    titles = [f"unit {u}" for u in range(images.shape[0])]
    return _signed_grid(
        images, titles, path, ncols,
        title or (f"First layer: each unit's {h * w} input weights as a {h}×{w} image "
                  "(red > 0 > blue)"),
    )


def _seconds(s: float) -> str:
    return f" {s:.0f} s" if s >= 10 else f" {s:.1f} s" if s >= 1 else f" {s:.2g} s"


def plot_comparison(results: Sequence[Mapping[str, Any]], path: str | os.PathLike[str] | None = None,
                    title: str | None = None) -> Any:
    """Test accuracy, training time and prediction time (log scales) of each model that ran.

    ``results`` are rows of :func:`glassnet.compare.compare` (keys ``model``, ``library``,
    ``test_accuracy``, ``train_time_s``, ``predict_time_s``, ``status``); skipped rows are
    left out. Models are sorted by accuracy, best on top; the two time panels show where
    each one spends its time (k-NN: nothing to train, everything to predict).
    """
    rows = [r for r in results if r.get("status") == "ok"]
    if not rows:
        raise ValueError("`results` hold no model that ran (every row was skipped).")
    rows = sorted(rows, key=lambda r: r["test_accuracy"])
    names = [r["model"] for r in rows]
    colors = [OKABE_ITO[0] if r["library"] == "glassnet" else OKABE_ITO[1] for r in rows]
    plt = pyplot()
    fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(14, 0.45 * len(rows) + 1.8), sharey=True,
                                        gridspec_kw={"width_ratios": (1.2, 1, 1)})
    y = np.arange(len(rows))
    acc = np.array([r["test_accuracy"] for r in rows])
    ax1.barh(y, acc, color=colors)
    for yi, a in zip(y, acc, strict=True):
        ax1.text(a, yi, f" {a:.3f}", va="center", fontsize=9)
    lo = max(0.0, float(acc.min()) - 0.1)
    ax1.set_xlim(lo, min(1.0, float(acc.max()) + 0.08) if acc.max() < 0.95 else 1.04)
    ax1.set_yticks(y, names)
    ax1.set_xlabel("test accuracy" + (f" (axis starts at {lo:.2f})" if lo > 0 else ""))
    for ax, key, label in ((ax2, "train_time_s", "training time"),
                           (ax3, "predict_time_s", "prediction time, whole test set")):
        secs = np.array([max(r[key], 1e-3) for r in rows])
        ax.barh(y, secs, color=colors)
        ax.set_xscale("log")
        for yi, s in zip(y, secs, strict=True):
            ax.text(s, yi, _seconds(s), va="center", fontsize=9)
        ax.set_xlim(secs.min() / 2, secs.max() * 12)
        ax.set_xlabel(f"{label}, seconds (log scale)")
    for ax in (ax1, ax2, ax3):
        ax.grid(True, axis="x", alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
    from matplotlib.patches import Patch

    fig.legend(handles=[Patch(color=OKABE_ITO[0], label="glassnet"),
                        Patch(color=OKABE_ITO[1], label="scikit-learn")],
               frameon=False, loc="lower center", ncol=2)
    if title:
        fig.suptitle(title, fontsize=12)
    fig.tight_layout(rect=(0, 0.06 if len(rows) > 4 else 0.1, 1, 1))
    return finish(fig, path)


def plot_boundaries(
    predict_fns: Mapping[str, Callable[[np.ndarray], np.ndarray]],
    X: np.ndarray,
    y: np.ndarray,
    path: str | os.PathLike[str] | None = None,
    ncols: int = 4,
    class_names: Sequence[str] | None = None,
    title: str | None = None,
    feature_names: Sequence[str] = ("$x_0$", "$x_1$"),
) -> Any:
    """Every model's decision regions on the same data, one panel each.

    ``predict_fns`` maps a panel title (e.g. ``"SVC (rbf) — 0.97"``) to a function of
    points ``(k, 2)`` as :func:`glassnet.plotting.boundary.plot_decision_boundary` takes.
    ``feature_names`` label the axes: the x axis of the bottom panel of each column and the
    y axis of the first panel of each row.
    """
    from glassnet.plotting.boundary import plot_decision_boundary

    if not predict_fns:
        raise ValueError("`predict_fns` must hold at least one model.")
    n = len(predict_fns)
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    plt = pyplot()
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols, 3.6 * nrows + 0.5), squeeze=False)
    # plot_decision_boundary lays out its whole figure after each panel; with many panels
    # that costs O(n²) text measuring, so lay out once, at the end, instead.
    fig.tight_layout = lambda *args, **kwargs: None
    for k, (ax, (name, fn)) in enumerate(zip(axes.ravel(), predict_fns.items(), strict=False)):
        row, col = divmod(k, ncols)
        bottom = k + ncols >= n  # no panel below this one
        plot_decision_boundary(fn, X, y, ax=ax, title=name, resolution=120,
                               feature_names=(feature_names[0] if bottom else "",
                                              feature_names[1] if col == 0 else ""),
                               class_names=class_names)
        legend = ax.get_legend()
        if legend is not None:
            legend.remove()
        ax.title.set_fontsize(10)
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[n:]:
        ax.set_axis_off()
    handles, labels = axes.ravel()[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), frameon=False)
    if title:
        fig.suptitle(title, fontsize=12)
    del fig.tight_layout  # the class's method again
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return finish(fig, path)
