"""RandomCrop: a random ``(height, width)`` window of the batch while training (Keras's layer).

While training, images larger than the window in both directions are cut at one random
offset for the whole batch (Keras draws one per batch): ``y = x[:, i:i + height, j:j +
width]``, and the backward pass puts ``dL/dy`` back there. Otherwise (inference, or smaller
images) the layer returns, as Keras documents, the largest central window with the target's
aspect ratio resized to ``(height, width)`` (bilinear, :mod:`.resizing`'s matrices), with
``dL/dx = A_h^T dL/dy A_w`` inside that window.

Keras 3.15 itself returns its input unchanged at inference, which changes the output's shape
between training and inference; glassnet keeps Keras's documented behaviour, so a model's
shapes do not depend on the mode.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import _validate
from glassnet.layers._stochastic import noise_source
from glassnet.layers.random_transforms import _RandomLayer
from glassnet.layers.resizing import interpolation_matrix


def aspect_window(h: int, w: int, height: int, width: int) -> tuple[int, int, int, int]:
    """``(top, left, crop_h, crop_w)``: the largest central window of aspect height:width."""
    crop_h = max(min(h, int(float(w * height) / width)), 1)
    crop_w = max(min(w, int(float(h * width) / height)), 1)
    return int(float(h - crop_h) / 2), int(float(w - crop_w) / 2), crop_h, crop_w


class RandomCrop(_RandomLayer):
    """Crop training images at a random place, the center at inference (Keras's ``RandomCrop``).

    Parameters
    ----------
    height, width : int
        The output size.
    seed : int, optional
    data_format : {'channels_last'}, optional
    **base
        ``name`` ... of :class:`~glassnet.layers.base.Layer`.
    """

    def __init__(self, height: int, width: int, seed: int | None = None,
                 data_format: str | None = None, **base: Any) -> None:
        super().__init__(seed=seed, data_format=data_format, **base)
        self.height = _validate.check_positive_int("RandomCrop", "height", height)
        self.width = _validate.check_positive_int("RandomCrop", "width", width)

    def output_shape(self, input_shape):
        self._check(tuple(input_shape))
        return (self.height, self.width, input_shape[2])

    def forward(self, x, training=False):
        if x.ndim != 4:
            self._check(x.shape[1:])
        h, w = x.shape[1:3]
        if (training or self._augment_anyway) and h > self.height and w > self.width:
            rng = noise_source(self)
            top = int(rng.uniform(0, h - self.height + 1))
            left = int(rng.uniform(0, w - self.width + 1))
            self._cache = ("crop", x.shape, top, left)
            return x[:, top:top + self.height, left:left + self.width].copy()
        top, left, ch, cw = aspect_window(h, w, self.height, self.width)
        dtype = x.dtype if x.dtype.kind == "f" else np.dtype("float32")
        a_h = interpolation_matrix(ch, self.height, "bilinear").astype(dtype)
        a_w = interpolation_matrix(cw, self.width, "bilinear").astype(dtype)
        window = x[:, top:top + ch, left:left + cw].astype(dtype, copy=False)
        self._cache = ("resize", x.shape, top, left, a_h, a_w)
        y = np.einsum("Hh,nhwc->nHwc", a_h, window, optimize=True)
        return np.einsum("Ww,nHwc->nHWc", a_w, y, optimize=True)

    def backward(self, grad_y):
        kind, shape, top, left = self._cache[:4]
        dx = np.zeros(shape, dtype=grad_y.dtype)
        if kind == "crop":
            dx[:, top:top + self.height, left:left + self.width] = grad_y
            return dx
        a_h, a_w = self._cache[4:]
        g = np.einsum("Ww,nHWc->nHwc", a_w, grad_y, optimize=True)
        dx[:, top:top + a_h.shape[1], left:left + a_w.shape[1]] = np.einsum(
            "Hh,nHwc->nhwc", a_h, g, optimize=True)
        return dx

    def get_config(self):
        config = super().get_config()
        config.update(height=self.height, width=self.width, data_format="channels_last")
        return config
