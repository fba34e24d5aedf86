"""The generalized cross-entropy (Zhang & Sabuncu, 2018): ``(1 - p^q) / q`` of the true class's
probability, between the cross-entropy (``q -> 0``) and the mean absolute error (``q = 1``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import _validate
from glassnet.losses.base import Loss, positions, unreduced
from glassnet.losses.crossentropy import SparseCategoricalCrossentropy


class CategoricalGeneralizedCrossEntropy(Loss):
    """``(1 - p_y^q) / q`` with ``p_y = y_pred[label]``, for integer labels.

    Parameters
    ----------
    q : float, default 0.5
        The noise parameter, in ``(0, 1)``.
    reduction : str or None, default "sum_over_batch_size"
        See :class:`~glassnet.losses.Loss`.
    name : str, default "categorical_generalized_cross_entropy"
    dtype : str, optional
        See :class:`~glassnet.losses.Loss`.

    Notes
    -----
    ``y_true`` holds class indices of shape ``(batch,)`` (``(batch, T)`` for sequences);
    ``y_pred`` probabilities of shape ``(batch, classes)``, used as they are (no clip).
    Gradient: ``dL/dp_k = -p_y^(q - 1)`` for ``k = y``, 0 for the other classes.
    """

    name = "categorical_generalized_cross_entropy"
    integer_labels = True

    def __init__(self, q: float = 0.5, reduction: str | None = "sum_over_batch_size",
                 name: str | None = "categorical_generalized_cross_entropy",
                 dtype: Any = None) -> None:
        self.q = _validate.check_float(type(self).__name__, "q", q, min=0.0, max=1.0,
                                       min_open=True, max_open=True)
        super().__init__(reduction=reduction, name=name, dtype=dtype)

    prepare_targets = SparseCategoricalCrossentropy.prepare_targets  # type: ignore[assignment]

    @staticmethod
    def _picked(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return np.take_along_axis(y_pred, y_true[..., None], axis=-1)[..., 0]

    def call(self, y_true, y_pred):
        return (1.0 - np.power(self._picked(y_true, y_pred), self.q)) / self.q

    def _grads(self, y_true, y_pred):
        g = np.zeros_like(y_pred)
        picked = -np.power(self._picked(y_true, y_pred), self.q - 1.0)
        np.put_along_axis(g, y_true[..., None], picked[..., None], axis=-1)
        return g * (1.0 / positions(y_pred))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "q": self.q}


def categorical_generalized_cross_entropy(y_true: Any, y_pred: Any, q: float) -> np.ndarray:
    """``(1 - p_y^q) / q`` per sample; see :class:`CategoricalGeneralizedCrossEntropy`."""
    return unreduced(CategoricalGeneralizedCrossEntropy(q), y_true, y_pred)
