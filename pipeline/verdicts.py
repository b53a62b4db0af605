"""Whether a target was met: only ever against a result that counts the same thing, at the same place and time.

Every verdict of a real archive was wrong when a target row met whichever
result row shared its province, metric and period: a figure met itself (a plan
quoted in the news), a part met a whole (`21 of 25 planned inspections`), a
number that was no figure met a target. A target is judged here only against
a result of the same province, metric, counted kind and unit, of a period
inside the target's, from another sentence, that is not a part nor a flagged
value; anything else is `not comparable`, with its reason (docs/dataset.md,
"Verdicts").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from solieu.pipeline import kinds

MET, NOT_MET, NO_RESULT, NOT_COMPARABLE = "met", "not met", "no result yet", "not comparable"
VERDICTS: tuple[str, ...] = (MET, NOT_MET, NO_RESULT, NOT_COMPARABLE)
# What a target's qualifier asks of the result.
UPPER_BOUND_QUALIFIERS = {"less_than", "at_most"}

# Why a target is not comparable (column `verdict_reason`; the report words them in labels.json).
UNPLACED = "province not found"
VAGUE_KIND = "what is counted is unknown"
NO_PERIOD = "target has no period"
OTHER_KIND = "result counts another kind or unit"
ONE_YEAR = "one year of a span"
SAME_SENTENCE = "same sentence"
PART = "result is a part"
LOCAL = "result is of one locality"
FLAGGED = "value flagged as implausible"
NO_HEADLINE = "no headline"
REASONS: tuple[str, ...] = (UNPLACED, VAGUE_KIND, NO_PERIOD, OTHER_KIND, ONE_YEAR, SAME_SENTENCE, PART, LOCAL,
                            FLAGGED, NO_HEADLINE)


@dataclass(frozen=True)
class Standing:
    """The headline figure a province's row stands on: its value and where it was read."""

    value: float
    qualifier: str
    text: str  # as a reader would quote it
    ref: str
    sentence: str | None
    span: str | None  # the figure's text, to find it in its sentence
    locality: str | None


@dataclass(frozen=True)
class Verdict:
    shown: str | None  # the result as shown beside the target
    verdict: str
    reason: str | None = None
    period: str | None = None  # the result's period
    refs: str | None = None  # the result's headline figures


def meets(target: float, target_qualifier: str, result: float, result_qualifier: str) -> bool:
    """Whether a reported result satisfies a target, reading both qualifiers literally."""
    if target_qualifier in UPPER_BOUND_QUALIFIERS:
        if result < target:
            return True
        return result == target and (target_qualifier == "at_most" or result_qualifier == "less_than")
    if result > target:
        return True
    return result == target and (target_qualifier != "more_than" or result_qualifier == "more_than")


def same_place(target: Standing, result: Standing) -> bool:
    """One figure, or one sentence read twice (a plan quoted in the news): never a target and its own result.

    A quoted sentence often comes with words of its own around it, so one
    sentence inside the other counts as the same.
    """
    if target.ref == result.ref:
        return True
    first, second = (" ".join(str(s or "").split()).lower() for s in (target.sentence, result.sentence))
    return bool(first and second) and (first in second or second in first)


def judge_standing(target: Standing, result: Standing, flagged: bool) -> tuple[str, str | None]:
    if flagged:
        return NOT_COMPARABLE, FLAGGED
    if same_place(target, result):
        return NOT_COMPARABLE, SAME_SENTENCE
    if result.locality and result.locality != target.locality:
        return NOT_COMPARABLE, LOCAL
    if kinds.is_part(result.sentence, result.span):
        return NOT_COMPARABLE, PART
    return (MET if meets(target.value, target.qualifier, result.value, result.qualifier) else NOT_MET), None


Row = dict[str, Any]


def find_result(target: Row, achieved: dict[tuple, Row], loose: set[tuple], key: Any,
                with_period: bool) -> tuple[Row | None, Verdict | None]:
    """The result row a target is judged by, or the verdict when there is none (docs/dataset.md, "Verdicts")."""
    if not with_period:
        found = achieved.get(key(target))
        return (found, None) if found is not None else (None, nothing_alike(target, loose, key))
    period = kinds.parse_period(target["period"])
    if period.first is None:
        return None, Verdict(None, NOT_COMPARABLE, NO_PERIOD)
    found = achieved.get(key(target))
    if found is None and period.is_span and period.last is not None:
        last = achieved.get(key(target, period=str(period.last)))
        if last is not None and target["counted_kind"] != "share":
            return None, Verdict(last["headline_text"], NOT_COMPARABLE, ONE_YEAR, str(period.last),
                                 last["headline_figures"])
        found = last
    return (found, None) if found is not None else (None, nothing_alike(target, loose, key))


def nothing_alike(target: Row, loose: set[tuple], key: Any) -> Verdict:
    """No result of the target's kind and unit: `not comparable` when one of another kind was reported, else none yet."""
    if key(target, loose=True) in loose:
        return Verdict(None, NOT_COMPARABLE, OTHER_KIND)
    return Verdict(None, NO_RESULT)


def judge_row(target: Row, result: Row, merged: bool) -> Verdict:
    """Each former province's target against its own result (merged units name each when they differ)."""
    flagged = bool(target["outlier"]) or bool(result["outlier"])
    verdicts: dict[str | None, tuple[str, str | None]] = {}
    shown: list[str] = []
    for former, standing in target["_by_former"].items():
        got = result["_by_former"].get(former)
        if got is None:
            verdicts[former] = (NO_RESULT, None)
            continue
        shown.append(got.text if len(target["_by_former"]) == 1 else f"{got.text} ({former})")
        verdicts[former] = judge_standing(standing, got, flagged)
    if not merged or len(set(verdicts.values())) == 1:
        verdict, reason = next(iter(verdicts.values()))
    else:
        verdict = "; ".join(f"{v} ({p})" for p, (v, _) in verdicts.items())
        reason = "; ".join(dict.fromkeys(r for _, r in verdicts.values() if r)) or None
    shown_text = result["headline_text"] if not merged else ("; ".join(shown) or None)
    return Verdict(shown_text, verdict, reason, result.get("period"), result["headline_figures"])


def add_target_results(table: pd.DataFrame, by: list[str], merged: bool) -> pd.DataFrame:
    """Fill `result`, `target_result`, `verdict_reason`, `result_period` and `result_figures` on target rows."""
    table = table.copy()
    columns = [*by, "scope", "unit", "counted_kind", "status", "value", "headline_text", "headline_figures",
               "outlier", "_by_former"]
    records = table[columns].to_dict(orient="records")
    table = table.drop(columns=["_by_former"])
    with_period = "period" in by

    def clean(value: Any) -> Any:
        return None if not isinstance(value, str) and pd.isna(value) else value

    def key(row: Row, period: str | None = None, loose: bool = False) -> tuple:
        keys = [period if c == "period" and period is not None else clean(row[c]) for c in by]
        return (*keys, clean(row["scope"]), *(() if loose else (row["unit"], row["counted_kind"])))

    achieved = {key(row): row for row in records if row["status"] == "achieved"}
    loose = {key(row, loose=True) for row in records if row["status"] == "achieved"}
    out: dict[str, list[Any]] = {name: [] for name in ("result", "target_result", "verdict_reason",
                                                        "result_period", "result_figures")}
    for row in records:
        verdict = judge_target(row, achieved, loose, key, with_period, merged) if row["status"] == "target" else None
        out["result"].append(verdict.shown if verdict else None)
        out["target_result"].append(verdict.verdict if verdict else None)
        out["verdict_reason"].append(verdict.reason if verdict else None)
        out["result_period"].append(verdict.period if verdict else None)
        out["result_figures"].append(verdict.refs if verdict else None)
    for name, values in out.items():
        table[name] = values
    return table


def judge_target(row: Row, achieved: dict[tuple, Row], loose: set[tuple], key: Any, with_period: bool,
                 merged: bool) -> Verdict:
    if row["scope"] == kinds.UNPLACED:
        return Verdict(None, NOT_COMPARABLE, UNPLACED)
    if row["counted_kind"] in kinds.VAGUE_KINDS:
        return Verdict(None, NOT_COMPARABLE, VAGUE_KIND)
    result, verdict = find_result(row, achieved, loose, key, with_period)
    if verdict is not None:
        return verdict
    assert result is not None
    if not merged and (row["value"] is None or result["value"] is None
                       or (isinstance(row["value"], float) and math.isnan(row["value"]))):
        return Verdict(result["headline_text"], NOT_COMPARABLE, NO_HEADLINE, result.get("period"),
                       result["headline_figures"])
    return judge_row(row, result, merged)


def flag_outliers(table: pd.DataFrame, by: list[str], settings: dict[str, float] | None = None) -> list[bool]:
    """Provincial headlines far above what the other provinces report for their metric, counted kind and unit.

    On a log scale, so that 10 and 1,000 are as far apart as 1,000 and 100,000:
    a broker's fee in đồng read as a count of establishments stands decades
    above every province's count. Each row is set against the other provinces
    (each by its largest value, so that one province's many years do not make
    the norm), with a robust median and deviation, so that the wrong value does
    not hide itself by moving them. National rows are not provinces: a
    country's count is meant to be larger.
    """
    settings = settings or kinds.rules()["outliers"]
    values = pd.to_numeric(table["value"], errors="coerce").to_numpy(dtype=float)
    flagged = (table["unit"] == "percent").to_numpy() & (values > settings["share_ceiling"])
    if "province" not in by:
        return flagged.tolist()
    provincial = (table["scope"] == kinds.PROVINCE).to_numpy() & np.isfinite(values) & (values > 0)
    group_columns = [c for c in ("metric",) if c in by] + ["counted_kind", "unit"]
    frame = table.loc[provincial, [*group_columns, "province"]].assign(log=np.log10(values[provincial]))
    for _, group in frame.groupby(group_columns, dropna=False, sort=False):
        tops = group.groupby("province")["log"].max()
        if len(tops) < settings["minimum_provinces"] or len(group) < settings["minimum_rows"]:
            continue
        for index, province, log in zip(group.index, group["province"], group["log"]):
            others = tops.drop(province).to_numpy()
            median = float(np.median(others))
            spread = 1.4826 * float(np.median(np.abs(others - median)))
            flagged[index] = log > median + max(settings["floor_decades"], settings["mad_times"] * spread)
    return flagged.tolist()
