"""The review loop: a sheet of predicted figures for people to correct, and its corrections back.

`write_sheet` turns extracted records into a CSV that opens in a spreadsheet
(UTF-8 with BOM, so Vietnamese shows right; a cell that starts like a formula,
as a report's list line `- Phấn đấu ...` does, is guarded so that it stays
text), one row per figure, lowest confidence first, keyed by (doc_id, start,
end), and beside it a second sheet `NAME.codes.csv` listing every valid code
(metrics with what they measure, statuses, units, period shapes, the marks).
A reviewer can, per figure:

- fix `metric`, `status`, `period`, `value`, `unit` in place;
- fix the span by rewriting `figure` (`hơn 1.000` for `1.000`): the new text is
  looked up where the old span was;
- mark `not_a_figure` (a date, a decree number...);
- mark `checked` when the prediction is right;

and per document add a figure the extractor missed: a row with the document's
`doc_id` (and `source`), `start` and `end` left empty, the number as written in
`figure`, its `metric` and `status` (and its `sentence` when the number occurs
more than once).

`read_corrections` takes the sheet back: rows are matched by key, so extra
columns, reordered or deleted rows and `;`-separated exports lose nothing. A
row counts as reviewed when it was edited (differs from its `predicted_*`),
marked, or adds a figure; if the `predicted_*` columns were deleted, every row
kept in the sheet counts. `check_sheet` finds every row that cannot be used
before anything is written, so `solieu train --add` refuses a bad sheet whole.
`merge_corrections` stores them in the researcher's `review.jsonl` (in their data
folder, `corpus.user_review_jsonl`; gold format, `origin: review`): corrected and missed figures as gold figures, "not a figure"
as `{"start", "end", "text"}` in the document's `not_figures`, so that a figure
classifier learns from both. A later correction of the same key replaces the
earlier one, whichever kind either was.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from solieu.extractors import counted
from solieu.pipeline.learning import corpus
from solieu.pipeline import segment
from solieu.pipeline.read import Rejected, json_lines, read_inputs
from solieu.pipeline.records import Document
from solieu.pipeline.write import atomic_output, safe_cell, unguarded_cell

COLUMNS = ("doc_id", "start", "end", "confidence", "sentence", "figure", "counted", "metric", "status",
           "period", "value", "unit", "province", "document_province", "not_a_figure", "checked", "reviewed",
           "predicted_figure", "predicted_metric", "predicted_status", "predicted_period", "predicted_value",
           "predicted_unit", "predicted_province", "predicted_document_province", "extractor", "source", "store")
REQUIRED = ("doc_id", "start", "end", "metric", "status")
# Each editable field of a figure and the column holding what the extractor predicted for it.
EDITABLE = {"figure": "predicted_figure", "metric": "predicted_metric", "status": "predicted_status",
            "period": "predicted_period", "value": "predicted_value", "unit": "predicted_unit",
            "province": "predicted_province"}
DOCUMENT_PROVINCE = ("document_province", "predicted_document_province")  # a fix for all of a document's figures
NOT_FIGURE_MARK = "not a figure"  # how the next sheet's `reviewed` cell starts for a number judged not a figure
CHECK_MARKS = frozenset({"x", "y", "yes", "ok", "1", "true", "v", "✓", "✔", "có", "đúng"})
UNITS = ("count", "percent", "ratio", "vnd")
PERIOD = re.compile(r"\d{4}(-(\d{4})?)?")
NUMBER = re.compile(r"-?\d+([.,]\d+)?")
CODES_SUFFIX = ".codes.csv"


class SheetError(ValueError):
    """A sheet that cannot be used; the message names it (and the row) and the reason."""


@dataclass(frozen=True)
class Correction:
    """A reviewed row: a figure confirmed or corrected, a number that is not a figure, or a missed figure.

    `start`/`end` are the key of the predicted figure (None for a missed one);
    `figure` is the span's text as the reviewer left it; `value`/`unit` are None
    when the number grammar's reading stands; `where` is `sheet:row` for messages.
    """

    doc_id: str
    start: int | None
    end: int | None
    metric: str
    status: str
    figure: str
    sentence: str
    source: str
    kind: str = "figure"  # figure / not_figure / missed
    predicted_figure: str = ""
    period: str | None = None
    value: float | None = None
    unit: str | None = None
    where: str = ""
    store: str = ""  # the DuckDB store holding the document's text, when the sheet came from one
    province: str | None = None  # the province the reviewer set (None with province_set: national)
    province_set: bool = False


# --- the sheet out -------------------------------------------------------------------------------

def read_records(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Figure records of a `solieu extract` output (JSON Lines, Parquet, CSV, a store), and one line per unusable line."""
    if path.is_dir():  # `extract --engine dask` writes a folder of Parquet parts
        import pandas as pd

        from solieu.pipeline.store import StoreError, normalise_frame, plain_records

        try:
            return plain_records(normalise_frame(pd.read_parquet(path))), []
        except (OSError, ValueError) as error:
            raise StoreError(f"{path}: not a folder of Parquet figures ({error})") from None
    if path.suffix.lower() != ".jsonl":
        from solieu.pipeline.store import load_figures, plain_records

        return plain_records(load_figures(path, documents=False)), []
    records, problems = [], []
    for number, record, problem in json_lines(path):
        if problem:
            problems.append(problem)
        elif not isinstance(record, dict) or any(k not in record for k in ("doc_id", "start", "end")):
            problems.append(f"{path}:{number}: not a figure record (needs doc_id, start, end)")
        else:
            records.append(record)
    return records, problems


def write_sheet(records: Iterable[dict[str, Any]], path: Path, store: Path | None = None) -> tuple[int, int]:
    """The review sheet: figures nobody reviewed yet, least confident first, then the reviewed ones; and its codes sheet.

    `store` is the DuckDB store the records came from: it holds each document's
    text, so `train --add` can read documents whose source is a web address, and
    its corrections, which mark the rows somebody already reviewed (with who and
    when) and list the numbers judged not a figure, as Prodigy and Label Studio
    keep what was annotated apart from what was not. Returns the rows written and
    how many of them were reviewed before.
    """
    records = list(records)
    fixes = _store_fixes(store)
    marks = _reviewed_marks(fixes)
    provinces = _document_provinces(records)
    rows = [_sheet_row(record, store, provinces.get(str(record["doc_id"]), ""),
                       marks.get((str(record["doc_id"]), int(record["start"]), int(record["end"])))
                       or ("yes" if record.get("extractor") == "review" else ""))
            for record in records]
    rows += [_not_figure_row(fix, records, store, provinces) for fix in fixes if fix.kind == "not_figure"]
    rows.sort(key=lambda row: (bool(row[COLUMNS.index("reviewed")]), float(row[COLUMNS.index("confidence")]),
                               str(row[0]), int(row[1])))
    _write_csv(path, COLUMNS, rows)
    _write_csv(codes_path(path), ("field", "code", "meaning", "typical words"), code_rows())
    reviewed = sum(1 for row in rows if row[COLUMNS.index("reviewed")])
    return len(rows), reviewed


def _store_fixes(store: Path | None) -> list[Any]:
    if store is None:
        return []
    from solieu.pipeline.store import load_corrections

    return load_corrections(store)


def _reviewed_marks(fixes: Sequence[Any]) -> dict[tuple[str, int, int], str]:
    """(doc_id, start, end) → `reviewer YYYY-MM-DD` of each figure a stored correction decided."""
    return {(fix.doc_id, fix.start, fix.end): _who_when(fix) for fix in fixes if fix.kind in ("figure", "missed")}


def _who_when(fix: Any) -> str:
    when = fix.reviewed_at.date().isoformat() if fix.reviewed_at is not None else ""
    return " ".join(part for part in (fix.reviewer, when) if part) or "yes"


def _document_provinces(records: Sequence[dict[str, Any]]) -> dict[str, str]:
    """Each document's province as the store files it: the one most of its figures are about ("" for national)."""
    from solieu.pipeline.records import majority_province

    by_doc: dict[str, list[str | None]] = {}
    for record in records:
        by_doc.setdefault(str(record["doc_id"]), []).append(record.get("province") or None)
    return {doc_id: majority_province(provinces) or "" for doc_id, provinces in by_doc.items()}


def _not_figure_row(fix: Any, records: Sequence[dict[str, Any]], store: Path | None,
                    provinces: dict[str, str]) -> list[Any]:
    """A number somebody judged not a figure: listed again, marked, so the next sheet shows it was looked at."""
    source = next((r.get("source", "") for r in records if str(r["doc_id"]) == fix.doc_id), "")
    record = {"doc_id": fix.doc_id, "start": fix.start, "end": fix.end, "confidence": 1.0, "text": fix.text,
              "extractor": "review", "source": source}
    row = _sheet_row(record, store, provinces.get(fix.doc_id, ""), f"{NOT_FIGURE_MARK}: {_who_when(fix)}")
    row[COLUMNS.index("not_a_figure")] = "x"
    return row


def codes_path(sheet: Path) -> Path:
    """`review.csv` → `review.codes.csv`: the valid codes, a second sheet beside the first."""
    return sheet.with_name(sheet.stem + CODES_SUFFIX)


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    with atomic_output(path, "wb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        writer = csv.writer(text)
        writer.writerow(header)
        writer.writerows([safe_cell(cell) for cell in row] for row in rows)
        text.flush()
        text.detach()


def _sheet_row(record: dict[str, Any], store: Path | None = None, document_province: str = "",
               reviewed: str = "") -> list[Any]:
    figure, metric, status = record.get("text", ""), record.get("metric", ""), record.get("status", "")
    period, value, unit = record.get("period") or "", _number(record.get("value")), record.get("unit") or ""
    province = record.get("province") or ""
    return [
        record["doc_id"], record["start"], record["end"], f"{float(record.get('confidence') or 0.0):.3f}",
        record.get("sentence", ""), figure, record.get("counted") or "", metric, status, period, value, unit,
        province, document_province, "", "", reviewed,
        figure, metric, status, period, value, unit, province, document_province,
        record.get("extractor", ""), record.get("source", ""), str(store) if store else "",
    ]


def _number(value: Any) -> str:
    """A value as a spreadsheet shows it unchanged in any locale: no thousands separator, no exponent."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


def code_rows() -> list[list[str]]:
    """Every value the sheet accepts, with what it means (metrics from the domain pack's taxonomy)."""
    described = _metric_descriptions()
    rows = [["metric", code, *described.get(code, ("", ""))] for code in corpus.metric_codes()]
    rows += [["status", "achieved", "a reported result, or the situation", ""],
             ["status", "target", "a goal, plan, quota or commitment", "phấn đấu, chỉ tiêu, mục tiêu"]]
    rows += [["unit", "count", "a number of things or people", ""],
             ["unit", "percent", "a share, 0 to 100", "%"],
             ["unit", "ratio", "a/b where b is the total of the same things (51/56 xã)", ""],
             ["unit", "vnd", "an amount of money in đồng", "triệu đồng, tỷ đồng"]]
    rows += [["period", "YYYY", "the year the figure is about", "2023"],
             ["period", "YYYY-YYYY", "a span of years", "2021-2025"],
             ["period", "YYYY-", "from a year on", "2021-"],
             ["value", "a number", "the figure's value: digits, with . or , before decimals", "1000, 135.8"],
             ["figure", "the span", "the number as written, with its qualifier, without the counted noun",
              "hơn 1.000"],
             ["not_a_figure", "x", "the span is not a figure (a date, a decree number...)", ""],
             ["checked", "x", "the row is right as predicted", ""],
             ["province", "a province", "the province the figure is about; empty: national", "Hà Tĩnh"],
             ["document_province", "a province",
              "the province the whole document is about (moves all its figures); empty: national", "Hà Tĩnh"],
             ["reviewed", "who and when", "filled by solieu: somebody already reviewed the row", ""],
             ["start, end", "empty", "a figure the extractor missed: doc_id, figure, metric, status (and sentence)",
              ""]]
    rows += [["province", name, "after the 2025 merger: " + merged, ""] for name, merged in _provinces().items()]
    return rows


def _provinces() -> dict[str, str]:
    """The 63 province names a sheet accepts, and the province each became in 2025."""
    from solieu.extractors.places import canonical_table

    return canonical_table()


def _metric_descriptions() -> dict[str, tuple[str, str]]:
    """The pack's taxonomy: code → (what it measures, typical words)."""
    return {code: (entry.get("en_description", ""), entry.get("typical_words", ""))
            for code, entry in corpus.taxonomy()["metrics"].items()}


# --- the sheet back ------------------------------------------------------------------------------

def read_corrections(path: Path) -> tuple[list[Correction], list[str]]:
    """The reviewed rows of a sheet, and one `sheet:row: reason` line per row that cannot be used."""
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
    codes = set(corpus.metric_codes())
    rows = []
    for number, row in enumerate(reader, start=2):
        row = {key: unguarded_cell((value or "").strip()) for key, value in row.items() if key}
        if any(row.values()):
            rows.append((number, row))
    sources = {row["doc_id"]: row["source"] for _, row in rows if row.get("doc_id") and row.get("source")}
    stores = {row["doc_id"]: row["store"] for _, row in rows if row.get("doc_id") and row.get("store")}
    corrections, problems = [], []
    for number, row in rows:
        problem = _row_problem(row, codes)
        if problem:
            problems.append(f"{path}:{number}: {problem}")
            continue
        if _already_judged(row):
            continue
        correction = _correction(row, f"{path}:{number}", sources, stores)
        if correction.kind != "figure" or not judge_edits or _reviewed(row):
            corrections.append(correction)
    documents, document_problems = _document_corrections(path, rows, sources, stores)
    return corrections + documents, problems + document_problems


def _already_judged(row: dict[str, str]) -> bool:
    """A number an earlier review judged not a figure, listed again as such: nothing new to keep."""
    return row.get("reviewed", "").startswith(NOT_FIGURE_MARK) and _marked(row, "not_a_figure")


def _document_corrections(path: Path, rows: list[tuple[int, dict[str, str]]], sources: dict[str, str],
                          stores: dict[str, str]) -> tuple[list[Correction], list[str]]:
    """One correction per document whose `document_province` was edited (on any of its rows; they must agree)."""
    edited: dict[str, dict[str, int]] = {}
    for number, row in rows:
        if row.get("doc_id") and _edited_document_province(row):
            edited.setdefault(row["doc_id"], {}).setdefault(row.get("document_province", ""), number)
    corrections, problems = [], []
    for doc_id, values in edited.items():
        if len(values) > 1:
            problems.append(f"{path}:{max(values.values())}: document {doc_id} is given different provinces "
                            f"({', '.join(repr(v) for v in values)}) on rows {', '.join(map(str, values.values()))}")
            continue
        [(province, number)] = values.items()
        corrections.append(Correction(
            doc_id=doc_id, start=None, end=None, metric="", status="", figure="", sentence="",
            source=sources.get(doc_id, ""), kind="document", where=f"{path}:{number}", store=stores.get(doc_id, ""),
            province=unicodedata.normalize("NFC", province) or None, province_set=True))
    return corrections, problems


def _edited_document_province(row: dict[str, str]) -> bool:
    now, before = DOCUMENT_PROVINCE
    return now in row and before in row and (unicodedata.normalize("NFC", row[now])
                                             != unicodedata.normalize("NFC", row[before]))


def check_sheet(path: Path, review_path: Path | None = None) -> list[str]:
    """Every problem of a sheet — bad codes, numbers, spans not found — without writing anything."""
    corrections, problems = read_corrections(path)
    _, merge_problems = merge_corrections(corrections, review_path, write=False)
    return problems + merge_problems


def _dialect(content: str) -> type[csv.Dialect]:
    """Spreadsheets in many locales save CSV with `;` or tabs; take the header's separator."""
    first = content.split("\n", 1)[0]
    separator = max((",", ";", "\t"), key=first.count)
    return type("Sheet", (csv.excel,), {"delimiter": separator})


def _row_problem(row: dict[str, str], codes: set[str]) -> str | None:
    """Why a row cannot be used, or None; a missed figure (no start and end) needs its text."""
    if not row.get("doc_id"):
        return "row has no doc_id"
    start, end = row.get("start", ""), row.get("end", "")
    if start or end:
        if not start.isdigit() or not end.isdigit() or int(start) >= int(end):
            return f"start and end must be character offsets with start < end, not {start!r}, {end!r}"
    elif not row.get("figure"):
        return "a missed figure (start and end empty) needs the number as written in 'figure'"
    for column in ("province", "document_province"):  # checked when edited: a name the extractor gave stands
        if (row.get(column) and row.get(f"predicted_{column}") != row[column]
                and unicodedata.normalize("NFC", row[column]) not in _provinces()):
            return (f"{column} must be one of the 63 provinces as the .codes.csv sheet writes them, or empty "
                    f"for national, not {row[column]!r}")
    if _marked(row, "not_a_figure"):
        if not (start and end):
            return "'not_a_figure' is marked on a row without start and end"
        return None
    if row.get("metric") not in codes:
        return f"unknown metric {row.get('metric')!r} (the valid codes are in the .codes.csv sheet)"
    if row.get("status") not in corpus.STATUSES:
        return f"status must be achieved or target, not {row.get('status')!r}"
    if row.get("period") and not PERIOD.fullmatch(row["period"]):
        return f"period must be YYYY, YYYY-YYYY or YYYY-, not {row['period']!r}"
    if row.get("value") and _parse_number(row["value"]) is None:
        return f"value must be a number such as 1000 or 135.8 (no thousands separator), not {row['value']!r}"
    if row.get("unit") and row["unit"] not in UNITS:
        return f"unit must be one of {', '.join(UNITS)}, not {row['unit']!r}"
    return None


def _parse_number(text: str) -> float | None:
    """A value as typed: `.` or `,` before decimals; `1.000` is refused (a thousand, or one?)."""
    cleaned = text.replace(" ", "").replace("\u00a0", "")
    match = NUMBER.fullmatch(cleaned)
    if not match:
        return None
    integer, _, decimals = cleaned.lstrip("-").replace(",", ".").partition(".")
    if len(decimals) == 3 and integer != "0":
        return None  # one separator and three digits: Vietnamese thousands or English decimals
    return float(cleaned.replace(",", "."))


def _marked(row: dict[str, str], column: str) -> bool:
    return row.get(column, "").lower() in CHECK_MARKS


def _reviewed(row: dict[str, str]) -> bool:
    return _marked(row, "checked") or any(_edited(row, field) for field in EDITABLE)


def _edited(row: dict[str, str], field: str) -> bool:
    predicted = EDITABLE[field]
    if field not in row or predicted not in row:
        return False
    if field == "value" and row[field] and row[predicted]:
        now, before = _parse_number(row[field]), _parse_number(row[predicted])
        return now is None or before is None or not math.isclose(now, before, rel_tol=1e-9)
    return unicodedata.normalize("NFC", row[field]) != unicodedata.normalize("NFC", row[predicted])


def _correction(row: dict[str, str], where: str, sources: dict[str, str], stores: dict[str, str]) -> Correction:
    keyed = bool(row.get("start"))
    kind = "not_figure" if _marked(row, "not_a_figure") else "figure" if keyed else "missed"
    value_edited = "predicted_value" not in row or _edited(row, "value")
    unit_edited = "predicted_unit" not in row or _edited(row, "unit")
    return Correction(
        doc_id=row["doc_id"], start=int(row["start"]) if keyed else None, end=int(row["end"]) if keyed else None,
        metric=row.get("metric", ""), status=row.get("status", ""),
        figure=unicodedata.normalize("NFC", row.get("figure", "")) if kind == "missed" else row.get("figure", ""),
        sentence=row.get("sentence", ""), source=row.get("source") or sources.get(row["doc_id"], ""),
        kind=kind, predicted_figure=row.get("predicted_figure", ""), period=row.get("period") or None,
        value=_parse_number(row["value"]) if row.get("value") and value_edited else None,
        unit=row["unit"] if row.get("unit") and unit_edited else None, where=where,
        store=row.get("store") or stores.get(row["doc_id"], ""),
        province=unicodedata.normalize("NFC", row.get("province", "")) or None,
        province_set="predicted_province" not in row and bool(row.get("province")) or _edited(row, "province"),
    )


# --- into the corpus -----------------------------------------------------------------------------

def merge_corrections(corrections: Sequence[Correction], path: Path | None = None,
                      write: bool = True, placed: list[Placed] | None = None) -> tuple[int, list[str]]:
    """Add or replace corrections by key in the review corpus; returns how many were stored.

    Every correction is placed in memory first; the file is written once at the end
    (and not at all with `write=False`, which only finds the problems). `placed`
    receives each correction with the gold entry it became and its document, from
    which the store's facts are made. A document's province is a fact, not a label
    the models learn from: it is placed, not stored in the corpus.
    """
    path = path or corpus.user_review_jsonl()
    docs = corpus.read_gold(path, "review")
    problems: list[str] = []
    stored = 0
    for correction in corrections:
        if correction.kind == "document":
            if placed is not None:
                placed.append((correction, None, None))
            stored += 1
            continue
        try:
            doc = _document_for(correction, docs)
            entry = _place(correction, doc, docs)
            if placed is not None:
                placed.append((correction, entry, doc))
        except corpus.CorpusError as error:
            where = correction.where or f"{correction.doc_id} {correction.start}-{correction.end}"
            problems.append(f"{where}: {error}")
            continue
        stored += 1
    if write:
        for doc in docs:
            doc["figures"].sort(key=lambda f: f["start"])
            if doc.get("not_figures"):
                doc["not_figures"].sort(key=lambda f: f["start"])
        corpus.write_gold(docs, path)
    return stored, problems


Placed = tuple[Correction, "dict | None", "dict | None"]  # a correction, its gold entry and its review document


def facts(placed: Sequence[Placed], reviewer: str, at: Any, sheet: str) -> tuple[list[Any], list[str]]:
    """The store's corrections (`corrections.Fix`) of placed rows, in the document's own offsets.

    A row whose document could only be read as its sentence has no place in the
    document's text: it trains the models but cannot be kept as a fact (one line).
    """
    from solieu.pipeline.corrections import fix_of

    found, problems = [], []
    for correction, entry, doc in placed:
        base = {"doc_id": correction.doc_id, "kind": correction.kind, "reviewer": reviewer, "reviewed_at": at,
                "sheet": sheet, "province": correction.province, "province_set": correction.province_set}
        if correction.kind == "document":
            found.append(fix_of(base))
            continue
        assert entry is not None and doc is not None
        if not _is_full(doc):
            problems.append(f"{correction.where}: the document's text could not be read (only the row's sentence): "
                            "the correction trains the models but is not kept in the store")
            continue
        found.append(fix_of({**entry, **base, "found_start": correction.start, "found_end": correction.end}))
    return found, problems


def _place(correction: Correction, doc: dict, docs: list[dict]) -> dict:
    """Put the correction in its document, removing whatever an earlier review said about the same key."""
    if correction.kind == "missed":
        start, end = _missed_span(correction, doc)
        correction = replace(correction, start=start, end=end)
        key = [start, end]
    else:
        key = [correction.start, correction.end]
    entry = _not_figure(correction, doc) if correction.kind == "not_figure" else _figure_for(correction, doc)
    for other in docs:
        if other.get("review_of") == correction.doc_id:
            other["figures"] = [f for f in other["figures"] if f.get("key") != key]
            if other.get("not_figures"):
                other["not_figures"] = [f for f in other["not_figures"] if f.get("key") != key]
    entry["key"] = key
    if correction.kind == "not_figure":
        doc.setdefault("not_figures", []).append(entry)
    else:
        doc["figures"].append(entry)
    return entry


def _document_for(correction: Correction, docs: list[dict]) -> dict:
    """The review document holding this row: the whole source when it can be read, else its sentence."""
    full = _read_source(correction)
    if full is not None:
        wanted = full.doc_id
        text = full.text
    else:
        shown = correction.figure or correction.predicted_figure
        if not correction.sentence or shown not in correction.sentence:
            raise corpus.CorpusError("the source cannot be read and the row has no sentence holding the figure")
        text = correction.sentence
        wanted = f"{correction.doc_id}#{_short_hash(text)}"
    for doc in docs:
        if doc["doc_id"] == wanted:
            return doc
    doc = {"doc_id": wanted, "review_of": correction.doc_id, "source": correction.source, "text": text,
           "province": None, "published": full.published if full else None, "origin": "review", "figures": [],
           "not_figures": []}
    docs.append(doc)
    return doc


def _read_source(correction: Correction) -> Document | None:
    """The reviewed document itself (from its store, else its source file) when the predicted span still matches."""
    for item in (*_stored_document(correction), *_source_documents(correction)):
        if isinstance(item, Rejected) or item.doc_id != correction.doc_id:
            continue
        if correction.start is None:
            return item
        span = item.text[correction.start:correction.end]
        original = correction.predicted_figure or correction.figure
        return item if not original or span == original else None
    return None


def _stored_document(correction: Correction) -> list[Document]:
    """The document as the store keeps it: the text the extractor saw, whatever its source was."""
    if not correction.store or not Path(correction.store).is_file():
        return []
    from solieu.pipeline.store import StoreError, open_store

    try:
        with open_store(correction.store, read_only=True) as con:
            row = con.execute('SELECT doc_id, source, "text", title, published, kind FROM documents '
                              "WHERE doc_id = ?", [correction.doc_id]).fetchone()
    except StoreError:
        return []
    if row is None:
        return []
    published = row[4].isoformat() if row[4] is not None else None
    return [Document(row[0], row[1] or "", row[2], title=row[3], published=published, kind=row[5])]


def _source_documents(correction: Correction) -> list[Document | Rejected]:
    source = Path(correction.source) if correction.source else None
    if source is None or not source.exists():
        return []
    return list(read_inputs([source]))


def _is_full(doc: dict) -> bool:
    return doc["review_of"] == doc["doc_id"]


def _figure_for(correction: Correction, doc: dict) -> dict:
    """A gold figure from a reviewed row: the corrected span, the number grammar's reading, the reviewer's labels."""
    start, end = _span(correction, doc)
    document = corpus.document_of(doc)
    sentences = segment.split_sentences(document.text)
    try:
        figure = corpus.gold_figure(document, sentences, start, end, correction.metric, correction.status,
                                    origin="review")
    except corpus.CorpusError as error:
        if "number grammar" not in str(error):
            raise
        if correction.value is None:
            raise corpus.CorpusError(f"{error}: write its value in the 'value' column") from None
        figure = _figure_without_grammar(document, sentences, start, end, correction)
    if correction.value is not None:
        figure["value"] = correction.value
    if correction.unit is not None:
        figure["unit"] = correction.unit
        if correction.unit != "ratio":
            figure["denominator"] = None
    figure["period"] = correction.period
    return figure


def _figure_without_grammar(document: Document, sentences: list, start: int, end: int,
                            correction: Correction) -> dict:
    """A number the grammar does not read as a figure (a four-digit count taken for a year): the reviewer's value."""
    bare = corpus.figure_at(document, sentences, start, end)
    counted.attach_counted(bare)
    return {
        "start": start, "end": end, "text": document.text[start:end], "value": correction.value,
        "value_high": None, "denominator": None, "unit": correction.unit or "count", "per": None,
        "qualifier": "exact", "counted": bare.counted, "metric": correction.metric, "status": correction.status,
        "period": None, "locality": None, "origin": "review",
    }


def _not_figure(correction: Correction, doc: dict) -> dict:
    start, end = _span(replace(correction, figure=correction.predicted_figure or correction.figure), doc)
    return {"start": start, "end": end, "text": doc["text"][start:end]}


def _span(correction: Correction, doc: dict) -> tuple[int, int]:
    """Where the row's `figure` text is: at the key, or (corrected) over or near the key."""
    text, wanted = doc["text"], correction.figure
    if correction.start is None or correction.end is None:
        raise corpus.CorpusError("row has no span")
    if not _is_full(doc):  # a sentence-only document: the figure's first occurrence in its sentence
        if wanted not in text:
            raise corpus.CorpusError(f"the figure {wanted!r} is not in the row's sentence")
        at = text.index(wanted)
        return at, at + len(wanted)
    if not wanted or text[correction.start:correction.end] == wanted:
        return correction.start, correction.end
    found = _occurrences(text, wanted)
    if not found:
        raise corpus.CorpusError(f"the corrected figure {wanted!r} is not in the document")
    nearest = min(found, key=lambda at: (not (at < correction.end and at + len(wanted) > correction.start),
                                         abs(at - correction.start)))
    if abs(nearest - correction.start) > 200:
        raise corpus.CorpusError(f"the corrected figure {wanted!r} is not near the predicted one")
    return nearest, nearest + len(wanted)


def _missed_span(correction: Correction, doc: dict) -> tuple[int, int]:
    """A missed figure's place: its text in the document (inside the row's sentence when one is given)."""
    text, wanted = doc["text"], correction.figure
    found = _occurrences(text, wanted)
    if correction.sentence and _is_full(doc):
        at = text.find(correction.sentence)
        if at >= 0:
            found = [o for o in found if at <= o and o + len(wanted) <= at + len(correction.sentence)]
    if not found:
        raise corpus.CorpusError(f"the missed figure {wanted!r} is not in document {correction.doc_id}"
                                 + (" (in the given sentence)" if correction.sentence else ""))
    if len(found) > 1:
        raise corpus.CorpusError(f"the missed figure {wanted!r} occurs {len(found)} times in document "
                                 f"{correction.doc_id}: copy its sentence into the 'sentence' column")
    return found[0], found[0] + len(wanted)


def _occurrences(text: str, wanted: str) -> list[int]:
    """Where `wanted` stands as a whole number (`12` is not found inside `120` or `3.12`)."""
    if not wanted:
        return []
    found, at = [], text.find(wanted)
    while at >= 0:
        before = text[at - 1] if at > 0 else " "
        after = text[at + len(wanted)] if at + len(wanted) < len(text) else " "
        glued_before = before.isdigit() or (before in ".,/" and at > 1 and text[at - 2].isdigit())
        glued_after = after.isdigit() or (after in ".,/" and at + len(wanted) + 1 < len(text)
                                          and text[at + len(wanted) + 1].isdigit())
        if not glued_before and not glued_after:
            found.append(at)
        at = text.find(wanted, at + 1)
    return found


def _short_hash(text: str) -> str:
    return hashlib.sha1(unicodedata.normalize("NFC", text).encode("utf-8")).hexdigest()[:10]
