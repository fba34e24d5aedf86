"""``Progbar``: Keras's hand-driven progress bar (``keras.utils.Progbar``) for custom loops.

>>> bar = Progbar(target=3)                       # doctest: +SKIP
>>> for step in range(1, 4):                      # doctest: +SKIP
...     bar.update(step, values=[("loss", 0.5 / step)])
3/3 ━━━━━━━━━━━━━━━━━━━━ 0s 1ms/step - loss: 0.3056

A value named in ``stateful_metrics`` is shown as given; any other is averaged over the
steps seen, each update weighted by the steps it covers (Keras's rule).
"""

from __future__ import annotations

import math
import sys
import time
from typing import Any

import numpy as np


class Progbar:
    """A text progress bar driven by :meth:`update` or :meth:`add`.

    Parameters
    ----------
    target : int or None
        Total number of steps; None when unknown.
    width : int, default 20
        Characters of the bar.
    verbose : {0, 1, 2}, default 1
        0 silent, 1 a bar redrawn in place, 2 one line when finished.
    interval : float, default 0.05
        Least seconds between two redraws.
    stateful_metrics : iterable of str, optional
        Names whose values are shown as given rather than averaged.
    unit_name : str, default 'step'
    stream : file-like, optional
        Where the bar is written (standard output by default).
    """

    def __init__(self, target: int | None, width: int = 20, verbose: int = 1,
                 interval: float = 0.05, stateful_metrics: Any = None,
                 unit_name: str = "step", stream: Any = None) -> None:
        if verbose not in (0, 1, 2):
            raise ValueError(f"Progbar `verbose` must be 0, 1 or 2, got {verbose!r}.")
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics or ())
        self.stream = stream
        self._values: dict[str, list[float]] = {}
        self._values_order: list[str] = []
        self._seen_so_far = 0
        self._start = time.time()
        self._last_update = 0.0
        self._prev_width = 0

    def update(self, current: int, values: Any = None, finalize: bool | None = None) -> None:
        """Show step ``current``; ``values``: ``[(name, value_for_last_step), ...]``.

        ``finalize`` (by default ``current >= target``) ends the bar with a newline.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or []:
            if name not in self._values_order:
                self._values_order.append(name)
            value = float(np.mean(value))
            if name in self.stateful_metrics or finalize:  # the last value is the total
                self._values[name] = [value, 1]
            else:  # weighted by the steps since the last update, at least one
                steps = max(current - self._seen_so_far, 1)
                total, count = self._values.get(name, [0.0, 0])
                self._values[name] = [total + value * steps, count + steps]
        self._seen_so_far = current
        now = time.time()
        if self.verbose == 0 or (self.verbose == 2 and not finalize):
            return
        if self.verbose == 1 and now - self._last_update < self.interval and not finalize:
            return
        self._last_update = now
        per_step = (now - self._start) / current if current else 0.0
        metrics = "".join(f" - {k}: {self._format(k)}" for k in self._values_order)
        if self.verbose == 2:
            self._write(f"{self._count(current)} - {now - self._start:.0f}s "
                        f"-{self._per_unit(per_step)}{metrics}\n")
            return
        if self.target:
            done = int(self.width * min(current / self.target, 1.0))
            bar = f"{self._count(current)} {'━' * done}{'━' * (self.width - done)}"
        else:
            bar = f"{current:7d}/Unknown"
        if self.target and not finalize:
            eta = per_step * (self.target - current)
            when = (f"{eta // 3600:.0f}:{eta % 3600 // 60:02.0f}:{eta % 60:02.0f}" if eta > 3600
                    else f"{eta // 60:.0f}:{eta % 60:02.0f}" if eta > 60 else f"{eta:.0f}s")
        else:
            when = f"{now - self._start:.0f}s"
        line = f"{bar} {when}{self._per_unit(per_step)}{metrics}"
        padding = " " * max(self._prev_width - len(line), 0)
        self._prev_width = len(line)
        self._write("\r" + line + padding + ("\n" if finalize else ""))

    def add(self, n: int, values: Any = None) -> None:
        """Advance by ``n`` steps (:meth:`update` at ``seen + n``)."""
        self.update(self._seen_so_far + n, values)

    # -- formatting -----------------------------------------------------------------------------
    def _count(self, current: int) -> str:
        digits = int(math.log10(self.target)) + 1 if self.target else 1
        return f"{current:>{digits}d}/{self.target}"

    def _format(self, name: str) -> str:
        total, count = self._values[name]
        avg = float(np.mean(total / max(1, count)))  # an array's mean, as Keras's bar
        return f"{avg:.4f}" if abs(avg) > 1e-3 else f"{avg:.4e}"

    def _per_unit(self, seconds: float) -> str:
        if seconds >= 1 or seconds == 0:
            return f" {seconds:.0f}s/{self.unit_name}"
        if seconds >= 1e-3:
            return f" {seconds * 1e3:.0f}ms/{self.unit_name}"
        return f" {seconds * 1e6:.0f}us/{self.unit_name}"

    def _write(self, text: str) -> None:
        stream = self.stream or sys.stdout
        stream.write(text)
        stream.flush()
