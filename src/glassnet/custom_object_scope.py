"""``keras.saving.CustomObjectScope``: the class form of :func:`custom_object_scope`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from glassnet._custom_objects import custom_object_scope


class CustomObjectScope:
    """Within ``with CustomObjectScope({"MyLayer": MyLayer}):``, configs resolve those names.

    Parameters
    ----------
    custom_objects : dict or None
        Names to classes or functions, looked up before the registered ones.
    """

    def __init__(self, custom_objects: Mapping[str, Any] | None) -> None:
        self.custom_objects = custom_objects
        self._scope: Any = None

    def __enter__(self) -> CustomObjectScope:
        self._scope = custom_object_scope(self.custom_objects)
        self._scope.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        scope, self._scope = self._scope, None
        scope.__exit__(*exc)
