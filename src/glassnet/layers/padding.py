"""ZeroPadding2D: add rows and columns of zeros around channels-last images."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.layers import _im2col as win
from glassnet.layers.base import Layer


def _pads(padding: Any) -> tuple[tuple[int, int], tuple[int, int]]:
    """Keras's three spellings -> ``((top, bottom), (left, right))``."""
    bad = ValueError(
        "ZeroPadding2D `padding` must be an int, a tuple of 2 ints (symmetric height and "
        f"width padding) or ((top, bottom), (left, right)), all >= 0, got {padding!r}."
    )

    def ok(v: Any) -> bool | np.bool_:
        return isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 0

    if ok(padding):
        p = int(padding)
        return (p, p), (p, p)
    if isinstance(padding, (tuple, list)) and len(padding) == 2:
        if all(ok(v) for v in padding):
            ph, pw = (int(v) for v in padding)
            return (ph, ph), (pw, pw)
        if all(isinstance(v, (tuple, list)) and len(v) == 2 and all(ok(u) for u in v)
               for v in padding):
            (t, b), (l, r) = padding
            return (int(t), int(b)), (int(l), int(r))
    raise bad


class ZeroPadding2D(Layer):
    """Pad height and width with zeros (Keras's ``ZeroPadding2D``, channels last).

    Parameters
    ----------
    padding : int, tuple of 2 ints, or ((top, bottom), (left, right)), default (1, 1)

    Notes
    -----
    ``x`` (n, h, w, c) -> ``y`` (n, top + h + bottom, left + w + right, c), ``x`` in the
    middle. Backward crops: ``dL/dx = dL/dy[:, top:top + h, left:left + w, :]``.
    """

    def __init__(self, padding: Any = (1, 1), data_format: str | None = None,
                 **base: Any) -> None:
        super().__init__(**base)
        if data_format not in (None, "channels_last"):
            raise ValueError(
                f"ZeroPadding2D `data_format` must be 'channels_last', got {data_format!r}."
            )
        self.padding = _pads(padding)

    def _check(self, input_shape: tuple[Any, ...]) -> None:
        if len(input_shape) != 3:
            raise ValueError(
                f"ZeroPadding2D '{self.name}' expects inputs of shape (batch, height, width, "
                f"channels), got {(None,) + tuple(input_shape)}."
            )

    def output_shape(self, input_shape):
        self._check(tuple(input_shape))
        h, w, c = input_shape
        (t, b), (l, r) = self.padding
        return (None if h is None else h + t + b, None if w is None else w + l + r, c)

    def build(self, input_shape, rng=None):
        self._check(tuple(input_shape))
        super().build(input_shape, rng)

    def forward(self, x, training=False):
        if x.ndim != 4:
            self._check(x.shape[1:])
        self._cache = x.shape
        y = win.pad_hw(x, self.padding)
        return y.copy() if y is x else y

    def backward(self, grad_y):
        _, h, w, _ = self._cache
        (t, _), (l, _) = self.padding
        return grad_y[:, t:t + h, l:l + w, :]

    def get_config(self):
        config = super().get_config()
        config["padding"] = [list(p) for p in self.padding]
        return config
