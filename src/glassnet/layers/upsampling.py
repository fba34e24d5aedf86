"""UpSampling1D and UpSampling2D: repeat (or linearly interpolate) along time / height, width."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import _validate
from glassnet.layers import _im2col as win
from glassnet.layers._shapes import IMAGES, _CheckedLayer

INTERPOLATIONS = ("nearest", "bilinear")


class UpSampling1D(_CheckedLayer):
    """Repeat each time step ``size`` times: ``(batch, steps, f) -> (batch, steps * size, f)``.

    Parameters
    ----------
    size : int, default 2

    Notes
    -----
    ``y[:, t * size + r] = x[:, t]``; so ``dL/dx[:, t] = sum_r dL/dy[:, t * size + r]``.
    """

    config_keys = ("size",)
    layout = "(batch, steps, features)"

    def __init__(self, size: int = 2, **base: Any) -> None:
        super().__init__(**base)
        self.size = _validate.check_positive_int("UpSampling1D", "size", size)

    def output_shape(self, input_shape):
        self._check(tuple(input_shape))
        steps = input_shape[0]
        return (None if steps is None else steps * self.size, input_shape[1])

    def forward(self, x, training=False):
        if x.ndim != 3:
            self._check(x.shape[1:])
        return np.repeat(x, self.size, axis=1)

    def backward(self, grad_y):
        n, t, f = grad_y.shape
        return grad_y.reshape(n, t // self.size, self.size, f).sum(axis=2)


def _linear_matrix(n_in: int, factor: int, dtype: np.dtype) -> np.ndarray:
    """``(n_in * factor, n_in)`` weights of linear interpolation with half-pixel centres.

    Output pixel ``i`` samples the input at ``s = (i + 0.5) / factor - 0.5`` (clamped at 0),
    mixing pixels ``floor(s)`` and ``floor(s) + 1`` (clamped at the last): PyTorch's
    ``align_corners=False`` and TensorFlow's ``half_pixel_centers``, which Keras uses.
    """
    out = np.arange(n_in * factor)
    src = np.maximum((out + 0.5) / factor - 0.5, 0.0)
    lo = np.floor(src).astype(int)
    frac = src - lo
    lo = np.minimum(lo, n_in - 1)
    hi = np.minimum(lo + 1, n_in - 1)
    m = np.zeros((len(out), n_in), dtype=np.float64)
    np.add.at(m, (out, lo), 1.0 - frac)
    np.add.at(m, (out, hi), frac)
    return m.astype(dtype)


class UpSampling2D(_CheckedLayer):
    """Enlarge channels-last images by integer factors (Keras's ``UpSampling2D``).

    Parameters
    ----------
    size : int or tuple of 2 ints, default (2, 2)
        Factors ``(sh, sw)`` for height and width.
    data_format : {'channels_last'}, optional
    interpolation : {'nearest', 'bilinear'}, default 'nearest'

    Notes
    -----
    'nearest' repeats pixels: ``y[:, i, j] = x[:, i // sh, j // sw]``; backward sums each
    ``sh x sw`` block of ``dL/dy``. 'bilinear' is linear in ``x``, one interpolation matrix
    per axis (``A`` of shape (h*sh, h), ``B`` of shape (w*sw, w))::

        y = A x B.T              per sample and channel
        dL/dx = A.T dL/dy B      the adjoint
    """

    layout = IMAGES

    def __init__(self, size: int | tuple[int, int] = (2, 2), data_format: str | None = None,
                 interpolation: str = "nearest", **base: Any) -> None:
        super().__init__(**base)
        if data_format not in (None, "channels_last"):
            raise ValueError(
                f"UpSampling2D `data_format` must be 'channels_last', got {data_format!r}.")
        if interpolation not in INTERPOLATIONS:
            raise ValueError(
                f"UpSampling2D `interpolation` must be one of {INTERPOLATIONS}, "
                f"got {interpolation!r}."
            )
        self.size = win.int_pair(size, "UpSampling2D", "size")
        self.interpolation = interpolation

    def output_shape(self, input_shape):
        self._check(tuple(input_shape))
        h, w, c = input_shape
        sh, sw = self.size
        return (None if h is None else h * sh, None if w is None else w * sw, c)

    def forward(self, x, training=False):
        if x.ndim != 4:
            self._check(x.shape[1:])
        sh, sw = self.size
        if self.interpolation == "nearest":
            return np.repeat(np.repeat(x, sh, axis=1), sw, axis=2)
        a = _linear_matrix(x.shape[1], sh, x.dtype)  # (h*sh, h)
        b = _linear_matrix(x.shape[2], sw, x.dtype)  # (w*sw, w)
        self._cache = (a, b)
        return np.einsum("ih,nhwc,jw->nijc", a, x, b, optimize=True)

    def backward(self, grad_y):
        sh, sw = self.size
        if self.interpolation == "nearest":
            n, oh, ow, c = grad_y.shape
            return grad_y.reshape(n, oh // sh, sh, ow // sw, sw, c).sum(axis=(2, 4))
        a, b = self._cache
        return np.einsum("ih,nijc,jw->nhwc", a, grad_y, b, optimize=True)

    def get_config(self):
        config = super().get_config()
        config.update(size=list(self.size), interpolation=self.interpolation)
        return config
