"""`ImageAugmenter`: several random augmentations composed, and a batch generator over data.

>>> aug = ImageAugmenter(rotation=10, shift=2, zoom=0.1, erasing=0.25, seed=0)
>>> x_aug = aug(x_batch)                                            # doctest: +SKIP
>>> for xb, yb in aug.flow(x_train, y_train, batch_size=64):        # doctest: +SKIP
...     ...                                                         # forever, like Keras
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator
from typing import Any

import numpy as np

from glassnet import _registry
from glassnet.augmentation.geometry import (
    FILL_MODES,
    INTERPOLATIONS,
    affine_transform,
    check_choice,
    check_images,
)
from glassnet.augmentation.transforms import (
    FLIP_MODES,
    RNG,
    as_rng,
    check_nonneg,
    check_prob,
    draw_rotation,
    draw_shift,
    gaussian_noise,
    random_erasing,
    random_flip,
    shift_range,
    zoom_range,
)


class ImageAugmenter(_registry.Configurable):
    """Random flips, rotation, zoom, shift, erasing and noise, applied to a batch at once.

    Parameters
    ----------
    rotation : float, default 0
        Largest rotation in degrees (uniform in ``[-rotation, rotation]``).
    shift : int, float or pair, default 0
        Largest shift, as in :func:`~glassnet.augmentation.transforms.random_shift`: an int
        is whole pixels, a float below 1 a fraction of the height/width.
    zoom : float or pair, default 0
        Magnification uniform in ``[1 - zoom, 1 + zoom]``, or in ``(lo, hi)``; > 1 enlarges.
    flip : bool or str, default False
        ``True`` or 'horizontal' (left-right), 'vertical', 'horizontal_and_vertical'; each
        image flips with probability 1/2.
    noise : float, default 0
        Std of Gaussian noise as a fraction of the intensity range (of 255 for uint8).
    erasing : float, default 0
        Probability of random erasing (one rectangle, 2%-33% of the area, set to
        ``fill_value``).
    fill_mode : {'constant', 'nearest', 'reflect', 'wrap'}, default 'constant'
    fill_value : float, default 0.0
    interpolation : {'bilinear', 'nearest'}, default 'bilinear'
    seed : int, optional
        Seed of the augmenter's own generator: the same seed gives the same sequence of
        batches. Calls with an explicit ``rng`` leave that generator alone.

    Notes
    -----
    Order: flips, then one affine warp combining rotation, zoom and shift (a single
    resampling, so quality is lost once), then erasing, then noise. Shapes ``(n, h, w)`` and
    ``(n, h, w, c)``; the dtype is kept. Labels are never touched.
    """

    def __init__(
        self,
        rotation: float = 0.0,
        shift: Any = 0.0,
        zoom: Any = 0.0,
        flip: bool | str = False,
        noise: float = 0.0,
        erasing: float = 0.0,
        fill_mode: str = "constant",
        fill_value: float = 0.0,
        interpolation: str = "bilinear",
        seed: int | None = None,
    ) -> None:
        self.rotation = check_nonneg(rotation, "rotation")
        self._shift_pixels = any(shift_range(shift, 1, 1, "shift")[0])  # validates too
        self.shift = tuple(shift) if isinstance(shift, (tuple, list)) else shift
        self._zoom_range = zoom_range(zoom)
        self.zoom = tuple(zoom) if isinstance(zoom, (tuple, list)) else float(zoom)
        if flip is True:
            flip = "horizontal"
        if flip is not False and flip not in FLIP_MODES:
            raise ValueError(f"`flip` must be True, False or one of {FLIP_MODES}, got {flip!r}.")
        self.flip = flip
        self.noise = check_nonneg(noise, "noise")
        self.erasing = check_prob(erasing, "erasing")
        self.fill_mode = check_choice(fill_mode, "fill_mode", FILL_MODES)
        self.fill_value = float(fill_value)
        self.interpolation = check_choice(interpolation, "interpolation", INTERPOLATIONS)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise TypeError(f"`seed` must be an int or None, got {seed!r}.")
        self.seed = seed
        self._rng = np.random.default_rng(seed)

    @property
    def _geometric(self) -> bool:
        return bool(self.rotation or self._shift_pixels or self._zoom_range != (1.0, 1.0))

    def __call__(self, x: Any, rng: RNG = None) -> np.ndarray:
        """Augment a batch.

        Parameters
        ----------
        x : ndarray of shape (n, h, w) or (n, h, w, c)
        rng : Generator or int, optional
            Draw from this instead of the augmenter's own generator.

        Returns
        -------
        ndarray of the shape and dtype of ``x``
            A new array (``x`` is not modified), even when every augmentation is off.
        """
        x = check_images(x)
        gen = self._rng if rng is None else as_rng(rng)
        n, h, w = x.shape[:3]
        out = x
        if self.flip:
            out = random_flip(out, gen, mode=self.flip)
        if self._geometric:
            (dy, dx), integer = shift_range(self.shift, h, w)
            out = affine_transform(
                out,
                rotation=draw_rotation(n, self.rotation, gen) if self.rotation else None,
                zoom=gen.uniform(*self._zoom_range, n) if self._zoom_range != (1, 1) else None,
                shift=draw_shift(n, (dy, dx), integer, gen) if (dy or dx) else None,
                fill_mode=self.fill_mode,
                fill_value=self.fill_value,
                interpolation=self.interpolation,
            )
        if self.erasing:
            out = random_erasing(out, gen, p=self.erasing, value=self.fill_value)
        if self.noise:
            out = gaussian_noise(out, self.noise, gen)
        return out.copy() if out is x else out

    def flow(
        self,
        x: Any,
        y: Any = None,
        batch_size: int = 32,
        shuffle: bool = True,
        seed: int | None = None,
        repeat: bool = True,
    ) -> BatchFlow:
        """Batches of augmented ``x`` (with the matching ``y``), like Keras's ``flow``.

        Parameters
        ----------
        x : ndarray of shape (n, h, w) or (n, h, w, c)
        y : array-like of shape (n, ...), optional
            Labels, passed through untouched.
        batch_size : int, default 32
            The last batch of an epoch may be smaller.
        shuffle : bool, default True
            A new order every epoch.
        seed : int, optional
            Seed of both the order and the augmentation; by default the augmenter's generator.
        repeat : bool, default True
            Loop forever (Keras's behaviour: give ``fit`` ``steps_per_epoch=len(flow)``), or
            stop after one epoch.

        Returns
        -------
        BatchFlow
            An iterator of ``(x_batch, y_batch)`` (or ``x_batch`` when ``y`` is None), with
            ``len()`` the number of batches per epoch.
        """
        rng = self._rng if seed is None else as_rng(seed)
        return BatchFlow(self, x, y, batch_size, shuffle, rng, repeat)

    def get_config(self) -> dict[str, Any]:
        """The constructor's arguments: ``ImageAugmenter(**aug.get_config())`` rebuilds it."""
        return {
            "rotation": self.rotation,
            "shift": list(self.shift) if isinstance(self.shift, tuple) else self.shift,
            "zoom": list(self.zoom) if isinstance(self.zoom, tuple) else self.zoom,
            "flip": self.flip,
            "noise": self.noise,
            "erasing": self.erasing,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "interpolation": self.interpolation,
            "seed": self.seed,
        }


class BatchFlow(Iterator):
    """Iterator of augmented batches made by :meth:`ImageAugmenter.flow`."""

    augmenter: ImageAugmenter
    batch_size: int
    shuffle: bool
    rng: np.random.Generator
    repeat: bool
    epoch: int
    _order: np.ndarray
    _pos: int

    def __init__(self, augmenter: ImageAugmenter, x: Any, y: Any, batch_size: int,
                 shuffle: bool, rng: np.random.Generator, repeat: bool) -> None:
        self.x = check_images(x)
        n = self.x.shape[0]
        self.y = None if y is None else np.asarray(y)
        if self.y is not None and (self.y.ndim == 0 or self.y.shape[0] != n):
            raise ValueError(
                f"`y` must have one entry per image ({n}), got shape {self.y.shape}."
            )
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or (
            batch_size < 1
        ):
            raise ValueError(f"`batch_size` must be a positive int, got {batch_size!r}.")
        if n == 0:
            raise ValueError("`x` must hold at least one image, got an empty batch.")
        self.augmenter, self.batch_size = augmenter, int(batch_size)
        self.shuffle, self.rng, self.repeat = bool(shuffle), rng, bool(repeat)
        self.epoch = 0
        self._order = self._new_order()
        self._pos = 0

    def _new_order(self) -> np.ndarray:
        n = self.x.shape[0]
        return self.rng.permutation(n) if self.shuffle else np.arange(n)

    def __len__(self) -> int:
        """Batches per epoch: ``ceil(n / batch_size)``."""
        return math.ceil(self.x.shape[0] / self.batch_size)

    def __next__(self) -> Any:
        if self._pos >= self.x.shape[0]:
            if not self.repeat:
                raise StopIteration
            self.epoch += 1
            self._order, self._pos = self._new_order(), 0
        idx = self._order[self._pos:self._pos + self.batch_size]
        self._pos += self.batch_size
        xb = self.augmenter(self.x[idx], rng=self.rng)
        return xb if self.y is None else (xb, self.y[idx])
