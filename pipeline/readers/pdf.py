"""PDF files with a text layer: the text of every page, lines joined back into paragraphs.

A PDF stores lines, not paragraphs: a sentence and even a figure (`135,8` /
`triệu đồng`) can be cut by a line end. Lines are joined with a space unless the
line before ends a sentence or the next one starts a list item, which gives the
segmenter the paragraphs the author wrote. Page numbers alone on the first or
last line of a page are dropped: they are not figures. A scanned PDF has pages
but no text; it is reported as such (it needs OCR), never read as empty.
"""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

import pypdf
from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

from pipeline.readers.base import Unreadable
from pipeline.records import Document

# pypdf logs each oddity of a damaged file; the reader reports one reason instead.
logging.getLogger("pypdf").setLevel(logging.CRITICAL)

_PAGE_NUMBER = re.compile(r"\s*[-–]?\s*\d{1,4}\s*(?:/\s*\d{1,4}\s*)?[-–]?\s*")
_SPACES = re.compile(r"[ \t\u00a0]{2,}")
_SENTENCE_END = re.compile(r"[.!?:;…]['\")\]]?\s*$")
_LIST_START = re.compile(r"\s*(?:[-–•+*]\s|\d{1,2}(?:\.\d{1,2})*[.)]\s|[a-zđ]\)\s|[IVXLC]{1,6}\.\s)")


def read_pdf(data: bytes, path: Path) -> Document:
    reader = _open(data)
    pages = [_page_lines(page) for page in _pages(reader)]
    text = reflow([line for page in pages for line in page])
    if not text.strip():
        raise Unreadable(f"scanned PDF without a text layer ({len(pages)} pages, no text): it needs OCR first")
    title = None
    try:
        title = (reader.metadata.title if reader.metadata else None) or None
    except (PdfReadError, TypeError, ValueError, KeyError, AttributeError):
        pass
    return Document(doc_id=path.stem, source=str(path), text=text, title=title.strip() if title else None)


def _open(data: bytes) -> pypdf.PdfReader:
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise Unreadable("password-protected PDF")
        len(reader.pages)  # reads the page tree: a truncated file fails here, not later
    except Unreadable:
        raise
    except FileNotDecryptedError:
        raise Unreadable("password-protected PDF") from None
    except DependencyError:
        raise Unreadable("encrypted PDF that needs the 'cryptography' package to be opened") from None
    except Exception as error:  # pypdf raises many kinds on a damaged file
        raise Unreadable(f"damaged PDF ({type(error).__name__}: {error})") from None
    return reader


def _pages(reader: pypdf.PdfReader) -> list[str]:
    """Text of each page; a page whose content cannot be decoded counts as a page without text."""
    texts: list[str] = []
    for page in reader.pages:
        try:
            texts.append(page.extract_text() or "")
        except Exception:  # one damaged page must not cost the others
            texts.append("")
    return texts


def _page_lines(page: str) -> list[str]:
    """Lines of a page; the runs of spaces that justified text leaves between words become one."""
    page = page.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in page.split("\n")]
    while lines and (not lines[0].strip() or _PAGE_NUMBER.fullmatch(lines[0])):
        lines.pop(0)
    while lines and (not lines[-1].strip() or _PAGE_NUMBER.fullmatch(lines[-1])):
        lines.pop()
    return lines


def reflow(lines: list[str]) -> str:
    """Lines back into paragraphs: a break stays only after a sentence end, before a list item or at a blank line."""
    out: list[str] = []
    for line in lines:
        if not out:
            out.append(line.strip())
            continue
        previous = out[-1]
        if not line.strip():
            if previous:
                out.append("")
        elif not previous or _SENTENCE_END.search(previous) or _LIST_START.match(line):
            out.append(line.strip())
        else:
            out[-1] = f"{previous} {line.strip()}"
    return "\n".join(out).strip()
