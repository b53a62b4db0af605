"""Cross-province comparison: which provinces reported what, against what they planned.

One row per province, metric, period, status and comparable unit. Ratios
(`51/56`) become percents so that they line up with shares (`90%`); counts stay
counts. Figures are never averaged: when documents disagree about the same
place, metric, period and status, every value stays, each with its source, and
the row is flagged as a conflict. A target row says whether the result
reported for the same place, period, metric and unit met it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from pipeline.store import ROOT, load_figures

PROVINCES_CSV = ROOT / "corpora" / "provinces.csv"
GROUP_KEYS: tuple[str, ...] = ("province", "metric", "period", "locality", "counted")
DEFAULT_BY: tuple[str, ...] = ("province", "metric", "period")
STATUSES: tuple[str, ...] = ("achieved", "target")
# Units whose values add up when provinces merge (a percent does not).
ADDITIVE_UNITS = {"count", "vnd"}
QUALIFIER_SIGNS = {
    "exact": "", "more_than": "> ", "at_least": "≥ ", "about": "~ ",
    "less_than": "< ", "at_most": "≤ ",
}
# What a target's qualifier asks of the result.
UPPER_BOUND_QUALIFIERS = {"less_than", "at_most"}

MET, NOT_MET, NO_RESULT, UNCLEAR = "met", "not met", "no result", "unclear"

OUTPUT_TAIL: tuple[str, ...] = (
    "status", "unit", "value", "values", "qualifier", "counted_as", "evidence", "documents",
    "conflict", "sources", "former_provinces", "result", "target_result",
)


@lru_cache(maxsize=1)
def province_2025_map() -> dict[str, str]:
    """Province before July 2025 → its unit among the 34 after the merger."""
    with PROVINCES_CSV.open(encoding="utf-8") as handle:
        return {row["province"]: row["province_2025"] for row in csv.DictReader(handle)}


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


def value_key(row: pd.Series) -> tuple[float, float | None]:
    high = None if pd.isna(row["cmp_high"]) else round(float(row["cmp_high"]), 6)
    return (round(float(row["cmp_value"]), 6), high)


def joined(values: Iterable[object]) -> str | None:
    """Distinct non-null values in first-seen order, `; `-joined."""
    seen = list(dict.fromkeys(str(v) for v in values if v is not None and not pd.isna(v)))
    return "; ".join(seen) if seen else None


@dataclass
class Group:
    """The figures of one comparison row."""

    rows: pd.DataFrame
    merged: bool

    def distinct_values(self) -> list[tuple[float, float | None]]:
        return list(dict.fromkeys(value_key(r) for _, r in self.rows.iterrows()))

    def values_by_document(self, rows: pd.DataFrame) -> dict[str, frozenset]:
        return {
            doc: frozenset(value_key(r) for _, r in part.iterrows())
            for doc, part in rows.groupby("doc_id", sort=False)
        }

    def conflict(self) -> bool:
        """Two documents about the same (former) province that report different values."""
        for _, part in self.rows.groupby("former", sort=False, dropna=False):
            if len(set(self.values_by_document(part).values())) > 1:
                return True
        return False

    def display_values(self) -> str:
        shown = []
        for _, row in self.rows.iterrows():
            text = format_value(row["cmp_value"], row["cmp_high"], row["qualifier"])
            if self.merged and row["former"] is not None and row["former"] != row["area"]:
                text = f"{text} ({row['former']})"
            shown.append(text)
        return "; ".join(dict.fromkeys(shown))

    def sources(self) -> str:
        """Each source with the figures as written there, so a conflict shows both sides."""
        parts = []
        for source, part in self.rows.groupby("source", sort=False):
            parts.append(f"{source}: {', '.join(dict.fromkeys(part['text']))}")
        return " | ".join(parts)

    def value(self, unit: str) -> float | None:
        """The row's single value; a merged unit's additive values are summed over former provinces."""
        distinct = self.distinct_values()
        if len(distinct) == 1 and distinct[0][1] is None:
            return distinct[0][0]
        if not self.merged or unit.split(" per ")[0] not in ADDITIVE_UNITS or self.conflict():
            return None
        total = 0.0
        for _, part in self.rows.groupby("former", sort=False, dropna=False):
            values = Group(part, self.merged).distinct_values()
            if len(values) != 1 or values[0][1] is not None:
                return None
            total += values[0][0]
        return total


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
    keys = [("area" if key == "province" else key) for key in by]
    rows = []
    for values, part in work.groupby([*keys, "status", "cmp_unit"], sort=True, dropna=False):
        rows.append(summarise(dict(zip([*by, "status", "unit"], values)), Group(part, merged)))
    table = pd.DataFrame(rows, columns=[*by, *OUTPUT_TAIL, "_values"])
    table = add_target_results(table, list(by))
    if not merged:
        table = table.drop(columns=["former_provinces"])
    if status is not None:
        table = table[table["status"] == status]
    return table.reset_index(drop=True)


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
    row = {k: (None if not isinstance(v, str) and pd.isna(v) else v) for k, v in row.items()}
    row.update(
        value=group.value(str(head["unit"])),
        values=group.display_values(),
        qualifier=joined(rows["qualifier"]),
        counted_as=joined(rows["counted"]),
        evidence=len(rows),
        documents=rows["doc_id"].nunique(),
        conflict=group.conflict(),
        sources=group.sources(),
        former_provinces=joined(rows["former"]),
        result=None,
        target_result=None,
        _values=list(zip(rows["cmp_value"], rows["qualifier"], rows["former"])),
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


def judge(targets: list[tuple[float, str, str]], results: list[tuple[float, str, str]]) -> str:
    """met / not met when every target and result value agree on it, else unclear.

    A target is held against results of the province that set it, so a merged
    unit never judges one former province's plan by another's results.
    """
    verdicts = {
        meets(t, tq or "exact", r, rq or "exact")
        for t, tq, tp in targets
        for r, rq, rp in results
        if tp == rp
    }
    if not verdicts:
        return NO_RESULT
    if verdicts == {True}:
        return MET
    if verdicts == {False}:
        return NOT_MET
    return UNCLEAR


def add_target_results(table: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Fill `result` and `target_result` on target rows from the achieved row of the same key and unit."""
    table = table.copy()
    values = {}
    if "_values" in table.columns:
        values = dict(zip(table.index, table["_values"]))
        table = table.drop(columns=["_values"])
    key_columns = [*by, "unit"]

    def key(row: pd.Series) -> tuple:
        return tuple(None if not isinstance(row[c], str) and pd.isna(row[c]) else row[c] for c in key_columns)

    achieved = {key(row): index for index, row in table.iterrows() if row["status"] == "achieved"}
    results, verdicts = [], []
    for index, row in table.iterrows():
        if row["status"] != "target":
            results.append(None)
            verdicts.append(None)
            continue
        match = achieved.get(key(row))
        if match is None:
            results.append(None)
            verdicts.append(NO_RESULT)
            continue
        results.append(table.at[match, "values"])
        verdicts.append(judge(values.get(index, []), values.get(match, [])))
    table["result"] = results
    table["target_result"] = verdicts
    return table


def write_table(table: pd.DataFrame, output: str | Path) -> None:
    from pipeline.write import atomic_output

    with atomic_output(output) as out:
        table.to_csv(out, index=False)
