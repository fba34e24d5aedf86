"""Optimizers by name: ``get('adam')``, ``serialize(opt)``, ``deserialize(config)``."""

from __future__ import annotations

from typing import Any

from glassnet import _registry
from glassnet.optimizers.adadelta import Adadelta
from glassnet.optimizers.adam import Adam, Adamax, AdamW, Nadam
from glassnet.optimizers.adaptive import Adagrad, RMSprop
from glassnet.optimizers.base import Optimizer
from glassnet.optimizers.ftrl import Ftrl
from glassnet.optimizers.lamb import Lamb
from glassnet.optimizers.lion import Lion
from glassnet.optimizers.sgd import SGD

_REGISTRY: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "rmsprop": RMSprop,
    "adagrad": Adagrad,
    "adam": Adam,
    "adamw": AdamW,
    "adamax": Adamax,
    "nadam": Nadam,
    "adadelta": Adadelta,
    "ftrl": Ftrl,
    "lion": Lion,
    "lamb": Lamb,
}


def get(identifier: Optimizer | str | dict[str, Any] | type[Optimizer]) -> Optimizer:
    """Resolve an optimizer instance, a name or a config dict to an optimizer.

    Parameters
    ----------
    identifier : Optimizer, str or dict
        An instance (returned as it is); a name, case-insensitive (``"sgd"``, ``"rmsprop"``,
        ``"adagrad"``, ``"adam"``, ``"adamw"``, ``"adamax"``, ``"nadam"``, ``"adadelta"``,
        ``"ftrl"``, ``"lion"``, ``"lamb"``, or the class name), giving the defaults; or
        ``{"class_name": "Adam", "config": {...}}`` as :func:`serialize` writes it.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the valid ones).
    TypeError
        For any other kind of identifier.
    """
    return _registry.resolve("optimizer", _REGISTRY, Optimizer, identifier)


def serialize(optimizer: Optimizer) -> dict[str, Any]:
    """``{"class_name": "Adam", "config": optimizer.get_config()}``."""
    return _registry.serialize(optimizer)


def deserialize(config: dict[str, Any]) -> Optimizer:
    """Rebuild an optimizer from :func:`serialize`'s output."""
    return _registry.deserialize("optimizer", _REGISTRY, config)
