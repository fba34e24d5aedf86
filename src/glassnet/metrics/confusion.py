"""Metrics from confusion counts at thresholds: Precision, Recall, AUC and the four counts.

Every prediction entry ``p`` (flattened over all outputs) is called positive at threshold
``t`` when ``p > t``; labels are positive when non-zero. Counts are weighted by
``sample_weight`` and accumulate until :meth:`reset_state`, as in Keras.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import _validate
from glassnet.losses.base import EPSILON
from glassnet.metrics.base import Metric


def _thresholds(owner: str, thresholds: Any, default: float) -> tuple[np.ndarray, bool]:
    """Thresholds as an array, and whether the caller gave one number (scalar results)."""
    if thresholds is None:
        return np.array([default]), True
    single = np.ndim(thresholds) == 0
    values = np.atleast_1d(np.asarray(thresholds, dtype=np.float64))
    for t in values:
        _validate.check_float(owner, "thresholds", float(t), min=0.0, max=1.0)
    return values, single


class _ConfusionCounts(Metric):
    """Accumulates ``tp``, ``fp``, ``tn``, ``fn`` per threshold (arrays of shape (thresholds,))."""

    def __init__(self, thresholds: Any = None, top_k: int | None = None,
                 class_id: int | None = None, name: str | None = None, dtype: Any = None,
                 *, _default_threshold: float = 0.5) -> None:
        owner = type(self).__qualname__
        self.init_thresholds = thresholds
        self.top_k = None if top_k is None else _validate.check_int(owner, "top_k", top_k, min=1)
        # With top_k, Keras counts every one of the k highest scores as positive.
        default = _default_threshold if top_k is None else -np.inf
        self.thresholds_array, self._single = _thresholds(owner, thresholds, default)
        self.class_id = None if class_id is None else _validate.check_int(owner, "class_id", class_id, min=0)
        super().__init__(name=name, dtype=dtype)
        self.reset_state()

    def reset_state(self) -> None:
        n = len(self.thresholds_array)
        self.true_positives = np.zeros(n)
        self.false_positives = np.zeros(n)
        self.true_negatives = np.zeros(n)
        self.false_negatives = np.zeros(n)

    def _prepare(self, y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
        y_pred = np.asarray(y_pred, dtype=np.float64)
        y_true = np.asarray(y_true).reshape(y_pred.shape) if np.size(y_true) == y_pred.size \
            else np.asarray(y_true)
        if self.top_k is not None:  # only the k highest scores of each row may count
            top = np.argsort(-y_pred, axis=-1, kind="stable")[..., : self.top_k]
            keep = np.zeros(y_pred.shape, dtype=bool)
            np.put_along_axis(keep, top, True, axis=-1)
            y_pred = np.where(keep, y_pred, -np.inf)
        if self.class_id is not None:
            y_true, y_pred = y_true[..., self.class_id], y_pred[..., self.class_id]
        return y_true.astype(bool), y_pred

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        labels, scores = self._prepare(y_true, y_pred)
        w: np.ndarray
        if sample_weight is None:
            w = np.ones(scores.shape)
        else:
            w = np.asarray(sample_weight, dtype=np.float64)
            while w.ndim > scores.ndim and w.shape[-1] == 1:
                w = w[..., 0]
            w = np.broadcast_to(w.reshape(w.shape + (1,) * (scores.ndim - w.ndim)), scores.shape)
        labels, scores, w = labels.reshape(-1), scores.reshape(-1), w.reshape(-1)
        # (thresholds, entries): predicted positive at each threshold.
        positive = scores[None, :] > self.thresholds_array[:, None]
        pos_w, neg_w = np.where(labels, w, 0.0), np.where(labels, 0.0, w)
        self.true_positives += positive @ pos_w
        self.false_positives += positive @ neg_w
        self.false_negatives += pos_w.sum() - positive @ pos_w
        self.true_negatives += neg_w.sum() - positive @ neg_w

    def _out(self, values: np.ndarray) -> Any:
        return float(values[0]) if self._single else values

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "thresholds": self.init_thresholds}


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a / b``, 0 where ``b`` is 0 (Keras's ``divide_no_nan``)."""
    return np.divide(a, b, out=np.zeros_like(a), where=b != 0)


class Precision(_ConfusionCounts):
    """``tp / (tp + fp)``: of the entries predicted positive, the share that are.

    Parameters
    ----------
    thresholds : float or list of float, optional
        Scores above a threshold count as positive; default 0.5 (one float result; a list
        gives one result per threshold).
    top_k : int, optional
        Only the ``k`` highest scores of each row can be positive.
    class_id : int, optional
        Only this class (column) counts.
    name, dtype
        See :class:`~glassnet.metrics.Metric`.
    """

    default_name = "precision"

    def __init__(self, thresholds: Any = None, top_k: int | None = None,
                 class_id: int | None = None, name: str | None = None, dtype: Any = None) -> None:
        super().__init__(thresholds, top_k, class_id, name, dtype)

    def result(self) -> Any:
        return self._out(_ratio(self.true_positives, self.true_positives + self.false_positives))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "top_k": self.top_k, "class_id": self.class_id}


class Recall(Precision):
    """``tp / (tp + fn)``: of the positive entries, the share predicted positive.

    Parameters: see :class:`Precision`.
    """

    default_name = "recall"

    def result(self) -> Any:
        return self._out(_ratio(self.true_positives, self.true_positives + self.false_negatives))


class TruePositives(_ConfusionCounts):
    default_name = "true_positives"
    #: Which of the four counts ``result`` reports (the subclasses report the other three).
    _count = "true_positives"

    def __init__(self, thresholds: Any = None, name: str | None = None, dtype: Any = None) -> None:
        super().__init__(thresholds, name=name, dtype=dtype)

    def result(self) -> Any:
        return self._out(getattr(self, self._count))


class FalsePositives(TruePositives):
    default_name = _count = "false_positives"


class TrueNegatives(TruePositives):
    default_name = _count = "true_negatives"


class FalseNegatives(TruePositives):
    default_name = _count = "false_negatives"


class AUC(_ConfusionCounts):
    """Area under the ROC (or precision-recall) curve, from counts at fixed thresholds.

    Parameters
    ----------
    num_thresholds : int, default 200
        Thresholds evenly spaced in (0, 1), plus ``-eps`` and ``1 + eps`` at the ends.
    curve : {"ROC", "PR"}, default "ROC"
    summation_method : {"interpolation", "minoring", "majoring"}, default "interpolation"
        Trapezoids (ROC) or Davis & Goadrich's interpolation (PR); or the lower / upper
        Riemann sums.
    name, dtype
        See :class:`~glassnet.metrics.Metric`.
    thresholds : list of float, optional
        Explicit thresholds in [0, 1] instead of ``num_thresholds``.
    from_logits : bool, default False
        Pass the scores through a sigmoid first.

    Notes
    -----
    ROC: with ``x = fp / (fp + tn)`` and ``y = tp / (tp + fn)`` at decreasing thresholds,
    ``AUC = sum_i (x_i - x_{i+1}) (y_i + y_{i+1}) / 2`` (Keras's formula).
    """

    default_name = "auc"

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC",
                 summation_method: str = "interpolation", name: str | None = None,
                 dtype: Any = None, thresholds: Any = None, from_logits: bool = False) -> None:
        self.curve = _validate.check_choice("AUC", "curve", str(curve).upper(), ("ROC", "PR"))
        self.summation_method = _validate.check_choice(
            "AUC", "summation_method", summation_method, ("interpolation", "minoring", "majoring")
        )
        self.from_logits = bool(from_logits)
        if thresholds is None:
            self.num_thresholds = _validate.check_int("AUC", "num_thresholds", num_thresholds, min=2)
            inner = [(i + 1) / (self.num_thresholds - 1) for i in range(self.num_thresholds - 2)]
        else:
            inner = sorted(float(t) for t in np.atleast_1d(thresholds))
            self.num_thresholds = len(inner) + 2
        self._given_thresholds = thresholds
        super().__init__(inner or None, name=name, dtype=dtype)
        self.thresholds_array = np.array([0.0 - EPSILON, *inner, 1.0 + EPSILON])
        self.reset_state()

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        if self.from_logits:
            y_pred = 1.0 / (1.0 + np.exp(-np.asarray(y_pred, dtype=np.float64)))
        super().update_state(y_true, y_pred, sample_weight)

    def _pr_interpolated(self) -> float:
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = _ratio(dtp, np.maximum(dp, 0.0))
        intercept = tp[1:] - slope * p[1:]
        both = (p[:-1] > 0) & (p[1:] > 0)
        ratio = np.where(both, _ratio(p[:-1], np.maximum(p[1:], 0.0)), 1.0)
        safe = np.where(ratio > 0, ratio, 1.0)
        return float(np.sum(_ratio(slope * (dtp + intercept * np.log(safe)),
                                   np.maximum(tp[1:] + fn[1:], 0.0))))

    def result(self) -> float:
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._pr_interpolated()
        tp, fp = self.true_positives, self.false_positives
        recall = _ratio(tp, tp + self.false_negatives)
        if self.curve == "ROC":
            x, y = _ratio(fp, fp + self.true_negatives), recall
        else:
            x, y = recall, _ratio(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return float(np.sum((x[:-1] - x[1:]) * heights))

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype, "num_thresholds": self.num_thresholds,
                "curve": self.curve, "summation_method": self.summation_method,
                "thresholds": self._given_thresholds, "from_logits": self.from_logits}
