"""The real corpus's plumbing: which gold sets train, how documents are grouped by kind, what is held out.

The sealed part of the collected articles is never an origin of training, a set
read from `../shared` is skipped with its reason where it is absent, and the
learning curve never trains on a text it scores.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from solieu.pipeline.commands import eval as eval_command
from solieu.pipeline.evaluate import evaluate_by_kind, kind_of
from solieu.pipeline.learning import corpus, curve, unseen


def test_free_text_kinds_fall_into_the_five_kinds():
    assert kind_of({"kind": "police news"}) == "police"
    assert kind_of({"kind": "police_news"}) == "police"
    assert kind_of({"kind": "results_news"}) == "results"
    assert kind_of({"kind": "national plan"}) == "plan"
    assert kind_of({"kind": "national situation (HIV surveillance)"}) == "report"
    assert kind_of({"kind": "feature"}) == "feature"


def test_a_document_without_a_kind_takes_the_kind_the_pipeline_sees():
    plan = {"doc_id": "p", "text": "KẾ HOẠCH\nPhòng, chống mại dâm năm 2024\nI. MỤC ĐÍCH, YÊU CẦU\n"}
    news = {"doc_id": "n", "text": "Năm 2023, tỉnh đã tổ chức 12 lớp tập huấn cho cán bộ cơ sở."}
    assert kind_of(plan) == "plan"
    assert kind_of(news) == "results"


def _gold(doc_id: str, kind: str, text: str, number: str) -> dict:
    start = text.index(number)
    return {"doc_id": doc_id, "kind": kind, "text": text, "province": None, "figures": [
        {"start": start, "end": start + len(number), "text": number, "value": float(number), "unit": "count",
         "denominator": None, "metric": "training_courses", "status": "achieved", "period": None}]}


def test_each_kind_is_scored_on_its_own_documents():
    gold = [_gold("a", "police news", "Công an bắt 3 đối tượng.", "3"),
            _gold("b", "results", "Tỉnh mở 12 lớp tập huấn.", "12")]
    predicted = [{"doc_id": "b", "start": 9, "end": 11, "text": "12", "value": 12.0, "unit": "count",
                  "denominator": None, "metric": "training_courses", "status": "achieved", "period": None}]
    by_kind = evaluate_by_kind(gold, predicted)
    assert list(by_kind) == ["police", "results"]
    assert (by_kind["police"].recall, by_kind["results"].recall) == (0.0, 1.0)


def test_an_optional_gold_set_that_is_absent_is_skipped_with_its_reason(monkeypatch, tmp_path):
    declared = {"gold": [
        {"origin": "here", "file": str(tmp_path / "here.gold.jsonl"), "published_text": True},
        {"origin": "elsewhere", "file": "../no-such-folder/x.gold.jsonl", "relative_to": "checkout",
         "optional": True, "missing": "read only beside the shared folder"},
    ]}
    monkeypatch.setattr(corpus, "pack", lambda: declared)
    assert [s.origin for s in corpus.gold_sources()] == ["here"]
    [(origin, reason)] = corpus.skipped_sources()
    assert origin == "elsewhere" and reason.endswith("read only beside the shared folder")


def test_the_sealed_part_is_no_origin_of_training():
    sealed = corpus.sealed_path()
    assert sealed is not None and sealed.parent.name == "sealed"
    assert all(source.path != sealed for source in corpus.gold_sources())
    assert all("sealed" not in entry["file"] for entry in corpus.pack()["gold"])


def test_the_curve_never_trains_on_a_text_it_scores():
    docs = [{"doc_id": f"d{i}", "origin": "real-dev", "text": f"văn bản {i}"} for i in range(8)]
    docs.append({"doc_id": "h1", "origin": "handmade", "text": "câu viết tay"})
    heldout = [{"doc_id": "x", "text": "văn bản 3"}]
    real, rest = curve.training_split(docs, heldout)
    assert sorted(d["doc_id"] for d in real) == ["d0", "d1", "d2", "d4", "d5", "d6", "d7"]
    assert [d["doc_id"] for d in rest] == ["h1"]
    assert [d["doc_id"] for d in curve.training_split(docs, heldout)[0]] == [d["doc_id"] for d in real]  # fixed seed


def test_the_curve_stops_at_what_there_is():
    assert curve.sizes_for(130) == [25, 50, 100, 130]
    assert curve.sizes_for(60) == [25, 50, 60]


def test_the_sealed_score_prints_no_instance_unless_asked(monkeypatch, tmp_path, capsys):
    path = tmp_path / "sealed.gold.jsonl"
    text = "Năm 2023, tỉnh đã tổ chức 12 lớp tập huấn và kiểm tra 7 cơ sở."
    path.write_text(json.dumps(_gold("s1", "results", text, "12"), ensure_ascii=False) + "\n", encoding="utf-8")
    monkeypatch.setattr(unseen, "sealed_gold", lambda: path)
    args = argparse.Namespace(sealed=True, rules_only=True, show_instances=False, by="kind")
    assert eval_command.run(args) == 0
    shown = capsys.readouterr().out
    assert "records_F1=" in shown and "results" in shown
    assert "false alarm" not in shown and "'7'" not in shown
    args.show_instances = True
    eval_command.run(args)
    assert "false alarm: s1" in capsys.readouterr().out
