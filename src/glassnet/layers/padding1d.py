"""ZeroPadding1D and Cropping1D: the 2-D layers on sequences seen as images one pixel wide.

A sequence ``(batch, steps, channels)`` is an image ``(batch, steps, 1, channels)``; padding
or cropping its steps is padding or cropping that image's height, so both layers run the
2-D layers' forward and backward on that view.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from glassnet.layers._shapes import SEQUENCES, check_rank
from glassnet.layers.base import Layer
from glassnet.layers.padding import ZeroPadding2D
from glassnet.layers.reshaping import Cropping2D


def _side_pair(value: Any, owner: str, arg: str) -> tuple[int, int]:
    """Keras's ``2`` or ``(1, 2)``: what is added or removed at the start and the end."""
    def ok(v: Any) -> bool:
        return isinstance(v, (int, np.integer)) and not isinstance(v, bool) and bool(v >= 0)

    if ok(value):
        return int(value), int(value)
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(ok(v) for v in value):
        return int(value[0]), int(value[1])
    raise ValueError(
        f"{owner} `{arg}` must be an int or a tuple of 2 ints (start, end), all >= 0, "
        f"got {value!r}."
    )


class _OnSequences(Layer):
    """Runs the 2-D layer that follows it in the MRO on the ``(n, steps, 1, c)`` view."""

    def forward(self, x, training=False):
        if x.ndim != 3:
            self.output_shape(x.shape[1:])  # raises: not a batch of sequences
        return super().forward(x[:, :, None, :], training)[:, :, 0, :]

    def backward(self, grad_y):
        grad_x = cast(np.ndarray, super().backward(grad_y[:, :, None, :]))  # never None here
        return grad_x[:, :, 0, :]

    def _config_1d(self, key: str, pairs: Any) -> dict[str, Any]:
        """The 2-D config with ``key`` the (start, end) pair of the steps axis."""
        config = super().get_config()
        config[key] = list(pairs[0])
        return config


class ZeroPadding1D(_OnSequences, ZeroPadding2D):
    """Add zeros at the start and end of ``(batch, steps, channels)`` sequences (Keras's).

    Parameters
    ----------
    padding : int or tuple of 2 ints (start, end), default 1
    data_format : {'channels_last'}, optional

    Notes
    -----
    ``y`` (n, start + steps + end, c) holds ``x`` in the middle; backward crops
    ``dL/dy[:, start:start + steps, :]``.
    """

    layout = SEQUENCES

    def __init__(self, padding: Any = 1, data_format: str | None = None, **base: Any) -> None:
        pair = _side_pair(padding, "ZeroPadding1D", "padding")
        super().__init__(padding=(pair, (0, 0)), data_format=data_format, **base)

    def output_shape(self, input_shape):
        self._check(tuple(input_shape))
        steps, c = input_shape
        start, end = self.padding[0]
        return (None if steps is None else steps + start + end, c)

    def get_config(self):
        config = self._config_1d("padding", self.padding)
        config["data_format"] = "channels_last"
        return config


class Cropping1D(_OnSequences, Cropping2D):
    """Remove steps at the start and end of ``(batch, steps, channels)`` sequences (Keras's).

    Parameters
    ----------
    cropping : int or tuple of 2 ints (start, end), default (1, 1)

    Notes
    -----
    ``y = x[:, start:steps - end, :]``; backward puts ``dL/dy`` back in the middle of a zero
    ``dL/dx``.
    """

    def __init__(self, cropping: Any = (1, 1), **base: Any) -> None:
        pair = _side_pair(cropping, "Cropping1D", "cropping")
        super().__init__(cropping=(pair, (0, 0)), **base)

    def output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        check_rank(self, input_shape, SEQUENCES)
        steps, c = input_shape
        start, end = self.cropping[0]
        if steps is not None and start + end >= steps:
            raise ValueError(
                f"Cropping1D '{self.name}': cropping {self.cropping[0]} removes every step of "
                f"inputs of shape {(None,) + input_shape}."
            )
        return (None if steps is None else steps - start - end, c)

    def get_config(self):
        return self._config_1d("cropping", self.cropping)
