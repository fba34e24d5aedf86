"""A model used as a layer: ``y = encoder(x)`` inside another model (Keras's nested models).

Calling a built-from-tensors :class:`~glassnet.models.Model` on symbolic tensors, or adding a
model to a :class:`~glassnet.models.Sequential`, places a :class:`ModelLayer` in the outer
graph. It runs the inner model's graph with the same walker, forward and backward (its input
gradient on, since layers before it may have weights), and shows the inner layers' weights
as its own (``'<i>/<key>'``, ``i`` the inner layer's position), so the outer model's flat
parameter vector and optimizer reach them. Calling the same model twice shares its weights,
as any shared layer (:mod:`glassnet.layers.graph`). Attributes it does not have (``layers``,
``summary``, ``predict`` ...) are the inner model's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet.layers.base import Layer, Shape
from glassnet.layers.graph import restore_call, save_call
from glassnet.layers.residual import _Linked

if TYPE_CHECKING:
    from glassnet.models.model import Model


class ModelLayer(Layer):
    """The layer that runs ``model`` inside another model (see the module notes).

    Parameters
    ----------
    model : Model
        A functional model or a Sequential with one output.
    """

    def __init__(self, model: Model) -> None:
        super().__init__(name=model.name)
        self.model = model
        inputs = _inputs_of(model)
        self.multi_input = len(inputs) > 1
        # The inner model's declared input is this layer's: a Sequential starting with it
        # is built at once (Keras's ``Sequential([base_model, Dense(5)])``).
        if inputs[0] is None:
            self.input_shape = model.__dict__.get("_input_shape")
        elif len(inputs) == 1:
            self.input_shape = tuple(inputs[0].sample_shape)
        self.stochastic = any(layer.stochastic for layer in model.layers)
        self._shared_rng: np.random.Generator | None = None

    @property  # type: ignore[override]  # the inner model's flag, not a copy
    def trainable(self) -> bool:
        """The inner model's ``trainable``; setting it sets the model's (and so every inner
        layer's), as Keras's ``base_model.trainable = False``."""
        model = self.__dict__.get("model")
        return True if model is None else bool(model.trainable)

    @trainable.setter
    def trainable(self, value: bool) -> None:
        model = self.__dict__.get("model")
        if model is not None:  # (Layer.__init__ sets it before the model is known)
            model.trainable = value

    def trainable_params(self) -> list[str]:
        """``'<i>/<key>'`` of the trainable inner layers' weights (none when the model is
        frozen): a model frozen but for its top layers trains those."""
        if not self.trainable:
            return []
        return [f"{i}/{k}" for i, layer in enumerate(self.model.layers)
                for k in layer.trainable_params()]

    def __getattr__(self, name: str) -> Any:
        # Only called for attributes this layer lacks: the inner model's (layers, summary ...).
        if name.startswith("__") or name == "model":
            raise AttributeError(name)
        return getattr(self.__dict__["model"], name)

    def build(self, input_shape: Any,  # type: ignore[override]  # a list for several inputs
              rng: np.random.Generator | None = None) -> None:
        super().build(input_shape, rng)
        model = self.model
        assert self.dtype is not None  # set by Layer.build
        # A model built (or trained) before it is nested keeps its weights.
        model._graph.build(_sample_shape(model, input_shape), rng or np.random.default_rng(),
                           self.dtype, input_grad=True, keep_built=True)
        model.built = True
        inner = model.layers
        self.params = _Linked(inner, "params")
        self.grads = _Linked(inner, "grads")
        self.state = _Linked(inner, "state")
        self.regularizers = {f"{i}/{k}": reg for i, layer in enumerate(inner)
                             for k, reg in layer.regularizers.items()}

    def output_shape(self, input_shape: Any) -> Shape:
        if not _inputs_of(self.model)[0]:  # a Sequential: its layers' shapes, one by one
            shape = tuple(input_shape)
            for layer in self.model.layers:
                shape = tuple(layer.output_shape(shape))
            return shape
        shape = self.model.output_shape
        if isinstance(shape, list):
            raise ValueError(
                f"Model '{self.model.name}' has {len(shape)} outputs; a model used as a layer "
                "must have one output.")
        return tuple(shape[1:])

    def forward(self, x: Any, training: bool = False) -> np.ndarray:
        if self.noise_rng is not None and self.noise_rng is not self._shared_rng:
            for layer in self.model.layers:  # the inner unseeded dropout layers share its stream
                if layer.stochastic and layer.seed is None:
                    layer.noise_rng = self.noise_rng
            self._shared_rng = self.noise_rng
        return self.model._graph.forward(x, training)

    def backward(self, grad_y: np.ndarray) -> Any:
        g = self.model._graph.backward(grad_y)
        return g if self.input_grad_needed else None

    def save_call_state(self) -> Any:
        """Every inner layer's cache (the model called twice: two calls to keep apart)."""
        return [save_call(layer) for layer in self.model._graph.layers]

    def restore_call_state(self, state: Any) -> None:
        if state is None:
            return
        for layer, cache in zip(self.model._graph.layers, state, strict=True):
            restore_call(layer, cache)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "model": {"class_name": type(self.model).__name__,
                                             "config": self.model.get_config()}}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> ModelLayer:
        from glassnet import models

        inner = config["model"]
        model_cls = getattr(models, inner["class_name"])
        return cls(model_cls.from_config(inner["config"]))


def _inputs_of(model: Model) -> list[Any]:
    try:
        return list(model.inputs)  # type: ignore[attr-defined]  # functional models
    except AttributeError:  # a Sequential: one input
        return [None]


def _sample_shape(model: Model, input_shape: Any) -> Any:
    """The one-sample shape(s) the inner graph builds for."""
    if isinstance(input_shape, list):
        return [tuple(s) for s in input_shape]
    return tuple(input_shape)


def as_layer(model: Model) -> ModelLayer:
    """The one :class:`ModelLayer` of ``model`` (the same each time: calls share weights)."""
    layer = model.__dict__.get("_as_layer")
    if layer is None:
        layer = ModelLayer(model)
        model.__dict__["_as_layer"] = layer
    return layer
