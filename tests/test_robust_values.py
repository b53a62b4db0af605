"""Nothing wrong, silently (issue 21): what copy-paste, old encodings and damage do to a figure.

An invisible character or a narrow space inside a number does not split it; TCVN3
(ABC) and VNI text is decoded (the test texts are encoded here from the tables of
`corpora/lexicons/legacy_encodings.json`); damaged bytes cost their characters only,
in a one-line file too; solieu's own outputs are never read back as documents,
and an export of documents is.
"""

from __future__ import annotations

import json
import logging
import unicodedata
from pathlib import Path

import pytest

from solieu.extractors.lexicon import LEXICONS
from solieu.pipeline import store
from solieu.pipeline.cli import main
from solieu.pipeline.read import Rejected, read_inputs
from solieu.pipeline.readers.decode import decode_text
from solieu.pipeline.records import Document
from solieu.pipeline.run import extract_document

RAIDS = "Năm 2023, lực lượng công an đã triệt phá 1.234 vụ, xử lý 56 đối tượng vi phạm."
ROUTE = ("Trong năm qua, công an huyện đã phát hiện 15 vụ vi phạm và xử lý 40 người có liên quan "
         "trên địa bàn tỉnh, tổ chức 12 lớp tập huấn cho cán bộ xã.")
TABLES = json.loads((LEXICONS / "legacy_encodings.json").read_text(encoding="utf-8"))


def figures_of(text: str) -> list[tuple[float | None, str]]:
    return [(f.value, f.text) for f in extract_document(Document(doc_id="d", source="d.txt", text=text))]


@pytest.mark.parametrize("hidden", ["\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\ufeff"])
def test_an_invisible_character_inside_a_number_does_not_split_it(hidden: str) -> None:
    text = RAIDS.replace("1.234", "1." + hidden + "234")
    found = extract_document(Document(doc_id="d", source="d.txt", text=text))
    [raid] = [f for f in found if f.text.startswith("1.")]

    assert raid.value == 1234
    assert raid.text == "1." + hidden + "234"  # the offsets point into the text as given
    assert text[raid.start:raid.end] == raid.text


@pytest.mark.parametrize("space", ["\u202f", "\u2009", "\u2007"])
def test_a_narrow_space_between_thousands_is_a_thousands_separator(space: str) -> None:
    text = RAIDS.replace("1.234", "1" + space + "234")
    assert (1234, "1" + space + "234") in figures_of(text)


def test_a_narrow_space_before_a_year_or_a_short_group_is_left_alone() -> None:
    assert (12, "12") in figures_of("Năm 2023, tỉnh tổ chức 12\u202f lớp tập huấn cho 56 đại biểu.")


def tcvn3(text: str) -> bytes:
    """The bytes an ABC (.VnTime) typist's file holds: TCVN3 has no capital letters with tone marks."""
    table = {char: bytes([int(code, 16)]) for code, char in TABLES["tcvn3"].items()}
    return b"".join(table[c] if c in table else c.encode("ascii") for c in text)


def vni(text: str) -> bytes:
    table = {char: sequence for sequence, char in TABLES["vni"].items()}
    return "".join(table.get(c, c) for c in text).encode("cp1252")


@pytest.mark.parametrize("encode", [tcvn3, vni], ids=["TCVN3", "VNI"])
def test_legacy_vietnamese_encodings_are_decoded(encode, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "baocao.txt"
    path.write_bytes(encode(ROUTE) + b"\r\n" + encode("Năm 2022, công an tỉnh đã triệt phá 7 vụ.") + b"\r\n")

    [doc] = read_inputs([path])

    assert isinstance(doc, Document)
    assert doc.text.splitlines() == [ROUTE, "Năm 2022, công an tỉnh đã triệt phá 7 vụ."]
    assert (12, "12") in figures_of(doc.text)


@pytest.mark.parametrize("encode", [tcvn3, vni], ids=["TCVN3", "VNI"])
def test_a_one_line_legacy_file_is_decoded(encode) -> None:  # type: ignore[no-untyped-def]
    assert decode_text(encode(ROUTE)) == ROUTE


def cp1258(text: str) -> bytes:
    """Windows-1258 as Word wrote it: a letter with a tone mark is its base letter and a combining mark."""
    out = b""
    for char in text:
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            tone = next(mark for mark in parts if mark in "\u0300\u0301\u0303\u0309\u0323")
            out += unicodedata.normalize("NFC", parts.replace(tone, "")).encode("cp1258") + tone.encode("cp1258")
    return out


def test_a_windows_1258_file_is_still_read_as_windows_1258() -> None:
    assert unicodedata.normalize("NFC", decode_text(cp1258(ROUTE))) == ROUTE


@pytest.mark.parametrize(("damage", "replaced"), [(b"\xff", "\ufffd"), (b"\xff\xfe", "\ufffd\ufffd"),
                                                 (b"\xed\xa0\xbd", "\ufffd")], ids=["one byte", "two bytes", "surrogate"])
def test_damage_in_a_one_line_file_costs_only_the_damaged_characters(damage: bytes, replaced: str, tmp_path: Path,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    data = ROUTE.encode("utf-8")
    path = tmp_path / "hong.txt"
    path.write_bytes(data[:20] + damage + data[20:60] + b"\xc3" + data[60:])

    with caplog.at_level(logging.WARNING, logger="solieu"):
        [doc] = read_inputs([path])

    assert isinstance(doc, Document)
    assert doc.text == data[:20].decode() + replaced + data[20:60].decode() + "\ufffd" + data[60:].decode()
    assert caplog.messages == [f"{path}: 2 invalid UTF-8 sequence(s) replaced by U+FFFD (the rest is UTF-8)"]


def test_a_cesu8_character_is_read_as_the_character(tmp_path: Path) -> None:
    data = ROUTE.encode("utf-8")
    cesu = "\U0001F4CC".encode("utf-16-be")
    halves = [chr(int.from_bytes(cesu[i:i + 2], "big")) for i in (0, 2)]
    encoded = "".join(halves).encode("utf-8", "surrogatepass")
    assert decode_text(data[:20] + encoded + data[20:]) == data[:20].decode() + "\U0001F4CC" + data[20:].decode()


def test_a_legacy_file_is_not_taken_for_damaged_utf8() -> None:
    assert "\ufffd" not in decode_text(tcvn3(ROUTE))


# --- solieu's own outputs in an input folder --------------------------------------------


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    path = tmp_path / "s.duckdb"
    store.ingest(path, [Document("bai", "bai.txt", ROUTE, title="Báo cáo")])
    return path


def test_a_csv_schema_note_and_a_report_in_an_input_folder_are_not_documents(
        db: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    folder = tmp_path / "F"
    folder.mkdir()
    (folder / "bai.txt").write_text(ROUTE, encoding="utf-8")
    elsewhere = tmp_path / "out"
    assert main(["export", "--db", str(db), "--format", "csv", "-o", str(elsewhere / "figs.csv")]) == 0
    assert main(["report", "--db", str(db), "-o", str(elsewhere / "report.html")]) == 0
    for name in ("figs.csv.schema.json", "report.html"):
        (folder / name).write_bytes((elsewhere / name).read_bytes())

    with caplog.at_level(logging.WARNING, logger="solieu"):
        items = list(read_inputs([folder]))

    assert [item.doc_id for item in items if isinstance(item, Document)] == ["bai"]
    assert sorted(caplog.messages) == [
        f"{folder / 'figs.csv.schema.json'}: a CSV schema note written by solieu, not a document: skipped",
        f"{folder / 'report.html'}: a report written by solieu, not a document: skipped",
    ]
    assert list(read_inputs([folder / "report.html"])) == [
        Rejected(str(folder / "report.html"), "a report written by solieu, not a document")]


def test_an_export_of_documents_is_read_back_by_extract(db: Path, tmp_path: Path) -> None:
    exported = tmp_path / "docs.jsonl"
    assert main(["export", "--db", str(db), "--what", "documents", "--format", "jsonl", "-o", str(exported)]) == 0

    [doc] = read_inputs([exported])

    assert isinstance(doc, Document)
    assert (doc.doc_id, doc.text) == ("bai", ROUTE)
    assert main(["extract", str(exported), "-o", str(tmp_path / "f.jsonl"), "--workers", "1", "-q"]) == 0


# --- documents made of parts: a total limit besides the per-part floors ------------------


def test_a_docx_of_many_parts_each_under_the_floor_is_refused_in_total(tmp_path: Path) -> None:
    import io
    import zipfile

    from input_builders import docx_bytes

    base = docx_bytes([ROUTE])
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            out.writestr(item, source.read(item.filename))
        for number in range(10):
            out.writestr(f"word/media/image{number}.png", bytes(900_000))
    path = tmp_path / "baocao.docx"
    path.write_bytes(buffer.getvalue())

    [item] = read_inputs([path], max_size=1_000_000)

    assert isinstance(item, Rejected)
    assert item.reason.startswith("zip bomb: its ") and "in all, over the 5.0 MB limit for a Word report" in item.reason


def test_a_pdf_whose_pages_hold_more_text_than_the_size_limit_is_refused(tmp_path: Path) -> None:
    from input_builders import pdf_bytes, pdf_font

    from solieu.pipeline.readers.base import Unreadable
    from solieu.pipeline.readers.pdf import read_pdf

    if pdf_font() is None:
        pytest.skip("no TrueType font with Vietnamese letters on this machine to build the PDF")
    data = pdf_bytes([ROUTE] * 40)

    with pytest.raises(Unreadable, match="PDF whose pages hold more than the 2000 bytes size limit of text"):
        read_pdf(data, tmp_path / "baocao.pdf", max_size=2000)
    assert "12 lớp" in read_pdf(data, tmp_path / "baocao.pdf").text


def test_a_page_of_more_tags_than_a_page_may_have_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "trang.html"
    path.write_text("<html><body><p>" + ROUTE + "</p>" + "<b></b>" * 200_001 + "</body></html>", encoding="utf-8")

    [item] = read_inputs([path])

    assert item == Rejected(str(path), "HTML page of 400,008 tags, over the 400,000 a page may have: "
                                       "its tree would take gigabytes, not an article")
