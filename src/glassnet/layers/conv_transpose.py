"""Conv2DTranspose: the adjoint of a 2-D convolution ("deconvolution"), as in Keras.

Where :class:`~glassnet.layers.Conv2D` gathers a window of inputs into one output pixel
(im2col, then a matmul), the transposed convolution scatters each input pixel, multiplied
by the kernel, onto a window of the output (a matmul, then col2im). The two passes swap:
this layer's forward is Conv2D's input gradient, and its input gradient is a Conv2D forward.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import _validate
from glassnet.layers import _im2col as win
from glassnet.layers._shapes import check_channels, check_rank, known_channels
from glassnet.layers._weights_config import _KernelLayer


def transpose_geometry(length: int, k_eff: int, stride: int, padding: str,
                       output_padding: int | None) -> tuple[int, int]:
    """``(crop, out)`` along one axis for an input of ``length`` pixels.

    The scatter fills a "full" output of ``(length - 1) * stride + k_eff`` pixels; the layer
    returns ``out`` of them starting at ``crop`` (zeros past the full output's end). These
    are TensorFlow's and JAX's rules (Keras's ``deconv_output_length``)::

        'valid':  crop = 0,              out = (length - 1) * stride + max(k_eff, stride)
        'same':   pad = stride + k_eff - 2,  crop = k_eff - 1 - min(ceil(pad / 2), k_eff - 1),
                  out = length * stride

    With ``output_padding`` ``p``: 'valid' gives ``(length - 1) * stride + k_eff + p``,
    'same' ``(length - 1) * stride + k_eff % 2 + p``.
    """
    if padding == "valid":
        extra = max(k_eff, stride) - k_eff if output_padding is None else output_padding
        return 0, (length - 1) * stride + k_eff + extra
    if output_padding is None:
        pad = stride + k_eff - 2
    else:
        pad = k_eff + k_eff % 2 - 2 + output_padding
    left = min(pad // 2 + pad % 2, k_eff - 1)
    return k_eff - 1 - left, (length - 1) * stride + pad - k_eff + 2


class Conv2DTranspose(_KernelLayer):
    """Transposed 2-D convolution, Keras's ``Conv2DTranspose`` (channels last).

    Parameters
    ----------
    filters : int
        Output channels ``f``.
    kernel_size : int or tuple of 2 ints
    strides : int or tuple of 2 ints, default (1, 1)
        Upsampling factors: 'same' gives ``(h * sh, w * sw)`` outputs.
    padding : {'valid', 'same'}, default 'valid'
    output_padding : int or tuple of 2 ints, optional
        Extra pixels at the bottom/right; each must be smaller than its stride.
    data_format : {'channels_last'}, optional
    dilation_rate : int or tuple of 2 ints, default (1, 1)
    activation : str or ActivationFunction, optional
    use_bias : bool, default True
    **kwargs
        Of the (kh, kw, f, c) kernel (output channels third) and the bias:
        ``kernel_initializer`` (default ``'glorot_uniform'``), ``bias_initializer`` (``'zeros'``),
        the regularizers and constraints: see :class:`~glassnet.layers._weights_config._KernelLayer`.

    Notes
    -----
    Shapes: ``x`` (n, h, w, c), kernel ``W`` (kh, kw, f, c) (Keras's: output channels
    third), ``y`` (n, oh, ow, f). With ``X`` = ``x`` as (n*h*w, c) and ``Wr`` = ``W`` as
    (kh*kw*f, c)::

        P = X @ Wr.T                     (n*h*w, c) @ (c, kh*kw*f): every pixel's window
        full = col2im(P)                 add each window onto the output, stride apart
        y = f(crop(full) + b)
        dL/dfull = uncrop(dL/dz)         dL/dz = f'(z) * dL/dy
        dL/dP = im2col(dL/dfull)         (n*h*w, kh*kw*f): what each window received
        dL/dWr = dL/dP.T @ X             (kh*kw*f, n*h*w) @ (n*h*w, c)
        dL/dX = dL/dP @ Wr               (n*h*w, kh*kw*f) @ (kh*kw*f, c)
        dL/db = sum over n, oh, ow of dL/dz
    """

    config_keys = ("filters", "kernel_size", "strides", "padding", "output_padding", "dilation_rate")

    def __init__(
        self,
        filters: int,
        kernel_size: int | tuple[int, int],
        strides: int | tuple[int, int] = (1, 1),
        padding: str = "valid",
        output_padding: int | tuple[int, int] | None = None,
        data_format: str | None = None,
        dilation_rate: int | tuple[int, int] = (1, 1),
        activation: Any = None,
        use_bias: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        owner = "Conv2DTranspose"
        filters = _validate.check_positive_int(owner, "filters", filters)
        if data_format not in (None, "channels_last"):
            raise ValueError(
                f"{owner} `data_format` must be 'channels_last', got {data_format!r}.")
        self.filters = int(filters)
        self.kernel_size = win.int_pair(kernel_size, owner, "kernel_size")
        self.strides = win.int_pair(strides, owner, "strides")
        self.padding = win.check_padding(padding, owner)
        self.dilation_rate = win.int_pair(dilation_rate, owner, "dilation_rate")
        self.output_padding = None if output_padding is None else win.int_pair(
            output_padding, owner, "output_padding", minimum=0)
        if self.output_padding is not None and any(
                p >= s for p, s in zip(self.output_padding, self.strides, strict=True)):
            raise ValueError(
                f"{owner} `output_padding` must be smaller than `strides` along each axis, got "
                f"output_padding={self.output_padding} and strides={self.strides}."
            )
        self._set_weights_config(activation, use_bias)

    def _k_eff(self) -> tuple[int, int]:
        (kh, kw), (dh, dw) = self.kernel_size, self.dilation_rate
        return (kh - 1) * dh + 1, (kw - 1) * dw + 1

    def _geometry(self, h: int, w: int) -> tuple[tuple[int, int], tuple[int, int]]:
        """``((crop_h, out_h), (crop_w, out_w))`` for an input of ``h`` by ``w`` pixels."""
        ops = self.output_padding or (None, None)
        return tuple(  # type: ignore[return-value]
            transpose_geometry(n, k, s, self.padding, p)
            for n, k, s, p in zip((h, w), self._k_eff(), self.strides, ops, strict=True))

    def output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        check_rank(self, input_shape, owner="Conv2DTranspose")
        h, w = input_shape[0], input_shape[1]
        (_, oh), (_, ow) = self._geometry(h or 1, w or 1)
        return (None if h is None else oh, None if w is None else ow, self.filters)

    def build(self, input_shape, rng=None):
        input_shape = tuple(input_shape)
        self.output_shape(input_shape)
        c = known_channels(self, input_shape, owner="Conv2DTranspose")
        super().build(input_shape, rng)
        self._add_kernel_and_bias((*self.kernel_size, self.filters, c), self.filters, rng)

    def forward(self, x, training=False):
        kernel = self.params["kernel"]
        kh, kw, f, c = kernel.shape
        check_channels(self, x, c, owner="Conv2DTranspose")
        n, h, w, _ = x.shape
        (eh, ew), (sh, sw) = self._k_eff(), self.strides
        full_shape = (n, (h - 1) * sh + eh, (w - 1) * sw + ew, f)
        x2 = np.ascontiguousarray(x).reshape(-1, c)  # (n*h*w, c)
        p = x2 @ kernel.reshape(-1, c).T  # (n*h*w, c) @ (c, kh*kw*f)
        taps = p.reshape(n, h, w, kh, kw, f).transpose(3, 4, 0, 1, 2, 5)  # tap-major
        full = win.col2im(taps, full_shape, self.strides, self.dilation_rate)
        geometry = self._geometry(h, w)
        z = self._crop(full, geometry, f)
        if self.use_bias:
            z += self.params["bias"]
        a = self.activation.forward_owned(z)
        self._cache = (x2, full_shape, geometry, (h, w), z, a)
        return a

    @staticmethod
    def _crop(full: np.ndarray, geometry: Any, f: int) -> np.ndarray:
        """The ``(out_h, out_w)`` window of ``full`` at ``(crop_h, crop_w)``, zero past its end."""
        (ch, oh), (cw, ow) = geometry
        z = np.zeros((full.shape[0], oh, ow, f), dtype=full.dtype)
        part = full[:, ch:ch + oh, cw:cw + ow]
        z[:, :part.shape[1], :part.shape[2]] = part
        return z

    def backward(self, grad_y):
        z, a = self._cache[4], self._cache[5]
        return self.backward_preactivation(self.activation.backward(z, a, grad_y))

    def backward_preactivation(self, grad_z):
        """Backward from ``dL/dz`` (a loss that fuses this layer's activation calls this)."""
        x2, full_shape, geometry, (h, w), _, _ = self._cache
        kernel = self.params["kernel"]
        kh, kw, f, c = kernel.shape
        (ch, oh), (cw, ow) = geometry
        if self.use_bias:
            self.grads["bias"][...] = grad_z.sum(axis=(0, 1, 2))
        gfull = np.zeros(full_shape, dtype=grad_z.dtype)  # uncrop: the adjoint of _crop
        part = gfull[:, ch:ch + oh, cw:cw + ow]
        part[...] = grad_z[:, :part.shape[1], :part.shape[2]]
        dp = win.im2col(gfull, (kh, kw), self.strides, self.dilation_rate, (h, w))
        dp2 = dp.reshape(-1, kh * kw * f)  # (n*h*w, kh*kw*f)
        self.grads["kernel"][...] = (dp2.T @ x2).reshape(kernel.shape)  # (kh*kw*f, c)
        if not self.input_grad_needed:
            return None
        dx = dp2 @ kernel.reshape(-1, c)  # (n*h*w, kh*kw*f) @ (kh*kw*f, c)
        return dx.reshape(-1, h, w, c)
