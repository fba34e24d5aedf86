"""Atomic file writes: the file appears complete under its name, or not at all.

The data go to a temporary file ``.NAME.XXXXXXXX.tmp`` beside the target, renamed over it
only when complete. A writer killed mid-write (SIGKILL, power loss) cannot clean up after
itself, so :func:`remove_leftovers` deletes such files before the next save or load of the
same path. A temporary file is left alone while its writer lives: every writer holds an
exclusive ``flock`` on it until the rename, which the kernel releases when the process dies.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock, leftovers are judged by age
    fcntl = None  # type: ignore[assignment]

#: Without flock, a temporary file this old (seconds) belongs to no live writer.
_STALE_AFTER = 3600.0


def _temporary_name(target: Path) -> re.Pattern[str]:
    # what atomic_write makes: ".NAME." + mkstemp's random part + ".tmp"
    return re.compile(rf"^\.{re.escape(target.name)}\..+\.tmp$", re.DOTALL)


def remove_leftovers(path: str | os.PathLike[str]) -> list[Path]:
    """Delete the temporary files that killed writers of ``path`` left behind.

    Only files named ``.NAME.*.tmp`` (as :func:`atomic_write` makes them) in the directory
    of ``path`` are considered, and only those no live process is writing (regular files:
    symbolic links and anything else are left alone).

    Returns
    -------
    list of Path
        The files removed.
    """
    target = Path(path)
    pattern = _temporary_name(target)
    removed: list[Path] = []
    try:
        candidates = [p for p in target.parent.iterdir() if pattern.match(p.name)]
    except OSError:  # no such directory, no permission: nothing to clean
        return removed
    for p in candidates:
        with contextlib.suppress(OSError):
            if _abandoned(p):
                p.unlink()
                removed.append(p)
    return removed


def _abandoned(p: Path) -> bool:
    """True when no live writer holds ``p`` (its flock is free, or, without flock, it is old)."""
    if not p.is_file() or p.is_symlink():
        return False
    if fcntl is None:  # pragma: no cover
        return time.time() - p.stat().st_mtime > _STALE_AFTER
    fd = os.open(p, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # a writer is at work
        return True
    finally:
        os.close(fd)  # releases our lock too


def _locked_temporary(target: Path) -> tuple[int, str]:
    """A new temporary file beside ``target``, flock'ed by this process."""
    while True:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        if fcntl is None:  # pragma: no cover
            return fd, tmp
        fcntl.flock(fd, fcntl.LOCK_EX)
        # A cleaner may have removed the file between mkstemp and flock: then start again.
        try:
            if os.stat(tmp).st_ino == os.fstat(fd).st_ino:
                return fd, tmp
        except FileNotFoundError:
            pass
        os.close(fd)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "wb") -> Iterator[IO]:
    """Open a temporary file beside ``path``; rename it over ``path`` only on success.

    A crash or exception inside the ``with`` block leaves any existing file at ``path``
    untouched and removes the temporary file. The data are flushed and fsync'ed before
    the rename, so a killed process never leaves a half-written file under ``path``; the
    temporary file a killed process leaves is removed by the next save (or load) of ``path``.
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"`mode` must be 'wb' or 'w', got {mode!r}.")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(target)
    fd, tmp = _locked_temporary(target)
    # mkstemp makes the file private (0600); give it the permissions open() would have.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    try:
        with os.fdopen(fd, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
            if fcntl is not None:
                os.replace(tmp, target)  # still holding the lock: no cleaner can take it
        if fcntl is None:  # pragma: no cover - Windows cannot replace an open file
            os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
