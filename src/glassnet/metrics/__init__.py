"""Metrics as Keras has them: classes with ``update_state`` / ``result`` / ``reset_state``
(usable standalone and in ``compile(metrics=[...])``) and per-sample functions.

In ``compile``, each metric is resolved by :func:`get` to a function ``(y_true, y_pred) ->
(batch,)`` values whose running mean the training loop reports; ``'accuracy'`` picks the
variant that fits the loss, the way Keras does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from glassnet import _registry
from glassnet.metrics import functions
from glassnet.metrics.base import Mean, MeanMetricWrapper, Metric, Sum
from glassnet.metrics.classes import (
    Accuracy,
    BinaryAccuracy,
    BinaryCrossentropy,
    CategoricalAccuracy,
    CategoricalCrossentropy,
    CategoricalHinge,
    CosineSimilarity,
    Hinge,
    KLDivergence,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    Poisson,
    RootMeanSquaredError,
    SparseCategoricalAccuracy,
    SparseCategoricalCrossentropy,
    SparseTopKCategoricalAccuracy,
    SquaredHinge,
    TopKCategoricalAccuracy,
)
from glassnet.metrics.compiled import CompiledMetrics
from glassnet.metrics.confusion import (
    AUC,
    FalseNegatives,
    FalsePositives,
    Precision,
    Recall,
    TrueNegatives,
    TruePositives,
)
from glassnet.metrics.constrained import (
    PrecisionAtRecall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
)
from glassnet.metrics.correlation import (
    ConcordanceCorrelation,
    PearsonCorrelation,
    concordance_correlation,
    pearson_correlation,
)
from glassnet.metrics.fscore import F1Score, FBetaScore
from glassnet.metrics.functions import (
    accuracy,
    binary_accuracy,
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_accuracy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_hinge,
    hinge,
    huber,
    kl_divergence,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    sparse_categorical_accuracy,
    sparse_categorical_crossentropy,
    sparse_top_k_categorical_accuracy,
    squared_hinge,
    top_k_categorical_accuracy,
)
from glassnet.metrics.iou import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from glassnet.metrics.r2 import R2Score

MetricFn = Callable[[np.ndarray, np.ndarray], np.ndarray]

mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error

#: Per-sample functions by name (what a string in ``compile(metrics=[...])`` becomes).
_FUNCTIONS: dict[str, MetricFn] = {
    fn.__name__: fn for fn in (
        binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
        top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, mean_squared_error,
        mean_absolute_error, mean_absolute_percentage_error, mean_squared_logarithmic_error,
        log_cosh, hinge, squared_hinge, poisson, binary_crossentropy, categorical_crossentropy,
        sparse_categorical_crossentropy, kl_divergence, categorical_hinge,
    )
}
_ALIASES = {"mse": "mean_squared_error", "mae": "mean_absolute_error",
            "mape": "mean_absolute_percentage_error", "msle": "mean_squared_logarithmic_error",
            "logcosh": "log_cosh"}
#: Metric classes by snake-case name (also found by class name).
_CLASSES: dict[str, type[Metric]] = {
    "auc": AUC, "precision": Precision, "recall": Recall,
    "root_mean_squared_error": RootMeanSquaredError, "true_positives": TruePositives,
    "false_positives": FalsePositives, "true_negatives": TrueNegatives,
    "false_negatives": FalseNegatives, "mean": Mean, "sum": Sum,
    "f1_score": F1Score, "fbeta_score": FBetaScore, "r2_score": R2Score,
    "pearson_correlation": PearsonCorrelation, "concordance_correlation": ConcordanceCorrelation,
    **{cls.__qualname__: cls for cls in (
        IoU, MeanIoU, BinaryIoU, OneHotIoU, OneHotMeanIoU, PrecisionAtRecall, RecallAtPrecision,
        SensitivityAtSpecificity, SpecificityAtSensitivity,
    )},
    **{cls.__qualname__: cls for cls in (
        Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
        TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy, MeanSquaredError,
        MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
        LogCoshError, Hinge, SquaredHinge, Poisson, BinaryCrossentropy,
        CategoricalCrossentropy, SparseCategoricalCrossentropy, KLDivergence, CategoricalHinge,
        CosineSimilarity,
    )},
}


def names() -> list[str]:
    """Every name :func:`get` accepts."""
    snake = [n for n in _CLASSES if n.islower()]
    return sorted(set(_FUNCTIONS) | set(_ALIASES) | set(snake) | {"accuracy", "acc"})


class _PerSample:
    """A Metric object seen through the per-sample interface of the training loop."""

    def __init__(self, metric: Metric) -> None:
        self.metric = metric
        self.__name__ = metric.name
        if isinstance(metric, MeanMetricWrapper):  # values per position (masked outputs)
            self.unreduced = metric.unreduced

    def __call__(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return self.metric.per_sample(y_true, y_pred)


def get(identifier: Any, loss: Any = None, from_logits: bool = False) -> MetricFn:
    """Resolve a metric for ``compile``: a per-sample function ``(y_true, y_pred) -> (batch,)``.

    Parameters
    ----------
    identifier : str, Metric, dict or callable
        A name (``'accuracy'``, ``'mse'``, ``'auc'``, ``'Precision'`` ...), a Metric object
        (its ``per_sample`` is used; ``metric.name`` labels it), a serialized metric, or a
        function returning one value per sample (returned as it is).
    loss : Loss, optional
        Decides what ``'accuracy'`` means (Keras's rule): binary cross-entropy -> binary
        accuracy (threshold 0 on logits), sparse categorical cross-entropy -> sparse
        categorical, mean errors -> binary for one output unit else categorical, otherwise
        categorical.

    Raises
    ------
    ValueError
        For an unknown name: ``Unknown metric 'acuracy'. Valid: ...``.
    TypeError
        For any other kind of identifier.
    """
    if isinstance(identifier, Metric):
        return _PerSample(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return _PerSample(identifier())
    if isinstance(identifier, dict):
        return _PerSample(deserialize(identifier))
    if callable(identifier):
        return identifier
    if not isinstance(identifier, str):
        raise TypeError(f"A metric must be a name or a callable, got {type(identifier).__name__}.")
    key = identifier.lower()
    if key in ("accuracy", "acc"):
        return _accuracy_for(loss, from_logits)
    try:
        return functions.per_sample(_registry.lookup("metric", _FUNCTIONS, identifier, _ALIASES))
    except ValueError:
        pass
    try:
        return _PerSample(_registry.lookup("metric", _CLASSES, identifier)())
    except ValueError:
        raise _registry.unknown("metric", identifier, names()) from None


def _accuracy_for(loss: Any, from_logits: bool) -> MetricFn:
    loss_name = getattr(loss, "name", "")
    if loss_name == "binary_crossentropy":
        threshold = 0.0 if from_logits else 0.5

        return functions.per_sample(binary_accuracy, threshold=threshold)
    if loss_name == "sparse_categorical_crossentropy":
        return functions.per_sample(sparse_categorical_accuracy)
    if loss_name in ("mean_squared_error", "mean_absolute_error", "huber_loss", "huber"):
        return functions.per_sample(_shape_based_accuracy)
    return functions.per_sample(categorical_accuracy)


def _shape_based_accuracy(y_true, y_pred):
    """Keras's fallback for other losses: binary for one output unit, else categorical."""
    if y_pred.shape[-1] == 1:
        return binary_accuracy(y_true, y_pred)
    return categorical_accuracy(y_true, y_pred)


def serialize(metric: Metric) -> dict[str, Any]:
    """``{"class_name": ..., "config": {...}}``, as Keras writes it."""
    return _registry.serialize(metric)


def deserialize(config: dict[str, Any]) -> Metric:
    """Rebuild a metric object from :func:`serialize`'s output."""
    return _registry.deserialize("metric", _CLASSES, config)


__all__ = [
    "AUC", "Accuracy", "CompiledMetrics", "BinaryAccuracy", "BinaryCrossentropy", "CategoricalAccuracy",
    "CategoricalCrossentropy", "CategoricalHinge", "CosineSimilarity", "KLDivergence",
    "categorical_hinge", "kl_divergence", "FalseNegatives", "FalsePositives", "Hinge", "LogCoshError",
    "Mean", "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanMetricWrapper",
    "MeanSquaredError", "MeanSquaredLogarithmicError", "Metric", "Poisson", "Precision", "Recall",
    "RootMeanSquaredError", "SparseCategoricalAccuracy", "SparseCategoricalCrossentropy",
    "SparseTopKCategoricalAccuracy", "SquaredHinge", "Sum", "TopKCategoricalAccuracy",
    "TrueNegatives", "TruePositives", "accuracy", "binary_accuracy", "binary_crossentropy",
    "categorical_accuracy", "categorical_crossentropy", "deserialize", "functions", "get",
    "hinge", "log_cosh", "mae", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_error", "mean_squared_logarithmic_error", "mse", "names", "poisson",
    "serialize", "sparse_categorical_accuracy", "sparse_categorical_crossentropy",
    "sparse_top_k_categorical_accuracy", "squared_hinge", "top_k_categorical_accuracy",
    "BinaryIoU", "ConcordanceCorrelation", "F1Score", "FBetaScore", "IoU", "MeanIoU",
    "OneHotIoU", "OneHotMeanIoU", "PearsonCorrelation", "PrecisionAtRecall", "R2Score",
    "RecallAtPrecision", "SensitivityAtSpecificity", "SpecificityAtSensitivity",
    "binary_focal_crossentropy", "categorical_focal_crossentropy", "concordance_correlation",
    "huber", "pearson_correlation",
]
