"""1-D pooling over ``(batch, steps, channels)``: max, average, and their global versions.

The windowed ones view a sequence as an image one pixel high and run the 2-D layers
(:mod:`glassnet.layers.pooling`) with a ``(1, pool_size)`` window, so the tap loops, the
tie rule of max pooling and TensorFlow's 'same' padding are shared, not rewritten.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from glassnet import _validate
from glassnet.layers.base import Layer
from glassnet.layers.conv1d import check_sequence, positive_int
from glassnet.layers.pooling import AveragePooling2D, MaxPooling2D, _Pooling2D


def _channels_last(owner: str, data_format: str | None) -> None:
    if data_format not in (None, "channels_last"):
        raise ValueError(f"{owner} `data_format` must be 'channels_last', got {data_format!r}.")


class _Pooling1D(Layer):
    """Shared arguments and shape logic; ``engine`` is the 2-D pooling class used."""

    engine: type[_Pooling2D]

    def __init__(self, pool_size: int = 2, strides: int | None = None, padding: str = "valid",
                 data_format: str | None = None, **base: Any) -> None:
        super().__init__(**base)
        owner = type(self).__name__
        _channels_last(owner, data_format)
        self.pool_size = positive_int(pool_size, owner, "pool_size")
        self.strides = self.pool_size if strides is None else positive_int(
            strides, owner, "strides")
        self._pool = self.engine(pool_size=(1, self.pool_size), strides=(1, self.strides),
                                 padding=padding)
        self.padding = self._pool.padding

    def output_shape(self, input_shape):
        check_sequence(self, tuple(input_shape))
        steps, c = input_shape
        if steps is None:
            return (None, c)
        if self.padding == "same":
            return (-(-steps // self.strides), c)
        out = (steps - self.pool_size) // self.strides + 1
        if out <= 0:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': pool_size {self.pool_size} is larger "
                f"than the input {(None,) + tuple(input_shape)}; use padding='same' or a "
                f"smaller pool."
            )
        return (out, c)

    def build(self, input_shape, rng=None):
        self.output_shape(input_shape)
        super().build(input_shape, rng)

    def forward(self, x, training=False):
        if x.ndim != 3:
            check_sequence(self, x.shape[1:])
        self.output_shape(x.shape[1:])
        return self._pool.forward(x[:, None], training=training)[:, 0]  # (n, 1, L', c)

    def backward(self, grad_y):
        return cast(np.ndarray, self._pool.backward(grad_y[:, None]))[:, 0]

    def get_config(self):
        config = super().get_config()
        config.update(pool_size=self.pool_size, strides=self.strides, padding=self.padding)
        return config


class MaxPooling1D(_Pooling1D):
    """Maximum over windows of ``pool_size`` steps (Keras's ``MaxPooling1D``).

    Parameters
    ----------
    pool_size : int, default 2
    strides : int, optional
        Defaults to ``pool_size``.
    padding : {'valid', 'same'}, default 'valid'

    Notes
    -----
    ``y[:, t] = max_{i < p} x[:, t*s + i]``; backward routes ``dL/dy[:, t]`` to the first
    step holding the maximum (see :class:`~glassnet.layers.MaxPooling2D`).
    """

    engine = MaxPooling2D


class AveragePooling1D(_Pooling1D):
    """Mean over windows of ``pool_size`` steps (Keras's ``AveragePooling1D``).

    Parameters: ``pool_size``, ``strides`` and ``padding`` as for :class:`MaxPooling1D`;
    with 'same', the border windows follow Keras on its PyTorch backend: as many padding
    steps before as after are not counted (``m`` = the real steps in the window), but an
    uneven padding (one more step after) repeats the last step, and counts it
    (:class:`~glassnet.layers.AveragePooling2D` says more).

    Notes
    -----
    ``y[:, t] = (1/m) sum_{i < p} x[:, t*s + i]``; ``dL/dx`` spreads ``dL/dy / m`` evenly (a
    repeated step's share goes to the step it repeats).
    """

    engine = AveragePooling2D


class _GlobalPooling1D(Layer):
    """``(n, steps, c) -> (n, c)`` (or ``(n, 1, c)`` with ``keepdims``)."""

    def __init__(self, data_format: str | None = None, keepdims: bool = False,
                 **base: Any) -> None:
        super().__init__(**base)
        _channels_last(type(self).__name__, data_format)
        self.keepdims = _validate.check_bool(type(self).__name__, "keepdims", keepdims)

    def output_shape(self, input_shape):
        check_sequence(self, tuple(input_shape))
        c = input_shape[-1]
        return (1, c) if self.keepdims else (c,)

    def build(self, input_shape, rng=None):
        check_sequence(self, tuple(input_shape))
        super().build(input_shape, rng)

    def _out(self, y: np.ndarray) -> np.ndarray:
        return y[:, None, :] if self.keepdims else y

    def get_config(self):
        config = super().get_config()
        config["keepdims"] = self.keepdims
        return config


class GlobalAveragePooling1D(_GlobalPooling1D):
    """Mean over the steps: ``y[b, k] = mean_t x[b, t, k]``.

    Backward: ``dL/dx[b, t, k] = dL/dy[b, k] / steps``.

    With a padding mask ``m`` (batch, steps) from the model (``Embedding(mask_zero=True)``,
    ``Masking``), the mean runs over the real steps only, as in Keras:
    ``y[b, k] = sum_t m[b, t] x[b, t, k] / sum_t m[b, t]`` and
    ``dL/dx[b, t, k] = m[b, t] dL/dy[b, k] / sum_t m[b, t]``.
    """

    def forward(self, x, training=False, mask=None):
        if x.ndim != 3:
            check_sequence(self, x.shape[1:])
        if mask is None:
            self._cache = (x.shape, None)
            return self._out(x.mean(axis=1))
        m = np.asarray(mask, dtype=x.dtype)[:, :, None]  # (n, steps, 1)
        weights = m / np.maximum(m.sum(axis=1, keepdims=True), 1.0)  # no step: 0, not NaN
        self._cache = (x.shape, weights)
        return self._out(np.sum(x * weights, axis=1))

    def backward(self, grad_y):
        (n, steps, c), weights = self._cache
        if weights is not None:
            return grad_y.reshape(n, 1, c) * weights
        share = grad_y.reshape(n, 1, c) / steps
        return np.broadcast_to(share, (n, steps, c)).copy()


class GlobalMaxPooling1D(_GlobalPooling1D):
    """Maximum over the steps; backward routes to the (first) argmax of each channel.

    ``y[b, k] = max_t x[b, t, k]``; ``dL/dx`` is ``dL/dy[b, k]`` at the first step holding
    that maximum and 0 elsewhere.
    """

    def forward(self, x, training=False):
        if x.ndim != 3:
            check_sequence(self, x.shape[1:])
        arg = x.argmax(axis=1)  # (n, c): the first of equal maxima
        y = np.take_along_axis(x, arg[:, None, :], axis=1)[:, 0, :]  # (n, c)
        self._cache = (x.shape, arg)
        return self._out(y)

    def backward(self, grad_y):
        shape, arg = self._cache
        dx = np.zeros(shape, dtype=grad_y.dtype)
        np.put_along_axis(dx, arg[:, None, :], grad_y.reshape(shape[0], 1, shape[2]), axis=1)
        return dx
