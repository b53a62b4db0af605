"""The notebook runs top to bottom on a dataset and shows the cross-province comparison."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

from dataset_fixtures import CORPUS, corpus_extractor, kind_of
from solieu.pipeline import store

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "cross_province.ipynb"


def outputs_text(notebook: nbformat.NotebookNode) -> str:
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts.extend(str(value) for value in output.get("data", {}).values())
    return "\n".join(parts)


def test_the_notebook_loads_the_dataset_and_compares_provinces(tmp_path: Path, monkeypatch):
    db = tmp_path / "solieu.duckdb"
    store.ingest(db, list(CORPUS), extractor=corpus_extractor(), kind_of=kind_of, version="test",
                 report=lambda _: None)
    monkeypatch.setenv("SOLIEU_DB", str(db))
    notebook = nbformat.read(NOTEBOOK, as_version=4)

    NotebookClient(notebook, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()

    shown = outputs_text(notebook)
    assert "7 figures from 4 documents" in shown
    assert "Quảng Nam" in shown and "Đà Nẵng" in shown
    assert "image/svg+xml" in str([o.get("data", {}).keys() for c in notebook.cells
                                               for o in c.get("outputs", [])])
    assert "not met" in shown  # Quảng Nam planned 10 courses and reported 8 or 9
    assert "largest" in shown  # the headline of Quảng Nam's 8 and 9 courses, and the rule that chose it


def test_the_notebook_stops_with_a_message_when_its_store_is_missing(tmp_path: Path, monkeypatch):
    from nbclient.exceptions import CellExecutionError

    monkeypatch.setenv("SOLIEU_DB", str(tmp_path / "nowhere.duckdb"))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(notebook, timeout=180, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    try:
        client.execute()
    except CellExecutionError as error:
        assert "nowhere.duckdb: no such store" in str(error)
    else:
        raise AssertionError("the notebook ran on without its store")
    assert not (tmp_path / "nowhere.duckdb").exists()  # nothing ingested in its place


HOLD = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "read")
print("open", flush=True)
sys.stdin.readline()
con.close()
"""


def _holding(db: Path, mode: str):
    """Another process (a notebook's kernel) holding the store open, until its stdin is closed."""
    import subprocess
    import sys

    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db), mode], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "open"
    return holder


def test_summary_and_report_run_while_a_notebook_holds_the_store_read_only(tmp_path: Path, monkeypatch, capsys):
    from solieu.pipeline.cli import main

    db = tmp_path / "solieu.duckdb"
    store.ingest(db, list(CORPUS), extractor=corpus_extractor(), kind_of=kind_of, version="test",
                 report=lambda _: None)
    holder = _holding(db, "read")
    try:
        assert main(["summary", str(db)]) == 0
        assert main(["report", "--db", str(db), "-o", str(tmp_path / "report.html")]) == 0
        monkeypatch.setenv("SOLIEU_LOCK_WAIT", "0")  # a writer waits for the reader to let go, then says who
        capsys.readouterr()
        assert main(["ingest", "--refresh", "--db", str(db), "-q"]) == 2
        [line] = capsys.readouterr().err.splitlines()
        assert f"in use by process {holder.pid}" in line
    finally:
        holder.communicate("")
    assert (tmp_path / "report.html").stat().st_size > 0


def test_a_reader_names_the_process_that_holds_the_store_for_writing(tmp_path: Path, monkeypatch, capsys):
    from solieu.pipeline.cli import main

    db = tmp_path / "solieu.duckdb"
    store.ingest(db, list(CORPUS), extractor=corpus_extractor(), kind_of=kind_of, version="test",
                 report=lambda _: None)
    monkeypatch.setenv("SOLIEU_LOCK_WAIT", "0")
    holder = _holding(db, "write")
    try:
        assert main(["summary", str(db)]) == 2
    finally:
        holder.communicate("")
    [line] = capsys.readouterr().err.splitlines()
    assert f"in use by process {holder.pid}" in line and "read_only=True" in line
