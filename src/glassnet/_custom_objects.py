"""Custom objects by name, as Keras's ``keras.saving`` keeps them: the global registry of
:func:`register_keras_serializable` and the scoped mappings of :func:`custom_object_scope`
(which ``load_model(custom_objects=...)`` enters while it reads).

Custom ``Layer`` subclasses need none of it (every subclass is found by its class name);
what needs a name is a plain function, such as an activation ``Dense(1, activation=custom_fn)``,
which is saved by its registered name (``"my_package>custom_fn"``) or its ``__name__``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

#: ``"package>name"`` -> object, filled by :func:`register_keras_serializable`.
_GLOBAL: dict[str, Any] = {}
#: object identity -> its registered ``"package>name"``.
_NAMES: dict[int, str] = {}
_local = threading.local()


def register_keras_serializable(package: str = "Custom", name: str | None = None
                                ) -> Callable[[Any], Any]:
    """Decorator registering a class or function under ``"package>name"`` (``name``
    defaults to its ``__name__``); returns the object unchanged.

    Raises
    ------
    ValueError
        For a ``package`` or ``name`` that is not a non-empty string without ``'>'``.
    """
    for arg, value in (("package", package), ("name", name)):
        if value is not None and (not isinstance(value, str) or not value or ">" in value):
            raise ValueError(f"`{arg}` of register_keras_serializable must be a non-empty "
                             f"string without '>', got {value!r}.")

    def decorator(obj: Any) -> Any:
        key = f"{package}>{name or obj.__name__}"
        _GLOBAL[key] = obj
        _NAMES[id(obj)] = key
        return obj

    return decorator


def get_custom_objects() -> dict[str, Any]:
    """The global registry itself, ``{"package>name": object}`` (Keras's
    ``get_custom_objects``): adding to it registers."""
    return _GLOBAL


def get_registered_name(obj: Any) -> str:
    """``"package>name"`` for a registered object, else its ``__name__``."""
    return _NAMES.get(id(obj), getattr(obj, "__name__", type(obj).__name__))


def _scopes() -> list[Mapping[str, Any]]:
    if not hasattr(_local, "scopes"):
        _local.scopes = []
    return _local.scopes  # type: ignore[no-any-return]


@contextmanager
def custom_object_scope(custom_objects: Mapping[str, Any] | None) -> Iterator[None]:
    """Within the ``with`` block, names resolve to ``custom_objects`` first (Keras's
    ``keras.saving.custom_object_scope``)."""
    if custom_objects is not None and not isinstance(custom_objects, Mapping):
        raise TypeError(f"`custom_objects` must be a dict or None, got "
                        f"{type(custom_objects).__name__}.")
    scopes = _scopes()
    scopes.append(dict(custom_objects or {}))
    try:
        yield
    finally:
        scopes.pop()


def get_registered_object(name: str, custom_objects: Mapping[str, Any] | None = None
                          ) -> Any | None:
    """The object called ``name``: from ``custom_objects``, the innermost scope outwards,
    then the registry (by ``"package>name"``, or by the plain name when one package has
    it). None when nothing is called so."""
    for mapping in [custom_objects or {}, *reversed(_scopes())]:
        if name in mapping:
            return mapping[name]
        short = name.rpartition(">")[2]
        if short in mapping:
            return mapping[short]
    if name in _GLOBAL:
        return _GLOBAL[name]
    matches = [obj for key, obj in _GLOBAL.items() if key.rpartition(">")[2] == name]
    return matches[-1] if matches else None
