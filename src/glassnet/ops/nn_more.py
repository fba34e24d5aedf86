"""More neural-network activations as operations: the hard and sparse variants, the shrink
functions, ``celu``, ``squareplus``, ``glu``, ``threshold`` and ``sparsemax``.

The elementwise ones are the activation objects of :mod:`glassnet.activations` (each with its
derivative written once beside its forward formula), called on the input: on a traced array
they record ``dL/dx = activation.backward(x, out, g)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import activations
from glassnet.ops.elementwise import multiply
from glassnet.ops.nn import sigmoid
from glassnet.ops.shapes import split
from glassnet.ops.tape import record, unpack

ArrayLike = Any


def hard_sigmoid(x: ArrayLike) -> Any:
    """``relu6(x + 3) / 6``; ``d/dx = 1/6`` on ``(-3, 3)``, 0 outside."""
    return activations.HardSigmoid()(x)


def hard_silu(x: ArrayLike) -> Any:
    """``x relu6(x + 3) / 6``; ``d/dx = (2x + 3) / 6`` on ``(-3, 3)``, 0 below, 1 above."""
    return activations.HardSiLU()(x)


hard_swish = hard_silu


def softsign(x: ArrayLike) -> Any:
    """``x / (1 + |x|)``; ``d/dx = 1 / (1 + |x|)^2``."""
    return activations.Softsign()(x)


def celu(x: ArrayLike, alpha: float = 1.0) -> Any:
    """``x`` for ``x > 0`` else ``alpha (exp(x / alpha) - 1)``; ``d/dx = exp(x / alpha)``
    for ``x <= 0``."""
    return activations.CELU(alpha)(x)


def sparse_plus(x: ArrayLike) -> Any:
    """0 below -1, ``(x + 1)^2 / 4`` on ``(-1, 1)``, ``x`` above 1; ``d/dx`` is 0,
    ``(x + 1) / 2`` and 1 there."""
    return activations.SparsePlus()(x)


def sparse_sigmoid(x: ArrayLike) -> Any:
    """0 below -1, ``(x + 1) / 2`` on ``(-1, 1)``, 1 above 1; ``d/dx = 1/2`` inside."""
    return activations.SparseSigmoid()(x)


def squareplus(x: ArrayLike, b: float = 4) -> Any:
    """``(x + sqrt(x^2 + b)) / 2``; ``d/dx = (1 + x / sqrt(x^2 + b)) / 2``."""
    return activations.Squareplus(b)(x)


def soft_shrink(x: ArrayLike, threshold: float = 0.5) -> Any:
    """``x - t`` above ``t``, ``x + t`` below ``-t``, 0 between; ``d/dx = 1[|x| > t]``."""
    return activations.SoftShrink(threshold)(x)


def hard_shrink(x: ArrayLike, threshold: float = 0.5) -> Any:
    """``x`` where ``|x| > t``, else 0; ``d/dx = 1[|x| > t]``."""
    return activations.HardShrink(threshold)(x)


def tanh_shrink(x: ArrayLike) -> Any:
    """``x - tanh x``; ``d/dx = tanh^2 x``."""
    return activations.TanhShrink()(x)


def hard_tanh(x: ArrayLike) -> Any:
    """``clip(x, -1, 1)``; ``d/dx = 1[-1 < x < 1]``."""
    return activations.HardTanh()(x)


def threshold(x: ArrayLike, threshold: float, default_value: float) -> Any:
    """``x`` where ``x > threshold``, else ``default_value``; ``d/dx = 1[x > threshold]``."""
    a, t = unpack(x)
    a = np.asarray(a)
    above = a > threshold
    out = np.where(above, a, np.asarray(default_value, dtype=a.dtype))
    return record(out, (t,), lambda g: (g * above,))


def glu(x: ArrayLike, axis: int = -1) -> Any:
    """The gated linear unit ``a * sigmoid(b)``, ``a`` and ``b`` the two halves of ``x``
    along ``axis``.

    ``dL/da = g sigmoid(b)``, ``dL/db = g a s (1 - s)``: the product and sigmoid rules
    (the halves are slices, so their gradients are put back side by side).
    """
    n = np.shape(unpack(x)[0])[axis]
    if n % 2:
        raise ValueError(f"glu needs an even size along `axis` {axis}, got {n}.")
    first, second = split(x, 2, axis=axis)
    return multiply(first, sigmoid(second))


def sparsemax(x: ArrayLike, axis: int = -1) -> Any:
    """The Euclidean projection of ``x`` onto the probability simplex along ``axis``
    (Martins & Astudillo, 2016): ``max(x - tau, 0)`` with ``tau`` making the entries sum to 1.

    Notes
    -----
    On the support ``S`` (entries above ``tau``) the output is ``x - tau(x)``, so
    ``dL/dx_i = 1[i in S] (g_i - mean_{j in S} g_j)``.
    """
    a, t = unpack(x)
    a = np.asarray(a)
    if a.dtype.kind != "f":
        a = a.astype(np.float32)
    z = np.moveaxis(a, axis, -1)
    ranked = -np.sort(-z, axis=-1)
    k = np.arange(1, z.shape[-1] + 1, dtype=z.dtype)
    cum = np.cumsum(ranked, axis=-1)
    support_size = np.sum(1 + k * ranked > cum, axis=-1, keepdims=True)
    tau = (np.take_along_axis(cum, support_size - 1, axis=-1) - 1) / support_size
    out_last = np.maximum(z - tau, 0).astype(z.dtype, copy=False)
    support = out_last > 0
    out = np.moveaxis(out_last, -1, axis)

    def backward(g):
        gl = np.moveaxis(g, axis, -1)
        mean = np.sum(gl * support, axis=-1, keepdims=True) / np.sum(support, axis=-1, keepdims=True)
        return (np.moveaxis(np.where(support, gl - mean, 0), -1, axis),)

    return record(out, (t,), backward)
