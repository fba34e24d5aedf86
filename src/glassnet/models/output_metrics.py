"""The metrics a model with several outputs logs per output (``<output>_loss``,
``<output>_<metric>``), each the running mean of a function of the packed targets and the
list of outputs; a masked output's padded steps weigh nothing in them, as in Keras
(:mod:`glassnet.losses.masks`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.losses.base import Loss
from glassnet.losses.masks import applies, apply_mask
from glassnet.metrics.base import Mean, MeanMetricWrapper


def weights_of(sample_weight: Any, i: int) -> Any:
    """Output ``i``'s sample weights: one array for all, or a list with one per output
    (masked outputs, see :mod:`glassnet.losses.masks`)."""
    return sample_weight[i] if isinstance(sample_weight, list) else sample_weight


def for_output(values: Any, i: int, unreduced: Any, loss: Loss | None) -> Any:
    """``values`` labelled for :class:`OutputMean`: its output, its values per position
    (None when unknown), how a mask weighs them (the loss's reduction, or 0/1) and whether
    it is a loss (sample weights weigh losses only)."""
    values.output, values.unreduced = i, unreduced
    values.reduction = "sum" if loss is None else getattr(loss, "reduction", "sum")
    values.is_loss = loss is not None
    return values


class OutputMean(MeanMetricWrapper):
    """The running mean of a per-sample function of the packed targets and the list of
    outputs (one output's loss or metric); a masked output's padded steps weigh nothing.

    Sample weights (one per sample) weigh an output's loss as they weigh the total loss
    (``sum(w * loss) / batch``, Keras's per-output loss tracker) and leave its metrics
    unweighted, as Keras's ``compile(metrics=...)``."""

    @property  # type: ignore[override]  # read-only here: decided by what it tracks
    def compiled_sample_weight(self) -> bool:  # type: ignore[override]
        """True for an output's loss: sample weights weigh it, as they weigh the loss."""
        return bool(getattr(self._fn, "is_loss", False))

    def masked_weights(self, sample_weight: Any, mask: Any, y_pred: Any) -> Any:
        i, fn = getattr(self._fn, "output", None), self._fn
        if i is None or not isinstance(mask, list) or getattr(fn, "unreduced", None) is None \
                or not applies(mask[i], y_pred[i]):
            return sample_weight
        return apply_mask(sample_weight, mask[i], getattr(fn, "reduction", "sum"), np.float64)

    def update_state(self, y_true: Any, y_pred: Any,  # type: ignore[override]  # as Keras
                     sample_weight: Any = None) -> None:
        fn = self._fn
        if sample_weight is not None and np.ndim(sample_weight) > 1:  # per position
            fn = fn.unreduced  # type: ignore[attr-defined]  # set by for_output
        elif sample_weight is not None:  # per sample
            values = fn(y_true, y_pred)
            if getattr(fn, "is_loss", False):
                values = values * np.asarray(sample_weight).reshape(-1)
            Mean.update_state(self, values)
            return
        Mean.update_state(self, fn(y_true, y_pred), sample_weight)
