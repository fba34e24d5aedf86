"""Shape and regularisation layers without parameters: Dropout, Flatten, Reshape."""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from glassnet.layers._stochastic import _StochasticLayer
from glassnet.layers.base import Layer


class Dropout(_StochasticLayer):
    """Zero each input with probability ``rate`` while training, scaling the rest by 1/(1-rate).

    Inverted dropout: ``y = x * m / (1 - rate)`` with ``m ~ Bernoulli(1 - rate)``, so the
    expected output equals the input and inference is the identity. Backward applies the same
    mask: ``dL/dx = dL/dy * m / (1 - rate)``. The mask comes from the model's dropout stream,
    so adding a Dropout layer never changes the initial weights.
    """

    config_keys = ("rate", "seed")

    def __init__(self, rate: float, seed: int | None = None, **base: Any) -> None:
        super().__init__(seed, **base)
        if not (isinstance(rate, (int, float)) and 0.0 <= rate < 1.0):
            raise ValueError(f"Dropout `rate` must be a float in [0, 1), got {rate!r}.")
        self.rate = float(rate)

    def forward(self, x, training=False):
        if not training or self.rate == 0.0:
            self._cache = None
            return x
        keep = 1.0 - self.rate
        mask = cast(np.random.Generator, self.noise_rng).random(x.shape, dtype=np.float32) < keep
        scale = np.where(mask, np.asarray(1.0 / keep, x.dtype), np.asarray(0, x.dtype))
        self._cache = scale
        return x * scale

    def backward(self, grad_y):
        return grad_y if self._cache is None else grad_y * self._cache


class Flatten(Layer):
    """``(batch, d1, d2, ...) -> (batch, d1 * d2 * ...)``; backward reshapes back."""

    def output_shape(self, input_shape):
        size = 1
        for d in input_shape:
            if d is None:
                return (None,)
            size *= d
        return (size,)

    def forward(self, x, training=False):
        self._cache = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, grad_y):
        return grad_y.reshape(self._cache)


class Reshape(Layer):
    """Reshape each sample to ``target_shape`` (one entry may be -1, as in Keras)."""

    config_keys = ("target_shape",)

    def __init__(self, target_shape: tuple[int, ...], **base: Any) -> None:
        super().__init__(**base)
        target_shape = tuple(int(d) for d in target_shape)
        if sum(d == -1 for d in target_shape) > 1 or any(d == 0 or d < -1 for d in target_shape):
            raise ValueError(
                f"Reshape `target_shape` must hold positive sizes and at most one -1, "
                f"got {target_shape}."
            )
        self.target_shape = target_shape

    def output_shape(self, input_shape):
        size = int(np.prod(input_shape))
        known = int(np.prod([d for d in self.target_shape if d != -1]))
        if -1 in self.target_shape:
            if size % known:
                raise ValueError(
                    f"Reshape '{self.name}' cannot reshape inputs of shape {tuple(input_shape)} "
                    f"to {self.target_shape}."
                )
            return tuple(size // known if d == -1 else d for d in self.target_shape)
        if known != size:
            raise ValueError(
                f"Reshape '{self.name}': inputs of shape {tuple(input_shape)} ({size} values) "
                f"cannot become {self.target_shape} ({known} values)."
            )
        return self.target_shape

    def build(self, input_shape, rng=None):
        self._out = self.output_shape(input_shape)
        super().build(input_shape, rng)

    def forward(self, x, training=False):
        self._cache = x.shape
        return x.reshape((x.shape[0],) + self._out)

    def backward(self, grad_y):
        return grad_y.reshape(self._cache)

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["target_shape"] = tuple(config["target_shape"])
        return super().from_config(config)
