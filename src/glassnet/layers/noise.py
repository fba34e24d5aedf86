"""Noise while training: GaussianNoise, and SpatialDropout1D/2D (whole channels dropped).

Like :class:`~glassnet.layers.Dropout`, each draws from the layer's ``noise_rng`` (the model's
noise stream, or its own ``seed``) and is the identity when not training.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from glassnet import _validate
from glassnet.layers._shapes import IMAGES, SEQUENCES, check_rank
from glassnet.layers._stochastic import _StochasticLayer, noise_source
from glassnet.layers.core import Dropout


class GaussianNoise(_StochasticLayer):
    """Add zero-mean Gaussian noise while training (Keras's ``GaussianNoise``).

    Parameters
    ----------
    stddev : float in [0, 1]
        Standard deviation of the noise.
    seed : int, optional
        Seed of the layer's own generator (else the model's noise stream).

    Notes
    -----
    ``y = x + stddev * e``, ``e ~ N(0, 1)`` drawn per entry; the noise does not depend on
    ``x``, so ``dL/dx = dL/dy``.
    """

    config_keys = ("stddev", "seed")

    def __init__(self, stddev: float, seed: int | None = None, **base: Any) -> None:
        super().__init__(seed, **base)
        if isinstance(stddev, bool) or not isinstance(stddev, (int, float)) \
                or not 0 <= stddev <= 1:
            raise ValueError(
                f"GaussianNoise `stddev` must be a float between 0 and 1, got {stddev!r}.")
        self.stddev = float(stddev)

    def forward(self, x, training=False):
        if not training or self.stddev == 0.0:
            return x
        noise = noise_source(self).standard_normal(x.shape, dtype=np.float32)
        return x + (self.stddev * noise).astype(x.dtype, copy=False)

    def backward(self, grad_y):
        return grad_y


class _SpatialDropout(Dropout):
    """Dropout with one draw per (sample, channel), shared over the other axes."""

    #: Rank of one sample (without the batch axis) this layer expects.
    sample_rank = 2

    def __init__(self, rate: float, seed: int | None = None, **base: Any) -> None:
        rate = _validate.check_rate(type(self).__name__, "rate", rate)
        super().__init__(rate, seed=seed, **base)

    def _check(self, input_shape: tuple[Any, ...]) -> None:
        check_rank(self, input_shape, SEQUENCES if self.sample_rank == 2 else IMAGES)

    def forward(self, x, training=False):
        if not training or self.rate == 0.0:
            self._cache = None
            return x
        if x.ndim != self.sample_rank + 1:
            self._check(x.shape[1:])
        keep = 1.0 - self.rate
        noise_shape = (x.shape[0],) + (1,) * (x.ndim - 2) + (x.shape[-1],)
        mask = cast(np.random.Generator, self.noise_rng).random(noise_shape, dtype=np.float32) < keep
        scale = np.where(mask, np.asarray(1.0 / keep, x.dtype), np.asarray(0, x.dtype))
        self._cache = scale  # (batch, 1, ..., channels), broadcast in both passes
        return x * scale


class SpatialDropout1D(_SpatialDropout):
    """Drop whole channels of ``(batch, steps, channels)`` sequences while training.

    Parameters
    ----------
    rate : float in [0, 1)
    seed : int, optional

    Notes
    -----
    ``y = x * m / (1 - rate)`` with ``m`` of shape (batch, 1, channels), one Bernoulli draw
    per sample and channel; backward applies the same scale: ``dL/dx = dL/dy * m / (1-rate)``.
    """

    sample_rank = 2


class SpatialDropout2D(_SpatialDropout):
    """Drop whole feature maps of ``(batch, h, w, channels)`` images while training.

    Parameters
    ----------
    rate : float in [0, 1)
    data_format : {'channels_last'}, optional
    seed : int, optional

    Notes
    -----
    As :class:`SpatialDropout1D` with the mask of shape (batch, 1, 1, channels).
    """

    sample_rank = 3

    def __init__(self, rate: float, data_format: str | None = None, seed: int | None = None,
                 **base: Any) -> None:
        if data_format not in (None, "channels_last"):
            raise ValueError(
                f"SpatialDropout2D `data_format` must be 'channels_last', got {data_format!r}.")
        super().__init__(rate, seed=seed, **base)
