"""Gradient flow: per-layer gradient norms against depth, on a log scale, as training goes.

A healthy deep network shows roughly flat lines (every layer gets a gradient of similar
size); vanishing gradients show as lines falling by orders of magnitude towards the input.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from glassnet.plotting._backend import finish, pyplot
from glassnet.plotting.curves import OKABE_ITO

_LABELS = {
    "grad_norm": "gradient norm ||dL/dW||",
    "weight_norm": "weight norm ||W||",
    "update_ratio": "update / weight  ||dW|| / ||W||",
}


def _records(source: Any) -> list[dict[str, Any]]:
    """Records from a :class:`~glassnet.diagnostics.GradientFlow` or a list of its records."""
    records = getattr(source, "records", source)
    if not isinstance(records, Sequence) or not records or not all(
        isinstance(r, Mapping) and "layers" in r for r in records
    ):
        raise ValueError(
            "plot_gradient_flow expects a GradientFlow callback with records (pass it to "
            "fit(callbacks=[...]) first), its `records` list, or a dict {label: either}; got "
            f"{type(source).__name__}."
        )
    return list(records)


def _pick(records: list[dict[str, Any]], max_lines: int) -> list[dict[str, Any]]:
    """At most ``max_lines`` records, evenly spread, always the first and the last."""
    if len(records) <= max_lines:
        return records
    idx = np.unique(np.linspace(0, len(records) - 1, max_lines).round().astype(int))
    return [records[i] for i in idx]


def _values(record: dict[str, Any], key: str, param: str | None) -> np.ndarray:
    """``key`` of each layer in one record (of its ``param`` only, over the layers having it)."""
    if param is None:
        values = [e.get(key, np.nan) for e in record["layers"]]
    else:
        values = [e["params"][param].get(key, np.nan) for e in record["layers"]
                  if param in e.get("params", {})]
    out = np.array(values, dtype=np.float64)
    out[~(out > 0)] = np.nan  # zero / NaN cannot sit on a log axis
    return out


def plot_gradient_flow(
    records_or_flows: Any,
    path: str | os.PathLike[str] | None = None,
    key: str = "grad_norm",
    param: str | None = "kernel",
    max_lines: int = 6,
    show_loss: bool = True,
    title: str | None = None,
) -> Any:
    """Per-layer ``key`` (gradient norm by default) against layer depth, one line per step.

    Parameters
    ----------
    records_or_flows : GradientFlow, list of record dicts, or dict {label: either}
        A dict draws one panel per model (sharing the y axis), e.g.
        ``{"sigmoid, plain": flow_a, "ReLU + residual": flow_b}``.
    path : str or path-like, optional
        Where to save the figure (format from the suffix); not saved when ``None``.
    key : {'grad_norm', 'weight_norm', 'update_ratio'}, default 'grad_norm'
    param : str or None, default 'kernel'
        Draw this parameter's statistic, over the layers that have it (the weight matrices:
        Dense, convolutions), so normalisation layers do not interleave with them; ``None``
        draws every layer with weights, all its parameters together.
    max_lines : int, default 6
        Recordings drawn per panel (evenly spread over training, first and last included);
        colour runs from dark (early) to light (late).
    show_loss : bool, default True
        Add a panel with the training loss at each recording, one line per model.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        One row of panels, or two rows when there are more than three.
    """
    if isinstance(records_or_flows, Mapping) and "layers" not in records_or_flows:
        panels = {str(k): _records(v) for k, v in records_or_flows.items()}
    else:
        panels = {"": _records(records_or_flows)}
    if key not in _LABELS:
        raise ValueError(f"`key` must be one of {', '.join(_LABELS)}, got {key!r}.")
    plt = pyplot()
    cmap = plt.get_cmap("viridis")
    n = len(panels) + (1 if show_loss else 0)
    rows = 1 if n <= 3 else 2
    cols = math.ceil(n / rows)
    fig, grid = plt.subplots(rows, cols, figsize=(5.2 * cols, 3.8 * rows), squeeze=False)
    axes = list(grid.ravel())
    for ax in axes[n:]:
        ax.set_visible(False)
    chosen = {label: _pick(records, max_lines) for label, records in panels.items()}
    same_steps = len({tuple(r["step"] for r in c) for c in chosen.values()}) == 1
    what = "weights" if param is None else f"a {param}"
    for p, (ax, (label, records)) in enumerate(zip(axes, chosen.items(), strict=False)):
        empty = []
        for k, rec in enumerate(records):
            values = _values(rec, key, param)
            if values.size and np.isnan(values).all():
                empty.append(str(rec["step"]))
            shade = 0.85 * k / max(len(records) - 1, 1)
            ax.plot(np.arange(1, values.size + 1), values, color=cmap(shade), linewidth=1.8,
                    marker="o", markersize=2.5, label=f"step {rec['step']}")
        if empty:  # a dead network: nothing to draw on a log axis, so say so
            ax.text(0.98, 0.03, f"all zero at step {', '.join(empty)}", transform=ax.transAxes,
                    ha="right", va="bottom", fontsize=8, color="0.3")
        ax.set_yscale("log")
        ax.set_xlabel(f"layer with {what} (1 = next to the input)")
        ax.set_ylabel(_LABELS[key])
        ax.set_title(label, fontsize=11)
        ax.grid(True, which="major", alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
        if p == 0 or not same_steps:
            ax.legend(frameon=False, fontsize=8, loc="best")
    _share_log_y(axes[: len(panels)])
    if show_loss:
        ax = axes[n - 1]
        for k, (label, records) in enumerate(panels.items()):
            ax.plot([r["step"] for r in records], [r.get("loss", np.nan) for r in records],
                    color=OKABE_ITO[k % len(OKABE_ITO)], linewidth=2, label=label or "loss",
                    linestyle=("-", "--", "-.", ":")[k % 4], marker="osD^v"[k % 5],
                    markersize=4)  # two stalled runs can lie on top of each other
        ax.set_xlabel("training step")
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel("training loss (running epoch mean)")
        ax.set_title("loss", fontsize=11)
        ax.grid(True, alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(frameon=False, fontsize=8)
    if title:
        fig.suptitle(title, fontsize=12)
    fig.tight_layout()
    return finish(fig, path)


def _share_log_y(axes: Sequence[Any]) -> None:
    """One y range for every norm panel, whole decades, so the panels compare at a glance."""
    lows, highs = [], []
    for ax in axes:
        for line in ax.get_lines():
            y = np.asarray(line.get_ydata(), dtype=np.float64)
            y = y[np.isfinite(y) & (y > 0)]
            if y.size:
                lows.append(y.min())
                highs.append(y.max())
    if not lows:
        return
    lo = 10.0 ** math.floor(math.log10(min(lows)))
    hi = 10.0 ** math.ceil(math.log10(max(highs)))
    for ax in axes:
        ax.set_ylim(lo, hi)
