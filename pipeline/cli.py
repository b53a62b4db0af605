"""The `solieu` command line.

Each subcommand lives in its own module under `pipeline/commands/` and exposes
`register(subparsers)`; adding a command is adding a file, never editing this one.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from pipeline import __version__, commands


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="solieu",
        description="Figures reported in Vietnamese articles and reports, as a sourced dataset.",
    )
    parser.add_argument("--version", action="version", version=f"solieu {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:  # `solieu ... | head` is a normal way to look at output
        return 0
    except KeyboardInterrupt:
        print("solieu: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
