"""Builders for real-world inputs made from a seed article during the test run itself.

Each builder turns a seed's plain text into the form it arrives in from the
field: a saved web page with menus and link lists around it, a Word file with a
table, a PDF with a text layer, a Windows-1258 or UTF-16 file, a decomposed or
double-encoded copy. Nothing is stored in the repository but the seeds.
"""

from __future__ import annotations

import html
import io
import json
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import docx
from fpdf import FPDF

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "corpora" / "seeds"
# A Unicode TrueType font with Vietnamese letters; the Debian package fonts-dejavu-core.
PDF_FONTS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
)
TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")


def seed_text(stem: str) -> str:
    return (SEEDS / f"{stem}.txt").read_text(encoding="utf-8")


def paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def html_page(text: str, title: str, published_iso: str) -> str:
    """The article inside the boilerplate of a Vietnamese news site, numbers included."""
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs(text))
    return f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8">
<title>{html.escape(title)} - Báo Lao động và Xã hội</title>
<meta property="og:title" content="{html.escape(title)}">
<meta property="article:published_time" content="{published_iso}">
<style>body {{ font: 12px Arial }} .col {{ width: 33% }}</style>
<script>var pageViews = 12345; window.dataLayer = [{{"year": 2021, "share": 45}}];</script>
</head><body>
<nav><ul><li><a href="/">Trang chủ</a></li><li><a href="/xa-hoi">Xã hội</a></li>
<li><a href="/top">Top 10 tin đọc nhiều</a></li></ul></nav>
<div class="menu"><a href="/phap-luat">Pháp luật</a> | <a href="/kinh-te">Kinh tế</a></div>
<article><h1>{html.escape(title)}</h1>
{body}
</article>
<div class="related"><h3>Tin khác</h3><ul>
<li><a href="/1">Hà Nội xử phạt 25 cơ sở kinh doanh karaoke</a></li>
<li><a href="/2">Bắt 3 đối tượng môi giới mại dâm tại TP. Hồ Chí Minh</a></li>
<li><a href="/3">Đà Nẵng: 90% xã, phường không có tệ nạn mại dâm</a></li></ul></div>
<footer>© 2021 Báo Lao động và Xã hội. Giấy phép số 123/GP-BTTTT. Điện thoại 024 3825 2441</footer>
<script>console.log(42)</script>
</body></html>"""


def docx_bytes(body: Iterable[str], table_rows: Iterable[Iterable[str]] = (), after: Iterable[str] = ()) -> bytes:
    """Paragraphs, then a table (one list of cell texts per row), then more paragraphs."""
    document = docx.Document()
    for paragraph in body:
        document.add_paragraph(paragraph)
    rows = [list(row) for row in table_rows]
    if rows:
        table = document.add_table(rows=0, cols=max(len(row) for row in rows))
        for row in rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, row):
                cell.text = value
    for paragraph in after:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def pdf_font() -> Path | None:
    return next((font for font in PDF_FONTS if font.exists()), None)


def pdf_bytes(body: Iterable[str], user_password: str | None = None, owner_password: str | None = None) -> bytes:
    """A PDF with a text layer, lines wrapped by the layout as a word processor would."""
    font = pdf_font()
    assert font is not None, "fonts-dejavu-core is needed to write Vietnamese into a PDF"
    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(font))
    pdf.set_font("DejaVu", size=11)
    pdf.add_page()
    for paragraph in body:
        pdf.multi_cell(0, 6, paragraph, align="J", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    if owner_password is not None:
        pdf.set_encryption(owner_password=owner_password, user_password=user_password)
    return bytes(pdf.output())


def scanned_pdf_bytes(pages: int = 2) -> bytes:
    """What a scanner gives: pages with marks on them and no text layer."""
    pdf = FPDF()
    for _ in range(pages):
        pdf.add_page()
        pdf.rect(20, 20, 170, 250, style="F")
    return bytes(pdf.output())


def cp1258_bytes(text: str) -> bytes:
    """Windows-1258 as old Vietnamese Windows saved it: base letters, tone marks as separate characters."""
    pieces = []
    for char in unicodedata.normalize("NFC", text):
        decomposed = unicodedata.normalize("NFD", char)
        tones = "".join(c for c in decomposed if c in TONE_MARKS)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
        pieces.append(base + tones)
    return "".join(pieces).encode("cp1258")


def double_encoded(text: str) -> bytes:
    """UTF-8 read as Windows-1252 and saved again as UTF-8 (`Ä‘` for `đ`)."""
    undefined = {0x81, 0x8D, 0x8F, 0x90, 0x9D}
    garbled = "".join(chr(b) if b in undefined else bytes([b]).decode("cp1252") for b in text.encode("utf-8"))
    return garbled.encode("utf-8")


def jsonl_line(record: dict[str, object]) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"


# A batch of inputs of every fate: a real article, an image named .txt, an empty file, and a
# .jsonl whose middle line is cut; the batch tests of extract and ingest share it.
NEWS_SEED = "000_e95e2f03995c52ce"
TRAINING = "Năm 2020, huyện tổ chức 04 lớp tập huấn cho hơn 1.000 đại biểu."
CHECKS = "Đoàn liên ngành kiểm tra 35 cơ sở kinh doanh dịch vụ, xử phạt 12 cơ sở với số tiền 135,8 triệu đồng."


def mixed_batch_folder(folder: Path) -> Path:
    folder.mkdir()
    (folder / "a-bai-viet.txt").write_text(seed_text(NEWS_SEED), encoding="utf-8")
    (folder / "b-anh.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    (folder / "c-rong.txt").write_bytes(b"")
    (folder / "d-tin.jsonl").write_text(
        jsonl_line({"id": "tap-huan", "text": TRAINING})
        + '{"id": "cat", "text": "Năm 2019 có 7 văn\n'
        + jsonl_line({"id": "kiem-tra", "text": CHECKS}),
        encoding="utf-8",
    )
    return folder
