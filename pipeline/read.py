"""Stage 1, read: the stage's public face; the readers themselves live in `pipeline.readers`.

`read_inputs(paths)` yields a Document for every document of the inputs and a
`Rejected` (input + one-line reason) for every input that cannot be read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from solieu.pipeline.readers import DEFAULT_MAX_SIZE, Rejected, read_file, read_inputs, text_id

__all__ = [
    "DEFAULT_MAX_SIZE", "InputError", "Rejected", "check_records", "json_lines", "read_file", "read_inputs", "text_id",
]

FIGURE_KEYS = ("doc_id", "start", "end")
GOLD_KEYS = ("doc_id", "text", "figures")


class InputError(Exception):
    """A file a command needs that it cannot use at all; the message names it and says why."""


def check_records(path: str | Path, keys: tuple[str, ...], what: str) -> int:
    """How many lines of a JSON Lines file are records with `keys`; InputError when there is none.

    A command that scores or summarises a file must refuse one it cannot read
    rather than report zeros: a missing file, a folder, an empty file, a broken
    line, a file of other records (documents given for figures), or not JSON at all.
    """
    target = Path(path)
    if not target.exists():
        raise InputError(f"{path}: no such file")
    if target.is_dir():
        raise InputError(f"{path}: is a folder, not a JSON Lines file of {what}")
    found = lines = 0
    try:
        for _, value, broken in json_lines(target):
            lines += 1
            if broken is not None:
                raise InputError(broken)
            if isinstance(value, dict) and all(key in value for key in keys):
                found += 1
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text ({error.reason}), not a JSON Lines file of {what}") from None
    except OSError as error:
        raise InputError(f"{path}: cannot be read ({error.strerror or error})") from None
    if lines == 0:
        raise InputError(f"{path}: empty file, no {what}")
    if found == 0:
        raise InputError(f"{path}: no {what} in it (none of its {lines} lines has {', '.join(keys)})")
    return found


def json_lines(path: Path) -> Iterator[tuple[int, Any, str | None]]:
    """Each non-empty line of a JSON Lines file as (line number, value, None), or (number, None, why) when broken.

    The callers decide what a broken line costs: the training corpus stops, a
    review sheet or a batch loses that line only.
    """
    with Path(path).open(encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line), None
            except json.JSONDecodeError as error:
                yield number, None, f"{path}:{number}: broken JSON line ({error.msg})"
