"""The library's own exceptions for files: no import of anything else, so every module may use them."""

from __future__ import annotations


class ModelFileError(ValueError):
    """A model file is missing, truncated, corrupt, hostile or not a glassnet model.

    The message names the file and what was wrong with it.
    """


class KerasFormatError(ModelFileError):
    """A ``.keras`` file is corrupt, or holds something glassnet cannot represent."""


__all__ = ["KerasFormatError", "ModelFileError"]
