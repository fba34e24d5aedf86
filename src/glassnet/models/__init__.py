"""Models: :class:`Sequential`, the functional :class:`Model` (graphs), saving, loading.

The shared base of both is :class:`glassnet.models.model.Model`. ``load_model`` lives in
:mod:`glassnet.saving` (which depends on this package, not the other way round) and is
reached here lazily, as ``keras.models.load_model`` is.
"""

from typing import Any

from glassnet.errors import ModelFileError
from glassnet.models.cloning import clone_model, model_from_json
from glassnet.models.functional import Model  # the functional API; base: models.model.Model
from glassnet.models.sequential import Sequential

__all__ = ["Model", "ModelFileError", "Sequential", "clone_model", "load_model",
           "model_from_json", "save_model"]


def __getattr__(name: str) -> Any:
    if name == "load_model":
        from glassnet.saving import load_model

        return load_model
    if name == "save_model":
        from glassnet.saving import save_model

        return save_model
    raise AttributeError(f"module 'glassnet.models' has no attribute {name!r}")
