"""Global settings at Keras's path ``keras.config``: the default float type, the fuzz
factor, the image layout, and the switches Keras programs call.

>>> import glassnet as keras
>>> keras.config.floatx()
'float32'
>>> keras.config.epsilon()
1e-07
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "backend", "disable_traceback_filtering", "enable_traceback_filtering",
    "enable_unsafe_deserialization", "epsilon", "floatx", "image_data_format",
    "is_traceback_filtering_enabled", "set_epsilon", "set_floatx", "set_image_data_format",
]

_FLOAT_TYPES = ("bfloat16", "float16", "float32", "float64")
_SETTINGS: dict[str, Any] = {"floatx": "float32", "epsilon": 1e-7,
                             "image_data_format": "channels_last", "traceback_filtering": True}


def backend() -> str:
    """The name of the array library that computes: ``'numpy'``."""
    return "numpy"


def floatx() -> str:
    """The default float type, as a string (``'float32'`` unless :func:`set_floatx` changed it).

    Every model built without ``dtype=`` stores and computes in float32; a model or layer
    given ``dtype="float64"`` uses that.
    """
    return str(_SETTINGS["floatx"])


def set_floatx(value: str) -> None:
    """Set the string :func:`floatx` returns (one of 'bfloat16', 'float16', 'float32',
    'float64'); raises ValueError for anything else, as Keras does."""
    if value not in _FLOAT_TYPES:
        raise ValueError(f"Unknown `floatx` value: {value}. Expected one of {set(_FLOAT_TYPES)}")
    _SETTINGS["floatx"] = str(value)


def epsilon() -> float:
    """The fuzz factor of numeric expressions (1e-7, Keras's)."""
    return float(_SETTINGS["epsilon"])


def set_epsilon(value: float) -> None:
    """Set the value :func:`epsilon` returns."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"`epsilon` must be a float, got {value!r}.")
    _SETTINGS["epsilon"] = float(value)


def image_data_format() -> str:
    """``'channels_last'``: images are ``(batch, height, width, channels)``."""
    return str(_SETTINGS["image_data_format"])


def set_image_data_format(data_format: str) -> None:
    """Keras's switch of the image layout; only ``'channels_last'`` exists here."""
    data_format = str(data_format).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format}"
        )
    if data_format != "channels_last":
        raise ValueError("glassnet's layers take channels-last images only: "
                         "data_format='channels_first' is not supported.")
    _SETTINGS["image_data_format"] = data_format


def enable_unsafe_deserialization() -> None:
    """Keras's permission to load ``Lambda`` layers' code from ``.keras`` files.

    glassnet never unpickles code from a file, so there is nothing to enable; the function
    exists so that Keras programs that call it run unchanged.
    """


def enable_traceback_filtering() -> None:
    """Keras's switch for shorter tracebacks (glassnet's tracebacks are not filtered)."""
    _SETTINGS["traceback_filtering"] = True


def disable_traceback_filtering() -> None:
    """See :func:`enable_traceback_filtering`."""
    _SETTINGS["traceback_filtering"] = False


def is_traceback_filtering_enabled() -> bool:
    return bool(_SETTINGS["traceback_filtering"])
