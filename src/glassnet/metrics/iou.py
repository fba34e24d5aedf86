"""Intersection over union from a confusion matrix accumulated over batches: IoU, MeanIoU,
BinaryIoU and the one-hot variants, Keras's classes.

The matrix ``cm[i, j]`` sums the weights of the entries of true class ``i`` predicted as
``j``. Per class ``c``: ``IoU_c = cm[c, c] / (sum_j cm[c, j] + sum_i cm[i, c] - cm[c, c])``;
the result is the mean over the target classes whose denominator is not 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from glassnet import _validate
from glassnet.losses.base import EPSILON
from glassnet.metrics.base import Metric


class IoU(Metric):
    """Mean intersection over union of the classes ``target_class_ids``.

    Parameters
    ----------
    num_classes : int
        The number of classes (the confusion matrix is ``num_classes`` square).
    target_class_ids : list of int
        The classes whose IoU is averaged.
    name : str, optional
        Defaults to ``"io_u"`` (Keras's name).
    dtype : str, optional
        The counts' dtype: Keras's default is ``"int32"``, so fractional sample weights are
        truncated to integers (pass ``dtype="float32"`` to keep them).
    ignore_class : int, optional
        Entries whose true class is this one are left out (a "void" label).
    sparse_y_true : bool, default True
        Labels are class indices; False: scores or one-hot rows, reduced by ``argmax``.
    sparse_y_pred : bool, default True
        Predictions are class indices; False: scores, reduced by ``argmax``.
    axis : int, default -1
        The class axis for ``argmax``.

    Notes
    -----
    Entries with a label or prediction outside ``[0, num_classes)`` are left out, as in
    Keras. ``IoU = tp / (tp + fp + fn)`` per class, from the matrix (module notes).
    """

    default_name = "io_u"
    #: Arguments of this class that a subclass fixes (and so leaves out of its config).
    fixed_arguments: tuple[str, ...] = ()

    def __init__(self, num_classes: int, target_class_ids: Sequence[int],
                 name: str | None = None, dtype: Any = None, ignore_class: int | None = None,
                 sparse_y_true: bool = True, sparse_y_pred: bool = True, axis: int = -1) -> None:
        owner = type(self).__qualname__
        self.num_classes = _validate.check_int(owner, "num_classes", num_classes, min=1)
        ids = [_validate.check_int(owner, "target_class_ids", i, min=0)
               for i in target_class_ids]
        if not ids or max(ids) >= self.num_classes:
            raise ValueError(f"`target_class_ids` of {owner} must be class ids in "
                             f"[0, {self.num_classes}), got {list(target_class_ids)!r}.")
        self.target_class_ids = ids
        self.ignore_class = None if ignore_class is None else int(ignore_class)
        self.sparse_y_true = _validate.check_bool(owner, "sparse_y_true", sparse_y_true)
        self.sparse_y_pred = _validate.check_bool(owner, "sparse_y_pred", sparse_y_pred)
        self.axis = _validate.check_int(owner, "axis", axis)
        super().__init__(name=name, dtype=dtype or "int32")
        self.reset_state()

    def reset_state(self) -> None:
        self.total_cm = np.zeros((self.num_classes, self.num_classes), dtype=np.dtype(self.dtype))

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        if not self.sparse_y_true:
            y_true = np.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = np.argmax(y_pred, axis=self.axis)
        dtype = np.dtype(self.dtype)
        labels = np.asarray(y_true).astype(dtype).reshape(-1)
        preds = np.asarray(y_pred).astype(dtype).reshape(-1)
        w = np.ones(1, dtype) if sample_weight is None else \
            np.asarray(sample_weight).astype(dtype).reshape(-1)
        w = np.broadcast_to(w, labels.shape)
        keep = (labels >= 0) & (labels < self.num_classes) & (preds >= 0) \
            & (preds < self.num_classes)
        if self.ignore_class is not None:
            keep &= labels != self.ignore_class
        cm = np.zeros_like(self.total_cm)
        np.add.at(cm, (labels[keep].astype(np.intp), preds[keep].astype(np.intp)), w[keep])
        self.total_cm = self.total_cm + cm

    def result(self) -> float:
        cm = self.total_cm.astype(np.float64)
        tp = np.diag(cm)
        denominator = (cm.sum(axis=0) + cm.sum(axis=1) - tp)[self.target_class_ids]
        tp = tp[self.target_class_ids]
        valid = denominator > 1e-9
        iou = np.where(valid, tp / (denominator + EPSILON), 0.0)
        return float(np.sum(iou) / (np.count_nonzero(valid) + EPSILON))

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config(), "num_classes": self.num_classes,
                  "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                  "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred,
                  "axis": self.axis}
        for key in self.fixed_arguments:
            del config[key]
        return config


class MeanIoU(IoU):
    """Mean intersection over union of every class.

    Parameters
    ----------
    num_classes : int
        The number of classes.
    name : str, optional
        Defaults to ``"mean_io_u"``.
    dtype, ignore_class, sparse_y_true, sparse_y_pred, axis
        See :class:`IoU`.
    """

    default_name = "mean_io_u"
    fixed_arguments: tuple[str, ...] = ("target_class_ids",)

    def __init__(self, num_classes: int, name: str | None = None, dtype: Any = None,
                 ignore_class: int | None = None, sparse_y_true: bool = True,
                 sparse_y_pred: bool = True, axis: int = -1) -> None:
        super().__init__(num_classes, list(range(num_classes)), name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)


class BinaryIoU(IoU):
    """IoU of two classes, the predictions thresholded: ``p >= threshold`` is class 1.

    Parameters
    ----------
    target_class_ids : list of int, default (0, 1)
        ``[0]``, ``[1]`` or both (their mean).
    threshold : float, default 0.5
    name : str, optional
        Defaults to ``"binary_io_u"``.
    dtype : str, optional
        See :class:`IoU`.
    """

    default_name = "binary_io_u"

    def __init__(self, target_class_ids: Sequence[int] = (0, 1), threshold: float = 0.5,
                 name: str | None = None, dtype: Any = None) -> None:
        super().__init__(2, target_class_ids, name=name, dtype=dtype)
        self.threshold = _validate.check_float("BinaryIoU", "threshold", threshold)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        predicted = np.asarray(y_pred, dtype=np.float32) >= self.threshold
        super().update_state(y_true, predicted, sample_weight)

    def get_config(self) -> dict[str, Any]:
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype}


class OneHotIoU(IoU):
    """:class:`IoU` of one-hot labels (and scores), both reduced by ``argmax``.

    Parameters
    ----------
    num_classes : int
    target_class_ids : list of int
    name : str, optional
        Defaults to ``"one_hot_io_u"``.
    dtype, ignore_class : optional
        See :class:`IoU`.
    sparse_y_pred : bool, default False
        Predictions are class indices already.
    axis : int, default -1
    """

    default_name = "one_hot_io_u"
    fixed_arguments = ("sparse_y_true",)

    def __init__(self, num_classes: int, target_class_ids: Sequence[int],
                 name: str | None = None, dtype: Any = None, ignore_class: int | None = None,
                 sparse_y_pred: bool = False, axis: int = -1) -> None:
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)


class OneHotMeanIoU(MeanIoU):
    """:class:`MeanIoU` of one-hot labels (and scores), both reduced by ``argmax``.

    Parameters
    ----------
    num_classes : int
    name : str, optional
        Defaults to ``"one_hot_mean_io_u"``.
    dtype, ignore_class : optional
        See :class:`IoU`.
    sparse_y_pred : bool, default False
        Predictions are class indices already.
    axis : int, default -1
    """

    default_name = "one_hot_mean_io_u"
    fixed_arguments = ("target_class_ids", "sparse_y_true")

    def __init__(self, num_classes: int, name: str | None = None, dtype: Any = None,
                 ignore_class: int | None = None, sparse_y_pred: bool = False,
                 axis: int = -1) -> None:
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)
