"""Metric functions, Keras's: ``(y_true, y_pred)`` of a batch -> unreduced values.

``accuracy`` and ``binary_accuracy`` give one value per output entry (the shape of
``y_pred``); the categorical accuracies and the errors reduce the last axis (shape
``y_pred.shape[:-1]``). The metric classes (:mod:`glassnet.metrics.classes`) accumulate them;
:func:`per_sample` turns any of them into one value per sample for the training loop.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.losses import base as _loss_base
from glassnet.losses import crossentropy as _ce
from glassnet.losses import focal as _focal
from glassnet.losses import regression as _reg
from glassnet.losses import rowwise as _row

EPSILON = _loss_base.EPSILON

# The error and cross-entropy metrics are the losses' own per-sample functions, as in Keras.
mean_squared_error = _reg.mean_squared_error
mean_absolute_error = _reg.mean_absolute_error
mean_absolute_percentage_error = _reg.mean_absolute_percentage_error
mean_squared_logarithmic_error = _reg.mean_squared_logarithmic_error
log_cosh = _reg.log_cosh
huber = _reg.huber
binary_focal_crossentropy = _focal.binary_focal_crossentropy
categorical_focal_crossentropy = _focal.categorical_focal_crossentropy
hinge = _reg.hinge
squared_hinge = _reg.squared_hinge
poisson = _reg.poisson
binary_crossentropy = _ce.binary_crossentropy
categorical_crossentropy = _ce.categorical_crossentropy
sparse_categorical_crossentropy = _ce.sparse_categorical_crossentropy
kl_divergence = _row.kl_divergence
categorical_hinge = _row.categorical_hinge


def _per_sample(hit: np.ndarray) -> np.ndarray:
    """Mean over every axis but the batch axis, as float (a no-op for one value per sample)."""
    hit = np.asarray(hit, dtype=np.float64) if hit.dtype == bool else hit
    return hit if hit.ndim == 1 else hit.reshape(len(hit), -1).mean(axis=1)


def _float(hit: np.ndarray) -> np.ndarray:
    return np.asarray(hit, dtype=np.float32)


def per_sample(fn: Any, **kwargs: Any) -> Any:
    """``fn`` made to return one value per sample (the mean over its other axes)."""

    def samplewise(y_true: Any, y_pred: Any) -> np.ndarray:
        hit = fn(y_true, y_pred, **kwargs)
        if type(hit) is np.ndarray and hit.ndim == 1 and hit.dtype != bool:
            return hit  # already one value per sample (the training loop's usual case)
        return _per_sample(np.asarray(hit))

    def unreduced(y_true: Any, y_pred: Any) -> np.ndarray:
        return np.asarray(fn(y_true, y_pred, **kwargs))

    samplewise.__name__ = fn.__name__
    # One value per position, for weights per position (a masked sequence output).
    samplewise.unreduced = unreduced  # type: ignore[attr-defined]
    samplewise.hits = None if kwargs else hits_of(fn)  # type: ignore[attr-defined]
    return samplewise


def hits_of(fn: Any) -> Any:
    """The boolean core ``(y_true, y_pred (batch, classes)) -> (batch,) bool`` of an accuracy
    function, or None: the training loop counts hits with it (one call per step instead of
    floats, a per-sample mean and a sum)."""
    return _HITS.get(fn) or getattr(fn, "hits", None)


def _labels(y_true: Any, y_pred: np.ndarray) -> np.ndarray:
    """Integer labels shaped like ``y_pred`` without its class axis."""
    return np.asarray(y_true).reshape(y_pred.shape[:-1]).astype(np.intp)


def accuracy(y_true: Any, y_pred: Any) -> np.ndarray:
    """1 where ``y_pred == y_true`` exactly, averaged over outputs."""
    y_pred = np.asarray(y_pred)
    y_true = np.asarray(y_true).reshape(y_pred.shape) if np.size(y_true) == y_pred.size else y_true
    return _float(np.equal(y_true, y_pred))


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> np.ndarray:
    """1 where ``(y_pred > threshold) == y_true``, averaged over outputs."""
    y_pred = np.asarray(y_pred)
    y_true = np.asarray(y_true).reshape(y_pred.shape)
    return _float((y_pred > threshold) == (y_true > 0.5))


def categorical_accuracy(y_true: Any, y_pred: Any) -> np.ndarray:
    """1 where ``argmax(y_pred) == argmax(y_true)`` (one-hot labels)."""
    y_pred = np.asarray(y_pred)
    return _categorical_hits(y_true, y_pred).astype(np.float32)


def _categorical_hits(y_true: Any, y_pred: np.ndarray) -> np.ndarray:
    return y_pred.argmax(axis=-1) == np.asarray(y_true).argmax(axis=-1)


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> np.ndarray:
    """1 where ``argmax(y_pred) == y_true`` (integer labels)."""
    y_pred = np.asarray(y_pred)
    return _sparse_hits(y_true, y_pred).astype(np.float32)


def _sparse_hits(y_true: Any, y_pred: np.ndarray) -> np.ndarray:
    return y_pred.argmax(axis=-1) == _labels(y_true, y_pred)


def _top_k(labels: np.ndarray, y_pred: np.ndarray, k: int) -> np.ndarray:
    if k >= y_pred.shape[-1]:
        return np.ones(y_pred.shape[:-1], dtype=np.float32)
    target = np.take_along_axis(y_pred, labels[..., None], axis=-1)
    # Ties count as hits, as in Keras: fewer than k scores strictly above the target's.
    return _float((y_pred > target).sum(axis=-1) < k)


def top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> np.ndarray:
    """1 where the true class (one-hot) is among the ``k`` highest scores."""
    y_pred = np.asarray(y_pred)
    return _top_k(np.asarray(y_true).argmax(axis=-1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> np.ndarray:
    """1 where the true class (integer label) is among the ``k`` highest scores."""
    y_pred = np.asarray(y_pred)
    return _top_k(_labels(y_true, y_pred), y_pred, k)


def cosine_similarity(y_true: Any, y_pred: Any) -> np.ndarray:
    """The cosine of the angle between ``y_true`` and ``y_pred`` rows (the loss's negative)."""
    return -_loss_base.unreduced(_row.CosineSimilarity(), y_true, y_pred)


_HITS = {categorical_accuracy: _categorical_hits, sparse_categorical_accuracy: _sparse_hits}
