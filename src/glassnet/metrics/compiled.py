"""The metrics of a compiled model as Metric objects: reset per epoch, updated per batch,
read as a dict of results (Keras's ``CompileMetrics``).

The training loop that uses it::

    tracker = CompiledMetrics(["accuracy", AUC()], loss=model.loss)
    tracker.reset_state()                       # on_epoch_begin / on_test_begin
    tracker.update_state(y_batch, y_pred_batch) # every batch
    logs = {"loss": mean_loss, **tracker.result()}

Names (``"accuracy"`` ...) become mean metrics over the per-sample function :func:`get` picks;
Metric objects are used as they are, so stateful ones (Precision, AUC, RMSE) give Keras's
epoch value, not a mean over batches.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from glassnet.metrics.base import MeanMetricWrapper, Metric


class CompiledMetrics:
    """Metric objects for ``compile(metrics=[...])``, keyed by their log names.

    Parameters
    ----------
    metrics : list of str, Metric or callable
    loss : Loss, optional
        Decides what ``"accuracy"`` means (see :func:`glassnet.metrics.get`).
    """

    def __init__(self, metrics: Sequence[Any] | None, loss: Any = None) -> None:
        from glassnet.metrics import _PerSample, get

        self.metrics: list[Metric] = []
        #: What ``compile(metrics=...)`` received, in order (names stay names when saved).
        self.identifiers: list[Any] = list(metrics or [])
        for identifier in metrics or []:
            if isinstance(identifier, Metric):
                metric = identifier
            else:
                fn = get(identifier, loss, from_logits=getattr(loss, "from_logits", False))
                if isinstance(fn, _PerSample):
                    metric = fn.metric
                else:
                    name = identifier if isinstance(identifier, str) else getattr(fn, "__name__", "metric")
                    metric = MeanMetricWrapper(fn, name=name)
            self.metrics.append(metric)
        names = [m.name for m in self.metrics]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"Metric names must be unique in `compile`, got {repeated} twice.")

    @property
    def names(self) -> list[str]:
        return [m.name for m in self.metrics]

    def reset_state(self) -> None:
        for m in self.metrics:
            m.reset_state()

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None,
                     mask: Any = None) -> None:
        """Every metric on one batch. ``sample_weight`` reaches only the metrics that take it
        (:attr:`Metric.compiled_sample_weight`: the per-output losses), as in Keras.
        ``mask`` (batch, T), the output's mask: the mean metrics leave its padded steps out
        (0/1 weights per position, as Keras's ``MeanMetricWrapper``)."""
        for m in self.metrics:
            w = sample_weight if m.compiled_sample_weight else None
            if mask is not None and isinstance(m, MeanMetricWrapper):
                w = m.masked_weights(w, mask, y_pred)
            m.update_state(y_true, y_pred, sample_weight=w)

    def result(self) -> dict[str, Any]:
        return {m.name: m.result() for m in self.metrics}
