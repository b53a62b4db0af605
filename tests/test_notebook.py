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
