"""Bad input costs one Rejected naming the input and the reason, and nothing else."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from input_builders import docx_bytes, jsonl_line, pdf_bytes, pdf_font, scanned_pdf_bytes
from solieu.pipeline.read import Rejected, read_inputs
from solieu.pipeline.records import Document

ARTICLE = "Năm 2020, toàn tỉnh tổ chức 04 lớp tập huấn cho hơn 1.000 đại biểu."


def read_all(*paths: Path, max_size: int | None = None) -> list[Document | Rejected]:
    if max_size is None:
        return list(read_inputs(paths))
    return list(read_inputs(paths, max_size=max_size))


def rejection(path: Path, **kwargs: int) -> str:
    items = read_all(path, **kwargs)
    assert len(items) == 1 and isinstance(items[0], Rejected), items
    assert items[0].source == str(path)
    return items[0].reason


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b"  \n\t\n", "empty document"),
        ("nul.txt", b"abc\x00\x01\x02" * 50, "binary file"),
        ("anh.txt", b"\x89PNG\r\n\x1a\n" + bytes(200), "PNG image"),
        ("bao-cao.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "save it as .docx or PDF"),
        ("controls.txt", bytes(range(1, 32)) * 20, "binary file"),
    ],
)
def test_files_that_are_not_text_are_named_with_the_reason(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert reason in rejection(path)


def test_zip_archive_that_is_not_a_word_file_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "tai-lieu.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", ARTICLE)
    assert rejection(path) == "ZIP archive, not a Word .docx document"


def test_truncated_word_file_is_a_damaged_document(tmp_path: Path) -> None:
    data = docx_bytes([ARTICLE])
    path = tmp_path / "cut.docx"
    path.write_bytes(data[: len(data) // 2])
    assert rejection(path).startswith("damaged Word document")


def test_scanned_pdf_is_reported_as_needing_ocr_not_read_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(scanned_pdf_bytes(pages=3))
    assert rejection(path) == "scanned PDF without a text layer (3 pages, no text): it needs OCR first"


@pytest.mark.skipif(pdf_font() is None, reason="fonts-dejavu-core is not installed")
def test_pdf_that_needs_a_password_to_open_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "mat.pdf"
    path.write_bytes(pdf_bytes([ARTICLE], user_password="mat-khau", owner_password="chu"))
    assert rejection(path) == "password-protected PDF"


@pytest.mark.skipif(pdf_font() is None, reason="fonts-dejavu-core is not installed")
def test_truncated_pdf_is_a_damaged_pdf(tmp_path: Path) -> None:
    data = pdf_bytes([ARTICLE] * 40)
    path = tmp_path / "cut.pdf"
    path.write_bytes(data[: len(data) // 3])
    reason = rejection(path)
    assert reason.startswith("damaged PDF") or reason.startswith("scanned PDF"), reason


def test_file_over_the_size_limit_is_rejected_with_both_sizes(tmp_path: Path) -> None:
    path = tmp_path / "lon.txt"
    path.write_text(ARTICLE * 100, encoding="utf-8")
    size = path.stat().st_size
    assert rejection(path, max_size=1000) == f"{size} bytes, over the 1000 bytes size limit"
    assert isinstance(read_all(path, max_size=size)[0], Document)


def test_missing_input_is_named(tmp_path: Path) -> None:
    assert rejection(tmp_path / "khong-co.txt") == "no such file or folder"


def test_bad_json_lines_lose_that_line_only(tmp_path: Path) -> None:
    path = tmp_path / "bai.jsonl"
    path.write_text(
        jsonl_line({"id": "a", "text": ARTICLE, "published": "2020-12-20T07:00:00"})
        + '{"id": "b", "text": "Năm 2020 có 7 văn bản\n'  # cut off mid-string
        + "[1, 2, 3]\n"
        + jsonl_line({"id": "d", "title": "không có nội dung"})
        + "\n"
        + jsonl_line({"id": "e", "text": ARTICLE, "url": "https://baoninhthuan.vn/a.html", "kind": "news"}),
        encoding="utf-8",
    )

    items = read_all(path)

    assert [(type(item).__name__, item.source) for item in items] == [
        ("Document", str(path)),
        ("Rejected", f"{path}:2"),
        ("Rejected", f"{path}:3"),
        ("Rejected", f"{path}:4"),
        ("Document", "https://baoninhthuan.vn/a.html"),
    ]
    assert items[0].published == "2020-12-20"
    assert items[1].reason.startswith("broken JSON line (Unterminated string")
    assert items[3].reason == "no 'text' in the JSON line"
    assert items[4].kind == "news"


def test_json_line_that_is_not_utf8_loses_that_line_only(tmp_path: Path) -> None:
    path = tmp_path / "bai.jsonl"
    path.write_bytes(
        jsonl_line({"id": "a", "text": ARTICLE}).encode("utf-8")
        + jsonl_line({"id": "b", "text": ARTICLE}).encode("cp1258", errors="replace").replace(b"?", b"\xfe")
        + jsonl_line({"id": "c", "text": ARTICLE}).encode("utf-8")
    )
    kinds = [(type(item).__name__, getattr(item, "doc_id", item.source)) for item in read_all(path)]
    assert kinds == [("Document", "a"), ("Rejected", f"{path}:2"), ("Document", "c")]


def test_utf16_json_lines_are_read(tmp_path: Path) -> None:
    path = tmp_path / "bai.jsonl"
    lines = jsonl_line({"id": "a", "text": ARTICLE}) + jsonl_line({"id": "b", "text": ARTICLE})
    path.write_bytes(lines.encode("utf-16"))
    items = read_all(path)
    assert [item.text for item in items] == [ARTICLE, ARTICLE]


def test_json_line_over_the_size_limit_loses_that_line_only(tmp_path: Path) -> None:
    path = tmp_path / "bai.jsonl"
    path.write_text(
        jsonl_line({"id": "a", "text": ARTICLE}) + jsonl_line({"id": "big", "text": ARTICLE * 50})
        + jsonl_line({"id": "c", "text": ARTICLE}),
        encoding="utf-8",
    )
    items = read_all(path, max_size=1000)
    assert [getattr(item, "doc_id", None) for item in items] == ["a", None, "c"]
    assert items[1].reason == "line over the 1000 bytes size limit"


def test_json_lines_without_an_id_get_the_same_id_for_the_same_text_in_any_unicode_form(tmp_path: Path) -> None:
    import unicodedata

    composed, decomposed = tmp_path / "nfc.jsonl", tmp_path / "nfd.jsonl"
    composed.write_text(jsonl_line({"text": ARTICLE}), encoding="utf-8")
    decomposed.write_text(jsonl_line({"text": unicodedata.normalize("NFD", ARTICLE)}), encoding="utf-8")
    [first], [second] = read_all(composed), read_all(decomposed)
    assert first.doc_id == second.doc_id
    # Read in one batch, the second copy is the same document again: rejected, not a silent replacement.
    assert isinstance(read_all(composed, decomposed)[1], Rejected)
