"""Stage 1, read: the stage's public face; the readers themselves live in `pipeline.readers`.

`read_inputs(paths)` yields a Document for every document of the inputs and a
`Rejected` (input + one-line reason) for every input that cannot be read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.readers import DEFAULT_MAX_SIZE, Rejected, read_file, read_inputs, text_id

__all__ = ["DEFAULT_MAX_SIZE", "Rejected", "json_lines", "read_file", "read_inputs", "text_id"]


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
