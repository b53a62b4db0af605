"""Progress of a long run on a terminal: documents done out of the total, rate, time left.

A run over a province's archive takes minutes; a person at a terminal wants to
see it move and know when it ends. tqdm draws the bar (documents done / total,
percentage, documents per second, time left) with the figures and rejections
found so far. A pipe, a log file or CI does not want it: there the bar would be
noise (carriage returns garble logs), so it is drawn only on a terminal, and
never with `--quiet`. Messages (rejected inputs, notices) are printed on lines of
their own above the bar.
"""

from __future__ import annotations

import io
import logging
import os
import sys
import threading
from collections.abc import Callable
from typing import ClassVar, TextIO

from tqdm import tqdm

REDRAW_SECONDS = 0.25


class Progress:
    """Counts a batch as it goes and draws one progress bar on a terminal."""

    active: ClassVar[Progress | None] = None  # where notices go while a bar is drawn

    def __init__(
        self, stream: TextIO | None = None, quiet: bool = False, total: int | None = None,
        redraw: float = REDRAW_SECONDS,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = not quiet and _is_terminal(self.stream)
        self.documents = 0
        self.figures = 0
        self.errors = 0
        self._counted: int | None = None
        self.bar = tqdm(
            total=total, file=self.stream, desc="solieu", unit=" doc", leave=False,
            mininterval=redraw, disable=not self.enabled, ncols=_width(self.stream),
            nrows=20,  # one bar; given, so that a terminal without a size (rows 0) does not hide it
        )
        if self.enabled:
            Progress.active = self

    def count(self, counter: Callable[[], int]) -> None:
        """Find the total in the background (it walks the inputs) while the run starts; only on a terminal."""
        if not self.enabled or self.bar.total is not None:
            return

        def run() -> None:
            try:
                self._counted = counter()
            except Exception:  # no total is better than no run
                self._counted = None

        threading.Thread(target=run, name="solieu-count", daemon=True).start()

    def document(self, figures: int) -> None:
        self.documents += 1
        self.figures += figures
        self._advance()

    def error(self) -> None:
        self.errors += 1
        self._advance()

    def line(self) -> str:
        """What the bar shows beside the count: what the run has found so far."""
        return f"{self.figures} figures, {self.errors} rejected"

    def message(self, text: str) -> None:
        """A line of its own (an error) printed above the bar, which is then redrawn."""
        if self.enabled:
            self.bar.write(text, file=self.stream)
        else:
            print(text, file=self.stream, flush=True)

    def close(self) -> None:
        """Remove the bar, so that the summary line after it stands alone."""
        if Progress.active is self:
            Progress.active = None
        self.bar.close()

    def _advance(self) -> None:
        if not self.enabled:
            return
        if self._counted is not None and self.bar.total is None:
            self.bar.total = max(self._counted, self.documents + self.errors)
        self.bar.set_postfix_str(self.line(), refresh=False)
        self.bar.update(1)


class NoticeHandler(logging.Handler):
    """Notices of the readers (`solieu` logger) as `solieu: ...` lines on stderr, above the bar if one is drawn."""

    def emit(self, record: logging.LogRecord) -> None:
        text = f"solieu: {record.getMessage()}"
        if Progress.active is not None:
            Progress.active.message(text)
        else:
            print(text, file=sys.stderr, flush=True)


def _width(stream: TextIO) -> int:
    """The terminal's width; a pseudo-terminal without a size (CI, `script`) reports 0, which draws nothing."""
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
        columns = 0
    return columns if columns >= 40 else 100


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or bare stream is not a terminal
        return False
