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


class LayerWeights:
    """The weight attributes of :class:`glassnet.layers.base.Layer` (a mixin: it reads the
    layer's ``params``, ``state``, ``regularizers``, ``trainable`` and graph node)."""

    name: str | None
    trainable: bool
    params: dict[str, np.ndarray]
    state: dict[str, np.ndarray]
    regularizers: dict[str, Any]
    activity_loss: float | None

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

    @property
    def trainable_weights(self) -> list[Any]:
        """The weights an optimizer updates: none when ``trainable`` is False."""
        return [self._variable(k) for k in self.params] if self.trainable else []

    @property
    def non_trainable_weights(self) -> list[Any]:
        """The state (moving statistics), and every parameter when ``trainable`` is False."""
        keys = list(self.state) if self.trainable else list(self.params) + list(self.state)
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
        out = [] if self.activity_loss is None else [self.activity_loss]
        return out + [float(reg(self.params[k])) for k, reg in self.regularizers.items()]

    def __getattr__(self, name: str) -> Any:
        """``layer.kernel``, ``layer.bias``, ``layer.gamma``, ``layer.moving_mean`` ...: the
        weight of that name as a Variable, as Keras's layers expose them."""
        d = self.__dict__
        if not name.startswith("_") and (name in d.get("params", ()) or name in d.get("state", ())):
            return self._variable(name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

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
                return self.key in self.layer.params and bool(self.layer.trainable)

            @trainable.setter
            def trainable(self, value: bool) -> None:
                """Set through the layer (``layer.trainable``); the flag here follows it."""

            @property
            def value(self) -> np.ndarray:
                store = self.layer.params if self.key in self.layer.params else self.layer.state
                return store[self.key]

        _WEIGHT.append(LayerWeight)
    return _WEIGHT[0]
