"""Cross-province comparison: which provinces reported what, against what they planned.

One row per province, metric, period, status and comparable unit. Ratios
(`51/56`) become percents so that they line up with shares (`90%`); counts stay
counts. Figures are never averaged: when documents disagree about the same
place, metric, period and status, every value stays, each with its source, and
the row is flagged as a conflict. Each row has one headline value (`value`),
chosen by `headline()` (the rule is written in docs/dataset.md); the CSV, the
notebook and the report all call `compare`, so they show the same headline. A
target row says whether the headline result reported for the same place,
period, metric and unit met the headline target.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from solieu.pipeline.defaults import DEFAULT_BY, GROUP_KEYS, STATUSES  # noqa: F401 - part of this module's API
from solieu.pipeline.display import vi_key
from solieu.pipeline.store import load_figures

# Units whose values add up when provinces merge (a percent does not).
ADDITIVE_UNITS = {"count", "vnd"}
QUALIFIER_SIGNS = {
    "exact": "", "more_than": "> ", "at_least": "≥ ", "about": "~ ",
    "less_than": "< ", "at_most": "≤ ",
}
# What a target's qualifier asks of the result.
UPPER_BOUND_QUALIFIERS = {"less_than", "at_most"}

MET, NOT_MET, NO_RESULT, NOT_COMPARABLE = "met", "not met", "no result yet", "not comparable"
VERDICTS: tuple[str, ...] = (MET, NOT_MET, NO_RESULT, NOT_COMPARABLE)

# How the headline of a row was chosen (column `rule`).
RULE_SINGLE, RULE_TOTAL, RULE_LARGEST = "single value", "total of its parts", "largest"
RULE_SUM, RULE_NOT_ADDITIVE = "sum of former provinces", "not additive"
# A total and the sum of its parts as written may differ by rounding or a part left out of the list.
PARTS_TOLERANCE = 0.01

OUTPUT_TAIL: tuple[str, ...] = (
    "status", "unit", "value", "headline_text", "rule", "values", "qualifier", "counted_as",
    "evidence", "documents", "conflict", "sources", "former_provinces", "result", "target_result",
    "headline_figures", "figures",
)


def province_2025_map() -> dict[str, str]:
    """Province before July 2025 → its unit among the 34 after the merger (the one province table)."""
    from solieu.extractors.places import canonical_table

    return canonical_table()


def comparable(figures: pd.DataFrame) -> pd.DataFrame:
    """Add `cmp_value`, `cmp_high` and `cmp_unit`: ratios as percents, rates with their period."""
    frame = figures.copy()
    is_ratio = (frame["unit"] == "ratio") & frame["denominator"].notna() & (frame["denominator"] > 0)
    scale = (100.0 / frame["denominator"]).where(is_ratio, 1.0)
    frame["cmp_value"] = frame["value"] * scale
    frame["cmp_high"] = frame["value_high"] * scale
    base = frame["unit"].where(~is_ratio, "percent")
    per = frame["per"].astype(object)
    frame["cmp_unit"] = [u if p is None or pd.isna(p) else f"{u} per {p}" for u, p in zip(base, per)]
    return frame


def format_number(value: float) -> str:
    """Thousands grouped by a thin space: neither `.` nor `,` (they swap roles in Vietnamese)."""
    if float(value).is_integer():
        text = f"{int(value)}"
        return f"{int(value):,}".replace(",", "\u202f") if abs(value) >= 10_000 else text
    return f"{round(value, 1):g}"


def format_value(value: float, high: float | None, qualifier: str | None) -> str:
    """`> 25`, `5–7`, `91.1`: the value as a reader would quote it."""
    text = format_number(value)
    if high is not None and not pd.isna(high):
        text = f"{text}–{format_number(high)}"
    return QUALIFIER_SIGNS.get(qualifier or "exact", f"{qualifier} ") + text


Record = dict[str, Any]


def missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def value_key(row: Record) -> tuple[float, float | None]:
    high = None if missing(row["cmp_high"]) else round(float(row["cmp_high"]), 6)
    return (round(float(row["cmp_value"]), 6), high)


def joined(values: Iterable[object]) -> str | None:
    """Distinct non-null values in first-seen order, `; `-joined."""
    seen = list(dict.fromkeys(str(v) for v in values if not missing(v)))
    return "; ".join(seen) if seen else None


def grouped(rows: list[Record], column: str) -> dict[object, list[Record]]:
    """Rows by one column, in first-seen order (plain Python: a row holds a few figures, pandas per group is slow)."""
    groups: dict[object, list[Record]] = {}
    for row in rows:
        value = row[column]
        groups.setdefault(None if missing(value) else value, []).append(row)
    return groups


def figure_ref(doc_id: str, start: int, end: int) -> str:
    """A figure's name across the CSV, the notebook and the report: its document and span."""
    return f"{doc_id}:{int(start)}-{int(end)}"


@dataclass(frozen=True)
class Headline:
    """The one value a row stands for, and the figures it stands on."""

    value: float | None
    high: float | None
    qualifier: str | None
    refs: tuple[str, ...]
    rule: str


def largest(rows: list[Record]) -> Record:
    """The figure with the largest comparable value: a total is never smaller than its parts.

    Ties go to an exact figure over a qualified one, then to the more confident
    one, then to text order, so the choice never depends on the order of input.
    """
    def rank(row: Record) -> tuple:
        confidence = 0.0 if missing(row["confidence"]) else float(row["confidence"])
        return (-float(row["cmp_value"]), (row["qualifier"] or "exact") != "exact", -confidence,
                row["doc_id"], int(row["start"]))

    return min(rows, key=rank)


def totals_of_parts(rows: list[Record]) -> list[Record]:
    """Figures of one document that the figures right after them in the same sentence add up to.

    `24.974 cơ sở ... (bao gồm: 941 khách sạn, 1.632 nhà nghỉ, ...)`: a total
    followed by its parts by kind. Only counts and money add up; at least two
    parts are needed, and their sum must come within 1% of the total.
    """
    found = []
    for part in grouped(rows, "sentence").values():
        ordered = sorted(part, key=lambda r: int(r["start"]))
        for i, total in enumerate(ordered):
            if str(total["cmp_unit"]).split(" per ")[0] not in ADDITIVE_UNITS or not missing(total["cmp_high"]):
                continue
            value, running = float(total["cmp_value"]), 0.0
            for count, following in enumerate(ordered[i + 1:], start=1):
                running += float(following["cmp_value"])
                if count >= 2 and abs(running - value) <= PARTS_TOLERANCE * value:
                    found.append(total)
                    break
                if running > value * (1 + PARTS_TOLERANCE):
                    break
    return found


def document_headline(rows: list[Record]) -> tuple[Record, bool]:
    """A document's figure for a row: its total of parts when it lists one, else its largest figure."""
    totals = totals_of_parts(rows)
    return (largest(totals), True) if totals else (largest(rows), False)


def province_headline(rows: list[Record]) -> tuple[Record, bool]:
    """The headline of one province's figures: the largest of its documents' figures (a disagreement is flagged)."""
    chosen = [document_headline(part) for part in grouped(rows, "doc_id").values()]
    best = largest([figure for figure, _ in chosen])
    return best, next(of_parts for figure, of_parts in chosen if figure is best)


@dataclass
class Group:
    """The figures of one comparison row."""

    rows: list[Record]
    merged: bool

    def distinct_values(self) -> list[tuple[float, float | None]]:
        return list(dict.fromkeys(value_key(r) for r in self.rows))

    def conflict(self) -> bool:
        """Two documents about the same (former) province that report different values."""
        for part in grouped(self.rows, "former").values():
            by_document = {doc: frozenset(value_key(r) for r in rows) for doc, rows in grouped(part, "doc_id").items()}
            if len(set(by_document.values())) > 1:
                return True
        return False

    def display_values(self) -> str:
        shown = []
        for row in self.rows:
            text = format_value(row["cmp_value"], row["cmp_high"], row["qualifier"])
            if self.merged and row["former"] is not None and row["former"] != row["area"]:
                text = f"{text} ({row['former']})"
            shown.append(text)
        return "; ".join(dict.fromkeys(shown))

    def sources(self) -> str:
        """Each source with the figures as written there, so a conflict shows both sides."""
        return " | ".join(
            f"{source}: {', '.join(dict.fromkeys(r['text'] for r in rows))}"
            for source, rows in grouped(self.rows, "source").items()
        )

    def by_former(self) -> dict[str | None, tuple[Record, bool]]:
        """The headline figure of each province as reported (one entry unless merged), and whether it is a total of parts."""
        return {former: province_headline(part) for former, part in grouped(self.rows, "former").items()}

    def headline(self, unit: str) -> Headline:
        """The row's headline (docs/dataset.md, "One value per row").

        Within a province the largest figure stands for the row; a merged 2025
        unit adds its former provinces' headlines when the unit adds up (counts,
        money), and has none when it does not (a share of one province plus a
        share of another is not a share of anything).
        """
        chosen = {former: best for former, (best, _) in self.by_former().items()}
        if len(chosen) == 1:
            ((best, of_parts),) = self.by_former().values()
            rule = RULE_SINGLE if len(self.distinct_values()) == 1 else RULE_TOTAL if of_parts else RULE_LARGEST
            return Headline(float(best["cmp_value"]), optional(best["cmp_high"]), best["qualifier"],
                            (best["ref"],), rule)
        refs = tuple(best["ref"] for best in chosen.values())
        if unit.split(" per ")[0] not in ADDITIVE_UNITS:
            return Headline(None, None, None, refs, RULE_NOT_ADDITIVE)
        qualifiers = {best["qualifier"] or "exact" for best in chosen.values()}
        total = float(sum(best["cmp_value"] for best in chosen.values()))
        return Headline(total, None, qualifiers.pop() if len(qualifiers) == 1 else None, refs, RULE_SUM)


def optional(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def compare(
    figures: pd.DataFrame | str | Path,
    by: Sequence[str] = DEFAULT_BY,
    status: str | None = None,
    merged: bool = False,
) -> pd.DataFrame:
    """The comparison table (see the module docstring); `figures` may be a store or a figures file."""
    frame = figures if isinstance(figures, pd.DataFrame) else load_figures(figures)
    by = validate_by(by)
    if status is not None and status not in STATUSES:
        raise ValueError(f"unknown status {status!r} (one of {', '.join(STATUSES)})")
    work = with_areas(comparable(frame), merged)
    work["ref"] = [figure_ref(d, s, e) for d, s, e in zip(work["doc_id"], work["start"], work["end"])]
    keys = [("area" if key == "province" else key) for key in by]
    groups: dict[tuple, list[Record]] = {}
    for record in work.to_dict(orient="records"):
        key = tuple(None if missing(record[k]) else record[k] for k in [*keys, "status", "cmp_unit"])
        groups.setdefault(key, []).append(record)
    rows = [summarise(dict(zip([*by, "status", "unit"], key)), Group(part, merged)) for key, part in groups.items()]
    table = pd.DataFrame(rows, columns=[*by, *OUTPUT_TAIL, "_by_former"])
    table = ordered(table, list(by))
    table = add_target_results(table, list(by), merged)
    if not merged:
        table = table.drop(columns=["former_provinces"])
    if status is not None:
        table = table[table["status"] == status]
    return table.reset_index(drop=True)


def ordered(table: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Rows in the reader's order: provinces alphabetically in Vietnamese, national rows last."""
    def sort_key(column: pd.Series) -> pd.Series:
        if column.name == "province":
            return column.map(vi_key)
        return column.map(lambda v: (v is None or (not isinstance(v, str) and pd.isna(v)), str(v)))

    return table.sort_values([*by, "status", "unit"], key=sort_key, kind="mergesort").reset_index(drop=True)


def validate_by(by: Sequence[str] | str) -> tuple[str, ...]:
    keys = tuple(k.strip() for k in (by.split(",") if isinstance(by, str) else by) if k.strip())
    unknown = [k for k in keys if k not in GROUP_KEYS]
    if unknown or not keys:
        raise ValueError(f"--by takes a comma list of {', '.join(GROUP_KEYS)}; got {', '.join(keys) or 'nothing'}")
    return keys


def with_areas(frame: pd.DataFrame, merged: bool) -> pd.DataFrame:
    """`area` is the row's province: the 2025 unit when merged; `former` the province as reported."""
    frame = frame.copy()
    frame["former"] = frame["province"]
    if merged:
        mapping = province_2025_map()
        frame["area"] = [
            given if given is not None else mapping.get(p, p) if p is not None else None
            for p, given in zip(frame["province"], frame["province_2025"])
        ]
    else:
        frame["area"] = frame["province"]
    return frame


def summarise(head: dict[str, object], group: Group) -> dict[str, object]:
    rows = group.rows
    row = dict(head)
    best = group.headline(str(head["unit"]))
    headline_refs = list(best.refs)
    others = [r["ref"] for r in sorted(rows, key=lambda r: (r["doc_id"], int(r["start"]))) if r["ref"] not in headline_refs]
    row.update(
        value=best.value,
        headline_text=None if best.value is None else format_value(best.value, best.high, best.qualifier),
        rule=best.rule,
        values=group.display_values(),
        qualifier=joined(r["qualifier"] for r in rows),
        counted_as=joined(r["counted"] for r in rows),
        evidence=len(rows),
        documents=len({r["doc_id"] for r in rows}),
        conflict=group.conflict(),
        sources=group.sources(),
        former_provinces=joined(r["former"] for r in rows),
        result=None,
        target_result=None,
        headline_figures="; ".join(headline_refs),
        figures="; ".join([*headline_refs, *others]),
        _by_former={
            former: (float(f["cmp_value"]), f["qualifier"] or "exact",
                     format_value(f["cmp_value"], f["cmp_high"], f["qualifier"]))
            for former, (f, _) in group.by_former().items()
        },
    )
    return row


def meets(target: float, target_qualifier: str, result: float, result_qualifier: str) -> bool:
    """Whether a reported result satisfies a target, reading both qualifiers literally."""
    if target_qualifier in UPPER_BOUND_QUALIFIERS:
        if result < target:
            return True
        return result == target and (target_qualifier == "at_most" or result_qualifier == "less_than")
    if result > target:
        return True
    return result == target and (target_qualifier != "more_than" or result_qualifier == "more_than")


Judged = tuple[str | None, str]  # (the result as shown, the verdict)


def judge_row(target: dict, result: dict | None, other_units: bool, merged: bool) -> Judged:
    """A target's headline against the headline result of the same province, period, metric and unit.

    Merged 2025 units judge each former province's target by that province's own
    result (never one province's plan by another's results); when the former
    provinces' verdicts differ, each is named.
    """
    if result is None:
        return None, NOT_COMPARABLE if other_units else NO_RESULT
    if not merged:
        if target["value"] is None or result["value"] is None:
            return result["headline_text"], NOT_COMPARABLE
        (t_value, t_qualifier, _), = target["_by_former"].values()
        (r_value, r_qualifier, _), = result["_by_former"].values()
        return result["headline_text"], MET if meets(t_value, t_qualifier, r_value, r_qualifier) else NOT_MET
    verdicts: dict[str | None, str] = {}
    shown: list[str] = []
    for former, (t_value, t_qualifier, _) in target["_by_former"].items():
        got = result["_by_former"].get(former)
        if got is None:
            verdicts[former] = NO_RESULT
            continue
        shown.append(got[2] if len(target["_by_former"]) == 1 else f"{got[2]} ({former})")
        verdicts[former] = MET if meets(t_value, t_qualifier, got[0], got[1]) else NOT_MET
    distinct = set(verdicts.values())
    verdict = distinct.pop() if len(distinct) == 1 else "; ".join(f"{v} ({p})" for p, v in verdicts.items())
    return ("; ".join(shown) or None), verdict


def add_target_results(table: pd.DataFrame, by: list[str], merged: bool) -> pd.DataFrame:
    """Fill `result` and `target_result` on target rows from the achieved row of the same key and unit."""
    table = table.copy()
    records = table.to_dict(orient="records")
    table = table.drop(columns=["_by_former"])

    def key(row: dict, with_unit: bool = True) -> tuple:
        columns = [*by, "unit"] if with_unit else by
        return tuple(None if not isinstance(row[c], str) and pd.isna(row[c]) else row[c] for c in columns)

    achieved = {key(row): row for row in records if row["status"] == "achieved"}
    achieved_any_unit = {key(row, False) for row in records if row["status"] == "achieved"}
    results, verdicts = [], []
    for row in records:
        if row["status"] != "target":
            results.append(None)
            verdicts.append(None)
            continue
        shown, verdict = judge_row(row, achieved.get(key(row)), key(row, False) in achieved_any_unit, merged)
        results.append(shown)
        verdicts.append(verdict)
    table["result"] = results
    table["target_result"] = verdicts
    return table


def write_table(table: pd.DataFrame, output: str | Path) -> None:
    """The comparison as CSV; cells a spreadsheet would run as a formula are guarded (OWASP), as in `export`."""
    from solieu.pipeline.write import atomic_output, safe_frame

    with atomic_output(output) as out:
        safe_frame(table).to_csv(out, index=False)
