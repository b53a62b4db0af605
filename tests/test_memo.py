"""Answers are shared by the figures of one document and forgotten at the next one.

A cache that outlived its document would make a corpus of repeated texts (the
benchmark's are) cost less than the same texts met once.
"""

from __future__ import annotations

from solieu.extractors import memo, metric, places, status
from solieu.pipeline.records import Document
from solieu.pipeline.run import extract_document

FIRST = "Năm 2023, tỉnh Hà Tĩnh đã tổ chức 04 lớp tập huấn cho 269 thành viên."
SECOND = "Phấn đấu đến năm 2025 trên 70% cán bộ được tập huấn tại tỉnh Nghệ An."
MEMOS = (metric.has_activity, places.province_mentions, status.has)


def test_the_figures_of_a_document_share_answers_until_the_next_document():
    extract_document(Document("first", "", FIRST))
    assert places.province_mentions.cache_info().currsize > 0
    memo.new_document()
    assert all(function.cache_info().currsize == 0 for function in MEMOS)


def test_the_pipeline_forgets_what_an_earlier_document_asked():
    extract_document(Document("first", "", FIRST))
    places.province_mentions(FIRST)  # asked, and remembered, while the first document is the current one
    extract_document(Document("second", "", SECOND))
    misses = places.province_mentions.cache_info().misses
    places.province_mentions(FIRST)
    assert places.province_mentions.cache_info().misses == misses + 1, "an answer outlived its document"
