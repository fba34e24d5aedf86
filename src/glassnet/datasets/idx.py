"""Read and write IDX files, the format of MNIST and Fashion-MNIST (gzip-compressed or raw).

An IDX file is a 4-byte magic number, one big-endian uint32 per dimension, then the data in
C order, big-endian::

    magic = 0x00 0x00 <type code> <number of dimensions>

    type code  0x08 uint8   0x09 int8   0x0B int16   0x0C int32   0x0D float32   0x0E float64

MNIST's ``*-images-idx3-ubyte`` files hold uint8 data of shape ``(n, 28, 28)`` and its
``*-labels-idx1-ubyte`` files uint8 data of shape ``(n,)``.

The reader trusts nothing in the header: it checks the magic number, the type code, the
number of dimensions against the kind of file expected (images or labels), and the data
size the header promises against what the file holds -- before allocating anything, so a
header that claims 10^12 items is rejected at once rather than exhausting memory. A raw
file must hold exactly the promised bytes (trailing bytes are an error, as they mean the
header and the data disagree); a gzip file is read in chunks and must decompress to
exactly the promised bytes, with a valid CRC. Every failure raises
:class:`~glassnet.datasets.errors.IDXFormatError` naming the file and what was wrong.
Whether a file is gzip-compressed is decided by its first two bytes, not by its name.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import stat
import struct
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal, cast

import numpy as np

from glassnet._atomic import atomic_write
from glassnet.datasets.errors import IDXFormatError

#: IDX type code -> big-endian NumPy dtype.
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {dt.newbyteorder("=") if dt.itemsize > 1 else dt: code for code, dt in IDX_DTYPES.items()}
#: What each ``expected_kind`` requires of the number of dimensions.
_KIND_NDIM = {"images": 3, "labels": 1}
_SWAPPED = {
    ("images", 1): " Is it a labels file passed where images belong?",
    ("labels", 3): " Is it an images file passed where labels belong?",
}
_GZIP_MAGIC = b"\x1f\x8b"
# Deflate cannot expand data by more than about 1032:1, so a gzip file of m bytes holds at
# most ~1032 m bytes: a header promising more is impossible and is refused before reading.
_MAX_DEFLATE_RATIO = 1032
_CHUNK = 1 << 20

Kind = Literal["images", "labels"]


@dataclass(frozen=True)
class IDXHeader:
    """What an IDX header says: data type, shape, and the byte counts that follow from them."""

    dtype: np.dtype
    shape: tuple[int, ...]
    header_bytes: int
    compressed: bool

    @property
    def data_bytes(self) -> int:
        """Bytes of data the header promises: ``prod(shape) * itemsize``."""
        n = 1
        for d in self.shape:
            n *= d
        return n * self.dtype.itemsize


def _describe(shape: tuple[int, ...]) -> str:
    kind = {1: "labels", 3: "images"}.get(len(shape), f"{len(shape)}-D data")
    return f"{kind} of shape {shape}"


def _read_exact(f: IO[bytes], n: int, path: Path, what: str) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise IDXFormatError(
            f"IDX file '{path}' is truncated: expected {n} bytes of {what}, got {len(data)}."
        )
    return data


def _parse_header(f: IO[bytes], path: Path, compressed: bool) -> IDXHeader:
    magic = _read_exact(f, 4, path, "magic number")
    if magic[:2] != b"\x00\x00":
        raise IDXFormatError(
            f"'{path}' is not an IDX file: its magic number is 0x{magic.hex()}, but an IDX "
            "magic number starts with two zero bytes (0x0000<type><ndim>, e.g. 0x00000803 "
            "for MNIST images)."
        )
    code, ndim = magic[2], magic[3]
    if code not in IDX_DTYPES:
        valid = ", ".join(f"0x{c:02X} ({dt.name})" for c, dt in IDX_DTYPES.items())
        raise IDXFormatError(
            f"IDX file '{path}' has an unknown data type code 0x{code:02X} in its magic "
            f"number 0x{magic.hex()}; valid codes are {valid}."
        )
    if ndim == 0:
        raise IDXFormatError(f"IDX file '{path}' declares 0 dimensions; expected at least 1.")
    dims = struct.unpack(f">{ndim}I", _read_exact(f, 4 * ndim, path, "dimension sizes"))
    return IDXHeader(IDX_DTYPES[code], tuple(int(d) for d in dims), 4 + 4 * ndim, compressed)


def _check_kind(header: IDXHeader, expected_kind: str | None, path: Path) -> None:
    if expected_kind is None:
        return
    if expected_kind not in _KIND_NDIM:
        raise ValueError(
            f"`expected_kind` must be 'images', 'labels' or None, got {expected_kind!r}."
        )
    ndim = _KIND_NDIM[expected_kind]
    if len(header.shape) != ndim:
        other = _SWAPPED.get((expected_kind, len(header.shape)), "")
        raise IDXFormatError(
            f"IDX file '{path}' holds {_describe(header.shape)}, but {expected_kind} "
            f"(a {ndim}-D idx{ndim} file) were expected.{other}"
        )


def _check_size(header: IDXHeader, file_size: int, path: Path) -> None:
    """Refuse a header whose promised data cannot be in a file of ``file_size`` bytes."""
    promised = header.data_bytes
    what = f"{header.shape} {header.dtype.name}"
    if not header.compressed:
        actual = file_size - header.header_bytes
        if actual < promised:
            raise IDXFormatError(
                f"IDX file '{path}' is truncated: its header promises {promised} bytes of data "
                f"({what}), but only {actual} follow the header."
            )
        if actual > promised:
            raise IDXFormatError(
                f"IDX file '{path}' has {actual - promised} trailing bytes after the {promised} "
                f"bytes of data its header promises ({what}); the header and data disagree."
            )
    elif header.header_bytes + promised > file_size * _MAX_DEFLATE_RATIO + 1024:
        raise IDXFormatError(
            f"IDX file '{path}' claims {promised} bytes of data ({what}), more than a gzip "
            f"file of {file_size} bytes can hold; the header is corrupt."
        )


def _read_data(f: IO[bytes], header: IDXHeader, path: Path) -> bytearray:
    """Read exactly the promised bytes in chunks (never allocating what is not there)."""
    buf = bytearray()
    remaining = header.data_bytes
    while remaining:
        chunk = f.read(min(remaining, _CHUNK))
        if not chunk:
            raise IDXFormatError(
                f"IDX file '{path}' is truncated: its header promises {header.data_bytes} bytes "
                f"of data ({header.shape} {header.dtype.name}), but it ends after {len(buf)}."
            )
        buf += chunk
        remaining -= len(chunk)
    # Reading past the data reaches the end of the gzip member, which also checks its CRC.
    if f.read(1):
        raise IDXFormatError(
            f"IDX file '{path}' has trailing bytes after the {header.data_bytes} bytes of data "
            f"its header promises ({header.shape}); the header and data disagree."
        )
    return buf


@contextmanager
def _open_idx(path: Path) -> Iterator[tuple[IO[bytes], int, bool]]:
    """Yield ``(stream, file size, compressed)``; decompression errors become IDXFormatError.

    What is not a regular file is refused before opening: a FIFO would block, a device such
    as ``/dev/zero`` never ends, a directory cannot be read.
    """
    with contextlib.suppress(FileNotFoundError):  # a missing file: open() says so below
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            kind = ("a directory" if stat.S_ISDIR(mode) else
                    "a FIFO (named pipe)" if stat.S_ISFIFO(mode) else
                    "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a special file")
            raise IDXFormatError(f"IDX file '{path}' is {kind}, not a regular file.")
    with ExitStack() as stack:
        raw = stack.enter_context(open(path, "rb"))
        file_size = os.fstat(raw.fileno()).st_size
        compressed = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
        f: IO[bytes] = raw
        if compressed:
            f = cast(IO[bytes], stack.enter_context(gzip.GzipFile(fileobj=raw, mode="rb")))
        try:
            yield f, file_size, compressed
        except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
            raise IDXFormatError(
                f"Could not decompress '{path}': it is a truncated or corrupt gzip file "
                f"({type(exc).__name__}: {exc})."
            ) from exc


def read_idx_header(path: str | os.PathLike[str]) -> IDXHeader:
    """Parse only the header of the IDX file at ``path`` (gzip or raw); no data are read."""
    path = Path(path)
    with _open_idx(path) as (f, _, compressed):
        return _parse_header(f, path, compressed)


def read_idx(path: str | os.PathLike[str], expected_kind: Kind | None = None) -> np.ndarray:
    """Read an IDX file (gzip-compressed or raw) into an array, validating it fully.

    Parameters
    ----------
    path : str or path-like
        The file. Compression is detected from its first bytes, not from its name.
    expected_kind : {'images', 'labels'}, optional
        Require a 3-D (images) or 1-D (labels) file; checked from the header before any data
        are read, so swapping an images file and a labels file fails at once.

    Returns
    -------
    ndarray of shape given by the header
        In native byte order, with the dtype of the header's type code (uint8 for MNIST).

    Raises
    ------
    IDXFormatError
        Bad magic number, unknown type code, wrong number of dimensions, a data size that
        disagrees with the header (truncated file or trailing bytes), an impossible header,
        or a corrupt gzip stream.
    FileNotFoundError
        If ``path`` does not exist.
    """
    path = Path(path)
    with _open_idx(path) as (f, file_size, compressed):
        header = _parse_header(f, path, compressed)
        _check_kind(header, expected_kind, path)
        _check_size(header, file_size, path)
        buf = _read_data(f, header, path)
    data = np.frombuffer(buf, dtype=header.dtype).reshape(header.shape)
    if header.dtype.itemsize > 1:
        data = data.astype(header.dtype.newbyteorder("="))
    return data


def read_images(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an idx3 images file: ndarray of shape (n, rows, cols), usually uint8.

    Raises :class:`IDXFormatError` for anything :func:`read_idx` refuses, including a 1-D
    labels file passed by mistake.
    """
    return read_idx(path, expected_kind="images")


def read_labels(path: str | os.PathLike[str], num_classes: int | None = None) -> np.ndarray:
    """Read an idx1 labels file: ndarray of shape (n,), usually uint8.

    Parameters
    ----------
    path : str or path-like
        The labels file.
    num_classes : int, optional
        When given, every label must lie in ``[0, num_classes)``.

    Raises
    ------
    IDXFormatError
        Anything :func:`read_idx` refuses (an images file passed by mistake included), or a
        label outside ``[0, num_classes)``.
    """
    labels = read_idx(path, expected_kind="labels")
    if num_classes is not None and labels.size:
        bad = np.flatnonzero((labels < 0) | (labels >= num_classes))
        if bad.size:
            i = int(bad[0])
            raise IDXFormatError(
                f"Labels file '{path}' holds {bad.size} labels outside [0, {num_classes}), "
                f"e.g. {int(labels[i])} at index {i}."
            )
    return labels


def write_idx(
    path: str | os.PathLike[str], array: np.ndarray, compress: bool | None = None
) -> Path:
    """Write ``array`` as an IDX file, atomically; gzip-compressed when the name ends in .gz.

    Parameters
    ----------
    path : str or path-like
        Destination; the file appears complete or not at all.
    array : ndarray of any shape with at least one dimension
        dtype uint8, int8, int16, int32, float32 or float64 (the types IDX can hold).
    compress : bool, optional
        Gzip the file; by default when ``path`` ends in ``.gz``. The gzip header holds no
        name and no time stamp, so the same array always gives the same bytes.

    Returns
    -------
    Path
        ``path``.
    """
    array = np.asarray(array)
    native = array.dtype.newbyteorder("=") if array.dtype.itemsize > 1 else array.dtype
    if native not in _CODES:
        valid = ", ".join(dt.name for dt in IDX_DTYPES.values())
        raise TypeError(
            f"`array` must have an IDX data type ({valid}), got dtype {array.dtype}; "
            "convert it with astype() first."
        )
    if array.ndim == 0 or array.ndim > 255 or any(d >= 2**32 for d in array.shape):
        raise ValueError(
            f"`array` must have 1 to 255 dimensions, each below 2**32, got shape {array.shape}."
        )
    code = _CODES[native]
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    data = np.ascontiguousarray(array, dtype=IDX_DTYPES[code]).tobytes()
    path = Path(path)
    if compress is None:
        compress = path.suffix == ".gz"
    with atomic_write(path, "wb") as f:
        if compress:
            with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0) as g:
                g.write(header)
                g.write(data)
        else:
            f.write(header)
            f.write(data)
    return path
