"""Losses that reduce the last axis by a sum or a norm: KL divergence, categorical hinge and
cosine similarity. Each value is per row (per position for sequences); the gradient of the
per-sample mean over positions is ``d row / d p`` divided by the positions ``T``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.losses.base import EPSILON, Loss, positions, unreduced


def _l2_normalize(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``x / sqrt(max(sum(x^2), 1e-12))`` over the last axis, and that norm."""
    norm = np.sqrt(np.maximum(np.sum(x * x, axis=-1, keepdims=True), 1e-12))
    return x / norm, norm


class KLDivergence(Loss):
    """``sum_k y_k log(y_k / p_k)`` with both clipped to ``[eps, 1]`` (Keras's definition).

    ``dL/dp_k = -y_k / p_k`` where ``p_k`` lies in ``[eps, 1]``, 0 where the clip bites.
    """

    name = "kl_divergence"

    def call(self, y_true, y_pred):
        y = np.clip(y_true, EPSILON, 1.0)
        p = np.clip(y_pred, EPSILON, 1.0)
        return np.sum(y * np.log(y / p), axis=-1)

    def _grads(self, y_true, y_pred):
        y = np.clip(y_true, EPSILON, 1.0)
        inside = (y_pred >= EPSILON) & (y_pred <= 1.0)
        g = np.where(inside, -y / np.where(inside, y_pred, 1.0), 0.0)
        return (g * (1.0 / positions(y_pred))).astype(y_pred.dtype, copy=False)


class CategoricalHinge(Loss):
    """``max(max_k((1 - y_k) p_k) - sum_k y_k p_k + 1, 0)`` for one-hot ``y``.

    Where the hinge is active: ``dL/dp = (1 - y) onehot(argmax((1 - y) p)) - y``.
    """

    name = "categorical_hinge"

    def call(self, y_true, y_pred):
        pos = np.sum(y_true * y_pred, axis=-1)
        neg = np.max((1.0 - y_true) * y_pred, axis=-1)
        return np.maximum(neg - pos + 1.0, 0.0)

    def _grads(self, y_true, y_pred):
        others = (1.0 - y_true) * y_pred
        active = (self.call(y_true, y_pred) > 0.0)[..., None]
        g = np.zeros_like(y_pred)
        np.put_along_axis(g, others.argmax(axis=-1)[..., None], 1.0, axis=-1)
        g = (g * (1.0 - y_true) - y_true) * active
        return (g * (1.0 / positions(y_pred))).astype(y_pred.dtype, copy=False)


class CosineSimilarity(Loss):
    """``-sum_k t_k u_k`` with ``t``, ``u`` the L2-normalised ``y_true`` and ``y_pred``.

    ``dL/dp = -(t - (t . u) u) / ||p||``: the part of ``-t`` orthogonal to ``p``.
    """

    name = "cosine_similarity"

    def __init__(self, axis: int = -1, reduction: str | None = "sum_over_batch_size",
                 name: str | None = None, dtype: Any = None) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype)
        if axis != -1:
            raise ValueError(f"`axis` of CosineSimilarity must be -1 (the last axis), got {axis!r}.")
        self.axis = -1

    def call(self, y_true, y_pred):
        t, _ = _l2_normalize(y_true)
        u, _ = _l2_normalize(y_pred)
        return -np.sum(t * u, axis=-1)

    def _grads(self, y_true, y_pred):
        t, _ = _l2_normalize(y_true)
        u, norm = _l2_normalize(y_pred)
        g = -(t - np.sum(t * u, axis=-1, keepdims=True) * u) / norm
        return (g * (1.0 / positions(y_pred))).astype(y_pred.dtype, copy=False)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


def kl_divergence(y_true: Any, y_pred: Any) -> np.ndarray:
    """``sum(y log(y / p), axis=-1)`` with both clipped to ``[eps, 1]``."""
    return unreduced(KLDivergence(), y_true, y_pred)


def categorical_hinge(y_true: Any, y_pred: Any) -> np.ndarray:
    """``max(max((1 - y) p) - sum(y p) + 1, 0)`` over the last axis."""
    return unreduced(CategoricalHinge(), y_true, y_pred)


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> np.ndarray:
    """``-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis=-1)``."""
    return unreduced(CosineSimilarity(axis), y_true, y_pred)
