"""glassnet: neural networks written from scratch on NumPy.

``import glassnet as keras`` is the whole port of a Keras program: the top level holds what
``keras`` holds for the parts glassnet has, at the same paths::

    import glassnet as keras

    model = keras.Sequential([keras.layers.Dense(10, activation="softmax", input_shape=(784,))])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1),
                  loss=keras.losses.CategoricalCrossentropy(),
                  metrics=[keras.metrics.CategoricalAccuracy()])
    y = keras.utils.to_categorical(labels, 10)

The submodules load on first use, so ``import glassnet`` stays fast (the workshop's
``glassnet.scratch`` and the command line need none of the rest).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Submodules reachable as attributes, as in Keras (``keras.layers``, ``keras.utils`` ...).
_SUBMODULES = (
    "activations", "callbacks", "datasets", "initializers", "layers", "losses", "metrics",
    "models", "ops", "optimizers", "random", "regularizers", "saving", "utils", "scratch",
    "preprocessing",
)
#: Top-level names and the submodule that defines them (``keras.Sequential`` ...).
_NAMES = {"Sequential": "models", "Model": "models", "Input": "layers"}

__all__ = ["Input", "Model", "Sequential", "__version__", *_SUBMODULES]

if TYPE_CHECKING:  # the eager view, for type checkers and IDEs
    from glassnet import (  # noqa: F401
        activations,
        callbacks,
        datasets,
        initializers,
        layers,
        losses,
        metrics,
        models,
        ops,
        optimizers,
        preprocessing,
        random,
        regularizers,
        saving,
        scratch,
        utils,
    )
    from glassnet.layers import Input
    from glassnet.models import Model, Sequential


def __getattr__(name: str) -> Any:
    """Import a submodule (or a top-level name's module) on first access (PEP 562)."""
    if name in _SUBMODULES:
        return importlib.import_module(f"glassnet.{name}")
    if name in _NAMES:
        value = getattr(importlib.import_module(f"glassnet.{_NAMES[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'glassnet' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
