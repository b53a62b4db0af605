"""The researcher's corrections: reviewed figures kept in the store as facts and laid over every extraction.

A review sheet's reviewed rows (`solieu train --add`) become rows of the store's
`corrections` table, each with who reviewed it and when. They are applied after
extraction each time a document is written (`ingest`, `ingest --refresh`,
`extract --db`), so a new extractor or new models never undo what a person
decided:

- `figure`: the figure at the key the extractor had (`found_start`, `found_end`)
  or at the corrected span gets the reviewer's span, value, metric, status,
  period (and province when it was edited); one the extractor no longer finds is
  put back;
- `missed`: a figure the extractor did not find, added;
- `not_figure`: whatever the extractor finds over that span is dropped;
- `document`: every figure of the document gets the reviewer's province.

Each carries the text it was made on: when a document's text changes so that
the span no longer holds it, the correction is reported (one line), never
applied elsewhere and never dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from solieu.pipeline.records import Figure

KINDS = ("figure", "missed", "not_figure", "document")
EXTRACTOR = "review"  # the `extractor` of a figure a person decided: its provenance in exports
# SQL type of each column of the store's `corrections` table.
COLUMN_TYPES: dict[str, str] = {
    "doc_id": "VARCHAR", "kind": "VARCHAR", "start": "INTEGER", "end": "INTEGER", "text": "VARCHAR",
    "found_start": "INTEGER", "found_end": "INTEGER", "value": "DOUBLE", "value_high": "DOUBLE",
    "denominator": "DOUBLE", "unit": "VARCHAR", "qualifier": "VARCHAR", "metric": "VARCHAR", "status": "VARCHAR",
    "period": "VARCHAR", "province": "VARCHAR", "province_set": "BOOLEAN", "reviewer": "VARCHAR",
    "reviewed_at": "TIMESTAMP", "sheet": "VARCHAR",
}


@dataclass(frozen=True)
class Fix:
    """One stored correction; `start`/`end`/`text` say where it stands in the document's text.

    `province_set` tells a province the reviewer set (None is then "national")
    from one they left alone.
    """

    doc_id: str
    kind: str
    start: int | None = None
    end: int | None = None
    text: str = ""
    found_start: int | None = None
    found_end: int | None = None
    value: float | None = None
    value_high: float | None = None
    denominator: float | None = None
    unit: str | None = None
    qualifier: str | None = None
    metric: str | None = None
    status: str | None = None
    period: str | None = None
    province: str | None = None
    province_set: bool = False
    reviewer: str = ""
    reviewed_at: datetime | None = None
    sheet: str = ""

    def row(self) -> list[Any]:
        return [getattr(self, name) for name in COLUMN_TYPES]

    def where(self) -> str:
        span = f" {self.start}-{self.end} {self.text!r}" if self.kind != "document" else ""
        return f"the correction ({self.kind.replace('_', ' ')}) of document {self.doc_id}{span}"

    def same_key(self, other: Fix) -> bool:
        """Whether `other` says something about what this one is about (a later one replaces it)."""
        if self.doc_id != other.doc_id or (self.kind == "document") != (other.kind == "document"):
            return False
        if self.kind == "document":
            return True
        keys = {(self.start, self.end), (self.found_start, self.found_end)} - {(None, None)}
        return bool(keys & ({(other.start, other.end), (other.found_start, other.found_end)} - {(None, None)}))


def fix_of(values: dict[str, Any]) -> Fix:
    known = {f.name for f in fields(Fix)}
    return Fix(**{k: v for k, v in values.items() if k in known})


def apply(figures: list[Figure], fixes: Iterable[Fix], text: str, source: str = "") -> tuple[list[Figure], list[str]]:
    """The document's figures with its corrections laid over them, and one line per correction that no longer fits."""
    problems: list[str] = []
    result = list(figures)
    fixes = list(fixes)
    for fix in fixes:
        if fix.kind == "document":
            continue
        if fix.start is None or fix.end is None or text[fix.start:fix.end] != fix.text:
            problems.append(f"{fix.where()} no longer fits: the document's text changed there "
                            "(the correction is kept; review the figure again)")
            continue
        if fix.kind == "not_figure":
            result = [f for f in result if not _overlaps(f, fix.start, fix.end)]
            continue
        target = _matching(result, fix)
        if target is None:
            result.append(_corrected(_new_figure(fix, text, source), fix))
        else:
            result[result.index(target)] = _corrected(target, fix)
    own = {(f.start, f.end) for f in fixes if f.province_set and f.kind != "document"}
    for fix in fixes:  # a figure's own province wins over its document's
        if fix.kind == "document":
            result = [f if (f.start, f.end) in own else _with_province(f, fix.province) for f in result]
    result.sort(key=lambda f: (f.start, f.end))
    return _without_overlaps(result), problems


def _overlaps(figure: Figure, start: int, end: int) -> bool:
    return figure.start < end and start < figure.end


def _matching(figures: list[Figure], fix: Fix) -> Figure | None:
    """The extractor's figure the correction is about: at its key, at its corrected span, else over it."""
    for key in ((fix.found_start, fix.found_end), (fix.start, fix.end)):
        for figure in figures:
            if (figure.start, figure.end) == key:
                return figure
    assert fix.start is not None and fix.end is not None
    return next((f for f in figures if _overlaps(f, fix.start, fix.end)), None)


def _without_overlaps(figures: list[Figure]) -> list[Figure]:
    """A reviewed figure wins over an extracted one it overlaps (a corrected span that grew over a neighbour)."""
    reviewed = [f for f in figures if f.extractor == EXTRACTOR]
    return [f for f in figures if f.extractor == EXTRACTOR
            or not any(_overlaps(f, r.start, r.end) for r in reviewed)]


def _corrected(figure: Figure, fix: Fix) -> Figure:
    changes: dict[str, Any] = {"start": fix.start, "end": fix.end, "text": fix.text, "confidence": 1.0,
                               "extractor": EXTRACTOR}
    for name in ("value", "value_high", "denominator", "unit", "qualifier", "metric", "status"):
        if getattr(fix, name) is not None or name in ("value_high", "denominator"):
            changes[name] = getattr(fix, name)
    changes["period"] = fix.period
    corrected = replace(figure, **changes)
    return _with_province(corrected, fix.province) if fix.province_set else corrected


def _with_province(figure: Figure, province: str | None) -> Figure:
    from solieu.extractors.places import province_2025

    return replace(figure, province=province, province_2025=province_2025(province), locality=None
                   if province != figure.province else figure.locality)


def _new_figure(fix: Fix, text: str, source: str) -> Figure:
    """A figure the extractor does not find (any more): built from the correction, in its sentence."""
    from solieu.pipeline.segment import split_sentences

    assert fix.start is not None and fix.end is not None
    sentence = next((s for s in split_sentences(text) if s.start <= fix.start and fix.end <= s.end), None)
    return Figure(doc_id=fix.doc_id, source=source, start=fix.start, end=fix.end, text=fix.text,
                  sentence=sentence.text if sentence is not None else text[fix.start:fix.end],
                  value=fix.value if fix.value is not None else 0.0)
