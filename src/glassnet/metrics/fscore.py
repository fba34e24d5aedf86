"""F-scores: the harmonic mean of precision and recall (weighted by ``beta``), per class or
averaged, from true/false positive and false negative counts accumulated over batches."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import _validate
from glassnet.losses.base import EPSILON
from glassnet.metrics.base import Metric

_AVERAGES = (None, "micro", "macro", "weighted")


class FBetaScore(Metric):
    """``(1 + beta^2) P R / (beta^2 P + R)`` of the counts seen since the last reset.

    Parameters
    ----------
    average : {None, "micro", "macro", "weighted"}, default None
        None: one score per class (an array). "micro": one score of the counts summed over
        classes. "macro": the mean of the per-class scores. "weighted": their mean weighted
        by each class's number of true instances.
    beta : float, default 1.0
        How much more recall counts than precision, ``> 0``.
    threshold : float, optional
        A score above it is a positive prediction, in ``(0, 1]``. None: in each row the
        highest score (when it is not 0) is the one positive.
    name : str, default "fbeta_score"
    dtype : str, optional
        See :class:`~glassnet.metrics.Metric`.

    Notes
    -----
    ``y_true`` and ``y_pred`` have shape ``(batch, classes)``; ``sample_weight`` (batch,)
    weighs the counts. With ``eps = 1e-7`` (Keras's):

    .. math::
        P = \\frac{tp}{tp + fp + \\epsilon}, \\quad R = \\frac{tp}{tp + fn + \\epsilon}, \\quad
        F_\\beta = (1 + \\beta^2) \\frac{P R}{\\beta^2 P + R + \\epsilon}
    """

    default_name = "fbeta_score"

    def __init__(self, average: str | None = None, beta: float = 1.0,
                 threshold: float | None = None, name: str | None = "fbeta_score",
                 dtype: Any = None) -> None:
        owner = type(self).__qualname__
        self.average = _validate.check_choice(owner, "average", average, _AVERAGES)
        self.beta = _validate.check_float(owner, "beta", beta, min=0.0, min_open=True)
        self.threshold = None if threshold is None else _validate.check_float(
            owner, "threshold", threshold, min=0.0, max=1.0, min_open=True)
        super().__init__(name=name, dtype=dtype)
        self.reset_state()

    def reset_state(self) -> None:
        self.true_positives: Any = 0.0
        self.false_positives: Any = 0.0
        self.false_negatives: Any = 0.0
        self.intermediate_weights: Any = 0.0

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_pred = np.asarray(y_pred, dtype=np.float64)
        y_true = np.asarray(y_true, dtype=np.float64)
        if y_pred.ndim != 2 or y_true.ndim != 2:
            raise ValueError(
                f"{type(self).__qualname__} expects 2D inputs of shape (batch_size, output_dim), "
                f"got y_pred.shape={y_pred.shape} and y_true.shape={y_true.shape}.")
        if self.threshold is None:
            top = y_pred.max(axis=-1, keepdims=True)
            predicted = ((y_pred >= top) & (np.abs(y_pred) > 1e-9)).astype(np.float64)
        else:
            predicted = (y_pred > self.threshold).astype(np.float64)
        w = 1.0 if sample_weight is None else \
            np.asarray(sample_weight, dtype=np.float64).reshape(-1, 1)
        axis = None if self.average == "micro" else 0
        self.true_positives = self.true_positives + np.sum(predicted * y_true * w, axis=axis)
        self.false_positives = self.false_positives + np.sum(predicted * (1 - y_true) * w,
                                                             axis=axis)
        self.false_negatives = self.false_negatives + np.sum((1 - predicted) * y_true * w,
                                                             axis=axis)
        self.intermediate_weights = self.intermediate_weights + np.sum(y_true * w, axis=axis)

    def result(self) -> Any:
        tp = np.asarray(self.true_positives, dtype=np.float64)
        precision = tp / (tp + self.false_positives + EPSILON)
        recall = tp / (tp + self.false_negatives + EPSILON)
        b2 = self.beta**2
        score = (1 + b2) * precision * recall / (b2 * precision + recall + EPSILON)
        if self.average == "weighted":
            weights = np.asarray(self.intermediate_weights, dtype=np.float64)
            return float(np.sum(score * weights / (np.sum(weights) + EPSILON)))
        if self.average is not None:
            return float(np.mean(score))
        return score

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """The harmonic mean of precision and recall, ``2 P R / (P + R)``: :class:`FBetaScore`
    with ``beta = 1``.

    Parameters
    ----------
    average : {None, "micro", "macro", "weighted"}, default None
        See :class:`FBetaScore`.
    threshold : float, optional
        See :class:`FBetaScore`.
    name : str, default "f1_score"
    dtype : str, optional
        See :class:`~glassnet.metrics.Metric`.
    """

    default_name = "f1_score"

    def __init__(self, average: str | None = None, threshold: float | None = None,
                 name: str | None = "f1_score", dtype: Any = None) -> None:
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["beta"]
        return config
