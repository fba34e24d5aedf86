"""Overlap losses for segmentation: Dice and Tversky, ``1 - N / D`` with the sums ``N`` and ``D``
taken over ``axis`` (every axis, the batch's included, by default: one number per batch).

Their values are not one per sample unless ``axis`` leaves the batch axis alone, so they
compute the reduced value and its gradient together (:meth:`OverlapLoss.value_and_gradient`):
``dL/dp = dL/dV (-dN/dp / D + N dD/dp / D^2)``, with ``dL/dV`` the reduction's weights
(:func:`~glassnet.losses.base.reduce_values_and_gradient`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import _validate
from glassnet.losses.base import EPSILON, Loss, per_sample_mean, reduce_values_and_gradient, unreduced

Axis = int | tuple[int, ...] | list[int] | None


def _check_axis(owner: str, axis: Any) -> Axis:
    if axis is None:
        return None
    items = [axis] if np.ndim(axis) == 0 else list(axis)
    for a in items:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)):
            raise TypeError(f"`axis` of {owner} must be None, an int or a tuple of ints, "
                            f"got {axis!r}.")
    return int(axis) if np.ndim(axis) == 0 else tuple(int(a) for a in items)


class OverlapLoss(Loss):
    """``V = 1 - N / D`` over ``axis``; a subclass gives ``N``, ``D`` and their derivatives."""

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str | None = None,
                 axis: Axis = None, dtype: Any = None) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype)
        self.axis = _check_axis(type(self).__name__, axis)

    def _ratio(self, y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(N, D)``, summed over ``axis`` with the reduced axes kept (size 1)."""
        raise NotImplementedError

    def _ratio_grads(self, y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(dN/dp, dD/dp)`` per entry."""
        raise NotImplementedError

    def _sum(self, x: np.ndarray) -> np.ndarray:
        return np.sum(x, axis=self._axes(x), keepdims=True)

    def _axes(self, x: np.ndarray) -> tuple[int, ...]:
        if self.axis is None:
            return tuple(range(x.ndim))
        items = (self.axis,) if isinstance(self.axis, int) else tuple(self.axis)
        if any(not -x.ndim <= a < x.ndim for a in items):
            raise ValueError(f"`axis` of {type(self).__name__} is {self.axis!r}, but the "
                             f"predictions have {x.ndim} axes.")
        return tuple(sorted({a % x.ndim for a in items}))

    def call(self, y_true, y_pred):
        n, d = self._ratio(y_true, y_pred)
        return np.squeeze(1.0 - n / d, axis=self._axes(y_pred))

    def _values(self, y_true, y_pred):
        values = self.call(y_true, y_pred)
        if 0 in self._axes(y_pred):  # one value for several samples: each sample gets it
            return np.full(len(y_pred), np.mean(values), dtype=y_pred.dtype)
        return values if values.ndim == 1 else per_sample_mean(values)

    def value_and_gradient(self, y_true, y_pred, sample_weight=None):
        y_true = self._like_pred(y_true, y_pred)
        n, d = self._ratio(y_true, y_pred)
        values = np.squeeze(1.0 - n / d, axis=self._axes(y_pred))
        value, d_values = reduce_values_and_gradient(values, sample_weight, self.reduction)
        dn, dd = self._ratio_grads(y_true, y_pred)
        grad = d_values.reshape(n.shape) * (n * dd / (d * d) - dn / d)
        return value, grad.astype(y_pred.dtype, copy=False)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}


class Dice(OverlapLoss):
    """The Dice loss, ``1 - 2 sum(y p) / (sum(y) + sum(p) + eps)`` over ``axis``.

    Parameters
    ----------
    reduction : str or None, default "sum_over_batch_size"
        See :class:`~glassnet.losses.Loss`.
    name : str, default "dice"
    axis : int or tuple of int, optional
        The axes summed over; None (the default) sums over every axis, the batch's too, and
        gives one value per batch. ``(1, 2, 3)`` gives one per image.
    dtype : str, optional
        See :class:`~glassnet.losses.Loss`.

    Notes
    -----
    With ``N = 2 sum(y p)`` and ``D = sum(y) + sum(p) + 1e-7``:
    ``dV/dp = -2 y / D + N / D^2``.
    """

    name = "dice"

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str | None = "dice",
                 axis: Axis = None, dtype: Any = None) -> None:
        super().__init__(reduction=reduction, name=name, axis=axis, dtype=dtype)

    def _ratio(self, y, p):
        return 2.0 * self._sum(y * p), self._sum(y) + self._sum(p) + EPSILON

    def _ratio_grads(self, y, p):
        return 2.0 * y, np.ones_like(p)


class Tversky(OverlapLoss):
    """The Tversky loss, ``1 - I / (I + alpha F_1 + beta F_2 + eps)`` over ``axis``.

    Parameters
    ----------
    alpha : float, default 0.5
        Weight of ``F_1 = sum((1 - p) y)`` (Keras calls it the false positives).
    beta : float, default 0.5
        Weight of ``F_2 = sum(p (1 - y))``. ``alpha = beta = 0.5`` gives the Dice loss.
    reduction : str or None, default "sum_over_batch_size"
        See :class:`~glassnet.losses.Loss`.
    name : str, default "tversky"
    axis : int or tuple of int, optional
        The axes summed over; None (the default) sums over every axis. See :class:`Dice`.
    dtype : str, optional
        See :class:`~glassnet.losses.Loss`.

    Notes
    -----
    With ``I = sum(y p)``, ``N = I`` and ``D = I + alpha F_1 + beta F_2 + 1e-7``:
    ``dV/dp = -y / D + N ((1 - alpha) y + beta (1 - y)) / D^2``.
    """

    name = "tversky"

    def __init__(self, alpha: float = 0.5, beta: float = 0.5,
                 reduction: str | None = "sum_over_batch_size", name: str | None = "tversky",
                 axis: Axis = None, dtype: Any = None) -> None:
        super().__init__(reduction=reduction, name=name, axis=axis, dtype=dtype)
        self.alpha = _validate.check_float("Tversky", "alpha", alpha)
        self.beta = _validate.check_float("Tversky", "beta", beta)

    def _ratio(self, y, p):
        inter = self._sum(y * p)
        f1, f2 = self._sum((1.0 - p) * y), self._sum(p * (1.0 - y))
        return inter, inter + f1 * self.alpha + f2 * self.beta + EPSILON

    def _ratio_grads(self, y, p):
        return y, (1.0 - self.alpha) * y + self.beta * (1.0 - y)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "alpha": self.alpha, "beta": self.beta}


def dice(y_true: Any, y_pred: Any, axis: Axis = None) -> np.ndarray:
    """The Dice loss over ``axis`` (a 0-d array for ``axis=None``); see :class:`Dice`."""
    return unreduced(Dice(axis=axis), y_true, y_pred)


def tversky(y_true: Any, y_pred: Any, alpha: float = 0.5, beta: float = 0.5,
            axis: Axis = None) -> np.ndarray:
    """The Tversky loss over ``axis``; see :class:`Tversky`."""
    return unreduced(Tversky(alpha, beta, axis=axis), y_true, y_pred)
