"""A model's weights as Keras exposes them: ``weights``, ``trainable_weights``,
``non_trainable_weights``, ``trainable``, ``losses``, ``count_params``, ``get_weights`` and
``set_weights``.

Each weight is a :class:`~glassnet.ops.variable.Variable` naming its layer's array
(``.numpy()``, ``.shape``, ``.name``, ``.assign``; ``np.asarray(w)`` is the live array), so
``[w.shape for w in model.weights]`` and ``len(model.trainable_weights)`` read as in Keras.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from glassnet.layers.base import Layer


class ModelWeights:
    """The weight attributes of :class:`glassnet.models.model.Model` (a mixin: it reads
    ``layers``, ``built``, ``name`` and ``_build_if_declared`` of the model)."""

    name: str
    built: bool

    @property
    def layers(self) -> list[Layer]:
        raise NotImplementedError

    def _build_if_declared(self) -> None:
        raise NotImplementedError

    def _require_built(self, what: str) -> None:
        if not self.built:
            raise ValueError(
                f"You tried to call `{what}` on layer '{self.name}', but the layer isn't "
                "built. You can build it manually via: `layer.build(input_shape)`."
            )

    @property
    def trainable(self) -> bool:
        """Setting it sets every layer's ``trainable`` (``fit`` then leaves frozen weights as
        they are, as Keras)."""
        return bool(self.__dict__.get("_trainable", True))

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        for layer in self.layers:
            layer.trainable = bool(value)

    @property
    def weights(self) -> list[Any]:
        """Every weight, layer by layer, as Variables (``.numpy()``, ``.shape``, ``.assign``)."""
        return [w for layer in self.layers for w in layer.weights]

    @property
    def trainable_weights(self) -> list[Any]:
        """The weights ``fit`` updates (trainable layers' parameters), in layer order; each
        a Variable, ``np.asarray(w)`` the live array."""
        return [w for layer in self.layers for w in layer.trainable_weights]

    @property
    def non_trainable_weights(self) -> list[Any]:
        return [w for layer in self.layers for w in layer.non_trainable_weights]

    variables = weights
    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    def add_loss(self, loss: Any) -> None:
        """Add ``loss`` (a scalar computed with ops in a subclassed model's ``call``) to the
        training loss, as Keras's ``Model.add_loss``."""
        from glassnet.ops.layer_autodiff import add_loss

        add_loss(self, loss)

    @property
    def losses(self) -> list[float]:
        """Keras's ``model.losses``: the activity penalties of the last forward pass, then
        every weight penalty."""
        activity = list(self.__dict__.get("_added_losses", ()))  # the model's own add_loss
        activity += [term for layer in self.layers
                     for term in layer.__dict__.get("_added_losses", ())]
        activity += [layer.activity_loss for layer in self.layers
                     if layer.activity_loss is not None]
        weights = [float(reg(layer.params[k])) for layer in self.layers
                   for k, reg in layer.regularizers.items()]
        return activity + weights

    def count_params(self) -> int:
        """Every weight's entries, non-trainable ones included (as Keras counts).

        Raises
        ------
        ValueError
            When the model is not built (no input shape known yet), as Keras.
        """
        self._require_built("count_params")
        return int(sum(layer.count_params() + layer.count_state() for layer in self.layers))

    def get_weights(self) -> list[np.ndarray]:
        """Copies of every weight array, layer by layer (``[]`` before the model is built)."""
        return [w for layer in self.layers for w in layer.get_weights()]

    def set_weights(self, weights: Sequence[np.ndarray]) -> None:
        """Set every layer's weights (in :meth:`get_weights` order); all-or-nothing."""
        weights = list(weights)
        if not self.built and not weights:
            return  # nothing to set, as Keras
        if not self.built:
            self._build_if_declared()
        expected = sum(len(layer.params) + len(layer.state) for layer in self.layers)
        if len(weights) != expected:
            raise ValueError(
                f"Model '{self.name}' has {expected} weight arrays, got a list of {len(weights)}."
            )
        # Check every shape before writing anything, so a bad list changes nothing.
        i = 0
        for layer in self.layers:
            for key, target in list(layer.params.items()) + list(layer.state.items()):
                if np.shape(weights[i]) != target.shape:
                    raise ValueError(
                        f"Layer '{layer.name}' weight `{key}` has shape {target.shape}, "
                        f"got an array of shape {np.shape(weights[i])} (position {i})."
                    )
                i += 1
        i = 0
        for layer in self.layers:
            n = len(layer.params) + len(layer.state)
            layer.set_weights(weights[i:i + n])
            i += n
