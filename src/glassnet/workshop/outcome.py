"""Calling a learner's function safely and comparing what it returns.

A learner's function may raise, loop for a long time, change its arguments, return a
tuple where a list was expected or a float where an array was: none of it may crash the
checker. :func:`call` runs one case and records everything in an :class:`Outcome`;
:func:`normalize` and :func:`close` compare nested results with the case's tolerances.
"""

from __future__ import annotations

import contextlib
import copy
import signal
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from glassnet.workshop.cases import Case

#: Longest a single call may take before the check gives up on it, in seconds.
TIME_LIMIT = 60.0


@dataclass
class Outcome:
    """What one call of a learner's function did."""

    value: Any = None
    error: BaseException | None = None
    error_line: str = ""
    mutated: str | None = None  # which argument the call changed, e.g. "w"
    shares: bool = False  # the result shares an array with an argument
    same_object: bool = False  # the result is the first argument itself
    seconds: float = 0.0

    @property
    def not_done(self) -> bool:
        return isinstance(self.error, NotImplementedError) or (self.error is None and self.value is None)


class _TimeUp(Exception):
    pass


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the call after ``seconds`` (Unix main thread only; elsewhere no limit)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def alarm(signum: int, frame: Any) -> None:
        raise _TimeUp(f"took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _scratch_figure() -> Iterator[None]:
    """Let a learner's ``plt.plot`` draw on a throwaway figure, not on the notebook's."""
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None:
        yield
        return
    before = set(plt.get_fignums())
    fig = plt.figure()
    try:
        yield
    finally:
        for num in set(plt.get_fignums()) - before:
            plt.close(num)
        del fig


def _same(a: Any, b: Any) -> bool:
    """Bitwise equality of nested lists/tuples of arrays and numbers."""
    if isinstance(b, np.ndarray):
        a = np.asarray(a) if not isinstance(a, np.ndarray) else a
        return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))
    if isinstance(b, (list, tuple)):
        return (isinstance(a, (list, tuple)) and len(a) == len(b)
                and all(_same(x, y) for x, y in zip(a, b, strict=True)))
    return bool(np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True))


def _arrays(value: Any) -> list[np.ndarray]:
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, (list, tuple)):
        return [a for v in value for a in _arrays(v)]
    return []


def call(fn: Callable[..., Any], case: Case, names: Sequence[str], no_sharing: bool = False) -> Outcome:
    """Run ``fn`` on a fresh copy of ``case.args`` and record what happened.

    Parameters
    ----------
    fn : callable
    case : Case
    names : sequence of str
        The argument names, to say which one was changed.
    no_sharing : bool
        Also record whether the result shares memory with the first argument.
    """
    args = copy.deepcopy(case.args)
    out = Outcome()
    start = time.perf_counter()
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"), _scratch_figure():
            warnings.simplefilter("ignore")
            with _time_limit(TIME_LIMIT):
                out.value = fn(*args)
    except (Exception, SystemExit, _TimeUp) as exc:  # a learner's bug is a result, never a crash
        out.error = exc
        lines = traceback.format_exception_only(type(exc), exc)
        out.error_line = lines[-1].strip() if lines else type(exc).__name__
    out.seconds = time.perf_counter() - start
    for k in case.guard:
        try:
            changed = not _same(args[k], case.args[k])
        except Exception:  # an argument replaced by something that is not even an array
            changed = True
        if changed:
            out.mutated = names[k]
            break
    out.same_object = out.error is None and len(args) > 0 and out.value is args[0]
    if no_sharing and out.error is None:
        given = _arrays(args[0])
        out.shares = any(np.shares_memory(r, g) for r in _arrays(out.value) for g in given)
    return out


class Mismatch(Exception):
    """``normalize`` could not bring a result to the expected structure."""


def normalize(value: Any, template: Any, where: str = "result") -> Any:
    """Bring ``value`` to ``template``'s structure: lists/tuples alike, arrays as float arrays.

    Raises
    ------
    Mismatch
        With a sentence saying where the structure or a shape differs.
    """
    if isinstance(template, (list, tuple)):
        if isinstance(value, np.ndarray) or not isinstance(value, (list, tuple)):
            raise Mismatch(f"{where} should be a {type(template).__name__} of {len(template)} "
                           f"items, got {_kind(value)}")
        if len(value) != len(template):
            raise Mismatch(f"{where} should hold {len(template)} items, got {len(value)}")
        return [normalize(v, t, f"{where}[{i}]") for i, (v, t) in enumerate(zip(value, template,
                                                                            strict=True))]
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise Mismatch(f"{where} should be numbers, got {_kind(value)}") from exc
    expected_shape = np.shape(template)
    if expected_shape == () and arr.size == 1:
        return arr.reshape(())  # a cost as 1x1 array is still the cost
    if arr.shape != expected_shape:
        raise Mismatch(f"{where} should have shape {expected_shape}, got {arr.shape}")
    return arr


def _kind(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)} items"
    return type(value).__name__


def close(received: Any, expected: Any, rtol: float, atol: float) -> bool:
    """Nested ``allclose``; ``atol`` is relative to each array's largest expected magnitude."""
    if isinstance(expected, (list, tuple)):
        return all(close(r, e, rtol, atol) for r, e in zip(received, expected, strict=True))
    e = np.asarray(expected, dtype=np.float64)
    r = np.asarray(received, dtype=np.float64)
    finite = np.abs(e[np.isfinite(e)])
    scale = float(finite.max()) if finite.size else 0.0
    return bool(np.allclose(r, e, rtol=rtol, atol=atol * max(scale, 1e-12) + 1e-15))


def show(value: Any, limit: int = 8) -> str:
    """A short text form of a nested result for messages: shapes first, then values."""
    try:
        return _show(value, limit)
    except Exception:  # a learner's object that does not convert: describe it
        text = f"{type(value).__name__} object"
        return text if len(text) < 200 else text[:200] + "…"


def _show(value: Any, limit: int) -> str:
    if isinstance(value, (list, tuple)):
        inner = ", ".join(_show(v, limit) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    arr = np.asarray(value)
    if arr.ndim == 0:
        return np.format_float_positional(float(arr), precision=6, trim="-") if arr.dtype.kind in "fiub" \
            else repr(value)
    text = np.array2string(arr, precision=4, threshold=limit, edgeitems=2, separator=", ",
                           max_line_width=10_000)
    return f"shape {arr.shape}: {' '.join(text.split())}"
