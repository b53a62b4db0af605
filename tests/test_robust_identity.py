"""Identity that cannot collide, and outputs that are never read as inputs (issue 10).

Two documents never share an id in silence: the same file name in two folders
gives two ids, a repeated id is a rejected input with a reason, and the store
never lets a different input replace a stored document. What solieu wrote is
never read back as documents, and an output that would destroy an input or be
lost is refused before any work.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from input_builders import jsonl_line
from solieu.pipeline import run as run_module
from solieu.pipeline import store
from solieu.pipeline.cli import main
from solieu.pipeline.read import Rejected, read_inputs
from solieu.pipeline.records import Document

TRAINING = "Năm 2020, huyện tổ chức 04 lớp tập huấn cho hơn 1.000 đại biểu."
CHECKS = "Đoàn liên ngành kiểm tra 35 cơ sở kinh doanh dịch vụ, xử phạt 12 cơ sở với số tiền 135,8 triệu đồng."


def records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def two_folders(tmp_path: Path) -> Path:
    root = tmp_path / "baocao"
    (root / "a").mkdir(parents=True)
    (root / "b").mkdir()
    (root / "a" / "baocao.txt").write_text(TRAINING, encoding="utf-8")
    (root / "b" / "baocao.txt").write_text(CHECKS, encoding="utf-8")
    return root


def test_the_same_file_name_in_two_folders_is_two_documents(tmp_path: Path) -> None:
    root = two_folders(tmp_path)
    docs = list(read_inputs([root]))
    assert [(d.doc_id, d.text) for d in docs] == [("a/baocao", TRAINING), ("b/baocao", CHECKS)]


def test_a_flat_folder_keeps_file_names_as_ids(tmp_path: Path) -> None:
    (tmp_path / "002_quang_ninh.txt").write_text(TRAINING, encoding="utf-8")
    assert [d.doc_id for d in read_inputs([tmp_path])] == ["002_quang_ninh"]


def test_reingesting_two_folders_with_one_file_name_replaces_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = two_folders(tmp_path)
    db = tmp_path / "s.duckdb"
    assert main(["ingest", str(root), "--db", str(db), "--workers", "1"]) == 0
    assert main(["ingest", str(root), "--db", str(db), "--workers", "1"]) == 0

    assert "2 added" in capsys.readouterr().err
    assert sorted(store.load_documents(db, text=True)["text"]) == sorted([TRAINING, CHECKS])


def test_a_repeated_jsonl_id_is_rejected_with_the_line_it_repeats(tmp_path: Path) -> None:
    feed = tmp_path / "tin.jsonl"
    feed.write_text(jsonl_line({"id": "bai-1", "text": TRAINING}) + jsonl_line({"id": "bai-1", "text": CHECKS}), encoding="utf-8")

    first, second = read_inputs([feed])

    assert isinstance(first, Document) and first.text == TRAINING
    assert second == Rejected(f"{feed}:2", "id 'bai-1' repeats the id of line 1")


def test_an_id_repeated_across_files_is_rejected_naming_the_first(tmp_path: Path) -> None:
    one, two = tmp_path / "mot.jsonl", tmp_path / "hai.jsonl"
    one.write_text(jsonl_line({"id": "x", "text": TRAINING, "url": "https://a.vn/1"}), encoding="utf-8")
    two.write_text(jsonl_line({"id": "x", "text": CHECKS, "url": "https://b.vn/2"}), encoding="utf-8")

    items = list(read_inputs([one, two]))

    assert items[1] == Rejected("https://b.vn/2", "document id 'x' is already used by https://a.vn/1 in this batch")


def test_the_store_never_replaces_a_document_from_another_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = two_folders(tmp_path)
    db = tmp_path / "s.duckdb"
    # Ingested one folder at a time, both files have the id `baocao`.
    assert main(["ingest", str(root / "a"), "--db", str(db), "--workers", "1", "-q"]) == 0
    status = main(["ingest", str(root / "b"), "--db", str(db), "--workers", "1", "-q"])

    assert status == 1
    err = capsys.readouterr().err
    assert f"solieu: {root / 'b' / 'baocao.txt'}: document id 'baocao' is already stored from {root / 'a' / 'baocao.txt'}" in err
    assert list(store.load_documents(db, text=True)["text"]) == [TRAINING]


def test_an_output_inside_the_input_folder_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "F"
    folder.mkdir()
    (folder / "bai.txt").write_text(TRAINING, encoding="utf-8")

    assert main(["extract", str(folder), "-o", str(folder / "figures.jsonl"), "--workers", "1", "-q"]) == 2
    assert capsys.readouterr().err == (f"solieu: {folder / 'figures.jsonl'}: is inside the input folder {folder}; "
                                       "write the output elsewhere\n")
    assert sorted(p.name for p in folder.iterdir()) == ["bai.txt"]


def test_figures_written_by_another_run_into_an_input_folder_are_never_read_back(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "F"
    folder.mkdir()
    (folder / "bai.txt").write_text(TRAINING, encoding="utf-8")
    assert main(["extract", str(folder), "-o", str(tmp_path / "figures.jsonl"), "--workers", "1", "-q"]) == 0
    first = records(tmp_path / "figures.jsonl")
    output = folder / "figures.jsonl"
    output.write_bytes((tmp_path / "figures.jsonl").read_bytes())  # copied in by hand
    capsys.readouterr()

    assert main(["extract", str(folder), "-o", str(tmp_path / "again.jsonl"), "--workers", "1", "-q"]) == 0
    assert records(tmp_path / "again.jsonl") == first
    db = tmp_path / "s.duckdb"
    assert main(["ingest", str(folder), "--db", str(db), "--workers", "1"]) == 0

    err = capsys.readouterr().err
    assert f"solieu: {output}: figure records written by solieu, not documents: skipped" in err
    assert list(store.load_documents(db)["doc_id"]) == ["bai"]
    assert len(store.load_figures(db)) == len(first)


def test_a_figures_file_named_as_input_is_rejected_not_read(tmp_path: Path) -> None:
    figures = tmp_path / "figures.jsonl"
    figures.write_text(json.dumps({"doc_id": "a", "start": 0, "end": 2, "text": "04", "value": 4.0,
                                   "unit": "count", "metric": "training_courses"}) + "\n", encoding="utf-8")
    assert list(read_inputs([figures])) == [Rejected(str(figures), "figure records written by solieu, not documents")]


def refuse_work(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_extraction(doc: Document) -> None:
        raise AssertionError("extraction ran although the output was refused")

    monkeypatch.setattr(run_module, "extract_document", no_extraction)


def test_an_output_that_is_an_input_is_refused_before_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    refuse_work(monkeypatch)
    article = tmp_path / "bai.txt"
    article.write_text(TRAINING, encoding="utf-8")

    assert main(["extract", str(article), "-o", str(article), "--workers", "1"]) == 2

    assert article.read_text(encoding="utf-8") == TRAINING
    assert capsys.readouterr().err == f"solieu: {article}: is also an input; write the output elsewhere\n"


def test_an_errors_file_that_is_the_output_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    refuse_work(monkeypatch)
    article = tmp_path / "bai.txt"
    article.write_text(TRAINING, encoding="utf-8")
    output = tmp_path / "f.jsonl"

    assert main(["extract", str(article), "-o", str(output), "--errors", str(output), "--workers", "1"]) == 2
    assert capsys.readouterr().err == f"solieu: {output}: is also the output {output}; give each output its own name\n"
    assert not output.exists()


def test_an_output_that_is_a_folder_is_refused_before_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    refuse_work(monkeypatch)
    article = tmp_path / "bai.txt"
    article.write_text(TRAINING, encoding="utf-8")
    (tmp_path / "out").mkdir()

    assert main(["extract", str(article), "-o", str(tmp_path / "out"), "--workers", "1"]) == 2
    assert capsys.readouterr().err == f"solieu: {tmp_path / 'out'}: is a folder; give the name of a file to write\n"


def test_an_output_through_a_symbolic_link_replaces_its_target_and_keeps_the_link(tmp_path: Path) -> None:
    article = tmp_path / "bai.txt"
    article.write_text(TRAINING, encoding="utf-8")
    real = tmp_path / "data" / "figures.jsonl"
    real.parent.mkdir()
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "figures.jsonl"
    link.symlink_to(real)

    assert main(["extract", str(article), "-o", str(link), "--workers", "1", "-q"]) == 0

    assert link.is_symlink() and os.readlink(link) == str(real)
    assert [r["text"] for r in records(real)] == ["04", "hơn 1.000"]
    assert sorted(p.name for p in real.parent.iterdir()) == ["figures.jsonl"]  # no .part left beside it


def test_dash_writes_the_records_to_standard_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    article = tmp_path / "bai.txt"
    article.write_text(TRAINING, encoding="utf-8")

    assert main(["extract", str(article), "-o", "-", "--workers", "1"]) == 0

    captured = capsys.readouterr()
    assert [json.loads(line)["text"] for line in captured.out.splitlines()] == ["04", "hơn 1.000"]
    assert captured.err.endswith("→ standard output\n")
    assert not (Path.cwd() / "-").exists()


def test_dev_stdout_on_a_pipe_is_written_in_place(tmp_path: Path) -> None:
    import subprocess
    import sys

    article = tmp_path / "bai.txt"
    article.write_text(TRAINING, encoding="utf-8")
    solieu = Path(sys.executable).with_name("solieu")

    run = subprocess.run([str(solieu), "extract", str(article), "-o", "/dev/stdout", "--workers", "1"],
                         capture_output=True, text=True, encoding="utf-8", timeout=300)

    assert run.returncode == 0, run.stderr
    assert [json.loads(line)["text"] for line in run.stdout.splitlines()] == ["04", "hơn 1.000"]
    assert run.stderr.endswith("→ standard output\n")
