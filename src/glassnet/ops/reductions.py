"""Reductions over ``axis`` (None: every axis), with ``keepdims`` as in NumPy and Keras.

Each gradient first puts the reduced axes back (``expand``), then broadcasts over them:
the sum sends ``g`` to every entry, the mean ``g / n``, max and min to the entries equal to
the result (split evenly between ties, as TensorFlow and PyTorch's ``amax`` do).
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from glassnet.ops.tape import record, unpack

_add: Any = np.add  # NumPy's stubs reject a runtime `keepdims` bool in reduce
_mul: Any = np.multiply

Axis = int | tuple[int, ...] | None


def _axes(axis: Axis, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    for ax in axes:
        if not -ndim <= ax < builtins.max(ndim, 1):
            raise ValueError(f"`axis` {ax} is out of range for an array of {ndim} dimensions.")
    return tuple(int(ax) % builtins.max(ndim, 1) for ax in axes)


def _expand(g: np.ndarray, shape: tuple[int, ...], axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
    """``g`` of the reduced shape, with the reduced axes back as size-1 axes."""
    if keepdims:
        return g
    return np.reshape(g, tuple(1 if i in axes else n for i, n in enumerate(shape)))


def sum(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:  # noqa: A001 - Keras's name
    """``sum_i x_i`` over ``axis``; ``d/dx_i = 1``."""
    a, t = unpack(x)
    a = np.asarray(a)
    axes = _axes(axis, a.ndim)
    out = _add.reduce(a, axis=axes, keepdims=keepdims)
    return record(out, (t,), lambda g: (np.broadcast_to(_expand(g, a.shape, axes, keepdims), a.shape),))


def mean(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    """``sum_i x_i / n`` over ``axis``; ``d/dx_i = 1 / n``."""
    a, t = unpack(x)
    a = np.asarray(a)
    axes = _axes(axis, a.ndim)
    n = int(np.prod([a.shape[i] for i in axes])) if axes else 1
    out = _add.reduce(a, axis=axes, keepdims=keepdims) / n

    def backward(g):
        return (np.broadcast_to(_expand(g, a.shape, axes, keepdims) / n, a.shape),)

    return record(out, (t,), backward)


def _extreme(x: Any, axis: Axis, keepdims: bool, reduce: Any) -> Any:
    a, t = unpack(x)
    a = np.asarray(a)
    axes = _axes(axis, a.ndim)
    kept = reduce(a, axis=axes, keepdims=True)
    out = kept if keepdims else np.reshape(kept, [n for i, n in enumerate(a.shape) if i not in axes])

    def backward(g):
        hit = a == kept
        share = hit / np.add.reduce(hit, axis=axes, keepdims=True)
        return (_expand(g, a.shape, axes, keepdims) * share,)

    return record(out, (t,), backward)


def max(x: Any, axis: Axis = None, keepdims: bool = False, initial: Any = None) -> Any:  # noqa: A001
    """Largest entry over ``axis``; the gradient goes to the entries equal to it."""
    if initial is not None:
        from glassnet.ops.elementwise import maximum

        return maximum(_extreme(x, axis, keepdims, np.max), initial)
    return _extreme(x, axis, keepdims, np.max)


def min(x: Any, axis: Axis = None, keepdims: bool = False, initial: Any = None) -> Any:  # noqa: A001
    """Smallest entry over ``axis``; the gradient goes to the entries equal to it."""
    if initial is not None:
        from glassnet.ops.elementwise import minimum

        return minimum(_extreme(x, axis, keepdims, np.min), initial)
    return _extreme(x, axis, keepdims, np.min)


amax, amin = max, min


def prod(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    """``prod_i x_i``; ``d/dx_i = prod_{j != i} x_j = out / x_i`` (needs non-zero entries)."""
    a, t = unpack(x)
    a = np.asarray(a)
    axes = _axes(axis, a.ndim)
    out = _mul.reduce(a, axis=axes, keepdims=keepdims)

    def backward(g):
        kept = _expand(out, a.shape, axes, keepdims)
        return (_expand(g, a.shape, axes, keepdims) * kept / a,)

    return record(out, (t,), backward)


def logsumexp(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    """``log sum_i exp(x_i)``, shifted by the maximum so nothing overflows.

    ``d/dx_i = exp(x_i - out) = softmax(x)_i``.
    """
    a, t = unpack(x)
    a = np.asarray(a)
    axes = _axes(axis, a.ndim)
    shift = np.max(a, axis=axes, keepdims=True)
    shift = np.where(np.isfinite(shift), shift, 0)
    kept = np.log(np.add.reduce(np.exp(a - shift), axis=axes, keepdims=True)) + shift
    out = kept if keepdims else np.reshape(kept, [n for i, n in enumerate(a.shape) if i not in axes])
    return record(out, (t,), lambda g: (_expand(g, a.shape, axes, keepdims) * np.exp(a - kept),))


def var(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    """Population variance ``mean((x - mean(x))^2)``, composed of differentiable ops."""
    from glassnet.ops.elementwise import square, subtract

    return mean(square(subtract(x, mean(x, axis=axis, keepdims=True))), axis=axis, keepdims=keepdims)


def std(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    """``sqrt(var(x))``."""
    from glassnet.ops.elementwise import sqrt

    return sqrt(var(x, axis=axis, keepdims=keepdims))


def argmax(x: Any, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
    """Index of the largest entry (an integer: no gradient)."""
    return np.argmax(unpack(x)[0], axis=axis, keepdims=keepdims)


def argmin(x: Any, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
    """Index of the smallest entry (an integer: no gradient)."""
    return np.argmin(unpack(x)[0], axis=axis, keepdims=keepdims)


def norm(x: Any, ord: Any = None, axis: Axis = None, keepdims: bool = False) -> Any:  # noqa: A002
    """Vector norms ``ord`` in {None/2, 1, inf, -inf} over one axis, Frobenius over two or all.

    ``d||x||_2/dx = x / ||x||`` (0 at the origin), ``d||x||_1/dx = sign(x)``; the inf-norms
    are ``max``/``min`` of ``|x|``.
    """
    from glassnet.ops.elementwise import abs as abs_

    a = np.asarray(unpack(x)[0])
    axes = _axes(axis, a.ndim)
    vector = axis is not None and len(axes) == 1 or axis is None and a.ndim == 1
    if ord in (None, 2, "fro", "euclidean") and (vector or ord != 2):
        return _l2(x, axes, keepdims)
    if vector and ord == 1:
        return sum(abs_(x), axis=axes, keepdims=keepdims)
    if vector and ord in (np.inf, "inf"):
        return max(abs_(x), axis=axes, keepdims=keepdims)
    if vector and ord in (-np.inf, "-inf"):
        return min(abs_(x), axis=axes, keepdims=keepdims)
    raise ValueError(
        f"`ord` {ord!r} is not supported here: use None/2, 1, inf or -inf over one axis, "
        "or None/'fro' over two axes."
    )


def _l2(x: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
    """``sqrt(sum x^2)``; ``d/dx = x / out``, 0 where ``out`` is 0."""
    a, t = unpack(x)
    a = np.asarray(a)
    kept = np.sqrt(np.add.reduce(a * a, axis=axes, keepdims=True))
    out = kept if keepdims else np.reshape(kept, [n for i, n in enumerate(a.shape) if i not in axes])

    def backward(g):
        safe = np.where(kept > 0, kept, 1)
        return (_expand(g, a.shape, axes, keepdims) * np.where(kept > 0, a / safe, 0),)

    return record(out, (t,), backward)


def cumsum(x: Any, axis: int | None = None, dtype: Any = None) -> Any:
    """Running sum along ``axis`` (of the flattened ``x`` when None).

    Entry ``i`` feeds every output ``j >= i``: ``dL/dx_i = sum_{j >= i} g_j``, a reversed
    running sum of ``g``.
    """
    a, t = unpack(x)
    a = np.asarray(a)
    out = np.cumsum(a, axis=axis, dtype=dtype)

    def backward(g):
        ax = 0 if axis is None else axis
        rev = np.flip(np.cumsum(np.flip(g, ax), axis=ax), ax)
        return (rev.reshape(a.shape),)

    return record(out, (t,), backward)


def any(x: Any, axis: Axis = None, keepdims: bool = False) -> np.ndarray:  # noqa: A001
    return np.any(unpack(x)[0], axis=axis, keepdims=keepdims)


def all(x: Any, axis: Axis = None, keepdims: bool = False) -> np.ndarray:  # noqa: A001
    return np.all(unpack(x)[0], axis=axis, keepdims=keepdims)


def argsort(x: Any, axis: int = -1) -> np.ndarray:
    return np.argsort(unpack(x)[0], axis=axis)
