"""What Dense and the convolutions share: a kernel, an optional bias and an activation.

Their constructors differ (units, filters, windows) and validate their own arguments; the
activation, the bias switch, the initializers and the regularizers are set, built and written
to the config here, once.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import _validate, activations, initializers, regularizers
from glassnet.layers.base import Layer


def serialize_regularizer(identifier: Any) -> Any:
    """``None``, or the ``{"class_name": ..., "config": ...}`` form of a regularizer."""
    from glassnet import regularizers

    return None if identifier is None else regularizers.serialize(regularizers.get(identifier))


def serialize_initializer(identifier: Any) -> Any:
    """The ``{"class_name": ..., "config": ...}`` form of an initializer (a plain function
    raises: its code cannot be saved)."""
    from glassnet import initializers

    return initializers.serialize(initializers.get(identifier))


class _KernelLayer(Layer):
    """A layer computing ``f(x * kernel + bias)``: Dense, Conv1D, Conv2D, Conv2DTranspose."""

    activation: activations.ActivationFunction
    use_bias: bool
    kernel_initializer: Any
    bias_initializer: Any
    kernel_regularizer: Any
    bias_regularizer: Any

    def __init__(self, **base: Any) -> None:
        # A signature of its own: the .keras reader collects the constructor arguments of
        # every class up to Layer, and this base adds none.
        super().__init__(**base)

    def _set_weights_config(
        self,
        activation: Any,
        use_bias: bool,
        kernel_initializer: Any,
        bias_initializer: Any,
        kernel_regularizer: Any,
        bias_regularizer: Any,
    ) -> None:
        """Store the constructor's weight arguments (the activation resolved by name; the
        initializer and regularizer names checked now, so a bad name fails here, not at
        build time)."""
        self.activation: activations.ActivationFunction = activations.get(activation)
        self.use_bias = _validate.check_bool(type(self).__name__, "use_bias", use_bias)
        for value in (kernel_initializer, bias_initializer):
            initializers.get(value)
        for value in (kernel_regularizer, bias_regularizer):
            regularizers.get(value)
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer = kernel_regularizer
        self.bias_regularizer = bias_regularizer
        #: The model clears this on its first layer: no one needs dL/dx there.
        self.input_grad_needed = True

    def _add_kernel_and_bias(self, kernel_shape: tuple[int, ...], units: int,
                             rng: np.random.Generator) -> None:
        """At build: ``params["kernel"]`` of ``kernel_shape`` and, with ``use_bias``,
        ``params["bias"]`` of shape ``(units,)``."""
        self.add_param("kernel", kernel_shape, self.kernel_initializer, rng,
                       self.kernel_regularizer)
        if self.use_bias:
            self.add_param("bias", (units,), self.bias_initializer, rng, self.bias_regularizer)

    def _weights_config(self) -> dict[str, Any]:
        """The config entries of the weight arguments, as Keras writes them."""
        return {
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": serialize_initializer(self.kernel_initializer),
            "bias_initializer": serialize_initializer(self.bias_initializer),
            "kernel_regularizer": serialize_regularizer(self.kernel_regularizer),
            "bias_regularizer": serialize_regularizer(self.bias_regularizer),
        }
