"""Dropout's relatives that keep the statistics of their input: GaussianDropout
(multiplicative Gaussian noise) and AlphaDropout (dropout that keeps SELU's mean and variance).

Both draw from the layer's ``noise_rng`` (the model's noise stream, or their own ``seed``),
as :class:`~glassnet.layers.Dropout` does, and are the identity when not training. Their
forward pass is ``y = x * scale + shift`` with a random ``scale`` (and a constant ``shift``
per entry), so one backward serves both: ``dL/dx = dL/dy * scale``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from glassnet.layers._stochastic import _StochasticLayer, noise_source

#: SELU's constants (Klambauer et al., 2017), as Keras's AlphaDropout writes them.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _check_rate(owner: str, rate: Any) -> float:
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
        raise ValueError(
            f"Invalid value received for argument `rate` of {owner}. Expected a float value "
            f"between 0 and 1. Received: rate={rate!r}"
        )
    return rate


class _ScaledNoise(_StochasticLayer):
    """``y = x * scale`` (+ a shift) with a random ``scale`` while training."""

    config_keys: tuple[str, ...] = ("rate", "seed")

    def __init__(self, rate: float, seed: int | None = None, **base: Any) -> None:
        super().__init__(seed, **base)
        self.rate = _check_rate(type(self).__name__, rate)

    def _noise(self, x: np.ndarray) -> tuple[np.ndarray, Any]:
        """The per-entry ``scale`` and ``shift`` for the batch ``x``."""
        raise NotImplementedError

    def forward(self, x, training=False):
        if not training or self.rate == 0:
            self._cache = None
            return x
        scale, shift = self._noise(x)
        self._cache = scale
        return x * scale + shift

    def backward(self, grad_y):
        return grad_y if self._cache is None else grad_y * self._cache


class GaussianDropout(_ScaledNoise):
    """Multiply each input by Gaussian noise of mean 1 while training (Keras's
    ``GaussianDropout``).

    Parameters
    ----------
    rate : float in [0, 1]
        As Dropout's rate: the noise has standard deviation ``sqrt(rate / (1 - rate))``.
    seed : int, optional
        Seed of the layer's own generator (else the model's noise stream).

    Notes
    -----
    ``y = x * e``, ``e ~ N(1, rate / (1 - rate))`` per entry; ``dL/dx = dL/dy * e``.
    """

    def _noise(self, x):
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        e = noise_source(self).standard_normal(x.shape, dtype=np.float32) * stddev + 1.0
        return e.astype(x.dtype, copy=False), 0.0


class AlphaDropout(_ScaledNoise):
    """Dropout for SELU networks: dropped entries take SELU's negative saturation value and
    an affine map restores the mean and variance (Keras's ``AlphaDropout``).

    Parameters
    ----------
    rate : float in [0, 1]
        Probability of dropping an entry.
    noise_shape : tuple, optional
        Shape of the keep mask, broadcast against the input (None entries take the input's
        size), as Keras's ``noise_shape``.
    seed : int, optional

    Notes
    -----
    With ``a' = -scale * alpha``, the mask ``m`` (1 = kept, ``P = 1 - rate``),
    ``a = ((1 - rate) (1 + rate a'^2))^(-1/2)`` and ``b = -a a' rate``:
    ``y = a (x m + a' (1 - m)) + b``, so ``dL/dx = dL/dy * a m``.
    """

    config_keys = ("rate", "seed", "noise_shape")

    def __init__(self, rate: float, noise_shape: Any = None, seed: int | None = None,
                 **base: Any) -> None:
        super().__init__(rate, seed=seed, **base)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)

    def _noise(self, x):
        shape = x.shape if self.noise_shape is None else tuple(
            size if want is None else want for size, want in zip(x.shape, self.noise_shape,
                                                                   strict=True))
        kept = noise_source(self).random(shape, dtype=np.float32) >= self.rate
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        scale = np.broadcast_to(np.where(kept, a, 0.0).astype(x.dtype), x.shape)
        shift = np.where(kept, b, a * alpha_p + b).astype(x.dtype)
        return scale, shift
