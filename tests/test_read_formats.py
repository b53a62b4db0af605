"""Every form an article arrives in gives the figures of its plain text, with offsets into what was read.

Each test builds its input from a seed during the run (a saved page with
boilerplate, a Word file with a table, a PDF, UTF-16, Windows-1258, NFD,
`hoà`-style tones, a double-encoded file), reads it through `read_inputs` and
extracts it: the figures must be those of the plain seed, and every figure's
`text` must be the document text at its `start:end`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import pytest

from input_builders import (
    cp1258_bytes,
    docx_bytes,
    double_encoded,
    html_page,
    paragraphs,
    pdf_bytes,
    pdf_font,
    seed_text,
)
from solieu.pipeline.read import read_inputs
from solieu.pipeline.records import Document, Figure
from solieu.pipeline.run import extract_document

NEWS_SEED = "000_e95e2f03995c52ce"  # Ninh Thuận news article: percentages, a ratio, a rate
COMMITTEE_SEED = "003_b55ab99efdfcda80"  # national committee article: `Ủy ban`, counts
SEEDS = (NEWS_SEED, COMMITTEE_SEED)

# The same words with the tone on the second vowel, as many provincial files write them.
NEW_STYLE_TONES = {"hòa": "hoà", "hóa": "hoá", "Ủy": "Uỷ", "ủy": "uỷ", "thủy": "thuỷ", "khỏe": "khoẻ"}


@lru_cache(maxsize=None)
def seed_figures(stem: str) -> tuple[tuple[str, float, str, str], ...]:
    text = seed_text(stem)
    return figure_rows(extract_document(Document(stem, f"{stem}.txt", text)), text)


def figure_rows(figures: list[Figure], text: str) -> tuple[tuple[str, float, str, str], ...]:
    """What must not change with the form of the input: the figure's words, value, unit and metric."""
    rows = []
    for figure in sorted(figures, key=lambda f: f.start):
        assert text[figure.start:figure.end] == figure.text, "offsets must point at the figure's own characters"
        words = " ".join(unicodedata.normalize("NFC", figure.text).split())
        rows.append((words, figure.value, figure.unit, figure.metric))
    return tuple(rows)


def read_one(path: Path) -> Document:
    items = list(read_inputs([path]))
    assert len(items) == 1
    assert isinstance(items[0], Document), items[0]
    return items[0]


def figures_of(path: Path) -> tuple[Document, tuple[tuple[str, float, str, str], ...]]:
    doc = read_one(path)
    return doc, figure_rows(extract_document(doc), doc.text)


@pytest.mark.parametrize("stem", SEEDS)
def test_saved_web_page_gives_the_article_figures_without_menus_or_link_lists(tmp_path: Path, stem: str) -> None:
    title = "Nhiều kết quả trong công tác phòng, chống mại dâm"
    page = tmp_path / "bai-viet.html"
    page.write_text(html_page(seed_text(stem), title, "2021-01-15T08:30:00+07:00"), encoding="utf-8")

    doc, rows = figures_of(page)

    assert rows == seed_figures(stem)
    assert doc.title == title
    assert doc.published == "2021-01-15"
    for boilerplate in ("Tin khác", "25 cơ sở kinh doanh karaoke", "Top 10", "pageViews", "024 3825"):
        assert boilerplate not in doc.text


def test_web_page_saved_with_txt_name_is_still_read_as_a_page(tmp_path: Path) -> None:
    page = tmp_path / "bai-viet.txt"
    page.write_text(html_page(seed_text(NEWS_SEED), "Ninh Thuận", "2021-01-15"), encoding="utf-8")
    doc, rows = figures_of(page)
    assert "<p>" not in doc.text
    assert rows == seed_figures(NEWS_SEED)


def test_web_page_without_a_date_in_its_metadata_has_no_publication_date(tmp_path: Path) -> None:
    page_text = html_page(seed_text(NEWS_SEED), "Ninh Thuận", "")
    page_text = page_text.replace('<meta property="article:published_time" content="">', "")
    page = tmp_path / "bai-viet.html"
    page.write_text(page_text, encoding="utf-8")
    assert read_one(page).published is None


@pytest.mark.parametrize("stem", SEEDS)
def test_word_document_with_a_table_gives_the_seed_figures(tmp_path: Path, stem: str) -> None:
    parts = paragraphs(seed_text(stem))
    half = len(parts) // 2
    # The second half of the article sits in a two-column table, as reports lay out their results.
    path = tmp_path / "bao-cao.docx"
    path.write_bytes(docx_bytes(parts[:half], [("Nội dung", part) for part in parts[half:]]))

    doc, rows = figures_of(path)

    assert rows == seed_figures(stem)
    assert f"Nội dung\t{parts[half]}" in doc.text


def test_word_table_row_is_one_line_with_cells_in_order(tmp_path: Path) -> None:
    path = tmp_path / "ket-qua.docx"
    path.write_bytes(docx_bytes(
        ["Kết quả thực hiện năm 2020:"],
        [("Chỉ tiêu", "Kết quả"), ("Số lớp tập huấn", "04 lớp"), ("Số người được tuyên truyền", "hơn 1.000 người")],
        ["Trên đây là báo cáo kết quả."],
    ))
    doc = read_one(path)
    assert doc.text.splitlines() == [
        "Kết quả thực hiện năm 2020:",
        "Chỉ tiêu\tKết quả",
        "Số lớp tập huấn\t04 lớp",
        "Số người được tuyên truyền\thơn 1.000 người",
        "Trên đây là báo cáo kết quả.",
    ]


@pytest.mark.skipif(pdf_font() is None, reason="fonts-dejavu-core is not installed")
@pytest.mark.parametrize("stem", SEEDS)
def test_pdf_with_a_text_layer_gives_the_seed_figures(tmp_path: Path, stem: str) -> None:
    path = tmp_path / "ke-hoach.pdf"
    path.write_bytes(pdf_bytes(paragraphs(seed_text(stem))))
    doc, rows = figures_of(path)
    assert rows == seed_figures(stem)
    # Lines wrapped by the layout are joined again: each paragraph of the seed is one line of text.
    assert doc.text.splitlines() == [" ".join(part.split()) for part in paragraphs(seed_text(stem))]


@pytest.mark.skipif(pdf_font() is None, reason="fonts-dejavu-core is not installed")
def test_pdf_restricted_by_an_owner_password_only_is_read(tmp_path: Path) -> None:
    path = tmp_path / "bao-cao.pdf"
    path.write_bytes(pdf_bytes(paragraphs(seed_text(NEWS_SEED)), owner_password="chu-so-huu"))
    _, rows = figures_of(path)
    assert rows == seed_figures(NEWS_SEED)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_utf16_and_bom_copies_give_the_seed_figures(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / f"{encoding}.txt"
    path.write_bytes(seed_text(NEWS_SEED).encode(encoding))
    doc, rows = figures_of(path)
    assert doc.text == seed_text(NEWS_SEED)
    assert rows == seed_figures(NEWS_SEED)


@pytest.mark.parametrize("stem", SEEDS)
def test_decomposed_copy_gives_the_seed_figures_with_offsets_into_the_decomposed_text(tmp_path: Path, stem: str) -> None:
    given = unicodedata.normalize("NFD", seed_text(stem))
    path = tmp_path / "nfd.txt"
    path.write_text(given, encoding="utf-8")

    doc, rows = figures_of(path)

    assert doc.text == given  # offsets point into the text as given, not into its NFC form
    assert rows == seed_figures(stem)


def test_windows_1258_copy_gives_the_seed_figures(tmp_path: Path) -> None:
    path = tmp_path / "cp1258.txt"
    path.write_bytes(cp1258_bytes(seed_text(NEWS_SEED)))
    doc, rows = figures_of(path)
    assert unicodedata.normalize("NFC", doc.text) == seed_text(NEWS_SEED)
    assert rows == seed_figures(NEWS_SEED)


@pytest.mark.parametrize("stem", SEEDS)
def test_new_style_tone_placement_gives_the_seed_figures(tmp_path: Path, stem: str) -> None:
    pattern = re.compile(r"\b(" + "|".join(NEW_STYLE_TONES) + r")\b")
    given = pattern.sub(lambda m: NEW_STYLE_TONES[m.group()], seed_text(stem))
    assert given != seed_text(stem)
    path = tmp_path / "hoa.txt"
    path.write_text(given, encoding="utf-8")

    doc, rows = figures_of(path)

    assert doc.text == given
    assert rows == seed_figures(stem)


def test_double_encoded_copy_is_repaired(tmp_path: Path) -> None:
    path = tmp_path / "mojibake.txt"
    path.write_bytes(double_encoded(seed_text(NEWS_SEED)))
    doc, rows = figures_of(path)
    assert doc.text == seed_text(NEWS_SEED)
    assert rows == seed_figures(NEWS_SEED)


def test_folder_is_read_by_content_in_sorted_order(tmp_path: Path) -> None:
    (tmp_path / "b.htm").write_text(html_page(seed_text(NEWS_SEED), "Tin", "2020-05-01"), encoding="utf-8")
    (tmp_path / "a.docx").write_bytes(docx_bytes(paragraphs(seed_text(COMMITTEE_SEED))))
    (tmp_path / "c").write_bytes(seed_text(NEWS_SEED).encode("utf-16"))  # no suffix at all
    (tmp_path / ".hidden.txt").write_text("100 xã", encoding="utf-8")
    (tmp_path / "~$a.docx").write_bytes(b"\x00lock")  # Word's lock file while a.docx is open
    (tmp_path / "anh.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))

    items = list(read_inputs([tmp_path]))

    assert [Path(item.source).name for item in items] == ["a.docx", "b.htm", "c"]
    assert all(isinstance(item, Document) for item in items)


def test_web_page_in_windows_1258_is_decoded_by_its_declared_charset(tmp_path: Path) -> None:
    title = "Nhiều kết quả trong công tác phòng, chống mại dâm"
    page_text = html_page(seed_text(NEWS_SEED), title, "2021-01-15").replace('charset="utf-8"', 'charset="windows-1258"')
    page = tmp_path / "bai-viet.htm"
    page.write_bytes(cp1258_bytes(page_text))

    doc, rows = figures_of(page)

    assert doc.title == title  # metadata is composed (NFC); the text keeps the file's own form
    assert rows == seed_figures(NEWS_SEED)
