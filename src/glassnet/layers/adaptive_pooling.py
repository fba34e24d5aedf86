"""Adaptive pooling: Keras's ``AdaptiveAveragePooling1D/2D`` and ``AdaptiveMaxPooling1D/2D``.

The layer fixes the output size instead of the window: along an axis of ``L`` steps pooled to
``o`` bins, bin ``i`` covers steps ``[floor(i L / o), ceil((i + 1) L / o))`` (PyTorch's and
Keras's rule; bins may overlap by a step when ``o`` does not divide ``L``). A rectangle's mean
is the mean along one axis of the means along the other, and likewise its maximum, so a 2-D
layer pools the height and then the width, each with the 1-D rule:

- mean: a matrix ``P`` (o, L) with ``1 / (end - start)`` on each bin's steps;
  ``y = P @ x`` along the axis, ``dL/dx = P.T @ dL/dy``;
- max: each bin read as ``K`` steps (the longest bin; a shorter bin repeats its last step),
  ``y = max`` over them; ``dL/dy`` goes to the step that gave the maximum (``np.add.at``,
  since bins may share a step).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.layers._shapes import IMAGES, SEQUENCES, check_rank
from glassnet.layers.base import Layer


def bins(length: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """``(start, end)`` of the ``out`` bins over ``length`` steps."""
    i = np.arange(out)
    return (i * length) // out, -((-(i + 1) * length) // out)


def _mean_matrix(length: int, out: int, dtype: np.dtype) -> np.ndarray:
    start, end = bins(length, out)
    steps = np.arange(length)
    inside = (steps >= start[:, None]) & (steps < end[:, None])  # (out, length)
    return (inside / (end - start)[:, None]).astype(dtype)


def _max_index(length: int, out: int) -> np.ndarray:
    """``(out, K)`` step indices of each bin, a shorter bin repeating its last step."""
    start, end = bins(length, out)
    k = int((end - start).max())
    return np.minimum(start[:, None] + np.arange(k), end[:, None] - 1)


class _AdaptivePooling(Layer):
    """Pools each spatial axis (1 for sequences, 1 and 2 for images) to ``output_size``."""

    rank = 1
    reduce = "mean"
    config_keys = ("output_size", "data_format")

    def __init__(self, output_size: int | tuple[int, ...], data_format: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        owner = type(self).__name__
        size = (output_size,) * self.rank if isinstance(output_size, (int, np.integer)) \
            and not isinstance(output_size, bool) else output_size
        if not isinstance(size, (tuple, list)) or len(size) != self.rank or not all(
                isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s > 0
                for s in size):
            what = "an integer" if self.rank == 1 else "an integer or (height, width) tuple"
            raise TypeError(f"{owner} `output_size` must be {what} of positive sizes, got "
                            f"{output_size!r}.")
        if data_format not in (None, "channels_last"):
            raise ValueError(f"{owner} `data_format` must be 'channels_last', got "
                             f"{data_format!r}.")
        self.output_size = tuple(int(s) for s in size)
        self.data_format = "channels_last"

    def output_shape(self, input_shape):
        check_rank(self, tuple(input_shape), SEQUENCES if self.rank == 1 else IMAGES)
        return (*self.output_size, input_shape[-1])

    def build(self, input_shape, rng=None):
        self.output_shape(input_shape)
        super().build(input_shape, rng)

    def forward(self, x, training=False):
        self.output_shape(x.shape[1:])
        steps: list[Any] = []
        for axis, out in enumerate(self.output_size, start=1):
            length = x.shape[axis]
            if self.reduce == "mean":
                p = _mean_matrix(length, out, x.dtype)
                x = np.moveaxis(np.tensordot(p, x, axes=([1], [axis])), 0, axis)
                steps.append(p)
            else:
                idx = _max_index(length, out)  # (out, K)
                windows = np.take(x, idx, axis=axis)  # the axis becomes (out, K)
                arg = windows.argmax(axis=axis + 1)
                steps.append((idx, arg, x.shape))
                x = np.take_along_axis(windows, np.expand_dims(arg, axis + 1),
                                       axis=axis + 1).squeeze(axis + 1)
        self._cache = steps
        return x

    def backward(self, grad_y):
        g = grad_y
        for axis in range(self.rank, 0, -1):  # undo the last axis pooled first
            step = self._cache[axis - 1]
            if self.reduce == "mean":
                g = np.moveaxis(np.tensordot(step.T, g, axes=([1], [axis])), 0, axis)
                continue
            idx, arg, shape = step
            # the input step that gave each output: idx[i, arg[..., i, ...]]
            bins_axis = np.arange(idx.shape[0]).reshape(
                (-1,) + (1,) * (g.ndim - axis - 1))
            steps_taken = idx[bins_axis, arg]  # shape of g
            dx = np.zeros(shape, dtype=g.dtype)
            moved_dx = np.moveaxis(dx, axis, -1)
            moved_steps = np.moveaxis(steps_taken, axis, -1)
            moved_g = np.moveaxis(g, axis, -1)
            lead = np.indices(moved_g.shape[:-1], sparse=True)
            np.add.at(moved_dx, (*[i[..., None] for i in lead], moved_steps), moved_g)
            g = dx
        return g


class AdaptiveAveragePooling1D(_AdaptivePooling):
    """Mean over ``output_size`` adaptive bins of the steps (Keras's).

    Parameters
    ----------
    output_size : int
        The output's number of steps.
    data_format : {'channels_last'}, optional
    **kwargs
        The base layer's options (``name`` ...).

    Notes
    -----
    ``x`` (n, L, c) -> ``y`` (n, o, c); the bins and the backward are in the module notes.
    """


class AdaptiveMaxPooling1D(_AdaptivePooling):
    """Maximum over ``output_size`` adaptive bins of the steps (Keras's).

    Arguments and shapes as :class:`AdaptiveAveragePooling1D`'s; the backward routes each output's
    gradient to the step that gave the maximum (module notes).
    """

    reduce = "max"


class AdaptiveAveragePooling2D(_AdaptivePooling):
    """Mean over ``output_size`` adaptive bins of the height and width (Keras's).

    Parameters
    ----------
    output_size : int or tuple of 2 ints
        The output's ``(height, width)``.
    data_format : {'channels_last'}, optional
    **kwargs
        The base layer's options (``name`` ...).

    Notes
    -----
    ``x`` (n, h, w, c) -> ``y`` (n, oh, ow, c): the height pooled, then the width (module
    notes).
    """

    rank = 2


class AdaptiveMaxPooling2D(_AdaptivePooling):
    """Maximum over ``output_size`` adaptive bins of the height and width (Keras's).

    Arguments and shapes as :class:`AdaptiveAveragePooling2D`'s; the backward routes each
    output's gradient to the step that gave the maximum (module notes).
    """

    rank = 2
    reduce = "max"
