"""Conv1DTranspose, DepthwiseConv1D and SeparableConv1D: the 2-D layers on sequences seen as
images one pixel high, as in Keras.

A sequence ``x`` (n, L, c) is an image (n, 1, L, c); a 1-D kernel ``(k, ...)`` is the 2-D
kernel ``(1, k, ...)`` with a height of one tap, and every 1-D window argument ``a`` is the
2-D pair ``(1, a)``. Each layer here owns its Keras-shaped weights and runs the matching 2-D
layer (:class:`~glassnet.layers.Conv2DTranspose`, :class:`~glassnet.layers.DepthwiseConv2D`,
:class:`~glassnet.layers.SeparableConv2D`) on views of them, so the forward pass, the
hand-written backward pass and the fused activation are the 2-D layer's::

    y = engine.forward(x[:, None])[:, 0]                   (n, 1, L', f) -> (n, L', f)
    dL/dx = engine.backward(dL/dy[:, None])[:, 0]          (n, 1, L, c) -> (n, L, c)

The engine's ``params`` and ``grads`` are ``(1, *shape)`` views of this layer's arrays (a
model may move those into its flat parameter buffer, so the views are taken anew for each
batch), and the engine writes its gradients straight into this layer's ``grads``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import _validate
from glassnet.layers._shapes import SEQUENCES, check_channels, check_rank, known_channels
from glassnet.layers._weights_config import _KernelLayer
from glassnet.layers.base import Layer
from glassnet.layers.conv1d import positive_int
from glassnet.layers.conv_transpose import Conv2DTranspose
from glassnet.layers.depthwise_conv import (
    DepthwiseConv2D,
    SeparableConv2D,
    _DepthwiseWeights,
    _SeparableWeights,
)


def _padding(value: Any, owner: str) -> str:
    if not isinstance(value, str) or value.lower() not in ("valid", "same"):
        raise ValueError(f"{owner} `padding` must be 'valid' or 'same', got {value!r}.")
    return value.lower()


def _channels_last(value: Any, owner: str) -> str:
    if value not in (None, "channels_last"):
        raise ValueError(f"{owner} `data_format` must be 'channels_last', got {value!r}.")
    return "channels_last"


class _SequenceView(Layer):
    """Runs the 2-D layer ``_engine`` on the ``(n, 1, L, c)`` view of a batch of sequences."""

    _engine: Layer
    #: Whether the layer reads windows of its input (a 'valid' input needs ``k_eff`` steps).
    gathers: bool = True
    kernel_size: int
    dilation_rate: int
    padding: str

    def _make_engine(self, cls: type[Layer], *args: Any, **kwargs: Any) -> None:
        """``cls(*args, **kwargs)`` as the engine; its argument errors name this class."""
        try:
            self._engine = cls(*args, **kwargs)
        except ValueError as error:
            raise ValueError(str(error).replace(cls.__name__, type(self).__name__)) from None

    def _k_eff(self) -> int:
        return (self.kernel_size - 1) * self.dilation_rate + 1

    def _check_steps(self, input_shape: tuple[Any, ...]) -> None:
        check_rank(self, input_shape, SEQUENCES)
        steps = input_shape[0]
        if self.gathers and self.padding == "valid" and steps is not None \
                and steps < self._k_eff():
            raise ValueError(
                f"{type(self).__name__} '{self.name}': the kernel spans {self._k_eff()} steps "
                f"(kernel_size={self.kernel_size}, dilation_rate={self.dilation_rate}) but the "
                f"input has only {steps} (input shape {(None,) + tuple(input_shape)}); use "
                f"padding='same' or a smaller kernel.")

    def output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        self._check_steps(input_shape)
        _, steps, channels = self._engine.output_shape((1, *input_shape))
        return (steps, channels)

    def build(self, input_shape, rng=None):
        input_shape = tuple(input_shape)
        self._check_steps(input_shape)
        known_channels(self, input_shape)
        super().build(input_shape, rng)
        self._build_weights(int(input_shape[-1]), rng)
        self._engine.dtype = self.dtype
        self._engine.built = True

    def _build_weights(self, channels: int, rng: Any) -> None:
        """Create this layer's weights (Keras's names and shapes) for ``channels`` inputs."""
        raise NotImplementedError

    def _sync(self) -> None:
        """The engine's arrays: a (1, *shape) view of each 3-D weight, the bias as it is."""
        def lifted(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
            return {key: a.reshape(1, *a.shape) if a.ndim == 3 else a
                    for key, a in arrays.items()}

        self._engine.params = lifted(self.params)
        self._engine.grads = lifted(self.grads)
        self._engine.input_grad_needed = self.input_grad_needed

    def forward(self, x, training=False):
        channels = self.built_input_shape[-1] if self.built_input_shape else x.shape[-1]
        check_channels(self, x, int(channels), SEQUENCES)
        self._check_steps(x.shape[1:])
        self._sync()
        return self._engine.forward(x[:, None], training=training)[:, 0]

    def backward(self, grad_y):
        return self._input_grad(self._engine.backward(grad_y[:, None]))

    def backward_preactivation(self, grad_z):
        """Backward from ``dL/dz`` (a loss that fuses this layer's activation calls this)."""
        return self._input_grad(self._engine.backward_preactivation(grad_z[:, None]))

    @staticmethod
    def _input_grad(dx: np.ndarray | None) -> np.ndarray | None:
        return None if dx is None else dx[:, 0]


class Conv1DTranspose(_SequenceView, _KernelLayer):
    """Transposed 1-D convolution, Keras's ``Conv1DTranspose`` (channels last).

    Parameters
    ----------
    filters : int
        Output channels ``f``.
    kernel_size : int
        Window length ``k``.
    strides : int, default 1
        The upsampling factor: 'same' gives ``L * strides`` output steps.
    padding : {'valid', 'same'}, default 'valid'
    output_padding : int, optional
        Extra steps at the end; must be smaller than ``strides``.
    data_format : {'channels_last'}, optional
    dilation_rate : int, default 1
    activation : str or ActivationFunction, optional
    use_bias : bool, default True
    **kwargs
        Of the kernel (k, f, c), output channels second, and the bias:
        ``kernel_initializer`` (default ``'glorot_uniform'``), ``bias_initializer`` (``'zeros'``),
        the regularizers and constraints: see :class:`~glassnet.layers._weights_config._KernelLayer`.

    Notes
    -----
    Shapes: ``x`` (n, L, c), kernel ``W`` (k, f, c) (Keras's: output channels second), bias
    (f,), ``y`` (n, L', f) with, for ``d`` the dilation and ``k_eff = (k - 1) d + 1``::

        'valid':  L' = (L - 1) * s + max(k_eff, s)     (+ output_padding - max(0, s - k_eff))
        'same':   L' = L * s
        full[b, t*s + i*d, :] += W[i] @ x[b, t]         every input step scattered over k steps
        y = f(crop(full) + b)

    Computed and differentiated as a :class:`~glassnet.layers.Conv2DTranspose` with a
    ``(1, k)`` kernel (see its notes): ``dL/dx`` is a strided 1-D convolution of ``dL/dz``
    with ``W``, ``dL/dW`` its correlation with ``x``, ``dL/db`` the sum of ``dL/dz``.
    """

    config_keys = ("filters", "kernel_size", "strides", "padding", "output_padding",
                   "data_format", "dilation_rate")
    gathers = False

    def __init__(
        self,
        filters: int,
        kernel_size: int | tuple[int],
        strides: int | tuple[int] = 1,
        padding: str = "valid",
        output_padding: int | tuple[int] | None = None,
        data_format: str | None = None,
        dilation_rate: int | tuple[int] = 1,
        activation: Any = None,
        use_bias: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        owner = "Conv1DTranspose"
        self.data_format = _channels_last(data_format, owner)
        self.filters = positive_int(filters, owner, "filters")
        self.kernel_size = positive_int(kernel_size, owner, "kernel_size")
        self.strides = positive_int(strides, owner, "strides")
        self.dilation_rate = positive_int(dilation_rate, owner, "dilation_rate")
        self.padding = _padding(padding, owner)
        if isinstance(output_padding, (tuple, list)) and len(output_padding) == 1:
            output_padding = output_padding[0]
        self.output_padding = None if output_padding is None else \
            _validate.check_number(owner, "output_padding", output_padding, low=0,
                                   integer=True)
        if self.output_padding is not None and self.output_padding >= self.strides:
            raise ValueError(
                f"{owner} `output_padding` must be smaller than `strides`, got "
                f"output_padding={self.output_padding} and strides={self.strides}.")
        self._set_weights_config(activation, use_bias)
        self._make_engine(
            Conv2DTranspose, self.filters, (1, self.kernel_size), strides=(1, self.strides),
            padding=self.padding, dilation_rate=(1, self.dilation_rate),
            output_padding=None if self.output_padding is None else (0, self.output_padding),
            activation=self.activation, use_bias=self.use_bias)

    def _build_weights(self, channels, rng):
        self._add_kernel_and_bias((self.kernel_size, self.filters, channels), self.filters, rng)


class DepthwiseConv1D(_SequenceView, _DepthwiseWeights):
    """Convolve each channel of a sequence with ``depth_multiplier`` kernels of its own
    (Keras's ``DepthwiseConv1D``).

    Parameters
    ----------
    kernel_size : int
    strides : int, default 1
    padding : {'valid', 'same'}, default 'valid'
    depth_multiplier : int, default 1
        Output channels per input channel: the output has ``c * depth_multiplier`` channels.
    data_format : {'channels_last'}, optional
    dilation_rate : int, default 1
        Cannot exceed 1 together with ``strides``.
    activation : str or ActivationFunction, optional
    use_bias : bool, default True
    **kwargs
        Of the (k, c, m) kernel and the bias: ``depthwise_initializer`` (default
        ``'glorot_uniform'``), ``bias_initializer`` (``'zeros'``), the regularizers and
        constraints, see :class:`~glassnet.layers.depthwise_conv._DepthwiseWeights`.

    Notes
    -----
    Weights as Keras's: ``kernel`` (k, c, m) and ``bias`` (c*m,). Output channel ``c*m + j``
    is input channel ``c`` through its ``j``-th kernel::

        z[b, t, c*m + j] = sum_i x[b, t*s + i*d, c] W[i, c, j] + b[c*m + j],   y = f(z)
        dL/dW[i, c, j] = sum_{b, t} x[b, t*s + i*d, c] dL/dz[b, t, c*m + j]
        dL/dx[b, t*s + i*d, c] += sum_j W[i, c, j] dL/dz[b, t, c*m + j]

    computed as a :class:`~glassnet.layers.DepthwiseConv2D` with a ``(1, k)`` kernel.
    """

    config_keys: tuple[str, ...] = ("kernel_size", "strides", "padding", "depth_multiplier",
                                     "data_format", "dilation_rate")

    def __init__(self, kernel_size: int | tuple[int], strides: int | tuple[int] = 1,
                 padding: str = "valid", depth_multiplier: int = 1,
                 data_format: str | None = None, dilation_rate: int | tuple[int] = 1,
                 activation: Any = None, use_bias: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        owner = type(self).__name__
        self.data_format = _channels_last(data_format, owner)
        self.kernel_size = positive_int(kernel_size, owner, "kernel_size")
        self.strides = positive_int(strides, owner, "strides")
        self.dilation_rate = positive_int(dilation_rate, owner, "dilation_rate")
        self.padding = _padding(padding, owner)
        self.depth_multiplier = _validate.check_positive_int(owner, "depth_multiplier",
                                                             depth_multiplier)
        self._set_depthwise_weights_config(activation, use_bias)
        self._make_engine(DepthwiseConv2D, (1, self.kernel_size), strides=(1, self.strides),
                          padding=self.padding, depth_multiplier=self.depth_multiplier,
                          dilation_rate=(1, self.dilation_rate), activation=self.activation,
                          use_bias=self.use_bias)

    def _build_weights(self, channels, rng):
        m = self.depth_multiplier
        self.add_param("kernel", (self.kernel_size, channels, m), self.depthwise_initializer,
                       rng, self.depthwise_regularizer)
        if self.use_bias:
            self.add_param("bias", (channels * m,), self.bias_initializer, rng,
                           self.bias_regularizer)
        self._collect_constraints()


class SeparableConv1D(DepthwiseConv1D, _SeparableWeights):
    """A depthwise 1-D convolution, then a pointwise one mixing the channels (Keras's
    ``SeparableConv1D``).

    Parameters
    ----------
    filters : int
        Output channels.
    kernel_size : int
    strides : int, default 1
    padding : {'valid', 'same'}, default 'valid'
    data_format : {'channels_last'}, optional
    dilation_rate : int, default 1
    depth_multiplier : int, default 1
        Channels of the depthwise stage per input channel.
    activation : str or ActivationFunction, optional
    use_bias : bool, default True
    **kwargs
        Of the two kernels and the bias: ``depthwise_initializer``, ``pointwise_initializer``
        (default ``'glorot_uniform'``), ``bias_initializer`` (``'zeros'``), the regularizers
        and constraints, see :class:`~glassnet.layers.depthwise_conv._SeparableWeights`.

    Notes
    -----
    Weights as Keras's: ``depthwise_kernel`` (k, c, m), ``pointwise_kernel`` (1, c*m, f),
    ``bias`` (f,). With ``d`` (n, L', c*m) the depthwise stage of :class:`DepthwiseConv1D`
    and ``P`` the pointwise kernel as (c*m, f)::

        z = d @ P + b,  y = f(z)
        dL/dP = d.T @ dL/dz,  dL/db = sum dL/dz,  dL/dd = dL/dz @ P.T

    computed as a :class:`~glassnet.layers.SeparableConv2D` with a ``(1, k)`` kernel.
    """

    config_keys = ("filters",) + DepthwiseConv1D.config_keys

    def __init__(self, filters: int, kernel_size: int | tuple[int],
                 strides: int | tuple[int] = 1, padding: str = "valid",
                 data_format: str | None = None, dilation_rate: int | tuple[int] = 1,
                 depth_multiplier: int = 1, activation: Any = None, use_bias: bool = True,
                 **kwargs: Any) -> None:
        self.filters = positive_int(filters, "SeparableConv1D", "filters")
        super().__init__(kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, activation, use_bias, **kwargs)
        self._make_engine(SeparableConv2D, self.filters, (1, self.kernel_size),
                          strides=(1, self.strides), padding=self.padding,
                          depth_multiplier=self.depth_multiplier,
                          dilation_rate=(1, self.dilation_rate), activation=self.activation,
                          use_bias=self.use_bias)

    def _build_weights(self, channels, rng):
        cm = channels * self.depth_multiplier
        self.add_param("depthwise_kernel", (self.kernel_size, channels, self.depth_multiplier),
                       self.depthwise_initializer, rng, self.depthwise_regularizer)
        self.add_param("pointwise_kernel", (1, cm, self.filters), self.pointwise_initializer,
                       rng, self.pointwise_regularizer)
        if self.use_bias:
            self.add_param("bias", (self.filters,), self.bias_initializer, rng,
                           self.bias_regularizer)
        self._collect_constraints()
