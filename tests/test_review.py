"""The review round trip: extract → sheet → a person corrects it → `solieu train --add` → corpus and model."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from extractors.learned import corpus
from pipeline.cli import main

ARTICLE = (
    "Kết quả công tác phòng, chống mại dâm năm 2021\n"
    "Năm 2021, Đội kiểm tra liên ngành đã tổ chức 12 lớp tập huấn cho 450 cán bộ. "
    "Lực lượng chức năng tiến hành 35 đợt kiểm tra tại 210 cơ sở kinh doanh dịch vụ.\n"
)


@pytest.fixture
def corpus_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Corpus files of the run go to a scratch folder, never into the repository's corpora/."""
    for name in ("REVIEW_JSONL", "HANDMADE_JSONL", "WEAK_JSONL"):
        monkeypatch.setattr(corpus, name, tmp_path / getattr(corpus, name).name)
    return tmp_path


def _sheet(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_review_sheet_round_trip_keeps_corrections(tmp_path: Path, corpus_files: Path):
    article = tmp_path / "bao-cao.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    assert main(["extract", str(article), "-o", str(tmp_path / "figures.jsonl")]) == 0
    assert main(["review", str(tmp_path / "figures.jsonl"), "-o", str(tmp_path / "review.csv")]) == 0

    raw = (tmp_path / "review.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: spreadsheets then read the Vietnamese right
    rows = _sheet(tmp_path / "review.csv")
    assert {r["figure"] for r in rows} >= {"12", "450", "35", "210"}
    confidences = [float(r["confidence"]) for r in rows]
    assert confidences == sorted(confidences)

    # A reviewer corrects one row, confirms another, deletes the rest and adds a column of notes.
    by_figure = {r["figure"]: r for r in rows}
    corrected = dict(by_figure["210"], metric="establishments_at_risk", ghi_chu="sai")
    confirmed = dict(by_figure["12"], checked="x", ghi_chu="")
    with (tmp_path / "edited.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["ghi_chu", *rows[0].keys()], delimiter=";")
        writer.writeheader()
        writer.writerows([corrected, confirmed])

    models = tmp_path / "models"
    assert main(["train", "--add", str(tmp_path / "edited.csv"), "--no-cv", "--weak-from",
                 "--models", str(models)]) == 0

    [doc] = [json.loads(line) for line in (corpus_files / "review.jsonl").open(encoding="utf-8")]
    assert doc["text"] == ARTICLE and doc["origin"] == "review"
    labels = {f["text"]: (f["metric"], f["status"], f["value"]) for f in doc["figures"]}
    assert labels == {"210": ("establishments_at_risk", "achieved", 210.0),
                      "12": (by_figure["12"]["metric"], by_figure["12"]["status"], 12.0)}
    manifest = json.loads((models / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["figures_by_origin"]["review"] == 2

    # The same key corrected again replaces the earlier correction instead of adding a row.
    again = dict(corrected, metric="violations_sanctioned")
    with (tmp_path / "again.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(again.keys()))
        writer.writeheader()
        writer.writerow(again)
    assert main(["train", "--add", str(tmp_path / "again.csv"), "--no-cv", "--weak-from",
                 "--models", str(models)]) == 0
    [doc] = [json.loads(line) for line in (corpus_files / "review.jsonl").open(encoding="utf-8")]
    assert {f["text"]: f["metric"] for f in doc["figures"]}["210"] == "violations_sanctioned"
    assert len(doc["figures"]) == 2


def test_a_row_with_an_unknown_metric_is_one_error_and_the_other_rows_still_count(tmp_path: Path,
                                                                                  corpus_files: Path):
    from extractors.learned.review import read_corrections

    sheet = tmp_path / "sheet.csv"
    sheet.write_text("doc_id,start,end,metric,status,sentence,figure\n"
                     "a,0,2,lop_hoc,achieved,12 lớp,12\n"
                     "a,10,12,training_courses,achieved,12 lớp,12\n", encoding="utf-8-sig")
    corrections, problems = read_corrections(sheet)
    assert [(c.start, c.metric) for c in corrections] == [(10, "training_courses")]
    assert problems == [f"{sheet}:2: unknown metric 'lop_hoc'"]


def test_a_file_that_is_not_a_review_sheet_is_refused_in_one_line(tmp_path: Path, corpus_files: Path,
                                                                  capsys: pytest.CaptureFixture[str]):
    sheet = tmp_path / "other.csv"
    sheet.write_text("ten,tuoi\nAn,30\n", encoding="utf-8")
    assert main(["train", "--add", str(sheet), "--no-cv", "--weak-from", "--models", str(tmp_path / "m")]) == 1
    assert capsys.readouterr().err.strip() == f"solieu: {sheet}: not a review sheet (no column doc_id, start, end, metric, status)"
