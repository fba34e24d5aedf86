"""Layers that move values around without parameters: RepeatVector, Permute, Cropping2D,
and the affine Rescaling. Each backward is the adjoint of its forward's index map."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import _validate
from glassnet.layers import _im2col as win
from glassnet.layers._shapes import _CheckedLayer, check_rank
from glassnet.layers.base import Layer


class RepeatVector(_CheckedLayer):
    """Repeat a vector ``n`` times: ``(batch, features) -> (batch, n, features)``.

    Parameters
    ----------
    n : int
        Number of repetitions.

    Notes
    -----
    ``y[b, t, f] = x[b, f]`` for every ``t``; so ``dL/dx[b, f] = sum_t dL/dy[b, t, f]``.
    """

    config_keys = ("n",)
    layout = "(batch, features)"

    def __init__(self, n: int, **base: Any) -> None:
        super().__init__(**base)
        self.n = _validate.check_positive_int("RepeatVector", "n", n)

    def output_shape(self, input_shape):
        self._check(tuple(input_shape))
        return (self.n, input_shape[0])

    def forward(self, x, training=False):
        if x.ndim != 2:
            self._check(x.shape[1:])
        return np.repeat(x[:, None, :], self.n, axis=1)  # (batch, n, features)

    def backward(self, grad_y):
        return grad_y.sum(axis=1)  # (batch, n, features) -> (batch, features)


class Permute(_CheckedLayer):
    """Permute the non-batch axes: ``dims`` is a permutation of ``1 .. rank`` (Keras's).

    Parameters
    ----------
    dims : tuple of int
        ``(2, 1)`` swaps the two axes of ``(batch, steps, features)``; axis 0 (the batch)
        never moves.

    Notes
    -----
    ``y = x.transpose(0, *dims)``; backward transposes by the inverse permutation.
    """

    config_keys = ("dims",)

    def __init__(self, dims: tuple[int, ...], **base: Any) -> None:
        super().__init__(**base)
        dims_t = tuple(dims) if isinstance(dims, (tuple, list)) else ()
        if not dims_t or sorted(dims_t) != list(range(1, len(dims_t) + 1)) or not all(
                isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in dims_t):
            raise ValueError(
                f"Invalid permutation argument `dims` for Permute: expected a permutation of "
                f"1 .. rank (axis 0 is the batch), e.g. (2, 1), got {dims!r}."
            )
        self.dims = tuple(int(d) for d in dims_t)
        self._inverse = (0,) + tuple(int(i) + 1 for i in np.argsort(self.dims))

    def _check(self, input_shape: tuple[Any, ...]) -> None:
        if len(input_shape) != len(self.dims):
            raise ValueError(
                f"Permute '{self.name}' with dims={self.dims} expects inputs of rank "
                f"{len(self.dims) + 1}, got shape {(None,) + tuple(input_shape)}."
            )

    def output_shape(self, input_shape):
        self._check(tuple(input_shape))
        return tuple(input_shape[d - 1] for d in self.dims)

    def forward(self, x, training=False):
        if x.ndim != len(self.dims) + 1:
            self._check(x.shape[1:])
        return np.ascontiguousarray(x.transpose((0,) + self.dims))

    def backward(self, grad_y):
        return np.ascontiguousarray(grad_y.transpose(self._inverse))


class Cropping2D(Layer):
    """Remove rows and columns at the borders of channels-last images (Keras's ``Cropping2D``).

    Parameters
    ----------
    cropping : int, tuple of 2 ints, or ((top, bottom), (left, right)), default ((0, 0), (0, 0))
    data_format : {'channels_last'}, optional

    Notes
    -----
    ``y = x[:, top:h - bottom, left:w - right, :]``; backward puts ``dL/dy`` back in the
    middle of a zero ``dL/dx`` (the cropped pixels did not reach the loss).
    """

    def __init__(self, cropping: Any = ((0, 0), (0, 0)), data_format: str | None = None,
                 **base: Any) -> None:
        super().__init__(**base)
        if data_format not in (None, "channels_last"):
            raise ValueError(
                f"Cropping2D `data_format` must be 'channels_last', got {data_format!r}.")
        self.cropping = win.side_pairs(cropping, "Cropping2D", "cropping")

    def output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        check_rank(self, input_shape, owner="Cropping2D")
        out = []
        for size, (a, b), axis in zip(input_shape[:2], self.cropping, ("height", "width"),
                                      strict=True):
            if size is not None and a + b >= size:
                raise ValueError(
                    f"Cropping2D '{self.name}': cropping {self.cropping} removes the whole "
                    f"{axis} of inputs of shape {(None,) + input_shape}."
                )
            out.append(None if size is None else size - a - b)
        return (out[0], out[1], input_shape[2])

    def build(self, input_shape, rng=None):
        self.output_shape(input_shape)
        super().build(input_shape, rng)

    def forward(self, x, training=False):
        if x.ndim != 4:
            self.output_shape(x.shape[1:])
        (t, b), (l, r) = self.cropping
        _, h, w, _ = x.shape
        self._cache = x.shape
        return x[:, t:h - b, l:w - r, :].copy()

    def backward(self, grad_y):
        (t, _), (l, _) = self.cropping
        dx = np.zeros(self._cache, dtype=grad_y.dtype)
        dx[:, t:t + grad_y.shape[1], l:l + grad_y.shape[2], :] = grad_y
        return dx

    def get_config(self):
        config = super().get_config()
        config["cropping"] = [list(c) for c in self.cropping]
        return config


class Rescaling(Layer):
    """``y = x * scale + offset`` (Keras's ``Rescaling``), e.g. ``Rescaling(1 / 255)``.

    Parameters
    ----------
    scale : float or array-like
        Broadcast against one sample (a per-channel list works for images).
    offset : float or array-like, default 0.0

    Notes
    -----
    ``dL/dx = dL/dy * scale`` (``scale`` broadcasts against ``x``, never the other way,
    so no axis needs summing).
    """

    def __init__(self, scale: Any, offset: Any = 0.0, **base: Any) -> None:
        super().__init__(**base)
        for arg, value in (("scale", scale), ("offset", offset)):
            arr = np.asarray(value) if not isinstance(value, (str, bytes)) else None
            if arr is None or arr.dtype.kind not in "iuf" or not np.all(np.isfinite(arr)):
                raise ValueError(
                    f"Rescaling `{arg}` must be a finite number or a list of numbers, "
                    f"got {value!r}."
                )
        self.scale = scale
        self.offset = offset

    def forward(self, x, training=False):
        dtype = x.dtype if x.dtype.kind == "f" else (self.dtype or np.dtype("float32"))
        scale = np.asarray(self.scale, dtype=dtype)
        self._cache = scale
        return x.astype(dtype, copy=False) * scale + np.asarray(self.offset, dtype=dtype)

    def backward(self, grad_y):
        return grad_y * self._cache

    def get_config(self):
        config = super().get_config()
        config.update(scale=_plain(self.scale), offset=_plain(self.offset))
        return config


def _plain(value: Any) -> Any:
    """A JSON-friendly copy of a number or array-like."""
    arr = np.asarray(value)
    return arr.item() if arr.ndim == 0 else arr.tolist()
