"""Shape operations: the values only move, so each gradient moves ``g`` back.

``reshape``'s gradient is ``g`` reshaped back, ``transpose``'s is ``g`` transposed by the
inverse permutation, ``concatenate``'s splits ``g`` at the same offsets, and indexing
scatters ``g`` into zeros at the indexed places (adding where an index repeats).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from glassnet.ops.tape import record, unpack


def reshape(x: Any, newshape: Any) -> Any:
    """``x`` with shape ``newshape`` (one entry may be -1)."""
    a, t = unpack(x)
    a = np.asarray(a)
    return record(np.reshape(a, newshape), (t,), lambda g: (np.reshape(g, a.shape),))


def transpose(x: Any, axes: Sequence[int] | None = None) -> Any:
    """Axes permuted by ``axes`` (reversed when None)."""
    a, t = unpack(x)
    a = np.asarray(a)
    perm = tuple(range(a.ndim))[::-1] if axes is None else tuple(int(i) % a.ndim for i in axes)
    return record(np.transpose(a, perm), (t,), lambda g: (np.transpose(g, np.argsort(perm)),))


def swapaxes(x: Any, axis1: int, axis2: int) -> Any:
    nd = np.ndim(unpack(x)[0])
    perm = list(range(nd))
    perm[axis1], perm[axis2] = perm[axis2], perm[axis1]
    return transpose(x, perm)


def expand_dims(x: Any, axis: int) -> Any:
    """A new size-1 axis at ``axis``."""
    a, t = unpack(x)
    a = np.asarray(a)
    return record(np.expand_dims(a, axis), (t,), lambda g: (np.reshape(g, a.shape),))


def squeeze(x: Any, axis: int | tuple[int, ...] | None = None) -> Any:
    """Size-1 axes (all of them, or ``axis``) removed."""
    a, t = unpack(x)
    a = np.asarray(a)
    return record(np.squeeze(a, axis), (t,), lambda g: (np.reshape(g, a.shape),))


def flatten(x: Any) -> Any:
    return reshape(x, (-1,))


def tile(x: Any, repeats: int | Sequence[int]) -> Any:
    """``x`` repeated ``repeats[i]`` times along axis ``i`` (``np.tile``); the gradient sums
    the copies back.

    With ``S`` the input shape and ``R`` the repeats (the shorter padded with leading 1s),
    the output has shape ``R * S`` and entry ``r * S_i + j`` along axis ``i`` is a copy of
    entry ``j``: reshaped to ``(R_0, S_0, R_1, S_1, ...)``, ``dL/dx`` is the sum over the
    ``R`` axes.
    """
    a, t = unpack(x)
    a = np.asarray(a)
    reps = tuple(int(r) for r in np.atleast_1d(repeats))
    out = np.tile(a, reps)
    nd = max(a.ndim, len(reps))
    full_reps = (1,) * (nd - len(reps)) + reps
    full_shape = (1,) * (nd - a.ndim) + a.shape

    def grad(g: np.ndarray) -> tuple[np.ndarray]:
        pairs = [n for r, s in zip(full_reps, full_shape, strict=True) for n in (r, s)]
        summed = np.reshape(g, pairs).sum(axis=tuple(range(0, 2 * nd, 2)))
        return (np.reshape(summed, a.shape),)

    return record(out, (t,), grad)


def broadcast_to(x: Any, shape: Sequence[int]) -> Any:
    """``x`` repeated along broadcast axes; the gradient sums them back."""
    from glassnet.ops.tape import unbroadcast

    a, t = unpack(x)
    a = np.asarray(a)
    return record(np.broadcast_to(a, tuple(shape)), (t,), lambda g: (unbroadcast(g, a.shape),))


def concatenate(xs: Sequence[Any], axis: int = 0) -> Any:
    """Arrays joined along an existing ``axis``; the gradient is split at the same offsets."""
    if not isinstance(xs, (list, tuple)) or not xs:
        raise TypeError(f"`xs` must be a non-empty list of arrays, got {type(xs).__name__}.")
    parts = [unpack(x) for x in xs]
    values = [np.asarray(v) for v, _ in parts]
    out = np.concatenate(values, axis=axis)
    cuts = np.cumsum([v.shape[axis] for v in values])[:-1]

    def backward(g):
        return tuple(np.split(g, cuts, axis=axis))

    return record(out, tuple(t for _, t in parts), backward)


def stack(x: Sequence[Any], axis: int = 0) -> Any:
    """Arrays of one shape joined along a new ``axis``; the gradient is sliced back out."""
    if not isinstance(x, (list, tuple)) or not x:
        raise TypeError(f"`x` must be a non-empty list of arrays, got {type(x).__name__}.")
    parts = [unpack(v) for v in x]
    out = np.stack([v for v, _ in parts], axis=axis)

    def backward(g):
        return tuple(np.moveaxis(g, axis, 0))

    return record(out, tuple(t for _, t in parts), backward)


def _scatter(g: np.ndarray, shape: tuple[int, ...], index: Any) -> np.ndarray:
    """Zeros of ``shape`` with ``g`` added at ``index`` (repeated indices add up)."""
    out = np.zeros(shape, dtype=g.dtype)
    np.add.at(out, index, g)
    return out


def take(x: Any, indices: Any, axis: int | None = None) -> Any:
    """Entries of ``x`` at ``indices`` along ``axis`` (of the flattened ``x`` when None)."""
    a, t = unpack(x)
    a = np.asarray(a)
    idx = np.asarray(unpack(indices)[0])
    if idx.dtype.kind not in "iu":
        raise TypeError(f"`indices` must be integers, got dtype {idx.dtype}.")
    out = np.take(a, idx, axis=axis)

    def backward(g):
        if axis is None:
            return (_scatter(g, (a.size,), idx).reshape(a.shape),)
        ax = axis % a.ndim
        moved = np.moveaxis(g, tuple(range(ax, ax + idx.ndim)), tuple(range(idx.ndim)))
        flat = moved.reshape((idx.size,) + a.shape[:ax] + a.shape[ax + 1:])
        acc = _scatter(flat, (a.shape[ax],) + a.shape[:ax] + a.shape[ax + 1:], idx.reshape(-1))
        return (np.moveaxis(acc, 0, ax),)

    return record(out, (t,), backward)


def take_along_axis(x: Any, indices: Any, axis: int | None = None) -> Any:
    """``np.take_along_axis``; the gradient is scattered back with ``np.put_along_axis`` sums."""
    a, t = unpack(x)
    a = np.asarray(a)
    idx = np.asarray(unpack(indices)[0])
    out = np.take_along_axis(a, idx, axis=axis)

    def backward(g):
        if axis is None:
            return (_scatter(g, (a.size,), idx).reshape(a.shape),)
        full = np.indices(idx.shape, sparse=True)
        index = tuple(idx if i == axis % a.ndim else full[i] for i in range(a.ndim))
        return (_scatter(g, a.shape, index),)

    return record(out, (t,), backward)


def getitem(x: Any, key: Any) -> Any:
    """``x[key]`` for any NumPy index; the gradient adds ``g`` back at the indexed places."""
    a, t = unpack(x)
    a = np.asarray(a)
    if isinstance(key, tuple):
        key = tuple(unpack(k)[0] if not isinstance(k, (slice, type(None), type(Ellipsis), int))
                    else k for k in key)
    elif not isinstance(key, (slice, type(None), type(Ellipsis), int)):
        key = unpack(key)[0]
    out = a[key]
    basic = all(isinstance(k, (slice, type(None), type(Ellipsis), int))
                for k in (key if isinstance(key, tuple) else (key,)))

    def backward(g):
        if basic:  # each entry read at most once: a plain assignment scatters
            full = np.zeros(a.shape, dtype=g.dtype)
            full[key] = g
            return (full,)
        return (_scatter(g, a.shape, key),)

    return record(out, (t,), backward)


def _along(axis: int, ndim: int, index: Any) -> tuple[Any, ...]:
    """The index that picks ``index`` (an int or a slice) along ``axis`` of an ``ndim``-d array."""
    return (slice(None),) * (axis % max(ndim, 1)) + (index,)


def split(x: Any, indices_or_sections: int | Sequence[int], axis: int = 0) -> list[Any]:
    """``x`` cut along ``axis`` into pieces (``np.split``): a list of arrays.

    Parameters
    ----------
    x : ndarray
    indices_or_sections : int or sequence of int
        ``N``: ``N`` pieces of equal size (the axis must divide evenly); a sorted sequence:
        the cut points, as in NumPy (``[2, 5]`` gives ``x[:2]``, ``x[2:5]``, ``x[5:]``).
    axis : int, default 0

    Notes
    -----
    Each piece is the slice ``x[..., a:b, ...]`` (:func:`getitem`), so ``dL/dx`` is the
    concatenation of the pieces' gradients along ``axis`` (zeros for a piece no loss reaches).
    """
    a = np.asarray(unpack(x)[0])
    if a.ndim == 0:
        raise ValueError("split needs an array with at least one axis, got a scalar.")
    if not -a.ndim <= axis < a.ndim:
        raise ValueError(f"`axis` {axis} is out of range for an array of {a.ndim} dimensions.")
    size = a.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        n = int(indices_or_sections)
        if n <= 0 or size % n:
            raise ValueError(
                f"`indices_or_sections` {n} must divide the size {size} of axis {axis} into "
                f"equal pieces (an array of shape {a.shape}).")
        cuts = [size // n * i for i in range(1, n)]
    else:
        cuts = [int(c) for c in indices_or_sections]
    bounds = zip([0, *cuts], [*cuts, size], strict=True)
    return [getitem(x, _along(axis, a.ndim, slice(lo, hi))) for lo, hi in bounds]


def unstack(x: Any, num: int | None = None, axis: int = 0) -> list[Any]:
    """The ``x.shape[axis]`` slices of ``x`` along ``axis``, that axis removed: a list of
    arrays (the inverse of :func:`stack`).

    Parameters
    ----------
    x : ndarray
    num : int, optional
        The number of slices, when given it must be ``x.shape[axis]``.
    axis : int, default 0

    Notes
    -----
    Slice ``i`` is ``x[..., i, ...]`` (:func:`getitem`): its gradient lands at position ``i``
    along ``axis``, so ``dL/dx`` is the gradients stacked back.
    """
    a = np.asarray(unpack(x)[0])
    if not -a.ndim <= axis < max(a.ndim, 1) or a.ndim == 0:
        raise ValueError(f"`axis` {axis} is out of range for an array of {a.ndim} dimensions.")
    size = a.shape[axis]
    if num is not None and int(num) != size:
        raise ValueError(f"`num` must be the size {size} of axis {axis} (an array of shape "
                         f"{a.shape}), got {num}.")
    return [getitem(x, _along(axis, a.ndim, i)) for i in range(size)]
