"""The one number validator: every hyperparameter check at a boundary goes through here.

Messages name the argument and its owner, say what was expected and echo what was received:
"`momentum` of SGD must be a number in [0, 1], got 1.5."
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np


def check_number(
    owner: str,
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    integer: bool = False,
) -> Any:
    """Validate a finite real hyperparameter in an interval; return it as ``float`` (or ``int``).

    Parameters
    ----------
    owner : str
        Who takes the argument (a class name), for the message.
    name : str
        The argument's name.
    value : Any
        What the caller passed.
    low, high : float, optional
        Interval bounds; ``None`` is unbounded.
    low_open, high_open : bool
        Exclude the bound itself.
    integer : bool
        Require an integral value; return an ``int``.

    Raises
    ------
    TypeError
        When ``value`` is not a real number (bools are refused), or not integral with
        ``integer=True``.
    ValueError
        When ``value`` is not finite or lies outside the interval.
    """
    kind = "an integer" if integer else "a number"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` of {owner} must be {kind}, got {value!r} ({type(value).__name__}).")
    number = float(value)
    if integer and not number.is_integer():
        raise TypeError(f"`{name}` of {owner} must be {kind}, got {value!r}.")
    lo = -math.inf if low is None else low
    hi = math.inf if high is None else high
    inside = (lo < number if low_open else lo <= number) and (number < hi if high_open else number <= hi)
    if not (math.isfinite(number) and inside):
        interval = f"{'(' if low_open or low is None else '['}{lo:g}, {hi:g}" + (
            ")" if high_open or high is None else "]"
        )
        raise ValueError(f"`{name}` of {owner} must be {kind} in {interval}, got {value!r}.")
    return int(number) if integer else number


def check_int(owner: str, name: str, value: Any, *, min: int | None = None,  # noqa: A002
              max: int | None = None) -> int:  # noqa: A002
    """An integer in ``[min, max]`` (bounds optional); see :func:`check_number`."""
    return int(check_number(owner, name, value, low=min, high=max, integer=True))


def check_positive_int(owner: str, name: str, value: Any) -> int:
    """A positive integer (NumPy's included, a bool not), for a layer's sizes: ``units``,
    ``filters`` ...; else "<owner> `<name>` must be a positive integer, got <value>."."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{owner} `{name}` must be a positive integer, got {value!r}.")
    return int(value)


def check_rate(owner: str, name: str, value: Any) -> float:
    """A fraction in ``[0, 1)`` (a dropout rate; a bool is not one); else
    "<owner> `<name>` must be a float in [0, 1), got <value>."."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value < 1.0:
        raise ValueError(f"{owner} `{name}` must be a float in [0, 1), got {value!r}.")
    return float(value)


def check_float(owner: str, name: str, value: Any, *, min: float | None = None,  # noqa: A002
                max: float | None = None, min_open: bool = False,  # noqa: A002
                max_open: bool = False) -> float:
    """A finite float in the interval given by ``min``/``max``; see :func:`check_number`."""
    return float(check_number(owner, name, value, low=min, high=max, low_open=min_open,
                              high_open=max_open))


def check_choice(owner: str, name: str, value: Any, choices: tuple[Any, ...]) -> Any:
    """``value`` if it is one of ``choices``, else a ValueError listing them."""
    if value not in choices:
        raise ValueError(
            f"`{name}` of {owner} must be one of {', '.join(map(repr, choices))}, got {value!r}."
        )
    return value


def check_bool(owner: str, name: str, value: Any) -> bool:
    """``value`` if it is a bool (NumPy's included), else a TypeError: a string such as
    ``"no"`` would otherwise be taken as True."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(
            f"`{name}` of {owner} must be True or False, got {value!r} ({type(value).__name__})."
        )
    return bool(value)
