"""JSON Lines of documents: `{"id", "text", "url"?, "title"?, "published"?, "kind"?}` per line.

A collection can be far larger than any one document, so the file is streamed
and the size limit applies to each line. A bad line costs that line only: it
becomes a Rejected named `file:line`, and the lines after it are read as usual.
The `text` is kept exactly as the JSON gives it (offsets point into it).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from solieu.pipeline.readers.base import MAX_ID, KINDS, Rejected, iso_date, notice, size_text, text_id
from solieu.pipeline.readers.decode import bom_encoding
from solieu.pipeline.records import Document

_CHUNK = 1 << 16
_SURROGATE = re.compile("[\ud800-\udfff]")


def read_jsonl(path: Path, max_size: int, source: str | None = None) -> Iterator[Document | Rejected]:
    """Every line's Document or Rejected; a file with no line at all is one Rejected.

    `source` is the file's name as shown to the user (default: the path). An id
    used by an earlier line of the file rejects the later line: the store keys
    documents by id, so the second would silently replace the first.
    """
    shown = source or str(path)
    count = 0
    lines_of: dict[str, int] = {}
    for number, item in _read_lines(path, max_size, shown):
        count += 1
        if isinstance(item, Document):
            first = lines_of.setdefault(item.doc_id, number)
            if first != number:
                item = Rejected(f"{shown}:{number}", f"id '{item.doc_id}' repeats the id of line {first}")
        yield item
    if count == 0:
        yield Rejected(shown, "JSON Lines file without a single line of JSON")


def _read_lines(path: Path, max_size: int, shown: str) -> Iterator[tuple[int, Document | Rejected]]:
    with path.open("rb") as handle:
        marked = bom_encoding(handle.read(4))
        handle.seek(0)
        if marked and marked[0] != "utf-8":
            yield from _read_wide(shown, handle, marked[0], max_size)
            return
        for number, raw in _lines(handle, max_size):
            try:
                item = line_document(raw, number, f"{shown}:{number}", shown, max_size)
            except Exception as error:  # whatever one line does, the lines after it are read
                item = Rejected(f"{shown}:{number}", f"line cannot be read ({type(error).__name__}: {error})")
            if item is not None:
                yield number, item


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


def _read_wide(shown: str, handle: IO[bytes], encoding: str, max_size: int) -> Iterator[tuple[int, Document | Rejected]]:
    """UTF-16/32 JSON Lines, written by some Windows tools; decoded as a stream."""
    text = io.TextIOWrapper(handle, encoding=encoding.replace("-le", "").replace("-be", ""), newline="")
    number = 0
    try:
        for number, line in enumerate(text, start=1):
            where = f"{shown}:{number}"
            if len(line) > max_size:
                yield number, Rejected(where, f"line over the {size_text(max_size)} size limit")
            elif line.strip():
                yield number, document_from_json(line, where, shown)
    except UnicodeDecodeError as error:
        yield number + 1, Rejected(shown, f"not valid {encoding.upper()} text after the last line read ({error.reason})")


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
    except ValueError as error:  # an integer of more digits than Python converts
        return Rejected(where, f"broken JSON line ({error})")
    if not isinstance(data, dict):
        return Rejected(where, "a JSON line must be an object with a 'text'")
    data = _without_surrogates(data, where)
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        return Rejected(where, "no 'text' in the JSON line")
    given_id = _field(data, "id", "doc_id")
    if given_id is not None and len(given_id) > MAX_ID:
        return Rejected(where, f"id of {len(given_id)} characters, over the {MAX_ID} a document id may have")
    return Document(
        doc_id=given_id or text_id(text),
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


def _without_surrogates(data: dict[str, Any], where: str) -> dict[str, Any]:
    """String fields with lone surrogate escapes (`"\\ud800"`) replaced by U+FFFD, and said so.

    JSON allows the escape but it is no character: no UTF-8 output can hold it.
    One code unit becomes one character, so offsets into `text` are kept.
    """
    cleaned = dict(data)
    for name, value in data.items():
        if isinstance(value, str) and _SURROGATE.search(value):
            cleaned[name], count = _SURROGATE.subn("\ufffd", value)
            notice(where, f"{count} lone surrogate escape(s) in '{name}' replaced by U+FFFD")
    return cleaned
