"""What Dense, the convolutions and the recurrent layers share: weights, an optional bias and
an activation.

Their constructors differ (units, filters, windows) and validate their own arguments; the
activation, the bias switch, the initializers and the regularizers are set, built and written
to the config here, once.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from glassnet import _validate, activations, constraints, initializers, regularizers
from glassnet.layers.base import Layer


def serialize_regularizer(identifier: Any) -> Any:
    """``None``, or the ``{"class_name": ..., "config": ...}`` form of a regularizer."""
    return None if identifier is None else regularizers.serialize(regularizers.get(identifier))


def serialize_constraint(identifier: Any) -> Any:
    """``None``, or the ``{"class_name": ..., "config": ...}`` form of a constraint."""
    return None if identifier is None else constraints.serialize(constraints.get(identifier))


def serialize_initializer(identifier: Any) -> Any:
    """The ``{"class_name": ..., "config": ...}`` form of an initializer (a plain function
    raises: its code cannot be saved)."""
    return initializers.serialize(initializers.get(identifier))


class WeightedLayer(Protocol):
    """What the two functions below read and write on a layer."""

    activation: activations.ActivationFunction
    use_bias: bool


def set_weight_arguments(layer: WeightedLayer, activation: Any, use_bias: bool, **identifiers: Any) -> None:
    """Store a constructor's weight arguments on ``layer``: the activation resolved by name,
    ``use_bias`` checked, and each ``<weight>_initializer`` / ``<weight>_regularizer`` as given
    once its name is checked (so a bad name fails here, not at build time)."""
    layer.activation = activations.get(activation)
    layer.use_bias = _validate.check_bool(type(layer).__name__, "use_bias", use_bias)
    for arg, value in identifiers.items():
        (initializers if arg.endswith("_initializer") else regularizers).get(value)
        setattr(layer, arg, value)


def weight_arguments_config(layer: WeightedLayer, weights: tuple[str, ...]) -> dict[str, Any]:
    """The config entries of the weight arguments, as Keras writes them: ``activation``,
    ``use_bias``, then the initializer, after them the regularizer and (for layers that take
    them) the constraint of each of ``weights`` (e.g. ``("kernel", "bias")``)."""
    config: dict[str, Any] = {"activation": activations.serialize(layer.activation),
                              "use_bias": layer.use_bias}
    for kind, serialize in (("initializer", serialize_initializer),
                            ("regularizer", serialize_regularizer),
                            ("constraint", serialize_constraint)):
        config.update((f"{w}_{kind}", serialize(getattr(layer, f"{w}_{kind}"))) for w in weights
                      if kind != "constraint" or hasattr(layer, f"{w}_constraint"))
    return config


class _KernelLayer(Layer):
    """A layer computing ``f(x * kernel + bias)``: Dense, EinsumDense, the convolutions.

    Each subclass takes its own arguments, ``activation`` and ``use_bias`` and passes its
    ``**kwargs`` on here: the weight arguments below, then the base layer's (``name``,
    ``trainable``, ``dtype``, ``input_shape``, ``activity_regularizer`` ...). An unknown
    keyword raises the base layer's TypeError.

    Parameters
    ----------
    kernel_initializer : str or initializer, default 'glorot_uniform'
        Of ``kernel`` (see :mod:`glassnet.initializers`).
    bias_initializer : str or initializer, default 'zeros'
        Of ``bias``.
    kernel_regularizer, bias_regularizer : str or regularizer, optional
        Penalties on the weights, added to the loss (see :mod:`glassnet.regularizers`).
    kernel_constraint, bias_constraint : str or constraint, optional
        Projections of the weights after each optimizer update (see
        :mod:`glassnet.constraints`).
    **base
        The base layer's arguments.

    Notes
    -----
    The initializer and regularizer names are checked with ``activation`` and ``use_bias``,
    by :meth:`_set_weights_config`, once the subclass has checked its own arguments. The .keras
    reader collects the accepted arguments from this signature with the subclass's own.
    """

    activation: activations.ActivationFunction
    use_bias: bool
    kernel_initializer: Any
    bias_initializer: Any
    kernel_regularizer: Any
    bias_regularizer: Any

    def __init__(self, *, kernel_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None,
                 bias_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, **base: Any) -> None:
        super().__init__(**base)
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer = kernel_regularizer
        self.bias_regularizer = bias_regularizer
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def _set_weights_config(self, activation: Any, use_bias: bool) -> None:
        """Store ``activation`` and ``use_bias`` and check the initializers and regularizers
        given to :meth:`__init__` (see :func:`set_weight_arguments`)."""
        set_weight_arguments(self, activation, use_bias,
                             kernel_initializer=self.kernel_initializer,
                             bias_initializer=self.bias_initializer,
                             kernel_regularizer=self.kernel_regularizer,
                             bias_regularizer=self.bias_regularizer)
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
        self.weight_constraints = {key: c for key, c in (("kernel", self.kernel_constraint),
                                                         ("bias", self.bias_constraint))
                                   if c is not None and key in self.params}

    def get_config(self) -> dict[str, Any]:
        """The layer's own arguments (:attr:`config_keys`), then the weight arguments, as Keras
        writes them."""
        config = super().get_config()
        config.update(weight_arguments_config(self, ("kernel", "bias")))
        return config
