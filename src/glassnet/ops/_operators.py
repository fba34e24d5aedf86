"""Python operators and NumPy ufuncs on traced arrays, Variables and symbolic tensors, routed
to the ops.

``t + 1``, ``x @ w``, ``-t``, ``t[0]``, ``np.exp(t)`` and ``ndarray * t`` all build the same
tape nodes as ``ops.add``, ``ops.matmul`` ... so code written with either records the same
graph. Comparisons return plain boolean arrays.

The operators are named by their op (``'add'``); :func:`bind` takes where to look the names
up: the ops' own modules for traced arrays (no detour on the hot path), the public
``glassnet.ops`` namespace for symbolic tensors (whose functions record graph nodes).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from glassnet.ops import elementwise as el
from glassnet.ops import linalg, math_more, nn, reductions, shapes

#: Python operator -> op name (``__add__``/``__radd__`` -> ``add``).
_BINARY = {"add": "add", "sub": "subtract", "mul": "multiply", "truediv": "true_divide",
           "pow": "power", "matmul": "matmul"}
_COMPARE = {"__eq__": "equal", "__ne__": "not_equal", "__lt__": "less", "__le__": "less_equal",
            "__gt__": "greater", "__ge__": "greater_equal"}
_LOGICAL = {"and": "logical_and", "or": "logical_or"}
_UFUNCS: dict[Any, str] = {
    np.add: "add", np.subtract: "subtract", np.multiply: "multiply", np.divide: "divide",
    np.power: "power", np.matmul: "matmul", np.negative: "negative", np.exp: "exp",
    np.log: "log", np.log1p: "log1p", np.sqrt: "sqrt", np.square: "square",
    np.absolute: "abs", np.maximum: "maximum", np.minimum: "minimum", np.sin: "sin",
    np.cos: "cos", np.tanh: "tanh", np.equal: "equal", np.not_equal: "not_equal",
    np.less: "less", np.less_equal: "less_equal", np.greater: "greater",
    np.greater_equal: "greater_equal", np.sign: "sign",
}
#: The NumPy ufuncs of ``ops.math_more``, by op name.
_MATH_UFUNCS: dict[Any, str] = {
    np.tan: "tan", np.sinh: "sinh", np.cosh: "cosh", np.arcsin: "arcsin", np.arccos: "arccos",
    np.arctan: "arctan", np.arctan2: "arctan2", np.arcsinh: "arcsinh", np.arccosh: "arccosh",
    np.arctanh: "arctanh", np.log2: "log2", np.log10: "log10", np.expm1: "expm1",
    np.exp2: "exp2", np.reciprocal: "reciprocal", np.cbrt: "cbrt", np.hypot: "hypot",
    np.logaddexp: "logaddexp", np.remainder: "mod", np.fmod: "fmod",
    np.floor_divide: "floor_divide", np.trunc: "trunc", np.isinf: "isinf",
    np.signbit: "signbit", np.heaviside: "heaviside",
}
_UFUNCS.update(_MATH_UFUNCS)
#: The op of each name, straight from its module (what traced arrays use).
RAW: dict[str, Callable[..., Any]] = {
    "add": el.add, "subtract": el.subtract, "multiply": el.multiply, "divide": el.divide,
    "true_divide": el.divide, "power": el.power, "matmul": linalg.matmul,
    "negative": el.negative, "exp": el.exp, "log": el.log, "log1p": el.log1p, "sqrt": el.sqrt,
    "square": el.square, "abs": el.abs, "maximum": el.maximum, "minimum": el.minimum,
    "sin": el.sin, "cos": el.cos, "tanh": nn.tanh, "equal": el.equal,
    "not_equal": el.not_equal, "less": el.less, "less_equal": el.less_equal,
    "greater": el.greater, "greater_equal": el.greater_equal, "sign": el.sign,
    "logical_and": el.logical_and, "logical_or": el.logical_or,
    "logical_not": el.logical_not, "getitem": shapes.getitem, "transpose": shapes.transpose,
    "reshape": shapes.reshape, "sum": reductions.sum, "mean": reductions.mean,
    **{name: getattr(math_more, name) for name in _MATH_UFUNCS.values()},
}


def _array_ufunc(ops: Mapping[str, Callable[..., Any]]) -> Any:
    def array_ufunc(self: Any, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        name = _UFUNCS.get(ufunc)
        if method != "__call__" or name is None or kwargs:
            return NotImplemented  # NumPy then raises a TypeError naming the ufunc
        return ops[name](*inputs)
    return array_ufunc


def bind(cls: type, ops: Mapping[str, Callable[..., Any]] = RAW,
         symbolic: bool = False) -> None:
    """Give ``cls`` the arithmetic, comparison, indexing and ufunc protocol of the ops.

    Parameters
    ----------
    cls : type
    ops : mapping of str to callable, default :data:`RAW`
        Where each op is looked up by name, at every use (a module's live namespace works).
    symbolic : bool, default False
        Keras's protocol of symbolic tensors: ``==`` stays Python's (identity), so they stay
        usable in lists and as dict keys (``!=`` is elementwise, as in Keras), and ``&``,
        ``|``, ``~`` are the logical ops.
    """
    def binary(name: str) -> Callable[[Any, Any], Any]:
        return lambda self, other: ops[name](self, other)

    def flipped(name: str) -> Callable[[Any, Any], Any]:
        return lambda self, other: ops[name](other, self)

    for dunder, name in _BINARY.items():
        setattr(cls, f"__{dunder}__", binary(name))
        setattr(cls, f"__r{dunder}__", flipped(name))
    for dunder, name in _COMPARE.items():
        if dunder == "__eq__" and symbolic:
            continue
        setattr(cls, dunder, binary(name))
    extra: dict[str, Any] = {
        "__hash__": object.__hash__,  # __eq__ may be elementwise: hash by identity
        "__neg__": lambda self: ops["negative"](self),
        "__pos__": lambda self: self,
        "__abs__": lambda self: ops["abs"](self),
        "__getitem__": lambda self, key: ops["getitem"](self, key),
        "__array_ufunc__": _array_ufunc(ops),
        "T": property(lambda self: ops["transpose"](self)),
        "reshape": lambda self, *s: ops["reshape"](self, s[0] if len(s) == 1 else s),
        "sum": lambda self, axis=None, keepdims=False: ops["sum"](self, axis, keepdims),
        "mean": lambda self, axis=None, keepdims=False: ops["mean"](self, axis, keepdims),
    }
    if symbolic:
        for dunder, name in _LOGICAL.items():
            extra[f"__{dunder}__"] = binary(name)
            extra[f"__r{dunder}__"] = flipped(name)
        extra["__invert__"] = lambda self: ops["logical_not"](self)
    for name, value in extra.items():
        setattr(cls, name, value)
