"""The dataset: an embedded DuckDB store of documents and their figures.

One file, nothing to start (`data/solieu.duckdb` by default). Researchers ingest
new articles week after week, so ingestion is incremental: a document is keyed
by its id, its text hash says whether it changed, and the extractor version says
whether its figures are stale. Each document is written in one transaction, so a
crash mid-write leaves the store as it was before that document.

The document text is kept as the extractor saw it, so every figure's offsets can
be checked (and re-extracted with `--refresh`) without the original files.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from solieu.pipeline import __version__
from solieu.pipeline.defaults import DEFAULT_DB, EXPORT_FORMATS, EXPORT_TABLES  # noqa: F401 - part of the store's API
from solieu.pipeline.read import Rejected
from solieu.pipeline.records import FIGURE_FIELDS, Document, Figure, majority_province

# 2: `documents.published` is a DATE, `figures` has `period_start` and `period_end`.
SCHEMA_VERSION = "2"
ROOT = Path(__file__).resolve().parent.parent
# Code whose change makes a new extractor version; the lexicons and models of the engine and
# of the active domain pack are added to it (`solieu.extractors.lexicon.lexicon_files`).
VERSIONED_DIRS: tuple[Path, ...] = (ROOT / "extractors",)

# SQL type of every spec field; the pandas side follows from it.
FIGURE_TYPES: dict[str, str] = {
    "doc_id": "VARCHAR", "source": "VARCHAR", "province": "VARCHAR",
    "province_2025": "VARCHAR", "locality": "VARCHAR", "start": "INTEGER",
    "end": "INTEGER", "text": "VARCHAR", "sentence": "VARCHAR", "value": "DOUBLE",
    "value_high": "DOUBLE", "denominator": "DOUBLE", "unit": "VARCHAR", "per": "VARCHAR",
    "qualifier": "VARCHAR", "counted": "VARCHAR", "metric": "VARCHAR", "status": "VARCHAR",
    "period": "VARCHAR", "confidence": "DOUBLE", "extractor": "VARCHAR",
}
# Integer years of `period` ("2016-2020" → 2016, 2020; "2021-" → 2021, null), stored beside it
# so that analysis filters and sorts by year without parsing strings.
DERIVED_TYPES: dict[str, str] = {"period_start": "INTEGER", "period_end": "INTEGER"}
FIGURE_COLUMNS: tuple[str, ...] = (*FIGURE_FIELDS, *DERIVED_TYPES)
DOCUMENT_TYPES: dict[str, str] = {
    "doc_id": "VARCHAR", "source": "VARCHAR", "title": "VARCHAR", "published": "DATE",
    "province": "VARCHAR", "kind": "VARCHAR", "text_hash": "VARCHAR", "extractor_version": "VARCHAR",
    "ingested_at": "TIMESTAMP", "text": "VARCHAR",
}
DOCUMENT_COLUMNS: tuple[str, ...] = tuple(DOCUMENT_TYPES)
# Document columns joined onto each figure by `load_figures`.
DOCUMENT_EXTRAS: tuple[str, ...] = ("title", "published", "kind", "extractor_version", "ingested_at")
# One type per column name, whatever table or file it appears in.
COLUMN_TYPES: dict[str, str] = {**DOCUMENT_TYPES, **FIGURE_TYPES, **DERIVED_TYPES, "seq": "INTEGER"}

Extractor = Callable[[Document], list[Figure]]
KindOf = Callable[[Document], "str | None"]


# Nothing is downloaded at run time: DuckDB would fetch an extension for a file it half-recognises.
NO_DOWNLOADS: dict[str, Any] = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


class StoreError(Exception):
    """A store that cannot be opened or read; the message names it and says why."""


def quote(name: str) -> str:
    """Spec fields such as `end` and `text` are SQL keywords: always quote them."""
    return '"' + name.replace('"', '""') + '"'


def extractor_version() -> str:
    """The package version plus a hash of every rule, lexicon and model file.

    A lexicon edit changes what is extracted without a release, so it must
    count as a new version for `ingest --refresh`.
    """
    from solieu.extractors.lexicon import domain_name, lexicon_files

    digest = hashlib.sha256(domain_name().encode("utf-8") + b"\0")
    code = [p for base in VERSIONED_DIRS if base.is_dir() for p in base.rglob("*") if p.is_file()]
    for path in sorted(code) + lexicon_files():
        if "__pycache__" in path.parts or path.suffix == ".pyc":
            continue
        name = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name
        digest.update(name.encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return f"{__version__}+{digest.hexdigest()[:12]}"


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def schema_statements() -> list[str]:
    figure_columns = ",\n  ".join(f"{quote(name)} {COLUMN_TYPES[name]}" for name in FIGURE_COLUMNS)
    return [
        "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
        """CREATE TABLE IF NOT EXISTS documents (
  doc_id VARCHAR PRIMARY KEY, source VARCHAR, title VARCHAR, published DATE,
  province VARCHAR, kind VARCHAR, text_hash VARCHAR NOT NULL,
  extractor_version VARCHAR NOT NULL, ingested_at TIMESTAMP NOT NULL, "text" VARCHAR NOT NULL)""",
        f"CREATE TABLE IF NOT EXISTS figures (\n  seq INTEGER NOT NULL,\n  {figure_columns})",
        corrections_statement(),
    ]


def corrections_statement() -> str:
    """The researcher's reviewed figures (`solieu.pipeline.corrections`); added to older stores when opened to write."""
    from solieu.pipeline.corrections import COLUMN_TYPES as CORRECTION_TYPES

    columns = ", ".join(f"{quote(name)} {kind}" for name, kind in CORRECTION_TYPES.items())
    return f"CREATE TABLE IF NOT EXISTS corrections ({columns})"


LOCK_WAIT_ENV = "SOLIEU_LOCK_WAIT"  # seconds to wait for a store another program holds (default LOCK_WAIT)
LOCK_WAIT = 10.0


@contextlib.contextmanager
def open_store(path: str | Path = DEFAULT_DB, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the store; a writable one creates the file and schema when missing.

    Readers open it read-only, so that any number of them (a notebook, `summary`,
    `report`) share it; a writer waits a little for one that holds it, then says who.
    """
    from solieu.pipeline.outputs import store_problem

    target = Path(path)
    if read_only and not target.exists():
        raise StoreError(f"{target}: no such store (run `solieu ingest` first)")
    problem = store_problem(target)  # a figures file given as --db would be opened as something else, or lost
    if problem:
        raise StoreError(problem)
    if not read_only:
        target.parent.mkdir(parents=True, exist_ok=True)
    con = connect_waiting(target, read_only)
    try:
        if not read_only:
            ensure_schema(con, target)
        else:
            check_readable_schema(con, target)
        yield con
    finally:
        con.close()


def connect_waiting(target: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection, retried while another process holds the file's lock (up to `SOLIEU_LOCK_WAIT` s)."""
    import os
    import time

    try:
        wait = float(os.environ.get(LOCK_WAIT_ENV, LOCK_WAIT))
    except ValueError:
        wait = LOCK_WAIT
    deadline = time.monotonic() + max(wait, 0.0)
    while True:
        try:
            return duckdb.connect(str(target), read_only=read_only, config=NO_DOWNLOADS)
        except duckdb.Error as error:
            holder = lock_holder(str(error))
            if holder is None:
                raise StoreError(f"{target}: cannot be opened as a DuckDB store ({error})") from error
            if time.monotonic() >= deadline:
                advice = ("a notebook: `duckdb.connect(..., read_only=True)`" if read_only
                          else "a notebook: `con.close()`")
                raise StoreError(f"{target}: in use by {holder}; close it there ({advice}) and run again") from None
            time.sleep(0.2)


def lock_holder(message: str) -> str | None:
    """Who holds the store, from DuckDB's lock error (`... held in /usr/bin/python3 (PID 123)`); None for another error."""
    if "lock" not in message.lower():
        return None
    match = re.search(r"held in (.*?) \(PID (\d+)\)", message)
    if not match:
        return "another program"
    program, pid = match.group(1), match.group(2)
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace").strip()
    except OSError:
        command = ""
    command = " ".join(command.split())
    return f"process {pid} ({(command[:60] + '...') if len(command) > 60 else command or program})"


def check_readable_schema(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """A read-only connection cannot convert an older store: say how to, rather than fail on a missing column."""
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except duckdb.Error:
        raise StoreError(f"{path}: not a solieu store (no meta table)") from None
    if row is not None and row[0] == "1":
        raise StoreError(f"{path}: written by an older solieu (store schema 1); "
                         f"`solieu ingest --refresh --db {path}` converts it once")
    if row is not None and row[0] != SCHEMA_VERSION:
        raise StoreError(f"{path}: store schema {row[0]}, this solieu reads schema {SCHEMA_VERSION}")


def ensure_schema(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Create the tables once; refuse a store written by an incompatible schema."""
    con.begin()
    for statement in schema_statements():
        con.execute(statement)
    row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if row is None:
        con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])
    elif row[0] == "1":
        migrate_from_1(con)
        row = (SCHEMA_VERSION,)
    con.commit()
    if row is not None and row[0] != SCHEMA_VERSION:
        raise StoreError(f"{path}: store schema {row[0]}, this solieu writes schema {SCHEMA_VERSION}")


# Schema 1 kept `published` as text and the period only as text.
MIGRATION_FROM_1: tuple[str, ...] = (
    "ALTER TABLE documents ALTER published SET DATA TYPE DATE USING "
    "TRY_CAST(CASE WHEN length(published) = 7 THEN published || '-01' ELSE published END AS DATE)",
    "ALTER TABLE figures ADD COLUMN period_start INTEGER",
    "ALTER TABLE figures ADD COLUMN period_end INTEGER",
    "UPDATE figures SET period_start = TRY_CAST(regexp_extract(period, '^(\\d{4})(-(\\d{4})?)?$', 1) AS INTEGER), "
    "period_end = CASE WHEN regexp_matches(period, '^\\d{4}$') THEN CAST(period AS INTEGER) "
    "ELSE TRY_CAST(regexp_extract(period, '^\\d{4}-(\\d{4})$', 1) AS INTEGER) END",
    "UPDATE meta SET value = '2' WHERE key = 'schema_version'",
)


def migrate_from_1(con: duckdb.DuckDBPyConnection) -> None:
    """A store written before typed dates and years is converted in place, inside the caller's transaction."""
    for statement in MIGRATION_FROM_1:
        con.execute(statement)


def period_years(period: str | None) -> tuple[int | None, int | None]:
    """`YYYY` → (Y, Y), `YYYY-YYYY` → (A, B), `YYYY-` → (Y, None); anything else has no years."""
    match = re.fullmatch(r"(\d{4})(-(\d{4})?)?", (period or "").strip())
    if not match:
        return None, None
    start = int(match.group(1))
    if match.group(2) is None:
        return start, start
    return start, int(match.group(3)) if match.group(3) else None


def as_date(value: Any) -> date | None:
    """A publication date as a date: ISO text (a month alone is its first day), date, timestamp or null."""
    if value is None or value is pd.NaT or (not isinstance(value, (str, date)) and pd.isna(value)):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if re.fullmatch(r"\d{4}-\d{2}", text):
        text += "-01"
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


# --- ingestion -------------------------------------------------------------


@dataclass
class IngestResult:
    """What an ingest did to each document, for the summary line and the exit status."""

    added: int = 0
    replaced: int = 0
    refreshed: int = 0
    unchanged: int = 0
    stale: int = 0  # same text, older extractor, not refreshed
    figures: int = 0
    rejected: list[Rejected] = field(default_factory=list)

    def summary(self) -> str:
        parts = [
            f"{self.added} added", f"{self.replaced} replaced", f"{self.refreshed} refreshed",
            f"{self.unchanged} unchanged", f"{self.figures} figures written",
            f"{len(self.rejected)} rejected",
        ]
        line = ", ".join(parts)
        if self.stale:
            line += f"; {self.stale} extracted by an older extractor (--refresh re-extracts them)"
        return line


def default_extractor(doc: Document) -> list[Figure]:
    from solieu.pipeline.run import extract_pieces  # the extraction core loads its models lazily

    return extract_pieces(doc)


def default_kind(doc: Document) -> str | None:
    if doc.kind:
        return doc.kind
    from solieu.extractors import status

    return status.document_kind(doc)


def document_province(figures: list[Figure]) -> str | None:
    """The province most of a document's figures are about; null for national documents (as `solieu eval` reads it)."""
    return majority_province(f.province for f in figures)


State = tuple[str, str, str]  # (text hash, extractor version, source) of a stored document


def stored_state(con: duckdb.DuckDBPyConnection, doc_id: str) -> State | None:
    """(text hash, extractor version, source) of a stored document, or None."""
    row = con.execute(
        "SELECT text_hash, extractor_version, source FROM documents WHERE doc_id = ?", [doc_id]
    ).fetchone()
    return (row[0], row[1], row[2]) if row else None


def stored_states(con: duckdb.DuckDBPyConnection, doc_ids: list[str]) -> dict[str, State]:
    """The stored state of several documents in one query: one query per document cost 0.7 ms each."""
    if not doc_ids:
        return {}
    rows = con.execute(
        "SELECT doc_id, text_hash, extractor_version, source FROM documents "
        "WHERE doc_id IN (SELECT UNNEST(?::VARCHAR[]))", [doc_ids]
    ).fetchall()
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


def same_source(stored: str | None, given: str) -> bool:
    """Whether two sources are one input: the same text, or two names of the same file."""
    if stored == given:
        return True
    try:
        return stored is not None and Path(stored).samefile(given)
    except (OSError, ValueError):
        return False


WRITE_BATCH = 64  # documents per transaction: one commit per document made ingest I/O-bound
LOOKUP_BATCH = 64  # documents whose stored state is read in one query (read ahead of extraction)


@dataclass(frozen=True)
class Pending:
    """A document that needs extracting, with what the store held for its id (to count what was done)."""

    doc: Document
    state: State | None
    digest: str


def ingest(
    db: str | Path,
    items: Iterable[Document | Rejected],
    refresh: bool = False,
    extractor: Extractor = default_extractor,
    kind_of: KindOf = default_kind,
    version: str | None = None,
    report: Callable[[str], None] | None = None,
    workers: int = 1,
    max_seconds: float | None = None,
    on_document: Callable[[int], None] | None = None,
) -> IngestResult:
    """Extract and store each document; with `refresh`, also re-extract every stale stored one.

    Extraction runs on `workers` processes (the extractor and `kind_of` must then
    be module-level functions), each document within `max_seconds`; results are
    written in input order, `WRITE_BATCH` documents per transaction. An id stored
    from another source is a collision, rejected: a different input never
    silently replaces a stored document. `on_document(figures)` follows the run.
    """
    import functools

    from solieu.pipeline import parallel

    version = version or extractor_version()
    result = IngestResult()
    say = report or (lambda message: print(f"solieu: {message}", file=sys.stderr))
    done = on_document or (lambda figures: None)
    work = functools.partial(extract_for_store, extractor=extractor, kind_of=kind_of, max_seconds=max_seconds)
    if workers > 1 and extractor is default_extractor:
        from solieu.pipeline.run import warm_up

        warm_up()  # the workers forked below start with the tables and models loaded, as extract's do
    with open_store(db) as con:
        writer = BatchWriter(con, version, result, say=say)
        try:
            batches = [lambda: planned(con, items, refresh, version, result, done)]
            if refresh:
                batches.append(lambda: stale_pending(con, version))
            for entries in batches:
                for _, outcome in parallel.ordered_map(work, entries(), workers, on_death=died,
                                                       item_seconds=max_seconds):
                    if isinstance(outcome, Rejected):
                        result.rejected.append(outcome)
                        say(outcome.message())
                        continue
                    pending, found, kind = outcome
                    writer.add(pending, found, kind)
                    done(len(found))
                writer.flush()  # the stale documents are read after this batch is stored
        except KeyboardInterrupt:
            writer.flush()  # what is extracted is kept; an interrupt costs only the documents in flight
            raise
    return result


def chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """`items` in lists of `size`; when reading fails or is interrupted, what was read before is still given.

    The store is asked about a chunk of documents at once, but a Ctrl-C while
    reading must not cost the documents already read: they are processed, then
    the interruption goes on.
    """
    iterator, chunk = iter(items), []
    while True:
        try:
            chunk.append(next(iterator))
        except StopIteration:
            break
        except BaseException:
            if chunk:
                yield chunk
            raise
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def planned(
    con: duckdb.DuckDBPyConnection,
    items: Iterable[Document | Rejected],
    refresh: bool,
    version: str,
    result: IngestResult,
    done: Callable[[int], None],
) -> Iterator[Pending | Rejected]:
    """What each item needs: nothing (counted here), extraction (Pending), or rejection.

    States are read `LOOKUP_BATCH` documents per query; an id met again in the
    run is read on its own when its turn comes, so that it sees what its first
    occurrence wrote, as when every document was looked up alone.
    """
    seen: set[str] = set()
    for chunk in chunks(items, LOOKUP_BATCH):
        states = stored_states(con, list(dict.fromkeys(
            item.doc_id for item in chunk if isinstance(item, Document) and item.doc_id not in seen)))
        for item in chunk:
            if isinstance(item, Rejected):
                yield item
                continue
            state = stored_state(con, item.doc_id) if item.doc_id in seen else states.get(item.doc_id)
            seen.add(item.doc_id)
            yield from plan_document(item, state, refresh, version, result, done)


def plan_document(
    item: Document,
    state: State | None,
    refresh: bool,
    version: str,
    result: IngestResult,
    done: Callable[[int], None],
) -> Iterator[Pending | Rejected]:
    """One document against its stored state: a collision is rejected, an unchanged one only counted."""
    digest = text_hash(item.text)
    if state is not None and not same_source(state[2], item.source):
        yield Rejected(
            item.source,
            f"document id '{item.doc_id}' is already stored from {state[2]}; a different input "
            "cannot replace it (rename one of them, or give documents their own ids in a .jsonl)",
        )
        return
    if state is not None and state[0] == digest and (state[1] == version or not refresh):
        if state[1] == version:
            result.unchanged += 1
        else:
            result.stale += 1
        done(0)
        return
    yield Pending(item, state, digest)


def extract_for_store(
    entry: Pending | Rejected, extractor: Extractor, kind_of: KindOf, max_seconds: float | None
) -> tuple[Pending, list[Figure], str | None] | Rejected:
    """What a worker runs per document: its figures and kind, or why it was rejected."""
    if isinstance(entry, Rejected):
        return entry
    from solieu.pipeline.run import TimeBudgetExceeded, finite_figures, over_budget, time_budget

    doc = entry.doc
    try:
        with time_budget(max_seconds):
            found = finite_figures(extractor(doc))
            kind = kind_of(doc)
    except TimeBudgetExceeded:
        return Rejected(doc.source, over_budget(max_seconds or 0))
    except Exception as error:  # one bad document must cost nothing else
        return Rejected(doc.source, f"extraction failed ({type(error).__name__}: {error})")
    return entry, found, kind


def died(entry: Pending | Rejected, reason: str) -> Rejected:
    return entry if isinstance(entry, Rejected) else Rejected(entry.doc.source, reason)


Extracted = tuple[Pending, list[Figure], "str | None"]  # a document, its figures and its kind


class BatchWriter:
    """Extracted documents written a batch per transaction; counted once they are stored.

    A batch goes to DuckDB as two Arrow tables (its documents and their figures)
    in four statements: inserting row by row cost more than extracting.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, version: str, result: IngestResult,
                 size: int | None = None, say: Callable[[str], None] | None = None) -> None:
        self.con, self.version, self.result, self.size = con, version, result, size or WRITE_BATCH
        self.say = say or (lambda message: None)
        self.rows: list[Extracted] = []
        self.corrected = corrected_documents(con)

    def add(self, pending: Pending, found: list[Figure], kind: str | None) -> None:
        if pending.doc.doc_id in self.corrected:  # the researcher's corrections, laid over every extraction
            found = corrected_figures(self.con, pending.doc, found, self.say)
        self.rows.append((pending, found, kind))
        if len(self.rows) >= self.size:
            self.flush()

    def flush(self) -> None:
        """One transaction for the batch: a failure or a kill leaves the store as before the batch."""
        if not self.rows:
            return
        rows, tables = self.storable()
        self.con.begin()
        try:
            write_batch(self.con, *tables)
            self.con.commit()
        except BaseException:
            self.con.rollback()
            raise
        for pending, found, _ in rows:
            self.result.figures += len(found)
            if pending.state is None:
                self.result.added += 1
            elif pending.state[0] != pending.digest:
                self.result.replaced += 1
            else:
                self.result.refreshed += 1
        self.rows.clear()

    def storable(self) -> tuple[list[Extracted], BatchTables]:
        """The batch as tables; a document with a value the store's types cannot hold is rejected alone."""
        try:
            return self.rows, batch_tables(self.rows, self.version)
        except UNSTORABLE:
            kept = [entry for entry in self.rows if self.fits(entry)]
            return kept, batch_tables(kept, self.version)

    def fits(self, entry: Extracted) -> bool:
        try:
            batch_tables([entry], self.version)
        except UNSTORABLE as error:
            reason = " ".join(f"cannot be stored ({type(error).__name__}: {error})".split())
            rejected = Rejected(entry[0].doc.source, reason)
            self.result.rejected.append(rejected)
            self.say(rejected.message())
            return False
        return True


def stale_pending(con: duckdb.DuckDBPyConnection, version: str) -> list[Pending]:
    """Stored documents extracted by another version, rebuilt from the text kept in the store, with their state."""
    rows = con.execute(
        'SELECT doc_id, source, "text", title, published, text_hash, extractor_version FROM documents '
        "WHERE extractor_version <> ? ORDER BY doc_id",
        [version],
    ).fetchall()
    return [Pending(Document(doc_id=r[0], source=r[1], text=r[2], title=r[3],
                             published=r[4].isoformat() if r[4] else None),
                    (r[5], r[6], r[1]), text_hash(r[2])) for r in rows]


# Why a batch cannot become tables: a value of the wrong type or out of its column's range.
UNSTORABLE: tuple[type[BaseException], ...] = (TypeError, ValueError, OverflowError)
BatchTables = tuple[Any, Any]  # (documents, figures) as pyarrow Tables
BATCH_DOCUMENTS, BATCH_FIGURES = "solieu_batch_documents", "solieu_batch_figures"
FIGURE_ROW_COLUMNS: tuple[str, ...] = ("seq", *FIGURE_COLUMNS)


def batch_tables(rows: list[Extracted], version: str) -> BatchTables:
    """A batch's documents and figures as Arrow tables typed as the store's columns.

    A repeated id keeps its last extraction, as writing the documents one after
    the other left it. The batch's documents share one `ingested_at`: the time
    of the transaction that stores them.
    """
    written_at = datetime.now(timezone.utc).replace(tzinfo=None)
    latest = {pending.doc.doc_id: (pending, found, kind) for pending, found, kind in rows}
    documents, figures = [], []
    for pending, found, kind in latest.values():
        documents.append(document_row(pending, found, kind, version, written_at))
        doc_id = pending.doc.doc_id
        figures.extend([seq, *figure_row(doc_id, figure)] for seq, figure in enumerate(found))
    return arrow_table(documents, DOCUMENT_COLUMNS), arrow_table(figures, FIGURE_ROW_COLUMNS)


def document_row(pending: Pending, found: list[Figure], kind: str | None, version: str,
                 written_at: datetime) -> list[Any]:
    """A document's row in DOCUMENT_COLUMNS order."""
    doc = pending.doc
    return [doc.doc_id, doc.source, doc.title, as_date(doc.published), document_province(found), kind,
            pending.digest, version, written_at, doc.text]


def figure_row(doc_id: str, figure: Figure) -> list[Any]:
    """The spec record as a row; the document's id wins over a figure that lost it.

    The fields are read directly: `Figure.to_record` goes through `asdict`, whose
    deep copy of every field cost more than the write itself.
    """
    values = [getattr(figure, name) for name in FIGURE_FIELDS]
    values[FIGURE_FIELDS.index("doc_id")] = doc_id
    return values + list(period_years(figure.period))


def arrow_table(rows: list[list[Any]], columns: tuple[str, ...]) -> Any:
    """Rows as an Arrow table with each column's store type (an all-null column keeps its type)."""
    import pyarrow as pa

    schema = arrow_schema(columns)
    values = list(zip(*rows)) if rows else [() for _ in columns]
    return pa.Table.from_arrays([pa.array(column, type=field.type) for column, field in zip(values, schema)],
                                schema=schema)


def write_batch(con: duckdb.DuckDBPyConnection, documents: Any, figures: Any) -> None:
    """Replace the batch's documents and all their figures, inside the caller's transaction."""
    con.register(BATCH_DOCUMENTS, documents)
    try:
        for table in ("figures", "documents"):
            con.execute(f"DELETE FROM {table} WHERE doc_id IN (SELECT doc_id FROM {BATCH_DOCUMENTS})")
        columns = ", ".join(quote(c) for c in DOCUMENT_COLUMNS)
        con.execute(f"INSERT INTO documents ({columns}) SELECT {columns} FROM {BATCH_DOCUMENTS}")
    finally:
        con.unregister(BATCH_DOCUMENTS)
    insert_figures(con, figures)


def insert_figures(con: duckdb.DuckDBPyConnection, figures: Any) -> None:
    """Append an Arrow table of figure rows (FIGURE_ROW_COLUMNS) in one statement."""
    if not figures.num_rows:
        return
    columns = ", ".join(quote(c) for c in FIGURE_ROW_COLUMNS)
    con.register(BATCH_FIGURES, figures)
    try:
        con.execute(f"INSERT INTO figures ({columns}) SELECT {columns} FROM {BATCH_FIGURES}")
    finally:
        con.unregister(BATCH_FIGURES)


# --- corrections -----------------------------------------------------------


def corrected_documents(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The documents the researcher corrected (none in a store written before corrections were kept)."""
    try:
        return {row[0] for row in con.execute("SELECT DISTINCT doc_id FROM corrections").fetchall()}
    except duckdb.CatalogException:
        return set()


def stored_corrections(con: duckdb.DuckDBPyConnection, doc_ids: Iterable[str] | None = None) -> list[Any]:
    """The stored corrections (`corrections.Fix`), of some documents or all, oldest first."""
    from solieu.pipeline.corrections import COLUMN_TYPES as CORRECTION_TYPES
    from solieu.pipeline.corrections import fix_of

    names = list(CORRECTION_TYPES)
    query = f"SELECT {', '.join(quote(n) for n in names)} FROM corrections"
    wanted = None if doc_ids is None else sorted(set(doc_ids))
    try:
        if wanted is None:
            rows = con.execute(query + " ORDER BY reviewed_at, doc_id, start").fetchall()
        else:
            rows = con.execute(query + " WHERE list_contains(?, doc_id) ORDER BY reviewed_at, doc_id, start",
                               [wanted]).fetchall()
    except duckdb.CatalogException:
        return []
    return [fix_of(dict(zip(names, row))) for row in rows]


def load_corrections(source: str | Path) -> list[Any]:
    """Every correction kept in a store (read-only): what the next review sheet marks as reviewed."""
    with open_store(source, read_only=True) as con:
        return stored_corrections(con)


def corrected_figures(con: duckdb.DuckDBPyConnection, doc: Document, found: list[Figure],
                      say: Callable[[str], None]) -> list[Figure]:
    """A document's extracted figures with its stored corrections applied; a correction that no longer fits is said."""
    from solieu.pipeline import corrections

    figures, problems = corrections.apply(found, stored_corrections(con, [doc.doc_id]), doc.text, doc.source)
    for line in problems:
        say(line)
    return figures


def record_corrections(db: str | Path, fixes: list[Any], say: Callable[[str], None]) -> int:
    """Keep corrections in the store (a later one replaces what an earlier one said about the same figure)
    and lay them over the stored figures of their documents at once, in one transaction.

    A correction of a document the store does not hold is refused with a line.
    """
    from solieu.pipeline.corrections import COLUMN_TYPES as CORRECTION_TYPES

    kept = 0
    with open_store(db) as con:
        held = {row[0] for row in con.execute(
            "SELECT doc_id FROM documents WHERE list_contains(?, doc_id)", [sorted({f.doc_id for f in fixes})]
        ).fetchall()}
        con.begin()
        try:
            existing = stored_corrections(con, held)
            for fix in fixes:
                if fix.doc_id not in held:
                    say(f"{fix.where()}: no such document in {db}")
                    continue
                replaced = [old for old in existing if old.same_key(fix)]
                for old in replaced:
                    delete_correction(con, old)
                existing = [old for old in existing if old not in replaced] + [fix]
                con.execute(f"INSERT INTO corrections VALUES ({', '.join('?' for _ in CORRECTION_TYPES)})",
                            fix.row())
                kept += 1
            for doc_id in sorted({f.doc_id for f in fixes} & held):
                rewrite_figures(con, doc_id, say)
            con.commit()
        except BaseException:
            con.rollback()
            raise
    return kept


def delete_correction(con: duckdb.DuckDBPyConnection, fix: Any) -> None:
    con.execute('DELETE FROM corrections WHERE doc_id = ? AND kind = ? AND "start" IS NOT DISTINCT FROM ? '
                'AND "end" IS NOT DISTINCT FROM ?', [fix.doc_id, fix.kind, fix.start, fix.end])


def rewrite_figures(con: duckdb.DuckDBPyConnection, doc_id: str, say: Callable[[str], None]) -> None:
    """The stored figures of one document with its corrections laid over them (inside the caller's transaction)."""
    row = con.execute('SELECT source, "text" FROM documents WHERE doc_id = ?', [doc_id]).fetchone()
    fields = ", ".join(quote(name) for name in FIGURE_FIELDS)
    stored = [Figure(**dict(zip(FIGURE_FIELDS, values))) for values in con.execute(
        f"SELECT {fields} FROM figures WHERE doc_id = ? ORDER BY seq", [doc_id]).fetchall()]
    doc = Document(doc_id, row[0] or "", row[1])
    figures = corrected_figures(con, doc, stored, say)
    con.execute("DELETE FROM figures WHERE doc_id = ?", [doc_id])
    insert_figures(con, arrow_table([[seq, *figure_row(doc_id, f)] for seq, f in enumerate(figures)],
                                    FIGURE_ROW_COLUMNS))
    con.execute("UPDATE documents SET province = ? WHERE doc_id = ?", [document_province(figures), doc_id])


# --- reading ---------------------------------------------------------------

FILE_SUFFIXES = {".jsonl", ".csv", ".parquet"}


def load_figures(source: str | Path = DEFAULT_DB, documents: bool = True) -> pd.DataFrame:
    """Every figure as a DataFrame: spec fields first, then (from a store) document columns.

    `source` is a store, or a file written by `solieu extract` / `solieu export`
    (.jsonl, .csv, .parquet), so the analysis code does not care where figures live.
    """
    path = Path(source)
    if path.suffix.lower() in FILE_SUFFIXES:
        return normalise_frame(read_figure_file(path))
    with open_store(path, read_only=True) as con:
        return read_store(con, documents)


def read_store(con: duckdb.DuckDBPyConnection, documents: bool = True) -> pd.DataFrame:
    fields = ", ".join(f"f.{quote(name)}" for name in FIGURE_COLUMNS)
    extras = "".join(f", d.{quote(name)}" for name in DOCUMENT_EXTRAS) if documents else ""
    frame = con.execute(
        f"SELECT {fields}{extras} FROM figures f JOIN documents d USING (doc_id) "
        "ORDER BY f.doc_id, f.seq"
    ).df()
    return normalise_frame(frame)


def load_documents(source: str | Path = DEFAULT_DB, text: bool = False) -> pd.DataFrame:
    """The documents table, document columns only (without the full text unless asked: it is large).

    `source` is a store or a file written by `solieu export --what documents`.
    """
    columns = [c for c in DOCUMENT_COLUMNS if text or c != "text"]
    path = Path(source)
    if path.suffix.lower() in FILE_SUFFIXES:
        frame = read_table_file(path, DOCUMENT_TYPES)
        return typed_frame(frame, [c for c in columns if c in frame.columns])
    with open_store(path, read_only=True) as con:
        frame = con.execute(
            f"SELECT {', '.join(quote(c) for c in columns)} FROM documents ORDER BY doc_id"
        ).df()
    return typed_frame(frame, columns)


def document_texts(source: str | Path, doc_ids: Iterable[str]) -> dict[str, str]:
    """The stored text of some documents, as the extractor saw it."""
    wanted = sorted(set(doc_ids))
    if not wanted:
        return {}
    with open_store(source, read_only=True) as con:
        rows = con.execute(
            'SELECT doc_id, "text" FROM documents WHERE list_contains(?, doc_id)', [wanted]
        ).fetchall()
    return dict(rows)


def read_figure_file(path: Path) -> pd.DataFrame:
    """Figures from a JSON Lines, CSV or Parquet file; a bad file, or one without figures, is one StoreError.

    A summary, a comparison or a report of no figures would end with status 0 and
    an empty result, as if the extraction had found nothing.
    """
    frame = read_table_file(path, FIGURE_TYPES, "figures")
    keys = ("doc_id", "start", "end")
    missing = [key for key in keys if key not in frame.columns]
    if missing:
        raise StoreError(f"{path}: not figure records (no column {', '.join(missing)})")
    if frame.empty:
        raise StoreError(f"{path}: no figure records in it")
    if frame[list(keys)].isna().any(axis=None):
        raise StoreError(f"{path}: not figure records (rows without doc_id, start or end)")
    return frame


def read_table_file(path: Path, types: dict[str, str], what: str = "documents") -> pd.DataFrame:
    """Rows of a JSON Lines, CSV or Parquet file; text columns stay text (`"04"` is not 4)."""
    if not path.exists():
        raise StoreError(f"{path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            return pd.read_parquet(path)
        if suffix == ".csv":
            text_columns = {n: str for n, t in COLUMN_TYPES.items() if t in ("VARCHAR", "DATE", "TIMESTAMP")}
            from solieu.pipeline.write import safe_frame, unguarded_cell  # cells `export` guarded against formulas

            return safe_frame(pd.read_csv(path, dtype=text_columns, keep_default_na=False, na_values=[""],
                                          encoding="utf-8-sig"), unguarded_cell)
        return read_jsonl(path, tuple(types))
    except (ValueError, OSError, ImportError) as error:
        raise StoreError(f"{path}: cannot be read as {what} ({error})") from error


def read_jsonl(path: Path, columns: tuple[str, ...] = FIGURE_FIELDS) -> pd.DataFrame:
    """The records of a JSON Lines file as a frame, filled column by column as the lines are read.

    A list of one dict per record, then a frame of it, held every record twice,
    and text columns went through Arrow strings and back to Python ones:
    1.2 GB for 283,310 figures. Equal strings of a column are kept once (a
    sentence comes once per figure of it, a source once per figure of its
    document) and a text column whose values are all strings stays a column of
    those strings. A key missing from a record is null there, as in a frame
    built from the records.
    """
    data: dict[str, list[Any]] = {}
    shared: dict[str, dict[str, str]] = {}
    texts: dict[str, bool] = {}  # whether every value of the column so far is a string or null
    count = 0
    with path.open(encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            record = json_record(line, number)
            for key in record:
                if key not in data:
                    data[key], shared[key], texts[key] = [None] * count, {}, True
            for key, values in data.items():
                value = record.get(key)
                if isinstance(value, str):
                    value = shared[key].setdefault(value, value)
                elif value is not None:
                    texts[key] = False
                values.append(value)
            count += 1
    if not count:
        return pd.DataFrame.from_records([], columns=list(columns))
    return pd.DataFrame({key: pd.Series(values, dtype=object) if texts[key] and text_column(key) else values
                         for key, values in data.items()})


def text_column(name: str) -> bool:
    """Whether a column is text in the store (any column the store does not know is read as text)."""
    return COLUMN_TYPES.get(name, "VARCHAR") == "VARCHAR"


def json_record(line: str, number: int) -> dict[str, Any]:
    """One line's record; a line that is not a JSON object is a ValueError naming the line."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise ValueError(f"line {number}: {error.msg}") from error
    if not isinstance(record, dict):
        raise ValueError(f"line {number}: not a JSON object")
    return record


def normalise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Figures with one set of dtypes whatever the source; the years of `period` added when missing."""
    frame = frame.copy()
    for name in FIGURE_FIELDS:
        if name not in frame.columns:
            frame[name] = None
    if any(name not in frame.columns for name in DERIVED_TYPES):
        years = [period_years(p if isinstance(p, str) else None) for p in frame["period"]]
        frame["period_start"] = [y[0] for y in years]
        frame["period_end"] = [y[1] for y in years]
    ordered = list(FIGURE_COLUMNS) + [c for c in frame.columns if c not in FIGURE_COLUMNS]
    return typed_frame(frame, ordered)


def typed_frame(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The columns in order, each with the pandas dtype of its SQL type.

    INTEGER → Int64 (nullable), DOUBLE → float64 (an all-null column stays numeric),
    DATE → `datetime.date` objects (what pyarrow gives for a Parquet date), TIMESTAMP →
    datetime64, VARCHAR → Python str with None for null.
    """
    frame = frame[columns].copy()
    for name in columns:
        kind = COLUMN_TYPES.get(name, "VARCHAR")
        if kind == "INTEGER":
            frame[name] = pd.to_numeric(frame[name]).astype("Int64")
        elif kind == "DOUBLE":
            frame[name] = pd.to_numeric(frame[name]).astype("float64")
        elif kind == "DATE":
            frame[name] = pd.Series([as_date(v) for v in frame[name]], index=frame.index, dtype=object)
        elif kind == "TIMESTAMP":
            frame[name] = pd.to_datetime(frame[name]).astype("datetime64[us]")
        else:
            column = frame[name].astype(object)
            frame[name] = column.where(column.notna(), None)
    return frame.reset_index(drop=True)


# --- export ----------------------------------------------------------------

# Figures: the spec record, the years of its period and its document's publication date.
EXPORT_FIGURE_COLUMNS: tuple[str, ...] = (*FIGURE_COLUMNS, "published")
# Documents: with their text last, so that `extract` and `ingest` read an export of documents back.
EXPORT_DOCUMENT_COLUMNS: tuple[str, ...] = (
    "doc_id", "source", "title", "published", "province", "kind", "extractor_version", "ingested_at", "text",
)
# How each SQL type is named in the schema note of a CSV (Frictionless Table Schema types).
SCHEMA_NOTE_TYPES = {"VARCHAR": "string", "INTEGER": "integer", "DOUBLE": "number", "DATE": "date",
                     "TIMESTAMP": "datetime"}


def export_figures(frame: pd.DataFrame, output: str | Path, fmt: str) -> int:
    """Write the figures atomically, typed as in the store; the file reads back with `load_figures`."""
    return export_table(normalise_frame(frame), EXPORT_FIGURE_COLUMNS, output, fmt)


def export_documents(frame: pd.DataFrame, output: str | Path, fmt: str) -> int:
    """Write the documents atomically; the file reads back with `load_documents(text=True)`, and as documents."""
    return export_table(frame, EXPORT_DOCUMENT_COLUMNS, output, fmt)


def export_table(frame: pd.DataFrame, columns: Iterable[str], output: str | Path, fmt: str) -> int:
    """One typed table in one format: the same column types in Parquet, CSV (+ schema note) and JSON Lines."""
    from solieu.pipeline.write import atomic_output, dump_record, write_csv

    records = frame.copy()
    for name in columns:
        if name not in records.columns:
            records[name] = None
    records = typed_frame(records, list(columns))
    if fmt == "parquet":
        with atomic_output(output, "wb") as out:
            write_parquet(records, out)
    elif fmt == "csv":
        with atomic_output(output) as out:
            write_csv(records, out, date_format="%Y-%m-%dT%H:%M:%S.%f")
        with atomic_output(schema_note_path(output)) as out:
            out.write(json.dumps(schema_note(records.columns), ensure_ascii=False, indent=2) + "\n")
    elif fmt == "jsonl":
        with atomic_output(output) as out:
            for record in plain_records(records):
                out.write(dump_record(record))
    else:
        raise ValueError(f"unknown export format {fmt!r} (one of {', '.join(EXPORT_FORMATS)})")
    return len(records)


def arrow_schema(columns: Iterable[str]) -> Any:
    """Explicit Parquet types: without them an all-null column would be written as type null."""
    import pyarrow as pa

    arrow = {"VARCHAR": pa.string(), "INTEGER": pa.int32(), "DOUBLE": pa.float64(), "DATE": pa.date32(),
             "TIMESTAMP": pa.timestamp("us")}
    return pa.schema([(name, arrow[COLUMN_TYPES.get(name, "VARCHAR")]) for name in columns])


def write_parquet(records: pd.DataFrame, out: Any) -> None:
    """Parquet typed for pandas: dates as timestamps (a Parquet DATE reads as Python objects, a timestamp as
    datetime64), years as nullable integers (Int64, not floats)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    records = records.copy()
    schema = arrow_schema(records.columns)
    for index, field in enumerate(schema):
        if pa.types.is_date(field.type):
            records[field.name] = pd.to_datetime(pd.Series(records[field.name], dtype=object)).astype("datetime64[ms]")
            schema = schema.set(index, pa.field(field.name, pa.timestamp("ms")))
    table = pa.Table.from_pandas(records, schema=schema, preserve_index=False)
    pq.write_table(table, out)


def schema_note_path(output: str | Path) -> Path:
    """The schema note of a CSV export: `figures.csv` → `figures.csv.schema.json`."""
    path = Path(output)
    return path.with_name(path.name + ".schema.json")


def schema_note(columns: Iterable[str]) -> dict[str, Any]:
    """Column types of a CSV export, as a Table Schema with the DuckDB type of each column.

    CSV has no types: a reader guesses, and an all-empty `value_high` would be
    guessed as text. The note lets pandas and DuckDB read each column as stored.
    """
    fields = [{"name": name, "type": SCHEMA_NOTE_TYPES[COLUMN_TYPES.get(name, "VARCHAR")],
               "sqlType": COLUMN_TYPES.get(name, "VARCHAR")} for name in columns]
    return {"fields": fields, "missingValues": [""], "encoding": "utf-8"}


def duckdb_csv_columns(note: dict[str, Any]) -> dict[str, str]:
    """The `columns=` argument of DuckDB's `read_csv` from a schema note."""
    return {field["name"]: field["sqlType"] for field in note["fields"]}


def plain_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as spec-like dicts of plain Python values (null, not NaN)."""
    return [{k: plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def plain(value: Any) -> Any:
    """pandas scalars as JSON values (NA and NaN become null)."""
    if value is None or value is pd.NaT or (not isinstance(value, (str, date)) and pd.isna(value)):
        return None
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value
