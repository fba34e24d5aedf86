"""Keras's mean metrics: accuracies and errors, each the running mean of a per-sample function."""

from __future__ import annotations

import math
from typing import Any

from glassnet import _validate
from glassnet.metrics import functions as F
from glassnet.metrics.base import MeanMetricWrapper


class Accuracy(MeanMetricWrapper):
    """How often ``y_pred`` equals ``y_true`` exactly."""

    def __init__(self, name: str = "accuracy", dtype: Any = None) -> None:
        super().__init__(F.accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches the binary label."""

    def __init__(self, name: str = "binary_accuracy", dtype: Any = None,
                 threshold: float = 0.5) -> None:
        threshold = _validate.check_float("BinaryAccuracy", "threshold", threshold)
        super().__init__(F.binary_accuracy, name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the highest score is at the one-hot label's class."""

    def __init__(self, name: str = "categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(F.categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the highest score is at the integer label's class."""

    def __init__(self, name: str = "sparse_categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(F.sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label's class is among the ``k`` highest scores."""

    def __init__(self, k: int = 5, name: str = "top_k_categorical_accuracy",
                 dtype: Any = None) -> None:
        k = _validate.check_int("TopKCategoricalAccuracy", "k", k, min=1)
        super().__init__(F.top_k_categorical_accuracy, name=name, dtype=dtype, k=k)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label's class is among the ``k`` highest scores."""

    def __init__(self, k: int = 5, name: str = "sparse_top_k_categorical_accuracy",
                 dtype: Any = None) -> None:
        k = _validate.check_int("SparseTopKCategoricalAccuracy", "k", k, min=1)
        super().__init__(F.sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k)


class MeanSquaredError(MeanMetricWrapper):
    """Running mean of ``mean((y_pred - y_true)^2)`` per sample."""

    def __init__(self, name: str = "mean_squared_error", dtype: Any = None) -> None:
        super().__init__(F.mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """Running mean of ``mean|y_pred - y_true|`` per sample."""

    def __init__(self, name: str = "mean_absolute_error", dtype: Any = None) -> None:
        super().__init__(F.mean_absolute_error, name=name, dtype=dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    def __init__(self, name: str = "mean_absolute_percentage_error", dtype: Any = None) -> None:
        super().__init__(F.mean_absolute_percentage_error, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    def __init__(self, name: str = "mean_squared_logarithmic_error", dtype: Any = None) -> None:
        super().__init__(F.mean_squared_logarithmic_error, name=name, dtype=dtype)


class LogCoshError(MeanMetricWrapper):
    def __init__(self, name: str = "logcosh", dtype: Any = None) -> None:
        super().__init__(F.log_cosh, name=name, dtype=dtype)


class Hinge(MeanMetricWrapper):
    def __init__(self, name: str = "hinge", dtype: Any = None) -> None:
        super().__init__(F.hinge, name=name, dtype=dtype)


class SquaredHinge(MeanMetricWrapper):
    def __init__(self, name: str = "squared_hinge", dtype: Any = None) -> None:
        super().__init__(F.squared_hinge, name=name, dtype=dtype)


class Poisson(MeanMetricWrapper):
    def __init__(self, name: str = "poisson", dtype: Any = None) -> None:
        super().__init__(F.poisson, name=name, dtype=dtype)


class KLDivergence(MeanMetricWrapper):
    def __init__(self, name: str = "kl_divergence", dtype: Any = None) -> None:
        super().__init__(F.kl_divergence, name=name, dtype=dtype)


class CategoricalHinge(MeanMetricWrapper):
    def __init__(self, name: str = "categorical_hinge", dtype: Any = None) -> None:
        super().__init__(F.categorical_hinge, name=name, dtype=dtype)


class CosineSimilarity(MeanMetricWrapper):
    """Running mean of the cosine similarity of rows (1: same direction)."""

    def __init__(self, name: str = "cosine_similarity", dtype: Any = None, axis: int = -1) -> None:
        _validate.check_choice("CosineSimilarity", "axis", axis, (-1,))
        super().__init__(F.cosine_similarity, name=name, dtype=dtype)


class BinaryCrossentropy(MeanMetricWrapper):
    """Running mean of the binary cross-entropy per sample."""

    def __init__(self, name: str = "binary_crossentropy", dtype: Any = None,
                 from_logits: bool = False, label_smoothing: float = 0.0) -> None:
        super().__init__(F.binary_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing)


class CategoricalCrossentropy(MeanMetricWrapper):
    """Running mean of the categorical cross-entropy per sample."""

    def __init__(self, name: str = "categorical_crossentropy", dtype: Any = None,
                 from_logits: bool = False, label_smoothing: float = 0.0) -> None:
        super().__init__(F.categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing)


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """Running mean of the sparse categorical cross-entropy per sample."""

    def __init__(self, name: str = "sparse_categorical_crossentropy", dtype: Any = None,
                 from_logits: bool = False) -> None:
        super().__init__(F.sparse_categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits)


class RootMeanSquaredError(MeanMetricWrapper):
    """``sqrt`` of the running mean squared error (Keras's: the root of the mean over
    everything seen, not a mean of roots)."""

    def __init__(self, name: str = "root_mean_squared_error", dtype: Any = None) -> None:
        super().__init__(F.mean_squared_error, name=name, dtype=dtype)

    def result(self) -> float:
        return math.sqrt(super().result())

    def per_sample(self, y_true, y_pred):
        return super(MeanMetricWrapper, self).per_sample(y_true, y_pred)  # not a mean of values
