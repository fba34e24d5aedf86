"""Lazy matplotlib: imported only when a plot is drawn, on the user's own backend.

glassnet never chooses a backend: matplotlib's own choice (``MPLBACKEND``, the
``matplotlibrc``, Jupyter's inline backend, or Agg on a machine without a display) is
kept. Only if matplotlib cannot start the backend it chose does glassnet fall back to Agg,
so that figures can still be saved.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from glassnet._atomic import atomic_write


def pyplot() -> Any:
    """Return ``matplotlib.pyplot`` on whatever backend the user (or matplotlib) chose.

    Raises
    ------
    ImportError
        If matplotlib is missing, with the command that installs the plotting extra.
    """
    try:
        import matplotlib
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "Plotting needs matplotlib: pip install 'glassnet[plot]'."
        ) from exc
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # the chosen backend cannot start (e.g. a GUI toolkit is missing)
        if "backend" not in str(exc).lower():
            raise
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

    return plt


def finish(fig: Any, path: str | os.PathLike[str] | None, dpi: int = 120) -> Any:
    """Save ``fig`` to ``path`` atomically (format from the suffix) when a path is given.

    Returns the figure, so every plot helper can end with ``return finish(fig, path)``.
    """
    if path is not None:
        path = Path(path)
        fmt = path.suffix.lstrip(".") or "png"
        with atomic_write(path, "wb") as f:
            fig.savefig(f, format=fmt, dpi=dpi, bbox_inches="tight")
    return fig
