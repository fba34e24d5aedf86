"""Reading an HDF5 weights file (a ``.keras`` member) that may be hostile, with a time bound.

The HDF5 library can spin forever on a few flipped bytes (a B-tree or heap that points back
into itself), in C code no Python signal interrupts. So the file is read in a forked child
process: it walks the file (hard links only: no external or soft links, no external or
virtual datasets, which would open other files), refuses any dataset that is not numeric
or whose size does not fit the budget *before* reading it, reads the rest and sends them
back through a pipe in a plain framing (a JSON index, then the raw bytes; no pickle). The
parent kills the child when it runs past its deadline, and the child's address space is
limited (``RLIMIT_AS``) to what it had plus the budget, so a forged chunk size that makes
HDF5 allocate gigabytes fails at once instead. Where ``os.fork`` does not exist,
the same walk runs in this process (no time bound).
"""

from __future__ import annotations

import io
import json
import os
import select
import signal
import struct
import time
import warnings
from typing import Any

import numpy as np

try:
    import resource
except ImportError:  # pragma: no cover - not POSIX
    resource = None  # type: ignore[assignment]

from glassnet.errors import KerasFormatError
from glassnet.saving import _limits

#: The reader child may map this many bytes beyond what it inherited, plus twice the budget.
CHILD_MEMORY = 256 << 20
#: Seconds a weights file may take to read: a base plus one second per 20 MB.
BASE_TIMEOUT = 5.0
MAX_OBJECTS = 100_000
MAX_DEPTH = 16


class H5Content:
    """What a weights file holds: its groups' paths, ``names[group path]`` (a group's
    ``name`` attribute, when it is a string) and ``arrays[dataset path]``."""

    def __init__(self, groups: set[str], names: dict[str, str],
                 arrays: dict[str, np.ndarray]) -> None:
        self.groups = groups
        self.names = names
        self.arrays = arrays

    def group(self, path: str) -> list[np.ndarray] | None:
        """Datasets ``path/0, path/1 ...`` in order; None when there is no such group."""
        if path not in self.groups:
            return None
        prefix = path + "/"
        direct = [k[len(prefix):] for k in self.arrays
                  if k.startswith(prefix) and "/" not in k[len(prefix):]]
        if not all(k.isdigit() and len(k) < 10 for k in direct):
            raise KerasFormatError(f"The weights in {path!r} have unexpected names "
                                   f"{sorted(direct)[:10]}.")
        return [self.arrays[prefix + k] for k in sorted(direct, key=int)]


def require_h5py() -> Any:
    """The h5py module, or an ImportError saying how to get it."""
    try:
        import h5py
    except ImportError:
        raise ImportError("Keras's .keras format stores weights in HDF5, which needs the h5py "
                          "package: pip install h5py (or glassnet[interop]).") from None
    return h5py


def _walk(raw: bytes, budget: int) -> tuple[dict[str, str], list[str], dict[str, Any]]:
    """``(names, groups, datasets)`` of the file, every dataset checked, none read yet."""
    h5py = require_h5py()
    f = h5py.File(io.BytesIO(raw), "r", locking=False)
    names: dict[str, str] = {}
    groups: list[str] = []
    datasets: dict[str, Any] = {}
    stack: list[tuple[str, Any, int]] = [("", f, 0)]
    seen = 0
    total = 0
    while stack:
        path, group, depth = stack.pop()
        groups.append(path)
        name = group.attrs.get("name") if "name" in group.attrs else None
        if isinstance(name, bytes):
            name = name.decode("utf-8", "replace")
        if isinstance(name, str):
            names[path] = name
        for key in list(group.keys()):
            seen += 1
            if seen > MAX_OBJECTS or depth >= MAX_DEPTH:
                raise ValueError("too many objects or too deep a hierarchy")
            link = group.get(key, getlink=True)
            if not isinstance(link, h5py.HardLink):
                raise ValueError(f"{path}/{key} is a {type(link).__name__}, not a hard link")
            obj = group[key]
            child = f"{path}/{key}" if path else key
            if isinstance(obj, h5py.Group):
                stack.append((child, obj, depth + 1))
                continue
            if not isinstance(obj, h5py.Dataset):
                raise ValueError(f"{child} is neither a group nor a dataset")
            if obj.is_virtual or obj.external:
                raise ValueError(f"{child} reads its data from other files")
            dtype = obj.dtype
            if dtype.kind not in "fiub" or dtype.fields is not None or dtype.subdtype is not None:
                raise ValueError(f"{child} holds {dtype}, not numbers")
            shape = tuple(int(d) for d in obj.shape)
            count = 1
            for d in shape:
                count *= d
            total += count * dtype.itemsize
            if total > budget:
                raise ValueError(f"{child} (shape {shape}, {dtype}) brings the weights to "
                                 f"{total:,} bytes, more than the {budget:,} the file can hold")
            datasets[child] = obj
    return names, groups, datasets


def _read_all(raw: bytes, budget: int) -> tuple[dict[str, Any], list[np.ndarray]]:
    names, groups, datasets = _walk(raw, budget)
    index: dict[str, Any] = {"names": names, "groups": groups, "datasets": []}
    arrays = []
    for path, ds in datasets.items():
        out = np.empty(ds.shape, dtype=ds.dtype.newbyteorder("="))
        if out.size:
            ds.read_direct(out)
        index["datasets"].append([path, out.dtype.str, list(out.shape)])
        arrays.append(out)
    return index, arrays


def _content(index: dict[str, Any], arrays: list[np.ndarray]) -> H5Content:
    return H5Content(set(index["groups"]), dict(index["names"]),
                     {p: a for (p, _, _), a in zip(index["datasets"], arrays, strict=True)})


def read_weights(raw: bytes, budget: int, where: str) -> H5Content:
    """Every group name and dataset of the HDF5 file ``raw``, read within a time bound.

    Raises
    ------
    KerasFormatError
        For an unreadable, hostile or too slow file (naming ``where`` and the reason).
    """
    require_h5py()  # a missing package is not a bad file: say so here, not in the child
    if not hasattr(os, "fork"):  # pragma: no cover - Windows
        try:
            return _content(*_read_all(raw, budget))
        except Exception as exc:
            raise KerasFormatError(f"{where}: the weights file is unreadable: "
                                   f"{type(exc).__name__}: {exc}") from None
    timeout = BASE_TIMEOUT + len(raw) / 20e6
    return _in_child(raw, budget, where, timeout)


def _in_child(raw: bytes, budget: int, where: str, timeout: float) -> H5Content:
    r, w = os.pipe()
    with warnings.catch_warnings():  # Python 3.12 warns about fork with threads running
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: read, send, exit without running any of the parent's cleanup
        code = 0
        try:
            os.close(r)
            try:
                _limit_memory(CHILD_MEMORY + 2 * budget)
                index, arrays = _read_all(raw, budget)
            except BaseException as exc:  # noqa: BLE001 - reported to the parent
                index, arrays, code = {"error": f"{type(exc).__name__}: {exc}"}, [], 1
            head = json.dumps(index).encode()
            with os.fdopen(w, "wb") as out:
                out.write(struct.pack("<Q", len(head)))
                out.write(head)
                for a in arrays:
                    out.write(np.ascontiguousarray(a).data.cast("B"))
        finally:
            os._exit(code)
    os.close(w)
    try:
        data = _receive(r, time.monotonic() + timeout)
    except TimeoutError:
        os.kill(pid, signal.SIGKILL)
        raise KerasFormatError(
            f"{where}: reading the weights file took more than {timeout:.0f} s (a corrupt HDF5 "
            "structure that loops); the file is refused.") from None
    except BaseException:  # Ctrl-C while waiting: the reader goes too
        os.kill(pid, signal.SIGKILL)
        raise
    finally:
        os.close(r)
        os.waitpid(pid, 0)
    return _decode(data, budget, where)


def _limit_memory(extra: int) -> None:
    """Lower this process's address-space limit to what it maps now plus ``extra`` bytes
    (Linux; elsewhere nothing is done)."""
    if resource is None:  # pragma: no cover - not POSIX
        return
    try:
        with open("/proc/self/status") as f:
            mapped = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))
    except (OSError, StopIteration, ValueError):  # pragma: no cover - no /proc
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = mapped + extra
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    if soft == resource.RLIM_INFINITY or limit < soft:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _receive(fd: int, deadline: float) -> bytearray:
    data = bytearray()
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            raise TimeoutError
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return data
        data += chunk


def _decode(data: bytearray, budget: int, where: str) -> H5Content:
    if len(data) < 8:
        raise KerasFormatError(f"{where}: the weights file could not be read (the reader died).")
    (n,) = struct.unpack("<Q", bytes(data[:8]))
    index = _limits.parse_json(bytes(data[8:8 + n]), f"{where} (weights index)")
    if "error" in index:
        raise KerasFormatError(f"{where}: the weights file is unreadable or hostile: "
                               f"{index['error']}")
    arrays = []
    at = 8 + n
    for _, dtype, shape in index["datasets"]:
        dt = np.dtype(dtype)
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        nbytes = count * dt.itemsize
        arrays.append(np.frombuffer(data, dtype=dt, count=count, offset=at).reshape(shape))
        at += nbytes
    if at != len(data) or at - 8 - n > budget:
        raise KerasFormatError(f"{where}: the weights file could not be read consistently.")
    return _content(index, arrays)
