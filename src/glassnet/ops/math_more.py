"""More elementwise mathematics: trigonometric, hyperbolic, logarithmic, error function,
remainders and predicates, each derivative written beside its forward formula.

Unary operations take a float array (integers become float32, as Keras's ``floatx``) and
record ``dL/dx = g * f'(x)``; binary operations broadcast as NumPy does and sum each
gradient back to its operand's shape. Predicates (``isinf``, ``isclose``, ``signbit``) and
piecewise-constant functions (``trunc``, ``floor_divide``, ``heaviside``) return plain
arrays: no gradient flows through them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from glassnet.ops.tape import record, unbroadcast, unpack

ArrayLike = Any
_LN2, _LN10 = math.log(2.0), math.log(10.0)


def _float(a: Any) -> np.ndarray:
    """``a`` as an array of a floating dtype (integers and booleans become float32)."""
    a = np.asarray(a)
    return a if a.dtype.kind in "fc" else a.astype(np.float32)


def _unary(x: ArrayLike, forward: Callable[[np.ndarray], np.ndarray],
           derivative: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Any:
    """``out = forward(x)``, recorded with ``dL/dx = g * derivative(x, out)``."""
    a, t = unpack(x)
    a = _float(a)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = forward(a)

    def backward(g):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return (g * derivative(a, out),)

    return record(out, (t,), backward)


def _binary(x1: ArrayLike, x2: ArrayLike) -> tuple[Any, Any, Any, Any]:
    """Both operands as values (floats where either is), and their tape nodes."""
    (a, ta), (b, tb) = unpack(x1), unpack(x2)
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype.kind not in "fc" and b.dtype.kind not in "fc":
        a, b = _float(a), _float(b)
    return a, ta, b, tb


# -- trigonometric and hyperbolic -------------------------------------------------------------
def tan(x: ArrayLike) -> Any:
    """``tan x``; ``d/dx = 1 + tan^2 x``."""
    return _unary(x, np.tan, lambda a, out: 1 + out * out)


def sinh(x: ArrayLike) -> Any:
    """``sinh x``; ``d/dx = cosh x``."""
    return _unary(x, np.sinh, lambda a, out: np.cosh(a))


def cosh(x: ArrayLike) -> Any:
    """``cosh x``; ``d/dx = sinh x``."""
    return _unary(x, np.cosh, lambda a, out: np.sinh(a))


def arcsin(x: ArrayLike) -> Any:
    """``arcsin x`` on ``[-1, 1]``; ``d/dx = 1 / sqrt(1 - x^2)``."""
    return _unary(x, np.arcsin, lambda a, out: 1 / np.sqrt(1 - a * a))


def arccos(x: ArrayLike) -> Any:
    """``arccos x`` on ``[-1, 1]``; ``d/dx = -1 / sqrt(1 - x^2)``."""
    return _unary(x, np.arccos, lambda a, out: -1 / np.sqrt(1 - a * a))


def arctan(x: ArrayLike) -> Any:
    """``arctan x``; ``d/dx = 1 / (1 + x^2)``."""
    return _unary(x, np.arctan, lambda a, out: 1 / (1 + a * a))


def arcsinh(x: ArrayLike) -> Any:
    """``arcsinh x = log(x + sqrt(x^2 + 1))``; ``d/dx = 1 / sqrt(x^2 + 1)``."""
    return _unary(x, np.arcsinh, lambda a, out: 1 / np.sqrt(a * a + 1))


def arccosh(x: ArrayLike) -> Any:
    """``arccosh x`` for ``x >= 1``; ``d/dx = 1 / sqrt(x^2 - 1)``."""
    return _unary(x, np.arccosh, lambda a, out: 1 / np.sqrt(a * a - 1))


def arctanh(x: ArrayLike) -> Any:
    """``arctanh x`` on ``(-1, 1)``; ``d/dx = 1 / (1 - x^2)``."""
    return _unary(x, np.arctanh, lambda a, out: 1 / (1 - a * a))


def arctan2(x1: ArrayLike, x2: ArrayLike) -> Any:
    """The angle of the point ``(x2, x1)``: ``arctan(x1 / x2)`` in the right quadrant.

    ``d/dx1 = x2 / (x1^2 + x2^2)``, ``d/dx2 = -x1 / (x1^2 + x2^2)`` (0 at the origin).
    """
    a, ta, b, tb = _binary(x1, x2)
    out = np.arctan2(a, b)

    def backward(g):
        r2 = a * a + b * b
        scale = g / np.where(r2 > 0, r2, 1)
        return (None if ta is None else unbroadcast(scale * b, np.shape(a)),
                None if tb is None else unbroadcast(-scale * a, np.shape(b)))

    return record(out, (ta, tb), backward)


# -- exponentials and logarithms --------------------------------------------------------------
def log2(x: ArrayLike) -> Any:
    """``log_2 x``; ``d/dx = 1 / (x ln 2)``."""
    return _unary(x, np.log2, lambda a, out: 1 / (a * _LN2))


def log10(x: ArrayLike) -> Any:
    """``log_10 x``; ``d/dx = 1 / (x ln 10)``."""
    return _unary(x, np.log10, lambda a, out: 1 / (a * _LN10))


def expm1(x: ArrayLike) -> Any:
    """``e^x - 1``, exact for small ``x``; ``d/dx = e^x = out + 1``."""
    return _unary(x, np.expm1, lambda a, out: out + 1)


def exp2(x: ArrayLike) -> Any:
    """``2^x``; ``d/dx = 2^x ln 2``."""
    return _unary(x, np.exp2, lambda a, out: out * _LN2)


def logaddexp(x1: ArrayLike, x2: ArrayLike) -> Any:
    """``log(e^x1 + e^x2)`` without overflow.

    ``d/dx1 = e^(x1 - out)``, ``d/dx2 = e^(x2 - out)``: the two weights of a softmax over
    the pair, summing to 1.
    """
    a, ta, b, tb = _binary(x1, x2)
    out = np.logaddexp(a, b)

    def backward(g):
        with np.errstate(invalid="ignore"):
            wa = np.nan_to_num(np.exp(a - out), nan=0.5)  # both -inf: split evenly
        return (None if ta is None else unbroadcast(g * wa, np.shape(a)),
                None if tb is None else unbroadcast(g * (1 - wa), np.shape(b)))

    return record(out, (ta, tb), backward)


# -- powers and roots -------------------------------------------------------------------------
def reciprocal(x: ArrayLike) -> Any:
    """``1 / x``; ``d/dx = -1 / x^2 = -out^2``."""
    return _unary(x, np.reciprocal, lambda a, out: -out * out)


def rsqrt(x: ArrayLike) -> Any:
    """``1 / sqrt(x)``; ``d/dx = -x^(-3/2) / 2 = -out^3 / 2``."""
    return _unary(x, lambda a: 1 / np.sqrt(a), lambda a, out: -0.5 * out * out * out)


def cbrt(x: ArrayLike) -> Any:
    """The real cube root ``x^(1/3)`` (negative for negative ``x``); ``d/dx = 1 / (3 out^2)``."""
    return _unary(x, np.cbrt, lambda a, out: 1 / (3 * out * out))


def hypot(x1: ArrayLike, x2: ArrayLike) -> Any:
    """``sqrt(x1^2 + x2^2)`` without overflow; ``d/dx1 = x1 / out``, ``d/dx2 = x2 / out``
    (0 at the origin)."""
    a, ta, b, tb = _binary(x1, x2)
    out = np.hypot(a, b)

    def backward(g):
        scale = g / np.where(out > 0, out, 1)
        return (None if ta is None else unbroadcast(scale * a, np.shape(a)),
                None if tb is None else unbroadcast(scale * b, np.shape(b)))

    return record(out, (ta, tb), backward)


# -- error function ---------------------------------------------------------------------------
def _erf_values(a: np.ndarray) -> np.ndarray:
    """``erf`` elementwise: SciPy's when installed, else the standard library's."""
    from glassnet.activations import _erf

    return _erf(a)


def erf(x: ArrayLike) -> Any:
    """``erf x = 2/sqrt(pi) int_0^x e^(-t^2) dt``; ``d/dx = 2/sqrt(pi) e^(-x^2)``."""
    return _unary(x, _erf_values, lambda a, out: (2 / math.sqrt(math.pi)) * np.exp(-a * a))


def _erfinv_values(y: np.ndarray) -> np.ndarray:
    """``erf^-1`` elementwise: SciPy's when installed, else Giles's single-precision
    approximation refined by two Newton steps on ``erf(x) = y`` (float64)."""
    try:
        from scipy.special import erfinv as scipy_erfinv
    except ImportError:
        pass
    else:
        return np.asarray(scipy_erfinv(y)).astype(y.dtype, copy=False)
    z = np.asarray(y, dtype=np.float64)
    # |z| >= 1 runs through the formulas as inf / nan and is set to +-inf / nan below
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        w = -np.log((1.0 - z) * (1.0 + z))
        central, tail = w - 2.5, np.sqrt(np.maximum(w, 5.0)) - 3.0
        p_c = np.polyval([2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06,
                          0.00021858087, -0.00125372503, -0.00417768164, 0.246640727,
                          1.50140941], central)
        p_t = np.polyval([-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844,
                          0.00573950773, -0.0076224613, 0.00943887047, 1.00167406,
                          2.83297682], tail)
        x = np.where(w < 5.0, p_c, p_t) * z
        inside = np.abs(z) < 1
        for _ in range(2):
            step = (_erf_values(np.where(inside, x, 0.0)) - z) / (
                (2 / math.sqrt(math.pi)) * np.exp(-np.where(inside, x, 0.0) ** 2))
            x = np.where(inside, x - step, x)
    x = np.where(np.abs(z) == 1, np.copysign(np.inf, z), x)
    return np.where(np.abs(z) > 1, np.nan, x).astype(y.dtype, copy=False)


def erfinv(x: ArrayLike) -> Any:
    """The inverse error function on ``(-1, 1)``: ``erf(erfinv(x)) = x``.

    ``d/dx = sqrt(pi)/2 e^(out^2)``, the reciprocal of ``erf``'s derivative at ``out``.
    """
    return _unary(x, _erfinv_values, lambda a, out: (math.sqrt(math.pi) / 2) * np.exp(out * out))


# -- division and remainders ------------------------------------------------------------------
def divide_no_nan(x1: ArrayLike, x2: ArrayLike) -> Any:
    """``x1 / x2``, and 0 wherever ``x2 == 0`` (no inf, no nan).

    ``d/dx1 = 1 / x2``, ``d/dx2 = -out / x2`` where ``x2 != 0``; both 0 where ``x2 == 0``.
    """
    a, ta, b, tb = _binary(x1, x2)
    zero = b == 0
    safe = np.where(zero, 1, b)
    out = np.where(zero, 0, np.divide(a, safe))
    out = out.astype(np.result_type(a, b, np.float32), copy=False)

    def backward(g):
        gb = np.where(zero, 0, g / safe)
        return (None if ta is None else unbroadcast(gb, np.shape(a)),
                None if tb is None else unbroadcast(-gb * out, np.shape(b)))

    return record(out, (ta, tb), backward)


def floor_divide(x1: ArrayLike, x2: ArrayLike) -> np.ndarray:
    """``floor(x1 / x2)``; piecewise constant: no gradient."""
    return np.floor_divide(unpack(x1)[0], unpack(x2)[0])


def _remainder(x1: ArrayLike, x2: ArrayLike, ufunc: np.ufunc, quotient: np.ufunc) -> Any:
    """``x1 - q x2`` with ``q = quotient(x1 / x2)``; ``d/dx1 = 1``, ``d/dx2 = -q``."""
    (a, ta), (b, tb) = unpack(x1), unpack(x2)
    a, b = np.asarray(a), np.asarray(b)
    out = ufunc(a, b)

    def backward(g):
        with np.errstate(divide="ignore", invalid="ignore"):
            q = quotient(a / b)
        return (None if ta is None else unbroadcast(g, np.shape(a)),
                None if tb is None else unbroadcast(-g * q, np.shape(b)))

    return record(out, (ta, tb), backward)


def mod(x1: ArrayLike, x2: ArrayLike) -> Any:
    """``x1 - floor(x1 / x2) x2``, the sign of ``x2`` (Python's ``%``).

    ``d/dx1 = 1``, ``d/dx2 = -floor(x1 / x2)`` (as PyTorch's ``remainder``).
    """
    return _remainder(x1, x2, np.mod, np.floor)


def fmod(x1: ArrayLike, x2: ArrayLike) -> Any:
    """``x1 - trunc(x1 / x2) x2``, the sign of ``x1`` (C's ``fmod``).

    ``d/dx1 = 1``, ``d/dx2 = -trunc(x1 / x2)``.
    """
    return _remainder(x1, x2, np.fmod, np.trunc)


def trunc(x: ArrayLike) -> np.ndarray:
    """``x`` rounded toward zero; piecewise constant: no gradient."""
    a = np.asarray(unpack(x)[0])
    return a if a.dtype == bool else np.trunc(a)


def heaviside(x1: ArrayLike, x2: ArrayLike) -> np.ndarray:
    """0 where ``x1 < 0``, ``x2`` where ``x1 == 0``, 1 where ``x1 > 0``; no gradient."""
    a, _, b, _ = _binary(x1, x2)
    return np.heaviside(a, b)


def nan_to_num(x: ArrayLike, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Any:
    """``x`` with nan, +inf and -inf replaced (inf by the dtype's extremes by default).

    ``d/dx = 1`` at the finite entries, 0 at the replaced ones.
    """
    a, t = unpack(x)
    a = np.asarray(a)
    out = np.nan_to_num(a, nan=nan, posinf=posinf, neginf=neginf)
    if a.dtype.kind not in "fc":
        return out
    return record(out, (t,), lambda g: (np.where(np.isfinite(a), g, 0),))


# -- predicates: boolean results, no gradient -------------------------------------------------
def isinf(x: ArrayLike) -> np.ndarray:
    """True where ``x`` is +inf or -inf."""
    return np.isinf(unpack(x)[0])


def signbit(x: ArrayLike) -> np.ndarray:
    """True where the sign bit is set (negative numbers, -0.0 and -inf)."""
    return np.signbit(unpack(x)[0])


def isclose(x1: ArrayLike, x2: ArrayLike, rtol: float = 1e-5, atol: float = 1e-8,
            equal_nan: bool = False) -> np.ndarray:
    """``|x1 - x2| <= atol + rtol |x2|`` elementwise."""
    return np.isclose(unpack(x1)[0], unpack(x2)[0], rtol=rtol, atol=atol, equal_nan=equal_nan)


def allclose(x1: ArrayLike, x2: ArrayLike, rtol: float = 1e-5, atol: float = 1e-8,
             equal_nan: bool = False) -> np.ndarray:
    """True when :func:`isclose` holds everywhere (a boolean scalar array)."""
    return np.asarray(np.allclose(unpack(x1)[0], unpack(x2)[0], rtol=rtol, atol=atol,
                                  equal_nan=equal_nan))
