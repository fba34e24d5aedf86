"""Activation functions, each with its derivative beside it, written once.

Every activation maps ``z`` (any shape) to ``a = f(z)`` elementwise (softmax: along the last
axis) and knows its vector-Jacobian product::

    grad_z = backward(z, a, grad_a)      # dL/dz from dL/da, using whichever of z, a is cheaper

Layers (``Dense(activation=...)``, ``Activation``, ``Conv2D`` ...) cache ``z`` and ``a`` from
the forward pass and call ``backward``; no activation derivative is written anywhere else.
All are stable for extreme inputs: no overflow warnings at ``|z| = 1000``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from glassnet import _registry, _validate
from glassnet._custom_objects import get_registered_name, get_registered_object


class ActivationFunction:
    """Base: ``forward(z) -> a`` and ``backward(z, a, grad_a) -> grad_z``."""

    name = "linear"
    #: False when ``backward`` reads only ``a``: a layer may then compute ``a`` over ``z``
    #: (``forward_into(z, z)``) and keep one array per step instead of two.
    backward_uses_z = True

    def forward(self, z: np.ndarray) -> np.ndarray:
        return z

    def backward(self, z: np.ndarray, a: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
        return grad_a

    def forward_into(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        """``out[...] = f(z)`` and return ``out`` (any view of z's shape, ``z`` itself too).

        Recurrent cells write each gate straight into a slice of one preallocated array this
        way. The common activations override it with an allocation-free version; the default
        computes :meth:`forward` and copies.
        """
        out[...] = self.forward(z)
        return out

    def backward_into(self, z: np.ndarray, a: np.ndarray, grad_a: np.ndarray,
                      out: np.ndarray) -> np.ndarray:
        """``out[...] = backward(z, a, grad_a)`` and return ``out`` (see :meth:`forward_into`)."""
        out[...] = self.backward(z, a, grad_a)
        return out

    def forward_owned(self, z: np.ndarray) -> np.ndarray:
        """``f(z)`` for a ``z`` the caller owns and will not read again except to pass it to
        :meth:`backward`: computed over ``z`` when the backward pass reads only ``a``
        (ReLU, sigmoid, tanh, softmax, linear), which spares one array per layer and step."""
        return self.forward(z) if self.backward_uses_z else self.forward_into(z, z)

    def __call__(self, z: np.ndarray) -> np.ndarray:
        return self.forward(np.asarray(z))

    def get_config(self) -> dict[str, Any]:
        return {}

    def __repr__(self) -> str:
        return f"<activation {self.name}>"


class Linear(ActivationFunction):
    """``a = z``; the identity (Keras's ``'linear'``, also ``None``)."""

    name = "linear"
    backward_uses_z = False

    def forward_into(self, z, out):
        if out is not z:
            np.copyto(out, z)
        return out


class Sigmoid(ActivationFunction):
    """``a = 1 / (1 + exp(-z))``, ``da/dz = a (1 - a)``.

    Notes
    -----
    Computed as written, with overflow of ``exp(-z)`` allowed: for ``z < -88`` (float32)
    ``exp(-z)`` is ``inf`` and ``a = 1 / inf = 0`` exactly, which is the correctly rounded
    value; no warning is raised. One transcendental (``exp``, about twice as fast as
    ``tanh`` in NumPy) and no cancellation in the negative tail (the ``tanh`` form
    ``(1 + tanh(z/2)) / 2`` loses all relative precision there).
    """

    name = "sigmoid"
    backward_uses_z = False

    def forward(self, z):
        z = np.asarray(z)
        if z.dtype.kind != "f":
            z = z.astype(np.float64)
        return self.forward_into(z, np.empty_like(z))

    def forward_into(self, z, out):
        np.negative(z, out=out)
        with np.errstate(over="ignore", under="ignore"):
            np.exp(out, out=out)  # exp(-z): inf for z < -88 (float32), 0 for z > 103
        out += 1.0
        # divide, not reciprocal: NumPy vectorises divide (AVX2) but not reciprocal.
        return np.divide(1.0, out, out=out)  # 1 / (1 + exp(-z)), exactly 0 at inf

    def backward(self, z, a, grad_a):
        return self.backward_into(z, a, grad_a, np.empty_like(a))

    def backward_into(self, z, a, grad_a, out):
        np.subtract(1.0, a, out=out)
        out *= a
        out *= grad_a  # a (1 - a) dL/da
        return out


class Tanh(ActivationFunction):
    """``a = tanh(z)``, ``da/dz = 1 - a^2``."""

    name = "tanh"
    backward_uses_z = False

    def forward(self, z):
        return np.tanh(z)

    def forward_into(self, z, out):
        return np.tanh(z, out=out)

    def backward(self, z, a, grad_a):
        return grad_a * (1.0 - a * a)

    def backward_into(self, z, a, grad_a, out):
        np.multiply(a, a, out=out)
        np.subtract(1.0, out, out=out)
        out *= grad_a  # (1 - a^2) dL/da
        return out


class ReLU(ActivationFunction):
    """``a = max(z, 0)``, ``da/dz = 1[z > 0]``."""

    name = "relu"
    backward_uses_z = False

    def forward(self, z):
        return np.maximum(z, 0)

    def forward_into(self, z, out):
        return np.maximum(z, 0, out=out)

    def backward(self, z, a, grad_a):
        return grad_a * (a > 0)

    def backward_into(self, z, a, grad_a, out):
        return np.multiply(grad_a, a > 0, out=out)


class LeakyReLU(ActivationFunction):
    """``a = z`` for ``z > 0`` else ``alpha z`` (Keras 3's default ``alpha = 0.2``)."""

    name = "leaky_relu"

    def __init__(self, alpha: float = 0.2) -> None:
        self.alpha = _validate.check_float("LeakyReLU", "alpha", alpha, min=0.0)

    def forward(self, z):
        return np.where(z > 0, z, z * self.alpha)

    def backward(self, z, a, grad_a):
        return np.where(z > 0, grad_a, grad_a * self.alpha)

    def get_config(self):
        return {"alpha": self.alpha}


class ELU(ActivationFunction):
    """``a = z`` for ``z > 0`` else ``alpha (exp(z) - 1)``; ``da/dz = a + alpha`` for ``z <= 0``."""

    name = "elu"

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = float(alpha)

    def forward(self, z):
        # expm1 of min(z, 0): exact near 0 and never overflows for large positive z.
        return np.where(z > 0, z, self.alpha * np.expm1(np.minimum(z, 0)))

    def backward(self, z, a, grad_a):
        return np.where(z > 0, grad_a, grad_a * (a + self.alpha))

    def get_config(self):
        return {"alpha": self.alpha}


class SELU(ActivationFunction):
    """``a = scale * elu(z, alpha)`` with the self-normalising constants of Klambauer et al."""

    name = "selu"
    alpha = 1.6732632423543772
    scale = 1.0507009873554805

    def forward(self, z):
        return self.scale * np.where(z > 0, z, self.alpha * np.expm1(np.minimum(z, 0)))

    def backward(self, z, a, grad_a):
        # For z <= 0: a = s*alpha*(e^z - 1) so da/dz = s*alpha*e^z = a + s*alpha.
        return np.where(z > 0, grad_a * self.scale, grad_a * (a + self.scale * self.alpha))


def _erf(x: np.ndarray) -> np.ndarray:
    """Error function: SciPy's when installed, else the standard library's, elementwise."""
    try:
        from scipy.special import erf
    except ImportError:
        return np.vectorize(math.erf, otypes=[x.dtype])(x)
    return erf(x).astype(x.dtype, copy=False)


class GELU(ActivationFunction):
    """``a = z Phi(z)`` with ``Phi`` the standard normal CDF (exact, Keras's default).

    ``approximate=True`` uses ``0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3)))``.
    """

    name = "gelu"

    def __init__(self, approximate: bool = False) -> None:
        self.approximate = bool(approximate)

    def forward(self, z):
        if self.approximate:
            c = math.sqrt(2.0 / math.pi)
            return 0.5 * z * (1.0 + np.tanh(c * (z + 0.044715 * z**3)))
        return 0.5 * z * (1.0 + _erf(z / math.sqrt(2.0)))

    def backward(self, z, a, grad_a):
        if self.approximate:
            c = math.sqrt(2.0 / math.pi)
            t = np.tanh(c * (z + 0.044715 * z**3))
            dt = (1.0 - t * t) * c * (1.0 + 3 * 0.044715 * z * z)
            return grad_a * (0.5 * (1.0 + t) + 0.5 * z * dt)
        cdf = 0.5 * (1.0 + _erf(z / math.sqrt(2.0)))
        pdf = np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
        return grad_a * (cdf + z * pdf)

    def get_config(self):
        return {"approximate": self.approximate}


class Softplus(ActivationFunction):
    """``a = log(1 + exp(z))`` as ``max(z, 0) + log1p(exp(-|z|))``; ``da/dz = sigmoid(z)``."""

    name = "softplus"

    def forward(self, z):
        return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))

    def backward(self, z, a, grad_a):
        return grad_a * SIGMOID.forward(z)


class Swish(ActivationFunction):
    """``a = z sigmoid(z)`` (also called SiLU); ``da/dz = s + z s (1 - s)``."""

    name = "swish"

    def forward(self, z):
        return z * SIGMOID.forward(z)

    def backward(self, z, a, grad_a):
        s = SIGMOID.forward(z)
        return grad_a * (s + z * s * (1.0 - s))


class Softmax(ActivationFunction):
    """``a_i = exp(z_i - max z) / sum_j exp(z_j - max z)`` along the last axis.

    Notes
    -----
    The Jacobian-vector product is ``grad_z = a * (grad_a - sum(grad_a * a))`` (sum over the
    last axis). Paired with categorical cross-entropy the loss computes ``dL/dz`` directly
    (see :mod:`glassnet.losses`), which is both cheaper and exact for saturated outputs.
    """

    name = "softmax"
    backward_uses_z = False

    def forward(self, z):
        return self.forward_into(z, np.empty_like(z))

    def forward_into(self, z, out):
        # ufunc.reduce rather than the .max()/.sum() methods: half the overhead on small rows.
        np.subtract(z, np.maximum.reduce(z, axis=-1, keepdims=True), out=out)  # exp <= 1
        np.exp(out, out=out)
        out /= np.add.reduce(out, axis=-1, keepdims=True)
        return out

    def backward(self, z, a, grad_a):
        dot = np.sum(grad_a * a, axis=-1, keepdims=True)
        return a * (grad_a - dot)


SIGMOID = Sigmoid()


_REGISTRY: dict[str, type[ActivationFunction]] = {
    cls.name: cls
    for cls in (Linear, Sigmoid, Tanh, ReLU, LeakyReLU, ELU, SELU, GELU, Softplus, Swish, Softmax)
}
_ALIASES = {"silu": "swish", "leakyrelu": "leaky_relu", "identity": "linear"}


def names() -> list[str]:
    """The valid activation names."""
    return sorted(_REGISTRY)


def get(identifier: str | ActivationFunction | None) -> ActivationFunction:
    """Resolve ``'relu'``, ``None`` (linear), an instance or a config dict to an activation.

    Raises
    ------
    ValueError
        For an unknown name, listing the valid ones.
    """
    if identifier is None:
        return Linear()
    if isinstance(identifier, ActivationFunction):
        return identifier
    if isinstance(identifier, dict):
        return _registry.deserialize("activation", _REGISTRY, identifier, _ALIASES)
    if isinstance(identifier, str):
        try:
            return _registry.lookup("activation", _REGISTRY, identifier, _ALIASES)()
        except ValueError:
            custom = get_registered_object(identifier)
            if custom is None or not callable(custom):
                raise
            return get(custom)
    if callable(identifier) and not isinstance(identifier, type):
        return FunctionActivation(identifier)
    raise TypeError(
        f"`activation` must be a name, an ActivationFunction, a function or None, "
        f"got {type(identifier).__name__}."
    )


class FunctionActivation(ActivationFunction):
    """A user's function ``f(z)`` as an activation (``Dense(1, activation=custom_fn)``, as
    in Keras): its derivative comes from :mod:`glassnet.ops`'s tape, so ``f`` may use the
    ops and the array operators (``x**2``, ``ops.exp(x)``...).

    Saved by its registered name (:func:`glassnet.saving.register_keras_serializable`) or
    its ``__name__``; loading finds it there, in ``custom_objects`` or a
    ``custom_object_scope``.
    """

    def __init__(self, fn: Any) -> None:
        self.fn = fn
        self.name = get_registered_name(fn)

    def forward(self, z: np.ndarray) -> np.ndarray:
        from glassnet.ops.tape import value_of

        return np.asarray(value_of(self.fn(z)), dtype=z.dtype)

    def backward(self, z: np.ndarray, a: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
        from glassnet.ops.tape import Tape

        with Tape() as tape:  # d f(z) / dz by reverse mode, seeded with dL/da
            zt = tape.watch(z)
            out = self.fn(zt)
        (grad_z,) = tape.gradient(out, [zt], output_gradients=grad_a,
                                  unconnected_gradients="zero")
        return np.asarray(grad_z, dtype=grad_a.dtype)


def serialize(activation: ActivationFunction) -> str | dict[str, Any]:
    """A plain name when the activation has no settings, else ``{class_name, config}``."""
    config = activation.get_config()
    return {"class_name": activation.name, "config": config} if config else activation.name


# Keras-style functional aliases: glassnet.activations.relu(z) etc.
def sigmoid(z):
    return Sigmoid().forward(np.asarray(z))


def relu(z):
    return ReLU().forward(np.asarray(z))


def tanh(z):
    return Tanh().forward(np.asarray(z))


def softmax(z):
    return Softmax().forward(np.array(z, dtype=np.result_type(z, np.float32)))
