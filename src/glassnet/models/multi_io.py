"""Several inputs and outputs: packing arrays for the training loop, per-output losses.

A model with inputs ``[title (n, 10), body (n, 100)]`` trains through the same loop as a
one-input model: the arrays travel *packed* side by side in one ``(n, 110)`` array, so
shuffling, batching, ``validation_split`` and sample weights need no new code; the model
unpacks each batch into its inputs (column slices reshaped: views, no copy). Targets of
several outputs are packed the same way, and :class:`MultiOutputLoss` unpacks them::

    L = sum_i loss_weights[i] * loss_i(y_true_i, y_pred_i)
    dL/dy_pred_i = loss_weights[i] * dloss_i/dy_pred_i          one gradient per output

``fit`` then reports, as Keras does, ``loss`` (the weighted sum, with penalties) and for
each output ``<name>_loss`` and ``<name>_<metric>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from glassnet.losses.base import Loss, _reduce, per_sample_mean, reduce_values
from glassnet.models.output_metrics import OutputMean, for_output, weights_of


class Packing:
    """How arrays of shapes ``(n, *shape_i)`` sit side by side in one ``(n, sum)`` array.

    Parameters
    ----------
    shapes : list of tuple
        One sample's shape per array (no batch axis); all known (no None).
    integer : list of bool, optional
        Arrays to hand back as integers (class labels) when unpacked.
    """

    def __init__(self, shapes: Sequence[tuple[int, ...]],
                 integer: Sequence[bool] | None = None) -> None:
        self.shapes = [tuple(int(d) for d in s) for s in shapes]
        self.sizes = [int(np.prod(s)) for s in self.shapes]
        self.bounds = np.cumsum([0, *self.sizes]).tolist()
        self.integer = list(integer) if integer is not None else [False] * len(self.shapes)

    def pack(self, arrays: Sequence[np.ndarray], dtype: np.dtype) -> np.ndarray:
        """``(n, *shape_i)`` arrays -> one ``(n, total)`` array of ``dtype``."""
        n = len(arrays[0])
        out = np.empty((n, self.bounds[-1]), dtype=dtype)
        for a, lo, hi in zip(arrays, self.bounds, self.bounds[1:], strict=False):
            out[:, lo:hi] = np.asarray(a).reshape(n, -1)
        return out

    def unpack(self, x: np.ndarray) -> list[np.ndarray]:
        """One ``(n, total)`` array -> the arrays ``(n, *shape_i)`` (views where possible)."""
        n = len(x)
        parts = []
        for shape, lo, hi, integer in zip(self.shapes, self.bounds, self.bounds[1:],
                                          self.integer, strict=False):
            part = x[:, lo:hi].reshape((n, *shape))
            parts.append(np.rint(part).astype(np.intp) if integer else part)
        return parts


class MultiOutputLoss(Loss):
    """``sum_i w_i * loss_i`` over a model's outputs (targets packed, see :class:`Packing`).

    Parameters
    ----------
    losses : list of Loss or None
        One per output; None for an output that is not trained (Keras allows it).
    weights : list of float
    names : list of str
        Output names (for ``<name>_loss`` in the logs).
    """

    name = "loss"

    def __init__(self, losses: Sequence[Loss | None], weights: Sequence[float],
                 names: Sequence[str]) -> None:
        super().__init__()
        self.losses, self.weights, self.names = list(losses), list(weights), list(names)
        self.packing: Packing | None = None
        #: The metrics compile gave each output (names or objects), for saving.
        self.metric_ids: dict[str, list[Any]] = {}
        #: Per output: whether its gradient is dL/dz through a fused softmax/sigmoid.
        self.fused: list[bool] = [False] * len(self.losses)

    def split(self, y_true: np.ndarray) -> list[np.ndarray]:
        assert self.packing is not None  # the model packs targets before any loss runs
        return self.packing.unpack(y_true)

    def _each(self, y_true: np.ndarray, y_pred: Sequence[np.ndarray], sample_weight: Any,
              fused: Sequence[bool]) -> tuple[float, list[np.ndarray | None]]:
        total, grads = 0.0, cast(list[np.ndarray | None], [])
        for i, (loss, w, yt, yp, f) in enumerate(zip(self.losses, self.weights,
                                                     self.split(y_true), y_pred, fused,
                                                     strict=True)):
            if loss is None:
                grads.append(None)
                continue
            yt = loss._like_pred(yt, yp)
            sw = weights_of(sample_weight, i)
            if f:
                value, grad = loss.value_and_logit_gradient(yt, yp, sw)
            else:
                value, grad = loss.value_and_gradient(yt, yp, sw)
            total += w * value
            if w != 1.0:
                grad *= w
            grads.append(grad)
        return total, grads

    def value_and_gradient(self, y_true: Any, y_pred: Any, sample_weight: Any = None
                           ) -> tuple[float, Any]:
        return self._each(y_true, y_pred, sample_weight, [False] * len(self.losses))

    def value_and_logit_gradient(self, y_true: Any, probs: Any, sample_weight: Any = None
                                 ) -> tuple[float, Any]:
        return self._each(y_true, probs, sample_weight, self.fused)

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> float:
        total = 0.0
        for i, (loss, w) in enumerate(zip(self.losses, self.weights, strict=True)):
            if loss is not None:
                total += w * self.output_loss(i, y_true, y_pred, sample_weight)
        return total

    def output_loss(self, i: int, y_true: Any, y_pred: Any, sample_weight: Any = None
                    ) -> float:
        """Output ``i``'s own (unweighted) loss on the packed targets."""
        loss = self.losses[i]
        assert loss is not None
        yp = y_pred[i]
        yt = loss._like_pred(self.split(y_true)[i], yp)
        sw = weights_of(sample_weight, i)
        if sw is not None and np.ndim(sw) > 1:  # per position: a masked output
            return float(reduce_values(loss.call(yt, yp), sw, loss.reduction))
        return _reduce(loss._values(yt, yp), sw)

    def per_sample(self, i: int) -> Any:
        """Output ``i``'s loss as a per-sample metric ``(y_true, y_pred) -> (batch,)``."""
        def values(y_true: np.ndarray, y_pred: Any) -> np.ndarray:
            loss = self.losses[i]
            assert loss is not None
            yp = y_pred[i]
            v = loss._values(loss._like_pred(self.split(y_true)[i], yp), yp)
            return v if v.ndim == 1 else per_sample_mean(v)

        def unreduced(y_true: np.ndarray, y_pred: Any) -> np.ndarray:
            loss = self.losses[i]
            assert loss is not None
            return loss.call(loss._like_pred(self.split(y_true)[i], y_pred[i]), y_pred[i])

        values.is_loss = True  # type: ignore[attr-defined]  # weighed by sample weights
        return for_output(values, i, unreduced, self.losses[i])

    def per_output(self, i: int, fn: Any) -> Any:
        """A per-sample metric of output ``i`` on the packed targets and the output list."""
        def values(y_true: np.ndarray, y_pred: Any) -> Any:
            return fn(self.split(y_true)[i], y_pred[i])

        inner = getattr(fn, "unreduced", None)

        def unreduced(y_true: np.ndarray, y_pred: Any) -> Any:
            assert inner is not None
            return inner(self.split(y_true)[i], y_pred[i])

        return for_output(values, i, None if inner is None else unreduced, None)

    def get_config(self) -> dict[str, Any]:
        from glassnet.losses import serialize

        return {"losses": [None if loss is None else serialize(loss) for loss in self.losses],
                "weights": self.weights, "names": self.names}


# ----------------------------------------------------------------- data in model order
def in_order(x: Any, names: Sequence[str], what: str) -> list[Any]:
    """Data for each of a model's inputs (or outputs) ``names``, in order: from a dict keyed
    by name, a list/tuple, or (one input) the array itself.

    Raises
    ------
    ValueError
        When a name is missing from the dict, or the list has the wrong length.
    """
    names = list(names)
    if isinstance(x, dict):
        missing = [k for k in names if k not in x]
        if missing:
            raise ValueError(
                f"`{what}` is a dict without the key(s) {missing}; expected the keys "
                f"{names}, got {list(x)}.")
        return [x[k] for k in names]
    if isinstance(x, (list, tuple)) and len(names) > 1:
        if len(x) != len(names):
            raise ValueError(
                f"`{what}` must hold {len(names)} arrays, one per {names}, got {len(x)}.")
        return list(x)
    if len(names) > 1:
        raise ValueError(
            f"The model has {len(names)} {'inputs' if what.startswith('x') else 'outputs'} "
            f"{names}: pass `{what}` as a list or a dict of arrays, got {type(x).__name__}.")
    if isinstance(x, (list, tuple)) and len(x) == 1 and isinstance(x[0], np.ndarray):
        return [x[0]]  # [array] for a one-input model
    return [x]


def is_packed(x: Any, packing: Packing | None) -> bool:
    """True for an array already packed by ``packing`` (the loop hands such arrays back)."""
    return (packing is not None and isinstance(x, np.ndarray) and x.ndim == 2
            and x.shape[1] == packing.bounds[-1])


def resolved(shape: Sequence[int | None], y: Any) -> tuple[int | None, ...]:
    """An output shape ``(n, ...)`` with its None dimensions (any length) taken from ``y``."""
    y_shape = np.shape(y)
    if len(y_shape) == len(shape) - 1:  # integer labels: every axis but the classes'
        return tuple(g if d is None else d
                     for d, g in zip(shape[:-1], y_shape, strict=True)) + (shape[-1],)
    if len(y_shape) != len(shape):
        return tuple(shape)
    return tuple(g if d is None else d for d, g in zip(shape, y_shape, strict=True))


def pack_targets(model: Any, y: Any, n: int, name: str) -> np.ndarray:
    """Targets of every output checked against its loss and shape, packed (see
    :class:`Packing`) for a :class:`MultiOutputLoss`."""
    from glassnet.models import data

    loss = model.loss
    assert isinstance(loss, MultiOutputLoss)  # compile set it
    if is_packed(y, loss.packing):
        return y  # already packed (the split-off validation data)
    arrays = []
    for i, (key, yi) in enumerate(zip(model.output_names, in_order(y, model.output_names, name),
                                      strict=True)):
        loss_i = loss.losses[i]
        if loss_i is None or yi is None:
            arrays.append(np.zeros((n, 0)))
            continue
        out_shape = resolved((n,) + tuple(model._shape_of(model._outputs[i])), yi)
        arrays.append(data.as_targets(yi, n, loss_i, out_shape, model.dtype, f"{name}['{key}']"))
    loss.packing = Packing([a.shape[1:] for a in arrays],
                           integer=[a.dtype.kind in "iu" for a in arrays])
    return loss.packing.pack(arrays, model.dtype)


# ----------------------------------------------------------------- compile
def only(value: Any, names: Sequence[str], what: str) -> Any:
    """A one-output model's ``loss``/``metrics``/``loss_weights`` given per output (a dict or
    a list of one) -> the value itself."""
    if isinstance(value, dict) and not ("class_name" in value and "config" in value):
        if names[0] not in value:
            raise ValueError(
                f"`{what}` is a dict without the model's output {names[0]!r}; got keys "
                f"{list(value)}.")
        return value[names[0]]
    if isinstance(value, (list, tuple)) and len(value) == 1 and (
            what != "metrics" or isinstance(value[0], (list, tuple)) or value[0] is None):
        return value[0]
    return value


def _per_output(value: Any, names: list[str], what: str, default: Any) -> list[Any]:
    if value is None:
        return [default] * len(names)
    if isinstance(value, dict) and not ("class_name" in value and "config" in value):
        unknown = [k for k in value if k not in names]
        if unknown:
            raise ValueError(
                f"`{what}` names unknown output(s) {unknown}; the model's outputs are {names}.")
        return [value.get(k, None if what != "loss_weights" else default) for k in names]
    if isinstance(value, (list, tuple)):
        if len(value) != len(names):
            raise ValueError(
                f"`{what}` must hold one entry per output {names} ({len(names)}), "
                f"got {len(value)}.")
        return list(value)
    return [value] * len(names)


def fuses(layer: Any, loss: Any) -> bool:
    """True when ``loss`` cancels the output ``layer``'s activation (softmax/sigmoid + CE)."""
    act = getattr(layer, "activation", None)
    return (loss is not None and not loss.from_logits and act is not None
            and layer.has_preactivation_backward and act.name == loss.fused_activation)


def _metric_name(m: Any) -> str:
    if isinstance(m, str):
        return m
    return str(getattr(m, "name", None) or getattr(m, "__name__", "metric"))


def compile_outputs(model: Any, optimizer: Any, loss: Any, loss_weights: Any, metrics: Any,
                    kwargs: dict[str, Any], base_compile: Any) -> None:
    """``compile`` for several outputs: one :class:`MultiOutputLoss`, and the logs Keras
    writes: ``<output>_loss`` per output with a loss (when two or more have one), then
    ``<output>_<metric>``."""
    from glassnet import losses as losses_mod
    from glassnet import metrics as metrics_mod

    names = model.output_names
    if kwargs.get("weighted_metrics"):
        raise ValueError("`weighted_metrics` is supported for models with one output; give "
                         "each output its metrics in `metrics` instead.")
    if loss is None:
        raise ValueError(f"`loss` is required. Valid losses: {', '.join(losses_mod.names())}.")
    per_loss = [None if entry is None else losses_mod.get(entry)
                for entry in _per_output(loss, names, "loss", None)]
    if all(entry is None for entry in per_loss):
        raise ValueError(f"`loss` gives no loss for any of the outputs {names}.")
    weights = [float(w) for w in _per_output(loss_weights, names, "loss_weights", 1.0)]
    combined = MultiOutputLoss(per_loss, weights, names)
    base_compile(model, optimizer, combined, metrics=None, **kwargs)
    combined.metric_ids = {key: [] for key in names}
    metric_names, fns = [], []
    trained = sum(entry is not None for entry in per_loss)
    for i, key in enumerate(names):
        if per_loss[i] is not None and trained > 1:  # Keras: only when several add up
            metric_names.append(f"{key}_loss")
            fns.append(combined.per_sample(i))
    if isinstance(metrics, (list, tuple)) and metrics and not any(
            isinstance(m, (list, tuple, dict)) or m is None for m in metrics) \
            and len(metrics) != len(names):
        per_metrics: list[Any] = [list(metrics)] * len(names)  # every output gets them all
    else:
        per_metrics = _per_output(metrics, names, "metrics", None)
    for i, (key, ms) in enumerate(zip(names, per_metrics, strict=True)):
        if ms is None:
            continue
        for m in ([ms] if isinstance(ms, str) or not isinstance(ms, (list, tuple)) else ms):
            out_loss = per_loss[i]
            fn = metrics_mod.get(m, out_loss, from_logits=bool(out_loss and out_loss.from_logits))
            metric_names.append(f"{key}_{_metric_name(m)}")
            fns.append(combined.per_output(i, fn))
            combined.metric_ids[key].append(m)
    model._tracker = metrics_mod.CompiledMetrics([])
    model._tracker.metrics = [OutputMean(fn, name=name) for name, fn in zip(metric_names, fns,
                                                                          strict=True)]
    model.metric_names = model._tracker.names


class Scaled(Loss):
    """``weight * loss``: a one-output model's ``loss_weights``."""

    def __init__(self, loss: Loss, weight: float) -> None:
        super().__init__()
        self.inner, self.weight = loss, weight
        self.name, self.from_logits = loss.name, loss.from_logits
        self.fused_activation, self.integer_labels = loss.fused_activation, loss.integer_labels

    def prepare_targets(self, y_true: Any, y_pred_shape: tuple[int | None, ...]) -> np.ndarray:
        return self.inner.prepare_targets(y_true, y_pred_shape)

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        return self.weight * self.inner(y_true, y_pred, sample_weight)

    def value_and_gradient(self, y_true: Any, y_pred: Any, sample_weight: Any = None
                           ) -> tuple[float, np.ndarray]:
        value, grad = self.inner.value_and_gradient(y_true, y_pred, sample_weight)
        grad *= self.weight
        return self.weight * value, grad

    def value_and_logit_gradient(self, y_true: Any, probs: Any, sample_weight: Any = None
                                 ) -> tuple[float, np.ndarray]:
        value, grad = self.inner.value_and_logit_gradient(y_true, probs, sample_weight)
        grad *= self.weight
        return self.weight * value, grad


def scaled(loss: Any, weight: float) -> Loss:
    return Scaled(loss, weight)


# ----------------------------------------------------------------- results
def keras_logs(model: Any, logs: dict[str, float], return_dict: bool) -> Any:
    """``evaluate``/``*_on_batch`` results as Keras 3 returns them.

    A dict comes back with its keys sorted (Keras's nested-structure rule). The list follows
    ``Trainer._flatten_metrics_in_order``: ``loss``, then the logs named by the compiled
    metrics (a model with one output: its metrics in compile order; with several: the
    ``<output>_loss`` of each output in output order), then every other key sorted by name.
    One value comes back as a float.
    """
    if return_dict:
        return {k: logs[k] for k in sorted(logs)}
    if isinstance(model.loss, MultiOutputLoss):
        first = ["loss", *(f"{name}_loss" for name in model.loss.names)]
    else:
        first = ["loss", *model.metric_names]
    ordered = [k for k in first if k in logs]
    ordered += sorted(k for k in logs if k not in ordered)
    values = [logs[k] for k in ordered]
    return values[0] if len(values) == 1 else values


# ----------------------------------------------------------------- saving
def compile_spec(loss: MultiOutputLoss) -> dict[str, Any]:
    """The per-output part of a saved model's compile settings: losses, weights, metrics
    (metrics by name; a metric object is saved by its name)."""
    from glassnet.losses import serialize

    return {"loss": {"per_output": {k: None if l is None else serialize(l)
                                    for k, l in zip(loss.names, loss.losses, strict=True)},
                     "loss_weights": dict(zip(loss.names, loss.weights, strict=True))},
            "metrics": {k: [_metric_name(m) for m in ms] for k, ms in loss.metric_ids.items()}}


def compile_arguments(spec: dict[str, Any]) -> dict[str, Any] | None:
    """``compile`` keywords from :func:`compile_spec`'s part of a file (None: not one)."""
    from glassnet import losses

    loss = spec.get("loss")
    if not isinstance(loss, dict) or "per_output" not in loss:
        return None
    return {"loss": {k: None if v is None else losses.get(v)
                     for k, v in loss["per_output"].items()},
            "loss_weights": loss.get("loss_weights"), "metrics": spec.get("metrics") or None}
