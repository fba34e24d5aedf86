"""Keras's mean metrics: accuracies and errors, each the running mean of a per-sample function."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from glassnet import _validate
from glassnet.metrics import functions as F
from glassnet.metrics.base import MeanMetricWrapper


class _MeanOf(MeanMetricWrapper):
    """The running mean of one per-sample function of :mod:`glassnet.metrics.functions`.

    A subclass names the function and its default name in its class statement,
    ``class Hinge(_MeanOf, fn=F.hinge, default_name="hinge")``, and gets Keras's constructor
    ``Hinge(name="hinge", dtype=None)``. (A subclass of such a class that names neither keeps
    its parent's constructor.)
    """

    def __init_subclass__(cls, fn: Callable[..., Any] | None = None, default_name: str | None = None,
                          **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if fn is None or default_name is None:
            return

        def __init__(self: MeanMetricWrapper, name: str = default_name, dtype: Any = None) -> None:
            MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype)

        __init__.__qualname__ = f"{cls.__qualname__}.__init__"
        cls.__init__ = __init__  # type: ignore[method-assign, assignment]


class Accuracy(_MeanOf, fn=F.accuracy, default_name="accuracy"):
    """How often ``y_pred`` equals ``y_true`` exactly."""


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches the binary label."""

    def __init__(self, name: str = "binary_accuracy", dtype: Any = None,
                 threshold: float = 0.5) -> None:
        threshold = _validate.check_float("BinaryAccuracy", "threshold", threshold)
        super().__init__(F.binary_accuracy, name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(_MeanOf, fn=F.categorical_accuracy, default_name="categorical_accuracy"):
    """How often the highest score is at the one-hot label's class."""


class SparseCategoricalAccuracy(_MeanOf, fn=F.sparse_categorical_accuracy,
                                default_name="sparse_categorical_accuracy"):
    """How often the highest score is at the integer label's class."""


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


class MeanSquaredError(_MeanOf, fn=F.mean_squared_error, default_name="mean_squared_error"):
    """Running mean of ``mean((y_pred - y_true)^2)`` per sample."""


class MeanAbsoluteError(_MeanOf, fn=F.mean_absolute_error, default_name="mean_absolute_error"):
    """Running mean of ``mean|y_pred - y_true|`` per sample."""


class MeanAbsolutePercentageError(_MeanOf, fn=F.mean_absolute_percentage_error,
                                  default_name="mean_absolute_percentage_error"):
    """Running mean of ``100 mean(|y - p| / max(|y|, eps))`` per sample."""


class MeanSquaredLogarithmicError(_MeanOf, fn=F.mean_squared_logarithmic_error,
                                  default_name="mean_squared_logarithmic_error"):
    """Running mean of ``mean((log1p(max(p, eps)) - log1p(max(y, eps)))^2)`` per sample."""


class LogCoshError(_MeanOf, fn=F.log_cosh, default_name="logcosh"):
    """Running mean of ``mean(log(cosh(y_pred - y_true)))`` per sample."""


class Hinge(_MeanOf, fn=F.hinge, default_name="hinge"):
    """Running mean of ``mean(max(1 - y p, 0))`` per sample (0/1 labels mapped to -1/1)."""


class SquaredHinge(_MeanOf, fn=F.squared_hinge, default_name="squared_hinge"):
    """Running mean of ``mean(max(1 - y p, 0)^2)`` per sample (0/1 labels mapped to -1/1)."""


class Poisson(_MeanOf, fn=F.poisson, default_name="poisson"):
    """Running mean of ``mean(p - y log(p + eps))`` per sample."""


class KLDivergence(_MeanOf, fn=F.kl_divergence, default_name="kl_divergence"):
    """Running mean of the Kullback-Leibler divergence of ``y_pred`` from ``y_true``."""


class CategoricalHinge(_MeanOf, fn=F.categorical_hinge, default_name="categorical_hinge"):
    """Running mean of the categorical hinge loss per sample."""


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


class RootMeanSquaredError(_MeanOf, fn=F.mean_squared_error,
                           default_name="root_mean_squared_error"):
    """``sqrt`` of the running mean squared error (Keras's: the root of the mean over
    everything seen, not a mean of roots)."""

    def result(self) -> float:
        return math.sqrt(super().result())

    def per_sample(self, y_true, y_pred):
        return super(MeanMetricWrapper, self).per_sample(y_true, y_pred)  # not a mean of values
