"""UnitNormalization: scale each sample to unit L2 norm along some axes (Keras's layer)."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.layers.base import Layer

#: Keras's floor on the norm: ``x * min(1 / ||x||, 1 / eps)``.
_EPSILON = 1e-12


class UnitNormalization(Layer):
    """``y = x / ||x||_2`` along ``axis`` (Keras's ``UnitNormalization``).

    Parameters
    ----------
    axis : int or list of int, default -1
        The axes the norm is taken over (the batch axis is 0, as in Keras).

    Notes
    -----
    With ``s = sum(x^2)`` over ``axis`` and ``r = min(1 / sqrt(s), 1e12)``, ``y = x * r``.
    Where the norm is not floored, ``r = 1 / ||x||`` and
    ``dL/dx = (dL/dy - y * sum(dL/dy * y)) * r`` (the sum over ``axis``); where it is floored
    ``r`` is a constant and ``dL/dx = dL/dy * r``.
    """

    def __init__(self, axis: int | list[int] = -1, **base: Any) -> None:
        super().__init__(**base)
        if isinstance(axis, (list, tuple)) and all(
                isinstance(a, int) and not isinstance(a, bool) for a in axis):
            self.axis: int | list[int] = list(axis)
        elif isinstance(axis, int) and not isinstance(axis, bool):
            self.axis = axis
        else:
            raise TypeError(
                "Invalid value for `axis` argument: expected an int or a list/tuple of ints. "
                f"Received: axis={axis!r}"
            )

    def _axes(self, ndim: int) -> tuple[int, ...]:
        axes = [self.axis] if isinstance(self.axis, int) else self.axis
        for a in axes:
            if a >= ndim or a < -ndim:
                raise ValueError(
                    f"Axis {self.axis} is out of bounds for input shape of rank {ndim}.")
        return tuple(a % ndim for a in axes)

    def output_shape(self, input_shape):
        self._axes(len(input_shape) + 1)
        return tuple(input_shape)

    def build(self, input_shape, rng=None):
        self._axes(len(input_shape) + 1)
        super().build(input_shape, rng)

    def forward(self, x, training=False):
        axes = self._axes(x.ndim)
        s = np.sum(np.square(x), axis=axes, keepdims=True)
        with np.errstate(divide="ignore"):
            r = np.minimum(1.0 / np.sqrt(s), np.asarray(1.0 / _EPSILON, x.dtype))  # (.., 1, ..)
        y = x * r
        self._cache = (y, r, s * r * r > 0.5, axes)  # free: ||x|| r = 1, floored: ~0
        return y

    def backward(self, grad_y):
        y, r, free, axes = self._cache
        dot = np.sum(grad_y * y, axis=axes, keepdims=True)
        return (grad_y - np.where(free, y * dot, 0)) * r

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
