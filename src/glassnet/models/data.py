"""Turning what ``fit``/``evaluate``/``predict`` receive into checked arrays or batch streams."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from glassnet.losses import Loss


def is_batch_stream(x: Any) -> bool:
    """True for generators / iterables of batches (not arrays, lists, tuples or dicts)."""
    if x is None or isinstance(x, (np.ndarray, list, tuple, dict)):  # dict: inputs by name
        return False
    return isinstance(x, Iterable) or hasattr(x, "__next__")


def as_inputs(x: Any, dtype: np.dtype, name: str = "x", finite: bool = True) -> np.ndarray:
    """``x`` as a C-contiguous array of the model's float dtype, with no NaN or inf.

    ``finite=False`` skips the NaN/inf scan (``predict``: NaN in, NaN out, as in Keras; the
    scan of a large test set costs as much as a small model's forward pass).

    Raises
    ------
    ValueError
        For non-numeric data, no samples, or NaN/inf (naming the first bad sample).
    """
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"`{name}` must be an array of numbers: {exc}") from None
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"`{name}` must hold numbers, got dtype {arr.dtype}.")
    if arr.ndim < 1 or arr.shape[0] == 0:
        raise ValueError(f"`{name}` must hold at least one sample, got shape {arr.shape}.")
    arr = np.ascontiguousarray(arr, dtype=dtype)
    if finite:
        check_finite(arr, name)
    return arr


def as_targets(y: Any, n: int, loss: Loss, out_shape: tuple[int | None, ...],
               dtype: np.dtype, name: str = "y") -> np.ndarray:
    """``y`` checked against the number of samples ``n`` and the model's output shape
    ``out_shape`` (n, ...), converted as ``loss`` takes it (one-hot/float, or integer labels).

    Raises
    ------
    ValueError
        For a wrong number of samples, targets the loss cannot take, or NaN/inf.
    """
    y_arr = np.asarray(y)
    if y_arr.ndim == 0 or y_arr.shape[0] != n:
        raise ValueError(
            f"`x` and `{name}` must have the same number of samples: `x` has {n}, "
            f"`{name}` has shape {y_arr.shape}."
        )
    y_arr = loss.prepare_targets(y_arr, out_shape)
    if y_arr.dtype.kind in "biuf" and y_arr.dtype.kind != "i" or y_arr.dtype == bool:
        y_arr = np.ascontiguousarray(y_arr, dtype=dtype)
        check_finite(y_arr, name)
    return y_arr


def check_finite(arr: np.ndarray, name: str, batch_index: int | None = None) -> None:
    """Raise ValueError naming the first sample that holds NaN or inf."""
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        bad = np.flatnonzero(~np.isfinite(arr.reshape(len(arr), -1)).all(axis=1))
        where = f" in batch {batch_index}" if batch_index is not None else ""
        raise ValueError(
            f"`{name}` contains NaN or inf{where} (first at sample {int(bad[0])}, "
            f"{len(bad)} sample(s) affected). Clean or impute the data before training."
        )


def as_sample_weight(
    sample_weight: Any, class_weight: dict | None, y: np.ndarray, n: int
) -> np.ndarray | None:
    """Combine ``sample_weight`` (n,) and ``class_weight`` {class: weight} into one vector."""
    weights = None
    if sample_weight is not None:
        weights = np.asarray(sample_weight, dtype=np.float64).reshape(-1)
        if weights.shape != (n,):
            raise ValueError(
                f"`sample_weight` must have shape ({n},), one weight per sample, "
                f"got {np.shape(sample_weight)}."
            )
    if class_weight:
        if not isinstance(class_weight, dict):
            raise TypeError(f"`class_weight` must be a dict {{class: weight}}, got {class_weight!r}.")
        labels = y.argmax(axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(n, -1)[:, 0]
        labels = np.rint(labels).astype(np.intp)
        lookup = np.ones(max(int(labels.max()) + 1, max(class_weight) + 1))
        for cls, w in class_weight.items():
            lookup[int(cls)] = float(w)
        cw = lookup[labels]
        weights = cw if weights is None else weights * cw
    return weights


def unpack_batch(batch: Any) -> tuple[Any, Any, Any]:
    """A stream yields ``(x, y)`` or ``(x, y, sample_weight)``."""
    if not isinstance(batch, (tuple, list)) or len(batch) not in (2, 3):
        raise ValueError(
            "A batch generator must yield (x, y) or (x, y, sample_weight) tuples, "
            f"got {type(batch).__name__}."
        )
    return batch[0], batch[1], (batch[2] if len(batch) == 3 else None)


def take(stream: Iterator, steps: int | None) -> Iterator:
    """At most ``steps`` batches from ``stream`` (all of it when ``steps`` is None)."""
    for i, batch in enumerate(stream):
        if steps is not None and i >= steps:
            return
        yield batch
