"""Image size layers of Keras's preprocessing: Resizing (nearest or bilinear) and CenterCrop.

Resizing is linear in the image: along each axis the output is ``A @ x`` for an interpolation
matrix ``A`` (out, in), so ``y = A_h x A_w^T`` per sample and channel, and backward is the
adjoint ``dL/dx = A_h^T dL/dy A_w``. The matrices follow PyTorch's ``interpolate`` (Keras's
torch backend), half-pixel centres, no antialiasing:

- bilinear: source ``s = max((i + 0.5) * in / out - 0.5, 0)``, weights ``1 - t`` and ``t`` on
  ``floor(s)`` and the next pixel (the last pixel repeats at the edge), ``t = s - floor(s)``;
- nearest: source ``min(floor((i + 0.5) * in / out), in - 1)`` (PyTorch's "nearest-exact").
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import _validate
from glassnet.layers._shapes import IMAGES, _CheckedLayer

_INTERPOLATIONS = ("bilinear", "nearest")


def interpolation_matrix(size_in: int, size_out: int, interpolation: str) -> np.ndarray:
    """``A`` (size_out, size_in) with ``resized = A @ x`` along one axis (see the module)."""
    scale = size_in / size_out
    rows = np.arange(size_out)
    A = np.zeros((size_out, size_in))
    if interpolation == "nearest":
        A[rows, np.minimum(np.floor((rows + 0.5) * scale).astype(int), size_in - 1)] = 1.0
        return A
    src = np.maximum((rows + 0.5) * scale - 0.5, 0.0)
    lo = np.minimum(np.floor(src).astype(int), size_in - 1)
    hi = np.minimum(lo + 1, size_in - 1)
    t = src - lo
    np.add.at(A, (rows, lo), 1.0 - t)
    np.add.at(A, (rows, hi), t)
    return A


def _check_data_format(owner: str, data_format: Any) -> None:
    if data_format not in (None, "channels_last"):
        raise ValueError(f"{owner} `data_format` must be 'channels_last', got {data_format!r}.")


class Resizing(_CheckedLayer):
    """Resize images to ``(height, width)`` (Keras's ``Resizing``, channels last).

    Parameters
    ----------
    height, width : int
        The output size.
    interpolation : {'bilinear', 'nearest'}, default 'bilinear'
    crop_to_aspect_ratio, pad_to_aspect_ratio : bool, default False
        Only False is supported.
    fill_mode : {'constant'}, default 'constant'
    fill_value : float, default 0.0
    antialias : bool, default False
        Only False is supported.
    data_format : {'channels_last'}, optional

    Notes
    -----
    ``y[n, :, :, c] = A_h @ x[n, :, :, c] @ A_w.T``; ``dL/dx = A_h.T @ dL/dy @ A_w``.
    """

    layout = IMAGES

    def __init__(self, height: int, width: int, interpolation: str = "bilinear",
                 crop_to_aspect_ratio: bool = False, pad_to_aspect_ratio: bool = False,
                 fill_mode: str = "constant", fill_value: float = 0.0, antialias: bool = False,
                 data_format: str | None = None, **base: Any) -> None:
        super().__init__(**base)
        _check_data_format("Resizing", data_format)
        self.height = _validate.check_positive_int("Resizing", "height", height)
        self.width = _validate.check_positive_int("Resizing", "width", width)
        self.interpolation = _validate.check_choice("Resizing", "interpolation", interpolation,
                                                    _INTERPOLATIONS)
        for arg, value in (("crop_to_aspect_ratio", crop_to_aspect_ratio),
                           ("pad_to_aspect_ratio", pad_to_aspect_ratio),
                           ("antialias", antialias)):
            if value:
                raise ValueError(f"Resizing `{arg}=True` is not supported; pass False.")
        if fill_mode != "constant":
            raise ValueError(
                "Invalid value for argument `fill_mode`. Only `'constant'` is supported. "
                f"Received: fill_mode={fill_mode}")
        self.crop_to_aspect_ratio = False
        self.pad_to_aspect_ratio = False
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = False
        self._matrices: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}

    def output_shape(self, input_shape):
        self._check(tuple(input_shape))
        return (self.height, self.width, input_shape[2])

    def _pair(self, h: int, w: int, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
        if (h, w) not in self._matrices:
            self._matrices[(h, w)] = (interpolation_matrix(h, self.height, self.interpolation),
                                      interpolation_matrix(w, self.width, self.interpolation))
        a_h, a_w = self._matrices[(h, w)]
        return a_h.astype(dtype, copy=False), a_w.astype(dtype, copy=False)

    def forward(self, x, training=False):
        if x.ndim != 4:
            self._check(x.shape[1:])
        dtype = x.dtype if x.dtype.kind == "f" else (self.dtype or np.dtype("float32"))
        a_h, a_w = self._pair(x.shape[1], x.shape[2], dtype)
        self._cache = (a_h, a_w)
        # (H, h) . (n, h, w, c) -> (n, H, w, c), then (W, w) . -> (n, H, W, c)
        y = np.einsum("Hh,nhwc->nHwc", a_h, x.astype(dtype, copy=False), optimize=True)
        return np.einsum("Ww,nHwc->nHWc", a_w, y, optimize=True)

    def backward(self, grad_y):
        a_h, a_w = self._cache
        g = np.einsum("Ww,nHWc->nHwc", a_w, grad_y, optimize=True)
        return np.einsum("Hh,nHwc->nhwc", a_h, g, optimize=True)

    def get_config(self):
        config = super().get_config()
        config.update(height=self.height, width=self.width, interpolation=self.interpolation,
                      crop_to_aspect_ratio=False, pad_to_aspect_ratio=False,
                      fill_mode=self.fill_mode, fill_value=self.fill_value, antialias=False,
                      data_format="channels_last")
        return config


class CenterCrop(_CheckedLayer):
    """Crop the central ``(height, width)`` window of images (Keras's ``CenterCrop``).

    Parameters
    ----------
    height, width : int
    data_format : {'channels_last'}, optional

    Notes
    -----
    With ``top = (h - height) // 2`` and ``left = (w - width) // 2``:
    ``y = x[:, top:top + height, left:left + width, :]``; backward puts ``dL/dy`` back there
    in a zero ``dL/dx``. Images smaller than the window raise (Keras resizes them instead).
    """

    layout = IMAGES

    def __init__(self, height: int, width: int, data_format: str | None = None,
                 **base: Any) -> None:
        super().__init__(**base)
        _check_data_format("CenterCrop", data_format)
        self.height = _validate.check_positive_int("CenterCrop", "height", height)
        self.width = _validate.check_positive_int("CenterCrop", "width", width)

    def _check(self, input_shape):
        super()._check(input_shape)
        h, w = input_shape[0], input_shape[1]
        if (h is not None and h < self.height) or (w is not None and w < self.width):
            raise ValueError(
                f"CenterCrop '{self.name}' crops ({self.height}, {self.width}) windows, but "
                f"received images of shape {(None,) + tuple(input_shape)}: smaller images are "
                "not supported (resize them first).")

    def output_shape(self, input_shape):
        self._check(tuple(input_shape))
        return (self.height, self.width, input_shape[2])

    def forward(self, x, training=False):
        self._check(x.shape[1:])
        top, left = (x.shape[1] - self.height) // 2, (x.shape[2] - self.width) // 2
        self._cache = (x.shape, top, left)
        return x[:, top:top + self.height, left:left + self.width, :].copy()

    def backward(self, grad_y):
        shape, top, left = self._cache
        dx = np.zeros(shape, dtype=grad_y.dtype)
        dx[:, top:top + self.height, left:left + self.width, :] = grad_y
        return dx

    def get_config(self):
        config = super().get_config()
        config.update(height=self.height, width=self.width, data_format="channels_last")
        return config
