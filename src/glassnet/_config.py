"""Boundary helpers shared by configurable objects (optimizers, schedules, initializers,
regularizers): resolve an identifier to an object, serialize it, validate a number.

Every such module keeps a ``_REGISTRY`` of ``{"snake_name": Class}`` and defines its
``get(identifier)`` as a one-line call to :func:`resolve`, so the lookup rules and the error
messages are written once:

- an instance of the base class is returned as it is;
- a string is matched case-insensitively, ignoring underscores, against the registered names
  and the class names (``"glorot_uniform"``, ``"GlorotUniform"``, ``"RMSprop"``, ``"l1_l2"``);
- a dict ``{"class_name": ..., "config": {...}}`` (Keras's serialized form) is rebuilt with
  ``Class.from_config(config)``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any


def _normalize(name: str) -> str:
    return name.replace("_", "").replace("-", "").lower()


def lookup(kind: str, registry: Mapping[str, type], name: str) -> type:
    """The class registered under ``name`` (or whose class name is ``name``).

    Raises
    ------
    ValueError
        For an unknown name, listing the valid ones.
    """
    key = _normalize(name)
    for registered, cls in registry.items():
        if key in (_normalize(registered), cls.__name__.lower()):
            return cls
    raise ValueError(f"Unknown {kind} {name!r}. Valid {kind}s: {', '.join(sorted(registry))}.")


def serialize(obj: Any) -> dict[str, Any]:
    """``{"class_name": type(obj).__name__, "config": obj.get_config()}``.

    Raises
    ------
    ValueError
        For an object without ``get_config`` (a plain function passed as an initializer or a
        regularizer): its code cannot go into a saved file.
    """
    if not hasattr(obj, "get_config"):
        name = getattr(obj, "__qualname__", type(obj).__name__)
        raise ValueError(
            f"Cannot serialize {name!r}: a plain function has no config to save. Subclass "
            "glassnet.initializers.Initializer (or glassnet.regularizers.Regularizer) with a "
            "get_config() method, or use a built-in by name (e.g. 'glorot_uniform')."
        )
    return {"class_name": type(obj).__name__, "config": obj.get_config()}


def deserialize(kind: str, registry: Mapping[str, type], config: Mapping[str, Any]) -> Any:
    """Rebuild an object from ``{"class_name": ..., "config": {...}}``."""
    if "class_name" not in config:
        raise ValueError(
            f"A serialized {kind} needs a 'class_name' key (one of "
            f"{', '.join(sorted(registry))}), got keys {sorted(config)}."
        )
    inner = config.get("config", {})
    if not isinstance(inner, Mapping):
        raise TypeError(f"The 'config' of a serialized {kind} must be a dict, got {type(inner).__name__}.")
    cls: Any = lookup(kind, registry, str(config["class_name"]))  # a registered class with from_config
    return cls.from_config(dict(inner))


def resolve(
    kind: str,
    registry: Mapping[str, type],
    base: type,
    identifier: Any,
    *,
    allow_callable: bool = False,
) -> Any:
    """Turn an instance, a name or a config dict into an instance of ``base``.

    With ``allow_callable``, any other callable (a user's function) is returned unchanged.
    """
    if isinstance(identifier, base):
        return identifier
    if isinstance(identifier, str):
        return lookup(kind, registry, identifier)()
    if isinstance(identifier, Mapping):
        return deserialize(kind, registry, identifier)
    if isinstance(identifier, type) and issubclass(identifier, base):
        return identifier()
    if allow_callable and callable(identifier):
        return identifier
    raise TypeError(
        f"Could not interpret {kind} identifier {identifier!r} ({type(identifier).__name__}): "
        f"expected a {base.__name__}, a name (one of {', '.join(sorted(registry))}) or a "
        f"config dict {{'class_name': ..., 'config': {{...}}}}"
        + (", or a callable." if allow_callable else ".")
    )


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

    ``owner`` and ``name`` go into the message: "`momentum` of SGD must be a number in
    [0, 1], got 1.5."

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
