"""2-D pooling over channels-last images: max, average, and their global versions."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import _validate
from glassnet.layers import _im2col as win
from glassnet.layers._shapes import check_rank
from glassnet.layers.base import Layer


def _check_image(layer: Layer, input_shape: tuple[Any, ...]) -> None:
    check_rank(layer, input_shape)


class _Pooling2D(Layer):
    """Shared geometry of :class:`MaxPooling2D` and :class:`AveragePooling2D`.

    Windows of ``pool_size`` taps move by ``strides`` (default: ``pool_size``, so windows do
    not overlap); 'same' pads as TensorFlow does. Each tap ``(i, j)`` of the window sees the
    strided view ``xp[:, i::sh, j::sw, :]`` (see :mod:`._im2col`), so forward and backward are
    loops over the ``ph * pw`` taps, vectorised over everything else.
    """

    def __init__(
        self,
        pool_size: int | tuple[int, int] = (2, 2),
        strides: int | tuple[int, int] | None = None,
        padding: str = "valid",
        data_format: str | None = None,
        **base: Any,
    ) -> None:
        super().__init__(**base)
        owner = type(self).__name__
        if data_format not in (None, "channels_last"):
            raise ValueError(
                f"{owner} `data_format` must be 'channels_last', got {data_format!r}."
            )
        self.pool_size = win.int_pair(pool_size, owner, "pool_size")
        self.strides = self.pool_size if strides is None else win.int_pair(
            strides, owner, "strides")
        self.padding = win.check_padding(padding, owner)

    def output_shape(self, input_shape):
        _check_image(self, tuple(input_shape))
        h, w, c = input_shape
        (ph, pw), (sh, sw) = self.pool_size, self.strides
        oh = win.output_length(h, ph, sh, self.padding)
        ow = win.output_length(w, pw, sw, self.padding)
        if (oh is not None and oh <= 0) or (ow is not None and ow <= 0):
            raise ValueError(
                f"{type(self).__name__} '{self.name}': pool_size {self.pool_size} is larger "
                f"than the input {(None,) + tuple(input_shape)}; use padding='same' or a "
                f"smaller pool."
            )
        return oh, ow, c

    def build(self, input_shape, rng=None):
        self.output_shape(input_shape)
        super().build(input_shape, rng)

    def _geometry(self, x: np.ndarray):
        """``(pads, (oh, ow), disjoint, covering)`` for a batch ``x`` (n, h, w, c)."""
        if x.ndim != 4:
            _check_image(self, x.shape[1:])
        _, h, w, _ = x.shape
        (ph, pw), (sh, sw) = self.pool_size, self.strides
        if self.padding == "same":
            pads = (win.same_padding(h, ph, sh), win.same_padding(w, pw, sw))
        else:
            pads = ((0, 0), (0, 0))
        hp, wp = h + sum(pads[0]), w + sum(pads[1])
        out_hw = ((hp - ph) // sh + 1, (wp - pw) // sw + 1)
        if out_hw[0] <= 0 or out_hw[1] <= 0:
            self.output_shape(x.shape[1:])
        disjoint = sh >= ph and sw >= pw  # every input pixel is in at most one window
        covering = (sh, sw) == (ph, pw) and hp == out_hw[0] * ph and wp == out_hw[1] * pw
        return pads, out_hw, disjoint, covering

    def _taps(self, xp: np.ndarray, out_hw: tuple[int, int]) -> list[np.ndarray]:
        return [win.tap(xp, i, j, out_hw, self.strides)
                for i, j, _, _ in win.tap_offsets(self.pool_size, (1, 1))]

    def _scatter(self, part, padded_shape, pads, out_hw, disjoint, covering, dtype):
        """``dL/dx`` from each tap's gradient slab ``part(t, out)`` (n, oh, ow, c).

        Taps are visited in order; disjoint windows write each slab straight through the
        tap's view (``out=view``), overlapping ones add it (``out=None``: a new array).
        """
        dxp = (np.empty if covering else np.zeros)(padded_shape, dtype=dtype)
        for t, view in enumerate(self._taps(dxp, out_hw)):
            if disjoint:
                part(t, view)
            else:
                view += part(t, None)
        (top, bottom), (left, right) = pads
        if top == bottom == left == right == 0:
            return dxp
        return dxp[:, top:padded_shape[1] - bottom, left:padded_shape[2] - right, :]

    def get_config(self):
        config = super().get_config()
        config.update(pool_size=list(self.pool_size), strides=list(self.strides),
                      padding=self.padding)
        return config


class MaxPooling2D(_Pooling2D):
    """Maximum over each ``pool_size`` window (Keras's ``MaxPooling2D``).

    Parameters
    ----------
    pool_size : int or tuple of 2 ints, default (2, 2)
    strides : int or tuple of 2 ints, optional
        Defaults to ``pool_size``.
    padding : {'valid', 'same'}, default 'valid'
        'same' pads with ``-inf``, so padding never wins a window.

    Notes
    -----
    ``x`` (n, h, w, c) -> ``y`` (n, oh, ow, c), ``y = max over taps t of x_t`` where ``x_t``
    is tap ``t``'s strided view (one ``np.maximum`` per tap). Backward routes each window's
    gradient to one position, its argmax, ties going to the first tap in row-major order (as
    PyTorch does)::

        dL/dx_t = dL/dy * [t is the first tap with x_t == y]

    Non-overlapping windows that tile the input (the usual ``pool_size == strides``) write
    each tap's share straight into an uninitialised gradient: no zero fill, no adds. (The
    reshape ``x.reshape(n, oh, ph, ow, pw, c).max(axis=(2, 4))`` computes the same forward,
    but measured 2-3x slower than the per-tap ``np.maximum`` on (128, 26, 26, 32).)
    """

    def forward(self, x, training=False):
        pads, out_hw, disjoint, covering = self._geometry(x)
        xp = win.pad_hw(x, pads, value=-np.inf)
        taps = self._taps(xp, out_hw)
        y = taps[0].copy()  # (n, oh, ow, c)
        for t in taps[1:]:
            np.maximum(y, t, out=y)
        self._cache = (xp, y, pads, out_hw, disjoint, covering)
        return y

    def backward(self, grad_y):
        xp, y, pads, out_hw, disjoint, covering = self._cache
        taps = self._taps(xp, out_hw)
        last = len(taps) - 1
        unclaimed: np.ndarray | None = None  # windows whose maximum is not yet placed

        def part(t: int, out: np.ndarray | None) -> np.ndarray:
            nonlocal unclaimed
            if t == last and unclaimed is not None:
                won = unclaimed  # no earlier tap held the maximum, so this one does
            else:
                won = taps[t] == y  # (n, oh, ow, c): tap t holds the maximum ...
                if unclaimed is None:
                    unclaimed = ~won
                else:
                    won &= unclaimed  # ... and no earlier tap did
                    np.logical_xor(unclaimed, won, out=unclaimed)
            return np.multiply(grad_y, won, out=out)

        return self._scatter(part, xp.shape, pads, out_hw, disjoint, covering, grad_y.dtype)


class AveragePooling2D(_Pooling2D):
    """Mean over each ``pool_size`` window (Keras's ``AveragePooling2D``).

    Parameters: ``pool_size``, ``strides`` and ``padding`` as for :class:`MaxPooling2D`;
    with 'same', the border windows follow Keras on its PyTorch backend (see Notes).

    Notes
    -----
    ``y = (1 / m) * sum over taps t of x_t``, with ``m = ph * pw``. Backward spreads the
    gradient evenly: ``dL/dx_t = dL/dy / m`` for every tap.

    'same' pads as TensorFlow (``total = (out - 1) * stride + pool - length`` per axis, the
    odd pixel after). Where the border windows then differ between Keras's backends, this
    layer gives the PyTorch backend's numbers:

    - padding the same on both sides of each axis: the padding is not counted (``m`` is the
      number of real pixels in the window, an ``(oh, ow)`` map -- TensorFlow's rule too);
    - otherwise (one more pixel after than before, on either axis): the input is padded on
      every axis by *repeating its edge pixels*, and those count (``m = ph * pw``); the
      backward pass adds the gradient of each repeated pixel back onto the edge pixel it
      copies. ``AveragePooling1D(3, 2, padding="same")`` on 6 steps ends with
      ``(x4 + x5 + x5) / 3`` (TensorFlow: ``(x4 + x5) / 2``).
    """

    def _replicates(self, pads) -> bool:
        """Whether 'same' pads by repeating edge pixels (counted): uneven padding."""
        return any(before != after for before, after in pads)

    def forward(self, x, training=False):
        pads, out_hw, disjoint, covering = self._geometry(x)
        n, h, w, c = x.shape
        ph, pw = self.pool_size
        edge = self._replicates(pads)
        xp = np.pad(x, ((0, 0), *pads, (0, 0)), mode="edge") if edge else win.pad_hw(x, pads)
        taps = self._taps(xp, out_hw)
        y = taps[0].copy()  # (n, oh, ow, c)
        for t in taps[1:]:
            y += t
        count: Any = ph * pw
        if pads != ((0, 0), (0, 0)) and not edge:  # real pixels per window: pool ones
            ones = win.pad_hw(np.ones((1, h, w, 1), dtype=x.dtype), pads)
            count = sum(self._taps(ones, out_hw))  # (1, oh, ow, 1)
        y /= count
        self._cache = (count, xp.shape, pads, out_hw, disjoint, covering, edge)
        return y

    def backward(self, grad_y):
        count, padded_shape, pads, out_hw, disjoint, covering, edge = self._cache
        share = grad_y / count  # (n, oh, ow, c): each tap's equal share

        def part(t: int, out: np.ndarray | None) -> np.ndarray:
            if out is None:
                return share
            out[...] = share
            return out

        if not edge:
            return self._scatter(part, padded_shape, pads, out_hw, disjoint, covering,
                                 grad_y.dtype)
        dxp = self._scatter(part, padded_shape, ((0, 0), (0, 0)), out_hw, disjoint,
                            covering, grad_y.dtype)
        return _fold_edges(dxp, pads)


def _fold_edges(dxp: np.ndarray, pads) -> np.ndarray:
    """The adjoint of edge padding: ``dxp`` (n, h + pads, w + pads, c) -> (n, h, w, c), each
    padded pixel's gradient added onto the edge pixel it repeated."""
    for axis, (before, after) in ((1, pads[0]), (2, pads[1])):
        size = dxp.shape[axis] - before - after
        core = np.take(dxp, np.arange(before, before + size), axis=axis)  # a copy
        first = [slice(None)] * 4
        last = [slice(None)] * 4
        first[axis], last[axis] = slice(0, 1), slice(size - 1, size)
        if before:
            core[tuple(first)] += np.take(dxp, np.arange(before), axis=axis).sum(
                axis=axis, keepdims=True)
        if after:
            core[tuple(last)] += np.take(dxp, np.arange(before + size, dxp.shape[axis]),
                                         axis=axis).sum(axis=axis, keepdims=True)
        dxp = core
    return dxp


class _GlobalPooling2D(Layer):
    """Shared shape logic: ``(n, h, w, c) -> (n, c)`` (or ``(n, 1, 1, c)`` with keepdims)."""

    config_keys = ("keepdims",)

    def __init__(self, data_format: str | None = None, keepdims: bool = False,
                 **base: Any) -> None:
        super().__init__(**base)
        if data_format not in (None, "channels_last"):
            raise ValueError(
                f"{type(self).__name__} `data_format` must be 'channels_last', "
                f"got {data_format!r}."
            )
        self.keepdims = _validate.check_bool(type(self).__name__, "keepdims", keepdims)

    def output_shape(self, input_shape):
        _check_image(self, tuple(input_shape))
        c = input_shape[-1]
        return (1, 1, c) if self.keepdims else (c,)

    def build(self, input_shape, rng=None):
        _check_image(self, tuple(input_shape))
        super().build(input_shape, rng)

    def _shape_out(self, y: np.ndarray) -> np.ndarray:
        return y[:, None, None, :] if self.keepdims else y


class GlobalAveragePooling2D(_GlobalPooling2D):
    """Mean over height and width: ``y[b, k] = mean_{i, j} x[b, i, j, k]``.

    Backward: ``dL/dx[b, i, j, k] = dL/dy[b, k] / (h * w)``.
    """

    def forward(self, x, training=False):
        if x.ndim != 4:
            _check_image(self, x.shape[1:])
        self._cache = x.shape
        return self._shape_out(x.mean(axis=(1, 2)))  # (n, c)

    def backward(self, grad_y):
        n, h, w, c = self._cache
        share = grad_y.reshape(n, 1, 1, c) / (h * w)
        return np.broadcast_to(share, (n, h, w, c)).copy()


class GlobalMaxPooling2D(_GlobalPooling2D):
    """Maximum over height and width; backward routes to the (first) argmax of each channel.

    ``y[b, k] = max_{i, j} x[b, i, j, k]``; ``dL/dx`` is ``dL/dy[b, k]`` at the first
    (row-major) position holding that maximum and 0 elsewhere.
    """

    def forward(self, x, training=False):
        if x.ndim != 4:
            _check_image(self, x.shape[1:])
        n, h, w, c = x.shape
        flat = x.reshape(n, h * w, c)
        arg = flat.argmax(axis=1)  # (n, c): argmax returns the first of equal maxima
        y = np.take_along_axis(flat, arg[:, None, :], axis=1)[:, 0, :]  # (n, c)
        self._cache = (x.shape, arg)
        return self._shape_out(y)

    def backward(self, grad_y):
        (n, h, w, c), arg = self._cache
        dx = np.zeros((n, h * w, c), dtype=grad_y.dtype)
        np.put_along_axis(dx, arg[:, None, :], grad_y.reshape(n, 1, c), axis=1)
        return dx.reshape(n, h, w, c)
