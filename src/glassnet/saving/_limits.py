"""Reading untrusted model files without letting them cost anything: every size is checked
before it is allocated or decompressed.

- :func:`open_model_file` refuses what is not a regular file (a FIFO would block, a device
  such as ``/dev/zero`` never ends) before opening it, and gives the byte budget;
- :func:`parse_json` bounds a JSON document's size and nesting depth (no RecursionError);
- :func:`read_npy_members` reads the ``.npy`` members of a zip archive, each header checked
  against the member's declared size and every declared size against the budget *before*
  anything is inflated; zipfile stops inflating at the declared size and checks the CRC.

The budget of a file is ``INFLATION * file size + FLOOR`` bytes: the most its arrays may
need once read. Both of glassnet's formats store arrays uncompressed, so a legitimate file
needs about its own size.
"""

from __future__ import annotations

import json
import os
import re
import stat
import zipfile
from pathlib import Path
from typing import IO, Any

import numpy as np

from glassnet.errors import ModelFileError

#: Arrays may need at most this many times the file's size once read (deflate allowed) ...
INFLATION = 4
#: ... plus this many bytes (tiny files).
FLOOR = 1 << 16
#: JSON documents (an .npz header, a .keras config.json) at most this long and deep.
MAX_JSON_BYTES = 64 << 20
MAX_JSON_DEPTH = 64
#: At most this many members in an archive.
MAX_MEMBERS = 100_000
_ALLOWED_KINDS = "fiub"  # float, signed and unsigned int, bool: never objects or records


def budget_for(size: int) -> int:
    """Bytes the arrays of a file of ``size`` bytes may need."""
    return INFLATION * int(size) + FLOOR


def open_model_file(filepath: Any, what: str = "model file") -> tuple[IO[bytes], int]:
    """Open ``filepath`` for reading if it is a regular file; return ``(file, size)``.

    Raises
    ------
    ModelFileError
        For a path that is not a str/PathLike, a missing file, a directory, a FIFO, a device
        or a socket (refused before opening: a FIFO would block, ``/dev/zero`` never ends).
    """
    if not isinstance(filepath, (str, os.PathLike)):
        raise ModelFileError(
            f"`filepath` must be a path (str or os.PathLike), got {type(filepath).__name__} "
            f"{filepath!r}.")
    name = os.fspath(filepath)
    try:
        info = os.stat(name)
    except (OSError, ValueError) as exc:
        raise ModelFileError(f"Cannot read {what} {str(name)!r}: {exc}") from exc
    if not stat.S_ISREG(info.st_mode):
        kind = ("a directory" if stat.S_ISDIR(info.st_mode) else
                "a FIFO (named pipe)" if stat.S_ISFIFO(info.st_mode) else
                "a device" if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode) else
                "a socket" if stat.S_ISSOCK(info.st_mode) else "not a regular file")
        raise ModelFileError(
            f"Cannot read {what} {str(name)!r}: it is {kind}, not a regular file.")
    try:
        f = open(name, "rb")  # noqa: SIM115 - the caller closes it
        size = os.fstat(f.fileno()).st_size
    except OSError as exc:
        raise ModelFileError(f"Cannot read {what} {str(name)!r}: {exc}") from exc
    return f, size


def json_depth(raw: bytes) -> int:
    """Deepest nesting of ``[``/``{`` in a JSON text, brackets inside strings ignored.

    Linear time, vectorised, no recursion: a quote opens or closes a string unless an odd
    number of backslashes precedes it; brackets count outside strings only.
    """
    text = np.frombuffer(raw, dtype=np.uint8)
    n = text.size
    if n == 0:
        return 0
    at = np.arange(n)
    backslash = text == ord("\\")
    # length of the run of backslashes just before each position
    last_other = np.maximum.accumulate(np.where(backslash, -1, at))
    run_before = np.empty(n, dtype=np.int64)
    run_before[0] = 0
    run_before[1:] = at[:-1] - last_other[:-1]
    quote = (text == ord('"')) & (run_before % 2 == 0)
    # inside a string: an odd number of real quotes before (the quotes themselves excluded)
    inside = (np.cumsum(quote) - quote) % 2 == 1
    outside = ~inside & ~quote
    step = (((text == ord("[")) | (text == ord("{"))) & outside).astype(np.int64) \
        - (((text == ord("]")) | (text == ord("}"))) & outside)
    return int(np.cumsum(step).max(initial=0))


def parse_json(raw: bytes, where: str, limit: int = MAX_JSON_BYTES) -> Any:
    """``json.loads`` of untrusted bytes: size and depth bounded, every error a ModelFileError."""
    if len(raw) > limit:
        raise ModelFileError(f"{where} is {len(raw):,} bytes long, more than the {limit:,} "
                             "allowed; the file is corrupt or forged.")
    depth = json_depth(raw)
    if depth > MAX_JSON_DEPTH:
        raise ModelFileError(f"{where} nests {depth} levels deep (at most {MAX_JSON_DEPTH}); "
                             "the file is corrupt or forged.")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ModelFileError(f"{where} is not valid JSON: {exc}") from None


def check_members(archive: zipfile.ZipFile, budget: int, where: str) -> list[zipfile.ZipInfo]:
    """The archive's members, refused when they are too many, repeated, or declare more
    bytes together than ``budget`` (a zip bomb), before anything is inflated."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ModelFileError(f"{where} has {len(infos):,} members; the file is corrupt.")
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        raise ModelFileError(f"{where} holds the same member twice; the file is corrupt.")
    total = sum(i.file_size for i in infos)
    if total > budget:
        raise ModelFileError(
            f"{where}: its members would inflate to {total:,} bytes, more than the {budget:,} "
            "its size allows (a zip bomb?); the file is corrupt or forged.")
    return infos


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> bytes:
    """A member's bytes; zipfile stops at the declared size and checks the CRC."""
    with archive.open(info) as member:
        data = member.read(info.file_size + 1)
    if len(data) != info.file_size:
        raise ModelFileError(f"{where}: member {info.filename!r} holds {len(data):,} bytes, "
                             f"its header says {info.file_size:,}; the file is corrupt.")
    return data


def _read_npy(member: IO[bytes], info: zipfile.ZipInfo, where: str) -> np.ndarray:
    version = np.lib.format.read_magic(member)
    if version not in ((1, 0), (2, 0), (3, 0)):
        raise ValueError(f"unsupported .npy version {version}")
    reader = (np.lib.format.read_array_header_1_0 if version == (1, 0)
              else np.lib.format.read_array_header_2_0)
    shape, fortran, dtype = reader(member, max_header_size=10_000)
    if dtype.hasobject or dtype.kind not in _ALLOWED_KINDS or dtype.fields is not None \
            or dtype.subdtype is not None:
        raise ValueError(f"member {info.filename!r} holds {dtype}, not numbers")
    if len(shape) > 32 or not all(isinstance(d, int) and d >= 0 for d in shape):
        raise ValueError(f"member {info.filename!r} has the invalid shape {shape}")
    count = 1
    for d in shape:
        count *= d
    need = count * dtype.itemsize
    header = 6 + 2 + (2 if version == (1, 0) else 4)  # magic, version, header length
    if need > info.file_size:  # checked with Python ints, before numpy allocates
        raise ValueError(f"member {info.filename!r} claims {need:,} bytes of data but its "
                         f"declared size is {info.file_size:,}")
    array = np.empty(count, dtype=dtype)
    view = memoryview(array.view(np.uint8).data) if count else memoryview(b"")
    got = 0
    while got < need:
        n = member.readinto(view[got:])  # type: ignore[attr-defined]
        if not n:
            raise ValueError(f"member {info.filename!r} ends after {got:,} of {need:,} bytes")
        got += n
    if member.read(1):
        raise ValueError(f"member {info.filename!r} holds more bytes than its array "
                         f"({need:,} + header {header} ...)")
    array = array.reshape(shape[::-1]).T if fortran else array.reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=False)


def read_npy_members(archive: zipfile.ZipFile, budget: int, where: str,
                     names: re.Pattern[str] | None = None) -> dict[str, np.ndarray]:
    """Every ``.npy`` member of ``archive``, by name without ``.npy``.

    Checked before inflating: the members' declared sizes together fit ``budget``, each
    ``.npy`` header's shape needs no more than its member's declared size, the dtype is
    numeric. ``names`` (if given) must match every member name.
    """
    arrays: dict[str, np.ndarray] = {}
    for info in check_members(archive, budget, where):
        if not info.filename.endswith(".npy") or (
                names is not None and not names.match(info.filename[:-4])):
            raise ModelFileError(f"{where} holds an unexpected member {info.filename!r}.")
        try:
            with archive.open(info) as member:
                arrays[info.filename[:-4]] = _read_npy(member, info, where)
        except ModelFileError:
            raise
        except Exception as exc:  # zipfile / zlib / lzma / bz2 / numpy header errors
            raise ModelFileError(
                f"{where} is corrupt: member {info.filename!r}: {type(exc).__name__}: {exc}"
            ) from None
    return arrays


def describe(filepath: Any) -> str:
    """``'path/m.npz'`` for messages."""
    try:
        return repr(str(Path(os.fspath(filepath))))
    except TypeError:
        return repr(filepath)
