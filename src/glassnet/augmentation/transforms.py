"""Random image augmentations as functions of a batch: one random draw per image, vectorised.

Each takes images of shape ``(n, h, w)`` or ``(n, h, w, c)`` and returns an array of the same
shape and dtype (uint8 stays uint8, rounded and clipped; float32 stays float32). Randomness
comes from ``rng``: a ``numpy.random.Generator``, an int seed, or None (fresh entropy).
Labels are never involved: every transform keeps an image's class.
"""

from __future__ import annotations

import numbers
from typing import Any, cast

import numpy as np

from glassnet.augmentation.geometry import affine_transform, check_choice, check_images, to_dtype

RNG = np.random.Generator | int | None
FLIP_MODES = ("horizontal", "vertical", "horizontal_and_vertical")


def as_rng(rng: RNG, name: str = "rng",
           expected: str = "a numpy Generator, an int seed or None") -> np.random.Generator:
    """``rng`` itself when a Generator, else ``np.random.default_rng(rng)`` for an int seed or
    None; anything else raises "`<name>` must be <expected>, got ...".
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is not None and (isinstance(rng, bool) or not isinstance(rng, numbers.Integral)):
        raise TypeError(f"`{name}` must be {expected}, got {rng!r}.")
    return np.random.default_rng(rng)


def check_nonneg(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (
        np.isfinite(cast(float, value)) and cast(float, value) >= 0
    ):
        raise ValueError(f"`{name}` must be a finite number >= 0, got {value!r}.")
    return float(value)


def check_prob(p: Any, name: str = "p") -> float:
    p = check_nonneg(p, name)
    if p > 1:
        raise ValueError(f"`{name}` must be a probability in [0, 1], got {p!r}.")
    return p


# ------------------------------------------------------------------ parameter draws


def draw_rotation(n: int, max_degrees: float, rng: np.random.Generator) -> np.ndarray:
    """Angles uniform in ``[-max_degrees, max_degrees]``, shape (n,)."""
    return rng.uniform(-max_degrees, max_degrees, n)


def shift_range(
    max_shift: Any, h: int, w: int, name: str = "max_shift"
) -> tuple[tuple[float, float], bool]:
    """``((max dy, max dx), integer?)`` from ``max_shift`` (see :func:`random_shift`)."""
    pair = max_shift if isinstance(max_shift, (tuple, list)) else (max_shift, max_shift)
    if len(pair) != 2:
        raise ValueError(f"`{name}` must be a number or a pair, got {max_shift!r}.")
    dy, dx = (check_nonneg(v, name) for v in pair)
    integer = all(isinstance(v, numbers.Integral) for v in pair)
    if not integer:  # floats below 1 are fractions of the image's height and width
        dy, dx = (dy * h if dy < 1 else dy), (dx * w if dx < 1 else dx)
    return (dy, dx), integer


def draw_shift(n: int, limits: tuple[float, float], integer: bool,
               rng: np.random.Generator) -> np.ndarray:
    """Shifts ``(dy, dx)`` of shape (n, 2), uniform in ``[-limit, limit]`` per axis."""
    lim = np.asarray(limits)
    if integer:
        lim = lim.astype(np.int64)
        return rng.integers(-lim, lim + 1, size=(n, 2)).astype(np.float64)
    return rng.uniform(-lim, lim, size=(n, 2))


def zoom_range(zoom: Any) -> tuple[float, float]:
    """``(lowest, highest)`` magnification: ``z -> (1 - z, 1 + z)``, or a pair as given."""
    if isinstance(zoom, (tuple, list)):
        if len(zoom) != 2:
            raise ValueError(f"`zoom` must be a number or a pair, got {zoom!r}.")
        lo, hi = (check_nonneg(v, "zoom") for v in zoom)
    else:
        z = check_nonneg(zoom, "zoom")
        lo, hi = 1.0 - z, 1.0 + z
    if not 0 < lo <= hi:
        raise ValueError(f"`zoom` must give magnifications 0 < low <= high, got {zoom!r}.")
    return lo, hi


# ------------------------------------------------------------------ geometric transforms


def random_rotation(
    x: Any,
    max_degrees: float,
    rng: RNG = None,
    fill_mode: str = "constant",
    fill_value: float = 0.0,
    interpolation: str = "bilinear",
) -> np.ndarray:
    """Rotate each image by a random angle in ``[-max_degrees, max_degrees]`` degrees.

    ``fill_mode``, ``fill_value`` and ``interpolation`` are those of
    :func:`~glassnet.augmentation.geometry.affine_transform`. ``max_degrees=0`` returns an
    exact copy.
    """
    x = check_images(x)
    angles = draw_rotation(x.shape[0], check_nonneg(max_degrees, "max_degrees"), as_rng(rng))
    return affine_transform(x, rotation=angles, fill_mode=fill_mode, fill_value=fill_value,
                            interpolation=interpolation)


def random_shift(
    x: Any,
    max_shift: Any,
    rng: RNG = None,
    fill_mode: str = "constant",
    fill_value: float = 0.0,
    interpolation: str = "bilinear",
) -> np.ndarray:
    """Shift each image by a random offset, as Keras's ``width/height_shift_range``.

    Parameters
    ----------
    x : ndarray of shape (n, h, w) or (n, h, w, c)
    max_shift : int, float, or a pair of them (vertical, horizontal)
        An int: whole pixels, drawn uniformly from ``-max_shift..max_shift``. A float below 1:
        a fraction of the height/width; a float of 1 or more: pixels; drawn continuously.
    rng : Generator, int or None
    fill_mode, fill_value, interpolation
        As for :func:`~glassnet.augmentation.geometry.affine_transform`.

    Returns
    -------
    ndarray of the shape and dtype of ``x``
    """
    x = check_images(x)
    limits, integer = shift_range(max_shift, x.shape[1], x.shape[2])
    shifts = draw_shift(x.shape[0], limits, integer, as_rng(rng))
    return affine_transform(x, shift=shifts, fill_mode=fill_mode, fill_value=fill_value,
                            interpolation=interpolation)


def random_zoom(
    x: Any,
    zoom: Any,
    rng: RNG = None,
    fill_mode: str = "constant",
    fill_value: float = 0.0,
    interpolation: str = "bilinear",
) -> np.ndarray:
    """Magnify each image by a random factor in ``[1 - zoom, 1 + zoom]`` (or ``zoom=(lo, hi)``).

    A factor above 1 enlarges the content (unlike Keras's ``zoom_range``, which gives the
    inverse). ``zoom=0`` returns an exact copy.
    """
    x = check_images(x)
    lo, hi = zoom_range(zoom)
    factors = as_rng(rng).uniform(lo, hi, x.shape[0])
    return affine_transform(x, zoom=factors, fill_mode=fill_mode, fill_value=fill_value,
                            interpolation=interpolation)


def flip_horizontal(x: Any) -> np.ndarray:
    """Mirror every image left-right (a copy); applying it twice gives back ``x``."""
    return check_images(x)[:, :, ::-1].copy()


def flip_vertical(x: Any) -> np.ndarray:
    """Mirror every image upside down (a copy); applying it twice gives back ``x``."""
    return check_images(x)[:, ::-1].copy()


def flip_masks(n: int, mode: str, p: float, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Which images flip left-right and which upside down: two bool arrays of shape (n,)."""
    horiz = rng.random(n) < p if mode != "vertical" else np.zeros(n, bool)
    vert = rng.random(n) < p if mode != "horizontal" else np.zeros(n, bool)
    return horiz, vert


def apply_flips(x: np.ndarray, horiz: np.ndarray, vert: np.ndarray) -> np.ndarray:
    extra = (1,) * (x.ndim - 1)
    x = np.where(horiz.reshape(-1, *extra), x[:, :, ::-1], x)
    return np.where(vert.reshape(-1, *extra), x[:, ::-1], x)


def random_flip(x: Any, rng: RNG = None, mode: str = "horizontal", p: float = 0.5) -> np.ndarray:
    """Mirror each image with probability ``p``.

    ``mode`` is 'horizontal' (left-right), 'vertical' or 'horizontal_and_vertical' (each
    drawn independently), as in Keras's ``RandomFlip``.
    """
    x = check_images(x)
    check_choice(mode, "mode", FLIP_MODES)
    return apply_flips(x, *flip_masks(x.shape[0], mode, check_prob(p), as_rng(rng)))


# ------------------------------------------------------------------ pixel-wise transforms


def noise_scale(dtype: np.dtype) -> float:
    """Intensity range that ``std`` is a fraction of: 255 for uint8, 1 for floats."""
    return float(np.iinfo(dtype).max) if dtype.kind in "iu" else 1.0


def gaussian_noise(x: Any, std: float, rng: RNG = None) -> np.ndarray:
    """Add independent Gaussian noise to every pixel.

    ``std`` is a fraction of the intensity range: of 255 for uint8 images (0.05 is 12.75 grey
    levels; the result is rounded and clipped to 0..255), of 1 for float images (assumed in
    [0, 1]; not clipped, so standardised data keep their range). ``std=0`` copies ``x``.
    """
    x = check_images(x)
    std = check_nonneg(std, "std")
    if std == 0:
        return x.copy()
    work = np.float64 if x.dtype == np.float64 else np.float32
    noise = as_rng(rng).standard_normal(x.shape, dtype=work) * work(std * noise_scale(x.dtype))
    return to_dtype(x.astype(work) + noise, x.dtype)


def erasing_masks(
    n: int, h: int, w: int, p: float, rng: np.random.Generator,
    scale: tuple[float, float] = (0.02, 0.33), ratio: tuple[float, float] = (0.3, 3.3),
) -> np.ndarray:
    """Bool masks of shape (n, h, w): one random rectangle in each image chosen with prob p."""
    chosen = rng.random(n) < p
    area = rng.uniform(*scale, n) * h * w
    aspect = np.exp(rng.uniform(np.log(ratio[0]), np.log(ratio[1]), n))
    eh = np.clip(np.rint(np.sqrt(area * aspect)), 1, h).astype(np.intp)
    ew = np.clip(np.rint(np.sqrt(area / aspect)), 1, w).astype(np.intp)
    top = np.floor(rng.random(n) * (h - eh + 1)).astype(np.intp)
    left = np.floor(rng.random(n) * (w - ew + 1)).astype(np.intp)
    rows = np.arange(h)[None, :, None]
    cols = np.arange(w)[None, None, :]
    inside = ((rows >= top[:, None, None]) & (rows < (top + eh)[:, None, None])
              & (cols >= left[:, None, None]) & (cols < (left + ew)[:, None, None]))
    return inside & chosen[:, None, None]


def random_erasing(
    x: Any, rng: RNG = None, p: float = 0.5, scale: tuple[float, float] = (0.02, 0.33),
    ratio: tuple[float, float] = (0.3, 3.3), value: float = 0.0,
) -> np.ndarray:
    """Random erasing (Zhong et al., 2017): blank one random rectangle in some images.

    Parameters
    ----------
    x : ndarray of shape (n, h, w) or (n, h, w, c)
    rng : Generator, int or None
    p : float, default 0.5
        Probability that an image gets a rectangle.
    scale : (float, float), default (0.02, 0.33)
        Range of the rectangle's area, as a fraction of the image's.
    ratio : (float, float), default (0.3, 3.3)
        Range of its height/width ratio (drawn log-uniformly).
    value : float, default 0.0
        What the rectangle is filled with.

    Returns
    -------
    ndarray of the shape and dtype of ``x``
    """
    x = check_images(x)
    p = check_prob(p)
    if not (0 < scale[0] <= scale[1] <= 1 and 0 < ratio[0] <= ratio[1]):
        raise ValueError(
            f"`scale` must satisfy 0 < low <= high <= 1 and `ratio` 0 < low <= high, got "
            f"scale={scale!r}, ratio={ratio!r}."
        )
    mask = erasing_masks(x.shape[0], x.shape[1], x.shape[2], p, as_rng(rng), scale, ratio)
    return apply_erasing(x, mask, value)


def apply_erasing(x: np.ndarray, mask: np.ndarray, value: float) -> np.ndarray:
    fill = to_dtype(np.asarray(value, dtype=np.float64), x.dtype)
    return np.where(mask.reshape(mask.shape + (1,) * (x.ndim - 3)), fill, x)
