"""The one name lookup: activations, losses, metrics, optimizers, initializers, regularizers and
schedules resolve identifiers here, with one error shape.

Every such module keeps a ``{"snake_name": Class}`` table (plus aliases) and defines its
``get(identifier)`` through :func:`resolve` or :func:`lookup`, so the rules and the messages
are written once:

- an instance of the base class is returned as it is;
- a string is matched case-insensitively, ignoring underscores and dashes, against the
  registered names, the aliases and the class names (``"glorot_uniform"``,
  ``"GlorotUniform"``, ``"RMSprop"``, ``"l1_l2"``);
- a dict ``{"class_name": ..., "config": {...}}`` (Keras's serialized form) is rebuilt with
  ``Class.from_config(config)``;
- an unknown name raises ``ValueError("Unknown activation 'sigmod'. Valid: linear, relu, ...")``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

_C = TypeVar("_C", bound="Configurable")


class Configurable:
    """The config round trip of every serializable object (initializers, regularizers, losses,
    metrics, optimizers, schedules, the image augmenter): ``from_config`` calls the constructor
    with ``get_config()``'s keys, and the repr shows them (a subclass may show less)."""

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls: type[_C], config: dict[str, Any]) -> _C:
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _normalize(name: str) -> str:
    return name.replace("_", "").replace("-", "").lower()


def unknown(kind: str, name: Any, valid: list[str] | tuple[str, ...] | Any) -> ValueError:
    """The error for an unknown name: ``Unknown <kind> '<name>'. Valid: a, b, c.``"""
    return ValueError(f"Unknown {kind} {name!r}. Valid: {', '.join(sorted(valid))}.")


def lookup(kind: str, registry: Mapping[str, Any], name: str,
           aliases: Mapping[str, str] | None = None) -> Any:
    """The entry registered under ``name`` (or an alias of it, or its class name).

    Parameters
    ----------
    kind : str
        What is looked up (``"activation"``, ``"loss"``...), for the message.
    registry : dict
        ``{"snake_name": entry}``; an entry is a class or a function.
    name : str
        The user's spelling.
    aliases : dict, optional
        ``{"mse": "mean_squared_error"}``: extra spellings of registered names.

    Raises
    ------
    ValueError
        For an unknown name, listing the valid ones.
    """
    key = _normalize(name)
    aliases = aliases or {}
    for alias, target in aliases.items():
        if key == _normalize(alias):
            return registry[target]
    for registered, entry in registry.items():
        if key in (_normalize(registered), _normalize(getattr(entry, "__name__", registered))):
            return entry
    raise unknown(kind, name, list(registry) + list(aliases))


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


def deserialize(kind: str, registry: Mapping[str, Any], config: Mapping[str, Any],
                aliases: Mapping[str, str] | None = None) -> Any:
    """Rebuild an object from ``{"class_name": ..., "config": {...}}``."""
    if "class_name" not in config:
        raise ValueError(
            f"A serialized {kind} needs a 'class_name' key (one of "
            f"{', '.join(sorted(registry))}), got keys {sorted(config)}."
        )
    inner = config.get("config") or {}
    if not isinstance(inner, Mapping):
        raise TypeError(f"The 'config' of a serialized {kind} must be a dict, got {type(inner).__name__}.")
    cls = lookup(kind, registry, str(config["class_name"]), aliases)
    return cls.from_config(dict(inner)) if hasattr(cls, "from_config") else cls(**inner)


def resolve(
    kind: str,
    registry: Mapping[str, Any],
    base: type,
    identifier: Any,
    *,
    allow_callable: bool = False,
    aliases: Mapping[str, str] | None = None,
) -> Any:
    """Turn an instance, a name, a class or a config dict into an instance of ``base``.

    With ``allow_callable``, any other callable (a user's function) is returned unchanged.
    Every module's ``get`` raises what this raises:

    Raises
    ------
    ValueError
        For an unknown name, listing the valid ones.
    TypeError
        For any other kind of identifier.
    """
    if isinstance(identifier, base):
        return identifier
    if isinstance(identifier, str):
        return lookup(kind, registry, identifier, aliases)()
    if isinstance(identifier, Mapping):
        return deserialize(kind, registry, identifier, aliases)
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
