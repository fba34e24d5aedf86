"""Turning what ``fit``/``evaluate``/``predict`` receive into checked arrays or batch streams."""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet import _validate

if TYPE_CHECKING:
    from glassnet.losses import Loss


def is_batch_stream(x: Any) -> bool:
    """True for generators / iterables of batches (not arrays, lists, tuples, strings, or
    dicts of inputs by name)."""
    if x is None or isinstance(x, (np.ndarray, list, tuple, str, bytes, Mapping, set, frozenset)):
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
    check_input_type(x, name)
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"`{name}` must be an array of numbers: {exc}") from None
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"`{name}` must hold real numbers, got dtype {arr.dtype}.")
    if arr.ndim < 1 or arr.shape[0] == 0:
        raise ValueError(f"`{name}` must hold at least one sample, got shape {arr.shape}.")
    source = arr
    with np.errstate(over="ignore"):  # an overflow of the cast is reported below
        arr = np.ascontiguousarray(arr, dtype=dtype)
    if finite:
        check_finite(arr, name, source=source)
    elif arr.dtype == np.float16 and source.dtype != np.float16:
        check_fits(arr, source, name)
    return arr


def check_input_type(x: Any, name: str = "x") -> None:
    """Refuse, with a clear error, inputs that are no array: None, a string, a dict, a set.

    Raises
    ------
    ValueError
        Keras's class for data of a type it does not recognise (``predict("abc")``). A dict
        is refused here because this path takes one input array (several inputs go as a
        list or dict only to models with several inputs).
    """
    if x is None or isinstance(x, (str, bytes, set, frozenset)):
        shown = f": {x[:40]!r}" if isinstance(x, (str, bytes)) else ""
        raise ValueError(f"`{name}` must be an array of numbers, got "
                         f"{'None' if x is None else 'a ' + type(x).__name__}{shown}.")
    if isinstance(x, Mapping):
        raise ValueError(f"`{name}` is a dict with keys {sorted(map(str, x))[:10]}, but this "
                         "model has a single input: pass one array of numbers.")


def as_targets(y: Any, n: int, loss: Loss, out_shape: tuple[int | None, ...],
               dtype: np.dtype, name: str = "y") -> np.ndarray:
    """``y`` checked against the number of samples ``n`` and the model's output shape
    ``out_shape`` (n, ...), converted as ``loss`` takes it (one-hot/float, or integer labels).

    Raises
    ------
    ValueError
        For a wrong number of samples, complex values, targets the loss cannot take, or
        NaN/inf.
    """
    check_input_type(y, name)
    y_arr = np.asarray(y)
    if y_arr.dtype.kind == "c":
        raise ValueError(f"`{name}` must hold real numbers, got complex values (dtype "
                        f"{y_arr.dtype}).")
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


#: Elements scanned at a time for NaN/inf: the scan's own memory is one chunk, not the data.
SCAN_CHUNK = 1 << 16


def _chunks(arr: np.ndarray) -> Iterator[tuple[int, int]]:
    """``(first, stop)`` sample ranges of about :data:`SCAN_CHUNK` elements each."""
    per_sample = max(1, arr.size // max(len(arr), 1))
    rows = max(1, SCAN_CHUNK // per_sample)
    for i in range(0, len(arr), rows):
        yield i, min(i + rows, len(arr))


def check_finite(arr: np.ndarray, name: str, batch_index: int | None = None,
                 source: np.ndarray | None = None) -> None:
    """Raise ValueError naming the first sample that holds NaN or inf.

    The scan runs over chunks of about :data:`SCAN_CHUNK` elements, so it never allocates a
    boolean copy of the data. ``source`` is the array before its conversion to ``arr``'s
    dtype: finite values that became inf are reported as an overflow of that dtype.
    """
    if arr.dtype.kind != "f":
        return
    for start, stop in _chunks(arr):
        chunk = arr[start:stop]
        if np.isfinite(chunk).all():
            continue
        bad_rows = ~np.isfinite(chunk.reshape(len(chunk), -1)).all(axis=1)
        first = start + int(np.flatnonzero(bad_rows)[0])
        if source is not None and source.dtype != arr.dtype:
            check_fits(arr[first:first + 1], source[first:first + 1], name, offset=first)
        affected = int(bad_rows.sum()) + sum(
            int((~np.isfinite(arr[a:b].reshape(b - a, -1)).all(axis=1)).sum())
            for a, b in _chunks(arr) if a >= stop)
        where = f" in batch {batch_index}" if batch_index is not None else ""
        raise ValueError(
            f"`{name}` contains NaN or inf{where} (first at sample {first}, "
            f"{affected} sample(s) affected). Clean or impute the data before training."
        )


def check_fits(arr: np.ndarray, source: np.ndarray, name: str, offset: int = 0) -> None:
    """Raise ValueError when finite values of ``source`` overflowed ``arr``'s float dtype
    (``1e5`` in float16, whose largest value is 65504); scanned in chunks."""
    limit = float(np.finfo(arr.dtype).max)
    for start, stop in _chunks(arr):
        overflow = np.isinf(arr[start:stop]) & np.isfinite(source[start:stop])
        if overflow.any():
            flat = source[start:stop].reshape(stop - start, -1)
            row = int(np.flatnonzero(overflow.reshape(stop - start, -1).any(axis=1))[0])
            big = float(np.abs(flat[row][np.isfinite(flat[row])].astype(np.float64)).max())
            raise ValueError(
                f"`{name}` holds {big:g} at sample {offset + start + row}, which overflows "
                f"{arr.dtype} (largest finite value {limit:g}); scale the data, or build the "
                "model with a wider dtype (dtype='float32')."
            )


def as_sample_weight(
    sample_weight: Any, class_weight: dict | None, y: np.ndarray, n: int,
    name: str = "sample_weight", n_classes: int | None = None,
) -> np.ndarray | None:
    """Combine ``sample_weight`` (n,) and ``class_weight`` {class: weight} into one vector.

    Parameters
    ----------
    sample_weight : array-like of shape (n,) or (n, 1), optional
        Finite, non-negative weights, one per sample.
    class_weight : dict {int: float}, optional
        Keys are class indices in ``[0, n_classes)``; weights are finite and non-negative.
    y : ndarray of shape (n, ...)
        Targets: one-hot rows (the class is the argmax) or integer labels.
    n : int
        Number of samples.
    name : str
        The argument's name, for messages (``validation_data[2]``).
    n_classes : int, optional
        Number of classes of the model's output (``units``, 2 for one sigmoid unit); from
        ``y`` when not given.

    Raises
    ------
    ValueError
        For a wrong length, NaN/inf or negative weights, or a class that does not exist.
    TypeError
        For non-numeric weights, a ``class_weight`` that is no dict, or non-integer keys.
    """
    weights = None if sample_weight is None else _checked_weights(sample_weight, n, name, y)
    if class_weight is not None:
        cw = _class_weights(class_weight, y, n, n_classes)
        if cw is not None:
            weights = cw if weights is None else weights * cw.reshape((n,) + (1,) * (weights.ndim - 1))
    return weights


def _checked_weights(sample_weight: Any, n: int, name: str, y: Any = None) -> np.ndarray:
    """Weights of shape (n,): one per sample; or, for sequence targets ``y`` of shape
    (n, T, ...), of shape (n, T): one per time step, as Keras weighs a temporal output."""
    if isinstance(sample_weight, (str, bytes, Mapping)):
        raise TypeError(f"`{name}` must be an array of {n} numbers, got {type(sample_weight).__name__}.")
    raw = np.asarray(sample_weight)
    if raw.dtype.kind not in "biuf":
        raise TypeError(f"`{name}` must hold real numbers, got dtype {raw.dtype}.")
    per_step = (isinstance(y, np.ndarray) and raw.ndim == 2 and y.ndim >= 2
                and raw.shape == y.shape[:2] and raw.shape != (n, 1))
    if not (raw.shape == (n,) or raw.shape == (n, 1) or per_step):
        steps = f" or {(n, *y.shape[1:2])}, one per time step" \
            if isinstance(y, np.ndarray) and y.ndim >= 2 and y.shape[1] > 1 else ""
        raise ValueError(
            f"`{name}` must have shape ({n},), one weight per sample{steps}, got shape "
            f"{raw.shape}."
        )
    weights = raw.astype(np.float64) if per_step else raw.astype(np.float64).reshape(-1)
    flat = weights.reshape(-1)
    if not np.isfinite(flat).all():
        bad = int(np.flatnonzero(~np.isfinite(flat))[0])
        raise ValueError(f"`{name}` must be finite, got {flat[bad]} at "
                         f"{'entry' if per_step else 'sample'} {bad}.")
    if (flat < 0).any():
        bad = int(np.flatnonzero(flat < 0)[0])
        raise ValueError(f"`{name}` must be non-negative, got {flat[bad]:g} at "
                         f"{'entry' if per_step else 'sample'} {bad}.")
    return weights


def _class_weights(class_weight: Any, y: np.ndarray, n: int, n_classes: int | None
                   ) -> np.ndarray | None:
    if not isinstance(class_weight, Mapping):
        raise TypeError(
            f"`class_weight` must be a dict {{class index: weight}}, got {type(class_weight).__name__}."
        )
    if not class_weight:
        return None
    one_hot = y.ndim > 1 and y.shape[-1] > 1
    if n_classes is None:
        n_classes = y.shape[-1] if one_hot else max(2, int(np.max(y)) + 1)
    lookup = np.ones(n_classes)  # the model's classes: no table larger than its output
    for cls, w in class_weight.items():
        if isinstance(cls, (bool, np.bool_)) or not isinstance(cls, numbers.Integral):
            raise TypeError(f"`class_weight` keys must be integer class indices, got {cls!r}.")
        if not 0 <= int(cls) < n_classes:
            raise ValueError(
                f"`class_weight` has class {int(cls)}, but the model's classes are 0 .. "
                f"{n_classes - 1}."
            )
        lookup[int(cls)] = _validate.check_number("fit", f"class_weight[{int(cls)}]", w, low=0.0)
    labels = y.argmax(axis=-1) if one_hot else y.reshape(n, -1)[:, 0]
    labels = np.rint(labels).astype(np.intp)
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(
            f"`class_weight` needs class labels in 0 .. {n_classes - 1}, but the targets hold "
            f"{int(labels.min())} .. {int(labels.max())}."
        )
    return lookup[labels]


def unpack_batch(batch: Any) -> tuple[Any, Any, Any]:
    """A stream yields ``(x, y)`` or ``(x, y, sample_weight)``."""
    if not isinstance(batch, (tuple, list)) or len(batch) not in (2, 3):
        raise ValueError(
            "A batch generator must yield (x, y) or (x, y, sample_weight) tuples, "
            f"got {type(batch).__name__}."
        )
    return batch[0], batch[1], (batch[2] if len(batch) == 3 else None)


def concatenate_batches(batches: list[Any]) -> tuple[Any, ...]:
    """``(x, y[, sample_weight])`` batches joined along the samples (arrays, or lists/dicts
    of arrays for several inputs or outputs)."""
    if not batches:
        raise ValueError("The validation PyDataset has no batches.")
    unpacked = [unpack_batch(b) for b in batches]

    def join(parts: list[Any]) -> Any:
        if parts[0] is None:
            return None
        if isinstance(parts[0], Mapping):
            return {k: np.concatenate([np.asarray(p[k]) for p in parts]) for k in parts[0]}
        if isinstance(parts[0], (list, tuple)):
            return [np.concatenate([np.asarray(p[i]) for p in parts])
                    for i in range(len(parts[0]))]
        return np.concatenate([np.asarray(p) for p in parts])

    x, y, w = (join([u[i] for u in unpacked]) for i in range(3))
    return (x, y) if w is None else (x, y, w)


def take(stream: Iterator, steps: int | None) -> Iterator:
    """At most ``steps`` batches from ``stream`` (all of it when ``steps`` is None)."""
    for i, batch in enumerate(stream):
        if steps is not None and i >= steps:
            return
        yield batch
