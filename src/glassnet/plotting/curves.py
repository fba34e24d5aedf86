"""Line plots of training curves: the workshop's error curve and any set of named series."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from glassnet.plotting._backend import finish, pyplot

#: Okabe & Ito's palette: distinguishable with every common colour-vision deficiency.
OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)
_LINESTYLES = ("-", "--", "-.", ":")
#: One marker per series as well, so curves that lie on top of each other stay told apart.
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def _check_curves(curves: Mapping[str, Sequence[float]]) -> dict[str, np.ndarray]:
    if not isinstance(curves, Mapping) or len(curves) == 0:
        raise ValueError(
            "`curves` must be a non-empty mapping of name -> sequence of numbers, "
            f"got {type(curves).__name__} {curves!r:.60}."
        )
    out = {}
    for name, values in curves.items():
        arr = np.asarray(values, dtype=np.float64)
        if arr.ndim != 1 or arr.size == 0:
            raise ValueError(
                f"`curves[{name!r}]` must be a non-empty 1-D sequence of numbers, "
                f"got shape {arr.shape}."
            )
        out[str(name)] = arr
    return out


def plot_curves(
    curves: Mapping[str, Sequence[float]],
    path: str | os.PathLike[str] | None = None,
    xlabel: str = "epoch",
    ylabel: str = "value",
    logy: bool = False,
    title: str | None = None,
    ax: Any = None,
) -> Any:
    """Draw named series against their index (1, 2, ...), one line each.

    Parameters
    ----------
    curves : mapping of str to sequence of float
        E.g. ``{"train loss": [...], "val loss": [...]}``; series may differ in length.
        ``curves[name][t]`` is drawn at x = t + 1 (the value after epoch t + 1). Each
        series has its own colour, line style and marker, so overlapping curves stay
        distinguishable (and the plot reads in greyscale).
    path : str or path-like, optional
        Where to save the figure (format from the suffix); not saved when ``None``.
    xlabel, ylabel : str
        Axis labels. When ``xlabel`` starts with "epoch" or "step", x ticks are integers.
    logy : bool, default False
        Logarithmic y axis (values must then be positive).
    title : str, optional
    ax : matplotlib Axes, optional
        Draw on this Axes (e.g. one panel of a grid) instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the plot.
    """
    series = _check_curves(curves)
    if logy and any(np.any(v <= 0) for v in series.values()):
        raise ValueError("`logy=True` needs every value of `curves` to be > 0.")
    plt = pyplot()
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.4, 4.0))
    else:
        fig = ax.figure
    n = len(series)
    for k, (name, values) in enumerate(series.items()):
        # Markers every ~10th point, staggered per series, so that two identical curves
        # (Adam and AdamW early on, MSE and Huber) still show both markers.
        every = max(1, values.size // 10)
        ax.plot(
            np.arange(1, values.size + 1),
            values,
            label=name,
            color=OKABE_ITO[k % len(OKABE_ITO)],
            linestyle=_LINESTYLES[k % len(_LINESTYLES)],
            marker=_MARKERS[k % len(_MARKERS)] if n > 1 else None,
            markevery=(min(values.size - 1, k * every // n), every),
            markersize=5,
            linewidth=2 if n > 1 else 2.2,
        )
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if xlabel.startswith("epoch") or xlabel.startswith("step"):
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # no epoch 1.5
    if title:
        ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    if len(series) > 1:
        ax.legend(frameon=False)
    fig.tight_layout()
    return finish(fig, path)


def plot_error_curve(
    errors: Sequence[float],
    path: str | os.PathLike[str] | None = None,
    title: str = "Training error",
    ax: Any = None,
) -> Any:
    """The workshop's ``plt.plot(errors)``: cost after each epoch, start and end labelled.

    Parameters
    ----------
    errors : sequence of float
        ``errors[t]`` is the cost after epoch ``t + 1`` (as :func:`glassnet.scratch.GD`
        returns it).
    path : str or path-like, optional
        Where to save the figure; not saved when ``None``.
    title : str, default "Training error"
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = plot_curves(
        {"cost": errors}, xlabel="epoch", ylabel="cost (mean squared error)", title=title, ax=ax
    )
    ax = fig.axes[0] if ax is None else ax
    values = np.asarray(errors, dtype=np.float64)
    for x, v, align in ((1, values[0], "left"), (values.size, values[-1], "right")):
        ax.annotate(
            f"{v:.4g}",
            (x, v),
            textcoords="offset points",
            xytext=(0, 8),
            ha=align,
            fontsize=9,
            color=OKABE_ITO[0],
        )
    ax.set_ylim(bottom=min(0.0, float(values.min())))
    ax.margins(x=0.02)
    fig.tight_layout()
    return finish(fig, path)
