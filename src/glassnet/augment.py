"""Short alias of :mod:`glassnet.augmentation`: ``from glassnet.augment import ImageAugmenter``."""

from glassnet import augmentation as _augmentation
from glassnet.augmentation import *  # noqa: F403 - the alias re-exports exactly that API

__all__ = list(_augmentation.__all__)
