"""Learning curves from a :class:`~glassnet.callbacks.History`: one panel per quantity.

``History.plot()`` calls :func:`plot_history`. Each panel draws a quantity (``loss``,
``accuracy`` …) on the training data and, when ``fit`` had validation data, on the
validation data, so over-fitting shows as the two curves parting.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from glassnet.plotting._backend import finish, pyplot
from glassnet.plotting.curves import OKABE_ITO

_VAL = "val_"
#: Readable y-axis labels of common log keys.
_LABELS = {
    "loss": "loss (lower is better)",
    "accuracy": "accuracy (higher is better)",
    "acc": "accuracy (higher is better)",
    "mse": "mean squared error",
    "mae": "mean absolute error",
    "lr": "learning rate",
    "learning_rate": "learning rate",
}


def _as_logs(history: Any) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """``(logs, epochs)`` from a History, a Keras-like object with ``.history``, or a dict."""
    logs = getattr(history, "history", history)
    if not isinstance(logs, Mapping) or not logs:
        raise ValueError(
            "`history` must be a History (as `fit` returns it) or a non-empty mapping of "
            f"name -> per-epoch values, got {type(history).__name__} {logs!r:.60}."
        )
    series = {str(k): np.asarray(v, dtype=np.float64).reshape(-1) for k, v in logs.items()}
    n = max(v.size for v in series.values())
    if n == 0:
        raise ValueError("`history` holds no epochs yet: train with `fit` first.")
    epochs = np.asarray(getattr(history, "epoch", None) or range(n), dtype=np.int64)
    if epochs.size != n:
        epochs = np.arange(n)
    return series, epochs + 1  # epoch 0 is "after the first epoch": draw it at x = 1


def _base_keys(logs: Mapping[str, np.ndarray]) -> list[str]:
    """Quantities in first-seen order, ``loss`` first: ``val_x`` counts as ``x``."""
    keys: list[str] = []
    for k in logs:
        base = k[len(_VAL):] if k.startswith(_VAL) else k
        if base not in keys:
            keys.append(base)
    return sorted(keys, key=lambda k: k != "loss")


def plot_history(
    history: Any,
    keys: Sequence[str] | None = None,
    path: str | os.PathLike[str] | None = None,
    *,
    title: str | None = None,
    mark_best: bool = True,
    figsize: tuple[float, float] | None = None,
) -> Any:
    """Training and validation curves, one panel per quantity, side by side.

    Parameters
    ----------
    history : History or mapping of str to sequence of float
        ``model.fit(...)``'s return value, or its ``.history`` dict, e.g.
        ``{"loss": [...], "accuracy": [...], "val_loss": [...], "val_accuracy": [...]}``.
    keys : sequence of str, optional
        Quantities to draw (``["loss"]``, ``["loss", "accuracy"]``); ``val_<key>`` joins
        ``<key>``'s panel. Default: every quantity in ``history``, loss first.
    path : str or path-like, optional
        Where to save the figure (format from the suffix); not saved when ``None``.
    title : str, optional
        Title above the panels.
    mark_best : bool, default True
        Mark the epoch with the best validation value (lowest loss / error, highest
        accuracy) with a dotted line: with early stopping, those are the weights to keep.
    figsize : (float, float), optional
        Default: 4.8 inches wide per panel, 3.8 high.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``history`` is empty or a requested key is absent (the message lists those
        present).
    """
    logs, epochs = _as_logs(history)
    available = _base_keys(logs)
    if keys is None:
        keys = available
    elif isinstance(keys, str):
        keys = [keys]
    unknown = [k for k in keys if k not in available]
    if unknown or not keys:
        raise ValueError(
            f"`keys` must name quantities in the history ({', '.join(available)}), got {keys!r}."
        )
    plt = pyplot()
    w, h = figsize or (4.8 * len(keys), 3.8)
    fig, axes = plt.subplots(1, len(keys), figsize=(w, h), squeeze=False)
    for ax, key in zip(axes[0], keys, strict=True):
        _panel(ax, key, logs, epochs, mark_best)
    if title:
        fig.suptitle(title, fontsize=12)
    fig.tight_layout()
    return finish(fig, path)


def _panel(ax: Any, key: str, logs: Mapping[str, np.ndarray], epochs: np.ndarray,
           mark_best: bool) -> None:
    higher_is_better = key in ("accuracy", "acc") or key.endswith("accuracy")
    for j, (name, label) in enumerate(((key, "training"), (_VAL + key, "validation"))):
        values = logs.get(name)
        if values is None:
            continue
        x = epochs[: values.size]
        ax.plot(x, values, color=OKABE_ITO[j], linestyle=("-", "--")[j], linewidth=2,
                marker="o" if values.size <= 30 else None, markersize=4,
                label=f"{label} ({values[-1]:.4g})")
    val = logs.get(_VAL + key)
    if mark_best and val is not None and val.size > 1 and np.all(np.isfinite(val)):
        best = int(np.argmax(val) if higher_is_better else np.argmin(val))
        ax.axvline(epochs[best], color="grey", linestyle=":", linewidth=1.2,
                   label=f"best validation: epoch {epochs[best]}")
    ax.set_xlabel("epoch")
    ax.set_ylabel(_LABELS.get(key, key))
    ax.set_title(key.replace("_", " "))
    if epochs.size <= 20:
        ax.set_xticks(epochs)
    else:
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
    ax.grid(True, alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(frameon=False, fontsize=9)
