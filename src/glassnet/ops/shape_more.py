"""More shape and indexing operations: flips, rolls, padding, triangles, diagonals, stacks,
splits, slices, sorting and the array constructors.

The values only move (or are copied), so each gradient moves ``g`` back: ``flip``'s is ``g``
flipped, ``roll``'s is ``g`` rolled the other way, ``tril``'s is ``tril(g)``. Operations that
pick entries by position (``diagonal``, ``pad`` with reflection, ``repeat``, ``sort``) are
written as a gather from the flattened input, and their gradient scatters ``g`` back to the
gathered positions, adding where one entry was read several times.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from glassnet.ops.shapes import (
    _along,
    concatenate,
    getitem,
    reshape,
    take,
    take_along_axis,
    transpose,
)
from glassnet.ops.tape import record, unpack

ArrayLike = Any


def _value(x: ArrayLike) -> np.ndarray:
    return np.asarray(unpack(x)[0])


def _gather(x: ArrayLike, positions: Callable[[np.ndarray], np.ndarray]) -> Any:
    """``positions(x)`` for a function that only rearranges or repeats entries.

    The same function applied to the array of flat indices ``0 .. x.size - 1`` says where
    each output entry was read from; the gradient scatters ``g`` back there (repeated reads
    add up). ``out = x.ravel()[idx]``, ``dL/dx = scatter_add(idx, g)``.
    """
    a, t = unpack(x)
    a = np.asarray(a)
    idx = positions(np.arange(a.size).reshape(a.shape))
    out = a.reshape(-1)[idx]

    def backward(g):
        flat = np.zeros(a.size, dtype=g.dtype)
        np.add.at(flat, idx, g)
        return (flat.reshape(a.shape),)

    return record(out, (t,), backward)


# -- rearrangements ---------------------------------------------------------------------------
def flip(x: ArrayLike, axis: int | tuple[int, ...] | None = None) -> Any:
    """``x`` reversed along ``axis`` (every axis when None); ``dL/dx = flip(g)``."""
    a, t = unpack(x)
    a = np.asarray(a)
    return record(np.flip(a, axis), (t,), lambda g: (np.flip(g, axis),))


def roll(x: ArrayLike, shift: int | tuple[int, ...], axis: int | tuple[int, ...] | None = None) -> Any:
    """Entries shifted by ``shift`` along ``axis`` (of the flattened ``x`` when None), wrapping
    around; ``dL/dx = roll(g, -shift)``."""
    a, t = unpack(x)
    a = np.asarray(a)
    back = tuple(-s for s in shift) if isinstance(shift, (tuple, list)) else -shift
    return record(np.roll(a, shift, axis), (t,), lambda g: (np.roll(g, back, axis),))


def moveaxis(x: ArrayLike, source: int | Sequence[int], destination: int | Sequence[int]) -> Any:
    """Axes ``source`` moved to ``destination``, the others keeping their order (a transpose)."""
    nd = _value(x).ndim
    src = [int(s) % nd for s in np.atleast_1d(source)]
    dst = [int(d) % nd for d in np.atleast_1d(destination)]
    if len(src) != len(dst):
        raise ValueError(f"`source` and `destination` must have the same length, got {source!r} "
                         f"and {destination!r}.")
    perm = [i for i in range(nd) if i not in src]
    for d, s in sorted(zip(dst, src, strict=True)):
        perm.insert(d, s)
    return transpose(x, perm)


def ravel(x: ArrayLike) -> Any:
    """``x`` flattened to one axis (C order); ``dL/dx`` is ``g`` reshaped back."""
    return reshape(x, (-1,))


def repeat(x: ArrayLike, repeats: int | Sequence[int], axis: int | None = None) -> Any:
    """Each entry repeated ``repeats`` times along ``axis`` (of the flattened ``x`` when None).

    A gather of the indices ``np.repeat(arange(n), repeats)``: the gradient of an entry is
    the sum of ``g`` over its copies.
    """
    a = _value(x)
    if axis is None:
        x, axis = ravel(x), 0
        a = a.reshape(-1)
    n = a.shape[axis]
    reps = np.asarray(unpack(repeats)[0])
    if reps.dtype.kind not in "iub" or np.any(reps < 0):
        raise ValueError(f"`repeats` must be non-negative integers, got {repeats!r}.")
    return take(x, np.repeat(np.arange(n), reps), axis=axis)


def pad(x: ArrayLike, pad_width: Any, mode: str = "constant", constant_values: Any = None) -> Any:
    """``x`` padded by ``pad_width`` (``np.pad``'s forms: ``[(before, after), ...]``, a pair,
    or an int).

    Notes
    -----
    ``mode`` is ``"constant"`` (``constant_values``, default 0), ``"reflect"`` (mirrored
    without the edge entry), ``"symmetric"`` (mirrored with it), ``"edge"`` or ``"wrap"``.
    The constant border gets no gradient, the inside gets ``g`` sliced back; in the other
    modes a padded entry is a copy of an inside entry, which receives its gradient too.
    """
    modes = ("constant", "reflect", "symmetric", "edge", "wrap")
    if mode not in modes:
        raise ValueError(f"`mode` must be one of {', '.join(modes)}, got {mode!r}.")
    if constant_values is not None and mode != "constant":
        raise ValueError(
            "`constant_values` can only be given with mode='constant', "
            f"got mode={mode!r}."
        )
    a, t = unpack(x)
    a = np.asarray(a)
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.intp).reshape(-1, 2)
                             if np.ndim(pad_width) else np.asarray(pad_width, dtype=np.intp),
                             (a.ndim, 2))
    if np.any(widths < 0):
        raise ValueError(f"`pad_width` must be non-negative, got {pad_width!r}.")
    if mode != "constant":
        numpy_mode: Any = mode
        return _gather(x, lambda idx: np.pad(idx, widths, mode=numpy_mode))
    fill = 0 if constant_values is None else constant_values
    out = np.pad(a, widths, mode="constant", constant_values=fill)
    inside = tuple(builtins.slice(int(lo), int(lo) + n) for (lo, _), n in zip(widths, a.shape, strict=True))
    return record(out, (t,), lambda g: (g[inside],))


def tril(x: ArrayLike, k: int = 0) -> Any:
    """The lower triangle (``j <= i + k``) of the last two axes, zeros above;
    ``dL/dx = tril(g)``."""
    a, t = unpack(x)
    a = np.asarray(a)
    return record(np.tril(a, k), (t,), lambda g: (np.tril(g, k),))


def triu(x: ArrayLike, k: int = 0) -> Any:
    """The upper triangle (``j >= i + k``) of the last two axes, zeros below;
    ``dL/dx = triu(g)``."""
    a, t = unpack(x)
    a = np.asarray(a)
    return record(np.triu(a, k), (t,), lambda g: (np.triu(g, k),))


def diag(x: ArrayLike, k: int = 0) -> Any:
    """A 1-D ``x`` as the ``k``-th diagonal of a square matrix, or the ``k``-th diagonal of a
    2-D ``x``; the gradient is the other direction of the same map applied to ``g``."""
    a = _value(x)
    if a.ndim not in (1, 2):
        raise ValueError(f"`x` of diag must be 1-D or 2-D, got shape {a.shape}.")
    if a.ndim == 2:
        return _gather(x, lambda idx: np.diag(idx, k))
    a, t = unpack(x)
    return record(np.diag(np.asarray(a), k), (t,), lambda g: (np.diag(g, k),))


def diagonal(x: ArrayLike, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """The ``offset`` diagonal of the planes ``(axis1, axis2)``, as the last axis; a gather,
    so the gradient puts ``g`` back on that diagonal (zeros elsewhere)."""
    return _gather(x, lambda idx: np.diagonal(idx, offset, axis1, axis2))


def trace(x: ArrayLike, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """The sum of :func:`diagonal`; ``dL/dx`` is ``g`` on that diagonal."""
    from glassnet.ops.reductions import sum as sum_

    return sum_(diagonal(x, offset, axis1, axis2), axis=-1)


# -- stacking and splitting -------------------------------------------------------------------
def _at_least(x: ArrayLike, nd: int) -> Any:
    """``x`` reshaped as ``np.atleast_{nd}d`` does (1-D ``(n,)`` -> ``(1, n)`` / ``(1, n, 1)``)."""
    a = _value(x)
    if a.ndim >= nd:
        return x
    if a.ndim == 0:
        shape: tuple[int, ...] = (1,) * nd
    elif a.ndim == 1:
        shape = (1, a.shape[0]) if nd == 2 else (1, a.shape[0], 1)
    else:
        shape = a.shape + (1,)
    return reshape(x, shape)


def _check_sequence(xs: Any, name: str) -> list[Any]:
    if not isinstance(xs, (list, tuple)) or not xs:
        raise TypeError(f"`xs` of {name} must be a non-empty list of arrays, got {type(xs).__name__}.")
    return list(xs)


def hstack(xs: Sequence[ArrayLike]) -> Any:
    """Arrays joined along axis 1 (axis 0 for 1-D arrays)."""
    parts = [_at_least(x, 1) for x in _check_sequence(xs, "hstack")]
    return concatenate(parts, axis=0 if _value(parts[0]).ndim == 1 else 1)


def vstack(xs: Sequence[ArrayLike]) -> Any:
    """Arrays joined along axis 0, 1-D ``(n,)`` arrays as rows ``(1, n)``."""
    return concatenate([_at_least(x, 2) for x in _check_sequence(xs, "vstack")], axis=0)


def dstack(xs: Sequence[ArrayLike]) -> Any:
    """Arrays joined along axis 2 (depth), lower-rank arrays raised to 3-D first."""
    return concatenate([_at_least(x, 3) for x in _check_sequence(xs, "dstack")], axis=2)


def array_split(x: ArrayLike, indices_or_sections: int | Sequence[int], axis: int = 0) -> list[Any]:
    """``x`` split along ``axis`` into ``indices_or_sections`` near-equal parts (the first
    ones one longer), or at the given indices."""
    a = _value(x)
    n = a.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        if indices_or_sections < 1:
            raise ValueError(f"`indices_or_sections` must be >= 1, got {indices_or_sections}.")
        size, extra = divmod(n, int(indices_or_sections))
        cuts = np.cumsum([size + 1] * extra + [size] * (int(indices_or_sections) - extra))[:-1]
    else:
        cuts = np.asarray(indices_or_sections, dtype=np.intp)
    bounds = [0, *(int(c) for c in cuts), n]
    return [getitem(x, _along(axis, a.ndim, builtins.slice(lo, builtins.max(lo, hi))))
            for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]


# -- slices -----------------------------------------------------------------------------------
def _box(start_indices: Any, shape: Sequence[int], name: str) -> tuple[builtins.slice, ...]:
    starts = [int(s) for s in np.asarray(unpack(start_indices)[0]).reshape(-1)]
    if len(starts) != len(shape):
        raise ValueError(
            f"`start_indices` must have one entry per axis ({len(shape)}) in {name}, "
            f"got {len(starts)}."
        )
    return tuple(builtins.slice(s, s + int(n)) for s, n in zip(starts, shape, strict=True))


def slice(inputs: ArrayLike, start_indices: Sequence[int], shape: Sequence[int]) -> Any:  # noqa: A001
    """The block of ``shape`` starting at ``start_indices``; ``dL/dinputs`` is ``g`` placed
    back into that block (zeros elsewhere)."""
    return getitem(inputs, _box(start_indices, shape, "slice"))


def slice_update(inputs: ArrayLike, start_indices: Sequence[int], updates: ArrayLike) -> Any:
    """A copy of ``inputs`` with the block at ``start_indices`` replaced by ``updates``.

    ``dL/dinputs`` is ``g`` with that block zeroed; ``dL/dupdates`` is ``g``'s block.
    """
    (a, ta), (u, tu) = unpack(inputs), unpack(updates)
    a, u = np.asarray(a), np.asarray(u)
    box = _box(start_indices, u.shape, "slice_update")
    out = np.array(a, copy=True)
    out[box] = u

    def backward(g):
        ga = None
        if ta is not None:
            ga = np.array(g, copy=True)
            ga[box] = 0
        return ga, (None if tu is None else g[box])

    return record(out, (ta, tu), backward)


def get_item(x: ArrayLike, key: Any) -> Any:
    """``x[key]``: Keras's name for :func:`~glassnet.ops.getitem`."""
    return getitem(x, key)


def copy(x: ArrayLike) -> Any:
    """A new array equal to ``x``; ``dL/dx = g``."""
    a, t = unpack(x)
    return record(np.array(a, copy=True), (t,), lambda g: (g,))


# -- sorting ----------------------------------------------------------------------------------
def sort(x: ArrayLike, axis: int = -1) -> Any:
    """``x`` sorted ascending along ``axis``: a gather by ``argsort``, so each entry's
    gradient is ``g`` at the place it was sorted to."""
    return take_along_axis(x, np.argsort(_value(x), axis=axis, kind="stable"), axis=axis)


def top_k(x: ArrayLike, k: int, sorted: bool = True) -> tuple[Any, np.ndarray]:  # noqa: A002
    """The ``k`` largest entries along the last axis and their indices, largest first.

    ``values`` is a gather, so the gradient reaches the chosen entries only; ties keep the
    lower index first.
    """
    a = _value(x)
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= a.shape[-1]:
        raise ValueError(f"`k` must be an int in [1, {a.shape[-1]}], got {k!r}.")
    order = np.argsort(-a, axis=-1, kind="stable")[..., :k]
    return take_along_axis(x, order, axis=-1), order


def in_top_k(targets: ArrayLike, predictions: ArrayLike, k: int) -> np.ndarray:
    """True where ``predictions[i, targets[i]]`` is at least the ``k``-th largest of row ``i``."""
    p = _value(predictions)
    labels = _value(targets).astype(np.intp)
    if p.ndim != 2 or labels.shape != p.shape[:1]:
        raise ValueError(
            "`predictions` must be (batch, classes) and `targets` (batch,), got "
            f"{p.shape} and {labels.shape}."
        )
    kth = -np.sort(-p, axis=-1)[:, k - 1]
    return np.take_along_axis(p, labels[:, None], axis=-1)[:, 0] >= kth


def cumprod(x: ArrayLike, axis: int | None = None, dtype: Any = None) -> Any:
    """Running product along ``axis`` (of the flattened ``x`` when None).

    ``out_j = prod_{i <= j} x_i``, so ``dL/dx_i = sum_{j >= i} g_j prod_{k <= j, k != i} x_k``.
    Without zeros that is ``rev_cumsum(g * out)_i / x_i``; with zeros, the products leaving
    ``x_i`` out are formed directly for each ``i`` (exact, quadratic in the axis length).
    """
    a, t = unpack(x)
    a = np.asarray(a)
    if axis is None:
        a = a.reshape(-1)
    ax = 0 if axis is None else axis % builtins.max(a.ndim, 1)
    out = np.cumprod(a, axis=ax, dtype=dtype)
    shape = np.shape(unpack(x)[0])

    def backward(g):
        if np.all(a != 0):
            rev = np.flip(np.cumsum(np.flip(g * out, ax), axis=ax), ax)
            return ((rev / a).reshape(shape),)
        grad = np.zeros(a.shape, dtype=g.dtype)
        for i in range(a.shape[ax]):
            left_out = np.array(a, dtype=g.dtype)
            left_out[_along(ax, a.ndim, i)] = 1
            partial = np.cumprod(left_out, axis=ax) * g
            tail = partial[_along(ax, a.ndim, builtins.slice(i, None))]
            grad[_along(ax, a.ndim, i)] = np.sum(tail, axis=ax)
        return (grad.reshape(shape),)

    return record(out, (t,), backward)


# -- sizes ------------------------------------------------------------------------------------
def size(x: ArrayLike) -> int:
    """The number of entries."""
    return int(_value(x).size)


def count_nonzero(x: ArrayLike, axis: int | tuple[int, ...] | None = None) -> np.ndarray:
    """The number of non-zero entries over ``axis`` (int32, as Keras)."""
    return np.asarray(np.count_nonzero(_value(x), axis=axis)).astype(np.int32)


# -- constructors -----------------------------------------------------------------------------
def _floatx(dtype: Any) -> np.dtype:
    return np.dtype("float32" if dtype is None else dtype)


def identity(n: int, dtype: Any = None) -> np.ndarray:
    """The ``n x n`` identity matrix (float32 by default)."""
    return np.eye(n, dtype=_floatx(dtype))


def tri(N: int, M: int | None = None, k: int = 0, dtype: Any = None) -> np.ndarray:  # noqa: N803
    """Ones on and below the ``k``-th diagonal of an ``N x M`` matrix, zeros above."""
    return np.tri(N, M, k, dtype=_floatx(dtype))


def empty(shape: int | Sequence[int], dtype: Any = None) -> np.ndarray:
    """An array of ``shape`` whose entries are not set (float32 by default)."""
    return np.empty(shape, dtype=_floatx(dtype))


def empty_like(x: ArrayLike, dtype: Any = None) -> np.ndarray:
    """An array of ``x``'s shape (and dtype unless given) whose entries are not set."""
    return np.empty_like(_value(x), dtype=dtype)


def array(x: ArrayLike, dtype: Any = None) -> Any:
    """``x`` as an array (:func:`~glassnet.ops.convert_to_tensor`); Python floats and ints
    become float32 and int32 unless ``dtype`` says otherwise, as in Keras."""
    from glassnet.ops.nn import convert_to_tensor

    if dtype is None and isinstance(x, (list, tuple, float, int)):
        found = np.asarray(x).dtype
        dtype = {"f": "float32", "i": "int32"}.get(found.kind)
    return convert_to_tensor(x, dtype=dtype)


def _space_dtype(start: Any, stop: Any, dtype: Any) -> np.dtype:
    """``dtype``, else float32 promoted with the dtypes of array endpoints (Python numbers
    are weak, as in Keras)."""
    if dtype is not None:
        return np.dtype(dtype)
    strong = [np.asarray(v).dtype for v in (unpack(start)[0], unpack(stop)[0])
              if isinstance(v, (np.ndarray, np.generic))]
    return np.result_type(np.float32, *strong)


def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, retstep: bool = False,
             dtype: Any = None, axis: int = 0) -> Any:
    """``num`` evenly spaced values from ``start`` to ``stop`` (float32 by default)."""
    values, step = np.linspace(_value(start), _value(stop), num, endpoint=endpoint,
                               retstep=True, axis=axis)
    out = values.astype(_space_dtype(start, stop, dtype))
    return (out, step) if retstep else out


def logspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, base: float = 10,
             dtype: Any = None, axis: int = 0) -> np.ndarray:
    """``base ** linspace(start, stop, num)`` (float32 by default)."""
    out = np.logspace(_value(start), _value(stop), num, endpoint=endpoint, base=base, axis=axis)
    return out.astype(_space_dtype(start, stop, dtype))


def meshgrid(*x: ArrayLike, indexing: str = "xy") -> list[Any]:
    """Coordinate arrays from 1-D coordinate vectors (``np.meshgrid``).

    Each output is its vector reshaped along its own axis and broadcast to the grid, so its
    gradient sums ``g`` over the other axes.
    """
    from glassnet.ops.shapes import broadcast_to

    if indexing not in ("xy", "ij"):
        raise ValueError(f"`indexing` must be 'xy' or 'ij', got {indexing!r}.")
    sizes = [_value(v).size for v in x]
    axes = list(range(len(x)))
    if indexing == "xy" and len(x) > 1:
        axes[0], axes[1] = 1, 0
    grid = [0] * len(x)
    for i, n in zip(axes, sizes, strict=True):
        grid[i] = n
    out = []
    for v, i in zip(x, axes, strict=True):
        shape = [1] * len(x)
        shape[i] = -1
        out.append(broadcast_to(reshape(v, shape), grid))
    return out
