"""One rate at the best threshold that keeps another rate at or above a target: sensitivity
at a specificity, precision at a recall and their mirrors (Keras's classes).

The counts are taken at ``num_thresholds`` thresholds evenly spaced over ``[0, 1]`` (0 and 1
included); an entry is predicted positive when its score is above the threshold. The result
is the largest value of the reported rate among the thresholds where the constrained rate is
``>= value`` (0 when there is none).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import _validate
from glassnet.metrics.confusion import _ConfusionCounts, _ratio


class _AtConstraint(_ConfusionCounts):
    """Counts at evenly spaced thresholds; a subclass names its target (``_target``) and the
    two rates (``_rates``: constrained, reported)."""

    _target = "value"

    def __init__(self, value: float, num_thresholds: int = 200, class_id: int | None = None,
                 name: str | None = None, dtype: Any = None) -> None:
        owner = type(self).__qualname__
        setattr(self, self._target, _validate.check_float(owner, self._target, value,
                                                          min=0.0, max=1.0))
        self.num_thresholds = _validate.check_int(owner, "num_thresholds", num_thresholds, min=1)
        super().__init__(None, class_id=class_id, name=name, dtype=dtype)
        if self.num_thresholds == 1:
            self.thresholds_array = np.array([0.5])
        else:
            inner = [(i + 1) * 1.0 / (self.num_thresholds - 1)
                     for i in range(self.num_thresholds - 2)]
            self.thresholds_array = np.array([0.0, *inner, 1.0])
        self.reset_state()

    def _rates(self) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _sensitivity(self) -> np.ndarray:
        return _ratio(self.true_positives, self.true_positives + self.false_negatives)

    def _specificity(self) -> np.ndarray:
        return _ratio(self.true_negatives, self.true_negatives + self.false_positives)

    def _precision(self) -> np.ndarray:
        return _ratio(self.true_positives, self.true_positives + self.false_positives)

    def result(self) -> float:
        constrained, reported = self._rates()
        feasible = constrained >= getattr(self, self._target)
        return float(np.max(np.where(feasible, reported, 0.0), initial=0.0))

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype, "class_id": self.class_id,
                "num_thresholds": self.num_thresholds,
                self._target: getattr(self, self._target)}


class SensitivityAtSpecificity(_AtConstraint):
    """The best sensitivity (recall) at a specificity ``>= specificity``.

    Parameters
    ----------
    specificity : float
        The target, in ``[0, 1]``.
    num_thresholds : int, default 200
        Thresholds evenly spaced over ``[0, 1]`` (1: the single threshold 0.5).
    class_id : int, optional
        Only this class (column) counts.
    name : str, optional
        Defaults to ``"sensitivity_at_specificity"``.
    dtype : str, optional
        See :class:`~glassnet.metrics.Metric`.
    """

    default_name = "sensitivity_at_specificity"
    _target = "specificity"

    def __init__(self, specificity: float, num_thresholds: int = 200,
                 class_id: int | None = None, name: str | None = None, dtype: Any = None) -> None:
        super().__init__(specificity, num_thresholds, class_id, name, dtype)

    def _rates(self):
        return self._specificity(), self._sensitivity()


class SpecificityAtSensitivity(_AtConstraint):
    """The best specificity at a sensitivity (recall) ``>= sensitivity``.

    Parameters
    ----------
    sensitivity : float
        The target, in ``[0, 1]``.
    num_thresholds, class_id, name, dtype
        See :class:`SensitivityAtSpecificity`; the name defaults to
        ``"specificity_at_sensitivity"``.
    """

    default_name = "specificity_at_sensitivity"
    _target = "sensitivity"

    def __init__(self, sensitivity: float, num_thresholds: int = 200,
                 class_id: int | None = None, name: str | None = None, dtype: Any = None) -> None:
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)

    def _rates(self):
        return self._sensitivity(), self._specificity()


class PrecisionAtRecall(_AtConstraint):
    """The best precision at a recall ``>= recall``.

    Parameters
    ----------
    recall : float
        The target, in ``[0, 1]``.
    num_thresholds, class_id, name, dtype
        See :class:`SensitivityAtSpecificity`; the name defaults to
        ``"precision_at_recall"``.
    """

    default_name = "precision_at_recall"
    _target = "recall"

    def __init__(self, recall: float, num_thresholds: int = 200, class_id: int | None = None,
                 name: str | None = None, dtype: Any = None) -> None:
        super().__init__(recall, num_thresholds, class_id, name, dtype)

    def _rates(self):
        return self._sensitivity(), self._precision()


class RecallAtPrecision(_AtConstraint):
    """The best recall at a precision ``>= precision``.

    Parameters
    ----------
    precision : float
        The target, in ``[0, 1]``.
    num_thresholds, class_id, name, dtype
        See :class:`SensitivityAtSpecificity`; the name defaults to
        ``"recall_at_precision"``.
    """

    default_name = "recall_at_precision"
    _target = "precision"

    def __init__(self, precision: float, num_thresholds: int = 200,
                 class_id: int | None = None, name: str | None = None, dtype: Any = None) -> None:
        super().__init__(precision, num_thresholds, class_id, name, dtype)

    def _rates(self):
        return self._precision(), self._sensitivity()
