"""The review round trip: extract → sheet → a person corrects it → `solieu train --add` → corpus and model."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from solieu.extractors import classify
from solieu.pipeline.learning import corpus
from solieu.extractors.learned.model import load_model
from solieu.pipeline.learning.review import check_sheet, merge_corrections, read_corrections
from solieu.pipeline import store
from solieu.pipeline.cli import main

ARTICLE = (
    "Kết quả công tác phòng, chống mại dâm năm 2021\n"
    "Năm 2021, Đội kiểm tra liên ngành đã tổ chức 12 lớp tập huấn cho 450 cán bộ. "
    "Lực lượng chức năng tiến hành 35 đợt kiểm tra tại 210 cơ sở kinh doanh dịch vụ.\n"
)
REPORT = (
    "Báo cáo kết quả năm 2021\n"
    "Năm 2021, toàn tỉnh tổ chức 12 lớp tập huấn cho 450 cán bộ, trong đó có 40 tuyên truyền viên. "
    "Lực lượng chức năng tiến hành 35 đợt kiểm tra tại 210 cơ sở kinh doanh dịch vụ, phạt 15 triệu đồng. "
    "Số vụ vi phạm giảm 3 vụ so với năm trước.\n"
    "Năm 2022, phấn đấu 100% xã, phường không có tệ nạn mại dâm; tổ chức ít nhất 1 lớp tập huấn mỗi quý.\n"
)


@pytest.fixture
def corpus_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Corpus files of the run go to a scratch folder, never into the repository's corpora/; the
    researcher's own reviews and models to a scratch data folder. Returns where their reviews are."""
    for name in ("REVIEW_JSONL", "HANDMADE_JSONL", "WEAK_JSONL"):
        monkeypatch.setattr(corpus, name, tmp_path / getattr(corpus, name).name)
    monkeypatch.setenv("SOLIEU_DATA", str(tmp_path / "data"))
    classify.shipped_models.cache_clear()
    corpus.user_review_jsonl().parent.mkdir(parents=True)
    yield corpus.user_review_jsonl().parent
    classify.shipped_models.cache_clear()


def _sheet(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, rows: list[dict[str, str]], delimiter: str = ",") -> Path:
    names = list(dict.fromkeys(name for row in rows for name in row))
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=names, delimiter=delimiter, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _review_docs(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "review.jsonl").open(encoding="utf-8")]


def _extract_and_review(tmp_path: Path, text: str) -> tuple[Path, list[dict[str, str]]]:
    article = tmp_path / "bao-cao.txt"
    article.write_text(text, encoding="utf-8")
    assert main(["extract", str(article), "-o", str(tmp_path / "figures.jsonl"), "--workers", "1", "-q"]) == 0
    assert main(["review", str(tmp_path / "figures.jsonl"), "-o", str(tmp_path / "review.csv")]) == 0
    return article, _sheet(tmp_path / "review.csv")


def test_review_sheet_round_trip_keeps_corrections(tmp_path: Path, corpus_files: Path):
    _, rows = _extract_and_review(tmp_path, ARTICLE)
    raw = (tmp_path / "review.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: spreadsheets then read the Vietnamese right
    assert {r["figure"] for r in rows} >= {"12", "450", "35", "210"}
    confidences = [float(r["confidence"]) for r in rows]
    assert confidences == sorted(confidences)

    # A reviewer corrects one row, confirms another, deletes the rest and adds a column of notes.
    by_figure = {r["figure"]: r for r in rows}
    corrected = dict(by_figure["210"], metric="establishments_at_risk", ghi_chu="sai")
    confirmed = dict(by_figure["12"], checked="x", ghi_chu="")
    _write(tmp_path / "edited.csv", [corrected, confirmed], delimiter=";")

    models = tmp_path / "models"
    assert main(["train", "--add", str(tmp_path / "edited.csv"), "--no-cv", "--weak-from",
                 "--models", str(models)]) == 0

    [doc] = _review_docs(corpus_files)
    assert doc["text"] == ARTICLE and doc["origin"] == "review"
    labels = {f["text"]: (f["metric"], f["status"], f["value"]) for f in doc["figures"]}
    assert labels == {"210": ("establishments_at_risk", "achieved", 210.0),
                      "12": (by_figure["12"]["metric"], by_figure["12"]["status"], 12.0)}
    manifest = json.loads((models / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["figures_by_origin"]["review"] == 2
    assert load_model("metric", models) is not None  # hash-checked against the manifest written beside it

    # The same key corrected again replaces the earlier correction instead of adding a row.
    again = dict(corrected, metric="violations_sanctioned")
    corrections, problems = read_corrections(_write(tmp_path / "again.csv", [again]))
    assert problems == [] and merge_corrections(corrections) == (1, [])
    [doc] = _review_docs(corpus_files)
    assert {f["text"]: f["metric"] for f in doc["figures"]}["210"] == "violations_sanctioned"
    assert len(doc["figures"]) == 2


# What an extractor predicted on REPORT, written out so that the test does not move with the extractor:
# (span, the words that follow it, metric, status, value, unit, period); "3" is a change, not a figure.
PREDICTED = [
    ("12", " lớp", "training_courses", "achieved", 12.0, "count", "2021"),
    ("450", " cán bộ", "people_trained", "achieved", 450.0, "count", "2021"),
    ("35", " đợt", "inspections", "achieved", 35.0, "count", "2021"),
    ("210", " cơ sở", "establishments_inspected", "achieved", 210.0, "count", "2021"),
    ("15 triệu đồng", ".", "fines_vnd", "achieved", 15000000.0, "vnd", "2021"),
    ("3", " vụ so", "violations_sanctioned", "achieved", 3.0, "count", "2021"),
    ("100%", " xã", "communes_prostitution_free", "target", 100.0, "percent", "2022"),
    ("ít nhất 1", " lớp", "training_courses", "target", 1.0, "count", "2022"),
]


def _predictions(tmp_path: Path) -> Path:
    """A figures file of REPORT as `solieu extract` writes it, from PREDICTED."""
    from solieu.pipeline.read import read_inputs

    article = tmp_path / "bao-cao.txt"
    article.write_text(REPORT, encoding="utf-8")
    [doc] = list(read_inputs([article]))
    records = []
    for span, after, metric, status, value, unit, period in PREDICTED:
        start = REPORT.index(span + after)
        line_start = REPORT.rfind("\n", 0, start) + 1
        records.append({"doc_id": doc.doc_id, "source": doc.source, "start": start, "end": start + len(span),
                        "text": span, "sentence": REPORT[line_start:REPORT.index("\n", start)], "value": value,
                        "unit": unit, "metric": metric, "status": status, "period": period,
                        "confidence": 0.5, "extractor": "test"})
    figures = tmp_path / "figures.jsonl"
    figures.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return figures


def test_a_sheet_corrects_every_field_marks_non_figures_and_adds_missed_ones(tmp_path: Path, corpus_files: Path):
    figures_file = _predictions(tmp_path)
    assert main(["review", str(figures_file), "-o", str(tmp_path / "review.csv")]) == 0
    by_figure = {r["figure"]: r for r in _sheet(tmp_path / "review.csv")}
    assert "40" not in by_figure  # the figure the reviewer adds as missed
    source = by_figure["12"]["source"]
    edited = [
        dict(by_figure["12"], checked="x"),
        dict(by_figure["450"], metric="people_reached"),
        dict(by_figure["35"], status="target", period="2021-2022"),
        dict(by_figure["210"], metric="establishments_at_risk"),
        dict(by_figure["15 triệu đồng"], value="15500000"),
        dict(by_figure["100%"], unit="count"),
        dict(by_figure["3"], not_a_figure="x"),
        dict(by_figure["ít nhất 1"], figure="ít nhất 1 lớp tập huấn mỗi quý"),
        dict(by_figure["12"], metric="other"),  # a row left as it was is not a correction ...
        {"doc_id": by_figure["12"]["doc_id"], "start": "", "end": "", "figure": "40",
         "metric": "teams_established", "status": "achieved", "source": ""},
    ]
    edited[8] = dict(by_figure["210"])  # ... (the row of 210 again, untouched)
    sheet = _write(tmp_path / "edited.csv", edited)
    assert check_sheet(sheet) == []

    models = tmp_path / "models"
    assert main(["train", "--add", str(sheet), "--no-cv", "--weak-from", "--models", str(models)]) == 0

    [doc] = _review_docs(corpus_files)
    assert doc["text"] == REPORT and doc["source"] == source
    figures = {f["text"]: f for f in doc["figures"]}
    assert set(figures) == {"12", "450", "35", "210", "15 triệu đồng", "100%", "ít nhất 1 lớp tập huấn mỗi quý", "40"}
    assert (figures["12"]["metric"], figures["12"]["period"]) == (by_figure["12"]["metric"], "2021")
    assert figures["450"]["metric"] == "people_reached"
    assert (figures["35"]["status"], figures["35"]["period"]) == ("target", "2021-2022")
    assert figures["210"]["metric"] == "establishments_at_risk"
    assert (figures["15 triệu đồng"]["value"], figures["15 triệu đồng"]["unit"]) == (15500000.0, "vnd")
    assert (figures["100%"]["value"], figures["100%"]["unit"]) == (100.0, "count")
    span = figures["ít nhất 1 lớp tập huấn mỗi quý"]
    assert REPORT[span["start"]:span["end"]] == "ít nhất 1 lớp tập huấn mỗi quý"
    assert span["key"] == [int(by_figure["ít nhất 1"]["start"]), int(by_figure["ít nhất 1"]["end"])]
    added = figures["40"]
    assert REPORT[added["start"]:added["end"]] == "40" and added["metric"] == "teams_established"
    assert added["value"] == 40.0 and added["origin"] == "review"
    three = REPORT.index("giảm 3") + len("giảm ")
    assert [{k: n[k] for k in ("start", "end", "text")} for n in doc["not_figures"]] == [
        {"start": three, "end": three + 1, "text": "3"}]
    assert added["start"] == REPORT.index("40 tuyên truyền viên")

    # Changing one's mind moves a key between the figures and the non-figures.
    back = [dict(by_figure["3"], metric="violations_sanctioned", checked="x"),
            dict(by_figure["210"], not_a_figure="x")]
    corrections, problems = read_corrections(_write(tmp_path / "again.csv", back))
    assert problems == [] and merge_corrections(corrections) == (2, [])
    [doc] = _review_docs(corpus_files)
    assert {f["text"] for f in doc["figures"]} >= {"3"} and "210" not in {f["text"] for f in doc["figures"]}
    assert [n["text"] for n in doc["not_figures"]] == ["210"]


def test_the_codes_sheet_lists_every_valid_code(tmp_path: Path, corpus_files: Path):
    _extract_and_review(tmp_path, ARTICLE)
    raw = (tmp_path / "review.codes.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    codes = _sheet(tmp_path / "review.codes.csv")
    metrics = {r["code"]: r for r in codes if r["field"] == "metric"}
    assert list(metrics) == list(corpus.metric_codes())
    assert metrics["training_courses"]["typical words"] == "lớp tập huấn, bồi dưỡng"
    assert {r["code"] for r in codes if r["field"] == "status"} == {"achieved", "target"}
    assert {r["code"] for r in codes if r["field"] == "unit"} == {"count", "percent", "ratio", "vnd"}


@pytest.mark.parametrize(("change", "reason"), [
    ({"metric": "lop_hoc"}, "unknown metric 'lop_hoc'"),
    ({"status": "done"}, "status must be achieved or target, not 'done'"),
    ({"period": "2021/22"}, "period must be YYYY, YYYY-YYYY or YYYY-, not '2021/22'"),
    ({"value": "1.000"}, "value must be a number such as 1000 or 135.8 (no thousands separator), not '1.000'"),
    ({"unit": "người"}, "unit must be one of count, percent, ratio, vnd, not 'người'"),
    ({"figure": "4500"}, "the corrected figure '4500' is not in the document"),
    ({"start": "", "end": "", "figure": "99"}, "the missed figure '99' is not in document bao-cao"),
    ({"start": "", "end": "", "figure": "2021", "sentence": ""}, "the missed figure '2021' occurs 2 times in document bao-cao"),
    ({"start": "", "end": "", "figure": ""}, "a missed figure (start and end empty) needs the number"),
    ({"start": "30", "end": "20"}, "start and end must be character offsets with start < end"),
])
def test_a_bad_row_refuses_the_whole_sheet_before_anything_is_written(
        tmp_path: Path, corpus_files: Path, capsys: pytest.CaptureFixture[str], change: dict, reason: str):
    _, rows = _extract_and_review(tmp_path, ARTICLE)
    by_figure = {r["figure"]: r for r in rows}
    good = dict(by_figure["210"], metric="establishments_at_risk")
    sheet = _write(tmp_path / "edited.csv", [good, dict(by_figure["450"], **change)])
    capsys.readouterr()

    assert main(["train", "--add", str(sheet), "--no-cv", "--weak-from", "--models", str(tmp_path / "m")]) == 2

    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"solieu: {sheet}:3: {reason}")
    assert not (corpus_files / "review.jsonl").exists() and not (tmp_path / "m").exists()


def test_a_file_that_is_not_a_review_sheet_is_refused_in_one_line(tmp_path: Path, corpus_files: Path,
                                                                  capsys: pytest.CaptureFixture[str]):
    sheet = tmp_path / "other.csv"
    sheet.write_text("ten,tuoi\nAn,30\n", encoding="utf-8")
    assert main(["train", "--add", str(sheet), "--no-cv", "--weak-from", "--models", str(tmp_path / "m")]) == 2
    assert capsys.readouterr().err.strip() == f"solieu: {sheet}: not a review sheet (no column doc_id, start, end, metric, status)"
    assert main(["train", "--add", str(tmp_path / "missing.csv"), "--no-cv"]) == 2
    assert capsys.readouterr().err.strip() == f"solieu: {tmp_path / 'missing.csv'}: no such file"
    workbook = tmp_path / "review.xlsx"
    workbook.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xa4\xc3")
    assert main(["train", "--add", str(workbook), "--no-cv"]) == 2
    assert capsys.readouterr().err.strip().endswith("save the sheet as CSV UTF-8")


def test_a_broken_review_corpus_is_named_before_anything_is_written(tmp_path: Path, corpus_files: Path,
                                                                    capsys: pytest.CaptureFixture[str]):
    (corpus_files / "review.jsonl").write_text('{"doc_id": "a", "te\n', encoding="utf-8")
    sheet = _write(tmp_path / "sheet.csv", [{"doc_id": "a", "start": "0", "end": "2", "metric": "other",
                                            "status": "achieved", "figure": "12", "sentence": "12 lớp"}])
    assert main(["train", "--add", str(sheet), "--no-cv", "--models", str(tmp_path / "m")]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"solieu: {corpus_files / 'review.jsonl'}:1: broken JSON line")
    assert not (tmp_path / "m").exists()


def test_review_reads_parquet_and_a_store_as_it_reads_json_lines(tmp_path: Path, corpus_files: Path,
                                                    capsys: pytest.CaptureFixture[str]):
    _extract_and_review(tmp_path, REPORT)
    frame = store.load_figures(tmp_path / "figures.jsonl")
    store.export_figures(frame, tmp_path / "figures.parquet", "parquet")
    folder = tmp_path / "parts"
    folder.mkdir()
    store.export_figures(frame, folder / "part-00000.parquet", "parquet")

    assert main(["review", str(tmp_path / "figures.parquet"), "-o", str(tmp_path / "from-parquet.csv")]) == 0
    assert main(["review", str(folder), "-o", str(tmp_path / "from-folder.csv")]) == 0

    db = tmp_path / "solieu.duckdb"
    assert main(["ingest", str(tmp_path / "bao-cao.txt"), "--db", str(db), "--workers", "1", "-q"]) == 0
    assert main(["review", str(db), "-o", str(tmp_path / "from-store.csv")]) == 0

    expected = (tmp_path / "review.csv").read_bytes()
    assert (tmp_path / "from-parquet.csv").read_bytes() == expected
    assert (tmp_path / "from-folder.csv").read_bytes() == expected
    from_store = _sheet(tmp_path / "from-store.csv")
    assert {row.pop("store") for row in from_store} == {str(db)}  # where train --add finds the texts
    from_file = _sheet(tmp_path / "review.csv")
    assert {row.pop("store") for row in from_file} == {""}
    assert from_store == from_file
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 not really")
    capsys.readouterr()
    assert main(["review", str(broken), "-o", str(tmp_path / "x.csv")]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"solieu: {broken}: cannot be read as figures")


def test_a_list_line_that_looks_like_a_formula_stays_text_and_comes_back_unchanged(tmp_path: Path,
                                                                                   corpus_files: Path):
    """Reports write goals as `- Phấn đấu ...`; a spreadsheet would take `-...` for a formula."""
    from solieu.pipeline.read import read_inputs

    text = "Kế hoạch năm 2022\n- Phấn đấu 100% xã, phường không có tệ nạn mại dâm.\n- Tổ chức 5 lớp tập huấn.\n"
    article = tmp_path / "ke-hoach.txt"
    article.write_text(text, encoding="utf-8")
    [doc] = list(read_inputs([article]))
    goal = text.splitlines()[1]
    record = {"doc_id": doc.doc_id, "source": doc.source, "start": text.index("100%"), "end": text.index("100%") + 4,
              "text": "100%", "sentence": goal, "value": 100.0, "unit": "percent",
              "metric": "communes_with_propaganda", "status": "target", "period": "2022", "confidence": 0.4}
    (tmp_path / "figures.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    assert main(["review", str(tmp_path / "figures.jsonl"), "-o", str(tmp_path / "review.csv")]) == 0
    assert f"'{goal}".encode("utf-8") in (tmp_path / "review.csv").read_bytes()

    [row] = _sheet(tmp_path / "review.csv")
    fixed = dict(row, metric="communes_prostitution_free")
    added = dict(row, start="", end="", figure="5", metric="training_courses", sentence="'- Tổ chức 5 lớp tập huấn.")
    corrections, problems = read_corrections(_write(tmp_path / "edited.csv", [fixed, added]))
    assert problems == [] and corrections[0].sentence == goal
    assert merge_corrections(corrections) == (2, [])
    [stored] = _review_docs(corpus_files)
    assert {f["text"]: f["metric"] for f in stored["figures"]} == {"100%": "communes_prostitution_free",
                                                                  "5": "training_courses"}


def test_documents_fetched_from_the_web_are_read_back_from_the_store(tmp_path: Path, corpus_files: Path):
    """Their source is an address: the store the sheet came from gives train --add the whole text."""
    url = "https://baoquangninh.vn/ket-qua-2021.html"
    pages = tmp_path / "urls.pages.jsonl"
    pages.write_text(json.dumps({"id": "bqn-1", "url": url, "title": "Kết quả năm 2021", "published": "2021-12-30",
                                 "text": REPORT}, ensure_ascii=False) + "\n", encoding="utf-8")
    db = tmp_path / "solieu.duckdb"
    assert main(["ingest", str(pages), "--db", str(db), "--workers", "1", "-q"]) == 0
    assert main(["review", str(db), "-o", str(tmp_path / "review.csv")]) == 0
    rows = {r["figure"]: r for r in _sheet(tmp_path / "review.csv")}
    assert rows["450"]["source"] == url and rows["450"]["store"] == str(db)
    missed = {"doc_id": "bqn-1", "start": "", "end": "", "figure": "15 triệu đồng", "metric": "fines_vnd",
              "status": "achieved"}
    sheet = _write(tmp_path / "edited.csv", [dict(rows["450"], metric="people_reached"), missed])

    corrections, problems = read_corrections(sheet)
    assert problems == [] and merge_corrections(corrections) == (2, [])

    [doc] = _review_docs(corpus_files)
    assert (doc["doc_id"], doc["source"], doc["text"], doc["published"]) == ("bqn-1", url, REPORT, "2021-12-30")
    assert {f["text"]: f["metric"] for f in doc["figures"]} == {"450": "people_reached", "15 triệu đồng": "fines_vnd"}


def test_a_number_the_grammar_cannot_read_needs_the_reviewers_value(tmp_path: Path, corpus_files: Path):
    text = "Năm 2021, các xã đã tổ chức hàng chục buổi tuyên truyền về phòng, chống mại dâm.\n"
    article = tmp_path / "tin.txt"
    article.write_text(text, encoding="utf-8")
    row = {"doc_id": "tin", "start": "", "end": "", "figure": "hàng chục", "metric": "propaganda_events",
           "status": "achieved", "source": str(article)}
    sheet = _write(tmp_path / "sheet.csv", [row])
    [problem] = check_sheet(sheet)
    assert problem.startswith(f"{sheet}:2: [[hàng chục]]: the number grammar finds no number in the span")
    assert problem.endswith("write its value in the 'value' column")

    corrections, _ = read_corrections(_write(tmp_path / "valued.csv", [dict(row, value="20")]))
    assert merge_corrections(corrections) == (1, [])
    [figure] = _review_docs(corpus_files)[0]["figures"]
    assert (figure["text"], figure["value"], figure["unit"], figure["metric"]) == (
        "hàng chục", 20.0, "count", "propaganda_events")
