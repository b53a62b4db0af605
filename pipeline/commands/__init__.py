"""One module per `solieu` subcommand, each with `register(subparsers)`.

`solieu --help` imports every command module to build its parser, so a command
module imports at its top only what `register` needs; what the command runs
with (the store and pandas, the extractors and underthesea, scikit-learn) is
imported inside its `run`, when that command is the one given (issue 14).

The defaults the help text shows come from `solieu.pipeline.defaults`, which
imports nothing heavy; the store and the comparison read the same module.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any

from solieu.pipeline.defaults import DEFAULT_BY, DEFAULT_DB, EXPORT_FORMATS, EXPORT_TABLES, GROUP_KEYS, STATUSES  # noqa: F401


def lazy_names(module: str, sources: dict[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` (PEP 562) that imports a run-time name on first use and keeps it.

    A command module stays cheap to import for `--help`, while its run-time
    names (`run_extract`, `run_ingest`) remain attributes of the module, so that
    code and tests that replace them there (`monkeypatch.setattr`) still reach
    what `run` calls.
    """

    def __getattr__(name: str) -> Any:
        if name not in sources:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(sources[name]), name)
        setattr(sys.modules[module], name, value)
        return value

    return __getattr__
