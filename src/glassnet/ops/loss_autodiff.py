"""Custom losses written with :mod:`glassnet.ops`: the gradient comes from the tape.

``compile(loss=fn)`` with a function ``fn(y_true, y_pred)``, or with an instance of a
:class:`glassnet.losses.Loss` subclass that defines ``call(y_true, y_pred)`` (Keras's two
ways), is wrapped in :class:`FunctionLoss`. It evaluates the per-sample values ``v`` that the
function returns, reduces them as Keras does (``sum(v * sample_weight) / v.size``), and
differentiates that reduction with respect to ``y_pred`` on a tape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from glassnet.losses import Loss
from glassnet.ops import reductions
from glassnet.ops.elementwise import multiply
from glassnet.ops.tape import Tape, value_of


class FunctionLoss(Loss):
    """A loss from ``fn(y_true, y_pred)`` (or a ``Loss`` with ``call``), differentiated by tape.

    Parameters
    ----------
    fn : callable or Loss
        A function of ``y_true`` and ``y_pred`` of shape (batch, ...) returning per-sample
        values of shape (batch, ...) (or one number), written with ``glassnet.ops``; or a
        ``Loss`` instance whose ``call`` is such a function.
    """

    def __init__(self, fn: Callable[..., Any] | Loss) -> None:
        call = getattr(fn, "call", None)
        if isinstance(fn, Loss) and call is not None:
            name = fn.name
        elif callable(fn):
            call, name = fn, getattr(fn, "__name__", "loss")
        else:
            raise TypeError(f"`loss` must be a function or a Loss, got {type(fn).__name__}.")
        super().__init__(name=name)
        self.fn = fn
        self._call = call

    def prepare_targets(self, y_true: np.ndarray, y_pred_shape: tuple[int | None, ...]) -> np.ndarray:
        """Targets go to ``fn`` as given; only the batch size is checked."""
        y_true = np.asarray(y_true)
        if y_true.ndim == 0 or (y_pred_shape[0] is not None and len(y_true) != y_pred_shape[0]):
            raise ValueError(
                f"Loss '{self.name}' needs one target per sample ({y_pred_shape[0]}), got `y` "
                f"of shape {y_true.shape}."
            )
        return y_true

    def _reduced(self, y_true: Any, y_pred: Any, sample_weight: Any) -> Any:
        """Keras's ``sum_over_batch_size``: ``sum(v * w) / v.size`` of the values ``v``."""
        values = self._call(y_true, y_pred)
        size = max(int(np.size(value_of(values))), 1)
        if sample_weight is not None:
            v = value_of(values)
            w = np.asarray(sample_weight, dtype=np.result_type(v, np.float32))
            w = w.reshape(w.shape + (1,) * (np.ndim(v) - w.ndim)) if np.ndim(v) else w.mean()
            values = multiply(values, w)
        return reductions.sum(values) / size

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> float:
        y_pred = np.asarray(y_pred)
        y_true = self.prepare_targets(y_true, y_pred.shape)
        return float(value_of(self._reduced(y_true, y_pred, sample_weight)))

    def value_and_gradient(self, y_true: Any, y_pred: Any,
                           sample_weight: Any = None) -> tuple[float, np.ndarray]:
        """``(loss, dL/dy_pred)``, the gradient from the tape."""
        with Tape() as tape:
            p = tape.watch(np.asarray(y_pred))
            loss = self._reduced(y_true, p, sample_weight)
        grad = tape.gradient(loss, p, unconnected_gradients="zero")
        return float(value_of(loss)), np.asarray(grad, dtype=np.asarray(y_pred).dtype)

    def gradient(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> np.ndarray:
        y_pred = np.asarray(y_pred)
        y_true = self.prepare_targets(y_true, y_pred.shape)
        return self.value_and_gradient(y_true, y_pred, sample_weight)[1]

    def get_config(self) -> dict[str, Any]:
        return {"fn": self.name}

    def __repr__(self) -> str:
        return f"FunctionLoss({self.name})"
