"""Keras's ``keras.backend`` names that everyday programs call: the settings of
:mod:`glassnet.config` and :func:`clear_session`."""

from __future__ import annotations

import gc

from glassnet.config import (
    backend,
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
)
from glassnet.dtypes import is_float_dtype, is_int_dtype, standardize_dtype

__all__ = ["backend", "clear_session", "epsilon", "floatx", "image_data_format",
           "is_float_dtype", "is_int_dtype", "set_epsilon", "set_floatx",
           "set_image_data_format", "standardize_dtype"]


def clear_session(free_memory: bool = True) -> None:
    """Forget what earlier models left behind, as ``keras.backend.clear_session``.

    glassnet keeps no global graph and names layers per model (``dense_1`` in each new
    model), so there is no name counter to reset: what remains is to let Python free the
    arrays of models no longer referenced (``free_memory``, a garbage collection).
    """
    if free_memory:
        gc.collect()
