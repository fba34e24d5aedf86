"""Per-channel arithmetic on channels-last arrays, arranged for long inner loops.

A bias or a batch-norm scale is a vector ``v`` of ``c`` values applied to every pixel of an
``(n, h, w, c)`` batch. Written as ``x + v`` (or reduced as ``x.reshape(-1, c).sum(0)``),
NumPy runs its inner loop over only ``c`` values at a time, ``n * h * w`` times: with 32
channels that costs about twice a plain pass over the data. Viewing the batch as
``(n, h * w * c)`` and tiling ``v`` to ``h * w * c`` values gives one long inner loop per
sample instead; a reduction then sums the ``n`` rows first and folds the pixels after::

    x + v                ==  (x.reshape(n, L) + tile(v, L)).reshape(x.shape)      L = h*w*c
    sum over pixels x    ==  x.reshape(n, L).sum(0).reshape(-1, c).sum(0)

The folded sums are also more accurate in float32 than one long running sum.
"""

from __future__ import annotations

import numpy as np


def rows(a: np.ndarray) -> np.ndarray:
    """``a`` (n, ..., c) as a C-contiguous ``(n, L)`` array (a view when ``a`` is contiguous)."""
    return np.ascontiguousarray(a).reshape(a.shape[0], -1)


def tile(v: np.ndarray, length: int) -> np.ndarray:
    """``v`` (c,) repeated to ``length`` values (``v`` itself when ``length == c``)."""
    return v if length == v.size else np.tile(v, length // v.size)


def channel_sum(a: np.ndarray, c: int) -> np.ndarray:
    """Sum of ``a`` (n, L) over everything but the channel: ``(c,)``."""
    return a.sum(axis=0).reshape(-1, c).sum(axis=0)


def channel_dot(a: np.ndarray, b: np.ndarray, c: int) -> np.ndarray:
    """``sum(a * b)`` per channel for ``a``, ``b`` (n, L), without forming ``a * b``."""
    return np.einsum("ij,ij->j", a, b).reshape(-1, c).sum(axis=0)
