"""Batched affine warps: one rotation/zoom/shift per image, one vectorised resampling.

Every output pixel ``p = (row, col)`` of image ``k`` reads the input at

    src = M_k^-1 (p - centre - t_k) + centre,    M_k = s_k R(theta_k)

-- the inverse of "scale by ``s_k`` and rotate by ``theta_k`` about the centre, then shift by
``t_k``". All images' source coordinates come from one einsum, and all pixels are gathered in
one fancy-indexing operation per bilinear corner: there is no Python loop over images or
pixels.

Conventions (image rows point down): a positive angle turns the content counter-clockwise
as displayed (90 degrees equals ``np.rot90``); a zoom ``s > 1`` enlarges it; a shift
``(dy, dx)`` moves it down by ``dy`` and right by ``dx`` pixels.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

FILL_MODES = ("constant", "nearest", "reflect", "wrap")
INTERPOLATIONS = ("bilinear", "nearest")


def check_images(x: Any, name: str = "x") -> np.ndarray:
    """``x`` as an ndarray of shape (n, h, w) or (n, h, w, c) with a numeric dtype."""
    x = np.asarray(x)
    if x.ndim not in (3, 4):
        raise ValueError(
            f"`{name}` must be a batch of images of shape (n, h, w) or (n, h, w, c), "
            f"got shape {x.shape}."
        )
    if x.dtype.kind not in "iuf":
        raise TypeError(f"`{name}` must have an integer or float dtype, got {x.dtype}.")
    return x


def check_choice(value: str, name: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ValueError(f"`{name}` must be one of {choices}, got {value!r}.")
    return value


def to_dtype(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Cast float results back to ``dtype``: rounded and clipped to its range when integer."""
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return np.clip(np.rint(values), info.min, info.max).astype(dtype)
    return values.astype(dtype, copy=False)


def _work_dtype(dtype: np.dtype) -> np.dtype:
    return np.dtype(np.float64) if dtype == np.float64 else np.dtype(np.float32)


def _map_index(i: np.ndarray, size: int, fill_mode: str) -> np.ndarray:
    """Indices into the input padded by one pixel of ``fill_value`` on every side.

    ``i`` indexes the unpadded axis of length ``size``; the result indexes ``[0, size + 2)``.
    For 'constant', everything outside the image lands on the padding.
    """
    if fill_mode == "constant":
        return np.clip(i, -1, size) + 1
    if fill_mode == "nearest":
        return np.clip(i, 0, size - 1) + 1
    if fill_mode == "wrap":
        return np.mod(i, size) + 1
    # 'reflect' about the edge, the edge pixel repeated: (d c b a | a b c d | d c b a).
    i = np.mod(i, 2 * size)
    return np.where(i >= size, 2 * size - 1 - i, i) + 1


def affine_transform(
    x: Any,
    rotation: Any = None,
    zoom: Any = None,
    shift: Any = None,
    fill_mode: str = "constant",
    fill_value: float = 0.0,
    interpolation: str = "bilinear",
) -> np.ndarray:
    """Rotate, zoom and shift each image of a batch by its own amounts.

    Parameters
    ----------
    x : ndarray of shape (n, h, w) or (n, h, w, c)
        Images; integer or float.
    rotation : float or ndarray of shape (n,), optional
        Degrees, counter-clockwise as displayed.
    zoom : float or ndarray of shape (n,), optional
        Magnification, > 0 (2 doubles the content's size).
    shift : ndarray of shape (2,) or (n, 2), optional
        ``(dy, dx)`` in pixels: down and right.
    fill_mode : {'constant', 'nearest', 'reflect', 'wrap'}, default 'constant'
        What lies outside the input: ``fill_value``, the nearest edge pixel, the mirrored
        image, or the image tiled.
    fill_value : float, default 0.0
        Used by ``fill_mode='constant'``.
    interpolation : {'bilinear', 'nearest'}, default 'bilinear'

    Returns
    -------
    ndarray of the shape and dtype of ``x``
        Integer results are rounded and clipped. With no rotation, zoom 1 and integer shifts
        the pixels are copied exactly.
    """
    x = check_images(x)
    check_choice(fill_mode, "fill_mode", FILL_MODES)
    check_choice(interpolation, "interpolation", INTERPOLATIONS)
    n, h, w = x.shape[:3]
    theta = np.deg2rad(np.broadcast_to(np.asarray(0.0 if rotation is None else rotation,
                                                  dtype=np.float64), (n,)))
    s = np.broadcast_to(np.asarray(1.0 if zoom is None else zoom, dtype=np.float64), (n,))
    t = np.broadcast_to(np.asarray((0.0, 0.0) if shift is None else shift, dtype=np.float64),
                        (n, 2))
    if not np.all(np.isfinite(s) & (s > 0)):
        raise ValueError(f"`zoom` must be finite and > 0, got values from {s.min()} to {s.max()}.")
    if n == 0:
        return x.copy()
    r, c = affine_coordinates((h, w), theta, s, t)
    return _sample(x, r, c, fill_mode, fill_value, interpolation)


def affine_coordinates(size: tuple[int, int], theta: np.ndarray, s: np.ndarray, t: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Where each output pixel reads the input: ``(rows, cols)``, each of shape (n, h*w).

    ``theta`` (radians), ``s`` (zoom) of shape (n,), ``t`` of shape (n, 2): the module's
    ``src = M^-1 (p - centre - t) + centre``.
    """
    h, w = size
    # Inverse of s R(theta) in (row, col) coordinates: R(-theta) / s.
    cos, sin = np.cos(theta) / s, np.sin(theta) / s
    inv = np.stack([np.stack([cos, sin], -1), np.stack([-sin, cos], -1)], -2)  # (n, 2, 2)
    centre = np.array([(h - 1) / 2.0, (w - 1) / 2.0])
    rows, cols = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64),
                             indexing="ij")
    grid = np.stack([rows.ravel(), cols.ravel()])  # (2, P)
    offset = centre - np.einsum("nij,nj->ni", inv, centre + t)  # (n, 2)
    src = inv @ grid + offset[:, :, None]  # (n, 2, 2) @ (2, P) -> (n, 2, P)
    return src[:, 0], src[:, 1]


class Sampling(NamedTuple):
    """Where and how a resampling reads its input: the fixed linear map ``y = S x``.

    ``at[k]`` (shape (n, P)) are flat indices into the input padded by one pixel of
    ``fill_value`` (shape (n, h + 2, w + 2), one row per pixel), ``weight[k]`` (shape
    (n, P, 1)) their bilinear weights; one corner and no weights for 'nearest'.
    """

    at: list[np.ndarray]
    weight: list[np.ndarray] | None
    shape: tuple[int, ...]  # the input's shape


def sampling(shape: tuple[int, ...], r: np.ndarray, c: np.ndarray, fill_mode: str,
             interpolation: str, dtype: Any = np.float32) -> Sampling:
    """The :class:`Sampling` reading images of ``shape`` and ``dtype`` at float coordinates
    ``(r, c)`` (each of shape (n, h*w)); the weights are float64 for float64 images."""
    n, h, w = shape[:3]
    work = _work_dtype(np.dtype(dtype))
    first = (np.arange(n) * (h + 2) * (w + 2))[:, None]  # (n, 1): each image's first row

    def rows(ri: np.ndarray) -> np.ndarray:
        return first + _map_index(ri, h, fill_mode) * (w + 2)

    def cols(ci: np.ndarray) -> np.ndarray:
        return _map_index(ci, w, fill_mode)

    if interpolation == "nearest":
        at = rows(np.floor(r + 0.5).astype(np.intp)) + cols(np.floor(c + 0.5).astype(np.intp))
        return Sampling([at], None, tuple(shape))
    r0f, c0f = np.floor(r), np.floor(c)
    fr, fc = (r - r0f).astype(work)[..., None], (c - c0f).astype(work)[..., None]
    r0, c0 = r0f.astype(np.intp), c0f.astype(np.intp)
    top, bottom = rows(r0), rows(r0 + 1)
    left, right = cols(c0), cols(c0 + 1)
    # Corners top-left, top-right, bottom-left, bottom-right; weights as gather() uses them.
    return Sampling([top + left, top + right, bottom + left, bottom + right],
                    [1 - fr, fc, fr, 1 - fc], tuple(shape))


def gather(x: np.ndarray, plan: Sampling, fill_value: float) -> np.ndarray:
    """``y = S x`` (plus ``fill_value`` where the plan reads outside): ``x``'s shape and dtype."""
    n, h, w = x.shape[:3]
    x4 = x.astype(_work_dtype(x.dtype), copy=False).reshape(n, h, w, -1)  # (n, h, w, C)
    # One pixel of fill_value around every image lets 'constant' need no masks, and one
    # flat table lets every corner be a single take() with linear indices.
    padded = np.pad(x4, ((0, 0), (1, 1), (1, 1), (0, 0)), constant_values=fill_value)
    table = padded.reshape(-1, x4.shape[-1])  # (n (h+2) (w+2), C)
    if plan.weight is None:
        out = table[plan.at[0]]
    else:
        tl, tr, bl, br = plan.at
        up, fc, fr, left = plan.weight
        out = up * (left * table[tl] + fc * table[tr]) + fr * (left * table[bl] + fc * table[br])
    return to_dtype(out.reshape(x.shape), x.dtype)


def scatter(grad_y: np.ndarray, plan: Sampling) -> np.ndarray:
    """The adjoint ``dL/dx = S^T dL/dy``: each output pixel's gradient added back onto the
    input pixels it read, with the weights it read them with (the padding's share, the
    constant ``fill_value``, is dropped). Returns ``plan.shape`` in ``grad_y``'s dtype."""
    n, h, w = plan.shape[:3]
    g = grad_y.reshape(n, h * w, -1)  # (n, P, C)
    channels = g.shape[-1]
    if plan.weight is None:
        parts = [(plan.at[0], g)]
    else:
        up, fc, fr, left = plan.weight
        parts = [(plan.at[0], g * (up * left)), (plan.at[1], g * (up * fc)),
                 (plan.at[2], g * (fr * left)), (plan.at[3], g * (fr * fc))]
    # One bincount over (table row, channel) pairs: np.add.at's sum, much faster.
    at = np.concatenate([(i[..., None] * channels + np.arange(channels)).ravel()
                         for i, _ in parts])
    values = np.concatenate([v.ravel() for _, v in parts])
    size = n * (h + 2) * (w + 2) * channels
    table = np.bincount(at, weights=values, minlength=size).reshape(n, h + 2, w + 2, channels)
    return table[:, 1:-1, 1:-1].reshape(plan.shape).astype(grad_y.dtype, copy=False)


def _sample(
    x: np.ndarray, r: np.ndarray, c: np.ndarray, fill_mode: str, fill_value: float,
    interpolation: str,
) -> np.ndarray:
    """Read ``x`` at float coordinates ``(r, c)`` of shape (n, P); returns ``x``'s shape."""
    plan = sampling(x.shape, r, c, fill_mode, interpolation, x.dtype)
    return gather(x, plan, fill_value)
