"""What every reader shares: the Rejected record, the exception readers raise, ids and dates.

A reader that meets bad input raises `Unreadable` with a reason a person can act
on; `read_inputs` turns it into a `Rejected` naming the input, so one bad file
costs one line on stderr and one row in the errors file, nothing else.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from solieu.pipeline.normalise import normalise

DEFAULT_MAX_SIZE = 20 * 1000 * 1000  # bytes; a provincial report is well under 5 MB
MAX_REASON = 300  # characters of a rejection reason
KINDS = frozenset({"news", "plan", "report"})
MAX_ID = 512  # characters of a document id: longer is a mistake (a text pasted as id), not a name

# Notices: something was read, but not exactly as given (bytes replaced, a file skipped).
# They are not rejections (nothing is lost); the command line prints them as `solieu: ...`.
LOG = logging.getLogger("solieu")
LOG.addHandler(logging.NullHandler())  # a library caller that configured no logging hears nothing

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?")
_DMY_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


@dataclass(frozen=True)
class Rejected:
    """An input (or one line of it) that could not be read, with a one-line reason."""

    source: str
    reason: str

    def __post_init__(self) -> None:
        # A parser's message may span lines or run long; the errors file and stderr get one short line.
        reason = " ".join(str(self.reason).split())
        if len(reason) > MAX_REASON:
            reason = reason[: MAX_REASON - 1] + "…"
        object.__setattr__(self, "reason", reason)

    def message(self) -> str:
        return f"{self.source}: {self.reason}"


def notice(source: str, message: str) -> None:
    """Say that an input was read with a change or skipped, without rejecting it."""
    LOG.warning("%s: %s", source, message)


def shown_path(path: str | Path) -> str:
    """A path as text that can always be printed and written as UTF-8.

    A file name with bytes that are not UTF-8 (`lat\\xffin.txt`, from an old
    archive) decodes to lone surrogates, which no UTF-8 output accepts; the bytes
    are shown as `\\xff` escapes instead, so the name stays unique and readable.
    """
    return os.fsencode(path).decode("utf-8", "backslashreplace")


class Unreadable(Exception):
    """Raised by a reader with the reason the input is not a document."""


def text_id(text: str) -> str:
    """A stable id from the normalised text, so an NFD or re-encoded copy keeps the same id."""
    return hashlib.sha1(normalise(text).text.encode("utf-8")).hexdigest()[:16]


def iso_date(value: object) -> str | None:
    """YYYY-MM-DD or YYYY-MM from the shapes metadata carries (ISO, with time, or dd/mm/yyyy).

    Anything else is dropped rather than rejected: a bad date must not cost the document.
    """
    if not isinstance(value, str):
        return None
    match = _ISO_DATE.match(value.strip())
    if match:
        year, month, day = match.groups()
    else:
        match = _DMY_DATE.match(value.strip())
        if not match:
            return None
        day, month, year = match.groups()
    try:
        if day is None:
            dt.date(int(year), int(month), 1)
            return f"{int(year):04d}-{int(month):02d}"
        return dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def clean_title(title: object) -> str | None:
    """A title as people search for it: NFC, one line; None when there is none.

    Titles are metadata, never offset into, so they can be normalised freely.
    """
    if not isinstance(title, str) or not title.strip():
        return None
    return unicodedata.normalize("NFC", " ".join(title.split()))


def size_text(size: int) -> str:
    """Sizes in messages, in the unit people use for files."""
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size} bytes"
