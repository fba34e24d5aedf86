"""A layer's weights as Keras exposes them: ``weights``, ``trainable_weights``,
``non_trainable_weights``, ``losses``, ``layer.kernel``/``layer.bias``/``layer.gamma`` ...,
and the symbolic ``layer.input``/``layer.output``.

Each weight is a :class:`~glassnet.ops.variable.Variable` naming an entry of the layer's
``params`` (trainable arrays) or ``state``; it reads the array on each use, so it follows a
model's flat parameter vector (``.numpy()``, ``.shape``, ``.name``, ``.assign``,
``np.asarray(w)``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from glassnet.layers.input import Node


class WeightAttribute:
    """``layer.kernel``, ``layer.bias``, ``layer.gamma``, ``layer.moving_mean`` ...: the
    built-in layers' weight of that name as a Variable, as Keras's layers expose them.

    A class-level descriptor rather than a ``__getattr__`` on every layer: a class with
    ``__getattr__`` makes each attribute read of its instances take the interpreter's slow
    path, and the training step reads layer attributes thousands of times per epoch. It is
    a non-data descriptor, so an attribute of the same name set on the instance wins (a
    custom layer's ``self.kernel = self.add_weight(...)``).
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, layer: Any, owner: type | None = None) -> Any:
        if layer is None:
            return self
        d = layer.__dict__
        if self.name in d.get("params", ()) or self.name in d.get("state", ()):
            return layer._variable(self.name)
        raise AttributeError(f"{type(layer).__name__!r} object has no attribute {self.name!r}")


class LayerWeights:
    """The weight attributes of :class:`glassnet.layers.base.Layer` (a mixin: it reads the
    layer's ``params``, ``state``, ``regularizers``, ``trainable`` and graph node)."""

    name: str | None
    trainable: bool
    params: dict[str, np.ndarray]
    state: dict[str, np.ndarray]
    regularizers: dict[str, Any]
    activity_loss: float | None

    # The names the built-in layers give their weights (see each layer's ``build``).
    kernel = WeightAttribute()
    bias = WeightAttribute()
    recurrent_kernel = WeightAttribute()
    gamma = WeightAttribute()
    beta = WeightAttribute()
    moving_mean = WeightAttribute()
    moving_variance = WeightAttribute()
    embeddings = WeightAttribute()
    alpha = WeightAttribute()
    mean = WeightAttribute()
    variance = WeightAttribute()
    count = WeightAttribute()
    scale = WeightAttribute()
    concat_score_weight = WeightAttribute()
    query_kernel = WeightAttribute()
    query_bias = WeightAttribute()
    key_kernel = WeightAttribute()
    key_bias = WeightAttribute()
    value_kernel = WeightAttribute()
    value_bias = WeightAttribute()
    output_kernel = WeightAttribute()
    output_bias = WeightAttribute()
    forward_kernel = WeightAttribute()
    forward_recurrent_kernel = WeightAttribute()
    forward_bias = WeightAttribute()
    backward_kernel = WeightAttribute()
    backward_recurrent_kernel = WeightAttribute()
    backward_bias = WeightAttribute()

    def _variable(self, key: str) -> Any:
        """The :class:`~glassnet.ops.variable.Variable` naming ``params``/``state`` ``[key]``."""
        for var in self.__dict__.get("_variables", ()):
            if var.key == key:
                return var
        return _weight_class()(self, key, key in self.params, {})

    @property
    def weights(self) -> list[Any]:
        """Every weight as a Variable (``.numpy()``, ``.shape``, ``.name``, ``.assign``):
        parameters then state, in creation order (Keras's ``layer.weights``)."""
        return [self._variable(k) for k in list(self.params) + list(self.state)]

    def trainable_params(self) -> list[str]:
        """The keys of ``params`` an optimizer updates: all of them, none when ``trainable``
        is False (a model used as a layer answers per inner layer)."""
        return list(self.params) if self.trainable else []

    @property
    def trainable_weights(self) -> list[Any]:
        """The weights an optimizer updates: none when ``trainable`` is False."""
        return [self._variable(k) for k in self.trainable_params()]

    @property
    def non_trainable_weights(self) -> list[Any]:
        """The state (moving statistics), and every parameter when ``trainable`` is False."""
        trained = set(self.trainable_params())
        keys = [k for k in self.params if k not in trained] + list(self.state)
        return [self._variable(k) for k in keys]

    @property
    def variables(self) -> list[Any]:
        return self.weights

    @property
    def trainable_variables(self) -> list[Any]:
        return self.trainable_weights

    @property
    def non_trainable_variables(self) -> list[Any]:
        return self.non_trainable_weights

    @property
    def losses(self) -> list[float]:
        """The regularisation penalties: the outputs' of the last forward pass, then each
        weight's (Keras's ``layer.losses``)."""
        out = list(self.__dict__.get("_added_losses", ()))  # add_loss, in `call`
        out += [] if self.activity_loss is None else [self.activity_loss]
        return out + [float(reg(self.params[k])) for k, reg in self.regularizers.items()]

    def _graph_node(self, what: str) -> Node:
        node = self.__dict__.get("_node") or self.__dict__.get("_chain_node")
        if node is None:
            raise AttributeError(
                f"Layer '{self.name}' has never been called on a symbolic tensor, so it has no "
                f"defined {what}; build a model with a known input shape first."
            )
        return node

    @property
    def input(self) -> Any:
        """The symbolic tensor this layer was called on (Keras's ``layer.input``)."""
        node = self._graph_node("input")
        inputs = node.inputs
        if not inputs:  # an InputLayer: its tensor is both
            return node.output
        return inputs[0] if len(inputs) == 1 else list(inputs)

    @property
    def output(self) -> Any:
        """The symbolic tensor this layer produced (Keras's ``layer.output``)."""
        return self._graph_node("output").output


_WEIGHT: list[type] = []


def _weight_class() -> type:
    """A Variable for a built-in layer's weight: ``trainable`` follows the layer's flag, as a
    Keras variable of a frozen layer reads False."""
    if not _WEIGHT:
        from glassnet.ops.variable import Variable

        class LayerWeight(Variable):
            @property  # type: ignore[override]
            def trainable(self) -> bool:
                return self.key in self.layer.trainable_params()

            @trainable.setter
            def trainable(self, value: bool) -> None:
                """Set through the layer (``layer.trainable``); the flag here follows it."""

            @property
            def value(self) -> np.ndarray:
                store = self.layer.params if self.key in self.layer.params else self.layer.state
                return store[self.key]

        _WEIGHT.append(LayerWeight)
    return _WEIGHT[0]
