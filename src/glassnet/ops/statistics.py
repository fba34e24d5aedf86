"""Order statistics: ``quantile``, ``percentile`` and ``median`` over any axes.

The reduced axes are moved last and flattened, the values sorted (a gather, whose gradient
scatters back), and the ``q``-th quantile read at position ``q (n - 1)`` of the sorted values,
interpolating between its two neighbours by ``method``. The gradient therefore reaches the
one or two entries each quantile was read from, weighted as in the interpolation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from glassnet.ops.elementwise import add, multiply, subtract
from glassnet.ops.shape_more import moveaxis, sort
from glassnet.ops.shapes import expand_dims, reshape, take, transpose
from glassnet.ops.tape import unpack

ArrayLike = Any
METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def quantile(x: ArrayLike, q: Any, axis: int | Sequence[int] | None = None,
             method: str = "linear", keepdims: bool = False) -> Any:
    """The ``q``-th quantiles of ``x`` over ``axis`` (all axes when None), ``q`` in [0, 1].

    Parameters
    ----------
    x : array
    q : float or 1-D array of floats in [0, 1]
        A 1-D ``q`` puts one quantile per entry along a new first axis.
    axis : int or sequence of int, optional
        The axes reduced together.
    method : {"linear", "lower", "higher", "midpoint", "nearest"}, default "linear"
        With ``i = q (n - 1)`` and ``v`` the sorted values: ``v[floor i] + (i - floor i)
        (v[ceil i] - v[floor i])``, ``v[floor i]``, ``v[ceil i]``, their mean, or
        ``v[round i]``.
    keepdims : bool, default False
        Keep the reduced axes, of size 1.
    """
    if method not in METHODS:
        raise ValueError(f"`method` must be one of {', '.join(METHODS)}, got {method!r}.")
    qs = np.asarray(unpack(q)[0], dtype=np.float64)
    if qs.ndim > 1 or np.any((qs < 0) | (qs > 1)) or np.any(np.isnan(qs)):
        raise ValueError(f"`q` must be a number or a 1-D array of numbers in [0, 1], got {q!r}.")
    value = np.asarray(unpack(x)[0])
    if value.dtype.kind != "f":
        from glassnet.ops.nn import cast

        x = cast(x, np.float32)
        value = value.astype(np.float32)
    nd = value.ndim
    if axis is None:
        axes = tuple(range(nd))
    else:
        found = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
        for ax in found:
            if not -nd <= ax < max(nd, 1):
                raise ValueError(f"`axis` {ax} is out of range for an array of {nd} dimensions.")
        axes = tuple(sorted(int(ax) % max(nd, 1) for ax in found))
    others = [i for i in range(nd) if i not in axes]
    n = int(np.prod([value.shape[i] for i in axes]))
    if n == 0:
        raise ValueError("quantile of an empty reduction: the reduced axes have no entries.")
    flat = reshape(transpose(x, others + list(axes)), [value.shape[i] for i in others] + [n])
    ranked = sort(flat, axis=-1)

    pos = qs * (n - 1)
    lo, hi = np.floor(pos).astype(np.intp), np.ceil(pos).astype(np.intp)
    if method == "lower":
        out = take(ranked, lo, axis=-1)
    elif method == "higher":
        out = take(ranked, hi, axis=-1)
    elif method == "nearest":
        out = take(ranked, np.round(pos).astype(np.intp), axis=-1)
    else:
        below, above = take(ranked, lo, axis=-1), take(ranked, hi, axis=-1)
        frac = (pos - lo) if method == "linear" else np.full(qs.shape, 0.5)
        out = add(below, multiply(subtract(above, below), frac.astype(value.dtype)))
    if qs.ndim == 1:
        out = moveaxis(out, -1, 0)  # one quantile per entry along the first axis
    if keepdims:
        shift = 1 if qs.ndim == 1 else 0
        for ax in axes:
            out = expand_dims(out, ax + shift)
    return out


def percentile(x: ArrayLike, q: Any, axis: int | Sequence[int] | None = None,
               method: str = "linear", keepdims: bool = False) -> Any:
    """The ``q``-th percentiles, ``q`` in [0, 100]: :func:`quantile` of ``q / 100``."""
    qs = np.asarray(unpack(q)[0], dtype=np.float64)
    if np.any((qs < 0) | (qs > 100)):
        raise ValueError(f"`q` must be in [0, 100], got {q!r}.")
    return quantile(x, qs / 100, axis=axis, method=method, keepdims=keepdims)


def median(x: ArrayLike, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Any:
    """The median over ``axis``: the mean of the two middle values for an even count."""
    return quantile(x, 0.5, axis=axis, keepdims=keepdims)
