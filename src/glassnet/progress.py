"""Progress display that is at home everywhere: widgets in Jupyter, a bar in a terminal,
one clean line per epoch in a log file.

tqdm's ``auto`` mode draws a notebook widget in Jupyter and a text bar in a terminal. A
bar written to a file or a pipe is a mess (every redraw a carriage return, each epoch's
line twice), so when the output is neither, one plain line is written per epoch instead.

:class:`EpochProgress` holds Keras's per-epoch progress hooks (``verbose=1``: a bar per
epoch; ``verbose=2``: one line per epoch) without depending on the callback module, so the
callback class is just ``class ProgbarLogger(EpochProgress, Callback)``.
:func:`progress_bar` is the same choice for any loop (``glassnet scratch`` uses it).
"""

from __future__ import annotations

import sys
import time
from typing import Any

import numpy as np


def in_notebook() -> bool:
    """True inside a Jupyter kernel (IPython with a kernel attached)."""
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    try:
        ip = shell.get_ipython()  # type: ignore[attr-defined]
    except Exception:
        return False
    return ip is not None and getattr(ip, "kernel", None) is not None


def interactive(stream: Any) -> bool:
    """Whether ``stream`` can show a live bar: a terminal, or a notebook's output."""
    if in_notebook() and stream in (None, sys.stdout, sys.stderr):
        return True
    isatty = getattr(stream if stream is not None else sys.stdout, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # closed stream
        return False


def _tqdm() -> Any:
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm


def format_logs(logs: dict[str, float] | None) -> str:
    """``"loss: 0.1234 - accuracy: 0.9500"``, as Keras prints them (a metric with one value
    per class, such as ``F1Score()``, as their mean)."""
    return " - ".join(f"{k}: {float(np.mean(v)):.4f}" for k, v in (logs or {}).items())


class _Lines:
    """The non-interactive stand-in for a bar: remembers progress, prints nothing until ``close``."""

    def __init__(self, total: int | None, desc: str, stream: Any, unit: str) -> None:
        self.total, self.desc, self.stream, self.unit = total, desc, stream, unit
        self.n = 0
        self.postfix = ""
        self._t0 = time.perf_counter()
        self._last = self._t0

    def update(self, k: int = 1) -> None:
        self.n += k

    def set_postfix_str(self, text: str, refresh: bool = False) -> None:
        self.postfix = text

    def write_line(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        pass


def progress_bar(total: int | None, desc: str = "", stream: Any = None, unit: str = "it",
                 **kwargs: Any) -> Any:
    """A tqdm bar in a terminal or notebook (with its ETA), else a silent line counter.

    Parameters
    ----------
    total : int or None
    desc : str
    stream : file-like, optional
        Where to draw; default ``sys.stderr``.
    unit : str
    **kwargs
        Passed to tqdm.

    Returns
    -------
    object with ``update(n)``, ``set_postfix_str(text)``, ``close()`` and ``n``.
    """
    stream = stream if stream is not None else sys.stderr
    tqdm = _tqdm()
    if tqdm is not None and interactive(stream):
        return tqdm(total=total, desc=desc, unit=unit, file=stream, dynamic_ncols=True, **kwargs)
    return _Lines(total, desc, stream, unit)


class EpochProgress:
    """Keras's progress hooks: ``verbose=1`` a bar per epoch (steps, ETA, running logs) where
    a bar can be shown, else one line per epoch; ``verbose=2`` one line per epoch.

    Mix into a callback class: ``class ProgbarLogger(EpochProgress, Callback)``.

    Parameters
    ----------
    verbose : {1, 2}
    stream : file-like, optional
        Default ``sys.stdout``.
    """

    params: dict[str, Any]

    def __init__(self, verbose: int = 1, stream: Any = None) -> None:
        super().__init__()
        self.verbose = verbose
        self.stream = stream
        self._bar: Any = None
        self._t0 = 0.0

    def _out(self) -> Any:
        return self.stream if self.stream is not None else sys.stdout

    def on_epoch_begin(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        epochs = self.params.get("epochs", "?")
        self._t0 = time.perf_counter()
        tqdm = _tqdm()
        if self.verbose == 1 and tqdm is not None and interactive(self._out()):
            self._bar = tqdm(total=self.params.get("steps"), desc=f"Epoch {epoch + 1}/{epochs}",
                             unit="step", file=self._out(), leave=True, dynamic_ncols=True,
                             mininterval=0.2)
            return
        self._bar = None
        self._epoch = epoch

    def on_train_batch_end(self, batch: int, logs: dict[str, float] | None = None) -> None:
        bar = self._bar
        if bar is None:
            return
        bar.update(1)
        # Formatting the running logs costs more than a small step: do it when tqdm redraws.
        if bar.n == bar.total or time.perf_counter() - bar.last_print_t >= bar.mininterval:
            bar.set_postfix_str(format_logs(logs), refresh=False)

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        if self._bar is not None:
            self._bar.set_postfix_str(format_logs(logs), refresh=True)
            self._bar.close()
            self._bar = None
            return
        elapsed = time.perf_counter() - self._t0
        epochs = self.params.get("epochs", "?")
        steps = self.params.get("steps") or "?"
        self._out().write(f"Epoch {epoch + 1}/{epochs} - {steps}/{steps} - {elapsed:.1f}s - "
                          f"{format_logs(logs)}\n")
        self._out().flush()
