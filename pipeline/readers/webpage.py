"""Saved web pages: the article's main text, its title and publication date.

News sites wrap an article in menus, "Tin khác" link lists, share buttons,
scripts and footers, all full of numbers that are not figures. trafilatura
keeps the main text only; its title and date come from the page's metadata
(`og:title`, `article:published_time`, `<time>` ...). The date search is kept to
the markup: a date guessed from the article text would be a date in the text,
not the publication date.
"""

from __future__ import annotations

import logging
from pathlib import Path

import trafilatura

from pipeline.readers.base import Unreadable, clean_title, iso_date
from pipeline.records import Document

# trafilatura and htmldate log every page they find poor; the reader reports
# its own one-line reason instead, so their chatter would only duplicate it.
for _name in ("trafilatura", "htmldate", "courlan", "justext"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)

DATE_PARAMS = {"extensive_search": False, "original_date": True}


def read_html(page: str, path: Path) -> Document:
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
