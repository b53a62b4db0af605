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
from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError, PdfReadError

from solieu.pipeline.readers.base import DEFAULT_MAX_SIZE, Unreadable, clean_title, size_text
from solieu.pipeline.records import Document

# pypdf logs each oddity of a damaged file; the reader reports one reason instead.
logging.getLogger("pypdf").setLevel(logging.CRITICAL)

_PAGE_NUMBER = re.compile(r"\s*[-–]?\s*\d{1,4}\s*(?:/\s*\d{1,4}\s*)?[-–]?\s*")
# A line at least this share of the page's longest line was wrapped by the layout;
# a shorter one ends its paragraph (a heading, a date line, a paragraph's last line).
FULL_LINE = 0.75
_SPACES = re.compile(r"[ \t\u00a0]{2,}")
_SENTENCE_END = re.compile(r"[.!?:;…]['\")\]]?\s*$")
_LIST_START = re.compile(r"\s*(?:[-–•+*]\s|\d{1,2}(?:\.\d{1,2})*[.)]\s|[a-zđ]\)\s|[IVXLC]{1,6}\.\s)")


def read_pdf(data: bytes, path: Path, max_size: int = DEFAULT_MAX_SIZE) -> Document:
    reader = _open(data)
    pages = [_page_lines(page) for page in _pages(reader, max_size)]
    text = reflow([line for page in pages for line in page])
    if not text.strip():
        raise Unreadable(f"scanned PDF without a text layer ({len(pages)} pages, no text): it needs OCR first")
    title = None
    try:
        title = (reader.metadata.title if reader.metadata else None) or None
    except (PdfReadError, TypeError, ValueError, KeyError, AttributeError):
        pass
    return Document(doc_id=path.stem, source=str(path), text=text, title=clean_title(title))


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


def _pages(reader: pypdf.PdfReader, max_size: int = DEFAULT_MAX_SIZE) -> list[str]:
    """Text of each page; a page whose content cannot be decoded counts as a page without text.

    pypdf bounds each stream it inflates; the pages together are bounded here: their
    text may not exceed the size limit, however many pages each stay under pypdf's.
    """
    texts: list[str] = []
    total = 0
    for number, page in enumerate(reader.pages, start=1):
        try:
            text = page.extract_text() or ""
            if not text.strip():
                _inflate_contents(page)  # pypdf's text extraction hides a stream that hit its limit
            texts.append(text)
            total += len(text.encode("utf-8"))
        except LimitReachedError:
            # pypdf stops inflating a stream past its limit: a decompression bomb, not a scan.
            raise Unreadable(f"PDF decompression bomb: page {number} inflates past pypdf's limit") from None
        except Exception:  # one damaged page must not cost the others
            texts.append("")
        if total > max_size:
            raise Unreadable(f"PDF whose pages hold more than the {size_text(max_size)} size limit of text "
                             f"(reached at page {number}): a decompression bomb, not a report")
    return texts


def _inflate_contents(page: pypdf.PageObject) -> None:
    """Inflate a page's content stream, which raises LimitReachedError for a decompression bomb."""
    contents = page.get_contents()
    if contents is not None:
        contents.get_data()


def _page_lines(page: str) -> list[tuple[str, bool]]:
    """Lines of a page, each with whether it runs to the right margin (so its paragraph goes on).

    The runs of spaces that justified text leaves between words become one space.
    """
    page = page.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in page.split("\n")]
    while lines and (not lines[0] or _PAGE_NUMBER.fullmatch(lines[0])):
        lines.pop(0)
    while lines and (not lines[-1] or _PAGE_NUMBER.fullmatch(lines[-1])):
        lines.pop()
    width = max((len(line) for line in lines), default=0)
    return [(line, len(line) >= FULL_LINE * width) for line in lines]


def reflow(lines: list[tuple[str, bool]]) -> str:
    """Lines back into paragraphs: a line is joined to the one before only when that one ran
    to the margin without ending a sentence, and the line itself does not start a list item."""
    out: list[str] = []
    previous_full = False
    for line, full in lines:
        if not line:
            if out and out[-1]:
                out.append("")
        elif out and out[-1] and previous_full and not _SENTENCE_END.search(out[-1]) and not _LIST_START.match(line):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
        previous_full = full
    return "\n".join(out).strip()
