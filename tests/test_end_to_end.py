"""`solieu extract` then `solieu eval` on the seeds gold: the issue's bar, as the user runs it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "corpora" / "domains" / "mai-dam" / "gold" / "seeds.gold.jsonl"


def solieu(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "solieu.pipeline.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def summary(tmp_path_factory) -> dict[str, float]:
    folder = tmp_path_factory.mktemp("seeds")
    inputs = folder / "seeds.jsonl"
    with GOLD.open(encoding="utf-8") as gold, inputs.open("w", encoding="utf-8") as out:
        for line in gold:
            doc = json.loads(line)
            out.write(json.dumps({"id": doc["doc_id"], "text": doc["text"], "url": doc["source"]}, ensure_ascii=False) + "\n")
    extracted = solieu("extract", str(inputs), "-o", str(folder / "figures.jsonl"))
    assert extracted.returncode == 0, extracted.stderr
    scored = solieu("eval", str(GOLD), str(folder / "figures.jsonl"))
    assert scored.returncode == 0, scored.stderr
    last = scored.stdout.strip().splitlines()[-1]
    return {key: float(value) for key, value in re.findall(r"(\w+)=([\d.]+)", last)}


def test_figures_are_found(summary):
    assert summary["F1"] >= 0.95


def test_metric_and_status_are_right(summary):
    assert summary["metric"] >= 0.85
    assert summary["status"] >= 0.95


def test_every_document_gets_its_province(summary):
    assert summary["province"] == 1.0


def test_records_carry_every_spec_field_and_point_into_the_text(tmp_path):
    text = (ROOT / "corpora" / "seeds" / "002_8f71e35bb422a702.txt").read_text(encoding="utf-8")
    out = tmp_path / "figures.jsonl"
    result = solieu("extract", str(ROOT / "corpora" / "seeds" / "002_8f71e35bb422a702.txt"), "-o", str(out))
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    from solieu.pipeline.records import FIGURE_FIELDS

    assert records and all(list(r) == list(FIGURE_FIELDS) for r in records)
    for record in records:
        assert text[record["start"]:record["end"]] == record["text"]
        assert record["text"] in record["sentence"]
        assert 0 <= record["confidence"] <= 1
    assert {r["province"] for r in records} == {"Quảng Ninh"}
    assert {r["province_2025"] for r in records} == {"Quảng Ninh"}


def test_output_is_deterministic(tmp_path):
    seed = str(ROOT / "corpora" / "seeds")
    for name in ("a.jsonl", "b.jsonl"):
        assert solieu("extract", seed, "-o", str(tmp_path / name)).returncode == 0
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


def test_headlines_of_other_articles_after_the_body_are_not_figures_of_this_one():
    from solieu.pipeline.records import Document
    from solieu.pipeline.run import extract_document

    text = ("Tỉnh Hà Tĩnh đã tổ chức 12 lớp tập huấn cho 300 cán bộ làm công tác phòng, chống mại dâm.\n"
            "Các địa phương tiếp tục tuyên truyền tại cơ sở.\n"
            "Tin khác\n"
            "Hà Nội: xử phạt 20 cơ sở karaoke vi phạm\n"
            "Đà Nẵng tổ chức 15 buổi tuyên truyền cho công nhân\n")
    found = extract_document(Document(doc_id="t", source="t", text=text))
    assert [f.text for f in found] == ["12", "300"]
