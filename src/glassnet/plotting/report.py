"""Report figures for a trained classifier: what it confuses, where it fails, what it learnt.

* :func:`plot_confusion_matrix` -- which classes are mistaken for which;
* :func:`plot_image_grid` / :func:`plot_misclassified` -- images with their labels;
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


def plot_image_grid(
    images: Any,
    titles: Sequence[str] | None = None,
    path: str | os.PathLike[str] | None = None,
    ncols: int = 8,
    cmap: str = "gray_r",
    suptitle: str | None = None,
    title_colors: Sequence[str] | None = None,
    symmetric: bool = False,
) -> Any:
    """Images in a grid, one optional title each.

    Parameters
    ----------
    images : array-like of shape (n, h, w) or (n, h, w, 1)
    titles : sequence of str, optional
        One per image (may hold newlines).
    ncols : int, default 8
    cmap : str, default 'gray_r'
        Dark ink on white paper for digits and clothes; a diverging map with
        ``symmetric=True`` for signed values such as weights.
    title_colors : sequence of str, optional
    symmetric : bool, default False
        Scale each image to ``[-m, m]`` with ``m`` its largest absolute value, so zero is
        the diverging map's neutral middle colour.
    """
    images = np.asarray(images, dtype=np.float64)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3 or images.shape[0] == 0:
        raise ValueError(f"`images` must have shape (n, h, w) with n >= 1, got {images.shape}.")
    n = images.shape[0]
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    plt = pyplot()
    extra = 0.35 * max((t.count("\n") + 1 for t in titles), default=0) if titles else 0.0
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.5 * ncols, (1.4 + extra) * nrows + 0.4),
                             squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        ax.set_axis_off()
        if i >= n:
            continue
        img = images[i]
        if symmetric:
            m = float(np.abs(img).max()) or 1.0
            ax.imshow(img, cmap=cmap, vmin=-m, vmax=m, interpolation="nearest")
        else:
            ax.imshow(img, cmap=cmap, interpolation="nearest")
        if titles is not None:
            ax.set_title(titles[i], fontsize=7.5,
                         color=title_colors[i] if title_colors is not None else "black")
    if suptitle:
        fig.suptitle(suptitle, fontsize=11)
    fig.tight_layout()
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

    Parameters
    ----------
    images : array-like of shape (n, h, w)
    y_true, y_pred : array-like of int, shape (n,)
    proba : array-like of shape (n, n_classes), optional
        Predicted probabilities; wrong answers are then sorted by confidence (the most
        confident mistakes first) and each title shows it.
    max_images : int, default 32
    """
    t = np.asarray(y_true).reshape(-1)
    p = np.asarray(y_pred).reshape(-1)
    wrong = np.flatnonzero(t != p)
    n_wrong = wrong.size
    conf = None
    if proba is not None and n_wrong:
        conf = np.asarray(proba)[wrong, p[wrong]]
        order = np.argsort(-conf, kind="stable")
        wrong, conf = wrong[order], conf[order]
    wrong = wrong[:max_images]
    k = int(max(t.max(initial=0), p.max(initial=0))) + 1
    names = _names(class_names, max(k, len(class_names or ())))
    what = ("most confident mistakes (in brackets: the probability the model gave its wrong "
            "answer)" if conf is not None else "mistakes")
    suptitle = (f"{n_wrong:,} of {t.size:,} test images misclassified "
                f"({n_wrong / max(t.size, 1):.1%});\nthe {min(n_wrong, max_images)} {what}")
    if wrong.size == 0:
        plt = pyplot()
        fig, ax = plt.subplots(figsize=(5, 1.5))
        ax.set_axis_off()
        ax.text(0.5, 0.5, "No misclassified images.", ha="center", va="center")
        return finish(fig, path)
    titles = []
    for i, idx in enumerate(wrong):
        line = f"true: {names[t[idx]]}\npred: {names[p[idx]]}"
        if conf is not None:  # 99.6% is not certainty: keep a decimal near 100
            line += f" ({conf[i]:.1%})" if conf[i] >= 0.995 else f" ({conf[i]:.0%})"
        titles.append(line)
    return plot_image_grid(np.asarray(images)[wrong], titles, path=path, ncols=ncols,
                           suptitle=suptitle, title_colors=[OKABE_ITO[3]] * len(titles))


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
    input when ink is there, blue ones (W < 0) lower it. Each panel is scaled to its own
    largest |W|, so white is exactly zero.
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
    return plot_image_grid(
        images, titles, path=path, ncols=ncols, cmap="RdBu_r", symmetric=True,
        suptitle=title or (f"First layer: each unit's {h * w} input weights as a {h}×{w} image "
                           "(red > 0 > blue)"),
    )


def plot_comparison(results: Sequence[Mapping[str, Any]], path: str | os.PathLike[str] | None = None,
                    title: str | None = None) -> Any:
    """Test accuracy (bars) and training time (bars, log scale) of each model that ran.

    ``results`` are rows of :func:`glassnet.compare.compare` (keys ``model``, ``library``,
    ``test_accuracy``, ``train_time_s``, ``status``); skipped rows are left out.
    """
    rows = [r for r in results if r.get("status") == "ok"]
    if not rows:
        raise ValueError("`results` hold no model that ran (every row was skipped).")
    rows = sorted(rows, key=lambda r: r["test_accuracy"])
    names = [r["model"] for r in rows]
    colors = [OKABE_ITO[0] if r["library"] == "glassnet" else OKABE_ITO[1] for r in rows]
    plt = pyplot()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 0.45 * len(rows) + 1.8), sharey=True)
    y = np.arange(len(rows))
    acc = np.array([r["test_accuracy"] for r in rows])
    ax1.barh(y, acc, color=colors)
    for yi, a in zip(y, acc, strict=True):
        ax1.text(a, yi, f" {a:.3f}", va="center", fontsize=9)
    lo = max(0.0, float(acc.min()) - 0.1)
    ax1.set_xlim(lo, min(1.0, float(acc.max()) + 0.08) if acc.max() < 0.95 else 1.04)
    ax1.set_yticks(y, names)
    ax1.set_xlabel("test accuracy" + (f" (axis starts at {lo:.2f})" if lo > 0 else ""))
    secs = np.array([max(r["train_time_s"], 1e-3) for r in rows])
    ax2.barh(y, secs, color=colors)
    ax2.set_xscale("log")
    for yi, s in zip(y, secs, strict=True):
        ax2.text(s, yi, f" {s:.2g} s", va="center", fontsize=9)
    ax2.set_xlim(secs.min() / 2, secs.max() * 8)
    ax2.set_xlabel("training time, seconds (log scale)")
    for ax in (ax1, ax2):
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
) -> Any:
    """Every model's decision regions on the same data, one panel each.

    ``predict_fns`` maps a panel title (e.g. ``"SVC (rbf) — 0.97"``) to a function of
    points ``(k, 2)`` as :func:`glassnet.plotting.boundary.plot_decision_boundary` takes.
    """
    from glassnet.plotting.boundary import plot_decision_boundary

    if not predict_fns:
        raise ValueError("`predict_fns` must hold at least one model.")
    n = len(predict_fns)
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    plt = pyplot()
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols, 3.6 * nrows + 0.5), squeeze=False)
    for ax, (name, fn) in zip(axes.ravel(), predict_fns.items(), strict=False):
        plot_decision_boundary(fn, X, y, ax=ax, title=name, resolution=120,
                               feature_names=("", ""), class_names=class_names)
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
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return finish(fig, path)
