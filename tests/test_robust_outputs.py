"""Valid outputs always, and one line for every error a user can cause (issue 10).

A value that overflows is not a figure (the output stays strict JSON); CSV cells
a spreadsheet would run as formulas are guarded; a missing, empty, wrong or
damaged file ends any command with `solieu: FILE: reason` and exit status 2.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from solieu.pipeline import store
from solieu.pipeline.cli import main
from solieu.pipeline.records import Document
from solieu.pipeline.run import extract_or_reject
from solieu.pipeline.write import safe_cell

TRAINING = "Năm 2020, huyện tổ chức 04 lớp tập huấn cho hơn 1.000 đại biểu."
OVERFLOW = "Năm 2020, tỉnh thu " + "9" * 400 + " triệu đồng tiền phạt và tổ chức 04 lớp tập huấn."


def strict_json(line: str) -> dict[str, object]:
    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(line, parse_constant=refuse)


def test_a_value_that_overflows_is_not_a_figure(tmp_path: Path) -> None:
    found = extract_or_reject(Document("tran", "tran.txt", OVERFLOW))
    assert [figure.text for figure in found] == ["04"]

    article = tmp_path / "tran.txt"
    article.write_text(OVERFLOW, encoding="utf-8")
    output = tmp_path / "f.jsonl"
    assert main(["extract", str(article), "-o", str(output), "--workers", "1", "-q"]) == 0
    assert [strict_json(line)["text"] for line in output.read_text(encoding="utf-8").splitlines()] == ["04"]


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
        ("+84 912", "'+84 912"),
        ("-5 cơ sở", "'-5 cơ sở"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("135,8 triệu đồng", "135,8 triệu đồng"),
        (-5.0, -5.0),
        (None, None),
    ],
)
def test_csv_cells_a_spreadsheet_would_run_are_guarded(cell: object, written: object) -> None:
    assert safe_cell(cell) == written


def test_a_csv_export_guards_formulas_and_reads_back_as_it_was(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    sentence = "=1+1 cơ sở, 12 cơ sở bị xử phạt."
    doc = Document("a", "a.txt", sentence)

    def extractor(document: Document) -> list:
        from solieu.pipeline.run import extract_document

        return extract_document(document)

    store.ingest(db, [doc], extractor=extractor, kind_of=lambda d: "news", version="t", report=lambda m: None)
    stored = store.load_figures(db)
    assert (stored["sentence"] == sentence).all() and len(stored) >= 1
    output = tmp_path / "f.csv"

    store.export_figures(stored, output, "csv")

    assert "'=1+1 cơ sở" in output.read_text(encoding="utf-8-sig")
    assert list(store.load_figures(output)["sentence"]) == list(stored["sentence"])


def one_error_line(capsys: pytest.CaptureFixture[str], status: int, name: str) -> str:
    err = capsys.readouterr().err
    assert status == 2, err
    assert err.count("\n") == 1 and err.startswith("solieu: ") and "Traceback" not in err, err
    assert name in err
    return err


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    empty = tmp_path / "rong.jsonl"
    empty.write_text("", encoding="utf-8")
    documents = tmp_path / "tin.jsonl"
    documents.write_text(json.dumps({"id": "a", "text": TRAINING}, ensure_ascii=False) + "\n", encoding="utf-8")
    broken = tmp_path / "hong.jsonl"
    broken.write_text('{"doc_id": "a", "start": 1\n', encoding="utf-8")
    truncated = tmp_path / "cut.duckdb"
    truncated.write_bytes(b"DUCK" + bytes(100))
    half = tmp_path / "half.duckdb"  # a real store cut in the middle, as a full disk or a broken copy leaves it
    store.ingest(half, [Document(f"d{n}", f"d{n}.txt", TRAINING + f" Tổ {n}.") for n in range(300)],
                 extractor=lambda d: [], kind_of=lambda d: "news", version="t", report=lambda m: None)
    half.write_bytes(half.read_bytes()[: half.stat().st_size // 2])
    gold = Path(__file__).resolve().parent.parent / "corpora" / "domains" / "mai-dam" / "gold" / "seeds.gold.jsonl"
    return {"empty": empty, "documents": documents, "broken": broken, "truncated": truncated, "half": half,
            "missing": tmp_path / "khong-co.jsonl", "gold": gold, "folder": tmp_path}


@pytest.mark.parametrize(
    ("argv", "named", "reason"),
    [
        (["summary", "{missing}"], "missing", "no such file"),
        (["summary", "{empty}"], "empty", "empty file"),
        (["summary", "{documents}"], "documents", "no figure records"),
        (["summary", "{truncated}"], "truncated", "cannot be opened"),
        (["eval", "{gold}", "{empty}"], "empty", "empty file"),
        (["eval", "{gold}", "{documents}"], "documents", "no figure records"),
        (["eval", "{gold}", "{broken}"], "broken", "broken JSON line"),
        (["eval", "{missing}", "{documents}"], "missing", "no such file"),
        (["eval", "{gold}", "{folder}"], "folder", "is a folder"),
        (["export", "--db", "{truncated}", "--format", "csv", "-o", "{folder}/x.csv"], "truncated", "cannot be opened"),
        (["ingest", "{documents}", "--db", "{truncated}"], "truncated", "cannot be opened"),
        (["ingest", "{documents}", "--db", "{half}", "--workers", "1"], "half", "store cannot be read"),
        (["export", "--db", "{half}", "--format", "csv", "-o", "{folder}/x.csv"], "half", ""),
        (["summary", "{half}"], "half", ""),
        (["extract", "{documents}", "-o", "{folder}"], "folder", "is a folder"),
    ],
)
def test_what_a_user_can_cause_is_one_line_naming_the_file_with_status_2(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str], argv: list[str], named: str, reason: str
) -> None:
    status = main([arg.format(**files) for arg in argv])
    err = one_error_line(capsys, status, str(files[named]))
    assert reason in err


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet", "folder"])
def test_summary_reads_every_format_figures_are_written_in(tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    article = tmp_path / "bai.txt"
    article.write_text(TRAINING, encoding="utf-8")
    figures = tmp_path / "f.jsonl"
    main(["extract", str(article), "-o", str(figures), "--workers", "1", "-q"])
    source = figures
    if fmt in ("csv", "parquet"):
        source = tmp_path / f"f.{fmt}"
        store.export_figures(store.load_figures(figures), source, fmt)
    elif fmt == "folder":
        source = tmp_path / "dataset"
        source.mkdir()
        store.export_figures(store.load_figures(figures), source / "part-00000.parquet", "parquet")
    capsys.readouterr()

    assert main(["summary", str(source)]) == 0

    assert capsys.readouterr().out.splitlines()[-1].split()[:3] == ["total", "1", "2"]
