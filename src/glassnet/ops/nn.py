"""Neural-network operations: activations, softmax, log-softmax, one-hot, dtype and tensors.

The activations reuse :mod:`glassnet.activations`, where each derivative is written once
beside its forward formula (and is stable for large ``|x|``): an op here only records the
node ``backward(g) = activation.backward(x, out, g)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import _validate, activations
from glassnet.ops.tape import Traced, record, unpack


def _activation(fn: activations.ActivationFunction, x: Any) -> Any:
    return fn(x)  # recorded with backward(g) = fn.backward(x, out, g) on a traced x


_SIGMOID, _RELU, _TANH = activations.Sigmoid(), activations.ReLU(), activations.Tanh()
_SOFTPLUS, _SWISH, _SOFTMAX = activations.Softplus(), activations.Swish(), activations.Softmax()


def sigmoid(x: Any) -> Any:
    """``1 / (1 + e^-x)``; ``d/dx = s (1 - s)``."""
    return _activation(_SIGMOID, x)


def relu(x: Any) -> Any:
    """``max(x, 0)``; ``d/dx = 1[x > 0]``."""
    return _activation(_RELU, x)


def tanh(x: Any) -> Any:
    """``tanh x``; ``d/dx = 1 - tanh^2 x``."""
    return _activation(_TANH, x)


def softplus(x: Any) -> Any:
    """``log(1 + e^x)`` computed as ``max(x, 0) + log1p(e^-|x|)``; ``d/dx = sigmoid(x)``."""
    return _activation(_SOFTPLUS, x)


def silu(x: Any) -> Any:
    """``x sigmoid(x)`` (swish)."""
    return _activation(_SWISH, x)


swish = silu


def leaky_relu(x: Any, negative_slope: float = 0.2) -> Any:
    """``x`` for ``x > 0`` else ``negative_slope x``."""
    return _activation(activations.LeakyReLU(negative_slope), x)


def elu(x: Any, alpha: float = 1.0) -> Any:
    return _activation(activations.ELU(alpha), x)


def gelu(x: Any, approximate: bool = True) -> Any:
    return _activation(activations.GELU(approximate=approximate), x)


def _along_last(fn: Any, x: Any, axis: int, owner: str) -> Any:
    """Apply a last-axis function along ``axis`` by moving that axis last and back."""
    from glassnet.ops.shapes import swapaxes

    nd = max(np.ndim(unpack(x)[0]), 1)
    axis = _validate.check_int(owner, "axis", axis, min=-nd, max=nd - 1)
    if axis % nd == nd - 1:
        return fn(x)
    return swapaxes(fn(swapaxes(x, axis, -1)), axis, -1)


def softmax(x: Any, axis: int = -1) -> Any:
    """``e^(x_i - max x) / sum_j e^(x_j - max x)`` along ``axis``.

    ``dL/dx = s * (g - sum(g * s))``: the Jacobian product, no matrix formed.
    """
    return _along_last(lambda v: _activation(_SOFTMAX, v), x, axis, "softmax")


def log_softmax(x: Any, axis: int = -1) -> Any:
    """``x - logsumexp(x)`` along ``axis``, shifted by the maximum (no overflow, no log 0).

    ``dL/dx = g - softmax(x) * sum(g)``.
    """

    def last(v: Any) -> Any:
        a, t = unpack(v)
        a = np.asarray(a)
        shifted = a - np.max(a, axis=-1, keepdims=True)
        out = shifted - np.log(np.add.reduce(np.exp(shifted), axis=-1, keepdims=True))
        return record(out, (t,), lambda g: (g - np.exp(out) * np.add.reduce(g, axis=-1, keepdims=True),))

    return _along_last(last, x, axis, "log_softmax")


def log_sigmoid(x: Any) -> Any:
    """``log sigmoid(x) = -softplus(-x)``, stable for large ``|x|``."""
    from glassnet.ops.elementwise import negative

    return negative(softplus(negative(x)))


def relu6(x: Any) -> Any:
    """``min(max(x, 0), 6)``."""
    from glassnet.ops.elementwise import minimum

    return minimum(relu(x), 6.0)


def selu(x: Any) -> Any:
    return _activation(activations.SELU(), x)


def one_hot(x: Any, num_classes: int, axis: int = -1, dtype: Any = None,
            sparse: bool = False) -> np.ndarray:
    """Integer labels of shape ``s`` -> ``(*s, num_classes)`` one-hot floats (no gradient)."""
    if sparse:
        raise ValueError("`sparse=True` is not supported: one_hot returns a dense array.")
    labels = np.asarray(unpack(x)[0])
    if labels.dtype.kind == "f" and np.all(np.mod(labels, 1) == 0):
        labels = labels.astype(np.intp)
    if labels.dtype.kind not in "iub":
        raise TypeError(f"`x` must hold integer labels, got dtype {labels.dtype}.")
    if not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
        raise ValueError(f"`num_classes` must be a positive int, got {num_classes!r}.")
    out = np.zeros(labels.shape + (int(num_classes),), dtype=np.dtype(dtype or "float32"))
    np.put_along_axis(out, labels[..., None].astype(np.intp), 1, axis=-1)
    return out if axis == -1 else np.moveaxis(out, -1, axis)


def cast(x: Any, dtype: Any) -> Any:
    """``x`` as ``dtype``; the gradient is cast back to ``x``'s dtype (none to integers)."""
    a, t = unpack(x)
    a = np.asarray(a)
    target = np.dtype(dtype)
    out = a.astype(target, copy=False)
    if a.dtype.kind != "f" or target.kind != "f":
        return out
    return record(out, (t,), lambda g: (g.astype(a.dtype, copy=False),))


def convert_to_tensor(x: Any, dtype: Any = None, sparse: bool | None = None,
                      ragged: bool | None = None) -> Any:
    """``x`` as an array (a traced array stays traced; ``dtype`` casts it)."""
    if isinstance(x, Traced):
        return x if dtype is None else cast(x, dtype)
    value = unpack(x)[0]
    if hasattr(x, "_lift"):  # a Variable: keep it on the tape when one records
        return x if dtype is None else cast(x, dtype)
    return np.asarray(value, dtype=dtype)


def convert_to_numpy(x: Any) -> np.ndarray:
    return np.asarray(unpack(x)[0])


def shape(x: Any) -> tuple[int, ...]:
    """The shape, a tuple of ints."""
    return tuple(np.shape(unpack(x)[0]))


def ndim(x: Any) -> int:
    return int(np.ndim(unpack(x)[0]))


def stop_gradient(variable: Any) -> np.ndarray:
    """The value of ``variable`` as a constant: no gradient flows back through it."""
    return np.asarray(unpack(variable)[0])


def zeros(shape: Any, dtype: Any = "float32") -> np.ndarray:
    return np.zeros(shape, dtype=dtype)


def ones(shape: Any, dtype: Any = "float32") -> np.ndarray:
    return np.ones(shape, dtype=dtype)


def zeros_like(x: Any, dtype: Any = None) -> np.ndarray:
    return np.zeros_like(unpack(x)[0], dtype=dtype)


def ones_like(x: Any, dtype: Any = None) -> np.ndarray:
    return np.ones_like(unpack(x)[0], dtype=dtype)


def arange(start: Any, stop: Any = None, step: Any = 1, dtype: Any = None) -> np.ndarray:
    return np.arange(start, stop, step, dtype=dtype)


def full(shape: Any, fill_value: Any, dtype: Any = None) -> np.ndarray:
    return np.full(shape, fill_value, dtype=dtype)


def full_like(x: Any, fill_value: Any, dtype: Any = None) -> np.ndarray:
    return np.full_like(unpack(x)[0], fill_value, dtype=dtype)


def eye(N: int, M: int | None = None, k: int = 0, dtype: Any = "float32") -> np.ndarray:  # noqa: N803
    return np.eye(N, M, k, dtype=dtype)
