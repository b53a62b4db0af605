"""Calm, correct messages (issue 21): one line, 2 for what a user got wrong, 130 for Ctrl-C, 1 for rejections."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from solieu.extractors import lexicon
from solieu.pipeline.cli import main
from solieu.pipeline.commands import ingest as ingest_command

TRAINING = "Năm 2020, huyện tổ chức 04 lớp tập huấn cho hơn 1.000 đại biểu."


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1, err
    return err.strip()


@pytest.mark.parametrize("error", [duckdb.InterruptException("INTERRUPT Error: Interrupted!"),
                                   RuntimeError("Query interrupted")], ids=["duckdb", "fetch"])
def test_ctrl_c_caught_by_duckdb_is_an_interruption(error: Exception, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bai.txt").write_text(TRAINING, encoding="utf-8")

    def interrupted(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(ingest_command, "run_ingest", interrupted)

    assert main(["ingest", str(tmp_path / "bai.txt"), "--db", str(tmp_path / "s.duckdb"), "-q"]) == 130
    assert one_line(capsys) == "solieu: interrupted"


@pytest.mark.parametrize("content", ["a,b\n1,2\n", "doc_id,start,end\n"], ids=["other table", "header only"])
@pytest.mark.parametrize("command", [["summary"], ["compare", "-o", "OUT"], ["report", "-o", "OUT"]])
def test_a_csv_without_figures_is_refused(content: str, command: list[str], tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    table = tmp_path / "bang.csv"
    table.write_text(content, encoding="utf-8")
    argv = [command[0], str(table), *[str(tmp_path / "out") if arg == "OUT" else arg for arg in command[1:]]]

    assert main(argv) == 2

    line = one_line(capsys)
    assert line.startswith(f"solieu: {table}: ") and ("no figure records" in line or "not figure records" in line)
    assert not (tmp_path / "out").exists()


def test_a_symbolic_link_loop_in_an_input_folder_is_said(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "F"
    folder.mkdir()
    (folder / "bai.txt").write_text(TRAINING, encoding="utf-8")
    (folder / "vong").symlink_to(tmp_path, target_is_directory=True)
    (folder / "a.txt").symlink_to(folder / "b.txt")
    (folder / "b.txt").symlink_to(folder / "a.txt")

    assert main(["extract", str(folder), "-o", str(tmp_path / "f.jsonl"), "--workers", "1", "-q"]) == 1

    assert capsys.readouterr().err.splitlines() == [
        f"solieu: {folder / 'vong'}: symbolic link loop (leads back to a folder that holds it): not followed",
        f"solieu: {folder / 'a.txt'}: symbolic link loop",
        f"solieu: {folder / 'b.txt'}: symbolic link loop",
    ]


@pytest.mark.parametrize("name", ["", " ", "../mai-dam"])
def test_a_domain_that_names_no_pack_is_refused(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--domain", name, "summary", "x.jsonl"]) == 2
    assert one_line(capsys).startswith(f"solieu: --domain {name!r}: give the name of one folder of corpora/domains/")


@pytest.fixture()
def broken_pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the default pack's description, taxonomy and lexicons, in a folder of packs of its own."""
    source = lexicon.DOMAINS / lexicon.DEFAULT_DOMAIN
    pack = tmp_path / "domains" / "thu"
    (pack / "lexicons").mkdir(parents=True)
    for name in ("pack.json", "taxonomy.json"):
        shutil.copy(source / name, pack / name)
    for path in (source / "lexicons").glob("*.json"):
        shutil.copy(path, pack / "lexicons" / path.name)
    monkeypatch.setattr(lexicon, "DOMAINS", tmp_path / "domains")
    lexicon.domain_dir.cache_clear()
    yield pack
    lexicon.domain_dir.cache_clear()


def edit_json(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_a_broken_pack_json_is_named_as_broken_json(broken_pack: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (broken_pack / "pack.json").write_text('{"name": "thu",', encoding="utf-8")
    assert main(["--domain", "thu", "summary", "x.jsonl"]) == 2
    assert one_line(capsys) == (f"solieu: --domain {broken_pack / 'pack.json'}: not valid JSON "
                                "(Expecting property name enclosed in double quotes, line 1 column 16)")


def test_a_pack_without_models_is_refused_before_any_document(broken_pack: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    edit_json(broken_pack / "pack.json", lambda data: data.pop("models"))
    assert main(["--domain", "thu", "summary", "x.jsonl"]) == 2
    assert one_line(capsys) == f"solieu: --domain {broken_pack / 'pack.json'}: no 'models' (the pack must name its models)"


def test_a_metric_lexicon_of_the_wrong_shape_is_named(broken_pack: Path, capsys: pytest.CaptureFixture[str]) -> None:
    metric = broken_pack / "lexicons" / "metric.json"
    key = next(k for k, v in json.loads(metric.read_text(encoding="utf-8")).items()
               if not k.startswith("_") and isinstance(v, dict))
    edit_json(metric, lambda data: data.__setitem__(key, ["một", "hai"]))

    assert main(["--domain", "thu", "summary", "x.jsonl"]) == 2
    assert one_line(capsys) == f"solieu: --domain {metric}: '{key}' must be a table, not a list"


def test_a_broken_metric_lexicon_is_not_called_json_lines(broken_pack: Path, capsys: pytest.CaptureFixture[str]) -> None:
    metric = broken_pack / "lexicons" / "metric.json"
    metric.write_text("{", encoding="utf-8")
    assert main(["--domain", "thu", "summary", "x.jsonl"]) == 2
    line = one_line(capsys)
    assert line.startswith(f"solieu: --domain {metric}: not valid JSON") and "JSON Lines" not in line


def test_ctrl_c_inside_the_store_is_not_a_damaged_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    from solieu.pipeline import store

    (tmp_path / "bai.txt").write_text(TRAINING, encoding="utf-8")

    def interrupted(*args: object, **kwargs: object) -> None:
        raise duckdb.InterruptException("INTERRUPT Error: Interrupted!")

    monkeypatch.setattr(store, "ingest", interrupted)

    assert main(["ingest", str(tmp_path / "bai.txt"), "--db", str(tmp_path / "s.duckdb"), "-q"]) == 130
    assert one_line(capsys) == "solieu: interrupted"
