"""Typed data out: the same column types in the store, Parquet, CSV (with its schema note) and JSON Lines."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from dataset_fixtures import CORPUS, QUANG_NAM_PLAN, QUANG_NAM_REPORT, corpus_extractor, kind_of, make_figure
from solieu.pipeline import store
from solieu.pipeline.cli import main
from solieu.pipeline.records import Document

PANDAS_DTYPES = {"VARCHAR": "object", "INTEGER": "Int64", "DOUBLE": "float64", "DATE": "object",
                 "TIMESTAMP": "datetime64[us]"}
ARROW_TYPES = {"VARCHAR": "string", "INTEGER": "int32", "DOUBLE": "double", "DATE": "date32[day]",
               "TIMESTAMP": "timestamp[us]"}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "solieu.duckdb"
    store.ingest(path, list(CORPUS), extractor=corpus_extractor(), kind_of=kind_of, version="test-1",
                 report=lambda message: None)
    return path


def assert_typed(frame: pd.DataFrame) -> None:
    """Every column has the pandas dtype of its declared SQL type."""
    for name in frame.columns:
        assert str(frame[name].dtype) == PANDAS_DTYPES[store.COLUMN_TYPES[name]], name
    if "published" in frame.columns:
        assert all(v is None or type(v) is datetime.date for v in frame["published"])


def test_the_store_declares_published_as_a_date_and_the_period_years_as_integers(db: Path):
    with duckdb.connect(str(db), read_only=True) as con:
        documents = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                     "WHERE table_name = 'documents'").fetchall())
        figures = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                   "WHERE table_name = 'figures'").fetchall())
        years = con.execute("SELECT DISTINCT period_start, period_end FROM figures").fetchall()
    assert documents["published"] == "DATE" and documents["ingested_at"] == "TIMESTAMP"
    assert figures["period_start"] == figures["period_end"] == "INTEGER"
    assert figures["value_high"] == "DOUBLE"
    assert years == [(2023, 2023)]


@pytest.mark.parametrize(("period", "years"), [
    ("2023", (2023, 2023)), ("2016-2020", (2016, 2020)), ("2021-", (2021, None)), (None, (None, None)),
    ("năm nay", (None, None)),
])
def test_a_period_gives_its_first_and_last_year(period: str | None, years: tuple):
    assert store.period_years(period) == years


def test_load_documents_returns_document_columns_only(db: Path):
    documents = store.load_documents(db)
    assert list(documents.columns) == [c for c in store.DOCUMENT_COLUMNS if c != "text"]
    assert_typed(documents)
    published = documents.set_index("doc_id")["published"]
    assert published["qnam-report-2023"] == datetime.date(2023, 12, 20)
    assert published["qnam-plan-2023"] is None


@pytest.mark.parametrize("fmt", store.EXPORT_FORMATS)
@pytest.mark.parametrize("what", store.EXPORT_TABLES)
def test_every_export_reads_back_with_the_declared_types(db: Path, tmp_path: Path, fmt: str, what: str):
    output = tmp_path / f"{what}.{fmt}"
    assert main(["export", "--db", str(db), "--what", what, "--format", fmt, "-o", str(output)]) == 0
    columns = store.EXPORT_FIGURE_COLUMNS if what == "figures" else store.EXPORT_DOCUMENT_COLUMNS
    loaded = store.load_figures(db) if what == "figures" else store.load_documents(db, text=True)

    back = store.load_figures(output) if what == "figures" else store.load_documents(output, text=True)

    assert list(back.columns) == list(columns)
    assert_typed(back)
    pd.testing.assert_frame_equal(back, loaded[list(columns)])
    if what == "figures":
        assert back["value_high"].isna().all()  # all null in this corpus, and still a number column


def test_parquet_declares_every_column_even_all_null_ones(db: Path, tmp_path: Path):
    output = tmp_path / "figures.parquet"
    store.export_figures(store.load_figures(db), output, "parquet")
    schema = pq.read_schema(output)
    in_parquet = {**ARROW_TYPES, "DATE": "timestamp[ms]"}  # a date as a timestamp: pandas reads it as datetime64
    for name in store.EXPORT_FIGURE_COLUMNS:
        assert str(schema.field(name).type) == in_parquet[store.COLUMN_TYPES[name]], name
    with duckdb.connect() as con:
        types = dict(con.execute(f"DESCRIBE SELECT * FROM read_parquet('{output}')").fetchall()[i][:2]
                     for i in range(len(schema)))
    assert types["value_high"] == "DOUBLE" and types["published"] == "TIMESTAMP"
    assert types["period_start"] == "INTEGER"


def test_pandas_reads_the_dates_of_a_parquet_export_as_dates_and_the_years_as_integers(db: Path, tmp_path: Path):
    output = tmp_path / "figures.parquet"
    store.export_figures(store.load_figures(db), output, "parquet")
    frame = pd.read_parquet(output)
    assert str(frame["published"].dtype).startswith("datetime64")
    assert str(frame["period_start"].dtype) == str(frame["period_end"].dtype) == "Int64"
    assert pd.Timestamp("2023-12-20") in set(frame["published"])
    assert store.load_figures(output)["published"].equals(store.load_figures(db)["published"])  # and back


def test_the_readmes_read_csv_arguments_type_a_csv_export(db: Path, tmp_path: Path):
    output = tmp_path / "figures.csv"
    store.export_figures(store.load_figures(db), output, "csv")
    # As the README shows them:
    frame = pd.read_csv(output, parse_dates=["published"], dtype={"period_start": "Int64", "period_end": "Int64"},
                        keep_default_na=False, na_values=[""])
    assert str(frame["published"].dtype).startswith("datetime64")
    assert str(frame["period_start"].dtype) == "Int64" and 2023 in set(frame["period_start"].dropna())


def test_a_csv_export_has_a_schema_note_that_duckdb_and_pandas_read_it_by(db: Path, tmp_path: Path):
    output = tmp_path / "figures.csv"
    store.export_figures(store.load_figures(db), output, "csv")
    note = json.loads(store.schema_note_path(output).read_text(encoding="utf-8"))
    assert [f["name"] for f in note["fields"]] == list(store.EXPORT_FIGURE_COLUMNS)
    assert {f["name"]: f["type"] for f in note["fields"]}["value_high"] == "number"

    with duckdb.connect() as con:
        relation = con.execute(
            "SELECT * FROM read_csv(?, header = true, columns = ?)", [str(output), store.duckdb_csv_columns(note)]
        )
        described = {d[0]: d[1] for d in relation.description}
        rows = relation.fetchall()
    assert len(rows) == 7
    assert str(described["value_high"]) == "DOUBLE" and str(described["published"]) == "DATE"

    plain = pd.read_csv(output)  # even without the note, an all-empty column is read as numbers
    assert plain["value_high"].dtype == "float64"


def test_a_csv_export_keeps_vietnamese_and_leading_zeros(db: Path, tmp_path: Path):
    output = tmp_path / "documents.csv"
    store.export_documents(store.load_documents(db), output, "csv")
    back = store.load_documents(output).set_index("doc_id")
    assert back.loc["qnam-report-2023", "title"] == QUANG_NAM_REPORT.title


def test_a_store_of_schema_1_is_migrated_in_place(tmp_path: Path):
    """A store written before typed dates keeps its documents; `published` becomes a DATE."""
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
        con.execute("""CREATE TABLE documents (doc_id VARCHAR PRIMARY KEY, source VARCHAR, title VARCHAR,
            published VARCHAR, province VARCHAR, kind VARCHAR, text_hash VARCHAR NOT NULL,
            extractor_version VARCHAR NOT NULL, ingested_at TIMESTAMP NOT NULL, "text" VARCHAR NOT NULL)""")
        fields = ", ".join(f'"{n}" {t}' for n, t in store.FIGURE_TYPES.items())
        con.execute(f"CREATE TABLE figures (seq INTEGER NOT NULL, {fields})")
        con.execute("INSERT INTO documents VALUES ('a', 's', 't', '2023-11', null, 'news', 'h', 'v', now(), 'x')")
        con.execute("INSERT INTO documents VALUES ('b', 's', 't', '2024-02-03', null, 'news', 'h', 'v', now(), 'x')")
        con.execute("INSERT INTO figures (seq, doc_id, period, value) VALUES (0, 'a', '2016-2020', 1), "
                    "(1, 'a', '2021-', 2), (0, 'b', '2024', 3)")

    with pytest.raises(store.StoreError, match="older solieu .* `solieu ingest --refresh --db .*` converts it once"):
        store.load_figures(path)  # reading alone cannot convert it, and says how

    with store.open_store(path):
        pass

    documents = store.load_documents(path).set_index("doc_id")
    assert documents.loc["a", "published"] == datetime.date(2023, 11, 1)  # a month alone: its first day
    assert documents.loc["b", "published"] == datetime.date(2024, 2, 3)
    figures = store.load_figures(path)
    assert [(p, s, e) for p, s, e in zip(figures["period"], figures["period_start"], figures["period_end"])] == [
        ("2016-2020", 2016, 2020), ("2021-", 2021, pd.NA), ("2024", 2024, 2024)]


def test_a_month_only_publication_date_is_stored_as_its_first_day(tmp_path: Path):
    path = tmp_path / "month.duckdb"
    doc = Document("m", "m.txt", QUANG_NAM_PLAN.text, published="2024-05")
    store.ingest(path, [doc], extractor=lambda d: [make_figure(d, "10", 10.0, "training_courses", within="10 lớp",
                                                              period="2023", status="target")],
                 kind_of=kind_of, version="v", report=lambda message: None)
    assert store.load_documents(path).loc[0, "published"] == datetime.date(2024, 5, 1)
