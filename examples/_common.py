"""Shared plumbing of the examples: arguments, a split, a results table, and saved files."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

QUICK_TOY = ("accepted for symmetry with the longer examples: this one already takes seconds, "
             "so --quick changes nothing")


def out_folder(text: str) -> Path:
    """``--out``: a folder that can be created (checked before any training)."""
    from glassnet.commands._args import out_dir

    return out_dir(text)


def parser(doc: str, example: str, quick_help: str | None = QUICK_TOY) -> argparse.ArgumentParser:
    """The examples' common arguments: ``--out`` (default ``reports/<example>``), ``--seed``
    and, when ``quick_help`` is given, ``--quick``."""
    p = argparse.ArgumentParser(description=doc.strip().splitlines()[0])
    if quick_help is not None:
        p.add_argument("--quick", action="store_true", help=quick_help)
    p.add_argument("--out", type=out_folder, default=Path("reports") / example,
                   help=f"folder for the pictures (default: reports/{example})")
    p.add_argument("--seed", type=int, default=0, help="seed for the data and the weights")
    return p


def parse(doc: str, argv: Sequence[str] | None, example: str,
          quick_help: str | None = QUICK_TOY) -> argparse.Namespace:
    """Parse ``argv`` with :func:`parser` and make sure ``--out`` can be written to."""
    p = parser(doc, example, quick_help)
    args = p.parse_args(argv)
    check_out(p, args.out)
    return args


def check_out(p: argparse.ArgumentParser, out: Path) -> None:
    """Exit with a one-line usage error (code 2) when ``out`` cannot be written to."""
    from glassnet.commands._args import prepare_out

    if not prepare_out(out, p.prog):
        raise SystemExit(2)


def saved(path: Path | str) -> Path:
    """Announce a file the example wrote (every example prints every path it writes)."""
    print(f"Saved {path}")
    return Path(path)


def save_figure(fig: Any, path: Path) -> Path:
    """Close ``fig`` (already saved to ``path`` by a plotting helper) and announce the path."""
    from glassnet.plotting._backend import pyplot

    pyplot().close(fig)
    return saved(path)


def split(x: np.ndarray, y: np.ndarray, test_fraction: float = 0.3, seed: int = 0):
    """A shuffled train/test split (stratification is not needed for these balanced sets)."""
    order = np.random.default_rng(seed).permutation(len(x))
    cut = int(len(x) * (1 - test_fraction))
    tr, te = order[:cut], order[cut:]
    return (x[tr], y[tr]), (x[te], y[te])


def table(rows: list[dict], columns: Sequence[str]) -> str:
    """A markdown table of ``rows`` (floats with 4 decimals)."""
    def cell(v):
        return f"{v:.4f}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(r[c]) for c in columns) + " |" for r in rows]
    return "\n".join(lines)
