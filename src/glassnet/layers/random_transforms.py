"""Keras's image augmentation layers: RandomFlip, RandomRotation, RandomZoom, RandomTranslation.

Each is the identity when not training and, while training, draws one transform per image
from the layer's ``noise_rng`` (the model's noise stream, or its own ``seed``). The warps
reuse :mod:`glassnet.augmentation.geometry` (one vectorised resampling per batch).

Gradients are exact. For the batch it drew, each layer is a fixed linear map ``y = S x`` of
its input (plus the constant ``fill_value`` where a warp reads outside the image): a flip is a
permutation, so ``dL/dx`` is ``dL/dy`` flipped back; a warp reads every output pixel from one
input pixel ('nearest') or four with bilinear weights, and its backward is the transpose
``dL/dx = S^T dL/dy`` -- each output pixel's gradient added back onto the pixels it read,
with the same weights (:func:`glassnet.augmentation.geometry.scatter`). The forward pass
records those indices and weights. When not training the layers are the identity, and so
is their backward.
"""

from __future__ import annotations

import contextlib
import numbers
from collections.abc import Iterator
from typing import Any

import numpy as np

from glassnet.augmentation.geometry import (
    FILL_MODES,
    INTERPOLATIONS,
    affine_coordinates,
    gather,
    sampling,
    scatter,
)
from glassnet.layers._stochastic import _StochasticLayer, noise_source

FLIP_MODES = ("horizontal", "vertical", "horizontal_and_vertical")


def _factor_range(owner: str, arg: str, factor: Any, bound: float | None = 1.0
                  ) -> tuple[float, float]:
    """Keras's factor spellings: ``f -> (-f, f)``, ``(lower, upper)`` as given."""
    if isinstance(factor, numbers.Real) and not isinstance(factor, bool):
        lo, hi = -abs(float(factor)), abs(float(factor))
    elif isinstance(factor, (tuple, list)) and len(factor) == 2 and all(
            isinstance(v, numbers.Real) and not isinstance(v, bool) for v in factor):
        lo, hi = float(factor[0]), float(factor[1])
    else:
        raise ValueError(
            f"{owner} `{arg}` must be a float or a tuple (lower, upper), got {factor!r}.")
    if not (np.isfinite(lo) and np.isfinite(hi)) or lo > hi or (
            bound is not None and (lo < -bound or hi > bound)):
        limit = "" if bound is None else f" within [-{bound}, {bound}]"
        raise ValueError(
            f"{owner} `{arg}` must give lower <= upper{limit}, got {factor!r}.")
    return lo, hi


@contextlib.contextmanager
def eager_augmentation(layers: list[Any]) -> Iterator[None]:
    """While active, the random augmentation layers among ``layers`` augment in inference mode.

    A model called by hand without ``training=`` (``data_augmentation(images)``) runs each of
    its layers in that layer's own default mode, as Keras does: these layers augment while
    Dropout and BatchNormalization infer.
    """
    chosen = [layer for layer in layers if isinstance(layer, _RandomLayer)]
    for layer in chosen:
        layer._augment_anyway = True
    try:
        yield
    finally:
        for layer in chosen:
            layer._augment_anyway = False


class _RandomLayer(_StochasticLayer):
    """Seed handling, the training switch and the image-shape check shared by the four."""

    eager_training = True  # Keras: `call(data, training=True)`
    config_keys: tuple[str, ...] = ("seed",)
    #: Set by :func:`eager_augmentation`: augment although the model runs in inference mode.
    _augment_anyway = False

    def __init__(self, seed: int | None = None, data_format: str | None = None,
                 **base: Any) -> None:
        super().__init__(seed, **base)
        if data_format not in (None, "channels_last"):
            raise ValueError(
                f"{type(self).__name__} `data_format` must be 'channels_last', "
                f"got {data_format!r}.")

    def _check(self, input_shape: tuple[Any, ...]) -> None:
        if len(input_shape) != 3:
            raise ValueError(
                f"{type(self).__name__} '{self.name}' expects images of shape (batch, height, "
                f"width, channels), got {(None,) + tuple(input_shape)}."
            )

    def forward(self, x, training=False):
        self._cache = None
        if not (training or self._augment_anyway):
            return x
        if x.ndim != 4:
            self._check(x.shape[1:])
        return self._transform(x, noise_source(self))

    def _transform(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad_y):
        return grad_y  # not training: the identity (see _WarpLayer/RandomFlip for training)


class _WarpLayer(_RandomLayer):
    """Arguments of the resampling layers: fill mode, interpolation, fill value."""

    config_keys = _RandomLayer.config_keys + ("fill_mode", "interpolation", "fill_value")

    def __init__(self, fill_mode: str = "reflect", interpolation: str = "bilinear",
                 seed: int | None = None, fill_value: float = 0.0, **base: Any) -> None:
        super().__init__(seed=seed, **base)
        owner = type(self).__name__
        if fill_mode not in FILL_MODES:
            raise ValueError(f"{owner} `fill_mode` must be one of {FILL_MODES}, "
                             f"got {fill_mode!r}.")
        if interpolation not in INTERPOLATIONS:
            raise ValueError(f"{owner} `interpolation` must be one of {INTERPOLATIONS}, "
                             f"got {interpolation!r}.")
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = float(fill_value)

    def _warp(self, x: np.ndarray, rotation: Any = 0.0, shift: Any = (0.0, 0.0)) -> np.ndarray:
        """Rotate by ``rotation`` degrees and shift by ``(dy, dx)`` pixels (per image)."""
        n, h, w = x.shape[:3]
        theta = np.deg2rad(np.broadcast_to(np.asarray(rotation, dtype=np.float64), (n,)))
        t = np.broadcast_to(np.asarray(shift, dtype=np.float64), (n, 2))
        r, c = affine_coordinates((h, w), theta, np.ones(n), t)
        return self._resample(x, r, c)

    def _resample(self, x: np.ndarray, r: np.ndarray, c: np.ndarray) -> np.ndarray:
        """Read ``x`` at ``(r, c)`` (each of shape (n, h*w)), keeping the map for backward."""
        plan = sampling(x.shape, r, c, self.fill_mode, self.interpolation, x.dtype)
        self._cache = plan
        return gather(x, plan, self.fill_value)

    def backward(self, grad_y):
        """``dL/dx = S^T dL/dy`` for the warp ``S`` of the last training batch."""
        if self._cache is None:
            return grad_y  # not training: the identity
        return scatter(grad_y, self._cache)


class RandomFlip(_RandomLayer):
    """Mirror each training image with probability 1/2 (Keras's ``RandomFlip``).

    Parameters
    ----------
    mode : {'horizontal', 'vertical', 'horizontal_and_vertical'}, default
        'horizontal_and_vertical' (each direction drawn independently).
    seed : int, optional

    Notes
    -----
    ``y = F x`` for a per-image permutation ``F`` (a mirror or none), so ``dL/dx = F dL/dy``
    (a mirror is its own inverse).
    """

    config_keys = _RandomLayer.config_keys + ("mode",)

    def __init__(self, mode: str = "horizontal_and_vertical", seed: int | None = None,
                 **base: Any) -> None:
        super().__init__(seed=seed, **base)
        if mode not in FLIP_MODES:
            raise ValueError(f"RandomFlip `mode` must be one of {FLIP_MODES}, got {mode!r}.")
        self.mode = mode

    def _transform(self, x, rng):
        n = x.shape[0]
        horiz = rng.random(n) < 0.5 if "horizontal" in self.mode else np.zeros(n, bool)
        vert = rng.random(n) < 0.5 if "vertical" in self.mode else np.zeros(n, bool)
        self._cache = (horiz, vert)
        return self._flip(x, horiz, vert)

    @staticmethod
    def _flip(x: np.ndarray, horiz: np.ndarray, vert: np.ndarray) -> np.ndarray:
        x = np.where(horiz[:, None, None, None], x[:, :, ::-1], x)
        return np.where(vert[:, None, None, None], x[:, ::-1], x)

    def backward(self, grad_y):
        if self._cache is None:
            return grad_y
        return self._flip(grad_y, *self._cache)


class RandomRotation(_WarpLayer):
    """Rotate each training image by a random angle (Keras's ``RandomRotation``).

    Parameters
    ----------
    factor : float or tuple (lower, upper)
        Fractions of a full turn: ``0.1`` draws angles in ``[-36, 36]`` degrees; positive
        angles turn counter-clockwise.
    fill_mode : {'reflect', 'constant', 'nearest', 'wrap'}, default 'reflect'
    interpolation : {'bilinear', 'nearest'}, default 'bilinear'
    seed : int, optional
    fill_value : float, default 0.0
    """

    def __init__(self, factor: Any, fill_mode: str = "reflect", interpolation: str = "bilinear",
                 seed: int | None = None, fill_value: float = 0.0, **base: Any) -> None:
        super().__init__(fill_mode, interpolation, seed, fill_value, **base)
        self.factor = factor
        self._range = _factor_range("RandomRotation", "factor", factor, bound=None)

    def _transform(self, x, rng):
        lo, hi = self._range
        return self._warp(x, rotation=rng.uniform(lo, hi, x.shape[0]) * 360.0)

    def get_config(self):
        config = super().get_config()
        config["factor"] = self.factor
        return config


class RandomTranslation(_WarpLayer):
    """Shift each training image by a random offset (Keras's ``RandomTranslation``).

    Parameters
    ----------
    height_factor, width_factor : float or tuple (lower, upper)
        Fractions of the height / width, within [-1, 1]: ``0.2`` draws shifts of up to 20%
        up or down (left or right).
    fill_mode, interpolation, seed, fill_value
        As :class:`RandomRotation`.
    """

    def __init__(self, height_factor: Any, width_factor: Any, fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed: int | None = None,
                 fill_value: float = 0.0, **base: Any) -> None:
        super().__init__(fill_mode, interpolation, seed, fill_value, **base)
        self.height_factor = height_factor
        self.width_factor = width_factor
        self._ranges = (_factor_range("RandomTranslation", "height_factor", height_factor),
                        _factor_range("RandomTranslation", "width_factor", width_factor))

    def _transform(self, x, rng):
        n, h, w = x.shape[:3]
        (hl, hh), (wl, wh) = self._ranges
        dy = rng.uniform(hl, hh, n) * h
        dx = rng.uniform(wl, wh, n) * w
        return self._warp(x, shift=np.stack([dy, dx], axis=1))

    def get_config(self):
        config = super().get_config()
        config.update(height_factor=self.height_factor, width_factor=self.width_factor)
        return config


class RandomZoom(_WarpLayer):
    """Zoom each training image in or out by a random factor (Keras's ``RandomZoom``).

    Parameters
    ----------
    height_factor : float or tuple (lower, upper)
        Within [-1, 1]; a positive value zooms *out* (the content shrinks), as in Keras:
        ``0.2`` draws from 20% out to 20% in.
    width_factor : float or tuple, optional
        ``None`` zooms both axes by the same amount (keeps the aspect ratio).
    fill_mode, interpolation, seed, fill_value
        As :class:`RandomRotation`.

    Notes
    -----
    Output pixel ``p`` reads the input at ``centre + (p - centre) * (1 + z)`` per axis, so a
    ``z > 0`` shows more of the (filled) surroundings.
    """

    def __init__(self, height_factor: Any, width_factor: Any = None, fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed: int | None = None,
                 fill_value: float = 0.0, **base: Any) -> None:
        super().__init__(fill_mode, interpolation, seed, fill_value, **base)
        self.height_factor = height_factor
        self.width_factor = width_factor
        self._h_range = _factor_range("RandomZoom", "height_factor", height_factor)
        self._w_range = None if width_factor is None else _factor_range(
            "RandomZoom", "width_factor", width_factor)
        for lo, _ in filter(None, (self._h_range, self._w_range)):
            if lo <= -1:
                raise ValueError(
                    "RandomZoom factors must be > -1 (a zoom of -100% is infinite), got "
                    f"height_factor={height_factor!r}, width_factor={width_factor!r}.")

    def _transform(self, x, rng):
        n, h, w = x.shape[:3]
        zh = 1.0 + rng.uniform(*self._h_range, n)  # (n,) input pixels per output pixel
        zw = zh if self._w_range is None else 1.0 + rng.uniform(*self._w_range, n)
        rows, cols = np.meshgrid(np.arange(h, dtype=np.float64),
                                 np.arange(w, dtype=np.float64), indexing="ij")
        ch, cw = (h - 1) / 2.0, (w - 1) / 2.0
        r = ch + (rows.ravel()[None, :] - ch) * zh[:, None]  # (n, h*w)
        c = cw + (cols.ravel()[None, :] - cw) * zw[:, None]
        return self._resample(x, r, c)

    def get_config(self):
        config = super().get_config()
        config.update(height_factor=self.height_factor, width_factor=self.width_factor)
        return config
