"""Conv1D: 1-D convolution over ``(batch, steps, channels)`` sequences, as in Keras.

A sequence is an image one pixel high: ``x`` (n, L, c) is viewed as (n, 1, L, c) and the
``(k, c, f)`` kernel as a ``(1, k, c, f)`` one, so :class:`~glassnet.layers.Conv2D` (its
im2col forward, its backward and its fused activation) does the work. Only 'causal'
padding is new: ``(k - 1) * d`` zeros before the first step, none after, so output step
``t`` sees inputs ``<= t`` only (WaveNet, van den Oord et al. 2016).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import _validate
from glassnet.layers._shapes import SEQUENCES, check_channels, check_rank, known_channels
from glassnet.layers._weights_config import _KernelLayer
from glassnet.layers.base import Layer
from glassnet.layers.conv import Conv2D, check_groups

PADDINGS_1D = ("valid", "same", "causal")


def positive_int(value: Any, owner: str, arg: str) -> int:
    """``3`` or ``(3,)`` -> 3; anything else raises a ValueError naming ``arg``."""
    if isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0]
    return _validate.check_positive_int(owner, arg, value)


def check_sequence(layer: Layer, input_shape: tuple[Any, ...]) -> None:
    check_rank(layer, input_shape, SEQUENCES)


class Conv1D(_KernelLayer):
    """1-D convolution layer, Keras's ``Conv1D`` (channels last).

    Parameters
    ----------
    filters : int
        Output channels ``f``.
    kernel_size : int
        Window length ``k``.
    strides : int, default 1
    padding : {'valid', 'same', 'causal'}, default 'valid'
    data_format : {'channels_last'}, optional
    dilation_rate : int, default 1
    groups : int, default 1
        Keras's grouped convolution; only 1 (every filter sees every input channel).
    activation : str or ActivationFunction, optional
    use_bias : bool, default True
    **kwargs
        Of the kernel, (k, c, f), and the (f,) bias:
        ``kernel_initializer`` (default ``'glorot_uniform'``), ``bias_initializer`` (``'zeros'``),
        the regularizers and constraints: see :class:`~glassnet.layers._weights_config._KernelLayer`.

    Notes
    -----
    Shapes: ``x`` (n, L, c), kernel ``W`` (k, c, f) (Keras's), bias (f,), ``y`` (n, L', f)::

        y[b, t] = f( sum_{i, ch} x[b, t*s + i*d, ch] W[i, ch, :] + b )

    computed and differentiated as a ``(1, k)`` :class:`~glassnet.layers.Conv2D` (see its
    notes for ``dL/dW``, ``dL/db`` and ``dL/dx``); 'causal' first pads ``(k - 1) * d`` zeros
    on the left and crops them from ``dL/dx`` after.
    """

    config_keys = ("filters", "kernel_size", "strides", "padding", "dilation_rate")

    def __init__(
        self,
        filters: int,
        kernel_size: int | tuple[int],
        strides: int | tuple[int] = 1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: int | tuple[int] = 1,
        groups: int = 1,
        activation: Any = None,
        use_bias: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(
                f"Conv1D `data_format` must be 'channels_last', got {data_format!r}.")
        if not isinstance(padding, str) or padding.lower() not in PADDINGS_1D:
            raise ValueError(
                f"Conv1D `padding` must be one of {PADDINGS_1D}, got {padding!r}.")
        self.filters = positive_int(filters, "Conv1D", "filters")
        self.kernel_size = positive_int(kernel_size, "Conv1D", "kernel_size")
        self.strides = positive_int(strides, "Conv1D", "strides")
        self.dilation_rate = positive_int(dilation_rate, "Conv1D", "dilation_rate")
        check_groups(self, groups)
        self.padding = padding.lower()
        self._set_weights_config(activation, use_bias)
        # The engine: same activation; 'causal' is 'valid' on a left-padded input.
        self._conv = Conv2D(self.filters, (1, self.kernel_size), strides=(1, self.strides),
                            padding="same" if self.padding == "same" else "valid",
                            dilation_rate=(1, self.dilation_rate), activation=self.activation,
                            use_bias=self.use_bias)

    def _left_pad(self) -> int:
        return (self.kernel_size - 1) * self.dilation_rate if self.padding == "causal" else 0

    def output_shape(self, input_shape):
        check_sequence(self, tuple(input_shape))
        steps, _ = input_shape
        k_eff = (self.kernel_size - 1) * self.dilation_rate + 1
        if steps is None:
            return (None, self.filters)
        if self.padding == "valid" and steps < k_eff:
            raise ValueError(
                f"Conv1D '{self.name}': the kernel spans {k_eff} steps (kernel_size="
                f"{self.kernel_size}, dilation_rate={self.dilation_rate}) but the input has "
                f"only {steps} (input shape {(None,) + tuple(input_shape)}); use "
                f"padding='same' or 'causal', or a smaller kernel."
            )
        if self.padding == "valid":
            return ((steps - k_eff) // self.strides + 1, self.filters)
        return (-(-steps // self.strides), self.filters)  # ceil(steps / strides)

    def build(self, input_shape, rng=None):
        input_shape = tuple(input_shape)
        self.output_shape(input_shape)
        c = known_channels(self, input_shape, owner="Conv1D")
        super().build(input_shape, rng)
        self._add_kernel_and_bias((self.kernel_size, c, self.filters), self.filters, rng)
        self._conv.dtype = self.dtype
        self._conv.built = True

    def _sync(self) -> None:
        """Point the engine at this layer's arrays as (1, k, c, f) views (never copies: a
        model may have moved them into its flat parameter buffer since the last batch)."""
        k, c, f = self.params["kernel"].shape
        conv = self._conv
        conv.params = {"kernel": self.params["kernel"].reshape(1, k, c, f)}
        conv.grads = {"kernel": self.grads["kernel"].reshape(1, k, c, f)}
        if self.use_bias:
            conv.params["bias"] = self.params["bias"]
            conv.grads["bias"] = self.grads["bias"]
        conv.input_grad_needed = self.input_grad_needed

    def forward(self, x, training=False):
        k, c, _ = self.params["kernel"].shape
        check_channels(self, x, c, SEQUENCES, owner="Conv1D")
        self.output_shape(x.shape[1:])
        self._sync()
        pad = self._left_pad()
        if pad:
            x = np.concatenate([np.zeros((x.shape[0], pad, c), x.dtype), x], axis=1)
        y = self._conv.forward(x[:, None], training=training)  # (n, 1, L', f)
        return y[:, 0]

    def backward(self, grad_y):
        return self._input_grad(self._conv.backward(grad_y[:, None]))

    def backward_preactivation(self, grad_z):
        """Backward from ``dL/dz`` (a loss that fuses this layer's activation calls this)."""
        return self._input_grad(self._conv.backward_preactivation(grad_z[:, None]))

    def _input_grad(self, dx: np.ndarray | None) -> np.ndarray | None:
        if dx is None:
            return None
        return dx[:, 0, self._left_pad():]  # drop the height axis and the causal padding
