"""The ``glassnet`` command.

Each subcommand lives in its own module under :mod:`glassnet.commands` and exposes
``HELP`` (one line), ``add_arguments(parser)`` and ``run(args) -> int``. Modules are
imported when the parser is built, so they keep heavy imports inside ``run``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

#: Subcommand name -> module under ``glassnet.commands``, in the order ``--help`` lists them.
COMMANDS: dict[str, str] = {
    "demo": "demo",
    "compare": "compare",
    "scratch": "scratch",
    "gradcheck": "gradcheck",
    "workshop": "workshop",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="glassnet",
        description="Neural networks from scratch on NumPy.",
    )
    from glassnet import __version__

    parser.add_argument("--version", action="version", version=f"glassnet {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(f"glassnet.commands.{module_name}")
        cmd = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(cmd)
        cmd.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "_run", None) is None:
        parser.print_help()
        return 2
    return int(args._run(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
