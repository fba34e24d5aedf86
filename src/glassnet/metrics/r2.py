"""The coefficient of determination, R^2, from sums accumulated over batches."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from glassnet import _validate
from glassnet.metrics.base import Metric

_AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")


class R2Score(Metric):
    """``1 - SS_res / SS_tot`` per output column, then aggregated; optionally adjusted.

    Parameters
    ----------
    class_aggregation : {"uniform_average", "variance_weighted_average", None}
        The mean of the columns' scores, their mean weighted by each column's total sum of
        squares, or the scores themselves (an array). Default "uniform_average".
    num_regressors : int, default 0
        ``k`` of the adjusted score ``1 - (1 - R^2)(n - 1)/(n - k - 1)`` (0: not adjusted;
        ``n`` counts every entry seen). With ``k >= n - 1`` the plain score is returned, with
        a warning.
    name : str, default "r2_score"
    dtype : str, optional
        See :class:`~glassnet.metrics.Metric`.

    Notes
    -----
    For ``y_true``, ``y_pred`` of shape ``(batch, outputs)`` and weights ``w`` (batch,),
    per column: ``SS_res = sum w (y - p)^2`` and ``SS_tot = sum w y^2 - (sum w y)^2 /
    sum w``. A column with ``SS_tot = 0`` scores 0 (Keras's rule for an infinite ratio).
    """

    default_name = "r2_score"

    def __init__(self, class_aggregation: str | None = "uniform_average",
                 num_regressors: int = 0, name: str | None = "r2_score",
                 dtype: Any = None) -> None:
        owner = type(self).__qualname__
        self.class_aggregation = _validate.check_choice(owner, "class_aggregation",
                                                        class_aggregation, _AGGREGATIONS)
        self.num_regressors = _validate.check_int(owner, "num_regressors", num_regressors, min=0)
        super().__init__(name=name, dtype=dtype)
        self.reset_state()

    def reset_state(self) -> None:
        self.sum: Any = 0.0
        self.squared_sum: Any = 0.0
        self.total_mse: Any = 0.0
        self.count: Any = 0.0
        self.num_samples = 0

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_pred = np.asarray(y_pred, dtype=np.float64)
        y_true = np.asarray(y_true, dtype=np.float64)
        if y_true.ndim == y_pred.ndim - 1 and y_pred.shape[-1] == 1:
            y_true = y_true[..., None]
        if y_pred.ndim != 2 or y_true.shape != y_pred.shape:
            raise ValueError(
                f"{type(self).__qualname__} expects 2D inputs of shape (batch_size, output_dim), "
                f"got y_pred.shape={y_pred.shape} and y_true.shape={y_true.shape}.")
        w = np.ones(1) if sample_weight is None else np.asarray(sample_weight, np.float64)
        w = np.broadcast_to(w.reshape(-1, 1) if w.ndim == 1 else w, y_true.shape)
        self.sum = self.sum + np.sum(y_true * w, axis=0)
        self.squared_sum = self.squared_sum + np.sum(y_true * y_true * w, axis=0)
        self.total_mse = self.total_mse + np.sum((y_true - y_pred) ** 2 * w, axis=0)
        self.count = self.count + np.sum(w, axis=0)
        self.num_samples += y_true.size

    def result(self) -> Any:
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = self.sum / self.count
            total = self.squared_sum - self.sum * mean
            raw = 1 - self.total_mse / total
        raw = np.where(np.isinf(raw), 0.0, raw)
        if self.class_aggregation == "uniform_average":
            score: Any = float(np.mean(raw))
        elif self.class_aggregation == "variance_weighted_average":
            score = float(np.sum(total * raw) / np.sum(total))
        else:
            score = raw
        k, n = self.num_regressors, self.num_samples
        if k:
            if k >= n - 1:
                warnings.warn(f"{type(self).__qualname__}: {k} regressors for {n} data points; "
                              "falling back to the plain R2 score.", stacklevel=2)
            else:
                score = 1.0 - (1.0 - score) * (n - 1.0) / (n - k - 1.0)
        return score

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
