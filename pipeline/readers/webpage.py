"""Saved web pages: the article's main text, its title and publication date.

News sites wrap an article in menus, "Tin khác" link lists, share buttons,
scripts and footers, all full of numbers that are not figures. trafilatura
keeps the main text only; its title and date come from the page's metadata
(`og:title`, `article:published_time`, `<time>` ...). The date search is kept to
the markup: a date guessed from the article text would be a date in the text,
not the publication date.
"""

from __future__ import annotations

import html
import logging
from html.parser import HTMLParser
from pathlib import Path

import trafilatura

from solieu.pipeline.readers.base import Unreadable, clean_title, iso_date
from solieu.pipeline.records import Document

# trafilatura and htmldate log every page they find poor; the reader reports
# its own one-line reason instead, so their chatter would only duplicate it.
for _name in ("trafilatura", "htmldate", "courlan", "justext"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)

DATE_PARAMS = {"extensive_search": False, "original_date": True}
# libxml2 (under trafilatura) gives up on elements nested deeper than 255 levels and
# the page comes out empty; nesting past this depth is flattened and the page read again.
MAX_DEPTH = 200
# The parser's tree costs a few hundred bytes an element: a page of tiny tags under the size
# limit could take gigabytes. A long report saved as a page has tens of thousands.
MAX_TAGS = 400_000
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
                   "source", "track", "wbr"})


def read_html(page: str, path: Path) -> Document:
    tags = page.count("<")
    if tags > MAX_TAGS:  # the page's parts, bounded together as a Word file's and a PDF's are
        raise Unreadable(f"HTML page of {tags:,} tags, over the {MAX_TAGS:,} a page may have: "
                         "its tree would take gigabytes, not an article")
    try:
        return _read_html(page, path)
    except Unreadable:
        flat = flatten_deep(page)
        if flat is None:
            raise
        return _read_html(flat, path)


class _Flattener(HTMLParser):
    """Rewrites a page with the tags nested deeper than MAX_DEPTH left out and their text kept."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.depth = 0
        self.deepest = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth < MAX_DEPTH:
            self.out.append(self.get_starttag_text() or f"<{tag}>")
        if tag not in _VOID:
            self.depth += 1
            self.deepest = max(self.deepest, self.depth)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth < MAX_DEPTH:
            self.out.append(self.get_starttag_text() or f"<{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        self.depth = max(0, self.depth - 1)
        if self.depth < MAX_DEPTH:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.out.append(html.escape(data, quote=False))

    def handle_decl(self, decl: str) -> None:
        self.out.append(f"<!{decl}>")


def flatten_deep(page: str) -> str | None:
    """The page with its too-deep nesting flattened, or None when it was not nested too deeply."""
    parser = _Flattener()
    parser.feed(page)
    parser.close()
    return "".join(parser.out) if parser.deepest > MAX_DEPTH else None


def _read_html(page: str, path: Path) -> Document:
    try:
        extracted = trafilatura.bare_extraction(
            page,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            date_extraction_params=DATE_PARAMS,
        )
    except (ValueError, TypeError, AttributeError, RecursionError) as error:
        raise Unreadable(f"damaged HTML page ({type(error).__name__}: {error})") from None
    text = (getattr(extracted, "text", None) or "").strip()
    if not text:
        raise Unreadable("HTML page with no article text")
    return Document(
        doc_id=path.stem,
        # The article's own address when the page states it: that is the source a reader can check.
        source=(getattr(extracted, "url", None) or "").strip() or str(path),
        text=text,
        title=clean_title(getattr(extracted, "title", None)),
        published=iso_date(getattr(extracted, "date", None)),
    )
