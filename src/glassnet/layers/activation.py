"""Activation: a layer that applies one activation function elementwise."""

from __future__ import annotations

from typing import Any

from glassnet import activations
from glassnet.layers.base import Layer


class Activation(Layer):
    """``y = f(x)`` for an activation ``f`` given by name (``'relu'``) or instance.

    Backward: ``dL/dx = f'(x) * dL/dy``, computed by the activation itself from the cached
    input and output (see :mod:`glassnet.activations`).
    """

    def __init__(self, activation: Any, **base: Any) -> None:
        super().__init__(**base)
        self.activation: activations.ActivationFunction = activations.get(activation)

    def forward(self, x, training=False):
        a = self.activation.forward(x)
        self._cache = (x, a)
        return a

    def backward(self, grad_y):
        x, a = self._cache
        return self.activation.backward(x, a, grad_y)

    def backward_preactivation(self, grad_z):
        """The loss already produced ``dL/dx`` through this activation (fused softmax + CE)."""
        return grad_z

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config
