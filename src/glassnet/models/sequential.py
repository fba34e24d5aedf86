"""Sequential: a plain stack of layers, each feeding the next (Keras's ``Sequential``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from glassnet.layers.base import Layer, _snake
from glassnet.layers.input import InputLayer
from glassnet.models.model import Model


class Sequential(Model):
    """A linear stack of layers.

    Parameters
    ----------
    layers : list of Layer, optional
        Added in order, as by :meth:`add`.
    name : str, optional
    seed : int, optional
        Seeds initialisation, shuffling and dropout (three independent streams).
    dtype : str, default 'float32'

    Examples
    --------
    >>> model = Sequential([Dense(30, input_dim=784), Activation('relu'), Dense(10)])
    """

    default_name = "sequential"

    def __init__(self, layers: Sequence[Layer] | None = None, name: str | None = None,
                 seed: int | None = None, dtype: str = "float32") -> None:
        super().__init__(name=name, seed=seed, dtype=dtype)
        self._layers: list[Layer] = []
        self._input_shape: tuple[int, ...] | None = None
        self._first_trainable = 0
        for layer in layers or []:
            self.add(layer)

    @property
    def layers(self) -> list[Layer]:
        return list(self._layers)

    def add(self, layer: Layer) -> None:
        """Append a layer, naming it ``<type>_<k>`` (``dense_1``) unless it has a name.

        The first entry may be ``Input(shape=...)`` (a symbolic tensor) or an ``InputLayer``:
        it only declares the input shape.
        """
        from glassnet.layers.input import SymbolicTensor

        if isinstance(layer, SymbolicTensor):
            if not layer.is_input:
                raise TypeError(
                    "Sequential.add accepts only the tensor of Input(shape=...) as a symbolic "
                    f"entry, got the output of {layer.node.layer.name!r}; build graphs with "
                    "glassnet.models.Model(inputs, outputs)."
                )
            layer = layer.node.layer
        if not isinstance(layer, Layer):
            raise TypeError(
                f"Sequential.add expects a Layer (e.g. Dense(30)), got {type(layer).__name__}."
            )
        if isinstance(layer, InputLayer):
            if self._layers:
                raise ValueError("An Input can only be the first entry of a Sequential model.")
            self._input_shape = layer.input_shape
            return
        if layer.name is None:
            prefix = _snake(type(layer).__name__)
            k = 1 + sum(1 for existing in self._layers
                        if (existing.name or "").rsplit("_", 1)[0] == prefix)
            layer.name = f"{prefix}_{k}"
        if any(existing.name == layer.name for existing in self._layers):
            raise ValueError(f"Layer names must be unique; {layer.name!r} is already in the model.")
        if not self._layers and layer.input_shape is not None:
            self._input_shape = layer.input_shape
        self._layers.append(layer)
        if self.built:  # adding after build: weights are made again on the next build
            self.built = False

    def pop(self) -> Layer:
        if not self._layers:
            raise ValueError("There are no layers to pop.")
        self.built = False
        return self._layers.pop()

    # ------------------------------------------------------------- Model interface
    def _build_layers(self, input_shape, rng):
        if input_shape is None:
            input_shape = self._input_shape
        if input_shape is None:
            raise ValueError(
                "Cannot build the model without an input shape: give the first layer "
                "`input_dim=`/`input_shape=`, start with Input(shape=...), or call fit/predict."
            )
        if not self._layers:
            raise ValueError("Cannot build an empty Sequential model: add layers first.")
        if self._input_shape is not None and tuple(input_shape) != tuple(self._input_shape):
            raise ValueError(
                f"Model '{self.name}' was declared for inputs of shape "
                f"{(None,) + tuple(self._input_shape)}, but received data of shape "
                f"{(None,) + tuple(input_shape)}."
            )
        self._input_shape = tuple(input_shape)
        shape = self._input_shape
        self._shapes = [shape]
        for layer in self._layers:
            if layer.dtype is None:
                layer.dtype = self.dtype
            layer.params, layer.grads, layer.state = {}, {}, {}
            layer.regularizers = {}
            layer.build(shape, rng)
            shape = tuple(layer.output_shape(shape))
            self._shapes.append(shape)
        # Backward stops at the first layer with weights: nothing before it needs gradients.
        self._first_trainable = next(
            (i for i, layer in enumerate(self._layers) if layer.params), len(self._layers))
        for i, layer in enumerate(self._layers):
            if hasattr(layer, "input_grad_needed"):
                layer.input_grad_needed = i != self._first_trainable

    def _forward(self, x, training):
        for layer in self._layers:
            x = layer.forward(x, training=training)
        return x

    def _backward(self, grad, fused):
        layers = self._layers
        end = len(layers)
        if fused:
            end -= 1
            grad = layers[end].backward_preactivation(grad)
        for i in range(end - 1, self._first_trainable - 1, -1):
            grad = layers[i].backward(grad)

    @property
    def input_shape(self):
        if self._input_shape is None:
            raise AttributeError(f"Model '{self.name}' has no input shape yet (not built).")
        return (None,) + tuple(self._input_shape)

    @property
    def output_shape(self):
        if not self.built:
            shape = self.input_shape[1:]
            for layer in self._layers:
                shape = tuple(layer.output_shape(shape))
            return (None,) + shape
        return (None,) + tuple(self._shapes[-1])

    def layer_output_shapes(self) -> list[tuple[int | None, ...]]:
        """``(None, ...)`` output shape of every layer (from the input shape, no data)."""
        shape = self.input_shape[1:]
        out = []
        for layer in self._layers:
            shape = tuple(layer.output_shape(shape))
            out.append((None,) + shape)
        return out

    def get_config(self) -> dict[str, Any]:
        from glassnet.layers.base import serialize_layer

        return {
            "name": self.name,
            "seed": self.seed,
            "dtype": self.dtype.name,
            "input_shape": None if self._input_shape is None else list(self._input_shape),
            "layers": [serialize_layer(layer) for layer in self._layers],
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Sequential:
        from glassnet.layers.base import deserialize_layer

        model = cls(name=config.get("name"), seed=config.get("seed"),
                    dtype=config.get("dtype", "float32"))
        if config.get("input_shape") is not None:
            model._input_shape = tuple(config["input_shape"])
        for layer_config in config["layers"]:
            model.add(deserialize_layer(layer_config))
        return model


