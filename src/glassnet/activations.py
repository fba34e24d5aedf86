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

    def __call__(self, z: Any) -> Any:
        """``f(z)``; on a traced array (inside an ``ops.Tape``) the result is recorded with
        ``dL/dz = backward(z, a, dL/da)``, so custom layers may call it and get gradients."""
        from glassnet.ops.tape import record, unpack

        value, node = unpack(z)
        value = np.asarray(value)
        if value.dtype.kind != "f":
            value = value.astype(np.float32)
        a = self.forward(value)
        return record(a, (node,), lambda g: (self.backward(value, a, g),))

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
        self.alpha = _validate.check_float("ELU", "alpha", alpha)

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
        self.approximate = _validate.check_bool("GELU", "approximate", approximate)

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


class ReLU6(ActivationFunction):
    """``a = min(max(z, 0), 6)``, ``da/dz = 1[0 < z < 6]``."""

    name = "relu6"

    def forward(self, z):
        return np.clip(z, 0, 6)

    def backward(self, z, a, grad_a):
        return grad_a * ((z > 0) & (z < 6))


class Exponential(ActivationFunction):
    """``a = exp(z)``, ``da/dz = a`` (overflows to inf past ``z = 88`` in float32)."""

    name = "exponential"
    backward_uses_z = False

    def forward(self, z):
        with np.errstate(over="ignore"):  # inf past the dtype's range, as exp is
            return np.exp(z)

    def backward(self, z, a, grad_a):
        return grad_a * a


class HardSigmoid(ActivationFunction):
    """``a = relu6(z + 3) / 6``, a piecewise-linear sigmoid; ``da/dz = 1/6`` on ``(-3, 3)``,
    0 outside."""

    name = "hard_sigmoid"

    def forward(self, z):
        return np.clip(z / 6 + 0.5, 0, 1)

    def backward(self, z, a, grad_a):
        return grad_a * ((z > -3) & (z < 3)) / 6


class HardSiLU(ActivationFunction):
    """``a = z relu6(z + 3) / 6`` (hard swish); ``da/dz = (2z + 3) / 6`` on ``(-3, 3)``,
    0 below, 1 above."""

    name = "hard_silu"

    def forward(self, z):
        return z * np.clip(z / 6 + 0.5, 0, 1)

    def backward(self, z, a, grad_a):
        slope = np.where(z <= -3, 0, np.where(z >= 3, 1, z / 3 + 0.5))
        return grad_a * slope.astype(grad_a.dtype, copy=False)


class Softsign(ActivationFunction):
    """``a = z / (1 + |z|)``, ``da/dz = 1 / (1 + |z|)^2``."""

    name = "softsign"

    def forward(self, z):
        return z / (1 + np.abs(z))

    def backward(self, z, a, grad_a):
        d = 1 + np.abs(z)
        return grad_a / (d * d)


class CELU(ActivationFunction):
    """``a = z`` for ``z > 0`` else ``alpha (exp(z / alpha) - 1)``; ``da/dz = exp(z / alpha)``
    for ``z <= 0``."""

    name = "celu"

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = _validate.check_float("CELU", "alpha", alpha, min=0.0, min_open=True)

    def forward(self, z):
        return np.where(z > 0, z, self.alpha * np.expm1(np.minimum(z, 0) / self.alpha))

    def backward(self, z, a, grad_a):
        return np.where(z > 0, grad_a, grad_a * np.exp(np.minimum(z, 0) / self.alpha))

    def get_config(self):
        return {"alpha": self.alpha}


class SparsePlus(ActivationFunction):
    """0 for ``z <= -1``, ``(z + 1)^2 / 4`` on ``(-1, 1)``, ``z`` for ``z >= 1`` (a smooth
    ReLU); ``da/dz`` is 0, ``(z + 1) / 2`` and 1 there."""

    name = "sparse_plus"

    def forward(self, z):
        inside = 0.25 * np.square(np.clip(z, -1, 1) + 1)
        return np.where(z >= 1, z, np.where(z <= -1, 0, inside))

    def backward(self, z, a, grad_a):
        return grad_a * (np.clip(z, -1, 1) + 1) / 2


class SparseSigmoid(ActivationFunction):
    """0 for ``z <= -1``, ``(z + 1) / 2`` on ``(-1, 1)``, 1 for ``z >= 1``; ``da/dz = 1/2``
    inside, 0 outside."""

    name = "sparse_sigmoid"

    def forward(self, z):
        return (np.clip(z, -1, 1) + 1) / 2

    def backward(self, z, a, grad_a):
        return grad_a * ((z > -1) & (z < 1)) / 2


class Squareplus(ActivationFunction):
    """``a = (z + sqrt(z^2 + b)) / 2``, a smooth ReLU; ``da/dz = (1 + z / sqrt(z^2 + b)) / 2``."""

    name = "squareplus"

    def __init__(self, b: float = 4) -> None:
        self.b = _validate.check_float("squareplus", "b", b, min=0.0)

    def forward(self, z):
        return (z + np.sqrt(z * z + self.b)) / 2

    def backward(self, z, a, grad_a):
        return grad_a * (1 + z / np.sqrt(z * z + self.b)) / 2

    def get_config(self):
        return {"b": self.b}


class SoftShrink(ActivationFunction):
    """``z - t`` above ``t``, ``z + t`` below ``-t``, 0 between; ``da/dz = 1[|z| > t]``."""

    name = "soft_shrink"

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = _validate.check_float("soft_shrink", "threshold", threshold, min=0.0)

    def forward(self, z):
        t = self.threshold
        return np.where(z > t, z - t, np.where(z < -t, z + t, 0)).astype(z.dtype, copy=False)

    def backward(self, z, a, grad_a):
        return grad_a * (np.abs(z) > self.threshold)

    def get_config(self):
        return {"threshold": self.threshold}


class HardShrink(SoftShrink):
    """``z`` where ``|z| > t``, 0 elsewhere; ``da/dz = 1[|z| > t]``."""

    name = "hard_shrink"

    def forward(self, z):
        return np.where(np.abs(z) > self.threshold, z, 0).astype(z.dtype, copy=False)


class TanhShrink(ActivationFunction):
    """``a = z - tanh(z)``, ``da/dz = tanh^2(z)``."""

    name = "tanh_shrink"

    def forward(self, z):
        return z - np.tanh(z)

    def backward(self, z, a, grad_a):
        t = np.tanh(z)
        return grad_a * t * t


class HardTanh(ActivationFunction):
    """``a = clip(z, -1, 1)``, ``da/dz = 1[-1 < z < 1]``."""

    name = "hard_tanh"

    def forward(self, z):
        return np.clip(z, -1, 1)

    def backward(self, z, a, grad_a):
        return grad_a * ((z > -1) & (z < 1))


class Mish(ActivationFunction):
    """``a = z tanh(softplus(z))``; with ``t = tanh(softplus(z))``,
    ``da/dz = t + z (1 - t^2) sigmoid(z)``."""

    name = "mish"

    def forward(self, z):
        return z * np.tanh(Softplus().forward(z))

    def backward(self, z, a, grad_a):
        t = np.tanh(Softplus().forward(z))
        return grad_a * (t + z * (1 - t * t) * SIGMOID.forward(z))


class LogSigmoid(ActivationFunction):
    """``a = log sigmoid(z) = min(z, 0) - log1p(exp(-|z|))``, ``da/dz = sigmoid(-z)``."""

    name = "log_sigmoid"

    def forward(self, z):
        return np.minimum(z, 0) - np.log1p(np.exp(-np.abs(z)))

    def backward(self, z, a, grad_a):
        return grad_a * SIGMOID.forward(-z)


class LogSoftmax(ActivationFunction):
    """``a = z - max z - log sum exp(z - max z)`` along the last axis;
    ``grad_z = grad_a - exp(a) sum(grad_a)``."""

    name = "log_softmax"
    backward_uses_z = False

    def forward(self, z):
        shifted = z - np.maximum.reduce(z, axis=-1, keepdims=True)
        return shifted - np.log(np.add.reduce(np.exp(shifted), axis=-1, keepdims=True))

    def backward(self, z, a, grad_a):
        return grad_a - np.exp(a) * np.add.reduce(grad_a, axis=-1, keepdims=True)


SIGMOID = Sigmoid()


_REGISTRY: dict[str, type[ActivationFunction]] = {
    cls.name: cls
    for cls in (Linear, Sigmoid, Tanh, ReLU, LeakyReLU, ELU, SELU, GELU, Softplus, Swish, Softmax,
                ReLU6, Exponential, HardSigmoid, HardSiLU, Softsign, CELU, SparsePlus,
                SparseSigmoid, Squareplus, SoftShrink, HardShrink, TanhShrink, HardTanh, Mish,
                LogSigmoid, LogSoftmax)
}
_ALIASES = {"silu": "swish", "leakyrelu": "leaky_relu", "identity": "linear",
            "hard_swish": "hard_silu"}


def names() -> list[str]:
    """The valid activation names."""
    return sorted(_REGISTRY)


def get(identifier: str | dict[str, Any] | ActivationFunction | Any | None) -> ActivationFunction:
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
        builtin = _FUNCTIONS.get(identifier)  # activations.gelu & co. with their defaults
        return get(builtin) if builtin is not None else FunctionActivation(identifier)
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


def serialize(activation: ActivationFunction | Any) -> str | dict[str, Any]:
    """A plain name when the activation has its default settings (as Keras writes an
    activation), else ``{class_name, config}``; a function form such as
    ``activations.gelu`` is serialized by its name."""
    if not isinstance(activation, ActivationFunction):
        activation = get(activation)
    config = activation.get_config()
    if not config or config == _default_config(type(activation)):
        return activation.name
    return {"class_name": activation.name, "config": config}


def _default_config(cls: type[ActivationFunction]) -> dict[str, Any] | None:
    try:
        return cls().get_config()
    except TypeError:  # a class that needs arguments has no defaults to compare with
        return None


def deserialize(config: str | dict[str, Any], custom_objects: dict[str, Any] | None = None
                ) -> ActivationFunction:
    """The activation a name or :func:`serialize`'s dict stands for.

    Parameters
    ----------
    config : str or dict
        ``"relu"``, or ``{"class_name": "leaky_relu", "config": {"alpha": 0.1}}``.
    custom_objects : dict, optional
        ``{"name": function}`` for user activations saved by name.
    """
    if isinstance(config, str) and custom_objects and config in custom_objects:
        return get(custom_objects[config])
    if not isinstance(config, (str, dict)):
        raise TypeError(f"`config` must be a name or a dict, got {type(config).__name__}.")
    return get(config)


# -- Keras's function forms: activations.relu(x), activations.gelu(x) ... -------------------
# Each works on plain arrays and on traced arrays (a custom layer's ``call`` gets gradients).
def linear(x: Any) -> Any:
    """``x`` itself."""
    return x


def sigmoid(x: Any) -> Any:
    """``1 / (1 + exp(-x))``."""
    return Sigmoid()(x)


def tanh(x: Any) -> Any:
    """``tanh(x)``."""
    return Tanh()(x)


def relu(x: Any, negative_slope: float = 0.0, max_value: float | None = None,
         threshold: float = 0.0) -> Any:
    """``max(x, 0)``, or with Keras's options: ``x`` for ``threshold < x < max_value``,
    ``max_value`` above it, and ``negative_slope (x - threshold)`` below ``threshold``.

    Parameters
    ----------
    x : array
    negative_slope : float, default 0.0
        Slope below ``threshold``.
    max_value : float, optional
        Saturation value: outputs are at most ``max_value``.
    threshold : float, default 0.0
        Values at or below it are zeroed (or scaled by ``negative_slope``).
    """
    negative_slope = _validate.check_float("relu", "negative_slope", negative_slope)
    threshold = _validate.check_float("relu", "threshold", threshold)
    if max_value is not None:
        max_value = _validate.check_float("relu", "max_value", max_value)
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return ReLU()(x)
    from glassnet import ops

    x = ops.convert_to_tensor(x)
    negative_part: Any = 0.0
    if negative_slope != 0.0:
        if max_value is None and threshold == 0.0:
            return ops.leaky_relu(x, negative_slope=negative_slope)
        negative_part = ops.relu(ops.add(ops.negative(x), threshold))
    if threshold != 0.0:
        out = ops.multiply(x, ops.greater(x, threshold))
    else:
        out = ops.relu(x)
    if max_value is not None:
        out = ops.clip(out, 0.0, max_value)
    if negative_slope != 0.0:
        out = ops.subtract(out, ops.multiply(negative_slope, negative_part))
    return out


def leaky_relu(x: Any, negative_slope: float = 0.2) -> Any:
    """``x`` for ``x > 0`` else ``negative_slope x``."""
    return LeakyReLU(negative_slope)(x)


def relu6(x: Any) -> Any:
    """``min(max(x, 0), 6)``."""
    return ReLU6()(x)


def elu(x: Any, alpha: float = 1.0) -> Any:
    """``x`` for ``x > 0`` else ``alpha (exp(x) - 1)``."""
    return ELU(alpha)(x)


def selu(x: Any) -> Any:
    """``scale * elu(x, alpha)`` with the self-normalising constants."""
    return SELU()(x)


def celu(x: Any, alpha: float = 1.0) -> Any:
    """``x`` for ``x > 0`` else ``alpha (exp(x / alpha) - 1)``."""
    return CELU(alpha)(x)


def gelu(x: Any, approximate: bool = False) -> Any:
    """``x Phi(x)`` (``approximate=True``: the tanh form)."""
    return GELU(approximate)(x)


def silu(x: Any) -> Any:
    """``x sigmoid(x)``."""
    return Swish()(x)


swish = silu


def softplus(x: Any) -> Any:
    """``log(1 + exp(x))``, stable for large ``|x|``."""
    return Softplus()(x)


def softsign(x: Any) -> Any:
    """``x / (1 + |x|)``."""
    return Softsign()(x)


def exponential(x: Any) -> Any:
    """``exp(x)``."""
    return Exponential()(x)


def mish(x: Any) -> Any:
    """``x tanh(softplus(x))``."""
    return Mish()(x)


def hard_sigmoid(x: Any) -> Any:
    """``relu6(x + 3) / 6``."""
    return HardSigmoid()(x)


def hard_silu(x: Any) -> Any:
    """``x relu6(x + 3) / 6``."""
    return HardSiLU()(x)


hard_swish = hard_silu


def hard_tanh(x: Any) -> Any:
    """``clip(x, -1, 1)``."""
    return HardTanh()(x)


def hard_shrink(x: Any, threshold: float = 0.5) -> Any:
    """``x`` where ``|x| > threshold``, else 0."""
    return HardShrink(threshold)(x)


def soft_shrink(x: Any, threshold: float = 0.5) -> Any:
    """``x`` moved ``threshold`` toward 0, and 0 where ``|x| <= threshold``."""
    return SoftShrink(threshold)(x)


def tanh_shrink(x: Any) -> Any:
    """``x - tanh(x)``."""
    return TanhShrink()(x)


def sparse_plus(x: Any) -> Any:
    """0 below -1, ``(x + 1)^2 / 4`` on ``(-1, 1)``, ``x`` above 1."""
    return SparsePlus()(x)


def sparse_sigmoid(x: Any) -> Any:
    """0 below -1, ``(x + 1) / 2`` on ``(-1, 1)``, 1 above 1."""
    return SparseSigmoid()(x)


def squareplus(x: Any, b: float = 4) -> Any:
    """``(x + sqrt(x^2 + b)) / 2``."""
    return Squareplus(b)(x)


def log_sigmoid(x: Any) -> Any:
    """``log(sigmoid(x))``, stable for large ``|x|``."""
    return LogSigmoid()(x)


def threshold(x: Any, threshold: float, default_value: float) -> Any:
    """``x`` where ``x > threshold``, else ``default_value``."""
    from glassnet import ops

    return ops.threshold(x, threshold, default_value)


def softmax(x: Any, axis: int = -1) -> Any:
    """``exp(x) / sum(exp(x))`` along ``axis``."""
    from glassnet import ops
    from glassnet.ops.normalization import _as_float

    return ops.softmax(_as_float(x), axis=axis)


def log_softmax(x: Any, axis: int = -1) -> Any:
    """``x - logsumexp(x)`` along ``axis``."""
    from glassnet import ops
    from glassnet.ops.normalization import _as_float

    return ops.log_softmax(_as_float(x), axis=axis)


def glu(x: Any, axis: int = -1) -> Any:
    """``a * sigmoid(b)`` for ``a, b`` the two halves of ``x`` along ``axis``."""
    from glassnet import ops

    return ops.glu(x, axis=axis)


def sparsemax(x: Any, axis: int = -1) -> Any:
    """The Euclidean projection of ``x`` onto the probability simplex along ``axis``."""
    from glassnet import ops

    return ops.sparsemax(x, axis=axis)



#: The function forms standing for a registered activation with its default settings.
_FUNCTIONS: dict[Any, str] = {
    fn: name for name, fn in (
        ("linear", linear), ("sigmoid", sigmoid), ("tanh", tanh), ("relu", relu),
        ("leaky_relu", leaky_relu), ("relu6", relu6), ("elu", elu), ("selu", selu),
        ("celu", celu), ("gelu", gelu), ("swish", silu), ("softplus", softplus),
        ("softsign", softsign), ("exponential", exponential), ("mish", mish),
        ("hard_sigmoid", hard_sigmoid), ("hard_silu", hard_silu), ("hard_tanh", hard_tanh),
        ("hard_shrink", hard_shrink), ("soft_shrink", soft_shrink),
        ("tanh_shrink", tanh_shrink), ("sparse_plus", sparse_plus),
        ("sparse_sigmoid", sparse_sigmoid), ("squareplus", squareplus),
        ("log_sigmoid", log_sigmoid), ("softmax", softmax), ("log_softmax", log_softmax),
    )
}
