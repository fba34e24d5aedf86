"""A grid of sample images with their labels, and predictions marked right or wrong."""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from glassnet.plotting._backend import finish, pyplot
from glassnet.plotting.curves import OKABE_ITO

#: Colours of a right and a wrong prediction (Okabe & Ito's bluish green and vermillion).
RIGHT, WRONG = OKABE_ITO[2], OKABE_ITO[3]


def _as_images(images: Any) -> np.ndarray:
    x = np.asarray(images)
    if x.ndim == 2:  # flattened (n, h*w) square images
        side = math.isqrt(x.shape[1])
        if side * side != x.shape[1]:
            raise ValueError(
                f"`images` of shape {x.shape} are flat, but {x.shape[1]} is not a square "
                "number of pixels; pass them as (n, h, w) or (n, h, w, c)."
            )
        x = x.reshape(x.shape[0], side, side)
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim not in (3, 4) or (x.ndim == 4 and x.shape[-1] not in (3, 4)):
        raise ValueError(
            "`images` must have shape (n, h, w), (n, h, w, 1), (n, h, w, 3/4) or (n, h*w), "
            f"got {x.shape}."
        )
    if x.shape[0] == 0:
        raise ValueError("`images` must hold at least one image, got none.")
    return x


def _as_classes(values: Any, name: str, n: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Integer classes of shape (n,) and, for probability rows, the winning probability."""
    v = np.asarray(values)
    conf = None
    if v.ndim == 2 and v.shape[1] > 1:
        conf = v.max(axis=1).astype(np.float64) if v.dtype.kind == "f" else None
        v = v.argmax(axis=1)
    elif v.ndim == 2:
        v = v[:, 0]
    if v.ndim != 1 or v.shape[0] < n:
        raise ValueError(
            f"`{name}` must hold at least {n} labels, as shape ({n},) or ({n}, n_classes), "
            f"got shape {v.shape}."
        )
    return np.rint(v[:n]).astype(np.int64), None if conf is None else conf[:n]


def _name(k: int, class_names: Sequence[str] | None) -> str:
    return str(class_names[k]) if class_names is not None else str(k)


def plot_image_grid(
    images: Any,
    labels: Any = None,
    predictions: Any = None,
    class_names: Sequence[str] | None = None,
    n: int = 25,
    ncols: int | None = None,
    cmap: str = "gray_r",
    title: str | None = None,
    path: str | os.PathLike[str] | None = None,
    row_titles: Sequence[str] | None = None,
) -> Any:
    """Draw the first ``n`` images in a grid, each titled with its label.

    Parameters
    ----------
    images : ndarray of shape (N, h, w), (N, h, w, c) or (N, h*w)
        Grey or RGB(A) images; uint8 (0..255) or float (drawn on [0, 1] when they lie in it,
        else on the batch's own range, the same for every image).
    labels : array-like of shape (N,) or (N, n_classes), optional
        True classes (integers or one-hot rows).
    predictions : array-like of shape (N,) or (N, n_classes), optional
        Predicted classes or class probabilities. Each title then shows the prediction, in
        green when it equals the label and in red, followed by the true class, when not
        (with its probability when rows of probabilities are given).
    class_names : sequence of str, optional
        Names by class index, e.g. ``fashion_mnist.CLASS_NAMES``.
    n : int, default 25
        How many images (at most N).
    ncols : int, optional
        Columns; by default a near-square grid.
    cmap : str, default "gray_r"
        Colour map of grey images ("gray_r": dark ink on white paper).
    title : str, optional
        Figure title.
    path : str or path-like, optional
        Save the figure here (format from the suffix).
    row_titles : sequence of str, optional
        One label per row, written left of it (e.g. ``["original", "augmented"]``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    x = _as_images(images)
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"`n` must be a positive int, got {n!r}.")
    n = min(int(n), x.shape[0])
    if ncols is None:
        ncols = math.ceil(math.sqrt(n))
    elif isinstance(ncols, bool) or not isinstance(ncols, numbers.Integral) or ncols < 1:
        raise ValueError(f"`ncols` must be a positive int, got {ncols!r}.")
    ncols = min(int(ncols), n)
    nrows = math.ceil(n / ncols)
    if row_titles is not None and len(row_titles) != nrows:
        raise ValueError(
            f"`row_titles` must hold one title per row ({nrows} rows of {ncols}), got "
            f"{len(row_titles)}."
        )
    y = None if labels is None else _as_classes(labels, "labels", n)[0]
    pred, conf = (None, None) if predictions is None else _as_classes(predictions, "predictions", n)
    if predictions is not None and y is None:
        raise ValueError("`predictions` need `labels` to be marked right or wrong.")
    if class_names is not None:
        used = [a.max() for a in (y, pred) if a is not None]
        if used and max(used) >= len(class_names):
            raise ValueError(
                f"`class_names` has {len(class_names)} names, but a class index reaches "
                f"{max(used)}."
            )
    if x.dtype == np.uint8:
        vmin, vmax = 0.0, 255.0
    else:
        lo, hi = float(np.min(x[:n])), float(np.max(x[:n]))
        vmin, vmax = (0.0, 1.0) if lo >= 0 and hi <= 1 else (lo, hi)
    if x.ndim == 4 and x.dtype != np.uint8:  # imshow wants RGB floats in [0, 1]
        x = (x - vmin) / max(vmax - vmin, 1e-12)

    plt = pyplot()
    captioned = y is not None
    left = 0.9 if row_titles is not None else 0.0
    fig, axes = plt.subplots(
        nrows, ncols,
        figsize=(1.25 * ncols + 0.2 + left, (1.25 + 0.3 * captioned) * nrows + 0.3),
        squeeze=False,
    )
    for k, ax in enumerate(axes.ravel()):
        ax.set_xticks([])
        ax.set_yticks([])
        if k >= n:
            ax.set_axis_off()
            continue
        ax.imshow(x[k], cmap=cmap if x.ndim == 3 else None, vmin=vmin, vmax=vmax,
                  interpolation="nearest")
        colour = "#333333"
        if pred is not None:
            right = pred[k] == y[k]
            colour = RIGHT if right else WRONG
            text = _name(pred[k], class_names)
            if conf is not None:
                text += f" {conf[k]:.0%}"
            if not right:
                text += f"\n(true: {_name(y[k], class_names)})"
            for spine in ax.spines.values():
                spine.set_edgecolor(colour)
                spine.set_linewidth(2.0)
        elif y is not None:
            text = _name(y[k], class_names)
        else:
            text = None
        if text is not None:
            ax.set_title(text, fontsize=8, color=colour, pad=3,
                         fontweight="bold" if pred is not None and colour == WRONG else "normal")
        if pred is None:
            for spine in ax.spines.values():
                spine.set_edgecolor("#cccccc")
    for r, text in enumerate(row_titles or ()):
        axes[r, 0].set_ylabel(text, rotation=0, ha="right", va="center", fontsize=9,
                              fontweight="bold", labelpad=8)
    if title:
        fig.suptitle(title, fontsize=11, wrap=True)
    fig.tight_layout(h_pad=0.4, w_pad=0.3)
    return finish(fig, path)
