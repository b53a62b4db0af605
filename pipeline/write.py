"""Last stage, write: records to JSON Lines, never leaving a half-written file.

Output goes to a temporary file beside the target and is renamed over it only
when the batch is complete, so an interrupted run leaves the old file (or none).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


@contextlib.contextmanager
def atomic_output(path: str | Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary sibling of `path`; rename it to `path` only on success."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    binary = "b" in mode
    handle = os.fdopen(fd, mode, **({} if binary else {"encoding": "utf-8", "newline": "\n"}))
    try:
        with handle:
            yield handle
        os.chmod(tmp_name, 0o666 & ~_umask())  # mkstemp makes it private; a result file is not
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def dump_record(record: dict[str, Any]) -> str:
    """One JSON line, Vietnamese kept readable."""
    return json.dumps(record, ensure_ascii=False) + "\n"
