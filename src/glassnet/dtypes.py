"""Keras's dtype names: ``keras.backend.standardize_dtype``, ``is_float_dtype``,
``is_int_dtype`` (``keras.utils.standardize_dtype``)."""

from __future__ import annotations

from typing import Any

ALLOWED = ("float16", "float32", "float64", "uint8", "uint16", "uint32", "uint64", "int8",
           "int16", "int32", "int64", "bfloat16", "bool", "string", "float8_e4m3fn",
           "float8_e5m2", "complex64", "complex128")
#: Keras's names of Python's types (int is int32 and float float32, as in Keras 3).
_PYTHON = {int: "int32", float: "float32", bool: "bool", str: "string", "int": "int32",
           "complex": "complex128"}


def standardize_dtype(dtype: Any) -> str:
    """The Keras name of ``dtype`` (None: :func:`glassnet.config.floatx`).

    Parameters
    ----------
    dtype : str, NumPy dtype or type, Python type, or None

    Raises
    ------
    ValueError
        "Invalid dtype: ..." for anything else, as Keras.
    """
    if dtype is None:
        from glassnet.config import floatx

        return floatx()
    if isinstance(dtype, (str, type)) and dtype in _PYTHON:
        return _PYTHON[dtype]
    name = getattr(dtype, "name", None)
    if not isinstance(name, str):
        name = getattr(dtype, "__name__", dtype)
    if name not in ALLOWED:
        raise ValueError(f"Invalid dtype: {dtype}")
    return str(name)


def is_float_dtype(dtype: Any) -> bool:
    """Whether ``dtype`` is a floating type (``'float32'``, ``'bfloat16'`` ...)."""
    name = standardize_dtype(dtype)
    return name.startswith("float") or name.startswith("bfloat")


def is_int_dtype(dtype: Any) -> bool:
    """Whether ``dtype`` is a signed or unsigned integer type (not bool)."""
    name = standardize_dtype(dtype)
    return name.startswith("int") or name.startswith("uint")


