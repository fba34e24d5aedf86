"""Write the workshop's Jupyter notebooks from their plain-text sources.

The sources are jupytext "percent" scripts kept beside this module (``notebooks/*.py``): a
``# %%`` line starts a code cell, ``# %% [markdown]`` a text cell. An exercise keeps the
answer between ``# BEGIN SOLUTION`` and ``# END SOLUTION``: the instructor's notebooks
keep it, the learners' get ``raise NotImplementedError`` in its place, so each check
reports "not done yet" until the learner writes the function, and the cells after it go on
with glassnet's reference meanwhile.
"""

from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path
from typing import Any

BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"
STUB = ("# your code here: replace this line, run the cell, then the check below",
        "raise NotImplementedError")


def sources() -> list[tuple[str, str]]:
    """``(stem, text)`` of every notebook source, in workshop order."""
    folder = resources.files("glassnet.workshop").joinpath("notebooks")
    items = sorted((p.name, p) for p in folder.iterdir() if p.name.endswith(".py"))
    return [(name[:-3], p.read_text(encoding="utf-8")) for name, p in items]


def render(text: str, solutions: bool) -> str:
    """The source with its solution blocks kept (markers dropped) or replaced by the stub."""
    out: list[str] = []
    inside = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise ValueError(f"Nested {BEGIN!r} in a notebook source.")
            inside = True
            if not solutions:
                indent = line[: len(line) - len(line.lstrip())]
                out.extend(indent + s for s in STUB)
            continue
        if stripped == END:
            if not inside:
                raise ValueError(f"{END!r} without {BEGIN!r} in a notebook source.")
            inside = False
            continue
        if solutions or not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{BEGIN!r} without {END!r} in a notebook source.")
    return "\n".join(out) + "\n"


def _notebook(text: str) -> Any:
    try:
        import jupytext
    except ImportError as exc:
        raise ImportError("Writing the notebooks needs the workshop extra: "
                          "pip install 'glassnet[workshop]'.") from exc
    nb = jupytext.reads(text, fmt="py:percent")
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata.pop("jupytext", None)
    return nb


def write_notebooks(directory: str | os.PathLike[str], solutions: bool = False,
                    overwrite: bool = False) -> list[Path]:
    """Write one ``.ipynb`` per part of the workshop into ``directory``.

    Parameters
    ----------
    directory : str or path-like
        Created when missing.
    solutions : bool, default False
        Write the instructor's notebooks (answers filled in) instead of the learners'.
    overwrite : bool, default False
        Replace notebooks that exist already (a learner's work is never replaced silently).

    Returns
    -------
    list of Path
        The notebooks written, in workshop order.

    Raises
    ------
    FileExistsError
        If a notebook exists and ``overwrite`` is False (nothing is written then).
    ImportError
        If jupytext or nbformat (the ``workshop`` extra) is missing.
    """
    import nbformat

    folder = Path(directory)
    items = sources()
    targets = [folder / f"{stem}.ipynb" for stem, _ in items]
    existing = [t for t in targets if t.exists()]
    if existing and not overwrite:
        raise FileExistsError(
            f"{len(existing)} notebook(s) exist already in {folder}, e.g. {existing[0].name}; "
            "pass overwrite=True (--force) to replace them."
        )
    folder.mkdir(parents=True, exist_ok=True)
    for (_, text), target in zip(items, targets, strict=True):
        nb = _notebook(render(text, solutions))
        nbformat.validate(nb)
        nbformat.write(nb, str(target))
    return targets


def titles() -> list[str]:
    """The first heading of every notebook, in order."""
    found = []
    for _, text in sources():
        match = re.search(r"^# # (.+)$", text, re.M)
        found.append(match.group(1) if match else "")
    return found
