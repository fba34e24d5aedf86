"""Correlation metrics: Pearson's and Lin's concordance coefficient along an axis, and their
running means over batches."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.losses.base import EPSILON
from glassnet.metrics.base import MeanMetricWrapper


def _pair(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    y_pred = np.asarray(y_pred)
    y_pred = y_pred if y_pred.dtype.kind == "f" else y_pred.astype(np.float32)
    y_true = np.asarray(y_true, dtype=y_pred.dtype)
    if y_true.ndim == y_pred.ndim - 1 and y_pred.shape[-1] == 1:
        y_true = y_true[..., None]
    elif y_pred.ndim == y_true.ndim - 1 and y_true.shape[-1] == 1:
        y_pred = y_pred[..., None]
    return y_true, y_pred


def pearson_correlation(y_true: Any, y_pred: Any, axis: int = -1) -> np.ndarray:
    """Pearson's correlation coefficient along ``axis``.

    ``mean(((y - mean y) / std y) ((p - mean p) / std p))``, population standard deviations;
    shape of the inputs without ``axis``.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    t = y_true - y_true.mean(axis=axis, keepdims=True)
    p = y_pred - y_pred.mean(axis=axis, keepdims=True)
    t = t / t.std(axis=axis, keepdims=True)
    p = p / p.std(axis=axis, keepdims=True)
    return np.mean(t * p, axis=axis)


def concordance_correlation(y_true: Any, y_pred: Any, axis: int = -1) -> np.ndarray:
    """Lin's concordance correlation coefficient along ``axis``, as Keras computes it.

    ``mean(2 (y - mean p)(p - mean p) / (var y + var p + (mean y - mean p)^2 + eps))``;
    Keras centres ``y`` on the mean of ``p`` in the product, and so does this function.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    mean_t = y_true.mean(axis=axis, keepdims=True)
    mean_p = y_pred.mean(axis=axis, keepdims=True)
    var_t = (y_true - mean_t).var(axis=axis, keepdims=True)
    var_p = (y_pred - mean_p).var(axis=axis, keepdims=True)
    covar = (y_true - mean_p) * (y_pred - mean_p)
    norm = var_t + var_p + (mean_t - mean_p) ** 2
    return np.mean(2 * covar / (norm + EPSILON), axis=axis)


class _AlongAxis(MeanMetricWrapper):
    """The running mean of a coefficient computed along ``axis`` (the subclass's ``fn``)."""

    fn: Any = None

    def __init__(self, name: str | None = None, dtype: Any = None, axis: int = -1) -> None:
        super().__init__(type(self).fn, name=name or self.default_name, dtype=dtype, axis=axis)
        self.axis = axis


class PearsonCorrelation(_AlongAxis):
    """The running mean of :func:`pearson_correlation` over the samples seen.

    Parameters
    ----------
    name : str, optional
        Defaults to ``"pearson_correlation"``.
    dtype : str, optional
        See :class:`~glassnet.metrics.Metric`.
    axis : int, default -1
        The axis along which each coefficient is computed.
    """

    default_name = "pearson_correlation"
    fn = staticmethod(pearson_correlation)


class ConcordanceCorrelation(_AlongAxis):
    """The running mean of :func:`concordance_correlation` over the samples seen.

    Parameters
    ----------
    name : str, optional
        Defaults to ``"concordance_correlation"``.
    dtype, axis
        See :class:`PearsonCorrelation`.
    """

    default_name = "concordance_correlation"
    fn = staticmethod(concordance_correlation)
