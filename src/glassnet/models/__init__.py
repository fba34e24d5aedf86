"""Models: :class:`Sequential` (and the shared :class:`Model` machinery), saving, loading."""

from glassnet.models.model import Model
from glassnet.models.saving import ModelFileError, load_model
from glassnet.models.sequential import Sequential

__all__ = ["Model", "ModelFileError", "Sequential", "load_model"]
