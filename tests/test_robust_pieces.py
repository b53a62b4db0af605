"""A very large document is extracted in bounded pieces, offsets kept (issue 10, hangs).

Some stages still grow faster than the text, so one huge document could hold a
batch for hours. Past `PIECE_CHARS` a document is cut at paragraph ends and each
piece extracted alone; every figure still points into the whole text, and the
time per character stays that of a normal document (a generous ratio, never a
wall-clock limit).
"""

from __future__ import annotations

import time

from input_builders import seed_text
from solieu.pipeline.records import Document
from solieu.pipeline.run import extract_document, extract_pieces, piece_spans

PARAGRAPH = "Năm 2020, huyện tổ chức 04 lớp tập huấn cho hơn 1.000 đại biểu; kiểm tra 35 cơ sở, xử phạt 12 cơ sở.\n"


def test_pieces_cover_the_text_end_to_end_and_end_after_a_line() -> None:
    text = PARAGRAPH * 50
    spans = piece_spans(text, 1000)
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    assert all(end == next_start for (_, end), (next_start, _) in zip(spans, spans[1:]))
    assert all(end - start <= 1000 for start, end in spans)
    assert all(text[end - 1] == "\n" for _, end in spans)


def test_a_text_without_line_ends_is_cut_after_a_sentence_or_a_space() -> None:
    text = ("Có 12 cơ sở bị xử phạt. " * 30).strip()
    spans = piece_spans(text, 100)
    assert all(text[end - 2:end] == ". " for _, end in spans[:-1])


def test_a_large_document_gives_every_figure_of_its_pieces_with_offsets_into_the_whole() -> None:
    one = extract_document(Document("p", "p.txt", PARAGRAPH))
    doc = Document("lon", "lon.txt", PARAGRAPH * 40)

    found = extract_pieces(doc, limit=1000)

    assert len(found) == 40 * len(one)
    assert all(doc.text[f.start:f.end] == f.text for f in found)
    assert [f.value for f in found] == [f.value for f in one] * 40


def test_time_per_character_of_a_large_document_stays_that_of_a_normal_one() -> None:
    article = seed_text("002_8f71e35bb422a702")
    extract_document(Document("warm", "w.txt", article))  # models load outside the measurement
    normal = Document("mot", "mot.txt", article)
    large = Document("tam", "tam.txt", "\n".join([article] * 8))

    started = time.process_time()
    extract_pieces(normal, limit=len(article) + 1)
    per_char_normal = (time.process_time() - started) / len(normal.text)
    started = time.process_time()
    extract_pieces(large, limit=len(article) + 1)
    per_char_large = (time.process_time() - started) / len(large.text)

    assert per_char_large <= 3 * per_char_normal
