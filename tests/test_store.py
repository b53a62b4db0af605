"""The embedded store: incremental ingestion, crash safety, export round trips."""

from __future__ import annotations

import dataclasses
import datetime
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from dataset_fixtures import (
    CORPUS,
    DA_NANG_REPORT,
    QUANG_NAM_PLAN,
    QUANG_NAM_REPORT,
    corpus_extractor,
    kind_of,
    make_figure,
)
from solieu.pipeline import store
from solieu.pipeline.read import Rejected
from solieu.pipeline.records import FIGURE_FIELDS, Document

REPORT_2024 = dataclasses.replace(
    QUANG_NAM_REPORT,
    text="Năm 2023, 200/240 xã, phường, thị trấn của tỉnh Quảng Nam tổ chức tuyên truyền về phòng, chống mại dâm.",
)


def report_2024(doc: Document):
    return [make_figure(doc, "200/240", 200.0, "communes_with_propaganda", unit="ratio", denominator=240.0,
                        province="Quảng Nam", province_2025="Đà Nẵng", period="2023")]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "solieu.duckdb"


def ingest(db: Path, docs, extractor, version: str = "test-1", refresh: bool = False) -> store.IngestResult:
    messages: list[str] = []
    result = store.ingest(db, docs, refresh=refresh, extractor=extractor, kind_of=kind_of,
                          version=version, report=messages.append)
    assert len(messages) == len(result.rejected)
    return result


def stored_state(db: Path) -> tuple[list[tuple], list[tuple]]:
    with store.open_store(db, read_only=True) as con:
        documents = con.execute("SELECT * FROM documents ORDER BY doc_id").fetchall()
        figures = con.execute("SELECT * FROM figures ORDER BY doc_id, seq").fetchall()
    return documents, figures


def test_the_store_has_a_column_for_every_spec_field():
    assert set(store.FIGURE_TYPES) == set(FIGURE_FIELDS)


def test_ingest_stores_the_document_with_its_text_and_every_figure_field(db: Path):
    extractor = corpus_extractor()
    result = ingest(db, [QUANG_NAM_REPORT], extractor)
    assert (result.added, result.figures) == (1, 3)

    figures = store.load_figures(db)
    expected = [f.to_record() for f in CORPUS[QUANG_NAM_REPORT](QUANG_NAM_REPORT)]
    assert store.plain_records(figures[list(FIGURE_FIELDS)]) == expected
    assert figures.loc[0, "text"] == "180/240"
    assert figures.loc[0, "published"] == datetime.date(2023, 12, 20)
    assert (figures.loc[0, "period_start"], figures.loc[0, "period_end"]) == (2023, 2023)

    documents = store.load_documents(db, text=True)
    row = documents.iloc[0]
    assert row["province"] == "Quảng Nam"
    assert row["kind"] == "news"
    assert row["text"] == QUANG_NAM_REPORT.text
    assert row["text_hash"] == store.text_hash(QUANG_NAM_REPORT.text)
    assert row["extractor_version"] == "test-1"


def test_reingesting_the_same_document_changes_nothing_and_extracts_nothing(db: Path):
    extractor = corpus_extractor()
    ingest(db, [QUANG_NAM_REPORT, DA_NANG_REPORT], extractor)
    before = stored_state(db)

    result = ingest(db, [QUANG_NAM_REPORT, DA_NANG_REPORT], extractor)

    assert (result.added, result.replaced, result.unchanged, result.figures) == (0, 0, 2, 0)
    assert extractor.calls == [QUANG_NAM_REPORT.doc_id, DA_NANG_REPORT.doc_id]
    assert stored_state(db) == before


def test_a_changed_text_replaces_that_documents_figures_only(db: Path):
    extractor = corpus_extractor({REPORT_2024.text: report_2024})
    ingest(db, [QUANG_NAM_REPORT, DA_NANG_REPORT], extractor)

    result = ingest(db, [REPORT_2024], extractor)

    assert result.replaced == 1
    figures = store.load_figures(db)
    by_doc = figures.groupby("doc_id")["text"].apply(list).to_dict()
    assert by_doc == {QUANG_NAM_REPORT.doc_id: ["200/240"], DA_NANG_REPORT.doc_id: ["6"]}
    documents = store.load_documents(db, text=True).set_index("doc_id")
    assert documents.loc[QUANG_NAM_REPORT.doc_id, "text"] == REPORT_2024.text


def test_a_new_extractor_version_reextracts_stored_documents_only_with_refresh(db: Path):
    extractor = corpus_extractor()
    ingest(db, [QUANG_NAM_PLAN, DA_NANG_REPORT], extractor, version="v1")

    waiting = ingest(db, [QUANG_NAM_PLAN], extractor, version="v2")
    assert (waiting.stale, waiting.refreshed) == (1, 0)
    assert set(store.load_documents(db)["extractor_version"]) == {"v1"}

    refreshed = ingest(db, [], extractor, version="v2", refresh=True)
    assert refreshed.refreshed == 2
    assert set(store.load_documents(db)["extractor_version"]) == {"v2"}
    assert len(store.load_figures(db)) == 3
    assert extractor.calls[-2:] == sorted([QUANG_NAM_PLAN.doc_id, DA_NANG_REPORT.doc_id])


def test_the_extractor_version_changes_when_a_lexicon_changes(tmp_path: Path, monkeypatch):
    lexicons = tmp_path / "lexicons"
    lexicons.mkdir()
    lexicon = lexicons / "metric.json"
    lexicon.write_text('{"lớp tập huấn": "training_courses"}', encoding="utf-8")
    monkeypatch.setattr(store, "ROOT", tmp_path)
    monkeypatch.setattr(store, "VERSIONED_DIRS", (lexicons,))
    first = store.extractor_version()
    assert first == store.extractor_version()

    lexicon.write_text('{"lớp tập huấn": "training_courses", "lớp bồi dưỡng": "training_courses"}',
                       encoding="utf-8")

    assert store.extractor_version() != first
    assert first.startswith(store.__version__ + "+")


def test_a_failure_in_the_middle_of_a_write_leaves_the_previous_state(db: Path, monkeypatch):
    extractor = corpus_extractor({REPORT_2024.text: report_2024})
    ingest(db, [QUANG_NAM_REPORT], extractor)
    before = stored_state(db)
    real_insert = store.insert_figures

    def insert_then_fail(con, rows):
        real_insert(con, rows.slice(0, 1))  # the first figure is written, then the disk fills up
        raise OSError("no space left on device")

    monkeypatch.setattr(store, "insert_figures", insert_then_fail)
    with pytest.raises(OSError):
        ingest(db, [REPORT_2024], extractor)
    with pytest.raises(OSError):
        ingest(db, [DA_NANG_REPORT], extractor)

    assert stored_state(db) == before


def test_a_process_killed_in_the_middle_of_a_write_leaves_the_previous_state(db: Path):
    """A real crash: the process dies before commit, with no exception handler running."""
    extractor = corpus_extractor({REPORT_2024.text: report_2024})
    ingest(db, [QUANG_NAM_REPORT], extractor)
    before = stored_state(db)
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from solieu.pipeline import store
        from dataset_fixtures import corpus_extractor, kind_of
        import test_store

        real_insert = store.insert_figures
        def insert_then_die(con, rows):
            real_insert(con, rows.slice(0, 1))
            os._exit(3)
        store.insert_figures = insert_then_die
        store.ingest({str(db)!r}, [test_store.REPORT_2024], extractor=corpus_extractor(
            {{test_store.REPORT_2024.text: test_store.report_2024}}), kind_of=kind_of, version="test-1")
    """)
    crashed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert crashed.returncode == 3, crashed.stderr

    assert stored_state(db) == before


def test_a_bad_input_costs_one_line_and_nothing_else(db: Path):
    def broken(doc: Document):
        raise ValueError("no sentence found")

    extractor = corpus_extractor({"Văn bản hỏng.": broken})
    unreadable = Rejected("corpus/scan.pdf", "no text layer")
    broken_doc = Document(doc_id="broken", source="corpus/broken.txt", text="Văn bản hỏng.")

    result = ingest(db, [unreadable, broken_doc, DA_NANG_REPORT], extractor)

    assert [r.source for r in result.rejected] == ["corpus/scan.pdf", "corpus/broken.txt"]
    assert "extraction failed (ValueError: no sentence found)" in result.rejected[1].reason
    assert list(store.load_documents(db)["doc_id"]) == [DA_NANG_REPORT.doc_id]


def test_a_batch_of_documents_is_written_in_one_insert_of_all_its_figures(db: Path, monkeypatch):
    """Row-by-row inserts made ingest slower than extraction: a batch is one statement per table."""
    written: list[int] = []
    real_insert = store.insert_figures

    def counting_insert(con, figures):
        written.append(figures.num_rows)
        real_insert(con, figures)

    monkeypatch.setattr(store, "insert_figures", counting_insert)
    result = ingest(db, list(CORPUS), corpus_extractor())

    assert written == [result.figures] == [7]
    assert len(store.load_figures(db)) == 7


def test_a_document_whose_figures_the_store_cannot_hold_costs_only_itself(db: Path):
    def unstorable(doc: Document):
        return [dataclasses.replace(make_figure(doc, "6", 6.0, "people_trained"), value="sáu")]

    extractor = corpus_extractor({DA_NANG_REPORT.text: unstorable})
    messages: list[str] = []
    result = store.ingest(db, [QUANG_NAM_REPORT, DA_NANG_REPORT], extractor=extractor, kind_of=kind_of,
                          version="test-1", report=messages.append)

    assert (result.added, result.figures, len(result.rejected)) == (1, 3, 1)
    assert result.rejected[0].source == DA_NANG_REPORT.source
    assert "cannot be stored" in result.rejected[0].reason and "\n" not in result.rejected[0].reason
    assert len(messages) == 1
    assert list(store.load_documents(db)["doc_id"]) == [QUANG_NAM_REPORT.doc_id]


def test_a_reingest_reads_the_stored_states_a_batch_at_a_time(db: Path, monkeypatch):
    extractor = corpus_extractor()
    ingest(db, list(CORPUS), extractor)
    lookups: list[int] = []
    real_states = store.stored_states

    def counting_states(con, doc_ids):
        lookups.append(len(doc_ids))
        return real_states(con, doc_ids)

    monkeypatch.setattr(store, "stored_states", counting_states)
    monkeypatch.setattr(store, "stored_state", lambda con, doc_id: pytest.fail("one query per document"))

    result = ingest(db, list(CORPUS), extractor)

    assert lookups == [len(CORPUS)]
    assert result.unchanged == len(CORPUS) and result.added == 0


def test_an_id_given_twice_in_one_run_ends_with_its_last_text(db: Path):
    """Read one at a time, as before the lookups were batched: the later text replaces the earlier one."""
    extractor = corpus_extractor({REPORT_2024.text: report_2024})

    ingest(db, [QUANG_NAM_REPORT, DA_NANG_REPORT, REPORT_2024], extractor)

    documents = store.load_documents(db, text=True).set_index("doc_id")
    assert documents.loc[QUANG_NAM_REPORT.doc_id, "text"] == REPORT_2024.text
    figures = store.load_figures(db)
    assert list(figures.loc[figures["doc_id"] == QUANG_NAM_REPORT.doc_id, "text"]) == ["200/240"]


def test_reading_ahead_never_loses_the_documents_read_before_an_interruption():
    def three_then_interrupt():
        yield from ["a", "b", "c"]
        raise KeyboardInterrupt

    seen: list[list[str]] = []
    with pytest.raises(KeyboardInterrupt):
        for chunk in store.chunks(three_then_interrupt(), 2):
            seen.append(chunk)

    assert seen == [["a", "b"], ["c"]]


def test_reading_a_missing_store_names_it(tmp_path: Path):
    with pytest.raises(store.StoreError, match="nowhere.duckdb: no such store"):
        store.load_figures(tmp_path / "nowhere.duckdb")


def test_a_figures_file_reads_as_the_frame_of_its_records(tmp_path: Path):
    """Read column by column, a file gives the frame its records give: missing keys, extra keys, odd types."""
    records = [f.to_record() for f in CORPUS[QUANG_NAM_REPORT](QUANG_NAM_REPORT)]
    records[0]["note"] = "xem lại"
    records[1]["counted"] = 5  # a number where text is expected stays what the record says
    del records[2]["locality"]
    path = tmp_path / "figures.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records) + "\n", encoding="utf-8")

    expected = store.normalise_frame(pd.DataFrame.from_records(records))

    pd.testing.assert_frame_equal(store.load_figures(path), expected, check_exact=True)


def test_a_sentence_repeated_by_its_figures_is_held_once(tmp_path: Path):
    records = [f.to_record() for f in CORPUS[QUANG_NAM_REPORT](QUANG_NAM_REPORT)]
    path = tmp_path / "figures.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")

    figures = store.load_figures(path)

    assert records[1]["sentence"] == records[2]["sentence"]
    assert figures.loc[1, "sentence"] is figures.loc[2, "sentence"]


def test_a_line_that_is_not_a_record_is_named(tmp_path: Path):
    path = tmp_path / "figures.jsonl"
    path.write_text('{"doc_id": "a", "value": 1}\n[1, 2]\n', encoding="utf-8")

    with pytest.raises(store.StoreError, match="line 2: not a JSON object"):
        store.load_figures(path)


@pytest.mark.parametrize("fmt", store.EXPORT_FORMATS)
def test_export_round_trips_every_field(db: Path, tmp_path: Path, fmt: str):
    ingest(db, list(CORPUS), corpus_extractor())
    stored = store.load_figures(db)
    output = tmp_path / f"figures.{fmt}"

    count = store.export_figures(stored, output, fmt)

    back = store.load_figures(output)
    assert count == len(stored) == 7
    pd.testing.assert_frame_equal(back, stored[list(store.EXPORT_FIGURE_COLUMNS)])
    assert back.loc[0, "sentence"] == DA_NANG_REPORT.text  # Vietnamese text survives the format


def test_jsonl_export_is_the_extract_format(db: Path, tmp_path: Path):
    ingest(db, [QUANG_NAM_REPORT], corpus_extractor())
    output = tmp_path / "figures.jsonl"
    store.export_figures(store.load_figures(db), output, "jsonl")

    first = json.loads(output.read_text(encoding="utf-8").splitlines()[0])

    assert list(first) == list(store.EXPORT_FIGURE_COLUMNS)
    assert first["published"] == "2023-12-20" and first["period_start"] == 2023
    assert first["text"] == "180/240" and first["denominator"] == 240.0 and first["per"] is None


SEEDS = Path(__file__).resolve().parent.parent / "corpora" / "seeds"


def test_the_commands_ingest_the_seeds_once_and_export_them(tmp_path: Path, capsys):
    """End to end with the real extractor: every stored figure points into the stored text."""
    from solieu.pipeline.cli import main

    db = tmp_path / "solieu.duckdb"
    assert main(["ingest", str(SEEDS), "--db", str(db)]) == 0
    assert main(["ingest", str(SEEDS), "--db", str(db)]) == 0
    err = capsys.readouterr().err
    assert "5 added" in err and "0 added, 0 replaced, 0 refreshed, 5 unchanged" in err

    documents = store.load_documents(db, text=True).set_index("doc_id")
    plan = documents.loc["004_34ef264421f58d54"]
    assert plan["kind"] == "plan" and plan["province"] == "Quảng Nam"
    assert plan["text"] == (SEEDS / "004_34ef264421f58d54.txt").read_text(encoding="utf-8")
    figures = store.load_figures(db)
    assert len(figures) > 20
    for _, figure in figures.iterrows():
        assert documents.loc[figure["doc_id"], "text"][figure["start"]:figure["end"]] == figure["text"]

    exported = tmp_path / "figures.parquet"
    assert main(["export", "--db", str(db), "--format", "parquet", "-o", str(exported)]) == 0
    pd.testing.assert_frame_equal(store.load_figures(exported), figures[list(store.EXPORT_FIGURE_COLUMNS)])
