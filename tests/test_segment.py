"""Sentences and words: offsets into the text."""

from __future__ import annotations

import pytest

from solieu.pipeline import segment
from solieu.pipeline.records import Sentence

SENTENCES = [
    "Đội kiểm tra 178 tỉnh đã tổ chức 04 lớp tập huấn, bồi dưỡng nghiệp vụ cho 269 thành viên.",
    "Có 51/56 xã phường không có tệ nạn mại dâm; 135,8 triệu đồng tiền phạt.",
    "Trên 70% cán bộ, công chức, viên chức, chiến sĩ được đào tạo",
    "Tiếp nhận",
]


def test_sentences_point_into_the_text_and_keep_clause_numbers_whole():
    text = "1. Mục đích, yêu cầu\n- Tạo chuyển biến. Nâng cao năng lực cho TP. Hồ Chí Minh.\n3.2. Nâng cao hiệu quả."
    sentences = segment.split_sentences(text)
    assert [s.text for s in sentences] == [
        "1. Mục đích, yêu cầu", "- Tạo chuyển biến.", "Nâng cao năng lực cho TP. Hồ Chí Minh.", "3.2. Nâng cao hiệu quả.",
    ]
    assert all(text[s.start:s.end] == s.text for s in sentences)


@pytest.mark.parametrize("text", SENTENCES)
def test_tokens_point_into_the_text(text):
    tokens = segment.tokenize(Sentence(10, 10 + len(text), text))
    assert all(text[t.start - 10:t.end - 10] == t.text for t in tokens)
    assert any(t.text == "tập huấn" for t in tokens) or "tập huấn" not in text
