"""Cross-province comparison: which provinces reported what, against what they planned.

One row per province, metric, period, status and comparable unit. Ratios
(`51/56`) become percents so that they line up with shares (`90%`); counts stay
counts. Figures are never averaged: when documents disagree about the same
place, metric, period and status, every value stays, each with its source, and
the row is flagged as a conflict. Each row has one headline value (`value`),
chosen by `row_headlines()` (the rule is written in docs/dataset.md); the CSV, the
notebook and the report all call `compare`, so they show the same headline. A
target row says whether the headline result reported for the same place,
period, metric and unit met the headline target.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from solieu.pipeline import kinds
from solieu.pipeline.defaults import DEFAULT_BY, GROUP_KEYS, STATUSES  # noqa: F401 - part of this module's API
from solieu.pipeline.display import vi_key
from solieu.pipeline.store import load_figures
from solieu.pipeline.verdicts import (  # noqa: F401 - part of this module's API
    MET, NO_RESULT, NOT_COMPARABLE, NOT_MET, VERDICTS, Standing, add_target_results, flag_outliers, meets,
)

# Units whose values add up when provinces merge (a percent does not).
ADDITIVE_UNITS = {"count", "vnd"}
QUALIFIER_SIGNS = {
    "exact": "", "more_than": "> ", "at_least": "≥ ", "about": "~ ",
    "less_than": "< ", "at_most": "≤ ",
}

# How the headline of a row was chosen (column `rule`).
RULE_SINGLE, RULE_TOTAL, RULE_LARGEST = "single value", "total of its parts", "largest"
RULE_SUM, RULE_NOT_ADDITIVE = "sum of former provinces", "not additive"
# A total and the sum of its parts as written may differ by rounding or a part left out of the list.
PARTS_TOLERANCE = 0.01

OUTPUT_TAIL: tuple[str, ...] = (
    "scope", "status", "unit", "counted_kind", "value", "headline_text", "rule", "outlier", "values", "qualifier",
    "counted_as", "evidence", "documents", "conflict", "sources", "former_provinces", "result", "target_result",
    "verdict_reason", "result_period", "result_figures", "headline_figures", "figures",
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
    units = frame["unit"].where(~is_ratio, "percent").astype(object)
    per = frame["per"].astype(object)
    rated = per.notna().to_numpy()
    units[rated] = [f"{u} per {p}" for u, p in zip(units[rated], per[rated])]
    frame["cmp_unit"] = units
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


def figure_ref(doc_id: str, start: int, end: int) -> str:
    """A figure's name across the CSV, the notebook and the report: its document and span."""
    return f"{doc_id}:{int(start)}-{int(end)}"


# --- the table, computed with group-bys over all figures at once -------------------------------
#
# Every step works on whole columns: Python loops over the figures of each row cost 7.5 s and
# 427 MB on 283,310 figures (7,108 rows), these steps 1.5 s and 167 MB. Python runs once per
# distinct value (formatting, rounding) or per row of the output (its cells), not per figure.


def additive(unit: object) -> bool:
    """Whether values of a comparable unit add up (`count`, `vnd`, and their rates)."""
    return str(unit).split(" per ")[0] in ADDITIVE_UNITS


def first_seen_codes(columns: Sequence[pd.Series | np.ndarray]) -> np.ndarray:
    """One integer per combination of the columns' values, numbered in order of first appearance.

    Null (None or NaN) is a value of its own, as the key `None` was when rows were grouped in a dict.
    """
    combined = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        codes, uniques = pd.factorize(column, use_na_sentinel=False)
        combined, _ = pd.factorize(combined * max(len(uniques), 1) + codes)
    return combined.astype(np.int64)


def python_rounded(values: np.ndarray) -> np.ndarray:
    """`round(v, 6)` of each value, with Python's rounding (numpy's differs at halves), once per distinct value."""
    uniques, inverse = np.unique(values, return_inverse=True)
    return np.array([round(float(u), 6) for u in uniques], dtype=float)[inverse.reshape(-1)]


def missing_mask(column: pd.Series) -> np.ndarray:
    return column.isna().to_numpy()


def as_objects(column: pd.Series) -> list[Any]:
    """Plain Python values, None for null: the cells a row of the old per-group code held."""
    return [None if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) else value
            for value in column.astype(object).tolist()]


# The figure fields the table reads: the rest of a store's columns (titles, dates...) is not copied.
USED_FIELDS: tuple[str, ...] = (
    "doc_id", "source", "start", "end", "text", "sentence", "value", "value_high", "denominator", "unit",
    "per", "qualifier", "counted", "status", "confidence", "province", "province_2025", "metric", "period",
    "locality",
)


def figure_frame(frame: pd.DataFrame, by: Sequence[str], merged: bool) -> pd.DataFrame:
    """Each figure with its comparable value, its row (`row`, numbered as rows first appear) and its keys.

    `former` is the province as reported and `area` the row's province; `former_code`
    numbers (row, former) pairs, `doc_code` (row, former, document) triples and `part`
    their sentences, each in order of first appearance, so that sorting by them keeps
    the order of the input.
    """
    work = with_areas(comparable(frame[[c for c in USED_FIELDS if c in frame.columns]]), merged)
    work = work.reset_index(drop=True)
    work["pos"] = np.arange(len(work))
    starts, ends = pd.to_numeric(work["start"]).astype("int64"), pd.to_numeric(work["end"]).astype("int64")
    documents = pd.Series([f"{doc_id}" for doc_id in as_objects(work["doc_id"])], dtype=object)
    work["ref"] = documents + ":" + starts.astype(str).astype(object) + "-" + ends.astype(str).astype(object)
    work["start_int"] = starts
    work["counted_kind"] = per_distinct(work, ["cmp_unit", "counted"], kinds.counted_kind)
    work["scope"] = per_distinct(work, ["area", "sentence"], kinds.scope)
    keys = [work["area" if key == "province" else key] for key in by]
    work["row"] = first_seen_codes([*keys, work["scope"], work["status"], work["cmp_unit"], work["counted_kind"]])
    work["former_code"] = first_seen_codes([work["row"], work["former"]])
    work["doc_code"] = first_seen_codes([work["former_code"], work["doc_id"]])
    work["part"] = first_seen_codes([work["doc_code"], work["sentence"]])
    high = work["cmp_high"].to_numpy(dtype=float)
    work["key_value"] = python_rounded(work["cmp_value"].to_numpy(dtype=float))
    work["key_high"] = np.where(np.isnan(high), np.nan, python_rounded(np.nan_to_num(high)))
    work["value_code"] = first_seen_codes([work["key_value"], work["key_high"]])
    return work


def per_distinct(work: pd.DataFrame, columns: list[str], function: Any) -> np.ndarray:
    """`function` of each figure's `columns`, called once per distinct combination of their values."""
    codes = first_seen_codes([work[column] for column in columns])
    _, first = np.unique(codes, return_index=True)
    distinct = work.iloc[first]
    answers = [function(*values) for values in zip(*(as_objects(distinct[column]) for column in columns))]
    return np.array(answers, dtype=object)[codes]


def totals_of_parts(work: pd.DataFrame) -> np.ndarray:
    """Whether each figure is a total that the figures right after it in its sentence add up to.

    `24.974 cơ sở ... (bao gồm: 941 khách sạn, 1.632 nhà nghỉ, ...)`: a total
    followed by its parts by kind, in one document and one row. Only counts and
    money add up; at least two parts are needed, and their sum must come within
    1% of the total. The running sums advance one following figure per step for
    every candidate at once (the same additions in the same order as a loop per
    total), so a step costs one array operation whatever the number of totals.
    """
    part = work["part"].to_numpy()
    order = np.lexsort((work["pos"].to_numpy(), work["start_int"].to_numpy(), part))
    parts = part[order]
    values = work["cmp_value"].to_numpy(dtype=float)[order]
    size = np.bincount(parts)[parts]
    first = np.r_[0, np.flatnonzero(np.diff(parts)) + 1]
    rank = np.arange(len(parts)) - np.repeat(first, np.diff(np.r_[first, len(parts)]))
    followers = size - rank - 1
    unit_codes, distinct_units = pd.factorize(work["cmp_unit"], use_na_sentinel=False)
    units = np.array([additive(unit) for unit in distinct_units], dtype=bool)[unit_codes]
    active = (units & missing_mask(work["cmp_high"]))[order] & (followers >= 2)
    found, running = np.zeros(len(parts), dtype=bool), np.zeros(len(parts))
    tolerance, ceiling = PARTS_TOLERANCE * values, values * (1 + PARTS_TOLERANCE)
    count = 0
    while True:
        count += 1
        active &= followers >= count
        at = np.flatnonzero(active)
        if not at.size:
            break
        running[at] += values[at + count]
        if count >= 2:
            hit = at[np.abs(running[at] - values[at]) <= tolerance[at]]
            found[hit], active[hit] = True, False
        at = at[active[at]]
        active[at[running[at] > ceiling[at]]] = False
    out = np.zeros(len(parts), dtype=bool)
    out[order] = found
    return out


def province_headlines(work: pd.DataFrame) -> pd.DataFrame:
    """The figure standing for each province of each row (one per row unless merged), in order of first appearance.

    A document stands by its total of parts when it lists one, else by its
    largest figure; the province by the largest of its documents' figures (a
    disagreement is flagged, never averaged). `largest`: the largest comparable
    value, then an exact figure over a qualified one, then the more confident
    one, then document and text order, so that the choice never depends on the
    order of input (full ties keep the first in input order). `of_parts` says
    whether the chosen document stood by a total of parts.
    """
    totals = totals_of_parts(work)
    doc_codes = work["doc_code"].to_numpy()
    of_parts = np.zeros(doc_codes.max() + 1 if len(doc_codes) else 0, dtype=bool)
    of_parts[doc_codes[totals]] = True
    in_totals = of_parts[doc_codes]
    chosen = totals | ~in_totals
    candidates = work.loc[chosen, ["row", "former_code", "former", "ref", "cmp_value", "cmp_high", "qualifier",
                                   "doc_id", "start_int", "part", "pos", "sentence", "text", "locality"]].assign(
        of_parts=in_totals[chosen],
        minus_value=lambda f: -f["cmp_value"].astype(float),
        qualified=lambda f: f["qualifier"].notna() & ~f["qualifier"].isin(["exact", ""]),  # `q or "exact"`
        minus_confidence=-pd.to_numeric(work.loc[chosen, "confidence"]).astype(float).fillna(0.0),
        sentence_order=lambda f: np.where(f["of_parts"], f["part"], 0),
    )
    ranked = candidates.sort_values(
        ["row", "former_code", "minus_value", "qualified", "minus_confidence", "doc_id", "start_int",
         "sentence_order", "pos"], kind="stable")
    return ranked.drop_duplicates("former_code").reset_index(drop=True)


def joined_groups(codes: np.ndarray, values: list[str], separator: str, count: int) -> list[str | None]:
    """For each of `count` groups, its values in their order, joined (None for a group without any).

    One `str.join` per group over a slice of one sorted list: pandas' `agg` with a
    Python function builds a Series per group and cost more than the joins.
    """
    order = np.argsort(codes, kind="stable")
    ordered_values = [values[i] for i in order.tolist()]
    bounds = np.searchsorted(codes[order], np.arange(count + 1)).tolist()
    return [separator.join(ordered_values[a:b]) if b > a else None for a, b in zip(bounds[:-1], bounds[1:])]


def ordered_join(codes: np.ndarray, values: pd.Series | list[Any], separator: str, count: int) -> list[str | None]:
    """For each of `count` groups, its distinct non-null values as text, in first-seen order, joined."""
    pairs = pd.DataFrame({"code": codes, "value": values}).drop_duplicates()
    pairs = pairs[pairs["value"].notna()]
    return joined_groups(pairs["code"].to_numpy(), [str(v) for v in pairs["value"].tolist()], separator, count)


def sequential_sums(codes: np.ndarray, values: np.ndarray, count: int) -> np.ndarray:
    """Each group's values added in order from 0, as Python's `sum` adds them (numpy's sum pairs them up)."""
    rank = pd.Series(codes).groupby(codes).cumcount().to_numpy()
    totals = np.zeros(count)
    for level in range(int(rank.max()) + 1 if len(rank) else 0):
        at = rank == level
        totals[codes[at]] += values[at]
    return totals


def display_values(work: pd.DataFrame, merged: bool) -> np.ndarray:
    """Each figure as a reader would quote it (formatted once per distinct value); merged, with its province."""
    codes = first_seen_codes([work["cmp_value"], work["cmp_high"], work["qualifier"]])
    _, first = np.unique(codes, return_index=True)
    distinct = work.iloc[first]
    shown = [format_value(value, high, qualifier) for value, high, qualifier in zip(
        distinct["cmp_value"].tolist(), distinct["cmp_high"].tolist(), as_objects(distinct["qualifier"]))]
    texts = np.array(shown, dtype=object)[codes]
    if not merged:
        return texts
    formers, areas = as_objects(work["former"]), as_objects(work["area"])
    return np.array([f"{text} ({former})" if former is not None and former != area else text
                     for text, former, area in zip(texts, formers, areas)], dtype=object)


def sources_by_row(work: pd.DataFrame, count: int) -> list[str | None]:
    """Each source with the figures as written there, so a conflict shows both sides."""
    texts = work[["row", "source", "text"]].assign(source_code=first_seen_codes([work["row"], work["source"]]))
    texts = texts.drop_duplicates(["source_code", "text"])
    sources = texts.drop_duplicates("source_code").sort_values("source_code")
    written = joined_groups(texts["source_code"].to_numpy(), texts["text"].tolist(), ", ", len(sources))
    shown = [f"{label}: {text}" for label, text in zip(as_objects(sources["source"]), written)]
    return joined_groups(sources["row"].to_numpy(), shown, " | ", count)


def conflicts(work: pd.DataFrame, count: int) -> np.ndarray:
    """Rows where two documents about the same (former) province report different sets of values.

    All documents of a province report the same set exactly when every value is
    reported by every document: a value some document lacks is a disagreement.
    """
    pairs = work[["row", "former_code", "doc_code", "value_code"]].drop_duplicates()
    documents = pairs.groupby("former_code")["doc_code"].nunique()
    reporting = pairs.groupby(["row", "former_code", "value_code"]).size().reset_index(name="docs")
    lacking = reporting["docs"].to_numpy() < documents.reindex(reporting["former_code"]).to_numpy()
    out = np.zeros(count, dtype=bool)
    out[reporting["row"].to_numpy()[lacking]] = True
    return out


def other_figures(work: pd.DataFrame, heads: pd.DataFrame, count: int) -> list[str | None]:
    """Each row's figures that are not its headline, by document and position, `; `-joined."""
    headline = pd.MultiIndex.from_arrays([heads["row"], heads["ref"]])
    rest = work.loc[~pd.MultiIndex.from_arrays([work["row"], work["ref"]]).isin(headline),
                    ["row", "doc_id", "start_int", "pos", "ref"]]
    rest = rest.sort_values(["row", "doc_id", "start_int", "pos"], kind="stable")
    return joined_groups(rest["row"].to_numpy(), rest["ref"].tolist(), "; ", count)


@dataclass(frozen=True)
class Headline:
    """The one value a row stands for, and the figures it stands on."""

    value: float | None
    high: float | None
    qualifier: str | None
    refs: tuple[str, ...]
    rule: str


def row_headlines(work: pd.DataFrame, heads: pd.DataFrame, count: int) -> list[Headline]:
    """Each row's headline (docs/dataset.md, "One value per row").

    Within a province the largest figure stands for the row; a merged 2025
    unit adds its former provinces' headlines when the unit adds up (counts,
    money), and has none when it does not (a share of one province plus a
    share of another is not a share of anything).
    """
    codes = heads["row"].to_numpy()
    provinces = np.bincount(codes, minlength=count)
    distinct = work.groupby("row")["value_code"].nunique().reindex(range(count)).to_numpy()
    sums = sequential_sums(codes, heads["cmp_value"].to_numpy(dtype=float), count)
    refs: list[list[str]] = [[] for _ in range(count)]
    qualifiers: list[set[str]] = [set() for _ in range(count)]
    first: dict[int, tuple[Any, ...]] = {}
    for head in zip(codes.tolist(), heads["ref"].tolist(), as_objects(heads["qualifier"]),
                    heads["cmp_value"].tolist(), heads["cmp_high"].tolist(), heads["of_parts"].tolist()):
        refs[head[0]].append(head[1])
        qualifiers[head[0]].add(head[2] or "exact")
        first.setdefault(head[0], head)
    units = work.drop_duplicates("row")["cmp_unit"].tolist()
    out = []
    for code in range(count):
        if provinces[code] == 1:
            _, ref, qualifier, value, high, of_parts = first[code]
            rule = RULE_SINGLE if distinct[code] == 1 else RULE_TOTAL if of_parts else RULE_LARGEST
            out.append(Headline(float(value), optional(high), qualifier, (ref,), rule))
        elif not additive(units[code]):
            out.append(Headline(None, None, None, tuple(refs[code]), RULE_NOT_ADDITIVE))
        else:
            only = qualifiers[code].pop() if len(qualifiers[code]) == 1 else None
            out.append(Headline(float(sums[code]), None, only, tuple(refs[code]), RULE_SUM))
    return out


def by_former(heads: pd.DataFrame, count: int) -> list[dict[str | None, Standing]]:
    """Each row's headline per province as reported: what a target is judged on, and by."""
    out: list[dict[str | None, Standing]] = [{} for _ in range(count)]
    for code, former, value, high, qualifier, ref, sentence, text, locality in zip(
            heads["row"].tolist(), as_objects(heads["former"]), heads["cmp_value"].tolist(),
            heads["cmp_high"].tolist(), as_objects(heads["qualifier"]), heads["ref"].tolist(),
            as_objects(heads["sentence"]), as_objects(heads["text"]), as_objects(heads["locality"])):
        out[code][former] = Standing(float(value), qualifier or "exact", format_value(value, high, qualifier), ref,
                                     sentence, text, locality)
    return out


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
    table = comparison_rows(figure_frame(frame, by, merged), by, merged)
    table = ordered(table, list(by))
    table["outlier"] = flag_outliers(table, list(by))
    table = add_target_results(table, list(by), merged)
    if not merged:
        table = table.drop(columns=["former_provinces"])
    if status is not None:
        table = table[table["status"] == status]
    return table.reset_index(drop=True)


def comparison_rows(work: pd.DataFrame, by: Sequence[str], merged: bool) -> pd.DataFrame:
    """One row per key, status and comparable unit, in order of first appearance (`ordered` sorts them)."""
    columns = [*by, *OUTPUT_TAIL, "_by_former"]
    count = int(work["row"].max()) + 1 if len(work) else 0
    if not count:
        return pd.DataFrame([], columns=columns)
    heads = province_headlines(work)
    headlines = row_headlines(work, heads, count)
    codes = work["row"].to_numpy()
    first = work.drop_duplicates("row")  # rows are numbered as they first appear: in order already
    cells: dict[str, list[Any]] = {key: as_objects(first["area" if key == "province" else key]) for key in by}
    others = other_figures(work, heads, count)
    cells.update(
        scope=as_objects(first["scope"]),
        status=as_objects(first["status"]),
        unit=as_objects(first["cmp_unit"]),
        counted_kind=as_objects(first["counted_kind"]),
        value=[h.value for h in headlines],
        headline_text=[None if h.value is None else format_value(h.value, h.high, h.qualifier) for h in headlines],
        rule=[h.rule for h in headlines],
        outlier=[False] * count,
        values=ordered_join(codes, display_values(work, merged), "; ", count),
        qualifier=ordered_join(codes, work["qualifier"], "; ", count),
        counted_as=ordered_join(codes, work["counted"], "; ", count),
        evidence=np.bincount(codes, minlength=count).tolist(),
        documents=work.groupby("row")["doc_id"].nunique(dropna=False).reindex(range(count)).tolist(),
        conflict=conflicts(work, count).tolist(),
        sources=sources_by_row(work, count),
        former_provinces=ordered_join(codes, work["former"], "; ", count),
        result=[None] * count,
        target_result=[None] * count,
        verdict_reason=[None] * count,
        result_period=[None] * count,
        result_figures=[None] * count,
        headline_figures=["; ".join(h.refs) for h in headlines],
        figures=["; ".join([*h.refs, *([rest] if rest else [])]) for h, rest in zip(headlines, others)],
        _by_former=by_former(heads, count),
    )
    return pd.DataFrame([dict(zip(columns, values)) for values in zip(*(cells[c] for c in columns))],
                        columns=columns)


def ordered(table: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Rows in the reader's order: provinces alphabetically in Vietnamese, national rows last."""
    def sort_key(column: pd.Series) -> pd.Series:
        if column.name == "province":  # the Vietnamese key of each distinct name, computed once
            keys = {name: vi_key(name) for name in set(column.tolist())}
            return column.map(lambda name: keys[name])
        return column.map(lambda v: (v is None or (not isinstance(v, str) and pd.isna(v)), str(v)))

    return table.sort_values([*by, "scope", "status", "unit", "counted_kind"], key=sort_key, kind="mergesort").reset_index(drop=True)


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
        province = frame["province"].astype(object)
        mapped = province.map(province_2025_map())
        mapped = mapped.where(mapped.notna(), province)
        given = frame["province_2025"].astype(object)
        frame["area"] = given.where(given.notna(), mapped)
    else:
        frame["area"] = frame["province"]
    return frame


def write_table(table: pd.DataFrame, output: str | Path) -> None:
    """The comparison as CSV; cells a spreadsheet would run as a formula are guarded (OWASP), as in `export`."""
    from solieu.pipeline.write import atomic_output, write_csv

    with atomic_output(output) as out:
        write_csv(table, out)
