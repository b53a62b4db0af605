"""The collected real corpus: split by the address alone, read twice in part, scored like the extractor."""

import json
import subprocess
import sys
from pathlib import Path

from solieu.pipeline.learning.sealed import is_sealed, normalised_address

PACK = Path(__file__).resolve().parent.parent / "corpora" / "domains" / "mai-dam"
TRAIN = PACK / "gold" / "collected.gold.jsonl"
SEALED = PACK / "sealed" / "collected.sealed.gold.jsonl"
FIRST = PACK / "agreement" / "first-reader.gold.jsonl"
SECOND = PACK / "agreement" / "second-reader.gold.jsonl"
KINDS = {"police", "plan", "report", "results", "feature"}


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_each_article_lies_in_the_part_its_address_decides():
    for doc in lines(TRAIN):
        assert not is_sealed(doc["url"]), doc["doc_id"]
    for doc in lines(SEALED):
        assert is_sealed(doc["url"]), doc["doc_id"]


def test_no_article_is_in_both_parts_under_another_address_form():
    train = {normalised_address(d["url"]) for d in lines(TRAIN)}
    sealed = {normalised_address(d["url"]) for d in lines(SEALED)}
    assert train and sealed and not train & sealed


def test_every_article_keeps_its_address_title_date_province_and_kind():
    for doc in lines(TRAIN) + lines(SEALED):
        assert doc["url"].startswith(("http://", "https://")) and doc["title"]
        assert doc["kind"] in KINDS
        assert "published" in doc and "province" in doc
        for figure in doc["figures"]:
            assert doc["text"][figure["start"]:figure["end"]] == figure["text"]


def test_the_second_readings_are_of_collected_articles_with_the_same_text():
    texts = {d["doc_id"]: d["text"] for d in lines(TRAIN) + lines(SEALED)}
    first, second = lines(FIRST), lines(SECOND)
    assert [d["doc_id"] for d in first] == [d["doc_id"] for d in second]
    assert len(first) >= 0.15 * len(texts)
    for a, b in zip(first, second):
        assert a["text"] == b["text"] == texts[a["doc_id"]]
        assert a["reader"] != b["reader"]


def run_eval(gold: Path, other: Path) -> str:
    done = subprocess.run([sys.executable, "-m", "solieu.pipeline.cli", "eval", str(gold), str(other), "--quiet-errors"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_a_reader_agrees_wholly_with_themself_and_less_with_a_changed_metric(tmp_path):
    doc = {"doc_id": "d1", "source": "https://example.vn/a", "text": "Tỉnh đã tổ chức 04 lớp tập huấn cho 269 thành viên.",
           "province": "Hà Tĩnh", "published": "2023-05-01",
           "figures": [{"start": 16, "end": 18, "text": "04", "value": 4.0, "unit": "count", "qualifier": "exact",
                        "metric": "training_courses", "status": "achieved", "period": "2023", "counted": "lớp tập huấn",
                        "province": "Hà Tĩnh"}]}
    first = tmp_path / "first.gold.jsonl"
    first.write_text(json.dumps(doc, ensure_ascii=False) + "\n", encoding="utf-8")
    assert "records_F1=1.000" in run_eval(first, first)
    changed = json.loads(json.dumps(doc))
    changed["figures"][0]["metric"] = "propaganda_events"
    second = tmp_path / "second.gold.jsonl"
    second.write_text(json.dumps(changed, ensure_ascii=False) + "\n", encoding="utf-8")
    line = run_eval(first, second)
    assert "F1=1.000" in line and "metric=0.000" in line and "records_F1=0.000" in line
