"""Normalization operations: ``moments``, ``normalize``, and layer, batch and RMS
normalization as functions (Keras's ``ops.nn``).

Each is composed of the differentiable operations (mean, square, square root, products), so
its gradient is the chain rule through them, with no derivative written twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from glassnet.config import epsilon as default_epsilon
from glassnet.ops.elementwise import abs as abs_
from glassnet.ops.elementwise import add, divide, maximum, multiply, power, sqrt, square, subtract
from glassnet.ops.reductions import mean, sum, var
from glassnet.ops.shapes import reshape
from glassnet.ops.tape import unpack

ArrayLike = Any
Axes = int | Sequence[int]


def _as_float(x: ArrayLike) -> Any:
    """``x`` itself when floating (traced arrays kept), else as float32."""
    value, node = unpack(x)
    if node is not None or hasattr(x, "_lift"):
        return x
    value = np.asarray(value)
    return value if value.dtype.kind == "f" else value.astype(np.float32)


def _axes(axes: Axes, ndim: int, name: str = "axes") -> tuple[int, ...]:
    found = (axes,) if isinstance(axes, (int, np.integer)) else tuple(axes)
    for ax in found:
        if not -ndim <= ax < max(ndim, 1):
            raise ValueError(f"`{name}` {ax} is out of range for an array of {ndim} dimensions.")
    return tuple(sorted(int(ax) % max(ndim, 1) for ax in found))


def moments(x: ArrayLike, axes: Axes, keepdims: bool = False,
            synchronized: bool = False) -> tuple[Any, Any]:
    """``(mean, variance)`` of ``x`` over ``axes`` (the population variance).

    The variance is ``mean((x - mean)^2)``, which keeps its precision when the mean is large
    compared with the spread.
    """
    if synchronized:
        raise NotImplementedError("`synchronized=True` needs several devices; glassnet runs on one.")
    x = _as_float(x)
    ax = _axes(axes, np.ndim(unpack(x)[0]))
    return mean(x, axis=ax, keepdims=keepdims), var(x, axis=ax, keepdims=keepdims)


def normalize(x: ArrayLike, axis: int = -1, order: int = 2, epsilon: float | None = None) -> Any:
    """``x / max(||x||_order, epsilon)`` along ``axis``.

    For ``order=2`` this is ``x / sqrt(max(sum(x^2), epsilon^2))``, which is the same and has
    a finite gradient at the zero vector.
    """
    if not isinstance(order, int) or isinstance(order, bool) or order < 1:
        raise ValueError(f"`order` must be an int >= 1, got {order!r}.")
    eps = default_epsilon() if epsilon is None else float(epsilon)
    x = _as_float(x)
    if np.ndim(unpack(x)[0]) == 0:
        x = reshape(x, (1,))
    if order == 2:
        return divide(x, sqrt(maximum(sum(square(x), axis=axis, keepdims=True), eps * eps)))
    if order == 1:
        norm = sum(abs_(x), axis=axis, keepdims=True)
    else:
        norm = power(sum(power(abs_(x), order), axis=axis, keepdims=True), 1.0 / order)
    return divide(x, maximum(norm, eps))


def _broadcastable(v: ArrayLike, shape: tuple[int, ...], axes: tuple[int, ...]) -> Any:
    """A per-feature vector (or array over ``axes``) reshaped to broadcast against ``shape``."""
    if np.ndim(unpack(v)[0]) == len(shape) or axes == (len(shape) - 1,):
        return v
    return reshape(v, [n if i in axes else 1 for i, n in enumerate(shape)])


def layer_normalization(x: ArrayLike, gamma: ArrayLike = None, beta: ArrayLike = None,
                        axis: Axes = -1, epsilon: float | None = None, **kwargs: Any) -> Any:
    """``(x - mean) / sqrt(var + epsilon) * gamma + beta``, statistics over ``axis``.

    Parameters
    ----------
    x : array
    gamma : array, optional
        Scale, of the shape of the normalized axes.
    beta : array, optional
        Offset, of the same shape.
    axis : int or sequence of int, default -1
        The axes normalized together.
    epsilon : float, optional
        Added to the variance; ``config.epsilon()`` (1e-7) by default.
    **kwargs
        ``rms_scaling=True`` divides ``x`` by ``sqrt(var + epsilon)`` without centring or
        offset, as Keras does.
    """
    rms_scaling = bool(kwargs.pop("rms_scaling", False))
    if kwargs:
        raise TypeError(f"layer_normalization got unexpected keyword arguments {sorted(kwargs)}.")
    eps = default_epsilon() if epsilon is None else float(epsilon)
    x = _as_float(x)
    shape = np.shape(unpack(x)[0])
    axes = _axes(axis, len(shape), "axis")
    mu, variance = moments(x, axes, keepdims=True)
    inv = divide(1.0, sqrt(add(variance, eps)))
    if rms_scaling:
        out = multiply(x, inv)
        return out if gamma is None else multiply(out, _broadcastable(gamma, shape, axes))
    out = multiply(subtract(x, mu), inv)
    if gamma is not None:
        out = multiply(out, _broadcastable(gamma, shape, axes))
    if beta is not None:
        out = add(out, _broadcastable(beta, shape, axes))
    return out


def batch_normalization(x: ArrayLike, mean: ArrayLike, variance: ArrayLike, axis: int,
                        offset: ArrayLike = None, scale: ArrayLike = None,
                        epsilon: float = 1e-3) -> Any:
    """``(x - mean) / sqrt(variance + epsilon) * scale + offset``, with ``mean``,
    ``variance``, ``offset`` and ``scale`` vectors along ``axis`` (given, not computed)."""
    x = _as_float(x)
    shape = np.shape(unpack(x)[0])
    ax = _axes(axis, len(shape), "axis")
    n = shape[ax[0]]
    bshape = [n if i == ax[0] else 1 for i in range(len(shape))]

    def vector(v: ArrayLike, name: str) -> Any:
        vs = np.shape(unpack(v)[0])
        if vs != (n,):
            raise ValueError(f"`{name}` must be a vector of length x.shape[axis] = {n}, got shape {vs}.")
        return reshape(v, bshape)

    inv = divide(1.0, sqrt(add(vector(variance, "variance"), epsilon)))
    if scale is not None:
        inv = multiply(inv, vector(scale, "scale"))
    out = multiply(subtract(x, vector(mean, "mean")), inv)
    return out if offset is None else add(out, vector(offset, "offset"))


def rms_normalization(x: ArrayLike, scale: ArrayLike = None, axis: Axes = -1,
                      epsilon: float | None = None) -> Any:
    """``x / sqrt(mean(x^2) + epsilon) * scale``, the mean over ``axis`` (RMSNorm)."""
    eps = default_epsilon() if epsilon is None else float(epsilon)
    x = _as_float(x)
    if np.ndim(unpack(x)[0]) == 0:
        x = reshape(x, (1,))
    shape = np.shape(unpack(x)[0])
    axes = _axes(axis, len(shape), "axis")
    out = divide(x, sqrt(add(mean(square(x), axis=axes, keepdims=True), eps)))
    return out if scale is None else multiply(out, _broadcastable(scale, shape, axes))
