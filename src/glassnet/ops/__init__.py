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
from glassnet.ops.attention import dot_product_attention
from glassnet.ops.control import (
    cond,
    custom_gradient,
    dtype,
    fori_loop,
    is_tensor,
    map,
    scan,
    switch,
    vectorized_map,
    while_loop,
)
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
from glassnet.ops.math_more import (
    allclose,
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctan2,
    arctanh,
    cbrt,
    cosh,
    divide_no_nan,
    erf,
    erfinv,
    exp2,
    expm1,
    floor_divide,
    fmod,
    heaviside,
    hypot,
    isclose,
    isinf,
    log2,
    log10,
    logaddexp,
    mod,
    nan_to_num,
    reciprocal,
    rsqrt,
    signbit,
    sinh,
    tan,
    trunc,
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
from glassnet.ops.nn_more import (
    celu,
    glu,
    hard_shrink,
    hard_sigmoid,
    hard_silu,
    hard_swish,
    hard_tanh,
    soft_shrink,
    softsign,
    sparse_plus,
    sparse_sigmoid,
    sparsemax,
    squareplus,
    tanh_shrink,
    threshold,
)
from glassnet.ops.normalization import (
    batch_normalization,
    layer_normalization,
    moments,
    normalize,
    rms_normalization,
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
from glassnet.ops.shape_more import (
    array,
    array_split,
    copy,
    count_nonzero,
    cumprod,
    diag,
    diagonal,
    dstack,
    empty,
    empty_like,
    flip,
    get_item,
    hstack,
    identity,
    in_top_k,
    linspace,
    logspace,
    meshgrid,
    moveaxis,
    pad,
    ravel,
    repeat,
    roll,
    size,
    slice,
    slice_update,
    sort,
    top_k,
    trace,
    tri,
    tril,
    triu,
    vstack,
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
from glassnet.ops.statistics import median, percentile, quantile
from glassnet.ops.tape import Tape, Traced, is_traced
from glassnet.ops.variable import Variable

_operators.bind(Traced)
_operators.bind(Variable)
GradientTape = Tape

__all__ = [
    "abs", "absolute", "add", "all", "allclose", "amax", "amin", "any", "arange", "arccos",
    "arccosh", "arcsin", "arcsinh", "arctan", "arctan2", "arctanh", "argmax", "argmin",
    "argsort", "array", "array_split", "batch_normalization", "binary_crossentropy",
    "broadcast_to", "cast", "categorical_crossentropy", "cbrt", "ceil", "celu", "clip",
    "concatenate", "cond", "convert_to_numpy", "convert_to_tensor", "copy", "cos", "cosh",
    "count_nonzero", "cumprod", "cumsum", "custom_gradient", "diag", "diagonal", "divide",
    "divide_no_nan", "dot", "dot_product_attention", "dstack", "dtype", "einsum", "elu",
    "empty", "empty_like", "equal", "erf", "erfinv", "exp", "exp2", "expand_dims", "expm1",
    "eye", "flatten", "flip", "floor", "floor_divide", "fmod", "fori_loop", "full",
    "full_like", "gelu", "get_item", "getitem", "glu", "GradientTape", "greater",
    "greater_equal", "hard_shrink", "hard_sigmoid", "hard_silu", "hard_swish", "hard_tanh",
    "heaviside", "hstack", "hypot", "identity", "in_top_k", "is_tensor", "is_traced",
    "isclose", "isfinite", "isinf", "isnan", "layer_normalization", "leaky_relu", "less",
    "less_equal", "linspace", "log", "log10", "log1p", "log2", "log_sigmoid", "log_softmax",
    "logaddexp", "logical_and", "logical_not", "logical_or", "logspace", "logsumexp", "map",
    "matmul", "max", "maximum", "mean", "median", "meshgrid", "min", "minimum", "mod",
    "moments", "moveaxis", "multiply", "nan_to_num", "ndim", "negative", "norm", "normalize",
    "not_equal", "one_hot", "ones", "ones_like", "outer", "pad", "percentile", "power",
    "prod", "quantile", "ravel", "reciprocal", "relu", "relu6", "repeat", "reshape",
    "rms_normalization", "roll", "round", "rsqrt", "scan", "selu", "shape", "sigmoid", "sign",
    "signbit", "silu", "sin", "sinh", "size", "slice", "slice_update", "soft_shrink",
    "softmax", "softplus", "softsign", "sort", "sparse_categorical_crossentropy",
    "sparse_plus", "sparse_sigmoid", "sparsemax", "split", "sqrt", "square", "squareplus",
    "squeeze", "stack", "std", "stop_gradient", "subtract", "sum", "swapaxes", "swish",
    "switch", "take", "take_along_axis", "tan", "tanh", "tanh_shrink", "Tape", "tensordot",
    "threshold", "tile", "top_k", "trace", "Traced", "transpose", "tri", "tril", "triu",
    "true_divide", "trunc", "unstack", "var", "Variable", "vectorized_map", "vstack", "where",
    "while_loop", "zeros", "zeros_like",
]

# Every function exported above also applies to the functional API's symbolic tensors: on one
# (or a list holding one) it records a graph node instead of computing (glassnet.ops.symbolic).
# The wrapping runs over ``__all__``, so an op exported later, in any file, gets it too: keep
# this line last, after every import and after ``__all__``.
symbolic.wrap_exports(globals(), __all__)
