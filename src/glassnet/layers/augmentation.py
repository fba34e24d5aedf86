"""Augmentation as a layer: random image transforms while training, the identity otherwise.

>>> from glassnet.augmentation import ImageAugmenter
>>> layer = RandomAugmentation(ImageAugmenter(rotation=10, shift=2, zoom=0.1))
>>> # Sequential([Input((28, 28)), layer, Flatten(), Dense(10)]) ...    # doctest: +SKIP

The layer is input preprocessing: its backward pass returns ``grad_y`` unchanged (no
gradient flows "through" the random warp), so it belongs before any trainable parameter, where
what reaches it is discarded; it has no parameters. Keras's ``RandomRotation``,
``RandomZoom``, ``RandomTranslation`` and ``RandomFlip`` (:mod:`glassnet.layers`) have the
exact backward instead (the transpose of the warp), and may sit anywhere in a model.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.augmentation.augmenter import ImageAugmenter
from glassnet.augmentation.geometry import check_images
from glassnet.layers._stochastic import seed_noise
from glassnet.layers.base import Layer


class RandomAugmentation(Layer):
    """Apply an :class:`~glassnet.augmentation.ImageAugmenter` to each training batch.

    Parameters
    ----------
    augmenter : ImageAugmenter or dict, optional
        The transforms (a dict is ``ImageAugmenter`` config); by default a mild one for
        digits: ``rotation=10, shift=2, zoom=0.1``.
    seed : int, optional
        Seed of this layer's generator. Without it the model hands the layer its noise
        generator (``noise_rng``), so training is reproducible from the model's seed.
    **base
        ``name``, ``input_shape``, ... of :class:`~glassnet.layers.base.Layer`.

    Notes
    -----
    ``forward(x, training=True)`` returns ``augmenter(x, rng=noise_rng)``, a new array of the
    shape and dtype of ``x`` (shape (batch, h, w) or (batch, h, w, c));
    ``forward(x, training=False)`` returns ``x`` itself. ``backward(grad_y)`` returns
    ``grad_y``.
    """

    stochastic = True

    def __init__(
        self,
        augmenter: ImageAugmenter | dict[str, Any] | None = None,
        seed: int | None = None,
        **base: Any,
    ) -> None:
        super().__init__(**base)
        if augmenter is None:
            augmenter = ImageAugmenter(rotation=10, shift=2, zoom=0.1)
        elif isinstance(augmenter, dict):
            augmenter = ImageAugmenter.from_config(augmenter)
        elif not isinstance(augmenter, ImageAugmenter):
            raise TypeError(
                "RandomAugmentation `augmenter` must be an ImageAugmenter or its config dict, "
                f"got {type(augmenter).__name__}."
            )
        self.augmenter = augmenter
        self.seed = seed

    def build(self, input_shape: tuple[int, ...], rng: np.random.Generator | None = None) -> None:
        if len(input_shape) not in (2, 3):
            raise ValueError(
                f"RandomAugmentation '{self.name}' needs images of shape (h, w) or (h, w, c) "
                f"per sample, got input_shape {tuple(input_shape)}."
            )
        super().build(input_shape, rng)
        seed_noise(self)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        if not training:
            return x
        return self.augmenter(check_images(x), rng=self.noise_rng)

    def backward(self, grad_y: np.ndarray) -> np.ndarray:
        # Augmentation is treated as input preprocessing: the gradient passes unchanged.
        return grad_y

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(augmenter=self.augmenter.get_config(), seed=self.seed)
        return config
