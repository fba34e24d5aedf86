"""Callbacks: code that runs at the edges of training, evaluation and prediction, as in Keras.

Hooks (every one defined on :class:`Callback`, doing nothing): ``on_train_begin/end(logs)``,
``on_epoch_begin/end(epoch, logs)``, ``on_train_batch_begin/end(batch, logs)``,
``on_test_begin/end(logs)``, ``on_test_batch_begin/end(batch, logs)``,
``on_predict_begin/end(logs)``, ``on_predict_batch_begin/end(batch, logs)``. ``logs`` is
always a dict. ``self.model`` is set before training; setting ``model.stop_training = True``
ends training after the current step. :class:`CallbackList` calls batch hooks only on
callbacks that override them, so an epoch-level callback costs nothing per step.
"""

from __future__ import annotations

import csv
import math
import os
import string
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from glassnet import _validate
from glassnet.progress import EpochProgress

Logs = dict[str, Any]

#: Every hook, as Keras names them.
HOOKS = (
    "on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
    "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
    "on_test_batch_begin", "on_test_batch_end", "on_predict_begin", "on_predict_end",
    "on_predict_batch_begin", "on_predict_batch_end",
)
_BATCH_HOOKS = tuple(h for h in HOOKS if "batch" in h)


class Callback:
    """Base class; override the hooks you need (each receives ``logs``, a dict)."""

    def __init__(self) -> None:
        self.model: Any = None
        self.params: dict[str, Any] = {}

    def set_model(self, model: Any) -> None:
        self.model = model

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params

    def on_train_begin(self, logs: Logs | None = None) -> None: ...
    def on_train_end(self, logs: Logs | None = None) -> None: ...
    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None: ...
    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None: ...
    def on_test_begin(self, logs: Logs | None = None) -> None: ...
    def on_test_end(self, logs: Logs | None = None) -> None: ...
    def on_predict_begin(self, logs: Logs | None = None) -> None: ...
    def on_predict_end(self, logs: Logs | None = None) -> None: ...
    def on_batch_begin(self, batch: int, logs: Logs | None = None) -> None: ...
    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None: ...

    def on_train_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        """Keras 2's ``on_batch_begin`` is the training batch hook's old name: it is called."""
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch: int, logs: Logs | None = None) -> None: ...
    def on_test_batch_end(self, batch: int, logs: Logs | None = None) -> None: ...
    def on_predict_batch_begin(self, batch: int, logs: Logs | None = None) -> None: ...
    def on_predict_batch_end(self, batch: int, logs: Logs | None = None) -> None: ...


def _overrides(cb: Callback, hook: str) -> bool:
    """True when ``cb`` does something on ``hook`` (a method of its class or an attribute)."""
    if hook in vars(cb):
        return True
    if getattr(type(cb), hook) is not getattr(Callback, hook):
        return True
    alias = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}
    return hook in alias and _overrides(cb, alias[hook])


def _plain_logs(logs: Logs | None) -> Logs:
    """Keras's ``pythonify_logs``: a new dict, keys sorted, values as Python floats."""
    out: Logs = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, dict):
            out.update(_plain_logs(value))
            continue
        try:
            out[key] = float(value)
        except (TypeError, ValueError):
            out[key] = value
    return out


class CallbackList:
    """Dispatches each hook to the callbacks that define it, with ``logs`` always a dict.

    Parameters
    ----------
    callbacks : list of Callback, optional
    model : Model, optional
        Given to every callback (``set_model``).
    params : dict, optional
        ``{"epochs", "steps", "verbose", ...}``, given to every callback (``set_params``).
    add_history, add_progbar : bool
        Append a :class:`History` / prepend a :class:`ProgbarLogger`, as Keras's option.
    """

    def __init__(self, callbacks: list[Callback] | None = None, model: Any = None,
                 params: dict[str, Any] | None = None, *, add_history: bool = False,
                 add_progbar: bool = False) -> None:
        callbacks = list(callbacks or [])
        for cb in callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(
                    f"`callbacks` must hold Callback instances, got {type(cb).__name__}."
                )
        if add_progbar and not any(isinstance(cb, ProgbarLogger) for cb in callbacks):
            callbacks.insert(0, ProgbarLogger())
        if add_history and not any(isinstance(cb, History) for cb in callbacks):
            callbacks.append(History())
        self.callbacks = callbacks
        self.model = model
        self.params = dict(params or {})
        for cb in callbacks:
            if model is not None:
                cb.set_model(model)
            cb.set_params(self.params)
        self._wanting = {h: [cb for cb in callbacks if _overrides(cb, h)] for h in _BATCH_HOOKS}

    def append(self, callback: Callback) -> None:
        self.callbacks.append(callback)
        callback.set_model(self.model)
        callback.set_params(self.params)
        for hook, wanting in self._wanting.items():
            if _overrides(callback, hook):
                wanting.append(callback)

    def set_model(self, model: Any) -> None:
        self.model = model
        for cb in self.callbacks:
            cb.set_model(model)

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params
        for cb in self.callbacks:
            cb.set_params(params)

    @property
    def wants_batch_logs(self) -> bool:
        """Whether some callback reads the running logs after each training batch."""
        return bool(self._wanting["on_train_batch_end"])

    def wants(self, hook: str) -> bool:
        """Whether some callback overrides the batch hook ``hook`` (the loop may skip it)."""
        return bool(self._wanting.get(hook, self.callbacks))

    def _call(self, hook: str, *args: Any, logs: Logs | None = None) -> None:
        targets = self._wanting.get(hook, self.callbacks)
        if not targets:  # the common case for batch hooks: nothing to format
            return
        logs = _plain_logs(logs)
        if hook in _BATCH_HOOKS:  # as Keras: batch hooks get `logs=` by keyword
            for cb in targets:
                getattr(cb, hook)(*args, logs=logs)
        else:
            for cb in targets:
                getattr(cb, hook)(*args, logs)

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self._call("on_train_begin", logs=logs)

    def on_train_end(self, logs: Logs | None = None) -> None:
        self._call("on_train_end", logs=logs)

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        self._call("on_epoch_begin", epoch, logs=logs)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        self._call("on_epoch_end", epoch, logs=logs)

    def on_test_begin(self, logs: Logs | None = None) -> None:
        self._call("on_test_begin", logs=logs)

    def on_test_end(self, logs: Logs | None = None) -> None:
        self._call("on_test_end", logs=logs)

    def on_predict_begin(self, logs: Logs | None = None) -> None:
        self._call("on_predict_begin", logs=logs)

    def on_predict_end(self, logs: Logs | None = None) -> None:
        self._call("on_predict_end", logs=logs)

    def on_train_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        self._call("on_train_batch_begin", batch, logs=logs)

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        self._call("on_train_batch_end", batch, logs=logs)

    def on_test_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        self._call("on_test_batch_begin", batch, logs=logs)

    def on_test_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        self._call("on_test_batch_end", batch, logs=logs)

    def on_predict_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        self._call("on_predict_batch_begin", batch, logs=logs)

    def on_predict_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        self._call("on_predict_batch_end", batch, logs=logs)

    # Keras 2's names of the training batch hooks.
    on_batch_begin = on_train_batch_begin
    on_batch_end = on_train_batch_end


class LambdaCallback(Callback):
    """A callback built from functions, as Keras's ``LambdaCallback``.

    Parameters
    ----------
    on_epoch_begin, on_epoch_end : callable ``(epoch, logs)``, optional
    on_train_begin, on_train_end : callable ``(logs)``, optional
    on_train_batch_begin, on_train_batch_end : callable ``(batch, logs)``, optional
    **hooks : callable
        Any other hook by its name (``on_test_begin=...``, ``on_predict_batch_end=...``).

    Examples
    --------
    >>> print_epoch = LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch, logs["loss"]))
    """

    def __init__(self, on_epoch_begin: Callable[..., Any] | None = None,
                 on_epoch_end: Callable[..., Any] | None = None,
                 on_train_begin: Callable[..., Any] | None = None,
                 on_train_end: Callable[..., Any] | None = None,
                 on_train_batch_begin: Callable[..., Any] | None = None,
                 on_train_batch_end: Callable[..., Any] | None = None,
                 **hooks: Callable[..., Any]) -> None:
        super().__init__()
        unknown = sorted(set(hooks) - set(HOOKS) - {"on_batch_begin", "on_batch_end"})
        if unknown:
            raise TypeError(
                f"LambdaCallback got unknown hooks {unknown}; valid: {', '.join(HOOKS)}."
            )
        given = dict(hooks, on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end,
                     on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end)
        for hook, fn in given.items():
            if fn is None:
                continue
            if not callable(fn):
                raise TypeError(f"`{hook}` of LambdaCallback must be callable, got {fn!r}.")
            setattr(self, hook, fn)


class History(Callback):
    """Records every epoch's logs: ``history.history['loss']`` is a list, one per epoch."""

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def continue_from(self, initial_epoch: int) -> None:
        """Keep the first ``initial_epoch`` epochs (a second ``fit`` resumes from there)."""
        keep = [i for i, e in enumerate(self.epoch) if e < initial_epoch]
        self.epoch = [self.epoch[i] for i in keep]
        self.history = {k: [v[i] for i in keep if i < len(v)] for k, v in self.history.items()}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(int(epoch))
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)

    def plot(self, keys=None, path=None, **kwargs):
        """Loss and metric curves (train and validation) with matplotlib; returns the figure."""
        from glassnet.plotting.history import plot_history

        return plot_history(self, keys=keys, path=path, **kwargs)

    def to_dict(self) -> dict[str, Any]:
        return {"history": self.history, "epoch": self.epoch}

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> History:
        h = cls()
        h.history = {k: list(v) for k, v in state.get("history", {}).items()}
        h.epoch = list(state.get("epoch", []))
        return h


class ProgbarLogger(EpochProgress, Callback):
    """Keras's progress output: ``verbose=1`` a bar per epoch (a widget in Jupyter, a text bar
    in a terminal, one clean line per epoch in a log file), ``verbose=2`` one line per epoch."""


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs."""

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0,
                 verbose: int = 0, mode: str = "auto", baseline: float | None = None,
                 restore_best_weights: bool = False, start_from_epoch: int = 0) -> None:
        super().__init__()
        self.monitor = _monitor_name("EarlyStopping", monitor)
        self.patience = _validate.check_int("EarlyStopping", "patience", patience, min=0)
        self.verbose = verbose
        self.baseline = None if baseline is None else _validate.check_float(
            "EarlyStopping", "baseline", baseline)
        self.restore_best_weights = _validate.check_bool("EarlyStopping", "restore_best_weights",
                                                         restore_best_weights)
        self.start_from_epoch = _validate.check_int("EarlyStopping", "start_from_epoch",
                                                    start_from_epoch, min=0)
        self.mode = _resolve_mode(mode, monitor)
        min_delta = _validate.check_float("EarlyStopping", "min_delta", min_delta)
        self.min_delta = abs(min_delta) if self.mode == "max" else -abs(min_delta)
        self.stopped_epoch = 0
        self.best_epoch = 0

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = -np.inf if self.mode == "max" else np.inf
        self.best_weights = None
        self.best_epoch = 0

    def _improved(self, value: float, reference: float) -> bool:
        if self.mode == "max":
            return value - self.min_delta > reference
        return value - self.min_delta < reference

    def on_epoch_end(self, epoch, logs=None):
        value = _monitored(logs, self.monitor)
        if value is None:
            # Keras's warning, word for word: a misspelt `monitor` would never stop anything.
            warnings.warn(
                f"Early stopping conditioned on metric `{self.monitor}` which is not "
                f"available. Available metrics are: {','.join(list(logs or {}))}",
                stacklevel=2,
            )
            return
        if epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
        self.wait += 1
        if self._improved(value, self.best):
            self.best = value
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._improved(value, self.baseline):
                self.wait = 0
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_weights(self.best_weights)


class ModelCheckpoint(Callback):
    """Save the model (or its weights) after each epoch, or every ``save_freq`` batches,
    atomically; ``{epoch}``, ``{batch}`` and log keys format the path
    (``'ckpt-{epoch:02d}-{val_loss:.2f}.npz'``)."""

    def __init__(self, filepath: str | Path, monitor: str = "val_loss", verbose: int = 0,
                 save_best_only: bool = False, save_weights_only: bool = False,
                 mode: str = "auto", save_freq: str | int = "epoch",
                 initial_value_threshold: float | None = None) -> None:
        super().__init__()
        if save_freq != "epoch" and (isinstance(save_freq, bool)
                                     or not isinstance(save_freq, int) or save_freq < 1):
            raise ValueError(f"Unrecognized save_freq: {save_freq!r}. Expected save_freq are "
                             "'epoch' or integer values (a number of batches, at least 1).")
        self.save_freq = save_freq
        self.filepath = _checkpoint_path(filepath)
        self.monitor = _monitor_name("ModelCheckpoint", monitor)
        self.save_best_only = _validate.check_bool("ModelCheckpoint", "save_best_only",
                                                   save_best_only)
        self.save_weights_only = _validate.check_bool("ModelCheckpoint", "save_weights_only",
                                                      save_weights_only)
        self.mode = _resolve_mode(mode, monitor)
        if initial_value_threshold is not None:
            self.best = float(initial_value_threshold)
        else:
            self.best = -np.inf if self.mode == "max" else np.inf
        self._current_epoch = 0
        self._batches_since_saving = 0
        self._last_batch: int | None = None
        if save_freq != "epoch":  # the batch hook only then: fit asks for no batch logs else
            self.on_train_batch_end = self._save_on_batch  # type: ignore[method-assign]

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def _save_on_batch(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        # batches count across epochs (the batch index restarts at 0 each epoch)
        seen = batch + 1 if self._last_batch is None or batch <= self._last_batch \
            else batch - self._last_batch
        self._last_batch = batch
        self._batches_since_saving += seen
        if self._batches_since_saving >= int(self.save_freq):
            self._batches_since_saving = 0
            self._save(self._current_epoch, batch, logs or {})

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs or {})

    def _save(self, epoch: int, batch: int | None, logs: dict[str, Any]) -> None:
        if self.save_best_only:
            value = _monitored(logs, self.monitor)
            if value is None:
                return
            better = value > self.best if self.mode == "max" else value < self.best
            if not better:
                return
            self.best = value
        fields = logs if batch is None or "batch" in logs else {**logs, "batch": batch + 1}
        path = _format_checkpoint_path(self.filepath, epoch + 1, fields)
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)


class LearningRateScheduler(Callback):
    """Set the learning rate at each epoch start to ``schedule(epoch, lr)``."""

    def __init__(self, schedule, verbose: int = 0) -> None:
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"`schedule` must be callable (epoch, lr) -> lr, got {schedule!r}.")
        self.schedule = schedule

    def on_epoch_begin(self, epoch, logs=None):
        lr = float(self.schedule(epoch, float(self.model.optimizer.learning_rate)))
        if not math.isfinite(lr) or lr < 0:
            raise ValueError(f"The schedule returned an invalid learning rate {lr!r}.")
        self.model.optimizer.learning_rate = lr

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` after ``patience`` epochs without improvement."""

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 verbose: int = 0, mode: str = "auto", min_delta: float = 1e-4,
                 cooldown: int = 0, min_lr: float = 0.0) -> None:
        super().__init__()
        factor = _validate.check_float("ReduceLROnPlateau", "factor", factor, min=0.0, max=1.0,
                                       min_open=True, max_open=True)
        patience = _validate.check_int("ReduceLROnPlateau", "patience", patience, min=0)
        cooldown = _validate.check_int("ReduceLROnPlateau", "cooldown", cooldown, min=0)
        min_delta = _validate.check_float("ReduceLROnPlateau", "min_delta", min_delta, min=0.0)
        min_lr = _validate.check_float("ReduceLROnPlateau", "min_lr", min_lr, min=0.0)
        self.monitor, self.factor, self.patience = monitor, factor, patience
        self.mode = _resolve_mode(mode, monitor)
        self.min_delta, self.cooldown, self.min_lr = min_delta, cooldown, min_lr

    def on_train_begin(self, logs=None):
        self.best = -np.inf if self.mode == "max" else np.inf
        self.wait = 0
        self.cooldown_counter = 0

    def on_epoch_end(self, epoch, logs=None):
        value = _monitored(logs, self.monitor)
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)
        if value is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        better = (value > self.best + self.min_delta if self.mode == "max"
                  else value < self.best - self.min_delta)
        if better:
            self.best = value
            self.wait = 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                lr = float(self.model.optimizer.learning_rate)
                self.model.optimizer.learning_rate = max(lr * self.factor, self.min_lr)
                self.cooldown_counter = self.cooldown
                self.wait = 0


class CSVLogger(Callback):
    """Stream one CSV row per epoch, as Keras writes it.

    Columns: ``epoch`` (0-based), then the first epoch's log keys sorted; when those hold no
    ``val_`` key, a ``val_<key>`` column for each is added (written ``NA``). Rows are flushed
    each epoch; with ``append=True`` the header is written only into an empty file.

    Parameters
    ----------
    filename : str or Path
    separator : str, default ","
    append : bool, default False
    """

    def __init__(self, filename: str | Path, separator: str = ",", append: bool = False) -> None:
        super().__init__()
        if not isinstance(filename, (str, os.PathLike)) or not str(filename):
            raise TypeError(f"CSVLogger `filename` must be a path (str or Path), got {filename!r}.")
        self.filename = Path(filename)
        self.sep = separator
        self.append = append
        self.keys: list[str] | None = None
        self.append_header = True
        self.csv_file: Any = None
        self.writer: Any = None

    @property
    def separator(self) -> str:
        return self.sep

    def on_train_begin(self, logs=None):
        if self.append and self.filename.exists():
            with open(self.filename) as f:
                self.append_header = not f.readline()
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, "a" if self.append else "w", newline="")  # noqa: SIM115
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys += [f"val_{k}" for k in self.keys]
        if self.writer is None:
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch", *self.keys],
                                         delimiter=self.sep)
            if self.append_header:
                self.writer.writeheader()
        self.writer.writerow({"epoch": epoch, **{k: _csv_value(logs.get(k, "NA")) for k in self.keys}})
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None


def _csv_value(value: Any) -> Any:
    """Keras's cell format: strings as they are, sequences as ``"[a, b]"``, numbers as numbers."""
    if isinstance(value, str) or (isinstance(value, np.ndarray) and value.ndim == 0):
        return value
    if isinstance(value, (list, tuple, np.ndarray)):
        return f'"[{", ".join(map(str, value))}]"'
    return value


class TerminateOnNaN(Callback):
    """Stop training (instead of raising) when the loss becomes NaN or inf."""

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            self.model.stop_training = True


class CheckpointPathError(KeyError, ValueError):
    """A ``ModelCheckpoint`` path with a placeholder no log provides. A ``KeyError`` as in
    Keras, and a ``ValueError`` (a bad argument); its message is shown as written."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def _monitor_name(owner: str, monitor: Any) -> str:
    """``monitor`` checked: the name of a log entry (``'val_loss'``, ``'accuracy'``)."""
    if not isinstance(monitor, str) or not monitor:
        raise TypeError(f"`monitor` of {owner} must be the name of a logged quantity such as "
                        f"'val_loss', got {monitor!r}.")
    return monitor


def _checkpoint_path(filepath: Any) -> str:
    """``filepath`` of ModelCheckpoint checked: a path whose ``{...}`` placeholders parse."""
    if not isinstance(filepath, (str, os.PathLike)):
        raise TypeError(f"`filepath` of ModelCheckpoint must be a path (str or os.PathLike), "
                        f"got {filepath!r} ({type(filepath).__name__}).")
    path = os.fspath(filepath)
    if not isinstance(path, str):
        raise TypeError(f"`filepath` of ModelCheckpoint must be a str path, got {path!r}.")
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(path) if f is not None]
    except ValueError as exc:
        raise ValueError(f"`filepath` of ModelCheckpoint {path!r} is not a valid format string "
                         f"({exc}); write literal braces as '{{{{' and '}}}}'.") from None
    for field in fields:
        if not field or not field.isidentifier():
            raise ValueError(
                f"`filepath` of ModelCheckpoint {path!r} has the placeholder {{{field}}}; "
                "placeholders are names: '{epoch}' or a log key such as '{val_loss:.2f}'."
            )
    return path


def _format_checkpoint_path(filepath: str, epoch: int, logs: dict[str, Any]) -> str:
    """``filepath`` with ``{epoch}`` and the log keys filled in."""
    values = {**logs, "epoch": epoch}
    try:
        return filepath.format(**values)
    except KeyError as exc:
        raise CheckpointPathError(
            f"`filepath` of ModelCheckpoint {filepath!r} has the placeholder {{{exc.args[0]}}}, "
            f"which this epoch's logs do not provide. Valid keys: {', '.join(values)}."
        ) from None
    except (ValueError, TypeError) as exc:
        raise ValueError(f"`filepath` of ModelCheckpoint {filepath!r} could not be formatted "
                         f"with {values}: {exc}") from None


def _resolve_mode(mode: str, monitor: str) -> str:
    _validate.check_choice("callback", "mode", mode, ("auto", "min", "max"))
    if mode != "auto":
        return mode
    return "max" if "acc" in monitor or monitor.endswith("auc") else "min"


def _monitored(logs, monitor: str) -> float | None:
    if not logs or monitor not in logs:
        return None
    return float(logs[monitor])


class GradientCheck(Callback):
    """Every ``every`` epochs, check the gradients on ``(x, y)`` (a small batch) and record the
    worst relative error in the History as ``gradient_check`` (and per weight in ``records``)."""

    def __init__(self, x, y, every: int = 1, tolerance: float = 1e-6) -> None:
        super().__init__()
        every = _validate.check_int("GradientCheck", "every", every, min=1)
        self.x, self.y, self.every, self.tolerance = x, y, every, tolerance
        self.records: list[dict[str, Any]] = []

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        rows = self.model.check_gradients(self.x, self.y, self.tolerance, print_fn=None)
        worst = max((r["relative_error"] for r in rows), default=0.0)
        self.records.append({"epoch": epoch, "rows": rows})
        if logs is not None:
            logs["gradient_check"] = worst
