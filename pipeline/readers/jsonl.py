"""JSON Lines of documents: `{"id", "text", "url"?, "title"?, "published"?, "kind"?}` per line.

A collection can be far larger than any one document, so the file is streamed
and the size limit applies to each line. A bad line costs that line only: it
becomes a Rejected named `file:line`, and the lines after it are read as usual.
The `text` is kept exactly as the JSON gives it (offsets point into it).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from pipeline.readers.base import KINDS, Rejected, iso_date, size_text, text_id
from pipeline.readers.decode import bom_encoding
from pipeline.records import Document

_CHUNK = 1 << 16


def read_jsonl(path: Path, max_size: int) -> Iterator[Document | Rejected]:
    """Every line's Document or Rejected; a file with no line at all is one Rejected."""
    count = 0
    for item in _read_lines(path, max_size):
        count += 1
        yield item
    if count == 0:
        yield Rejected(str(path), "JSON Lines file without a single line of JSON")


def _read_lines(path: Path, max_size: int) -> Iterator[Document | Rejected]:
    with path.open("rb") as handle:
        marked = bom_encoding(handle.read(4))
        handle.seek(0)
        if marked and marked[0] != "utf-8":
            yield from _read_wide(path, handle, marked[0], max_size)
            return
        for number, raw in _lines(handle, max_size):
            item = line_document(raw, number, f"{path}:{number}", str(path), max_size)
            if item is not None:
                yield item


def line_document(raw: bytes | None, number: int, where: str, source: str,
                  max_size: int) -> Document | Rejected | None:
    """One raw line of a UTF-8 JSON Lines file: its document, why it is rejected, or None when blank.

    `raw` is None for a line over the size limit. Shared with the Dask engine,
    whose workers read their own runs of lines from a byte offset.
    """
    if raw is None:
        return Rejected(where, f"line over the {size_text(max_size)} size limit")
    if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if not raw.strip():
        return None
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return Rejected(where, f"not UTF-8 text ({error.reason} at byte {error.start})")
    return document_from_json(line, where, source)


def _read_wide(path: Path, handle: IO[bytes], encoding: str, max_size: int) -> Iterator[Document | Rejected]:
    """UTF-16/32 JSON Lines, written by some Windows tools; decoded as a stream."""
    text = io.TextIOWrapper(handle, encoding=encoding.replace("-le", "").replace("-be", ""), newline="")
    try:
        for number, line in enumerate(text, start=1):
            where = f"{path}:{number}"
            if len(line) > max_size:
                yield Rejected(where, f"line over the {size_text(max_size)} size limit")
            elif line.strip():
                yield document_from_json(line, where, str(path))
    except UnicodeDecodeError as error:
        yield Rejected(str(path), f"not valid {encoding.upper()} text after the last line read ({error.reason})")


def _lines(handle: IO[bytes], max_size: int) -> Iterator[tuple[int, bytes | None]]:
    """Numbered lines; None for a line over the limit, which is skipped without being held in memory."""
    number = 0
    while True:
        raw = handle.readline(max_size + 1)
        if not raw:
            return
        number += 1
        if len(raw) > max_size and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):
                raw = handle.readline(_CHUNK)
            yield number, None
            continue
        yield number, raw


def document_from_json(line: str, where: str, path: str) -> Document | Rejected:
    try:
        data = json.loads(line.rstrip("\r\n"))
    except json.JSONDecodeError as error:
        return Rejected(where, f"broken JSON line ({error.msg}: column {error.colno})")
    except RecursionError:
        return Rejected(where, "broken JSON line (nested too deeply)")
    if not isinstance(data, dict):
        return Rejected(where, "a JSON line must be an object with a 'text'")
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        return Rejected(where, "no 'text' in the JSON line")
    return Document(
        doc_id=_field(data, "id", "doc_id") or text_id(text),
        source=_field(data, "url", "source") or path,
        text=text,
        title=_field(data, "title"),
        published=iso_date(data.get("published")),
        kind=kind if (kind := _field(data, "kind")) in KINDS else None,
    )


def _field(data: dict[str, Any], *names: str) -> str | None:
    """The first of `names` that holds a non-empty scalar, as a string."""
    for name in names:
        value = data.get(name)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            return str(value)
    return None
