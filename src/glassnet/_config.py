"""Compatibility names: the lookup lives in :mod:`glassnet._registry`, the number checks in
:mod:`glassnet._validate`."""

from glassnet._registry import deserialize, lookup, resolve, serialize
from glassnet._validate import check_number

__all__ = ["check_number", "deserialize", "lookup", "resolve", "serialize"]
