"""Stage 1, read: turn the user's inputs into Documents.

Inputs are `.txt` files, folders (walked recursively, in sorted order so runs are
reproducible) and `.jsonl` files of `{"id", "text", "url"?, "title"?, "published"?}`.
A bad input never stops the batch: it becomes a `Rejected` naming the input and why.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.records import Document

TEXT_SUFFIXES = {".txt"}
JSONL_SUFFIXES = {".jsonl"}


@dataclass(frozen=True)
class Rejected:
    """An input (or one line of it) that could not be read, with a one-line reason."""

    source: str
    reason: str

    def message(self) -> str:
        return f"{self.source}: {self.reason}"


def text_id(text: str) -> str:
    """A stable id from the text itself, so that the same article gets the same id anywhere."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def read_inputs(inputs: Iterable[str | Path]) -> Iterator[Document | Rejected]:
    """Yield every document of the inputs, in order, and a Rejected for each bad one."""
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                if child.suffix.lower() in TEXT_SUFFIXES | JSONL_SUFFIXES:
                    yield from read_file(child)
        elif path.exists():
            yield from read_file(path)
        else:
            yield Rejected(str(path), "no such file or folder")


def read_file(path: Path) -> Iterator[Document | Rejected]:
    if path.suffix.lower() in JSONL_SUFFIXES:
        yield from read_jsonl(path)
    else:
        yield read_text_file(path)


def read_text_file(path: Path) -> Document | Rejected:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return Rejected(str(path), f"not UTF-8 text ({error.reason} at byte {error.start})")
    except OSError as error:
        return Rejected(str(path), f"cannot be read ({error.strerror})")
    if not text.strip():
        return Rejected(str(path), "empty document")
    return Document(doc_id=path.stem, source=str(path), text=text)


def read_jsonl(path: Path) -> Iterator[Document | Rejected]:
    try:
        handle = path.open(encoding="utf-8-sig")
    except OSError as error:
        yield Rejected(str(path), f"cannot be read ({error.strerror})")
        return
    with handle:
        try:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    yield document_from_json(line, f"{path}:{number}", str(path))
        except UnicodeDecodeError as error:
            yield Rejected(str(path), f"not UTF-8 text ({error.reason})")


def document_from_json(line: str, where: str, path: str) -> Document | Rejected:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as error:
        return Rejected(where, f"broken JSON line ({error.msg})")
    if not isinstance(data, dict):
        return Rejected(where, "a JSON line must be an object with a 'text'")
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        return Rejected(where, "no 'text' in the JSON line")
    doc_id = str(data.get("id") or data.get("doc_id") or text_id(text))
    return Document(
        doc_id=doc_id,
        source=str(data.get("url") or data.get("source") or path),
        text=text,
        title=data.get("title"),
        published=data.get("published"),
    )
