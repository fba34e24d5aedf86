"""Elementwise operations, each derivative written beside its forward formula.

Binary operations broadcast as NumPy does; their gradients are summed back to each operand's
shape (:func:`~glassnet.ops.tape.unbroadcast`). Comparisons return plain boolean arrays: they
are not differentiable, so nothing is recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from glassnet.ops.tape import record, unbroadcast, unpack

ArrayLike = Any


def _shape(a: Any) -> tuple[int, ...]:
    return np.shape(a)


# -- arithmetic ------------------------------------------------------------------------------
def add(x1: ArrayLike, x2: ArrayLike) -> Any:
    """``x1 + x2``; ``d/dx1 = d/dx2 = 1``."""
    (a, ta), (b, tb) = unpack(x1), unpack(x2)

    def backward(g):
        return unbroadcast(g, _shape(a)), unbroadcast(g, _shape(b))

    return record(np.add(a, b), (ta, tb), backward)


def subtract(x1: ArrayLike, x2: ArrayLike) -> Any:
    """``x1 - x2``; ``d/dx1 = 1``, ``d/dx2 = -1``."""
    (a, ta), (b, tb) = unpack(x1), unpack(x2)

    def backward(g):
        return unbroadcast(g, _shape(a)), (None if tb is None else unbroadcast(-g, _shape(b)))

    return record(np.subtract(a, b), (ta, tb), backward)


def multiply(x1: ArrayLike, x2: ArrayLike) -> Any:
    """``x1 * x2``; ``d/dx1 = x2``, ``d/dx2 = x1``."""
    (a, ta), (b, tb) = unpack(x1), unpack(x2)

    def backward(g):
        return (None if ta is None else unbroadcast(g * b, _shape(a)),
                None if tb is None else unbroadcast(g * a, _shape(b)))

    return record(np.multiply(a, b), (ta, tb), backward)


def divide(x1: ArrayLike, x2: ArrayLike) -> Any:
    """``x1 / x2``; ``d/dx1 = 1 / x2``, ``d/dx2 = -x1 / x2^2 = -out / x2``."""
    (a, ta), (b, tb) = unpack(x1), unpack(x2)
    out = np.divide(a, b)

    def backward(g):
        gb = g / b
        return (None if ta is None else unbroadcast(gb, _shape(a)),
                None if tb is None else unbroadcast(-gb * out, _shape(b)))

    return record(out, (ta, tb), backward)


true_divide = divide


def negative(x: ArrayLike) -> Any:
    """``-x``; ``d/dx = -1``."""
    a, t = unpack(x)
    return record(np.negative(a), (t,), lambda g: (-g,))


def power(x1: ArrayLike, x2: ArrayLike) -> Any:
    """``x1 ** x2``; ``d/dx1 = x2 x1^(x2-1)``, ``d/dx2 = out log(x1)`` (needs ``x1 > 0``)."""
    (a, ta), (b, tb) = unpack(x1), unpack(x2)
    out = np.power(a, b)

    def backward(g):
        ga = gb = None
        if ta is not None:
            ga = unbroadcast(g * b * np.power(a, b - 1), _shape(a))
        if tb is not None:
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = unbroadcast(g * out * np.log(a), _shape(b))
        return ga, gb

    return record(out, (ta, tb), backward)


def square(x: ArrayLike) -> Any:
    """``x^2``; ``d/dx = 2x``."""
    a, t = unpack(x)
    return record(np.square(a), (t,), lambda g: (g * (2 * a),))


def sqrt(x: ArrayLike) -> Any:
    """``sqrt(x)``; ``d/dx = 1 / (2 sqrt(x))``."""
    a, t = unpack(x)
    out = np.sqrt(a)
    return record(out, (t,), lambda g: (g / (2 * out),))


def exp(x: ArrayLike) -> Any:
    """``e^x``; ``d/dx = e^x``, the output itself."""
    a, t = unpack(x)
    out = np.exp(a)
    return record(out, (t,), lambda g: (g * out,))


def log(x: ArrayLike) -> Any:
    """``ln x``; ``d/dx = 1 / x``."""
    a, t = unpack(x)
    return record(np.log(a), (t,), lambda g: (g / a,))


def log1p(x: ArrayLike) -> Any:
    """``ln(1 + x)``, exact for small ``x``; ``d/dx = 1 / (1 + x)``."""
    a, t = unpack(x)
    return record(np.log1p(a), (t,), lambda g: (g / (1 + a),))


def abs(x: ArrayLike) -> Any:  # noqa: A001 - Keras's name
    """``|x|``; ``d/dx = sign(x)`` (0 at 0, as in PyTorch)."""
    a, t = unpack(x)
    return record(np.abs(a), (t,), lambda g: (g * np.sign(a),))


absolute = abs


def sign(x: ArrayLike) -> Any:
    """``sign(x)``: -1, 0 or 1. Piecewise constant: no gradient flows."""
    return np.sign(unpack(x)[0])


def sin(x: ArrayLike) -> Any:
    """``sin x``; ``d/dx = cos x``."""
    a, t = unpack(x)
    return record(np.sin(a), (t,), lambda g: (g * np.cos(a),))


def cos(x: ArrayLike) -> Any:
    """``cos x``; ``d/dx = -sin x``."""
    a, t = unpack(x)
    return record(np.cos(a), (t,), lambda g: (-g * np.sin(a),))


# -- selections -------------------------------------------------------------------------------
def _select(a: Any, b: Any, ta: Any, tb: Any, first: np.ndarray, out: np.ndarray) -> Any:
    """Node for ``out = a where first else b`` with ties split evenly (PyTorch's rule)."""
    tie = np.equal(a, b)

    def backward(g):
        share = np.where(tie, 0.5, first.astype(g.dtype))
        return (None if ta is None else unbroadcast(g * share, _shape(a)),
                None if tb is None else unbroadcast(g * (1 - share), _shape(b)))

    return record(out, (ta, tb), backward)


def maximum(x1: ArrayLike, x2: ArrayLike) -> Any:
    """``max(x1, x2)`` elementwise; the gradient goes to the larger (half each on ties)."""
    (a, ta), (b, tb) = unpack(x1), unpack(x2)
    return _select(a, b, ta, tb, np.greater(a, b), np.maximum(a, b))


def minimum(x1: ArrayLike, x2: ArrayLike) -> Any:
    """``min(x1, x2)`` elementwise; the gradient goes to the smaller (half each on ties)."""
    (a, ta), (b, tb) = unpack(x1), unpack(x2)
    return _select(a, b, ta, tb, np.less(a, b), np.minimum(a, b))


def clip(x: ArrayLike, x_min: Any, x_max: Any) -> Any:
    """``min(max(x, x_min), x_max)``; ``d/dx = 1`` inside ``[x_min, x_max]``, 0 outside."""
    a, t = unpack(x)
    lo, hi = unpack(x_min)[0], unpack(x_max)[0]
    return record(np.clip(a, lo, hi), (t,), lambda g: (g * ((a >= lo) & (a <= hi)),))


def where(condition: ArrayLike, x1: ArrayLike = None, x2: ArrayLike = None) -> Any:
    """``x1`` where ``condition`` else ``x2``; each branch gets ``g`` where it was chosen.

    With only ``condition``, the indices of its non-zero entries (``np.nonzero``).
    """
    cond = np.asarray(unpack(condition)[0], dtype=bool)
    if x1 is None and x2 is None:
        return np.nonzero(cond)
    if x1 is None or x2 is None:
        raise ValueError("`x1` and `x2` must be given together (or neither).")
    (a, ta), (b, tb) = unpack(x1), unpack(x2)

    def backward(g):
        zero = np.zeros((), dtype=g.dtype)
        return (None if ta is None else unbroadcast(np.where(cond, g, zero), _shape(a)),
                None if tb is None else unbroadcast(np.where(cond, zero, g), _shape(b)))

    return record(np.where(cond, a, b), (ta, tb), backward)


# -- comparisons: boolean results, no gradient -------------------------------------------------
def _comparison(ufunc: np.ufunc) -> Callable[[ArrayLike, ArrayLike], np.ndarray]:
    """``f(x1, x2) = ufunc(x1, x2)`` on the values (traced or not): no gradient flows."""

    def compare(x1: ArrayLike, x2: ArrayLike) -> np.ndarray:
        return ufunc(unpack(x1)[0], unpack(x2)[0])

    compare.__name__ = compare.__qualname__ = ufunc.__name__
    compare.__doc__ = f"``np.{ufunc.__name__}`` of the values; a boolean array, no gradient."
    return compare


equal = _comparison(np.equal)
not_equal = _comparison(np.not_equal)
greater = _comparison(np.greater)
greater_equal = _comparison(np.greater_equal)
less = _comparison(np.less)
less_equal = _comparison(np.less_equal)
logical_and = _comparison(np.logical_and)
logical_or = _comparison(np.logical_or)


def logical_not(x: ArrayLike) -> np.ndarray:
    return np.logical_not(unpack(x)[0])


def floor(x: ArrayLike) -> np.ndarray:
    """Piecewise constant: no gradient."""
    return np.floor(unpack(x)[0])


def round(x: ArrayLike, decimals: int = 0) -> np.ndarray:  # noqa: A001 - Keras's name
    """Piecewise constant: no gradient."""
    return np.round(unpack(x)[0], decimals)


def ceil(x: ArrayLike) -> np.ndarray:
    """Piecewise constant: no gradient."""
    return np.ceil(unpack(x)[0])


def isnan(x: ArrayLike) -> np.ndarray:
    return np.isnan(unpack(x)[0])


def isfinite(x: ArrayLike) -> np.ndarray:
    return np.isfinite(unpack(x)[0])
