"""CSV that no spreadsheet can misread (issue 21).

Every field holding CR, LF, the delimiter or a quote is quoted, so a bare carriage
return inside a sentence never starts a new row; a formula is guarded at the
start of a cell and after every line break in it; and what was written reads back
exactly, a value that already began with `'` included. Each writer is tried:
`export` (figures and documents), `compare` and the review sheet.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from solieu.pipeline import store
from solieu.pipeline.cli import main
from solieu.pipeline.compare import write_table
from solieu.pipeline.learning.review import write_sheet
from solieu.pipeline.records import Document
from solieu.pipeline.write import FORMULA_STARTS, safe_cell, unguarded_cell

HOSTILE = "Báo cáo\r=2+2"
QUOTED = "'-3 là số đã sửa"
SENTENCE = "Năm 2020, huyện tổ chức 04 lớp tập huấn cho hơn 1.000 đại biểu."


def rows_as_a_spreadsheet_reads_them(path: Path) -> list[list[str]]:
    """The rows an RFC 4180 reader sees (a bare CR outside quotes would end a row)."""
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def no_line_starts_a_formula(rows: list[list[str]]) -> bool:
    return not any(line.startswith(FORMULA_STARTS[:4]) for row in rows for cell in row
                   for line in cell.replace("\r\n", "\n").replace("\r", "\n").split("\n"))


@given(st.text(alphabet=st.sampled_from(list("=+-@'\t\r\nab 1"))))
def test_a_guarded_cell_reads_back_as_it_was(value: str) -> None:
    assert unguarded_cell(safe_cell(value)) == value


@given(st.text(alphabet=st.sampled_from(list("=+-@'\r\nab1"))))
def test_no_line_of_a_guarded_cell_starts_a_formula(value: str) -> None:
    assert no_line_starts_a_formula([[safe_cell(value)]])


def test_a_value_that_began_with_a_quote_reads_back_with_it() -> None:
    assert safe_cell(QUOTED) == "'" + QUOTED
    assert unguarded_cell(safe_cell(QUOTED)) == QUOTED


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    path = tmp_path / "s.duckdb"
    store.ingest(path, [Document("bai", "bai.txt", SENTENCE + "\r=2+2 " + QUOTED, title=HOSTILE)])
    return path


def test_an_export_of_documents_keeps_a_bare_carriage_return_inside_its_cell(db: Path, tmp_path: Path) -> None:
    output = tmp_path / "docs.csv"
    assert main(["export", "--db", str(db), "--what", "documents", "--format", "csv", "-o", str(output)]) == 0

    rows = rows_as_a_spreadsheet_reads_them(output)

    assert len(rows) == 2 and len(rows[1]) == len(rows[0])
    assert no_line_starts_a_formula(rows)
    back = store.load_documents(output, text=True).iloc[0]
    assert (back["title"], back["text"]) == (HOSTILE, SENTENCE + "\r=2+2 " + QUOTED)


def test_an_export_of_figures_keeps_a_bare_carriage_return_inside_its_cell(db: Path, tmp_path: Path) -> None:
    output = tmp_path / "figs.csv"
    assert main(["export", "--db", str(db), "--format", "csv", "-o", str(output)]) == 0

    rows = rows_as_a_spreadsheet_reads_them(output)
    figures = store.load_figures(db)

    assert len(rows) == 1 + len(figures) and {len(row) for row in rows} == {len(rows[0])}
    assert no_line_starts_a_formula(rows)
    assert list(store.load_figures(output)["sentence"]) == list(figures["sentence"])


def test_a_comparison_table_quotes_and_guards_every_cell(tmp_path: Path) -> None:
    output = tmp_path / "compare.csv"
    table = pd.DataFrame({"province": ["Hà Nội", QUOTED], "evidence": [HOSTILE, "a,\"b\"\nc"], "figures": [1, 2]})

    write_table(table, output)

    rows = rows_as_a_spreadsheet_reads_them(output)
    assert len(rows) == 3
    assert no_line_starts_a_formula(rows)
    assert [unguarded_cell(cell) for cell in rows[1][:2] + rows[2][:2]] == ["Hà Nội", HOSTILE, QUOTED, "a,\"b\"\nc"]


def test_a_review_sheet_quotes_and_guards_every_cell(tmp_path: Path) -> None:
    output = tmp_path / "review.csv"
    record = {"doc_id": "bai", "start": 0, "end": 2, "text": "04", "sentence": HOSTILE, "metric": "other",
              "status": "achieved", "value": 4.0, "unit": "count", "confidence": 0.5, "source": QUOTED}

    write_sheet([record], output)

    rows = rows_as_a_spreadsheet_reads_them(output)
    assert len(rows) == 2
    assert no_line_starts_a_formula(rows)
    assert HOSTILE in [unguarded_cell(cell) for cell in rows[1]] and QUOTED in [unguarded_cell(c) for c in rows[1]]
