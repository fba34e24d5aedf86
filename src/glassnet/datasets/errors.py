"""The exceptions the data-set loaders raise.

Every one is a :class:`DatasetError`, itself a :class:`ValueError`, so ``except ValueError``
keeps working for callers that do not care which kind of problem it was::

    DatasetError (ValueError)
    ├── IDXFormatError      a file is not a well-formed IDX file of the expected kind
    ├── ChecksumError       a downloaded file does not match its pinned checksum
    ├── DownloadError       every mirror failed for one file
    └── MissingFilesError   files were found nowhere (also a FileNotFoundError)
"""

from __future__ import annotations


class DatasetError(ValueError):
    """A data set could not be found, read or verified; the message says which and why."""


class IDXFormatError(DatasetError):
    """An IDX file is truncated, corrupt, of the wrong kind, or has an impossible header."""


class ChecksumError(DatasetError):
    """A downloaded file's digest differs from every digest pinned for it."""


class DownloadError(DatasetError):
    """A file could not be fetched from any mirror; the message lists each attempt."""


class MissingFilesError(DatasetError, FileNotFoundError):
    """Some files of a data set exist nowhere the loader looked (and could not be downloaded).

    Also a :class:`FileNotFoundError`, so ``except FileNotFoundError`` catches it too.
    """

    def __init__(self, message: str, missing: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        #: Names of the files that were not found.
        self.missing = tuple(missing)
