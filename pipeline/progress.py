"""A one-line progress display for long runs: documents, figures, errors and rate.

A run over a province's archive takes minutes; a person at a terminal wants to
see it move. A pipe, a log file or CI does not: there the line would be noise
(and carriage returns garble logs), so it is shown only on a terminal, and never
with `--quiet`. It is redrawn at most a few times a second so that drawing costs
nothing next to extraction.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

REDRAW_SECONDS = 0.25
_CLEAR_LINE = "\r\x1b[K"


class Progress:
    """Counts a batch as it goes and redraws one status line on a terminal."""

    def __init__(
        self,
        stream: TextIO | None = None,
        quiet: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = not quiet and _is_terminal(self.stream)
        self.clock = clock
        self.started = clock()
        self.last_drawn: float | None = None
        self.documents = 0
        self.figures = 0
        self.errors = 0

    def document(self, figures: int) -> None:
        self.documents += 1
        self.figures += figures
        self._maybe_draw()

    def error(self) -> None:
        self.errors += 1
        self._maybe_draw()

    def line(self) -> str:
        elapsed = max(self.clock() - self.started, 1e-9)
        rate = self.documents / elapsed
        return (
            f"solieu: {self.documents} documents, {self.figures} figures, "
            f"{self.errors} errors, {rate:.1f} documents/s"
        )

    def message(self, text: str) -> None:
        """A line of its own (an error) printed above the status line, which is then redrawn."""
        if self.enabled and self.last_drawn is not None:
            self.stream.write(_CLEAR_LINE)
        print(text, file=self.stream, flush=True)
        if self.enabled and self.last_drawn is not None:
            self._draw()

    def close(self) -> None:
        """Remove the status line, so that the summary line after it stands alone."""
        if self.enabled and self.last_drawn is not None:
            self.stream.write(_CLEAR_LINE)
            self.stream.flush()
            self.last_drawn = None

    def _maybe_draw(self) -> None:
        if not self.enabled:
            return
        now = self.clock()
        if self.last_drawn is None or now - self.last_drawn >= REDRAW_SECONDS:
            self._draw()

    def _draw(self) -> None:
        self.stream.write(_CLEAR_LINE + self.line())
        self.stream.flush()
        self.last_drawn = self.clock()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or bare stream is not a terminal
        return False
