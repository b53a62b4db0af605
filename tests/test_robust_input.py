"""Bad bytes cost as little as possible (issue 10).

A couple of damaged bytes in a UTF-8 file are replaced and said, not the whole
file lost; a file name that is not UTF-8, a JSON line with a huge id or a lone
surrogate escape costs at most that line; a folder that cannot be listed is a
rejected input; bombs are named as bombs before they take the memory; deep HTML
keeps its text; UTF-32 without a byte order mark is read.
"""

from __future__ import annotations

import io
import json
import logging
import os
import zipfile
import zlib
from pathlib import Path

import pytest

from input_builders import docx_bytes, jsonl_line
from solieu.pipeline.cli import main
from solieu.pipeline.read import Rejected, read_inputs
from solieu.pipeline.readers import parse
from solieu.pipeline.records import Document

ARTICLE = "Năm 2020, toàn tỉnh tổ chức 04 lớp tập huấn cho hơn 1.000 đại biểu về phòng, chống mại dâm."


def test_utf8_with_two_invalid_bytes_is_read_with_replacement_and_said(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "hong.txt"
    data = (ARTICLE * 2).encode("utf-8")
    path.write_bytes(data[:10] + b"\xff" + data[10:40] + b"\xfe" + data[40:])

    with caplog.at_level(logging.WARNING, logger="solieu"):
        [doc] = read_inputs([path])

    assert isinstance(doc, Document)
    assert doc.text == data[:10].decode() + "\ufffd" + data[10:40].decode() + "\ufffd" + data[40:].decode()
    assert caplog.messages == [f"{path}: 2 invalid UTF-8 sequence(s) replaced by U+FFFD (the rest is UTF-8)"]


def test_a_file_name_that_is_not_utf8_is_read_and_written_with_its_bytes_escaped(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    name = os.fsencode(folder) + b"/lat\xffin.txt"
    with open(name, "wb") as handle:
        handle.write(ARTICLE.encode("utf-8"))
    output = tmp_path / "f.jsonl"

    assert main(["extract", str(folder), "-o", str(output), "--workers", "1", "-q"]) == 0

    rows = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert rows and {(r["doc_id"], r["source"]) for r in rows} == {("lat\\xffin", f"{folder}/lat\\xffin.txt")}


def test_a_json_line_with_a_huge_id_costs_that_line_only(tmp_path: Path) -> None:
    feed = tmp_path / "tin.jsonl"
    feed.write_text(
        '{"id": ' + "9" * 5001 + ', "text": "x 1"}\n'
        + jsonl_line({"id": "y" * 600, "text": ARTICLE})
        + jsonl_line({"id": "tot", "text": ARTICLE}),
        encoding="utf-8",
    )

    items = list(read_inputs([feed]))

    assert [type(i).__name__ for i in items] == ["Rejected", "Rejected", "Document"]
    assert items[0].source == f"{feed}:1" and "digits" in items[0].reason
    assert items[1].reason == "id of 600 characters, over the 512 a document id may have"
    assert items[2].doc_id == "tot"


def test_lone_surrogate_escapes_are_replaced_and_the_lines_after_them_read(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    feed = tmp_path / "tin.jsonl"
    feed.write_text(
        '{"id": "a\\ud800", "url": "https://x.vn/\\udfff", "title": "T\\ud800", "text": "Có 12 cơ sở\\ud800 bị xử phạt."}\n'
        + jsonl_line({"id": "sau", "text": ARTICLE}),
        encoding="utf-8",
    )
    output = tmp_path / "f.jsonl"

    with caplog.at_level(logging.WARNING, logger="solieu"):
        first, second = read_inputs([feed])
    said = list(caplog.messages)
    status = main(["extract", str(feed), "-o", str(output), "--workers", "1", "-q"])

    assert (first.doc_id, first.source, first.title) == ("a\ufffd", "https://x.vn/\ufffd", "T\ufffd")
    assert first.text == "Có 12 cơ sở\ufffd bị xử phạt." and second.doc_id == "sau"
    assert len(said) == 4 and all("lone surrogate escape(s) in '" in m for m in said)
    assert status == 0
    assert {json.loads(line)["doc_id"] for line in output.read_text(encoding="utf-8").splitlines()} == {"a\ufffd", "sau"}


def test_a_folder_that_cannot_be_listed_is_a_rejected_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "bai.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "khoa").mkdir()
    locked = tmp_path / "khoa"
    real_scandir = os.scandir

    def scandir(path: object = ".") -> object:  # as a folder without read permission answers (also under root)
        if Path(os.fsdecode(path)) == locked:
            raise PermissionError(13, "Permission denied", str(locked))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    items = list(read_inputs([tmp_path]))

    assert items[0] == Rejected(str(locked), "folder cannot be read (Permission denied)")
    assert [i.doc_id for i in items[1:]] == ["ok/bai"]


def test_utf32_without_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    for encoding in ("utf-32-le", "utf-32-be"):
        doc = parse(ARTICLE.encode(encoding), tmp_path / "rong.txt")
        assert isinstance(doc, Document) and doc.text == ARTICLE


def test_a_word_file_that_inflates_past_the_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    data = docx_bytes([ARTICLE])
    bomb = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "word/document.xml":
                filler = b"<w:p/>" * 4_000_000  # 24 MB of empty paragraphs, a few kB compressed
                content = content.replace(b"</w:body>", filler + b"</w:body>")
            target.writestr(item.filename, content)
    path = tmp_path / "bom.docx"
    path.write_bytes(bomb.getvalue())

    [item] = read_inputs([path])

    assert isinstance(item, Rejected) and item.reason.startswith("zip bomb: word/document.xml unpacks from")


def test_a_word_file_whose_text_unpacks_past_the_size_limit_is_named(tmp_path: Path) -> None:
    path = tmp_path / "dai.docx"
    path.write_bytes(docx_bytes([ARTICLE] * 400))
    [item] = read_inputs([path], max_size=path.stat().st_size + 10)
    assert isinstance(item, Rejected) and "(XML) unpacks to" in item.reason and "checked before parsing" in item.reason


def pdf_with_page_stream(stream: bytes) -> bytes:
    """A one-page PDF whose content stream is `stream`, deflated (offsets computed, so pypdf reads it cleanly)."""
    packed = zlib.compress(stream, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def test_a_pdf_decompression_bomb_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "bom.pdf"
    path.write_bytes(pdf_with_page_stream(b" " * 200_000_000))  # 200 MB of spaces, about 200 kB deflated
    [item] = read_inputs([path])
    assert isinstance(item, Rejected) and item.reason.startswith("PDF decompression bomb")


@pytest.mark.parametrize("depth", [300, 3000])
def test_html_nested_deeper_than_the_parser_allows_keeps_its_text(tmp_path: Path, depth: int) -> None:
    page = (
        "<html><head><title>Tin</title></head><body>" + "<div>" * depth
        + f"<p>{ARTICLE}</p><p>{ARTICLE}</p>" + "</div>" * depth + "</body></html>"
    )
    doc = parse(page.encode("utf-8"), tmp_path / "sau.html")
    assert isinstance(doc, Document) and ARTICLE in doc.text
