"""Window arithmetic shared by the 2-D convolution and pooling layers (channels last).

A 2-D layer slides a window of ``k`` taps (``k_eff = (k - 1) * d + 1`` pixels when dilated by
``d``) over an image with stride ``s``. Every tap ``(i, j)`` of the window then sees a strided
*view* of the (padded) input::

    tap(i, j) = xp[:, i*dh : i*dh + sh*(oh-1) + 1 : sh, j*dw : j*dw + sw*(ow-1) + 1 : sw, :]

of shape ``(n, oh, ow, c)``. im2col stacks those views into a column matrix so a convolution
is one matmul; col2im adds gradients back through the same views, one tap at a time (a loop
over ``kh * kw`` taps, never over samples or pixels).

Output sizes and 'same' padding follow Keras / TensorFlow exactly::

    'valid': o = floor((n - k_eff) / s) + 1
    'same':  o = ceil(n / s),  pad total = max((o - 1) * s + k_eff - n, 0),
             pad before = total // 2, the extra pixel after (bottom / right)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

PADDINGS = ("valid", "same")
#: Below this many channels, im2col/col2im work tap by tap (measured faster there).
SMALL_CHANNELS = 4


def int_pair(value: Any, owner: str, arg: str, minimum: int = 1) -> tuple[int, int]:
    """``3 -> (3, 3)``; ``(2, 3) -> (2, 3)``; anything else (or below ``minimum``) raises.

    ``owner`` and ``arg`` name the layer and its argument in the error message.
    """
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        pair: tuple[Any, ...] = (value, value)
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        pair = tuple(value)
    else:
        pair = ()
    if len(pair) != 2 or not all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= minimum
        for v in pair
    ):
        bound = "positive" if minimum == 1 else f">= {minimum}"
        raise ValueError(
            f"{owner} `{arg}` must be a {bound} integer or a tuple of 2 {bound} integers, "
            f"got {value!r}."
        )
    return int(pair[0]), int(pair[1])


def _nonneg_int(v: Any) -> bool:
    return bool(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 0)


def side_pairs(value: Any, owner: str, arg: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """Keras's three spellings of what is added or removed at each side of an image, ``2``,
    ``(2, 3)`` (symmetric height and width) or ``((1, 2), (3, 4))``, as
    ``((top, bottom), (left, right))``; anything else (or a negative number) raises.

    ``owner`` and ``arg`` name the layer and its argument in the error message.
    """
    if _nonneg_int(value):
        v = int(value)
        return (v, v), (v, v)
    if isinstance(value, (tuple, list)) and len(value) == 2:
        if all(_nonneg_int(v) for v in value):
            vh, vw = (int(v) for v in value)
            return (vh, vh), (vw, vw)
        if all(isinstance(v, (tuple, list)) and len(v) == 2 and all(_nonneg_int(u) for u in v)
               for v in value):
            (t, b), (l, r) = value
            return (int(t), int(b)), (int(l), int(r))
    raise ValueError(
        f"{owner} `{arg}` must be an int, a tuple of 2 ints (symmetric height and width {arg}) "
        f"or ((top, bottom), (left, right)), all >= 0, got {value!r}."
    )


def check_padding(padding: Any, owner: str) -> str:
    """``'valid'`` or ``'same'`` (case-insensitive), else a ValueError listing both."""
    if not isinstance(padding, str) or padding.lower() not in PADDINGS:
        raise ValueError(f"{owner} `padding` must be 'valid' or 'same', got {padding!r}.")
    return padding.lower()


def output_length(length: int | None, k_eff: int, stride: int, padding: str) -> int | None:
    """Output size along one axis (``None`` stays ``None``); may be <= 0 for 'valid'."""
    if length is None:
        return None
    if padding == "same":
        return -(-length // stride)  # ceil(length / stride)
    return (length - k_eff) // stride + 1


def same_padding(length: int, k_eff: int, stride: int) -> tuple[int, int]:
    """``(before, after)`` zero pixels that TensorFlow's 'same' adds along one axis."""
    out = -(-length // stride)
    total = max((out - 1) * stride + k_eff - length, 0)
    return total // 2, total - total // 2


def pad_hw(x: np.ndarray, pads: tuple[tuple[int, int], tuple[int, int]],
           value: float = 0.0) -> np.ndarray:
    """``x`` (n, h, w, c) with ``pads = ((top, bottom), (left, right))`` of ``value`` added.

    Returns ``x`` itself when every pad is zero (no copy).
    """
    (t, b), (l, r) = pads
    if t == b == l == r == 0:
        return x
    n, h, w, c = x.shape
    out = np.empty((n, h + t + b, w + l + r, c), dtype=x.dtype)
    # Fill only the border, then copy x once into the middle.
    out[:, :t] = value
    out[:, t + h:] = value
    out[:, t:t + h, :l] = value
    out[:, t:t + h, l + w:] = value
    out[:, t:t + h, l:l + w] = x
    return out


def tap(xp: np.ndarray, i0: int, j0: int, out_hw: tuple[int, int],
        strides: tuple[int, int]) -> np.ndarray:
    """The strided view ``xp[:, i0::sh, j0::sw, :]`` of shape ``(n, oh, ow, c)`` (no copy)."""
    (oh, ow), (sh, sw) = out_hw, strides
    return xp[:, i0:i0 + sh * (oh - 1) + 1:sh, j0:j0 + sw * (ow - 1) + 1:sw, :]


def tap_offsets(kernel: tuple[int, int], dilation: tuple[int, int]) -> list[tuple[int, int, int, int]]:
    """``[(i, j, i * dh, j * dw), ...]`` for every tap, in row-major (kernel) order."""
    (kh, kw), (dh, dw) = kernel, dilation
    return [(i, j, i * dh, j * dw) for i in range(kh) for j in range(kw)]


def im2col(xp: np.ndarray, kernel: tuple[int, int], strides: tuple[int, int],
           dilation: tuple[int, int], out_hw: tuple[int, int],
           out: np.ndarray | None = None) -> np.ndarray:
    """Columns ``(n, oh, ow, kh, kw, c)`` of the padded input ``xp`` (n, hp, wp, c).

    Row ``(b, y, x)`` of ``cols.reshape(n * oh * ow, kh * kw * c)`` holds the window under
    output pixel ``(y, x)`` of sample ``b`` in the order of a ``(kh, kw, c, f)`` kernel
    reshaped to ``(kh * kw * c, f)``, so the convolution is ``cols @ kernel``. ``out`` (of that
    shape) is filled when given.

    With several channels, one copy from an ``as_strided`` window view (runs of ``kw * c``
    contiguous values when undilated); with one to three channels, ``kh * kw`` tap copies,
    which measured 3x faster there (the window view's runs are only ``kw`` long).
    """
    n, _, _, c = xp.shape
    (oh, ow), (kh, kw), (sh, sw), (dh, dw) = out_hw, kernel, strides, dilation
    if out is None:
        out = np.empty((n, oh, ow, kh, kw, c), dtype=xp.dtype)
    if c >= SMALL_CHANNELS:
        s0, s1, s2, s3 = xp.strides
        windows = as_strided(xp, shape=(n, oh, ow, kh, kw, c),
                             strides=(s0, s1 * sh, s2 * sw, s1 * dh, s2 * dw, s3),
                             writeable=False)
        np.copyto(out, windows)
    else:
        for i, j, di, dj in tap_offsets(kernel, dilation):
            out[:, :, :, i, j, :] = tap(xp, di, dj, out_hw, strides)
    return out


def col2im(dcols: np.ndarray, padded_shape: tuple[int, int, int, int],
           strides: tuple[int, int], dilation: tuple[int, int]) -> np.ndarray:
    """Adjoint of :func:`im2col`: sum the tap gradients back onto the padded input.

    ``dcols`` has shape ``(kh, kw, n, oh, ow, c)``: ``dcols[i, j]`` is the gradient of what
    tap ``(i, j)`` read. Each input pixel receives the gradient of every window containing
    it; one strided ``+=`` per tap does exactly that. The adds run fastest when each
    ``dcols[i, j]`` is contiguous (tap-major), see :class:`~glassnet.layers.Conv2D`.
    """
    kh, kw, _, oh, ow = dcols.shape[:5]
    dxp = np.zeros(padded_shape, dtype=dcols.dtype)
    for i, j, di, dj in tap_offsets((kh, kw), dilation):
        tap(dxp, di, dj, (oh, ow), strides)[...] += dcols[i, j]
    return dxp
