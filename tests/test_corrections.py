"""The researcher's corrections stick: a reviewed sheet → `train --add` → `ingest --refresh`, and every fix holds.

The weekly loop on real articles: ingest, write a review sheet, correct one
figure in each way a sheet allows (value, metric, status, period, province, not
a figure, a missed figure, a document's province), learn from it, re-extract;
then the export, the comparison table, the report and the next sheet all show
what the researcher decided, and the checkout's models are untouched.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
from pathlib import Path

import pytest

from solieu.extractors import classify
from solieu.extractors.places import canonical_table, province_2025
from solieu.pipeline import corrections, store
from solieu.pipeline.cli import main
from solieu.pipeline.learning import corpus
from solieu.pipeline.learning.review import _occurrences
from solieu.pipeline.records import Figure

ROOT = Path(__file__).resolve().parent.parent
REAL_DEV = ROOT / "corpora" / "domains" / "mai-dam" / "gold" / "real-dev.gold.jsonl"


@pytest.fixture
def own_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The researcher's data folder (their models and reviews) in a scratch place; models reloaded around the test."""
    monkeypatch.setenv("SOLIEU_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("SOLIEU_MODELS", raising=False)
    classify.shipped_models.cache_clear()
    yield tmp_path / "data"
    classify.shipped_models.cache_clear()


def _articles(folder: Path, count: int) -> Path:
    """The first few real-dev articles as a JSON Lines file of documents (text only, no annotation)."""
    lines = REAL_DEV.read_text(encoding="utf-8").splitlines()[:count]
    docs = [json.loads(line) for line in lines]
    path = folder / "articles.jsonl"
    path.write_text("".join(json.dumps({"id": d["doc_id"], "text": d["text"], "url": d["source"]},
                                       ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    return path


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    names = list(dict.fromkeys(name for row in rows for name in row))
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=names, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _git_status() -> str:
    return subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout


def _other(values: list[str], current: str) -> str:
    return next(v for v in sorted(values) if v != current)


def _missed_number(text: str, rows: list[dict[str, str]]) -> str:
    """A whole number of the text that no figure of the sheet covers and that occurs once (so needs no sentence)."""
    spans = [(int(r["start"]), int(r["end"])) for r in rows]
    for match in re.finditer(r"\d+", text):
        word = match.group()
        if any(s < match.end() and match.start() < e for s, e in spans):
            continue
        if _occurrences(text, word) == [match.start()]:
            return word
    raise AssertionError("no uncovered number in the article")


def test_every_kind_of_correction_holds_after_training_and_refresh(tmp_path: Path, own_data: Path,
                                                                   capsys: pytest.CaptureFixture[str]):
    db = tmp_path / "solieu.duckdb"
    articles = _articles(tmp_path, 6)
    assert main(["ingest", str(articles), "--db", str(db), "--workers", "1", "-q"]) == 0
    assert main(["review", str(db), "-o", str(tmp_path / "review.csv")]) == 0
    rows = _read_csv(tmp_path / "review.csv")
    assert not any(r["reviewed"] for r in rows)  # nobody has looked yet

    by_doc: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_doc.setdefault(row["doc_id"], []).append(row)
    first, second = sorted(by_doc, key=lambda d: (-len(by_doc[d]), d))[:2]
    mine = sorted(by_doc[first], key=lambda r: int(r["start"]))
    assert len(mine) >= 6
    value_row, metric_row, status_row, period_row, province_row, not_row = mine[:6]
    metrics = corpus.metric_codes()
    provinces = list(canonical_table())

    value_row["value"] = str(int(float(value_row["predicted_value"])) + 1)
    metric_row["metric"] = _other(metrics, metric_row["predicted_metric"])
    status_row["status"] = "target" if status_row["predicted_status"] == "achieved" else "achieved"
    period_row["period"] = "2019" if period_row["predicted_period"] != "2019" else "2018"
    province_row["province"] = _other(provinces, province_row["predicted_province"])
    not_row["not_a_figure"] = "x"
    text = store.document_texts(db, [first])[first]
    number = _missed_number(text, by_doc[first])
    missed = {"doc_id": first, "start": "", "end": "", "figure": number, "metric": metrics[0],
              "status": "achieved", "value": number, "source": mine[0]["source"], "store": mine[0]["store"]}
    moved_to = _other(provinces, by_doc[second][0]["predicted_document_province"])
    by_doc[second][0]["document_province"] = moved_to
    sheet = _write_csv(tmp_path / "reviewed.csv", rows + [missed])

    before = _git_status()
    capsys.readouterr()
    assert main(["train", "--add", str(sheet)]) == 0
    said = capsys.readouterr().out
    assert re.search(r"of your 7 reviewed figures, the extractor now gets \d+ right \(was \d+\)", said), said
    assert _git_status() == before  # the shipped models and corpus files are untouched
    assert (own_data / "models" / "mai-dam" / "manifest.json").is_file()

    assert main(["ingest", "--refresh", "--db", str(db), "--workers", "1", "-q"]) == 0

    # export: each correction, with its provenance
    assert main(["export", "--db", str(db), "--format", "jsonl", "-o", str(tmp_path / "figures.jsonl")]) == 0
    records = [json.loads(line) for line in (tmp_path / "figures.jsonl").open(encoding="utf-8")]
    at = {(r["doc_id"], r["start"], r["end"]): r for r in records}

    def record(row: dict[str, str]) -> dict:
        found = at[(row["doc_id"], int(row["start"]), int(row["end"]))]
        assert found["extractor"] == "review" and found["confidence"] == 1.0
        return found

    assert record(value_row)["value"] == float(value_row["value"])
    assert record(metric_row)["metric"] == metric_row["metric"]
    assert record(status_row)["status"] == status_row["status"]
    assert (record(period_row)["period"], record(period_row)["period_start"]) == (period_row["period"],
                                                                                  int(period_row["period"]))
    assert (record(province_row)["province"], record(province_row)["province_2025"]) == (
        province_row["province"], province_2025(province_row["province"]))
    spot = (int(not_row["start"]), int(not_row["end"]))
    assert not [r for r in records if r["doc_id"] == first and r["start"] < spot[1] and spot[0] < r["end"]]
    start = text.index(number) if _occurrences(text, number) else -1
    added = at[(first, start, start + len(number))]
    assert (added["value"], added["metric"], added["extractor"]) == (float(number), metrics[0], "review")
    assert {r["province"] for r in records if r["doc_id"] == second} == {moved_to}
    documents = store.load_documents(db).set_index("doc_id")
    assert documents.loc[second, "province"] == moved_to

    # compare: the corrected figures are where the researcher put them
    assert main(["compare", "--db", str(db), "--by", "province,metric,period", "-o", str(tmp_path / "t.csv")]) == 0
    table = _read_csv(tmp_path / "t.csv")

    def row_of(figure: dict[str, str]) -> dict[str, str]:
        [found] = [r for r in table if f"{figure['doc_id']}:{figure['start']}-{figure['end']}" in r["figures"].split("; ")]
        return found

    assert row_of(metric_row)["metric"] == metric_row["metric"]
    assert row_of(status_row)["status"] == status_row["status"]
    assert row_of(period_row)["period"] == period_row["period"]
    assert row_of(province_row)["province"] == province_row["province"]
    assert {row_of(r)["province"] for r in by_doc[second]} == {moved_to}

    # the report: the same figures, said to come from the review
    from solieu.pipeline.report import load_inputs, page_data

    figures, docs, texts, _ = load_inputs(db)
    page = page_data(figures, docs, texts, "vi", cues=False)
    reviewed = page["extractors"].index("review")
    assert sum(1 for row in page["figures"] if row[9] == reviewed) == 6  # 5 corrected + 1 added
    assert moved_to in page["provinces"]
    assert main(["report", "--db", str(db), "-o", str(tmp_path / "report.html")]) == 0

    # the next sheet: what was reviewed is marked, and comes after what was not
    assert main(["review", str(db), "-o", str(tmp_path / "next.csv")]) == 0
    after = _read_csv(tmp_path / "next.csv")
    marked = {(r["doc_id"], r["start"], r["end"]): r["reviewed"] for r in after}
    for row in (value_row, metric_row, status_row, period_row, province_row):
        assert marked[(row["doc_id"], row["start"], row["end"])]
    assert marked[(first, str(start), str(start + len(number)))]
    assert marked[(first, not_row["start"], not_row["end"])].startswith("not a figure")
    seen = [bool(r["reviewed"]) for r in after]
    assert seen == sorted(seen)  # unreviewed first

    # back to the shipped models: the corrections still hold
    assert main(["train", "--reset"]) == 0
    assert not (own_data / "models" / "mai-dam").exists()
    assert main(["ingest", "--refresh", "--db", str(db), "--workers", "1", "-q"]) == 0
    assert store.load_figures(db).set_index(["doc_id", "start", "end"]).loc[
        (metric_row["doc_id"], int(metric_row["start"]), int(metric_row["end"])), "metric"] == metric_row["metric"]
    assert _git_status() == before


def test_train_add_refuses_a_sheet_with_nothing_reviewed(tmp_path: Path, own_data: Path,
                                                        capsys: pytest.CaptureFixture[str]):
    db = tmp_path / "solieu.duckdb"
    assert main(["ingest", str(_articles(tmp_path, 1)), "--db", str(db), "--workers", "1", "-q"]) == 0
    assert main(["review", str(db), "-o", str(tmp_path / "review.csv")]) == 0
    capsys.readouterr()
    assert main(["train", "--add", str(tmp_path / "review.csv")]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert "no reviewed row" in line
    assert not (own_data / "models").exists()


def test_train_refuses_a_models_folder_holding_other_files(tmp_path: Path, own_data: Path,
                                                         capsys: pytest.CaptureFixture[str]):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "my-model.npz").write_bytes(b"not ours")
    (folder / "manifest.json").write_text('{"something": "else"}', encoding="utf-8")
    assert main(["train", "--no-cv", "--weak-from", "--models", str(folder)]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert "not a models folder written by `solieu train`" in line
    assert (folder / "my-model.npz").read_bytes() == b"not ours"
    assert (folder / "manifest.json").read_text(encoding="utf-8") == '{"something": "else"}'


@pytest.mark.parametrize("make, said", [
    ("missing", "SOLIEU_MODELS={folder}: no such folder"),
    ("empty", "SOLIEU_MODELS={folder}: holds no models"),
    ("broken", "{folder}/manifest.json: not a model manifest"),
])
def test_models_that_cannot_be_used_are_refused_with_one_line(tmp_path: Path, make: str, said: str,
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]):
    """SOLIEU_MODELS naming no models is refused, not run silently with the rules alone; a broken manifest too."""
    folder = tmp_path / "models"
    if make != "missing":
        folder.mkdir()
    if make == "broken":
        (folder / "manifest.json").write_text('{"models": ', encoding="utf-8")
    monkeypatch.setenv("SOLIEU_MODELS", str(folder))
    classify.shipped_models.cache_clear()
    article = tmp_path / "tin.txt"
    article.write_text("Năm 2021, tỉnh tổ chức 12 lớp tập huấn.", encoding="utf-8")
    try:
        assert main(["extract", str(article), "-o", str(tmp_path / "f.jsonl"), "--workers", "1", "-q"]) == 2
    finally:
        classify.shipped_models.cache_clear()
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("solieu: " + said.format(folder=folder)) and "unexpected" not in line


# --- laying corrections over figures: one phrase, one record -------------------------------------

TEXT = "Năm 2022, tỉnh kiểm tra 35 cơ sở, xử phạt 12 cơ sở theo Nghị định 144."


def _figure(text: str, value: float, metric: str = "inspections") -> Figure:
    start = TEXT.index(text)
    return Figure("d", "d.txt", start, start + len(text), text, TEXT, value, metric=metric)


def test_a_number_judged_not_a_figure_is_dropped_whatever_the_extractor_says():
    decree = _figure("144", 144.0, metric="other")
    fix = corrections.Fix("d", "not_figure", decree.start, decree.end, "144")
    figures, problems = corrections.apply([_figure("35", 35.0), decree], [fix], TEXT)
    assert [f.text for f in figures] == ["35"] and problems == []


def test_a_correction_whose_text_changed_is_reported_not_applied_elsewhere():
    start = TEXT.index("35")
    fix = corrections.Fix("d", "figure", start, start + 2, "35", found_start=start, found_end=start + 2,
                          value=35.0, metric="establishments_inspected", status="achieved")
    changed = TEXT.replace("35", "53")
    figures, problems = corrections.apply([_figure("35", 35.0)], [fix], changed)
    assert figures[0].metric == "inspections"
    [line] = problems
    assert "no longer fits" in line and "'35'" in line


def test_a_figure_the_extractor_no_longer_finds_is_put_back_from_its_correction():
    start = TEXT.index("12")
    fix = corrections.Fix("d", "figure", start, start + 2, "12", value=12.0, unit="count",
                          metric="establishments_sanctioned", status="achieved", period="2022")
    [figure], _ = corrections.apply([], [fix], TEXT, "d.txt")
    assert (figure.text, figure.value, figure.metric, figure.period, figure.extractor) == (
        "12", 12.0, "establishments_sanctioned", "2022", "review")
    assert figure.sentence == TEXT


def test_extract_with_a_store_lays_its_corrections_over_the_figures_file(tmp_path: Path, own_data: Path):
    article = tmp_path / "tin.txt"
    article.write_text(TEXT, encoding="utf-8")
    db = tmp_path / "solieu.duckdb"
    assert main(["ingest", str(article), "--db", str(db), "--workers", "1", "-q"]) == 0
    [doc_id] = store.load_documents(db)["doc_id"]
    start = TEXT.index("12")
    fix = corrections.Fix(doc_id, "figure", start, start + 2, "12", found_start=start, found_end=start + 2,
                          value=12.0, unit="count", metric="establishments_sanctioned", status="target",
                          period="2023", reviewer="lan")
    assert store.record_corrections(db, [fix], say=print) == 1

    output = tmp_path / "figures.jsonl"
    assert main(["extract", str(article), "--db", str(db), "-o", str(output), "--workers", "1", "-q"]) == 0
    [record] = [json.loads(line) for line in output.open(encoding="utf-8") if json.loads(line)["start"] == start]
    assert (record["status"], record["period"], record["extractor"]) == ("target", "2023", "review")


def test_a_correction_whose_text_changed_is_said_at_ingest_and_kept(tmp_path: Path, own_data: Path,
                                                                    capsys: pytest.CaptureFixture[str]):
    article = tmp_path / "tin.txt"
    article.write_text(TEXT, encoding="utf-8")
    db = tmp_path / "solieu.duckdb"
    assert main(["ingest", str(article), "--db", str(db), "--workers", "1"]) == 0
    [doc_id] = store.load_documents(db)["doc_id"]
    start = TEXT.index("35")
    fix = corrections.Fix(doc_id, "figure", start, start + 2, "35", found_start=start, found_end=start + 2,
                          value=35.0, unit="count", metric="establishments_inspected", status="achieved")
    assert store.record_corrections(db, [fix], say=print) == 1

    article.write_text(TEXT.replace("35", "53"), encoding="utf-8")  # the article was edited since
    capsys.readouterr()
    assert main(["ingest", str(article), "--db", str(db), "--workers", "1"]) == 0
    said = capsys.readouterr().err
    assert f"the correction (figure) of document {doc_id} {start}-{start + 2} '35' no longer fits" in said
    assert len(store.load_corrections(db)) == 1  # kept, for a reviewer to look at again
