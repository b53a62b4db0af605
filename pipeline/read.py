"""Stage 1, read: the stage's public face; the readers themselves live in `pipeline.readers`.

`read_inputs(paths)` yields a Document for every document of the inputs and a
`Rejected` (input + one-line reason) for every input that cannot be read.
"""

from __future__ import annotations

from pipeline.readers import DEFAULT_MAX_SIZE, Rejected, read_file, read_inputs, text_id

__all__ = ["DEFAULT_MAX_SIZE", "Rejected", "read_file", "read_inputs", "text_id"]
