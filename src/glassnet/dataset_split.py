"""``keras.utils.split_dataset`` on arrays and tuples of arrays, and Keras's
``pack_x_y_sample_weight`` / ``unpack_x_y_sample_weight``."""

from __future__ import annotations

from typing import Any

import numpy as np


def pack_x_y_sample_weight(x: Any, y: Any = None, sample_weight: Any = None) -> Any:
    """``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``, as Keras packs a batch.

    Parameters
    ----------
    x : Any
    y : Any, optional
    sample_weight : Any, optional

    Returns
    -------
    Any
        ``x`` itself when ``y`` is None (``(x,)`` when ``x`` is a tuple, so that unpacking
        yields it whole), ``(x, y)`` without weights, else all three.
    """
    if y is None:
        return (x,) if isinstance(x, tuple) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack_x_y_sample_weight(data: Any) -> tuple[Any, Any, Any]:
    """``(x, y, sample_weight)`` of a batch, None for what it lacks (Keras's function).

    Parameters
    ----------
    data : Any
        A tuple ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``, or ``x`` alone.

    Returns
    -------
    tuple
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return (data, None, None)
    if len(data) == 1:
        return (data[0], None, None)
    if len(data) == 2:
        return (data[0], data[1], None)
    if len(data) == 3:
        return (data[0], data[1], data[2])
    raise ValueError("Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
                     f"`(x, y, sample_weight)`, found: {data}")


def _sizes(left: Any, right: Any, total: int) -> tuple[int, int]:
    """Keras's ``_rescale_dataset_split_sizes``: fractions rounded, the other side the rest."""
    for name, size in (("left_size", left), ("right_size", right)):
        if size is not None and type(size) not in (int, float):
            raise TypeError(f"Invalid `{name}` Type. Expected: int or float or None, "
                            f"Received: type({name})={type(size)}.")
    if left == 0 and right == 0:
        raise ValueError("Both `left_size` and `right_size` are zero. At least one of the "
                         "split sizes must be non-zero.")
    for name, size in (("left_size", left), ("right_size", right)):
        if (type(size) is int and not 0 < size < total) or (
                type(size) is float and not 0 < size < 1):
            raise ValueError(f"`{name}` should be either a positive integer smaller than "
                             f"{total}, or a float within the range `[0, 1]`. Received: "
                             f"{name}={size}")
    if type(left) is float and type(right) is float and left + right > 1:
        raise ValueError("The sum of `left_size` and `right_size` is greater than 1. It must "
                         "be less than or equal to 1.")
    lsize = None if left is None else (round(left * total) if type(left) is float else left)
    rsize = None if right is None else (round(right * total) if type(right) is float
                                        else right)
    if lsize is None and rsize is None:
        lsize = round(0.5 * total)
    if lsize is None:
        lsize = total - rsize  # type: ignore[operator]
    if rsize is None:
        rsize = total - lsize
    if lsize + rsize > total:
        raise ValueError("The sum of `left_size` and `right_size` should be smaller than the "
                         f"{total}. Received: left_size + right_size = {lsize + rsize}and "
                         f"total_length = {total}")
    for size, side in ((lsize, "left"), (rsize, "right")):
        if size == 0:
            raise ValueError(f"With `dataset` of length {total}, `left_size`={left} and "
                             f"`right_size`={right}. Resulting {side} side dataset split will "
                             "be empty. Adjust any of the aforementioned parameters")
    return int(lsize), int(rsize)


def split_dataset(dataset: Any, left_size: float | int | None = None,
                  right_size: float | int | None = None, shuffle: bool = False,
                  seed: int | None = None) -> tuple[Any, Any]:
    """Split an array, or a tuple/list of arrays of equal length, in two (Keras's function).

    Parameters
    ----------
    dataset : ndarray, or tuple or list of ndarray
        Samples along the first axis.
    left_size, right_size : int or float, optional
        A number of samples, or a fraction in (0, 1) (rounded); a missing side is the rest,
        both missing: half and half.
    shuffle : bool, default False
        Shuffle the samples first (NumPy's ``RandomState(seed)``, Keras's shuffle).
    seed : int, optional

    Returns
    -------
    (left, right)
        Of the type of ``dataset`` (Keras returns ``tf.data.Dataset`` objects; the samples
        are the same): the first ``left`` samples and the last ``right`` ones.
    """
    parts = list(dataset) if isinstance(dataset, (tuple, list)) else [dataset]
    arrays = [np.asarray(p) for p in parts]
    if not arrays or any(a.ndim == 0 for a in arrays):
        raise TypeError("split_dataset expects an array or a tuple of arrays, got "
                        f"{type(dataset).__name__}.")
    total = len(arrays[0])
    if any(len(a) != total for a in arrays):
        raise ValueError("split_dataset: the arrays of `dataset` must have the same length, "
                         f"got {[len(a) for a in arrays]}.")
    lsize, rsize = _sizes(left_size, right_size, total)
    order = np.arange(total)
    if shuffle:
        if seed is None:
            seed = int(np.random.default_rng().integers(1_000_000))
        np.random.RandomState(seed).shuffle(order)
    left_idx, right_idx = order[:lsize], order[total - rsize:]
    if isinstance(dataset, (tuple, list)):
        kind = type(dataset)
        return kind(a[left_idx] for a in arrays), kind(a[right_idx] for a in arrays)
    return arrays[0][left_idx], arrays[0][right_idx]
