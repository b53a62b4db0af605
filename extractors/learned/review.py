"""The review loop: a sheet of predicted figures for people to check, and its corrections back.

`write_sheet` turns extracted records into a CSV that opens in a spreadsheet
(UTF-8 with BOM, so Vietnamese shows right), one row per figure, lowest
confidence first, keyed by (doc_id, start, end). A reviewer edits `metric` or
`status` in place, or marks `checked` when the prediction is right.
`read_corrections` takes the sheet back: rows are matched by key, so extra
columns, reordered or deleted rows and `;`-separated exports lose nothing.
A row counts as reviewed when it was edited (differs from `predicted_*`) or
marked checked; if the `predicted_*` columns were deleted, every row kept in
the sheet counts. `merge_corrections` stores them in `corpora/training/review.jsonl`
(gold format, `origin: review`), replacing an earlier correction of the same key.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extractors.learned import corpus
from pipeline import segment
from pipeline.read import Rejected, read_inputs
from pipeline.records import Document
from pipeline.read import json_lines
from pipeline.write import atomic_output

COLUMNS = ("doc_id", "start", "end", "confidence", "sentence", "figure", "counted", "metric", "status",
           "checked", "predicted_metric", "predicted_status", "extractor", "source")
REQUIRED = ("doc_id", "start", "end", "metric", "status")
CHECK_MARKS = frozenset({"x", "y", "yes", "ok", "1", "true", "v", "✓", "✔", "có", "đúng"})


class SheetError(ValueError):
    """A sheet that cannot be read at all; the message names it and the reason."""


@dataclass(frozen=True)
class Correction:
    """A reviewed figure: its key, the labels a person confirmed or wrote, and where it came from."""

    doc_id: str
    start: int
    end: int
    metric: str
    status: str
    figure: str
    sentence: str
    source: str


def read_records(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Figure records of a `solieu extract` output, and one line per unusable line."""
    records, problems = [], []
    for number, record, problem in json_lines(path):
        if problem:
            problems.append(problem)
        elif not isinstance(record, dict) or any(k not in record for k in ("doc_id", "start", "end")):
            problems.append(f"{path}:{number}: not a figure record (needs doc_id, start, end)")
        else:
            records.append(record)
    return records, problems


def write_sheet(records: Iterable[dict[str, Any]], path: Path) -> int:
    """The review sheet, least confident figures first (ties in document order)."""
    rows = sorted(records, key=lambda r: (float(r.get("confidence") or 0.0), str(r["doc_id"]), int(r["start"])))
    with atomic_output(path, "wb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        writer = csv.writer(text)
        writer.writerow(COLUMNS)
        for record in rows:
            writer.writerow(_sheet_row(record))
        text.flush()
        text.detach()
    return len(rows)


def _sheet_row(record: dict[str, Any]) -> list[Any]:
    return [
        record["doc_id"], record["start"], record["end"], f"{float(record.get('confidence') or 0.0):.3f}",
        record.get("sentence", ""), record.get("text", ""), record.get("counted") or "",
        record.get("metric", ""), record.get("status", ""), "",
        record.get("metric", ""), record.get("status", ""), record.get("extractor", ""), record.get("source", ""),
    ]


def read_corrections(path: Path) -> tuple[list[Correction], list[str]]:
    """The reviewed rows of a sheet, and one line per row that cannot be used (the rest still count)."""
    try:
        content = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise SheetError(f"{path}: cannot be read ({error.strerror})") from error
    except UnicodeDecodeError as error:
        raise SheetError(f"{path}: not UTF-8 text ({error.reason}); save the sheet as CSV UTF-8") from error
    reader = csv.DictReader(io.StringIO(content), dialect=_dialect(content))
    header = [(name or "").strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise SheetError(f"{path}: not a review sheet (no column {', '.join(missing)})")
    reader.fieldnames = header
    judge_edits = "predicted_metric" in header and "predicted_status" in header
    corrections, problems = [], []
    codes = set(corpus.metric_codes())
    for number, row in enumerate(reader, start=2):
        row = {key: (value or "").strip() for key, value in row.items() if key}
        if not any(row.values()):
            continue
        problem = _row_problem(row, codes)
        if problem:
            problems.append(f"{path}:{number}: {problem}")
        elif not judge_edits or _reviewed(row):
            corrections.append(Correction(row["doc_id"], int(row["start"]), int(row["end"]), row["metric"],
                                          row["status"], row.get("figure", ""), row.get("sentence", ""),
                                          row.get("source", "")))
    return corrections, problems


def _dialect(content: str) -> type[csv.Dialect]:
    """Spreadsheets in many locales save CSV with `;` or tabs; take the header's separator."""
    first = content.split("\n", 1)[0]
    separator = max((",", ";", "\t"), key=first.count)
    return type("Sheet", (csv.excel,), {"delimiter": separator})


def _row_problem(row: dict[str, str], codes: set[str]) -> str | None:
    if not row.get("doc_id") or not row.get("start", "").isdigit() or not row.get("end", "").isdigit():
        return "row has no key (doc_id, start, end)"
    if row.get("metric") not in codes:
        return f"unknown metric {row.get('metric')!r}"
    if row.get("status") not in corpus.STATUSES:
        return f"status must be achieved or target, not {row.get('status')!r}"
    return None


def _reviewed(row: dict[str, str]) -> bool:
    edited = row["metric"] != row.get("predicted_metric") or row["status"] != row.get("predicted_status")
    return edited or row.get("checked", "").lower() in CHECK_MARKS


# --- into the corpus -----------------------------------------------------------------------------

def merge_corrections(corrections: Sequence[Correction], path: Path | None = None) -> tuple[int, list[str]]:
    """Add or replace corrections by key in the review corpus; returns how many were stored."""
    path = path or corpus.REVIEW_JSONL
    docs = corpus.read_gold(path, "review")
    placed: dict[tuple[str, int, int], tuple[dict, int]] = {}
    for doc in docs:
        for index, figure in enumerate(doc["figures"]):
            placed[(doc["review_of"], figure["key"][0], figure["key"][1])] = (doc, index)
    problems: list[str] = []
    stored = 0
    for correction in corrections:
        key = (correction.doc_id, correction.start, correction.end)
        try:
            if key in placed:
                doc, index = placed[key]
                doc["figures"][index].update(metric=correction.metric, status=correction.status)
            else:
                doc = _document_for(correction, docs)
                doc["figures"].append(_figure_for(correction, doc))
                placed[key] = (doc, len(doc["figures"]) - 1)
        except corpus.CorpusError as error:
            problems.append(f"{correction.doc_id} {correction.start}-{correction.end}: {error}")
            continue
        stored += 1
    for doc in docs:
        doc["figures"].sort(key=lambda f: f["start"])
    corpus.write_gold(docs, path)
    return stored, problems


def _document_for(correction: Correction, docs: list[dict]) -> dict:
    """The review document holding this figure: the whole source when it can be read, else its sentence."""
    full = _read_source(correction)
    if full is not None:
        wanted = full.doc_id
        text = full.text
    else:
        if not correction.sentence or correction.figure not in correction.sentence:
            raise corpus.CorpusError("source unreadable and the sheet row has no sentence holding the figure")
        text = correction.sentence
        wanted = f"{correction.doc_id}#{_short_hash(text)}"
    for doc in docs:
        if doc["doc_id"] == wanted:
            return doc
    doc = {"doc_id": wanted, "review_of": correction.doc_id, "source": correction.source, "text": text,
           "province": None, "published": full.published if full else None, "origin": "review", "figures": []}
    docs.append(doc)
    return doc


def _read_source(correction: Correction) -> Document | None:
    """The reviewed document itself, when its source file is still there and the span still matches."""
    source = Path(correction.source) if correction.source else None
    if source is None or not source.exists():
        return None
    for item in read_inputs([source]):
        if isinstance(item, Document) and item.doc_id == correction.doc_id:
            span = item.text[correction.start:correction.end]
            return item if not correction.figure or span == correction.figure else None
        if isinstance(item, Rejected):
            continue
    return None


def _figure_for(correction: Correction, doc: dict) -> dict:
    if doc["review_of"] == doc["doc_id"]:
        start, end = correction.start, correction.end
    else:  # a sentence-only document: the figure's first occurrence in its sentence
        start = doc["text"].index(correction.figure)
        end = start + len(correction.figure)
    document = corpus.document_of(doc)
    figure = corpus.gold_figure(document, segment.split_sentences(document.text), start, end,
                                correction.metric, correction.status, origin="review")
    figure["key"] = [correction.start, correction.end]
    return figure


def _short_hash(text: str) -> str:
    import hashlib

    return hashlib.sha1(unicodedata.normalize("NFC", text).encode("utf-8")).hexdigest()[:10]
