"""Conv2D: 2-D convolution (cross-correlation, as in Keras) over channels-last images."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import _validate
from glassnet.layers import _channels as ch
from glassnet.layers import _im2col as win
from glassnet.layers._shapes import check_channels
from glassnet.layers._weights_config import _KernelLayer


def check_groups(layer: Any, groups: Any) -> None:
    """Keras's ``groups`` argument of the convolutions: only 1 is supported."""
    if isinstance(groups, bool) or groups != 1:
        who = type(layer).__name__ + (f" '{layer.name}'" if layer.name else "")
        raise ValueError(f"{who} `groups` must be 1 (grouped convolutions are not supported), "
                         f"got {groups!r}.")


class Conv2D(_KernelLayer):
    """2-D convolution layer, Keras's ``Conv2D`` (channels last).

    Parameters
    ----------
    filters : int
        Output channels ``f``.
    kernel_size : int or tuple of 2 ints
        Window ``(kh, kw)``.
    strides : int or tuple of 2 ints, default (1, 1)
    padding : {'valid', 'same'}, default 'valid'
        'same' pads with zeros as TensorFlow does (the extra pixel at the bottom/right), so
        the output is ``ceil(h / s)`` by ``ceil(w / s)``.
    data_format : {'channels_last'}, default 'channels_last'
        Accepted for Keras compatibility; only channels last is supported.
    dilation_rate : int or tuple of 2 ints, default (1, 1)
        Spacing between kernel taps; the window spans ``(k - 1) * d + 1`` pixels.
    groups : int, default 1
        Keras's grouped convolution; only 1 (every filter sees every input channel).
    activation : str or ActivationFunction, optional
        Applied to the convolution; ``None`` is linear.
    use_bias : bool, default True
    **kwargs
        Of the (kh, kw, c, f) kernel (fans ``kh * kw * c`` and ``kh * kw * f``) and the bias:
        ``kernel_initializer`` (default ``'glorot_uniform'``), ``bias_initializer`` (``'zeros'``),
        the regularizers and constraints: see :class:`~glassnet.layers._weights_config._KernelLayer`.

    Notes
    -----
    Shapes: ``x`` (n, h, w, c), kernel ``W`` (kh, kw, c, f), bias ``b`` (f,), ``y``
    (n, oh, ow, f). With ``xp`` the padded input and ``X`` its im2col matrix
    (n*oh*ow, kh*kw*c), whose row for output pixel ``(y, x)`` is the window under it::

        z = X @ W.reshape(kh*kw*c, f) + b          (n*oh*ow, kh*kw*c) @ (kh*kw*c, f)
        dL/dz = f'(z) * dL/dy                      the activation's own backward
        dL/dW = X.T @ dL/dz                        (kh*kw*c, n*oh*ow) @ (n*oh*ow, f)
        dL/db = sum over n, oh, ow of dL/dz
        dL/dX = dL/dz @ W.T                        (n*oh*ow, f) @ (f, kh*kw*c)
        dL/dx = col2im(dL/dX), then crop the padding

    ``col2im`` adds each tap's slice of ``dL/dX`` back onto the pixels that tap read. The
    forward's ``X`` is kept for ``dL/dW`` (never rebuilt), and its buffer is reused from one
    batch to the next.
    """

    config_keys = ("filters", "kernel_size", "strides", "padding", "dilation_rate")

    def __init__(
        self,
        filters: int,
        kernel_size: int | tuple[int, int],
        strides: int | tuple[int, int] = (1, 1),
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: int | tuple[int, int] = (1, 1),
        groups: int = 1,
        activation: Any = None,
        use_bias: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        filters = _validate.check_positive_int("Conv2D", "filters", filters)
        if data_format not in (None, "channels_last"):
            raise ValueError(
                f"Conv2D `data_format` must be 'channels_last' (the only layout glassnet "
                f"supports), got {data_format!r}."
            )
        self.filters = int(filters)
        self.kernel_size = win.int_pair(kernel_size, "Conv2D", "kernel_size")
        self.strides = win.int_pair(strides, "Conv2D", "strides")
        self.padding = win.check_padding(padding, "Conv2D")
        self.dilation_rate = win.int_pair(dilation_rate, "Conv2D", "dilation_rate")
        check_groups(self, groups)
        self._set_weights_config(activation, use_bias)
        self._cols: np.ndarray | None = None  # im2col buffer, reused across batches

    # -- shapes ---------------------------------------------------------------------------------
    def _effective_kernel(self) -> tuple[int, int]:
        (kh, kw), (dh, dw) = self.kernel_size, self.dilation_rate
        return (kh - 1) * dh + 1, (kw - 1) * dw + 1

    def _check_input_shape(self, input_shape: tuple[Any, ...]) -> None:
        if len(input_shape) != 3:
            raise ValueError(
                f"Conv2D '{self.name}' expects inputs of shape (batch, height, width, "
                f"channels), got {(None,) + tuple(input_shape)}. Add a channel axis, e.g. "
                f"x.reshape(-1, {', '.join(str(d) for d in input_shape)}, 1) for gray images."
            )
        eh, ew = self._effective_kernel()
        for axis, size, k in (("height", input_shape[0], eh), ("width", input_shape[1], ew)):
            if self.padding == "valid" and size is not None and size < k:
                raise ValueError(
                    f"Conv2D '{self.name}': the kernel spans {k} pixels along {axis} "
                    f"(kernel_size={self.kernel_size}, dilation_rate={self.dilation_rate}) but "
                    f"the input {axis} is only {size} (input shape "
                    f"{(None,) + tuple(input_shape)}); use padding='same' or a smaller kernel."
                )

    def output_shape(self, input_shape):
        self._check_input_shape(tuple(input_shape))
        h, w = input_shape[0], input_shape[1]
        (eh, ew), (sh, sw) = self._effective_kernel(), self.strides
        return (win.output_length(h, eh, sh, self.padding),
                win.output_length(w, ew, sw, self.padding), self.filters)

    def build(self, input_shape, rng=None):
        input_shape = tuple(input_shape)
        self._check_input_shape(input_shape)
        if input_shape[-1] is None:
            raise ValueError(
                f"Conv2D '{self.name}' needs a known channel axis, got inputs of shape "
                f"{(None,) + input_shape}."
            )
        super().build(input_shape, rng)
        kh, kw = self.kernel_size
        self._add_kernel_and_bias((kh, kw, int(input_shape[-1]), self.filters), self.filters, rng)

    def _pads(self, h: int, w: int) -> tuple[tuple[int, int], tuple[int, int]]:
        if self.padding == "valid":
            return (0, 0), (0, 0)
        (eh, ew), (sh, sw) = self._effective_kernel(), self.strides
        return win.same_padding(h, eh, sh), win.same_padding(w, ew, sw)

    # -- computation ----------------------------------------------------------------------------
    def _buffer(self, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        """The im2col buffer, kept between batches (a smaller last batch uses its front)."""
        buf = self._cols
        if buf is None or buf.shape[1:] != shape[1:] or buf.shape[0] < shape[0] \
                or buf.dtype != dtype:
            buf = self._cols = np.empty(shape, dtype=dtype)
        return buf[:shape[0]]  # contiguous: the first samples of a C-ordered array

    def forward(self, x, training=False):
        kernel = self.params["kernel"]
        kh, kw, c, f = kernel.shape
        check_channels(self, x, c, owner="Conv2D")
        n, h, w, _ = x.shape
        pads = self._pads(h, w)
        xp = win.pad_hw(x, pads)  # (n, hp, wp, c); x itself for 'valid'
        (eh, ew), (sh, sw) = self._effective_kernel(), self.strides
        out_hw = ((xp.shape[1] - eh) // sh + 1, (xp.shape[2] - ew) // sw + 1)
        if out_hw[0] <= 0 or out_hw[1] <= 0:
            self._check_input_shape(x.shape[1:])
        if (kh, kw) == (1, 1) and (sh, sw) == (1, 1):
            cols = np.ascontiguousarray(xp)  # a 1x1 convolution needs no im2col
        else:
            cols = win.im2col(xp, (kh, kw), (sh, sw), self.dilation_rate, out_hw,
                              out=self._buffer((n, *out_hw, kh, kw, c), x.dtype))
        cols2 = cols.reshape(-1, kh * kw * c)  # (n*oh*ow, kh*kw*c), a view
        z = cols2 @ kernel.reshape(-1, f)  # (n*oh*ow, kh*kw*c) @ (kh*kw*c, f)
        if self.use_bias:  # per sample: + the bias tiled over every pixel (see _channels)
            z_rows = z.reshape(n, -1)  # (n, oh*ow*f), a view
            z_rows += ch.tile(self.params["bias"], z_rows.shape[1])
        z = z.reshape(n, out_hw[0], out_hw[1], f)
        a = self.activation.forward_owned(z)  # over z when f' needs only a
        self._cache = (cols2, xp.shape, pads, z, a)
        return a

    def backward(self, grad_y):
        z, a = self._cache[3], self._cache[4]
        return self.backward_preactivation(self.activation.backward(z, a, grad_y))

    def backward_preactivation(self, grad_z):
        """Backward from ``dL/dz`` (a loss that fuses this layer's activation calls this)."""
        cols2, padded_shape, pads, _, _ = self._cache
        kernel = self.params["kernel"]
        kh, kw, c, f = kernel.shape
        n, oh, ow, _ = grad_z.shape
        g2 = np.ascontiguousarray(grad_z).reshape(-1, f)  # (n*oh*ow, f)
        # dL/dW = X.T @ dL/dz; np.dot takes the transposed view without a copy.
        dw = self.grads["kernel"]
        if dw.flags.c_contiguous:  # write straight into the gradient (a view: no copy)
            np.dot(cols2.T, g2, out=dw.reshape(-1, f))  # (kh*kw*c, n*oh*ow) @ (n*oh*ow, f)
        else:
            dw[...] = np.dot(cols2.T, g2).reshape(dw.shape)
        if self.use_bias:
            self.grads["bias"][...] = ch.channel_sum(g2.reshape(n, -1), f)  # (f,)
        if not self.input_grad_needed:
            return None
        if (kh, kw) == (1, 1) and self.strides == (1, 1):
            dxp = (g2 @ kernel.reshape(c, f).T).reshape(padded_shape)  # (n*oh*ow, f) @ (f, c)
        elif c >= win.SMALL_CHANNELS:
            # Tap-major dL/dX: one (n*oh*ow, c) slab per tap, contiguous, so col2im's adds
            # run along whole rows. A batched matmul: (n*oh*ow, f) @ (kh*kw, f, c).
            w_taps = np.ascontiguousarray(kernel.reshape(kh * kw, c, f).transpose(0, 2, 1))
            dcols = np.matmul(g2, w_taps).reshape(kh, kw, n, oh, ow, c)
            dxp = win.col2im(dcols, padded_shape, self.strides, self.dilation_rate)
        else:
            dcols = g2 @ kernel.reshape(-1, f).T  # (n*oh*ow, f) @ (f, kh*kw*c)
            dcols = dcols.reshape(n, oh, ow, kh, kw, c).transpose(3, 4, 0, 1, 2, 5)
            dxp = win.col2im(dcols, padded_shape, self.strides, self.dilation_rate)
        (t, b), (l, r) = pads
        if t == b == l == r == 0:
            return dxp
        return dxp[:, t:padded_shape[1] - b, l:padded_shape[2] - r, :]  # crop the padding

