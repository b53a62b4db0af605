"""Stage 1, read: turn the user's inputs into Documents, one reader per format.

Inputs are files and folders (walked recursively, in sorted order so runs are
reproducible). Each file is read by the reader its content calls for, the
suffix being only a hint: plain text in any encoding (`decode`), JSON Lines
(`jsonl`), saved web pages (`webpage`), Word documents (`word`) and PDFs with a
text layer (`pdf`). A bad input never stops the batch: it becomes a `Rejected`
naming the input and why, and costs nothing else.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from solieu.pipeline.readers.base import (
    DEFAULT_MAX_SIZE, Rejected, Unreadable, notice, shown_path, size_text, text_id,
)
from solieu.pipeline.readers.decode import declared_charset, decode_text
from solieu.pipeline.readers.jsonl import read_jsonl
from solieu.pipeline.readers.sniff import DOCUMENT_SUFFIXES, binary_kind, is_jsonl, text_kind
from solieu.pipeline.records import Document

READER_FAILED = "reader failed"
SNIFF_HEAD = 4096
# Keys that mark a JSON line as something solieu wrote, not a document to read.
FIGURE_KEYS = frozenset({"doc_id", "start", "end", "value", "unit", "metric"})
ERROR_KEYS = frozenset({"source", "reason"})

__all__ = [
    "DEFAULT_MAX_SIZE", "Rejected", "expected_documents", "folder_files", "read_file", "read_inputs", "text_id",
]


def read_inputs(
    inputs: Iterable[str | Path], max_size: int = DEFAULT_MAX_SIZE, exclude: Iterable[str | Path] = ()
) -> Iterator[Document | Rejected]:
    """Yield every document of the inputs, in order, and a Rejected for each bad one.

    `exclude` names files never to read (the run's own outputs, when they sit in an
    input folder). A document id met twice is the second document's rejection:
    two documents under one id would replace each other in the store.
    """
    skipped = {key for p in exclude if (key := _file_key(Path(p))) is not None}
    return unique_ids(_read_all(inputs, max_size, skipped))


def _read_all(
    inputs: Iterable[str | Path], max_size: int, skipped: set[tuple[int, int]]
) -> Iterator[Document | Rejected]:
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            yield from _read_folder(path, max_size, skipped)
        elif path.is_file():
            yield from read_file(path, max_size, named=True)
        elif path.exists():
            yield Rejected(shown_path(path), "not a regular file")
        else:
            yield Rejected(shown_path(path), "no such file or folder")


def unique_ids(items: Iterable[Document | Rejected]) -> Iterator[Document | Rejected]:
    """Every item, except that a document whose id was already used in the batch is rejected."""
    first_source: dict[str, str] = {}
    for item in items:
        if isinstance(item, Document):
            earlier = first_source.get(item.doc_id)
            if earlier is not None:
                yield Rejected(item.source, f"document id '{item.doc_id}' is already used by {earlier} in this batch")
                continue
            first_source[item.doc_id] = item.source
        yield item


def _file_key(path: Path) -> tuple[int, int] | None:
    """What makes two paths the same file (device and inode), or None when there is no file."""
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_dev, info.st_ino


def folder_files(folder: Path) -> tuple[list[Path], list[Rejected]]:
    """Files a person would call documents, in sorted order, and the sub-folders that cannot be read.

    Known suffixes or none; hidden files and folders and Office lock files (`~$`)
    are left out. A folder that cannot be listed is a rejected input, never a
    silent gap in the batch.
    """
    files: list[Path] = []
    problems: list[Rejected] = []

    def unreadable(error: OSError) -> None:
        where = shown_path(error.filename if error.filename is not None else folder)
        problems.append(Rejected(where, f"folder cannot be read ({error.strerror or error})"))

    for root, folders, names in os.walk(folder, onerror=unreadable):
        folders[:] = [name for name in folders if not name.startswith((".", "~$"))]
        for name in sorted(folders):
            if Path(root, name).is_symlink():  # never followed; one that leads back is said
                problem = _folder_link_problem(Path(root, name))
                if problem:
                    problems.append(Rejected(shown_path(Path(root, name)), problem))
        for name in sorted(names):
            child = Path(root, name)
            if name.startswith((".", "~$")) or not (child.suffix.lower() in DOCUMENT_SUFFIXES or not child.suffix):
                continue
            if child.is_file():
                files.append(child)
            elif child.is_symlink() and not child.exists():
                problems.append(Rejected(shown_path(child), _broken_link(child)))
    return sorted(files), problems


def _folder_link_problem(link: Path) -> str | None:
    """Why a link to a folder is worth a word: it leads back into a folder that holds it (a loop)."""
    target = Path(os.path.realpath(link))
    for parent in link.parents:
        if Path(os.path.realpath(parent)) == target:
            return "symbolic link loop (leads back to a folder that holds it): not followed"
    return None


def _broken_link(link: Path) -> str:
    try:
        link.resolve(strict=True)
    except RuntimeError:  # Python < 3.13 says a loop this way
        return "symbolic link loop"
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "symbolic link loop"
    return "broken symbolic link (its target does not exist)"


def expected_documents(inputs: Iterable[str | Path], max_size: int = DEFAULT_MAX_SIZE) -> int:
    """About how many documents the inputs hold (a file is one, a JSON Lines file one per line).

    Only the progress bar's total: it costs a walk of the folders and a count of
    line ends, never a parse, so it stays cheap next to extraction.
    """
    total = 0
    for raw in inputs:
        path = Path(raw)
        files = folder_files(path)[0] if path.is_dir() else [path]
        total += sum(_documents_in(file, max_size) for file in files)
    return total


def _documents_in(path: Path, max_size: int) -> int:
    try:
        with path.open("rb") as handle:
            first = handle.readline(max_size)
            if not is_jsonl(first, path.suffix.lower()):
                return 1
            lines, last = first.count(b"\n"), first[-1:]
            while chunk := handle.read(1 << 20):
                lines, last = lines + chunk.count(b"\n"), chunk[-1:]
            return lines + (last not in (b"\n", b""))
    except OSError:
        return 1


def _read_folder(folder: Path, max_size: int, skipped: set[tuple[int, int]]) -> Iterator[Document | Rejected]:
    files, problems = folder_files(folder)
    yield from problems
    for child in files:
        if skipped and _file_key(child) in skipped:
            notice(shown_path(child), "an output of this run: skipped")
            continue
        yield from read_file(child, max_size, doc_id=folder_id(child, folder))


def folder_id(path: Path, root: Path) -> str:
    """A file's id in a folder: its path under the folder, without the suffix.

    `a/baocao.txt` and `b/baocao.txt` are two documents; the id says which, and a
    flat folder keeps plain file names as ids (`baocao`).
    """
    relative = path.relative_to(root).with_suffix("")
    return shown_path(relative.as_posix())


def read_file(
    path: Path, max_size: int = DEFAULT_MAX_SIZE, doc_id: str | None = None, named: bool = False
) -> Iterator[Document | Rejected]:
    """The documents of one file: one, or one per line of a JSON Lines file.

    `doc_id` is the id of a one-document file (default: its name without suffix);
    `named` says the user named the file, which makes a figures file given as
    input a rejection rather than a skipped file.
    """
    source = shown_path(path)
    try:
        size = path.stat().st_size
        if size == 0:
            yield Rejected(source, "empty file")
            return
        with path.open("rb") as handle:
            first_line = handle.readline(max_size)
        if is_jsonl(first_line, path.suffix.lower()):
            written = solieu_output(first_line)
            if written and named:
                yield Rejected(source, f"{written} written by solieu, not documents")
            elif written:
                notice(source, f"{written} written by solieu, not documents: skipped")
            else:
                yield from read_jsonl(path, max_size, source)
            return
        if size > max_size:
            yield Rejected(source, f"{size_text(size)}, over the {size_text(max_size)} size limit")
            return
        data = path.read_bytes()
        written = solieu_file(data)
        if written and named:
            yield Rejected(source, f"{written} written by solieu, not a document")
            return
        if written:
            notice(source, f"{written} written by solieu, not a document: skipped")
            return
        item = parse(data, path, max_size)
        if isinstance(item, Document):
            item = _named(item, path, source, doc_id)
        yield item
    except Unreadable as error:
        yield Rejected(source, str(error))
    except OSError as error:
        yield Rejected(source, f"cannot be read ({error.strerror or error})")
    except Exception as error:  # a reader's own bug on odd input must cost this file only
        yield Rejected(source, f"{READER_FAILED} ({type(error).__name__}: {error})")


def _named(doc: Document, path: Path, source: str, doc_id: str | None) -> Document:
    """The document with a printable source and its id under the input folder."""
    changes: dict[str, str] = {}
    if doc.source == str(path) and source != doc.source:
        changes["source"] = source
    wanted = doc_id if doc_id is not None else shown_path(path.stem)
    if doc.doc_id != wanted:
        changes["doc_id"] = wanted
    return dataclasses.replace(doc, **changes) if changes else doc


def solieu_output(first_line: bytes) -> str | None:
    """`figure records` or `rejected inputs` when a JSON Lines file is one solieu wrote, else None.

    An output saved inside an input folder would otherwise be read back as
    documents (a figure record has a `text`) and replace the real ones.
    """
    try:
        record = json.loads(first_line.lstrip(b"\xef\xbb\xbf").decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(record, dict):
        return None
    if FIGURE_KEYS <= record.keys():
        return "figure records"
    if record.keys() == ERROR_KEYS:
        return "rejected inputs"
    return None


# What marks a whole file as one solieu wrote: the schema note beside a CSV export, the HTML report.
SCHEMA_NOTE_KEYS = frozenset({"fields", "missingValues", "encoding"})
REPORT_MARK = b'<meta name="generator" content="solieu'


def solieu_file(data: bytes) -> str | None:
    """`a CSV schema note` or `a report` when the file is one solieu wrote, else None.

    Saved into an input folder, the next run would read them as documents (a report
    quotes every figure's sentence, and its figures would be counted twice).
    """
    head = data[:SNIFF_HEAD]
    if REPORT_MARK in head:
        return "a report"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") and b'"missingValues"' in data[:SNIFF_HEAD * 16]:
        try:
            note = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return None
        if isinstance(note, dict) and SCHEMA_NOTE_KEYS <= note.keys():
            return "a CSV schema note"
    return None


def parse(data: bytes, path: Path, max_size: int = DEFAULT_MAX_SIZE) -> Document | Rejected:
    """One document from the bytes of a file, by the reader its content calls for."""
    source = shown_path(path)
    try:
        # The format readers are imported on first use: trafilatura, pypdf and python-docx
        # take most of a second to load, which a batch of plain text should not pay.
        kind = binary_kind(data)
        if kind == "pdf":
            from solieu.pipeline.readers.pdf import read_pdf

            return read_pdf(data, path, max_size)
        if kind == "docx":
            from solieu.pipeline.readers.word import read_docx

            return read_docx(data, path, max_size)
        notes: list[str] = []
        text = decode_text(data, declared_charset(data), notes)
        for note in notes:
            notice(source, note)
        if text_kind(text, path.suffix.lower()) == "html":
            from solieu.pipeline.readers.webpage import read_html

            return read_html(text, path)
        return _plain_text(text, path)
    except Unreadable as error:
        return Rejected(source, str(error))
    except Exception as error:  # a parser's own bug on odd input must cost this file only
        return Rejected(source, f"{READER_FAILED} ({type(error).__name__}: {error})")


def _plain_text(text: str, path: Path) -> Document:
    if not text.strip():
        raise Unreadable("empty document (only white space)")
    return Document(doc_id=path.stem, source=str(path), text=text)
