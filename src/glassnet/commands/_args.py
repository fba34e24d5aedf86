"""Argument types and checks shared by the subcommands.

argparse reports an ``ArgumentTypeError`` raised by a type function as a one-line usage error
naming the option (exit code 2). :func:`prepare_out` does the same for an output folder once
the command knows it will write there, before any training starts.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
from pathlib import Path


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def positive_float(text: str) -> float:
    """A finite number > 0 (``inf`` and ``nan`` are refused: no training survives them)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}") from None
    if not math.isfinite(value) or not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive finite number, got {text}")
    return value


def out_dir(text: str) -> Path:
    """A folder that exists or can be created: refused at once when a file is in the way or
    an existing parent cannot be written to (checked again by :func:`prepare_out`)."""
    path = Path(text).expanduser()
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"'{text}' is a file, not a folder")
    parent = path
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise argparse.ArgumentTypeError(f"'{parent}' is a file, so '{text}' cannot be created")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"'{parent}' is not writable, so '{text}' cannot be used")
    return path


def prepare_out(path: Path, prog: str, flag: str = "--out") -> bool:
    """Prove that the folder ``path`` can be created and written to, before any work.

    The folders this check creates are removed again (an empty report folder would be
    misleading if the command then fails for another reason). Returns True when the folder is
    usable; otherwise prints one line naming ``flag`` to stderr and returns False (the
    caller then exits with code 2).
    """
    created = []
    parent = path
    while not parent.exists():
        created.append(parent)
        parent = parent.parent
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
        for folder in created:
            folder.rmdir()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        print(f"{prog}: error: argument {flag}: cannot write to '{path}' ({reason}); "
              f"pass {flag} a folder you can write to.", file=sys.stderr)
        return False
    return True


def one_line(exc: BaseException) -> str:
    """An exception's message on one line (multi-line messages joined with ' ')."""
    text = " ".join(part.strip() for part in str(exc).splitlines() if part.strip())
    return text or type(exc).__name__
