"""The spaCy view of a sentence: the pipeline's words as tokens, cue patterns from data as spans."""

from __future__ import annotations

import pytest

from solieu.pipeline.nlp import cue_pieces, language


def test_tokens_are_the_pipeline_words_and_the_text_is_kept():
    doc = language()("Đội đã tổ chức 04 lớp tập huấn")
    assert [t.text for t in doc] == ["Đội", "đã", "tổ chức", "04", "lớp", "tập huấn"]
    assert doc.text == "Đội đã tổ chức 04 lớp tập huấn"


@pytest.mark.parametrize("text,cue,label", [
    ("Năm 2024, tỉnh phấn đấu ", "phấn đấu", "goal"),
    ("Cụ thể, trong năm 2019, tỉnh ", "năm 2019", "period"),
    ("các xã tổ chức tuyên truyền đến năm 2025.", "đến năm 2025", "goal"),
    ("Tỉnh đã tổ chức ", "đã", "result"),
    ("tư vấn cho ít nhất ", "ít nhất", "qualifier"),
])
def test_cues_are_marked(text, cue, label):
    assert (cue, label) in cue_pieces(text)


@pytest.mark.parametrize("text", ["", " ", " cuộc  kiểm tra,  đã hoàn thành", "<script>alert(1)</script> đã"])
def test_pieces_put_back_together_give_the_text(text):
    assert "".join(piece for piece, _ in cue_pieces(text)) == text


def test_the_marked_cues_are_the_status_classifiers_own_words():
    """What the report marks as a goal or a result is what the status rules decide on: one list, not two."""
    from solieu.extractors.lexicon import load_json
    from solieu.pipeline.nlp import cue_patterns

    status = load_json("status.json")
    marked = {(p["label"], p["pattern"]) for p in cue_patterns() if isinstance(p["pattern"], str)}
    assert {("goal", w) for w in status["strong_target"] + status["weak_target"]} <= marked
    assert {("result", w) for w in status["achieved"]} <= marked
