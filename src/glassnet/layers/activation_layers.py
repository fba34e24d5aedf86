"""Activation functions as layers with arguments: ReLU, LeakyReLU, PReLU, ELU, Softmax.

Keras offers these beside ``Activation('relu')`` because each has a knob (a ceiling, a slope,
a learned slope, an axis). Each layer here writes its derivative beside its forward formula.
"""

from __future__ import annotations

import math
from typing import Any, overload

import numpy as np

from glassnet import activations, initializers
from glassnet.layers.activation import _FunctionLayer
from glassnet.layers.base import Layer


@overload
def _number(owner: str, arg: str, value: Any) -> float: ...


@overload
def _number(owner: str, arg: str, value: Any, allow_none: bool) -> float | None: ...


def _number(owner: str, arg: str, value: Any, allow_none: bool = False) -> float | None:
    """``value`` as a float >= 0 (or None when allowed), else a ValueError naming ``arg``."""
    if value is None and allow_none:
        return None
    ok = (isinstance(value, (int, float, np.integer, np.floating))
          and not isinstance(value, bool) and math.isfinite(float(value)) and value >= 0)
    if not ok:
        raise ValueError(
            f"{owner} `{arg}` must be a finite number >= 0{' or None' if allow_none else ''}, "
            f"got {value!r}."
        )
    return float(value)


class ReLU(Layer):
    """Rectified linear unit with a ceiling, a leak and a threshold (Keras's ``ReLU``).

    Parameters
    ----------
    max_value : float >= 0, optional
        Ceiling of the output; ``None`` means no ceiling.
    negative_slope : float >= 0, default 0.0
        Slope below the threshold.
    threshold : float >= 0, default 0.0
        Inputs below it are leaked (or zeroed).

    Notes
    -----
    Elementwise, with ``m = max_value``, ``a = negative_slope``, ``t = threshold``::

        y = m                 if x >= m          dy/dx = 0
        y = x                 if t <= x < m      dy/dx = 1
        y = a (x - t)         if x < t           dy/dx = a
    """

    config_keys = ("max_value", "negative_slope", "threshold")

    def __init__(self, max_value: float | None = None, negative_slope: float = 0.0,
                 threshold: float = 0.0, **base: Any) -> None:
        super().__init__(**base)
        self.max_value = _number("ReLU", "max_value", max_value, allow_none=True)
        self.negative_slope = _number("ReLU", "negative_slope", negative_slope)
        self.threshold = _number("ReLU", "threshold", threshold)

    def forward(self, x, training=False):
        below = x < self.threshold
        y = np.where(below, self.negative_slope * (x - self.threshold), x)
        slope = np.where(below, self.negative_slope, 1.0).astype(x.dtype)
        if self.max_value is not None:
            above = x >= self.max_value
            y = np.where(above, self.max_value, y)
            slope[above] = 0.0
        self._cache = slope
        return y.astype(x.dtype, copy=False)

    def backward(self, grad_y):
        return grad_y * self._cache


class LeakyReLU(Layer):
    """``y = x`` for ``x >= 0`` else ``negative_slope * x`` (Keras's ``LeakyReLU``).

    Parameters
    ----------
    negative_slope : float >= 0, default 0.3
        Keras 3's layer default (the ``leaky_relu`` activation function's is 0.2).
    alpha : float, optional
        Keras 2's name of ``negative_slope``, still accepted.

    Notes
    -----
    ``dy/dx = 1`` for ``x >= 0``, ``negative_slope`` below.
    """

    config_keys = ("negative_slope",)

    def __init__(self, negative_slope: float = 0.3, alpha: float | None = None,
                 **base: Any) -> None:
        super().__init__(**base)
        if alpha is not None:
            negative_slope = alpha
        self.negative_slope = _number("LeakyReLU", "negative_slope", negative_slope)

    def forward(self, x, training=False):
        slope = np.where(x >= 0, 1.0, self.negative_slope).astype(x.dtype)  # dy/dx
        self._cache = slope
        return x * slope

    def backward(self, grad_y):
        return grad_y * self._cache


class PReLU(Layer):
    """Leaky ReLU whose slope ``alpha`` is learned, one per feature (Keras's ``PReLU``).

    Parameters
    ----------
    alpha_initializer : str or initializer, default 'zeros'
    alpha_regularizer : str or regularizer, optional
    alpha_constraint : None
        Accepted for Keras compatibility; constraints are not supported.
    shared_axes : int or list of int, optional
        Axes (counted with the batch axis as 0, as in Keras) along which one slope is shared;
        ``shared_axes=[1, 2]`` gives one slope per channel of ``(batch, h, w, c)`` images.

    Notes
    -----
    ``alpha`` has the shape of one sample with the shared axes set to 1::

        y = x                 if x >= 0          dL/dx = dL/dy
        y = alpha * x         if x < 0           dL/dx = alpha * dL/dy
        dL/dalpha = sum over the batch and the shared axes of dL/dy * min(x, 0)
    """

    def __init__(self, alpha_initializer: Any = "zeros", alpha_regularizer: Any = None,
                 alpha_constraint: Any = None, shared_axes: int | list[int] | None = None,
                 **base: Any) -> None:
        super().__init__(**base)
        if alpha_constraint is not None:
            raise NotImplementedError("PReLU `alpha_constraint` is not supported; pass None.")
        initializers.get(alpha_initializer)  # a bad name fails here, not at build time
        self.alpha_initializer = alpha_initializer
        self.alpha_regularizer = alpha_regularizer
        self.alpha_constraint = None
        if shared_axes is None:
            axes: list[int] = []
        elif isinstance(shared_axes, (int, np.integer)) and not isinstance(shared_axes, bool):
            axes = [int(shared_axes)]
        elif isinstance(shared_axes, (list, tuple)):
            axes = list(shared_axes)
        else:
            axes = [shared_axes]  # type: ignore[list-item]  # rejected just below
        if not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) and a >= 1
                   for a in axes):
            raise ValueError(
                f"PReLU `shared_axes` must be None, an int or a list of ints >= 1 (axis 0 is "
                f"the batch), got {shared_axes!r}."
            )
        self.shared_axes = None if shared_axes is None else [int(a) for a in axes]

    def _alpha_shape(self, input_shape: tuple[Any, ...]) -> tuple[int, ...]:
        shape = list(input_shape)
        for a in self.shared_axes or []:
            if a > len(shape):
                raise ValueError(
                    f"PReLU '{self.name}' `shared_axes` {self.shared_axes} is out of range for "
                    f"inputs of shape {(None,) + tuple(input_shape)}."
                )
            shape[a - 1] = 1
        if any(d is None for d in shape):
            raise ValueError(
                f"PReLU '{self.name}' needs every non-shared axis known, got inputs of shape "
                f"{(None,) + tuple(input_shape)}; share the unknown axes with `shared_axes`."
            )
        return tuple(int(d) for d in shape)

    def build(self, input_shape, rng=None):
        super().build(input_shape, rng)
        self.add_param("alpha", self._alpha_shape(tuple(input_shape)), self.alpha_initializer,
                       rng, self.alpha_regularizer)

    def forward(self, x, training=False):
        neg = np.minimum(x, 0)  # (batch, ...)
        self._cache = (x < 0, neg)
        return np.maximum(x, 0) + self.params["alpha"] * neg  # alpha broadcasts

    def backward(self, grad_y):
        negative, neg = self._cache
        alpha = self.params["alpha"]
        # Sum over the batch axis and every axis where alpha was broadcast (size 1).
        axes = (0,) + tuple(i + 1 for i, d in enumerate(alpha.shape) if d == 1)
        self.grads["alpha"][...] = np.sum(grad_y * neg, axis=axes).reshape(alpha.shape)
        return np.where(negative, grad_y * alpha, grad_y)

    def get_config(self):
        from glassnet import regularizers

        config = super().get_config()
        config.update(
            alpha_initializer=initializers.serialize(initializers.get(self.alpha_initializer)),
            alpha_regularizer=None if self.alpha_regularizer is None else
            regularizers.serialize(regularizers.get(self.alpha_regularizer)),
            alpha_constraint=None,
            shared_axes=self.shared_axes,
        )
        return config


class ELU(_FunctionLayer):
    """Exponential linear unit (Keras's ``ELU`` layer).

    Parameters
    ----------
    alpha : float, default 1.0
        Scale of the negative part; NaN is rejected.

    Notes
    -----
    Uses :class:`glassnet.activations.ELU` (the formula and its derivative live there)::

        y = x                      if x > 0       dy/dx = 1
        y = alpha (exp(x) - 1)     otherwise      dy/dx = y + alpha
    """

    config_keys = ("alpha",)

    def __init__(self, alpha: float = 1.0, **base: Any) -> None:
        super().__init__(**base)
        if (isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.integer, np.floating))
                or math.isnan(float(alpha))):
            raise ValueError(f"ELU `alpha` must be a number (not NaN), got {alpha!r}.")
        self.alpha = float(alpha)
        self._fn = activations.ELU(self.alpha)


class Softmax(Layer):
    """Softmax along ``axis`` (Keras's ``Softmax`` layer).

    Parameters
    ----------
    axis : int or tuple of int, default -1
        Axis (or axes) normalised; counted with the batch axis, as in Keras.

    Notes
    -----
    With ``s = exp(x - max x) / sum exp(x - max x)`` over ``axis``, the Jacobian-vector
    product is ``dL/dx = s * (dL/ds - sum(dL/ds * s))``, the sum over ``axis``. On the last
    axis the layer exposes ``activation = softmax``, so a model compiled with categorical
    cross-entropy fuses the two (the loss hands ``dL/dx = s - y`` straight to
    :meth:`backward_preactivation`), exactly as ``Dense(..., activation='softmax')``.
    """

    def __init__(self, axis: int | tuple[int, ...] = -1, **base: Any) -> None:
        super().__init__(**base)
        axes = axis if isinstance(axis, (tuple, list)) else (axis,)
        if not axes or not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool)
                               for a in axes):
            raise ValueError(f"Softmax `axis` must be an int or a tuple of ints, got {axis!r}.")
        self.axis: int | tuple[int, ...] = (
            tuple(int(a) for a in axes) if isinstance(axis, (tuple, list)) else int(axis))
        if self.axis == -1:
            self.activation = activations.get("softmax")

    def forward(self, x, training=False):
        axis = self.axis
        e = np.exp(x - np.max(x, axis=axis, keepdims=True))
        s = e / np.sum(e, axis=axis, keepdims=True)
        self._cache = s
        return s

    def backward(self, grad_y):
        s = self._cache
        return s * (grad_y - np.sum(grad_y * s, axis=self.axis, keepdims=True))

    def backward_preactivation(self, grad_z):
        """The loss already produced ``dL/dx`` through this softmax (fused with cross-entropy)."""
        return grad_z

    def get_config(self):
        config = super().get_config()
        config["axis"] = list(self.axis) if isinstance(self.axis, tuple) else self.axis
        return config
