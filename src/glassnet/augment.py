"""Short alias of :mod:`glassnet.augmentation`: ``from glassnet.augment import ImageAugmenter``."""

from glassnet.augmentation import (
    BatchFlow,
    ImageAugmenter,
    affine_transform,
    flip_horizontal,
    flip_vertical,
    gaussian_noise,
    random_erasing,
    random_flip,
    random_rotation,
    random_shift,
    random_zoom,
)

__all__ = [
    "BatchFlow",
    "ImageAugmenter",
    "affine_transform",
    "flip_horizontal",
    "flip_vertical",
    "gaussian_noise",
    "random_erasing",
    "random_flip",
    "random_rotation",
    "random_shift",
    "random_zoom",
]
