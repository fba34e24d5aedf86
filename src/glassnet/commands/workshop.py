"""``glassnet workshop DIR``: write the hands-on workshop as Jupyter notebooks."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "Write the workshop's notebooks (exercises with checks) into a folder."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", type=Path, metavar="DIR", help="folder to write the notebooks into")
    parser.add_argument("--solutions", action="store_true",
                        help="write the instructor's version, with every exercise answered")
    parser.add_argument("--force", action="store_true", help="replace notebooks that exist already")


def _fail(message: str) -> int:
    print(f"glassnet workshop: error: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    from glassnet.workshop.notebooks import titles, write_notebooks

    folder = Path(args.directory)
    if folder.exists() and not folder.is_dir():
        return _fail(f"DIR {folder} is a file; give a folder for the notebooks.")
    try:
        paths = write_notebooks(folder, solutions=args.solutions, overwrite=args.force)
    except FileExistsError as exc:
        return _fail(str(exc).replace("overwrite=True (--force)", "--force"))
    except ImportError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"DIR {folder}: cannot write there ({exc.strerror or exc}).")
    kind = "instructor's notebooks (with solutions)" if args.solutions else "notebooks"
    print(f"Wrote {len(paths)} {kind} to {folder}:")
    for path, title in zip(paths, titles(), strict=True):
        print(f"  {path.name:<32} {title}")
    print()
    print(f"Start with: jupyter lab {folder}   (or jupyter notebook {folder})")
    if not args.solutions:
        print("Each exercise ends with `raise NotImplementedError`: replace it with your code, run the "
              "cell, then the check under it.")
    return 0
