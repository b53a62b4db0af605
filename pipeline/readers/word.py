"""Word documents (.docx): paragraphs and tables, in the order they appear.

Provincial reports put their results in tables (one row per indicator), so a
table row becomes one line of text with its cells separated by tabs, and a
merged cell is written once. Headers and footers (page numbers, letterheads)
are left out.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
from docx.oxml.simpletypes import ST_Merge
from docx.oxml.table import CT_Row
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from solieu.pipeline.readers.base import Unreadable, clean_title, size_text
from solieu.pipeline.records import Document

MAIN_PART = "word/document.xml"
# The XML of a Word file compresses about tenfold; a part that inflates a hundredfold
# or more (and to megabytes) is a zip bomb, not a report.
BOMB_RATIO = 100
BOMB_MIN_BYTES = 10 * 1000 * 1000
# python-docx holds the XML as a tree of about twenty times its size: the XML may not
# unpack to more than the size limit itself (thousands of pages of text).
XML_SUFFIXES = (".xml", ".rels")
# python-docx reads every part (images included) into memory: all parts together may unpack
# to this many times the size limit at most, and not by the bomb ratio overall either, so that
# a hundred parts each under the per-part floor are not a gigabyte.
TOTAL_PARTS_RATIO = 5


def read_docx(data: bytes, path: Path, max_size: int) -> Document:
    _check_package(data, max_size)
    try:
        word = docx.Document(io.BytesIO(data))
        blocks = [_block_text(block) for block in word.iter_inner_content()]
        title = word.core_properties.title
    except Unreadable:
        raise
    except Exception as error:  # python-docx and lxml raise many kinds on a damaged file
        raise Unreadable(f"damaged Word document ({type(error).__name__}: {error})") from None
    text = "\n".join(block for block in blocks if block.strip())
    if not text.strip():
        raise Unreadable("Word document with no text")
    return Document(doc_id=path.stem, source=str(path), text=text, title=clean_title(title))


def _check_package(data: bytes, max_size: int) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
            if MAIN_PART not in names:
                kind = "OpenDocument file" if "content.xml" in names else "ZIP archive"
                raise Unreadable(f"{kind}, not a Word .docx document")
            parts = package.infolist()
    except zipfile.BadZipFile as error:
        raise Unreadable(f"damaged Word document or ZIP archive ({error})") from None
    for part in parts:
        if part.file_size > BOMB_MIN_BYTES and part.file_size > BOMB_RATIO * max(part.compress_size, 1):
            raise Unreadable(
                f"zip bomb: {part.filename} unpacks from {size_text(part.compress_size)} "
                f"to {size_text(part.file_size)}, not a Word report"
            )
    xml = sum(part.file_size for part in parts if part.filename.lower().endswith(XML_SUFFIXES))
    if xml > max_size:
        raise Unreadable(
            f"Word document whose text (XML) unpacks to {size_text(xml)}, "
            f"over the {size_text(max_size)} size limit; checked before parsing"
        )
    total = sum(part.file_size for part in parts)
    packed = sum(part.compress_size for part in parts)
    if total > TOTAL_PARTS_RATIO * max_size or (total > BOMB_MIN_BYTES and total > BOMB_RATIO * max(packed, 1)):
        raise Unreadable(
            f"zip bomb: its {len(parts)} parts unpack from {size_text(packed)} to {size_text(total)} in all, "
            f"over the {size_text(TOTAL_PARTS_RATIO * max_size)} limit for a Word report"
        )


def _block_text(block: Paragraph | Table) -> str:
    if isinstance(block, Paragraph):
        return block.text
    return "\n".join(_row_text(tr, block) for tr in block._tbl.tr_lst)


def _row_text(tr: CT_Row, table: Table) -> str:
    """Cells separated by tabs, each written once.

    A cell merged across columns is one `<w:tc>`; one merged down several rows is
    written in its first row only (its continuations are left empty), so that a
    value spanning rows is one figure, not one per row.
    """
    cells: list[str] = []
    for tc in tr.tc_lst:
        if tc.vMerge == ST_Merge.CONTINUE:
            cells.append("")
            continue
        text = _Cell(tc, table).text
        cells.append(" ".join(line.strip() for line in text.splitlines() if line.strip()))
    return "\t".join(cells).rstrip("\t")
