"""The training and evaluation loops behind ``Model.fit`` and ``Model.evaluate``.

Speed notes: the data are converted and checked once per ``fit``. Each epoch draws one
permutation, and each step gathers its rows into batch buffers allocated once per ``fit``
(``np.take(..., out=)``: no allocation per step). Measured against gathering the whole
shuffled set once per epoch and slicing it (W1 on Fashion-MNIST, 3 epochs x 3 repeats, on a
2-core virtual machine): 0.44 s against 0.58 s median per epoch — the whole-set copy's 188 MB
of fresh pages cost more than the per-batch gathers — and 53 MB of peak memory over
the data instead of 191 MB. Batch-level callbacks run only when some callback asks for them.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Iterator, Sequence
from numbers import Real
from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet import callbacks as cbks
from glassnet.losses.base import NoLoss
from glassnet.losses.masks import loss_weights
from glassnet.models import data
from glassnet.models.diagnose import NonFiniteStep, non_finite_error
from glassnet.models.threads import blas_threads
from glassnet.progress import format_logs
from glassnet.py_dataset import PyDataset

if TYPE_CHECKING:
    from glassnet.models.model import Model

#: One batch: inputs, targets and sample weights (None when not given).
Batch = tuple[Any, Any, Any]


def _verbosity(verbose: Any) -> int:
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2, True, False):
        raise ValueError(f"`verbose` must be 0, 1, 2 or 'auto', got {verbose!r}.")
    return int(verbose)


def _positive_int(value: Any, name: str, minimum: int = 1) -> int:
    """An integer >= ``minimum``: TypeError for another type (Keras's class for ``epochs=1.5``),
    ValueError for one too small."""
    kind = "a positive integer" if minimum == 1 else "a non-negative integer"
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"`{name}` must be {kind}, got {value!r} ({type(value).__name__}).")
    if value < minimum:
        raise ValueError(f"`{name}` must be {kind}, got {value!r}.")
    return int(value)


def _callback_list(callbacks: Any) -> list[cbks.Callback]:
    """``callbacks`` as a list: Keras also takes a single callback, and None."""
    if callbacks is None:
        return []
    if isinstance(callbacks, cbks.Callback):
        return [callbacks]
    if isinstance(callbacks, (str, bytes)) or not isinstance(callbacks, Iterable):
        raise TypeError(f"`callbacks` must be a list of Callback objects, got {callbacks!r}.")
    return list(callbacks)  # CallbackList checks each entry


def _fit_options(validation_split: Any, validation_batch_size: Any, validation_freq: Any
                 ) -> tuple[float, int | None, int]:
    """``fit``'s validation arguments checked: a fraction in [0, 1), a positive batch size
    or None, a positive frequency in epochs."""
    if isinstance(validation_split, bool) or not isinstance(validation_split, Real):
        raise TypeError(f"`validation_split` must be a number in [0, 1), got "
                        f"{validation_split!r} ({type(validation_split).__name__}).")
    vbs = None if validation_batch_size is None else _positive_int(validation_batch_size,
                                                                   "validation_batch_size")
    return float(validation_split), vbs, _positive_int(validation_freq, "validation_freq")


def _split_validation(x: np.ndarray, y: np.ndarray, w: np.ndarray | None, fraction: float
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, Batch]:
    if not 0.0 <= fraction < 1.0:  # (NaN fails too)
        raise ValueError(f"`validation_split` must be in [0, 1), got {fraction!r}.")
    n_val = int(math.floor(len(x) * fraction))
    if fraction and n_val == 0:
        raise ValueError(
            f"`validation_split={fraction}` leaves no validation samples out of {len(x)}."
        )
    # Keras takes the *last* samples, before any shuffling.
    cut = len(x) - n_val
    val = (x[cut:], y[cut:], None if w is None else w[cut:])
    return x[:cut], y[:cut], (None if w is None else w[:cut]), val


class _Running:
    """The loss's running mean over one epoch (weighted by batch size, as Keras's loss
    tracker) and the compiled metric objects, reset at the start."""

    def __init__(self, model: Model) -> None:
        self.tracker = model._tracker
        self.tracker.reset_state()
        self.metrics = list(self.tracker.metrics)  # updated one by one: once per step
        # Keras passes the sample weights to the losses only, not to compile's metrics
        self.weighted = [m.compiled_sample_weight for m in self.metrics]
        self.loss_sum = 0.0
        self.count = 0

    def add(self, n: int, loss: float, yb: Any = None, out: Any = None, wb: Any = None,
            mask: Any = None) -> None:
        """``loss`` is the batch mean; the metrics see the batch's targets and outputs (and
        the output's mask, when it has one)."""
        self.loss_sum += loss * n
        self.count += n
        if self.metrics and out is not None:
            if mask is None:
                for metric, weighted in zip(self.metrics, self.weighted, strict=True):
                    metric.update_state(yb, out, sample_weight=wb if weighted else None)
            else:
                self.tracker.update_state(yb, out, wb, mask=mask)

    def logs(self, prefix: str = "") -> dict[str, Any]:
        logs: dict[str, Any] = {prefix + "loss": self.loss_sum / max(self.count, 1)}
        for k, v in self.tracker.result().items():
            # a number; an array for a metric with one value per class (F1Score()), as Keras
            logs[prefix + k] = float(v) if np.ndim(v) == 0 else np.asarray(v)
        return logs


def run_fit(model: Model, x: Any, y: Any, *, batch_size: int | None, epochs: int,
            verbose: int | str, callbacks: Sequence[cbks.Callback] | None,
            validation_split: float, validation_data: Any, shuffle: bool,
            class_weight: dict | None, sample_weight: Any, initial_epoch: int,
            steps_per_epoch: int | None, validation_batch_size: int | None,
            validation_freq: int) -> cbks.History:
    """The loop behind :meth:`Model.fit` (arguments as documented there)."""
    verbose = _verbosity(verbose)
    epochs = _positive_int(epochs, "epochs")
    initial_epoch = _positive_int(initial_epoch, "initial_epoch", minimum=0)
    validation_split, validation_batch_size, validation_freq = _fit_options(
        validation_split, validation_batch_size, validation_freq)
    callbacks = _callback_list(callbacks)
    if steps_per_epoch is not None:
        steps_per_epoch = _positive_int(steps_per_epoch, "steps_per_epoch")
    stream = data.is_batch_stream(x)
    if stream:
        if y is not None:
            raise ValueError("When `x` is a batch generator it yields the targets; pass y=None.")
        if validation_split:
            raise ValueError("`validation_split` needs arrays; use `validation_data` instead.")
        batches = x.epochs(model._shuffle_rng if shuffle else None) \
            if isinstance(x, PyDataset) else iter(x)
        if isinstance(x, PyDataset) and steps_per_epoch is None:
            steps_per_epoch = len(x)  # one pass over its batches an epoch
        first = next(batches, None)
        if first is None:
            raise ValueError("The batch generator passed as `x` yielded nothing.")
        fx, fy, _ = data.unpack_batch(first)
        fx = data.as_inputs(model._pack_inputs(fx), model.dtype)
        model._ensure_built(fx)
        model._check_input_shape(fx)
        pending = [first]
        steps = None if steps_per_epoch is None else _positive_int(steps_per_epoch, "steps_per_epoch")
        batch_size = len(fx)
    else:
        if x is None or (y is None and not isinstance(model.loss, NoLoss)):
            raise ValueError("`fit` needs `x` and `y` (or a batch generator as `x`).")
        batch_size = 32 if batch_size is None else _positive_int(batch_size, "batch_size")
        x = data.as_inputs(model._pack_inputs(x), model.dtype)
        model._ensure_built(x)
        model._check_input_shape(x)
        if y is None:  # compiled without a loss: the layers' added losses need no targets
            y = np.zeros((len(x), 0), dtype=model.dtype)
        y = model._targets(y, len(x))
        _check_class_weight_outputs(model, class_weight)
        w = data.as_sample_weight(sample_weight, class_weight, y, len(x),
                                  n_classes=_n_classes(model))
        x, y, w, split_val = _split_validation(x, y, w, validation_split)
        if validation_split and validation_data is None:
            validation_data = split_val
        if len(x) == 0:
            raise ValueError("No training samples left after `validation_split`.")
        steps = math.ceil(len(x) / batch_size)
        if steps_per_epoch is not None:
            steps = min(steps, _positive_int(steps_per_epoch, "steps_per_epoch"))

    model._prepare_training()
    val = _prepare_validation(model, validation_data)

    history = model.history if (initial_epoch > 0 and isinstance(model.history, cbks.History)) \
        else cbks.History()
    history.continue_from(int(initial_epoch))
    cb_list = list(callbacks or [])
    if verbose:
        cb_list.append(cbks.ProgbarLogger(verbose))
    cb_list.append(history)
    params = {"epochs": epochs, "steps": steps, "verbose": verbose, "batch_size": batch_size}
    cb = cbks.CallbackList(cb_list, model, params)
    terminate_on_nan = any(isinstance(c, cbks.TerminateOnNaN) for c in cb_list)
    begin_hook, end_hook = cb.wants("on_train_batch_begin"), cb.wants_batch_logs
    graph = model.__dict__.get("_graph")  # its output mask, per step (Model._output_mask)
    model.history = history
    model.stop_training = False

    cb.on_train_begin()
    logs: dict[str, float] = {}
    threads = blas_threads(model, batch_size)
    threads.__enter__()
    gather = None if stream or not shuffle else _BatchGather(x, y, w, batch_size)
    cursor = _Cursor()
    try:
        for epoch in range(initial_epoch, epochs):
            cb.on_epoch_begin(epoch)
            running = _Running(model)
            out: np.ndarray | None = None
            if stream:
                epoch_batches = _stream_epoch(pending, batches, steps)
                pending = []
            else:
                assert steps is not None  # arrays: always known
                epoch_batches = _array_epoch(model, x, y, w, batch_size, steps, gather, cursor)
            # A diverging step overflows; the loss check reports it with a diagnosis.
            with np.errstate(over="ignore", invalid="ignore"):
                for step, (xb, yb, wb) in enumerate(epoch_batches):
                    if stream:
                        try:
                            xb = data.as_inputs(model._pack_inputs(xb), model.dtype)
                            yb = model._targets(yb, len(xb))
                            wb = data.as_sample_weight(wb, class_weight, yb, len(xb),
                                                       n_classes=_n_classes(model))
                        except ValueError as exc:
                            raise ValueError(f"The generator's batch {step} (epoch {epoch + 1}): "
                                             f"{exc}") from None
                    if begin_hook:
                        cb.on_train_batch_begin(step)
                    try:
                        loss, out = model._train_step(xb, yb, wb)
                    except NonFiniteStep as bad:  # checked before the update: nothing changed
                        if not terminate_on_nan:
                            raise non_finite_error(model, xb, yb, wb, bad.loss, epoch,
                                                   step) from None
                        # TerminateOnNaN stops quietly; the logs show the non-finite step.
                        model.stop_training = True
                        running.add(len(xb), math.nan)
                        if end_hook:
                            cb.on_train_batch_end(step, running.logs())
                        break
                    running.add(len(xb), loss, yb, out, wb,
                                None if graph is None else graph.output_mask)
                    if end_hook:
                        cb.on_train_batch_end(step, running.logs())
                    if model.stop_training:
                        break
            # Let go of the last batch (layer caches hold views of the batch buffers).
            xb = yb = wb = out = None
            for layer in model.layers:
                layer._cache = None
            logs = running.logs()
            if isinstance(x, PyDataset):  # its own end-of-epoch work (reshuffling ...)
                x.on_epoch_end()
            if val is not None and (epoch + 1) % validation_freq == 0:
                xv, yv, wv = val
                logs.update(run_evaluate(model, xv, yv, validation_batch_size or batch_size,
                                         wv, None, 0, prefix="val_", callbacks=cb))
            cb.on_epoch_end(epoch, logs)
            if model.stop_training:
                break
    finally:
        # Also on KeyboardInterrupt: callbacks close their files and restore weights, and
        # the History holds only complete epochs.
        threads.__exit__(None, None, None)
        cb.on_train_end(logs)
    return history


class _BatchGather:
    """Minibatches of the training arrays in a new random order every epoch.

    Each epoch draws one permutation; each step gathers its rows with
    ``np.take(..., out=, mode='clip')`` into batch buffers allocated once per ``fit``
    (``mode='raise'`` would gather into a temporary first). Every row is read once per epoch,
    as by a whole-set shuffle, but nothing the size of the data set is ever allocated: peak
    memory is the data plus one batch, and no epoch pays the page faults of a fresh 188 MB
    copy (Fashion-MNIST in float32), which on a virtual machine cost more than the gather.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, w: np.ndarray | None,
                 batch_size: int) -> None:
        self.x, self.y, self.w = x, y, w  # w: the sample weights (None when not given)
        rows = min(batch_size, len(x))
        self.bx = np.empty((rows,) + x.shape[1:], x.dtype)
        self.by = np.empty((rows,) + y.shape[1:], y.dtype)
        self.bw = None if w is None else np.empty((rows,) + w.shape[1:], w.dtype)

    def batch(self, rows: np.ndarray) -> Batch:
        n = len(rows)
        xb = self.x.take(rows, axis=0, out=self.bx[:n], mode="clip")
        yb = self.y.take(rows, axis=0, out=self.by[:n], mode="clip")
        if self.w is None or self.bw is None:  # (both None together; the check types w)
            return xb, yb, None
        return xb, yb, self.w.take(rows, axis=0, out=self.bw[:n], mode="clip")


class _Cursor:
    """Where the next epoch starts in the data. With ``steps_per_epoch`` below the number of
    batches, an epoch goes on where the last one stopped and ends early at the end of the
    data; the next then starts a new pass, reshuffled (Keras's ``EpochIterator``)."""

    def __init__(self) -> None:
        self.start = 0  # the first batch of the next epoch, within the pass
        self.perm: np.ndarray | None = None  # the pass's order (shuffle=True)


def _array_epoch(model: Model, x: np.ndarray, y: np.ndarray, w: np.ndarray | None,
                 batch_size: int, steps: int, gather: _BatchGather | None,
                 cursor: _Cursor) -> Iterator[Batch]:
    n_batches = -(-len(x) // batch_size)
    first = cursor.start
    stop = min(first + steps, n_batches)
    cursor.start = stop if stop < n_batches else 0
    if gather is None:  # shuffle=False: the data in order, as views
        for step in range(first, stop):
            i = step * batch_size
            yield x[i:i + batch_size], y[i:i + batch_size], (None if w is None else w[i:i + batch_size])
        return
    if first == 0 or cursor.perm is None:
        cursor.perm = model._shuffle_rng.permutation(len(x))
    perm = cursor.perm
    for step in range(first, stop):
        i = step * batch_size
        yield gather.batch(perm[i:i + batch_size])


def _stream_epoch(pending: list[Any], batches: Iterator[Any], steps: int | None
                  ) -> Iterator[Batch]:
    produced = 0
    for batch in pending:
        yield data.unpack_batch(batch)
        produced += 1
    for batch in batches:
        if steps is not None and produced >= steps:
            return
        yield data.unpack_batch(batch)
        produced += 1
        if steps is not None and produced >= steps:
            return


def _prepare_validation(model: Model, validation_data: Any) -> Batch | None:
    if validation_data is None:
        return None
    if isinstance(validation_data, PyDataset):  # its batches, as one set (same means)
        validation_data = data.concatenate_batches(list(validation_data))
    if data.is_batch_stream(validation_data):
        raise ValueError("`validation_data` must be a tuple (x_val, y_val[, sample_weight]) "
                         "or a PyDataset.")
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        raise ValueError(
            "`validation_data` must be a tuple (x_val, y_val) or (x_val, y_val, sample_weight), "
            f"got {type(validation_data).__name__}."
        )
    xv = data.as_inputs(model._pack_inputs(validation_data[0]), model.dtype, "validation_data[0]")
    model._check_input_shape(xv)
    yv = model._targets(validation_data[1], len(xv), "validation_data[1]")
    wv = validation_data[2] if len(validation_data) == 3 else None
    return xv, yv, data.as_sample_weight(wv, None, yv, len(xv), "validation_data[2]")


def _n_classes(model: Model) -> int | None:
    """Classes of the model's output, for ``class_weight``: its units (2 for one unit);
    None for a model with several outputs (``class_weight`` is refused there, as in Keras)."""
    shape = model.output_shape
    if isinstance(shape, list):
        return None
    units = shape[-1]
    return 2 if units in (None, 1) else int(units)


def _check_class_weight_outputs(model: Model, class_weight: Any) -> None:
    if class_weight and isinstance(model.output_shape, list):
        raise ValueError(
            "`class_weight` is only supported for Models with a single output; this model has "
            f"{len(model.output_shape)}. Pass per-sample weights instead."
        )


def run_evaluate(model: Model, x: Any, y: Any, batch_size: int | None, sample_weight: Any,
                 steps: int | None, verbose: int | str, prefix: str = "",
                 callbacks: Any = None) -> dict[str, float]:
    """Mean loss and metrics over ``(x, y)`` in inference mode (no dropout, moving stats).

    ``callbacks`` (a list, or the ``CallbackList`` of a running ``fit``) get Keras's
    ``on_test_*`` hooks, with the logs' keys unprefixed."""
    verbose = _verbosity(verbose)
    if steps is not None:
        steps = _positive_int(steps, "steps")
    cb = None
    if callbacks:
        cb = callbacks if isinstance(callbacks, cbks.CallbackList) else cbks.CallbackList(
            list(callbacks), model, {"verbose": verbose, "epochs": 1, "steps": steps})
    if data.is_batch_stream(x):
        def source():
            for batch in data.take(iter(x), steps):
                xb, yb, wb = data.unpack_batch(batch)
                xb = data.as_inputs(model._pack_inputs(xb), model.dtype)
                yb = model._targets(yb, len(xb))
                yield xb, yb, data.as_sample_weight(wb, None, yb, len(xb))
    else:
        if x is None or (y is None and not isinstance(model.loss, NoLoss)):
            raise ValueError("`evaluate` needs `x` and `y` (or a batch generator as `x`).")
        x = data.as_inputs(model._pack_inputs(x), model.dtype)
        model._ensure_built(x)
        model._check_input_shape(x)
        if y is None:  # compiled without a loss (see run_fit)
            y = np.zeros((len(x), 0), dtype=model.dtype)
        y = model._targets(y, len(x))
        bs = 32 if batch_size is None else _positive_int(batch_size, "batch_size")
        w = data.as_sample_weight(sample_weight, None, y, len(x))

        def source():
            for i in range(0, len(x), bs):
                yield x[i:i + bs], y[i:i + bs], None if w is None else w[i:i + bs]
    running = _Running(model)
    assert model.loss is not None  # compiled: evaluate checks first
    if cb is not None:
        cb.on_test_begin()
    with model._inference_only():
        for i, (xb, yb, wb) in enumerate(source()):
            if cb is not None:
                cb.on_test_batch_begin(i)
            out = model._forward(xb, training=False, observer=RELEASE_CACHES)
            mask = model._output_mask()
            loss = model.loss(yb, out, loss_weights(model.loss, wb, mask, out)) \
                + model._penalty()
            running.add(len(xb), loss, yb, out, wb, mask)
            if cb is not None and cb.wants("on_test_batch_end"):
                cb.on_test_batch_end(i, running.logs())
    if cb is not None:
        cb.on_test_end(running.logs())
    logs = running.logs(prefix)
    if verbose:
        sys.stdout.write(format_logs(logs) + "\n")
    return logs


class _ReleaseCaches:
    """A graph observer for inference: each layer lets go of what its forward pass kept for a
    backward pass that will not come, as soon as the next layer has its input. A batch's
    peak is then about the largest layer's arrays, not every layer's at once, and nothing
    of one batch lives on during the next."""

    def on_forward(self, k: int, layer: Any, x: Any, y: np.ndarray) -> None:
        layer._cache = None

    def on_backward(self, k: int, layer: Any, grad_y: np.ndarray, grad_x: Any,
                    preactivation: bool) -> None:
        """Inference has no backward pass."""


#: The one instance (it holds no state).
RELEASE_CACHES = _ReleaseCaches()
