"""Metrics: per-sample scores averaged over an epoch (weighted by batch size).

Each metric maps ``(y_true, y_pred)`` for a batch to per-sample values of shape ``(batch,)``;
the training loop keeps the running mean. ``'accuracy'`` is resolved from the loss the way
Keras resolves it (binary / categorical / sparse categorical).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

MetricFn = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _per_sample(hit: np.ndarray) -> np.ndarray:
    """Mean over every axis but the batch axis (a no-op for one value per sample)."""
    return hit if hit.ndim == 1 else hit.reshape(len(hit), -1).mean(axis=1)


def binary_accuracy(y_true, y_pred, threshold: float = 0.5):
    """1 where ``(y_pred > threshold) == y_true``, averaged over outputs."""
    return _per_sample((y_pred > threshold) == (y_true > 0.5))


def categorical_accuracy(y_true, y_pred):
    """1 where ``argmax(y_pred) == argmax(y_true)`` (one-hot labels)."""
    return _per_sample(y_pred.argmax(axis=-1) == y_true.argmax(axis=-1))


def sparse_categorical_accuracy(y_true, y_pred):
    """1 where ``argmax(y_pred) == y_true`` (integer labels)."""
    labels = np.asarray(y_true).reshape(y_pred.shape[:-1])
    return _per_sample(y_pred.argmax(axis=-1) == labels)


def _top_k(labels: np.ndarray, y_pred: np.ndarray, k: int) -> np.ndarray:
    if k >= y_pred.shape[-1]:
        return np.ones(len(y_pred))
    target = np.take_along_axis(y_pred, labels[:, None], axis=-1)
    # Ties count as hits, as in Keras: fewer than k scores strictly above the target's.
    return ((y_pred > target).sum(axis=-1) < k).astype(np.float64)


def top_k_categorical_accuracy(y_true, y_pred, k: int = 5):
    return _top_k(y_true.argmax(axis=-1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k: int = 5):
    return _top_k(np.asarray(y_true).reshape(-1).astype(np.intp), y_pred, k)


def mean_squared_error(y_true, y_pred):
    return _per_sample((y_pred - y_true) ** 2)


def mean_absolute_error(y_true, y_pred):
    return _per_sample(np.abs(y_pred - y_true))


_REGISTRY: dict[str, MetricFn] = {
    "binary_accuracy": binary_accuracy,
    "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "top_k_categorical_accuracy": top_k_categorical_accuracy,
    "sparse_top_k_categorical_accuracy": sparse_top_k_categorical_accuracy,
    "mean_squared_error": mean_squared_error,
    "mean_absolute_error": mean_absolute_error,
}
_ALIASES = {"mse": "mean_squared_error", "mae": "mean_absolute_error"}


def names() -> list[str]:
    return sorted(set(_REGISTRY) | set(_ALIASES) | {"accuracy", "acc"})


def get(identifier: str | MetricFn, loss=None, from_logits: bool = False) -> MetricFn:
    """Resolve a metric name; ``'accuracy'`` picks the variant that fits ``loss``.

    Keras's rule: binary cross-entropy -> binary accuracy (threshold 0 on logits),
    sparse categorical cross-entropy -> sparse categorical, otherwise categorical.
    """
    if callable(identifier):
        return identifier
    if not isinstance(identifier, str):
        raise TypeError(f"A metric must be a name or a callable, got {type(identifier).__name__}.")
    key = identifier.lower()
    if key in ("accuracy", "acc"):
        loss_name = getattr(loss, "name", "")
        if loss_name == "binary_crossentropy":
            threshold = 0.0 if from_logits else 0.5
            return lambda t, p: binary_accuracy(t, p, threshold)
        if loss_name == "sparse_categorical_crossentropy":
            return sparse_categorical_accuracy
        if loss_name in ("mean_squared_error", "mean_absolute_error", "huber"):
            return _shape_based_accuracy
        return categorical_accuracy
    key = _ALIASES.get(key, key)
    if key not in _REGISTRY:
        raise ValueError(f"Unknown metric {identifier!r}. Valid metrics: {', '.join(names())}.")
    return _REGISTRY[key]


def _shape_based_accuracy(y_true, y_pred):
    """Keras's fallback for other losses: binary for one output unit, else categorical."""
    if y_pred.shape[-1] == 1:
        return binary_accuracy(y_true, y_pred)
    return categorical_accuracy(y_true, y_pred)
