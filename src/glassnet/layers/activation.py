"""Activation: a layer that applies one activation function elementwise."""

from __future__ import annotations

from typing import Any

from glassnet import activations
from glassnet.layers.base import Layer


class _FunctionLayer(Layer):
    """A layer that applies an activation function object ``self._fn`` (set by the subclass)
    and reuses its derivative: ``y = f(x)``, ``dL/dx = f'(x) * dL/dy`` from the cached input
    and output."""

    _fn: activations.ActivationFunction

    def __init__(self, **base: Any) -> None:
        # A signature of its own: the .keras reader collects the constructor arguments of
        # every class up to Layer, and this base adds none.
        super().__init__(**base)

    def forward(self, x, training=False):
        y = self._fn.forward(x)
        self._cache = (x, y)
        return y

    def backward(self, grad_y):
        x, y = self._cache
        return self._fn.backward(x, y, grad_y)


class Activation(_FunctionLayer):
    """``y = f(x)`` for an activation ``f`` given by name (``'relu'``) or instance.

    Backward: ``dL/dx = f'(x) * dL/dy``, computed by the activation itself from the cached
    input and output (see :mod:`glassnet.activations`).
    """

    def __init__(self, activation: Any, **base: Any) -> None:
        super().__init__(**base)
        self._fn = activations.get(activation)

    @property
    def activation(self) -> activations.ActivationFunction:
        """The activation function object (``activations.get`` of the argument)."""
        return self._fn

    @activation.setter
    def activation(self, value: Any) -> None:
        self._fn = activations.get(value)

    def backward_preactivation(self, grad_z):
        """The loss already produced ``dL/dx`` through this activation (fused softmax + CE)."""
        return grad_z

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config
