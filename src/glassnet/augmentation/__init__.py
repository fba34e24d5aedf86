"""Image augmentation for batches of shape (n, h, w) or (n, h, w, c), vectorised and seeded.

Function forms (one random draw per image) and :class:`ImageAugmenter`, which composes them
and feeds training through :meth:`ImageAugmenter.flow`. The layer form is
:class:`glassnet.layers.augmentation.RandomAugmentation`.
"""

from glassnet.augmentation.augmenter import BatchFlow, ImageAugmenter
from glassnet.augmentation.geometry import affine_transform
from glassnet.augmentation.transforms import (
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
