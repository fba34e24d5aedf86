"""``serialize_keras_object`` / ``deserialize_keras_object`` (and ``layers.serialize`` /
``layers.deserialize``): an object as ``{"module", "class_name", "config",
"registered_name"}``, as Keras writes it, and back.

Layers and models are rebuilt from their class name (built-in or any imported ``Layer``
subclass); other objects from ``custom_objects``, a ``custom_object_scope`` or the
:func:`~glassnet.saving.register_keras_serializable` registry; functions are saved by name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from glassnet._custom_objects import custom_object_scope, get_registered_name, get_registered_object
from glassnet.layers.base import Layer, layer_class


def serialize_keras_object(obj: Any) -> Any:
    """``obj`` as Keras's serialized dict (plain values as they are; a function by its
    registered name)."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(v) for v in obj]
    if isinstance(obj, Mapping):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if callable(obj) and not hasattr(obj, "get_config"):
        name = get_registered_name(obj)
        return {"module": None, "class_name": "function", "config": name,
                "registered_name": "function"}
    if not hasattr(obj, "get_config"):
        raise TypeError(f"Cannot serialize {obj!r}: it has no `get_config`.")
    config = obj.get_config()
    if isinstance(obj, Layer) and "name" not in config:
        config = {**config, "name": obj.name}
    cls = type(obj)
    registered = get_registered_name(cls)
    return {"module": cls.__module__.replace("glassnet", "keras", 1),
            "class_name": cls.__name__,
            "config": {k: serialize_keras_object(v) for k, v in config.items()},
            "registered_name": registered if ">" in registered else None}


def deserialize_keras_object(config: Any, custom_objects: Mapping[str, Any] | None = None,
                             **kwargs: Any) -> Any:
    """Rebuild what :func:`serialize_keras_object` wrote (Keras's signature; ``safe_mode``
    and the like are accepted: nothing is ever loaded as code)."""
    with custom_object_scope(custom_objects):
        return _deserialize(config)


def _deserialize(config: Any) -> Any:
    if isinstance(config, list):
        return [_deserialize(v) for v in config]
    if not isinstance(config, Mapping) or "class_name" not in config:
        return config
    name = config["class_name"]
    inner = config.get("config")
    if name == "function":
        found = get_registered_object(str(inner))
        if found is None:
            raise ValueError(f"Unknown function {inner!r}: register it with "
                             "`register_keras_serializable` or pass it in `custom_objects`.")
        return found
    cls = get_registered_object(config.get("registered_name") or name)
    if cls is None:
        cls = _model_or_layer_class(name)
    # the inner config as it is, as Keras: a class rebuilds its own nested objects
    return cls.from_config(dict(inner or {}))


def _model_or_layer_class(name: str) -> Any:
    from glassnet.models import Model, Sequential

    if name in ("Functional", "Model"):
        return Model
    if name == "Sequential":
        return Sequential
    return layer_class(name)
