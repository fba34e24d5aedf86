"""Element-wise losses: each a function ``f(y_true, y_pred)`` of Keras's spelling (the mean over
the last axis of an element-wise term) and a class whose gradient sits beside that term.

For all of them, with ``e(y, p)`` the element-wise term and ``d`` the features per sample,
the per-sample value is ``mean(e)`` and its gradient ``de/dp / d``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from glassnet import _validate
from glassnet.losses.base import EPSILON, Loss, per_sample_mean, unreduced


def _hinge_labels(y_true: np.ndarray) -> np.ndarray:
    """Keras's rule: 0/1 labels become -1/1; other labels are used as they are."""
    if np.all((y_true == 0) | (y_true == 1)):
        return 2.0 * y_true - 1.0
    return y_true


class ElementwiseLoss(Loss):
    """A loss that is the mean over features of an element-wise term ``e(y, p)``."""

    def _terms(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _term_grads(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def call(self, y_true, y_pred):
        return self._terms(y_true, y_pred).mean(axis=-1)

    def _values(self, y_true, y_pred):
        return per_sample_mean(self._terms(y_true, y_pred))

    def _grads(self, y_true, y_pred):
        g = self._term_grads(y_true, y_pred)
        g *= 1.0 / y_pred[0].size
        return g


class MeanSquaredError(ElementwiseLoss):
    """``e = (p - y)^2``; ``de/dp = 2 (p - y)``."""

    name = "mean_squared_error"

    def _terms(self, y_true, y_pred):
        return (y_pred - y_true) ** 2

    def _term_grads(self, y_true, y_pred):
        g = y_pred - y_true
        g *= 2.0
        return g


class MeanAbsoluteError(ElementwiseLoss):
    """``e = |p - y|``; ``de/dp = sign(p - y)``."""

    name = "mean_absolute_error"

    def _terms(self, y_true, y_pred):
        return np.abs(y_pred - y_true)

    def _term_grads(self, y_true, y_pred):
        return np.sign(y_pred - y_true)


class MeanAbsolutePercentageError(ElementwiseLoss):
    """``e = 100 |y - p| / max(|y|, eps)``; ``de/dp = 100 sign(p - y) / max(|y|, eps)``."""

    name = "mean_absolute_percentage_error"

    def _terms(self, y_true, y_pred):
        return 100.0 * np.abs(y_true - y_pred) / np.maximum(np.abs(y_true), EPSILON)

    def _term_grads(self, y_true, y_pred):
        return 100.0 * np.sign(y_pred - y_true) / np.maximum(np.abs(y_true), EPSILON)


class MeanSquaredLogarithmicError(ElementwiseLoss):
    """``e = (log(1 + max(p, eps)) - log(1 + max(y, eps)))^2``; zero gradient where p < eps."""

    name = "mean_squared_logarithmic_error"

    def _terms(self, y_true, y_pred):
        return (np.log1p(np.maximum(y_pred, EPSILON)) - np.log1p(np.maximum(y_true, EPSILON))) ** 2

    def _term_grads(self, y_true, y_pred):
        p = np.maximum(y_pred, EPSILON)
        diff = np.log1p(p) - np.log1p(np.maximum(y_true, EPSILON))
        return np.where(y_pred > EPSILON, 2.0 * diff / (1.0 + p), 0.0).astype(y_pred.dtype)


class Huber(ElementwiseLoss):
    """Quadratic for ``|e| <= delta``, linear beyond: ``0.5 e^2`` or ``delta (|e| - delta/2)``.

    Parameters
    ----------
    delta : float, default 1.0
        Where the quadratic part ends, ``> 0``.
    reduction, name
        See :class:`~glassnet.losses.Loss`.
    """

    name = "huber_loss"

    def __init__(self, delta: float = 1.0, reduction: str | None = "sum_over_batch_size",
                 name: str | None = None, dtype: Any = None) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype)
        self.delta = _validate.check_float("Huber", "delta", delta, min=0.0, min_open=True)

    def _terms(self, y_true, y_pred):
        e = np.abs(y_pred - y_true)
        quad = np.minimum(e, self.delta)
        return 0.5 * quad**2 + self.delta * (e - quad)

    def _term_grads(self, y_true, y_pred):
        return np.clip(y_pred - y_true, -self.delta, self.delta)

    def get_config(self):
        return {**super().get_config(), "delta": self.delta}


class LogCosh(ElementwiseLoss):
    """``e = log(cosh(p - y))``, written ``x + softplus(-2x) - log 2``; ``de/dp = tanh(p - y)``."""

    name = "log_cosh"

    def _terms(self, y_true, y_pred):
        x = y_pred - y_true
        return x + np.logaddexp(0.0, -2.0 * x) - math.log(2.0)

    def _term_grads(self, y_true, y_pred):
        return np.tanh(y_pred - y_true)


class Hinge(ElementwiseLoss):
    """``e = max(1 - y p, 0)`` with labels in {-1, 1} (0/1 labels are mapped to them)."""

    name = "hinge"

    def _terms(self, y_true, y_pred):
        return np.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0)

    def _term_grads(self, y_true, y_pred):
        y = _hinge_labels(y_true)
        return np.where(1.0 - y * y_pred > 0.0, -y, 0.0).astype(y_pred.dtype)


class SquaredHinge(ElementwiseLoss):
    """``e = max(1 - y p, 0)^2`` with labels in {-1, 1}; ``de/dp = -2 y max(1 - y p, 0)``."""

    name = "squared_hinge"

    def _terms(self, y_true, y_pred):
        return np.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0) ** 2

    def _term_grads(self, y_true, y_pred):
        y = _hinge_labels(y_true)
        return -2.0 * y * np.maximum(1.0 - y * y_pred, 0.0)


class Poisson(ElementwiseLoss):
    """``e = p - y log(p + eps)``; ``de/dp = 1 - y / (p + eps)``."""

    name = "poisson"

    def _terms(self, y_true, y_pred):
        return y_pred - y_true * np.log(y_pred + EPSILON)

    def _term_grads(self, y_true, y_pred):
        return 1.0 - y_true / (y_pred + EPSILON)


# -- Keras's function forms: unreduced values of shape y_pred.shape[:-1] --------------------
def mean_squared_error(y_true: Any, y_pred: Any) -> np.ndarray:
    """``mean((y_pred - y_true)^2, axis=-1)``."""
    return unreduced(MeanSquaredError(), y_true, y_pred)


def mean_absolute_error(y_true: Any, y_pred: Any) -> np.ndarray:
    """``mean(|y_pred - y_true|, axis=-1)``."""
    return unreduced(MeanAbsoluteError(), y_true, y_pred)


def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> np.ndarray:
    """``100 mean(|y - p| / max(|y|, eps), axis=-1)``."""
    return unreduced(MeanAbsolutePercentageError(), y_true, y_pred)


def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> np.ndarray:
    """``mean((log1p(max(p, eps)) - log1p(max(y, eps)))^2, axis=-1)``."""
    return unreduced(MeanSquaredLogarithmicError(), y_true, y_pred)


def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> np.ndarray:
    """Huber's loss averaged over the last axis (see :class:`Huber`)."""
    return unreduced(Huber(delta), y_true, y_pred)


def log_cosh(y_true: Any, y_pred: Any) -> np.ndarray:
    """``mean(log(cosh(y_pred - y_true)), axis=-1)``."""
    return unreduced(LogCosh(), y_true, y_pred)


def hinge(y_true: Any, y_pred: Any) -> np.ndarray:
    """``mean(max(1 - y p, 0), axis=-1)`` with 0/1 labels mapped to -1/1."""
    return unreduced(Hinge(), y_true, y_pred)


def squared_hinge(y_true: Any, y_pred: Any) -> np.ndarray:
    """``mean(max(1 - y p, 0)^2, axis=-1)`` with 0/1 labels mapped to -1/1."""
    return unreduced(SquaredHinge(), y_true, y_pred)


def poisson(y_true: Any, y_pred: Any) -> np.ndarray:
    """``mean(p - y log(p + eps), axis=-1)``."""
    return unreduced(Poisson(), y_true, y_pred)
