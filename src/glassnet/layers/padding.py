"""ZeroPadding2D: add rows and columns of zeros around channels-last images."""

from __future__ import annotations

from typing import Any

from glassnet.layers import _im2col as win
from glassnet.layers._shapes import IMAGES, _CheckedLayer


class ZeroPadding2D(_CheckedLayer):
    """Pad height and width with zeros (Keras's ``ZeroPadding2D``, channels last).

    Parameters
    ----------
    padding : int, tuple of 2 ints, or ((top, bottom), (left, right)), default (1, 1)

    Notes
    -----
    ``x`` (n, h, w, c) -> ``y`` (n, top + h + bottom, left + w + right, c), ``x`` in the
    middle. Backward crops: ``dL/dx = dL/dy[:, top:top + h, left:left + w, :]``.
    """

    layout = IMAGES

    def __init__(self, padding: Any = (1, 1), data_format: str | None = None,
                 **base: Any) -> None:
        super().__init__(**base)
        if data_format not in (None, "channels_last"):
            raise ValueError(
                f"ZeroPadding2D `data_format` must be 'channels_last', got {data_format!r}."
            )
        self.padding = win.side_pairs(padding, "ZeroPadding2D", "padding")

    def output_shape(self, input_shape):
        self._check(tuple(input_shape))
        h, w, c = input_shape
        (t, b), (l, r) = self.padding
        return (None if h is None else h + t + b, None if w is None else w + l + r, c)

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
