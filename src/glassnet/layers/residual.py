"""Residual: ``y = x + f(x)`` for a stack of layers ``f``, usable inside a Sequential model.

The functional API writes the same block as ``Add()([x, f(x)])`` over a graph; this wrapper
packs it into one layer so a plain list of layers can hold a ResNet::

    Sequential([Input(shape=(64,)),
                *[Residual([Dense(64, activation="relu"), Dense(64)]) for _ in range(10)],
                Dense(10, activation="softmax")])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from glassnet.layers.base import Layer, Shape, deserialize_layer, serialize_layer
from glassnet.layers.graph import Graph


class _Linked(dict):
    """``{'<i>/<key>': array}`` over the block's layers; setting an entry rebinds it in the
    layer too, so a model that swaps the arrays for views into its flat buffer reaches both."""

    def __init__(self, block: list[Layer], attr: str) -> None:
        super().__init__()
        self._block, self._attr = block, attr
        for i, layer in enumerate(block):
            for key, value in getattr(layer, attr).items():
                super().__setitem__(f"{i}/{key}", value)

    def __setitem__(self, name: str, value: np.ndarray) -> None:
        super().__setitem__(name, value)
        i, key = name.split("/", 1)
        getattr(self._block[int(i)], self._attr)[key] = value


class Residual(Layer):
    """``y = x + f(x)`` where ``f`` applies ``layers`` in turn and keeps the shape.

    Parameters
    ----------
    layers : sequence of Layer
        The residual branch, e.g. ``[Dense(64, activation='relu'), Dense(64)]``; single-input
        layers whose stacked output shape equals the input shape.

    Notes
    -----
    Shapes: ``x`` and ``y`` (batch, ...), equal::

        y = x + f(x)                       forward
        dL/dx = dL/dy + (df/dx)^T dL/dy    the skip passes dL/dy through unchanged; the
                                           branch's layers backpropagate it, last to first

    The branch's parameters appear here as ``'<i>/<key>'`` (``'0/kernel'``), ``i`` the
    position in ``layers``.
    """

    def __init__(self, layers: Sequence[Layer], **base: Any) -> None:
        super().__init__(**base)
        if isinstance(layers, Layer) or not isinstance(layers, Sequence) or not layers:
            raise ValueError(
                f"Residual `layers` must be a non-empty list of layers, got {layers!r}."
            )
        for layer in layers:
            if not isinstance(layer, Layer) or layer.multi_input:
                raise TypeError(
                    "Residual `layers` must be single-input layers (Dense, Activation ...), "
                    f"got {type(layer).__name__}."
                )
        self.block = list(layers)
        self.branch: Graph = Graph.chain(self.block)  # the same walker as every model
        self.stochastic = any(layer.stochastic for layer in self.block)
        self._shared_rng: np.random.Generator | None = None

    def build(self, input_shape: tuple[int, ...], rng: np.random.Generator | None = None) -> None:
        super().build(input_shape, rng)
        assert self.dtype is not None  # set by Layer.build
        # The skip needs the branch's dL/dx: the branch is built with its input gradient on.
        shape = self.branch.build(input_shape, rng, self.dtype, input_grad=True)[-1]
        if shape != tuple(input_shape):
            raise ValueError(
                f"Residual '{self.name}' needs its branch to keep the shape for the skip "
                f"connection: it maps {(None,) + tuple(input_shape)} to {(None,) + shape}."
            )
        self.params = _Linked(self.block, "params")
        self.grads = _Linked(self.block, "grads")
        self.state = _Linked(self.block, "state")
        self.regularizers = {f"{i}/{k}": reg for i, layer in enumerate(self.block)
                             for k, reg in layer.regularizers.items()}

    def output_shape(self, input_shape: Shape) -> Shape:
        return tuple(input_shape)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        if self.noise_rng is not None and self.noise_rng is not self._shared_rng:
            # The model hands this layer a dropout stream; the branch's unseeded layers share it.
            for layer in self.block:
                if layer.stochastic and layer.seed is None:
                    layer.noise_rng = self.noise_rng
            self._shared_rng = self.noise_rng
        return x + self.branch.forward(x, training)  # (batch, ...) + (batch, ...)

    def backward(self, grad_y: np.ndarray) -> np.ndarray | None:
        g = self.branch.backward(grad_y)
        if not self.input_grad_needed:
            return None
        return grad_y + g  # the skip's dL/dy plus the branch's dL/dx

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["layers"] = [serialize_layer(layer) for layer in self.block]
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Residual:
        config = dict(config)
        block = [deserialize_layer(c) for c in config.pop("layers")]
        if config.get("input_shape") is not None:
            config["input_shape"] = tuple(config["input_shape"])
        return cls(block, **config)
