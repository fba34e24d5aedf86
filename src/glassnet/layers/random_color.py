"""Keras's colour augmentation layers: RandomBrightness, RandomContrast, RandomGrayscale.

As the geometric ones (:mod:`.random_transforms`), each is the identity when not training
and, while training, draws one transform per image from the layer's noise generator. For
the batch it drew, each is an affine map of its input followed (brightness, contrast) by a
clip to ``value_range``; the backward pass is the exact transpose of that map, zero where
the clip cut (as PyTorch's ``clamp``, whose gradient passes at the bounds):

- brightness: ``y = clip(x + d)``, ``d = U(lower, upper) * (high - low)`` per image;
  ``dL/dx = dL/dy * inside``;
- contrast: ``y = clip((x - m) * f + m)``, ``m`` the mean of each image's channel over
  height and width, ``f = U(1 - lower, 1 + upper)`` per image (Keras's factor bounds are
  [0, 1]); with ``g = dL/dy * inside``: ``dL/dx = f g + (1 - f) mean_hw(g)``;
- grayscale: ``y_c = 0.2989 r + 0.587 g + 0.114 b`` for every channel ``c`` of the chosen
  images (probability ``factor``); ``dL/dx_c = w_c sum_c' dL/dy_c'``.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from glassnet.layers.random_transforms import _RandomLayer

GRAY_WEIGHTS = (0.2989, 0.587, 0.114)


def _factor(owner: str, factor: Any, bounds: tuple[float, float]) -> tuple[float, float]:
    """Keras's ``_set_factor``: ``f -> (max(-|f|, low), |f|)``; a pair sorted; in bounds."""
    message = (f"{owner}: the `factor` argument should be a number (or a list of two numbers) "
               f"in the range [{bounds[0]}, {bounds[1]}]. Received: factor={factor!r}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or not all(isinstance(v, numbers.Real) for v in factor) or (
                factor[0] > bounds[1] or factor[1] < bounds[0]):
            raise ValueError(message)
        lower, upper = sorted(float(v) for v in factor)
    elif isinstance(factor, numbers.Real) and not isinstance(factor, bool):
        if not bounds[0] <= float(factor) <= bounds[1]:
            raise ValueError(message)
        lower, upper = max(-abs(float(factor)), bounds[0]), abs(float(factor))
    else:
        raise ValueError(message)
    return lower, upper


def _value_range(owner: str, value_range: Any) -> tuple[float, float]:
    if not (isinstance(value_range, (tuple, list)) and len(value_range) == 2
            and all(isinstance(v, numbers.Real) for v in value_range)
            and value_range[0] < value_range[1]):
        raise ValueError(f"{owner} `value_range` must be a pair (low, high) with low < high, "
                         f"got {value_range!r}.")
    return float(value_range[0]), float(value_range[1])


class _ClippedColor(_RandomLayer):
    """``factor``, ``value_range`` and the clip of brightness and contrast."""

    bounds: tuple[float, float] = (-1.0, 1.0)

    def __init__(self, factor: Any, value_range: Any = (0, 255), seed: int | None = None,
                 **base: Any) -> None:
        super().__init__(seed=seed, **base)
        owner = type(self).__name__
        self.factor: tuple[float, float] = _factor(owner, factor, self.bounds)
        self.value_range = _value_range(owner, value_range)

    def _clip(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        low, high = self.value_range
        return np.clip(y, low, high), (y >= low) & (y <= high)

    def get_config(self):
        config = super().get_config()
        config.update(factor=list(self.factor), value_range=list(self.value_range),
                      data_format="channels_last")
        return config


class RandomBrightness(_ClippedColor):
    """Add a random brightness to each training image (Keras's ``RandomBrightness``).

    Parameters
    ----------
    factor : float or pair of float
        Within [-1, 1], fractions of ``value_range``'s width: ``0.2`` adds up to 20% of it
        or takes as much away.
    value_range : pair of float, default (0, 255)
        The pixels' range; outputs are clipped to it.
    seed : int, optional
    **base
        ``name``, ``data_format`` ... of :class:`~glassnet.layers.base.Layer`.
    """

    def _transform(self, x, rng):
        low, high = self.value_range
        delta = rng.uniform(*self.factor, x.shape[0]) * (high - low)
        y, inside = self._clip(x + delta[:, None, None, None].astype(x.dtype))
        self._cache = inside
        return y

    def backward(self, grad_y):
        return grad_y if self._cache is None else grad_y * self._cache


class RandomContrast(_ClippedColor):
    """Scale each training image's contrast by a random factor (Keras's ``RandomContrast``).

    Parameters
    ----------
    factor : float or pair of float
        Within [0, 1]: the contrast factor is drawn from ``[1 - lower, 1 + upper]``; a number
        ``f`` is ``(0, f)``, as in Keras 3.
    value_range : pair of float, default (0, 255)
        The pixels' range; outputs are clipped to it.
    seed : int, optional
    **base
        ``name``, ``data_format`` ... of :class:`~glassnet.layers.base.Layer`.
    """

    bounds = (0.0, 1.0)

    def _transform(self, x, rng):
        lower, upper = self.factor
        f = rng.uniform(1.0 - lower, 1.0 + upper, x.shape[0]).astype(x.dtype)[:, None, None, None]
        mean = x.mean(axis=(1, 2), keepdims=True)
        y, inside = self._clip((x - mean) * f + mean)
        self._cache = (f, inside)
        return y

    def backward(self, grad_y):
        if self._cache is None:
            return grad_y
        f, inside = self._cache
        g = grad_y * inside
        return f * g + (1 - f) * g.mean(axis=(1, 2), keepdims=True)


class RandomGrayscale(_RandomLayer):
    """Turn each training image grey with probability ``factor`` (Keras's ``RandomGrayscale``).

    Parameters
    ----------
    factor : float, default 0.5
        The probability, in [0, 1].
    data_format : {'channels_last'}, optional
    seed : int, optional
    **base
        ``name`` ... of :class:`~glassnet.layers.base.Layer`.

    Notes
    -----
    Images must have 3 (RGB) channels; the grey image keeps 3 equal channels.
    """

    def __init__(self, factor: float = 0.5, data_format: str | None = None,
                 seed: int | None = None, **base: Any) -> None:
        super().__init__(seed=seed, data_format=data_format, **base)
        if isinstance(factor, bool) or not isinstance(factor, numbers.Real) or not (
                0 <= factor <= 1):
            raise ValueError("RandomGrayscale: the `factor` argument should be a number in the "
                             f"range [0, 1]. Received: factor={factor!r}")
        self.factor: float = float(factor)

    def _check(self, input_shape):
        super()._check(input_shape)
        if input_shape[-1] not in (None, 3):
            raise ValueError(f"RandomGrayscale '{self.name}' needs RGB images (3 channels), "
                             f"got images of shape {(None,) + tuple(input_shape)}.")

    def _transform(self, x, rng):
        self._check(x.shape[1:])
        chosen = rng.random(x.shape[0]) < self.factor
        w = np.asarray(GRAY_WEIGHTS, dtype=x.dtype)
        gray = (x @ w)[..., None]
        self._cache = (chosen[:, None, None, None], w)
        return np.where(self._cache[0], np.broadcast_to(gray, x.shape), x)

    def backward(self, grad_y):
        if self._cache is None:
            return grad_y
        chosen, w = self._cache
        return np.where(chosen, grad_y.sum(axis=-1, keepdims=True) * w, grad_y)

    def get_config(self):
        config = super().get_config()
        config.update(factor=self.factor, data_format="channels_last")
        return config
