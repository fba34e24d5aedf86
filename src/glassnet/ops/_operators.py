"""Python operators and NumPy ufuncs on traced arrays and Variables, routed to the ops.

``t + 1``, ``x @ w``, ``-t``, ``t[0]``, ``np.exp(t)`` and ``ndarray * t`` all build the same
tape nodes as ``ops.add``, ``ops.matmul`` ... so code written with either records the same
graph. Comparisons return plain boolean arrays.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from glassnet.ops import elementwise as el
from glassnet.ops import linalg, math_more, nn, reductions, shapes


def _flip(fn: Any) -> Any:
    return lambda self, other: fn(other, self)


_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "add": el.add, "sub": el.subtract, "mul": el.multiply, "truediv": el.divide,
    "pow": el.power, "matmul": linalg.matmul,
}
_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "__eq__": el.equal, "__ne__": el.not_equal, "__lt__": el.less, "__le__": el.less_equal,
    "__gt__": el.greater, "__ge__": el.greater_equal,
}
_UFUNCS: dict[Any, Any] = {
    np.add: el.add, np.subtract: el.subtract, np.multiply: el.multiply, np.divide: el.divide,
    np.power: el.power, np.matmul: linalg.matmul, np.negative: el.negative, np.exp: el.exp,
    np.log: el.log, np.log1p: el.log1p, np.sqrt: el.sqrt, np.square: el.square,
    np.absolute: el.abs, np.maximum: el.maximum, np.minimum: el.minimum, np.sin: el.sin,
    np.cos: el.cos, np.tanh: nn.tanh, np.equal: el.equal, np.not_equal: el.not_equal,
    np.less: el.less, np.less_equal: el.less_equal, np.greater: el.greater,
    np.greater_equal: el.greater_equal, np.sign: el.sign, np.tan: math_more.tan,
    np.sinh: math_more.sinh, np.cosh: math_more.cosh, np.arcsin: math_more.arcsin,
    np.arccos: math_more.arccos, np.arctan: math_more.arctan, np.arctan2: math_more.arctan2,
    np.arcsinh: math_more.arcsinh, np.arccosh: math_more.arccosh,
    np.arctanh: math_more.arctanh, np.log2: math_more.log2, np.log10: math_more.log10,
    np.expm1: math_more.expm1, np.exp2: math_more.exp2, np.reciprocal: math_more.reciprocal,
    np.cbrt: math_more.cbrt, np.hypot: math_more.hypot, np.logaddexp: math_more.logaddexp,
    np.remainder: math_more.mod, np.fmod: math_more.fmod,
    np.floor_divide: math_more.floor_divide, np.trunc: math_more.trunc,
    np.isinf: math_more.isinf, np.signbit: math_more.signbit,
    np.heaviside: math_more.heaviside,
}


def _array_ufunc(self: Any, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
    op: Any = _UFUNCS.get(ufunc)
    if method != "__call__" or op is None or kwargs:
        return NotImplemented  # NumPy then raises a TypeError naming the ufunc
    return op(*inputs)


def bind(cls: type) -> None:
    """Give ``cls`` the arithmetic, comparison, indexing and ufunc protocol of the ops."""
    for name, fn in _BINARY.items():
        setattr(cls, f"__{name}__", lambda self, other, fn=fn: fn(self, other))
        setattr(cls, f"__r{name}__", _flip(fn))
    for name, fn in _COMPARE.items():
        setattr(cls, name, lambda self, other, fn=fn: fn(self, other))
    extra: dict[str, Any] = {
        "__hash__": object.__hash__,  # __eq__ is elementwise: hash by identity
        "__neg__": lambda self: el.negative(self),
        "__pos__": lambda self: self,
        "__abs__": lambda self: el.abs(self),
        "__getitem__": lambda self, key: shapes.getitem(self, key),
        "__array_ufunc__": _array_ufunc,
        "T": property(lambda self: shapes.transpose(self)),
        "reshape": lambda self, *s: shapes.reshape(self, s[0] if len(s) == 1 else s),
        "sum": lambda self, axis=None, keepdims=False: reductions.sum(self, axis, keepdims),
        "mean": lambda self, axis=None, keepdims=False: reductions.mean(self, axis, keepdims),
    }
    for name, value in extra.items():
        setattr(cls, name, value)
