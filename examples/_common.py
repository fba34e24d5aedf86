"""Shared plumbing of the examples: arguments, a split, and a results table."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np


def parse(doc: str, argv: Sequence[str] | None, default_out: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=doc.strip().splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small and fast (CI smoke test)")
    parser.add_argument("--out", default=default_out, help="folder for the plots")
    args = parser.parse_args(argv)
    args.out = Path(args.out)
    return args


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
