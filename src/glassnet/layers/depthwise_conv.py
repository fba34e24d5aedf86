"""Depthwise convolutions: DepthwiseConv2D (each channel convolved with its own kernels) and
SeparableConv2D (a depthwise convolution followed by a 1x1 convolution), as in Keras.

Both read their windows with Conv2D's im2col and share its geometry (``padding``,
``strides``, ``dilation_rate``); the depthwise product is one batched matmul per channel::

    cols (P, T, c)  with P = n*oh*ow pixels, T = kh*kw taps
    K    (T, c, m)  the depthwise kernel (kh, kw, c, m) flattened
    d[p, c, m] = sum_t cols[p, t, c] K[t, c, m]          (c, P, T) @ (c, T, m) -> (c, P, m)
    dL/dK[t, c, m] = sum_p cols[p, t, c] dL/dd[p, c, m]    (c, T, P) @ (c, P, m)
    dL/dcols[p, t, c] = sum_m dL/dd[p, c, m] K[t, c, m]    (c, P, m) @ (c, m, T), then col2im

Output channel ``c * m + j`` is input channel ``c`` through its ``j``-th kernel (Keras's order).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import _validate, activations, constraints
from glassnet.layers import _im2col as win
from glassnet.layers._shapes import check_channels, known_channels
from glassnet.layers._weights_config import set_weight_arguments, weight_arguments_config
from glassnet.layers.base import Layer
from glassnet.layers.conv import Conv2D


class _DepthwiseWeights(Layer):
    """The weight arguments of the depthwise layers, 1-D and 2-D.

    Each subclass takes its own arguments, ``activation`` and ``use_bias`` and passes its
    ``**kwargs`` on here: the weight arguments below (and, for the separable layers, those of
    :class:`_SeparableWeights`), then the base layer's (``name``, ``trainable``, ``dtype``,
    ``input_shape`` ...). An unknown keyword raises the base layer's TypeError.

    Parameters
    ----------
    depthwise_initializer, bias_initializer : str or initializer
        Default ``'glorot_uniform'`` and ``'zeros'``.
    depthwise_regularizer, bias_regularizer, depthwise_constraint, bias_constraint : optional
        Those of the depthwise kernel and the bias, as the ``kernel_*`` and ``bias_*``
        arguments of :class:`~glassnet.layers._weights_config._KernelLayer` (the regularizers
        are added to the loss, the constraints applied after each optimizer update).
    **base
        The base layer's arguments.

    Notes
    -----
    :meth:`_set_depthwise_weights_config` checks the weight arguments of every weight in
    :attr:`_weights`, with ``activation`` and ``use_bias``, once the subclass has checked its
    own arguments; at build, :meth:`_collect_constraints` maps the constraints onto the params.
    """

    activation: activations.ActivationFunction
    use_bias: bool
    depthwise_initializer: Any
    depthwise_regularizer: Any
    bias_initializer: Any
    bias_regularizer: Any
    #: The weights, as (Keras argument prefix, params key), in Keras's order.
    _weights: tuple[tuple[str, str], ...] = (("depthwise", "kernel"), ("bias", "bias"))

    def __init__(self, *, depthwise_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", depthwise_regularizer: Any = None,
                 bias_regularizer: Any = None, depthwise_constraint: Any = None,
                 bias_constraint: Any = None, **base: Any) -> None:
        super().__init__(**base)
        self.depthwise_initializer, self.bias_initializer = depthwise_initializer, bias_initializer
        self.depthwise_regularizer, self.bias_regularizer = depthwise_regularizer, bias_regularizer
        self.depthwise_constraint, self.bias_constraint = depthwise_constraint, bias_constraint

    def _set_depthwise_weights_config(self, activation: Any, use_bias: bool) -> None:
        """Store ``activation`` and ``use_bias`` and check the initializers and regularizers
        of every weight in :attr:`_weights` (see :func:`set_weight_arguments`), then resolve
        their constraints."""
        prefixes = [arg for arg, _ in self._weights]
        set_weight_arguments(self, activation, use_bias, **{
            f"{arg}_{kind}": getattr(self, f"{arg}_{kind}")
            for kind in ("initializer", "regularizer") for arg in prefixes})
        for arg in prefixes:
            setattr(self, f"{arg}_constraint", constraints.get(getattr(self, f"{arg}_constraint")))

    def _collect_constraints(self) -> None:
        """At build, once the params exist: ``weight_constraints`` by params key."""
        self.weight_constraints = {key: getattr(self, f"{arg}_constraint")
                                   for arg, key in self._weights
                                   if getattr(self, f"{arg}_constraint") is not None
                                   and key in self.params}

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(weight_arguments_config(self, tuple(arg for arg, _ in self._weights)))
        return config


class _SeparableWeights(_DepthwiseWeights):
    """The pointwise kernel's weight arguments of the separable layers, 1-D and 2-D, on top of
    :class:`_DepthwiseWeights`'s (the subclass passes its ``**kwargs`` on here).

    Parameters
    ----------
    pointwise_initializer : str or initializer, default 'glorot_uniform'
    pointwise_regularizer : str or regularizer, optional
    pointwise_constraint : str or constraint, optional
    **kwargs
        :class:`_DepthwiseWeights`'s arguments and the base layer's.
    """

    pointwise_initializer: Any
    pointwise_regularizer: Any
    _weights = (("depthwise", "depthwise_kernel"), ("pointwise", "pointwise_kernel"),
                ("bias", "bias"))

    def __init__(self, *, pointwise_initializer: Any = "glorot_uniform",
                 pointwise_regularizer: Any = None, pointwise_constraint: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pointwise_initializer = pointwise_initializer
        self.pointwise_regularizer = pointwise_regularizer
        self.pointwise_constraint = pointwise_constraint


class _Depthwise(_DepthwiseWeights):
    """The depthwise stage, its geometry and its backward; subclasses add what follows."""

    config_keys: tuple[str, ...] = ("kernel_size", "strides", "padding", "depth_multiplier",
                                     "dilation_rate")
    #: The params key of the depthwise kernel (Keras: 'kernel' / 'depthwise_kernel').
    depthwise_key = "kernel"

    # The window geometry is Conv2D's (the same attributes: kernel_size, strides, padding ...).
    def _effective_kernel(self) -> tuple[int, int]:
        return Conv2D._effective_kernel(self)  # type: ignore[arg-type]

    def _pads(self, h: int, w: int) -> tuple[tuple[int, int], tuple[int, int]]:
        return Conv2D._pads(self, h, w)  # type: ignore[arg-type]

    def _check_input_shape(self, input_shape: tuple[Any, ...]) -> None:
        try:
            Conv2D._check_input_shape(self, input_shape)  # type: ignore[arg-type]
        except ValueError as error:  # the same message, naming this layer's class
            raise ValueError(str(error).replace("Conv2D", type(self).__name__, 1)) from None

    def __init__(self, kernel_size: Any, strides: Any = (1, 1), padding: str = "valid",
                 depth_multiplier: int = 1, data_format: str | None = None,
                 dilation_rate: Any = (1, 1), **base: Any) -> None:
        super().__init__(**base)
        owner = type(self).__name__
        if data_format not in (None, "channels_last"):
            raise ValueError(f"{owner} `data_format` must be 'channels_last', got {data_format!r}.")
        self.kernel_size = win.int_pair(kernel_size, owner, "kernel_size")
        self.strides = win.int_pair(strides, owner, "strides")
        self.padding = win.check_padding(padding, owner)
        self.depth_multiplier = _validate.check_positive_int(owner, "depth_multiplier",
                                                             depth_multiplier)
        self.dilation_rate = win.int_pair(dilation_rate, owner, "dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"{owner}: `strides > 1` is not compatible with `dilation_rate > 1`. Received: "
                f"strides={self.strides} and dilation_rate={self.dilation_rate}")
        self.input_grad_needed = True

    def _out_channels(self, channels: int) -> int:
        return channels * self.depth_multiplier

    def output_shape(self, input_shape):
        self._check_input_shape(tuple(input_shape))
        h, w, c = input_shape
        (eh, ew), (sh, sw) = self._effective_kernel(), self.strides
        return (win.output_length(h, eh, sh, self.padding),
                win.output_length(w, ew, sw, self.padding),
                None if c is None else self._out_channels(c))

    def build(self, input_shape, rng=None):
        input_shape = tuple(input_shape)
        self._check_input_shape(input_shape)
        c = known_channels(self, input_shape)
        super().build(input_shape, rng)
        self.add_param(self.depthwise_key, (*self.kernel_size, c, self.depth_multiplier),
                       self.depthwise_initializer, rng, self.depthwise_regularizer)

    def _depthwise_forward(self, x: np.ndarray) -> np.ndarray:
        """``d`` (n, oh, ow, c*m); caches the columns for :meth:`_depthwise_backward`."""
        kernel = self.params[self.depthwise_key]
        kh, kw, c, m = kernel.shape
        check_channels(self, x, c)
        n, h, w, _ = x.shape
        pads = self._pads(h, w)
        xp = win.pad_hw(x, pads)
        (eh, ew), (sh, sw) = self._effective_kernel(), self.strides
        out_hw = ((xp.shape[1] - eh) // sh + 1, (xp.shape[2] - ew) // sw + 1)
        if out_hw[0] <= 0 or out_hw[1] <= 0:
            self._check_input_shape(x.shape[1:])
        cols = win.im2col(xp, (kh, kw), (sh, sw), self.dilation_rate, out_hw)
        cols_c = cols.reshape(-1, kh * kw, c).transpose(2, 0, 1)  # (c, P, T), a view
        d = np.matmul(cols_c, kernel.reshape(kh * kw, c, m).transpose(1, 0, 2))  # (c, P, m)
        self._dw_cache = (cols_c, xp.shape, pads, (n, *out_hw))
        return np.ascontiguousarray(d.transpose(1, 0, 2)).reshape(n, *out_hw, c * m)

    def _depthwise_backward(self, grad_d: np.ndarray) -> np.ndarray | None:
        """Fill the depthwise kernel's gradient from ``dL/dd`` and return ``dL/dx``."""
        cols_c, padded_shape, pads, (n, oh, ow) = self._dw_cache
        kernel = self.params[self.depthwise_key]
        kh, kw, c, m = kernel.shape
        g = grad_d.reshape(-1, c, m).transpose(1, 0, 2)  # (c, P, m)
        dk = np.matmul(cols_c.transpose(0, 2, 1), g)  # (c, T, P) @ (c, P, m) -> (c, T, m)
        self.grads[self.depthwise_key][...] = dk.transpose(1, 0, 2).reshape(kernel.shape)
        if not self.input_grad_needed:
            return None
        k_c = kernel.reshape(kh * kw, c, m).transpose(1, 2, 0)  # (c, m, T)
        dcols = np.matmul(g, k_c)  # (c, P, m) @ (c, m, T) -> (c, P, T)
        dcols = np.ascontiguousarray(dcols.transpose(2, 1, 0)).reshape(kh, kw, n, oh, ow, c)
        dxp = win.col2im(dcols, padded_shape, self.strides, self.dilation_rate)
        (t, b), (l, r) = pads
        if t == b == l == r == 0:
            return dxp
        return dxp[:, t:padded_shape[1] - b, l:padded_shape[2] - r, :]

    def _finish(self, z: np.ndarray) -> np.ndarray:
        """Bias (with ``use_bias``) and activation over the layer's pre-activation ``z``."""
        if self.use_bias:
            z += self.params["bias"]
        a = self.activation.forward_owned(z)
        self._cache = (z, a)
        return a

    def backward(self, grad_y):
        z, a = self._cache
        return self.backward_preactivation(self.activation.backward(z, a, grad_y))


class DepthwiseConv2D(_Depthwise):
    """Convolve each input channel with ``depth_multiplier`` kernels of its own (Keras's).

    Parameters
    ----------
    kernel_size : int or tuple of 2 ints
    strides : int or tuple of 2 ints, default (1, 1)
    padding : {'valid', 'same'}, default 'valid'
    depth_multiplier : int, default 1
        Output channels per input channel: the output has ``c * depth_multiplier`` channels.
    data_format : {'channels_last'}, optional
    dilation_rate : int or tuple of 2 ints, default (1, 1)
    activation : optional
    use_bias : bool, default True
    **kwargs
        ``depthwise_initializer`` (default ``'glorot_uniform'``), ``bias_initializer``
        (``'zeros'``), the regularizers and constraints: see :class:`_DepthwiseWeights`.

    Notes
    -----
    Weights as Keras's: ``kernel`` (kh, kw, c, m) and ``bias`` (c*m,). ``z = d + b``,
    ``y = f(z)`` with ``d`` the depthwise product of the module notes.
    """

    def __init__(self, kernel_size: Any, strides: Any = (1, 1), padding: str = "valid",
                 depth_multiplier: int = 1, data_format: str | None = None,
                 dilation_rate: Any = (1, 1), activation: Any = None, use_bias: bool = True,
                 **kwargs: Any) -> None:
        super().__init__(kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, **kwargs)
        self._set_depthwise_weights_config(activation, use_bias)

    def build(self, input_shape, rng=None):
        super().build(input_shape, rng)
        if self.use_bias:
            self.add_param("bias", (self._out_channels(int(input_shape[-1])),),
                           self.bias_initializer, rng, self.bias_regularizer)
        self._collect_constraints()

    def forward(self, x, training=False):
        return self._finish(self._depthwise_forward(x))

    def backward_preactivation(self, grad_z):
        """Backward from ``dL/dz`` (a loss that fuses the activation calls this)."""
        if self.use_bias:
            self.grads["bias"][...] = grad_z.reshape(-1, grad_z.shape[-1]).sum(axis=0)
        return self._depthwise_backward(grad_z)


class SeparableConv2D(_Depthwise, _SeparableWeights):
    """A depthwise convolution, then a 1x1 convolution mixing the channels (Keras's).

    Parameters
    ----------
    filters : int
        Output channels.
    kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier
        Of the depthwise stage, as :class:`DepthwiseConv2D`'s.
    activation : optional
    use_bias : bool, default True
    **kwargs
        ``depthwise_initializer``, ``pointwise_initializer`` (default ``'glorot_uniform'``),
        ``bias_initializer`` (``'zeros'``), the regularizers and constraints: see
        :class:`_DepthwiseWeights` and :class:`_SeparableWeights`.

    Notes
    -----
    Weights as Keras's: ``depthwise_kernel`` (kh, kw, c, m), ``pointwise_kernel``
    (1, 1, c*m, filters), ``bias`` (filters,). With ``d`` (P, c*m) the depthwise output and
    ``Wp`` the pointwise kernel as (c*m, filters)::

        z = d @ Wp + b,  y = f(z)
        dL/dWp = d.T @ dL/dz,  dL/db = sum_P dL/dz,  dL/dd = dL/dz @ Wp.T
    """

    config_keys = ("filters",) + _Depthwise.config_keys
    depthwise_key = "depthwise_kernel"

    def __init__(self, filters: int, kernel_size: Any, strides: Any = (1, 1),
                 padding: str = "valid", data_format: str | None = None,
                 dilation_rate: Any = (1, 1), depth_multiplier: int = 1,
                 activation: Any = None, use_bias: bool = True, **kwargs: Any) -> None:
        super().__init__(kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, **kwargs)
        self.filters = _validate.check_positive_int("SeparableConv2D", "filters", filters)
        self._set_depthwise_weights_config(activation, use_bias)

    def _out_channels(self, channels: int) -> int:
        return self.filters

    def build(self, input_shape, rng=None):
        super().build(input_shape, rng)
        cm = int(input_shape[-1]) * self.depth_multiplier
        self.add_param("pointwise_kernel", (1, 1, cm, self.filters), self.pointwise_initializer,
                       rng, self.pointwise_regularizer)
        if self.use_bias:
            self.add_param("bias", (self.filters,), self.bias_initializer, rng,
                           self.bias_regularizer)
        self._collect_constraints()

    def forward(self, x, training=False):
        d = self._depthwise_forward(x)  # (n, oh, ow, c*m)
        wp = self.params["pointwise_kernel"]
        self._d = d
        z = d @ wp.reshape(wp.shape[2], self.filters)  # (n, oh, ow, c*m) @ (c*m, f)
        return self._finish(z)

    def backward_preactivation(self, grad_z):
        """Backward from ``dL/dz`` (a loss that fuses the activation calls this)."""
        wp = self.params["pointwise_kernel"]
        cm = wp.shape[2]
        g2 = grad_z.reshape(-1, self.filters)  # (P, f)
        if self.use_bias:
            self.grads["bias"][...] = g2.sum(axis=0)
        self.grads["pointwise_kernel"][...] = (self._d.reshape(-1, cm).T @ g2).reshape(wp.shape)
        grad_d = (g2 @ wp.reshape(cm, self.filters).T).reshape(self._d.shape)  # (P, c*m)
        return self._depthwise_backward(grad_d)
