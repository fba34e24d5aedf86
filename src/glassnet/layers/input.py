"""Input: declares the shape of one sample, as ``keras.Input`` / ``InputLayer`` do."""

from __future__ import annotations

from typing import Any

from glassnet.layers.base import Layer


class InputLayer(Layer):
    """The identity; carries ``input_shape`` so a model can build without data."""

    def __init__(self, shape: tuple[int, ...] | None = None, **base: Any) -> None:
        if shape is not None:
            base["input_shape"] = tuple(shape)
        if base.get("input_shape") is None:
            raise ValueError("InputLayer needs `shape`, the shape of one sample, e.g. (784,).")
        super().__init__(**base)

    def forward(self, x, training=False):
        return x

    def backward(self, grad_y):
        return grad_y


def Input(  # noqa: N802 - Keras's name
    shape: tuple[int, ...], name: str | None = None, dtype: str | None = None
) -> InputLayer:
    """``Input(shape=(784,))``: the first entry of a Sequential model (Keras 3 style)."""
    if isinstance(shape, int):
        shape = (shape,)
    return InputLayer(shape=tuple(shape), name=name, dtype=dtype)
