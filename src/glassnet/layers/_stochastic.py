"""The noise generator of layers that draw random numbers while training.

The model hands every stochastic layer a generator of its own in ``noise_rng`` (its noise
stream); a layer with a ``seed`` makes its own instead, so that it repeats across builds.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.layers._shapes import _CheckedLayer
from glassnet.layers.base import Layer


def seed_noise(layer: Layer) -> None:
    """At build: a generator from ``layer.seed`` when set, or when none was handed over."""
    if layer.seed is not None or layer.noise_rng is None:
        layer.noise_rng = np.random.default_rng(layer.seed)


def noise_source(layer: Layer) -> np.random.Generator:
    """The generator to draw from; one from ``layer.seed`` when the layer was never built."""
    if layer.noise_rng is None:
        layer.noise_rng = np.random.default_rng(layer.seed)
    return layer.noise_rng


class _StochasticLayer(_CheckedLayer):
    """A layer that draws noise while training: its ``seed`` and its generator (and, as every
    :class:`_CheckedLayer`, a check of the one-sample input shape)."""

    stochastic = True

    def __init__(self, seed: int | None = None, **base: Any) -> None:
        super().__init__(**base)
        self.seed = seed

    def build(self, input_shape, rng=None):
        super().build(input_shape, rng)
        seed_noise(self)
