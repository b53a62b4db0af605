"""Stage 1, read: turn the user's inputs into Documents, one reader per format.

Inputs are files and folders (walked recursively, in sorted order so runs are
reproducible). Each file is read by the reader its content calls for, the
suffix being only a hint: plain text in any encoding (`decode`), JSON Lines
(`jsonl`), saved web pages (`webpage`), Word documents (`word`) and PDFs with a
text layer (`pdf`). A bad input never stops the batch: it becomes a `Rejected`
naming the input and why, and costs nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from pipeline.readers.base import DEFAULT_MAX_SIZE, Rejected, Unreadable, size_text, text_id
from pipeline.readers.decode import declared_charset, decode_text
from pipeline.readers.jsonl import read_jsonl
from pipeline.readers.sniff import DOCUMENT_SUFFIXES, binary_kind, is_jsonl, text_kind
from pipeline.records import Document

READER_FAILED = "reader failed"

__all__ = ["DEFAULT_MAX_SIZE", "Rejected", "read_file", "read_inputs", "text_id"]


def read_inputs(inputs: Iterable[str | Path], max_size: int = DEFAULT_MAX_SIZE) -> Iterator[Document | Rejected]:
    """Yield every document of the inputs, in order, and a Rejected for each bad one."""
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            yield from _read_folder(path, max_size)
        elif path.is_file():
            yield from read_file(path, max_size)
        elif path.exists():
            yield Rejected(str(path), "not a regular file")
        else:
            yield Rejected(str(path), "no such file or folder")


def _read_folder(folder: Path, max_size: int) -> Iterator[Document | Rejected]:
    """Files a person would call documents: known suffixes or none; hidden files and Office lock files skipped."""
    try:
        children = sorted(p for p in folder.rglob("*") if p.is_file())
    except OSError as error:
        yield Rejected(str(folder), f"folder cannot be read ({error.strerror})")
        return
    for child in children:
        relative = child.relative_to(folder).parts
        if any(part.startswith((".", "~$")) for part in relative):
            continue
        if child.suffix.lower() in DOCUMENT_SUFFIXES or not child.suffix:
            yield from read_file(child, max_size)


def read_file(path: Path, max_size: int = DEFAULT_MAX_SIZE) -> Iterator[Document | Rejected]:
    """The documents of one file: one, or one per line of a JSON Lines file."""
    source = str(path)
    try:
        size = path.stat().st_size
        if size == 0:
            yield Rejected(source, "empty file")
            return
        with path.open("rb") as handle:
            first_line = handle.readline(max_size)
        if is_jsonl(first_line, path.suffix.lower()):
            yield from read_jsonl(path, max_size)
            return
        if size > max_size:
            yield Rejected(source, f"{size_text(size)}, over the {size_text(max_size)} size limit")
            return
        yield parse(path.read_bytes(), path, max_size)
    except Unreadable as error:
        yield Rejected(source, str(error))
    except OSError as error:
        yield Rejected(source, f"cannot be read ({error.strerror or error})")
    except Exception as error:  # a reader's own bug on odd input must cost this file only
        yield Rejected(source, f"{READER_FAILED} ({type(error).__name__}: {error})")


def parse(data: bytes, path: Path, max_size: int = DEFAULT_MAX_SIZE) -> Document | Rejected:
    """One document from the bytes of a file, by the reader its content calls for."""
    try:
        # The format readers are imported on first use: trafilatura, pypdf and python-docx
        # take most of a second to load, which a batch of plain text should not pay.
        kind = binary_kind(data)
        if kind == "pdf":
            from pipeline.readers.pdf import read_pdf

            return read_pdf(data, path)
        if kind == "docx":
            from pipeline.readers.word import read_docx

            return read_docx(data, path, max_size)
        text = decode_text(data, declared_charset(data))
        if text_kind(text, path.suffix.lower()) == "html":
            from pipeline.readers.webpage import read_html

            return read_html(text, path)
        return _plain_text(text, path)
    except Unreadable as error:
        return Rejected(str(path), str(error))
    except Exception as error:  # a parser's own bug on odd input must cost this file only
        return Rejected(str(path), f"{READER_FAILED} ({type(error).__name__}: {error})")


def _plain_text(text: str, path: Path) -> Document:
    if not text.strip():
        raise Unreadable("empty document (only white space)")
    return Document(doc_id=path.stem, source=str(path), text=text)
