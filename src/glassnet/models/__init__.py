"""Models: :class:`Sequential`, the functional :class:`Model` (graphs), saving, loading.

The shared base of both is :class:`glassnet.models.model.Model`.
"""

from glassnet.models.functional import Model  # the functional API; base: models.model.Model
from glassnet.models.saving import ModelFileError, load_model
from glassnet.models.sequential import Sequential

__all__ = ["Model", "ModelFileError", "Sequential", "load_model"]
