"""The catalogue of known mistakes: each one a mistaken function and the hint that names it.

A :class:`Mistake` carries the mistaken implementation itself (``impl``), written the way
learners write it. When a learner's function fails, :func:`glassnet.workshop.check`
replays the mistakes of that challenge on the same cases; one that behaves exactly like
the learner's function (same values, same errors, same arguments changed) gives its hint.
Mistakes that show in a property rather than in values (Challenge 1's) say so with
``detect``. The catalogue's tests feed each ``impl`` to ``check`` and assert its hint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any


@dataclass(frozen=True)
class Mistake:
    """One known mistake.

    Attributes
    ----------
    key : str
        Stable identifier, e.g. ``"forward-bias-after-sigmoid"``.
    name : str
        The function it belongs to, e.g. ``"forward_pass"``.
    hint : str
        What went wrong, in the slides' notation, and how to fix it.
    impl : callable
        The mistaken function, with the slides' signature.
    detect : callable or None
        ``detect(received, case) -> bool`` for mistakes recognised by a property of the
        result; None when the mistake is recognised by replaying ``impl``.
    """

    key: str
    name: str
    hint: str
    impl: Callable[..., Any]
    detect: Callable[[Any, Any], bool] | None = None


CATALOGUE: list[Mistake] = []


Impl = Callable[..., Any]


def mistake(key: str, name: str, hint: str,
            detect: Callable[[Any, Any], bool] | None = None) -> Callable[[Impl], Impl]:
    """Decorator: register the decorated (mistaken) function in :data:`CATALOGUE`."""

    def register(impl: Impl) -> Impl:
        if any(m.key == key for m in CATALOGUE):
            raise ValueError(f"Mistake key {key!r} is registered twice.")
        CATALOGUE.append(Mistake(key, name, hint, impl, detect))
        return impl

    return register


def variant(key: str, name: str, hint: str, fn: Impl,
            detect: Callable[[Any, Any], bool] | None = None, **options: Any) -> None:
    """Register ``fn`` called with ``options`` (a mistake that is one setting of a shared
    mistaken routine, e.g. a finite difference with the wrong step) in :data:`CATALOGUE`."""
    mistake(key, name, hint, detect)(partial(fn, **options))


def mistakes_for(name: str) -> list[Mistake]:
    """The catalogued mistakes of one workshop function, in the order they are tried."""
    _load()
    return [m for m in CATALOGUE if m.name == name]


def all_mistakes() -> list[Mistake]:
    """Every catalogued mistake."""
    _load()
    return list(CATALOGUE)


def _load() -> None:
    # The catalogue modules register themselves on import.
    from glassnet.workshop import catalogue_network, catalogue_training, catalogue_units  # noqa: F401
