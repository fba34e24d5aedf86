"""``glassnet.ops``: NumPy-like operations with automatic differentiation (Keras's ``ops``).

On plain arrays every operation returns a plain array. Inside ``with ops.Tape() as tape``
on watched arrays (``x = tape.watch(x)``) or on layer weights (``self.add_weight``), the
results are :class:`Traced` arrays that remember how they were made, and
``tape.gradient(loss, [x, w])`` returns ``dL/dx`` and ``dL/dw`` by reverse-mode
differentiation. Each operation's derivative is written beside its forward formula.

Examples
--------
>>> from glassnet import ops
>>> with ops.Tape() as tape:
...     w = tape.watch(np.array([[0.5], [-1.0]]))
...     y = ops.matmul(np.array([[1.0, 2.0]]), w)        # (1, 2) @ (2, 1) -> (1, 1)
...     loss = ops.mean(ops.square(y - 1.0))
>>> tape.gradient(loss, w)                               # 2 (y - 1) x^T
array([[ -5.],
       [-10.]])
"""

from glassnet.ops import _operators, symbolic
from glassnet.ops.elementwise import (
    abs,
    absolute,
    add,
    ceil,
    clip,
    cos,
    divide,
    equal,
    exp,
    floor,
    greater,
    greater_equal,
    isfinite,
    isnan,
    less,
    less_equal,
    log,
    log1p,
    logical_and,
    logical_not,
    logical_or,
    maximum,
    minimum,
    multiply,
    negative,
    not_equal,
    power,
    round,
    sign,
    sin,
    sqrt,
    square,
    subtract,
    true_divide,
    where,
)
from glassnet.ops.linalg import dot, einsum, matmul, outer, tensordot
from glassnet.ops.losses_ops import (
    binary_crossentropy,
    categorical_crossentropy,
    sparse_categorical_crossentropy,
)
from glassnet.ops.nn import (
    arange,
    cast,
    convert_to_numpy,
    convert_to_tensor,
    elu,
    eye,
    full,
    full_like,
    gelu,
    leaky_relu,
    log_sigmoid,
    log_softmax,
    ndim,
    one_hot,
    ones,
    ones_like,
    relu,
    relu6,
    selu,
    shape,
    sigmoid,
    silu,
    softmax,
    softplus,
    stop_gradient,
    swish,
    tanh,
    zeros,
    zeros_like,
)
from glassnet.ops.reductions import (
    all,
    amax,
    amin,
    any,
    argmax,
    argmin,
    argsort,
    cumsum,
    logsumexp,
    max,
    mean,
    min,
    norm,
    prod,
    std,
    sum,
    var,
)
from glassnet.ops.shapes import (
    broadcast_to,
    concatenate,
    expand_dims,
    flatten,
    getitem,
    reshape,
    split,
    squeeze,
    stack,
    swapaxes,
    take,
    take_along_axis,
    tile,
    transpose,
    unstack,
)
from glassnet.ops.tape import Tape, Traced, is_traced
from glassnet.ops.variable import Variable

_operators.bind(Traced)
_operators.bind(Variable)
GradientTape = Tape

__all__ = [
    "GradientTape", "Tape", "Traced", "Variable", "abs", "absolute", "add", "all", "amax",
    "amin", "any", "arange", "argmax", "argmin", "argsort", "binary_crossentropy",
    "broadcast_to", "cast", "categorical_crossentropy", "ceil", "clip", "concatenate",
    "convert_to_numpy", "convert_to_tensor", "cos", "cumsum", "divide", "dot", "einsum", "elu",
    "equal", "exp",
    "expand_dims", "eye", "flatten", "floor", "full", "full_like", "gelu", "getitem",
    "greater", "greater_equal", "is_traced", "isfinite", "isnan", "leaky_relu", "less",
    "less_equal", "log", "log1p", "log_sigmoid", "log_softmax", "logical_and", "logical_not",
    "logical_or", "logsumexp", "matmul", "max", "maximum", "mean", "min", "minimum", "multiply", "ndim",
    "negative", "norm", "not_equal", "one_hot", "ones", "ones_like", "outer", "power", "prod", "relu",
    "relu6", "reshape", "round", "selu", "shape", "sigmoid", "sign", "silu", "sin", "softmax",
    "softplus", "sparse_categorical_crossentropy", "split", "sqrt", "square", "squeeze", "stack",
    "std",
    "stop_gradient", "subtract", "sum", "swapaxes", "swish", "take", "take_along_axis", "tanh",
    "tensordot", "tile", "transpose", "true_divide", "unstack", "var", "where", "zeros",
    "zeros_like",
]

# Every function exported above also applies to the functional API's symbolic tensors: on one
# (or a list holding one) it records a graph node instead of computing (glassnet.ops.symbolic).
# The wrapping runs over ``__all__``, so an op exported later, in any file, gets it too: keep
# this line last, after every import and after ``__all__``.
symbolic.wrap_exports(globals(), __all__)
