"""Words by table (`pipeline/words.py`): underthesea's cut and tags, learned once from the corpora.

The table is underthesea's own output over the packs' texts; what it is worth
on text it was not built from is its agreement with underthesea on
`corpora/heldout`, which no part of the project is built from.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from solieu.extractors.lexicon import CORPORA, LEXICONS
from solieu.pipeline import words
from solieu.pipeline.learning import words as teacher

HELDOUT = CORPORA / "heldout" / "heldout.gold.jsonl"
# Measured when the table was built (heldout, 1,000+ lines): cut F1 0.94, tags of shared words 0.92.
CUT_F1_FLOOR = 0.92
TAG_FLOOR = 0.90


@pytest.mark.parametrize("text, expected", [
    ("Tổ chức 04 lớp tập huấn cho 269 thành viên", [("Tổ chức", "V"), ("04", "M"), ("lớp", "N"), ("tập huấn", "V"),
                                                    ("cho", "E"), ("269", "M"), ("thành viên", "N")]),
    ("51/56 xã phường không có tệ nạn mại dâm", [("51/56", "M"), ("xã phường", "N"), ("không", "R"), ("có", "V"),
                                                ("tệ nạn", "N"), ("mại dâm", "V")]),
    ("Trên 70% cán bộ", [("Trên", "E"), ("70%", "M"), ("cán bộ", "N")]),
])
def test_a_phrase_is_cut_and_tagged_as_underthesea_does(text, expected):
    """Words and tags are underthesea's, except numbers: always `M` (its old tagger calls `04` a verb)."""
    assert [(t.text, t.pos) for t in words.tag_words(text)] == expected


def test_offsets_point_into_the_text_and_unknown_words_get_the_tag_of_their_kind():
    text = "  Ông Xyzabc  nộp 12.500.000 đồng, qua Zalo."
    tokens = words.tag_words(text, offset=100)
    assert all(text[t.start - 100:t.end - 100] == t.text for t in tokens)
    tags = {t.text: t.pos for t in tokens}
    assert tags["Xyzabc"] == "Np" and tags["12.500.000"] == "M" and tags[","] == "CH"


def test_a_run_underthesea_always_cut_is_never_one_word():
    never = sorted(words.word_table().never)
    assert never, "the table lists dictionary runs underthesea cut"
    run = never[0]
    assert [t.text for t in words.tag_words(run)] != [run]


def test_the_dictionary_file_may_hold_nothing_but_strings(tmp_path):
    import pickle

    evil = tmp_path / "dictionary.bin"
    evil.write_bytes(pickle.dumps({"a": Counter()}))
    with evil.open("rb") as handle, pytest.raises(pickle.UnpicklingError):
        words._SetOnly(handle).load()


def test_agreement_with_underthesea_on_text_the_table_never_saw():
    lines = [line for row in map(json.loads, HELDOUT.open(encoding="utf-8"))
             for line in row["text"].split("\n") if line.strip()]
    same = ours = theirs = tags_same = tags_shared = 0
    for line in lines:
        mine = {(t.start, t.end): t.pos for t in words.tag_words(line)}
        gold = {(start, end): tag for start, end, tag in teacher.teacher_words(line)}
        shared = mine.keys() & gold.keys()
        same, ours, theirs = same + len(shared), ours + len(mine), theirs + len(gold)
        tags_shared += len(shared)
        tags_same += sum(mine[span] == gold[span] for span in shared)
    f1 = 2 * same / (ours + theirs)
    assert f1 >= CUT_F1_FLOOR, f"word cut agrees with underthesea at F1 {f1:.3f}"
    assert tags_same / tags_shared >= TAG_FLOOR, f"tags agree on {tags_same / tags_shared:.3f} of shared words"


def test_the_shipped_table_is_what_the_corpora_rebuild():
    """No hand edits: the table is underthesea's output over the corpora, rebuilt identically."""
    rebuilt = teacher.table_text(teacher.build_rows(teacher.teacher_texts()))
    assert (LEXICONS / words.TABLE).read_text(encoding="utf-8") == rebuilt


@pytest.mark.parametrize("text", ["Có 51/56 xã phường không có tệ nạn mại dâm.", "Trên 70% cán bộ được tập huấn"])
def test_the_teacher_pos_features_are_underthesea_own(text):
    """The one-pass feature builder must give exactly the strings underthesea's tagger is trained on."""
    from underthesea import word_tokenize

    found = word_tokenize(text, use_token_normalize=False)
    predictor = teacher._pos_model()
    theirs = predictor.transformer.transform([[(w, "X") for w in found]])[0][0]
    assert teacher.pos_features(found, tuple(predictor.transformer.template)) == theirs
    assert teacher.pos_tags(found) == [tag for _, tag in predictor.predict(found)]
