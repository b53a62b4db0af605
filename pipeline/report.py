"""`solieu report`: one self-contained HTML page over a store or a figures file.

A monitoring unit opens it from a file share, often offline, so the page
carries everything it needs: no external scripts, styles, fonts or chart
runtime (the charts are drawn as SVG by the page's own script), and its
Content-Security-Policy forbids any request. The data travels as one JSON
block and the page builds its elements with `textContent`, never from markup
in the data, so an article can never inject markup or script; the JSON block
escapes `<`, `>` and `&` so it cannot close its own element.

The page is built from data, not from one element per figure in the HTML, so
that 10,000 figures stay a page a browser opens in a second: the evidence of a
cell is drawn when the reader asks for it. Every number shown comes from
`pipeline.compare.compare`, the function behind `solieu compare`, so the page,
the CSV and the notebook show the same headline values.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
import pandas as pd

from solieu.extractors.lexicon import pack, taxonomy
from solieu.pipeline import kinds
from solieu.pipeline.compare import MET, NO_RESULT, NOT_COMPARABLE, NOT_MET, comparable, compare, figure_ref
from solieu.pipeline.verdicts import REASONS
from solieu.pipeline.display import LANGUAGES, format_money, format_number, metric_description, metric_name, vi_key
from solieu.pipeline.store import DEFAULT_DB, FILE_SUFFIXES, document_texts, load_documents, load_figures
from solieu.pipeline.write import atomic_output

TEMPLATES = Path(__file__).resolve().parent / "templates"
LABELS = TEMPLATES / "labels.json"
POSITIONS = TEMPLATES / "province_positions.csv"
# JSON inside <script> must not be able to close the element or open a comment.
SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                             "\u2028": "\\u2028", "\u2029": "\\u2029"})
VERDICT_KEYS = {MET: "met", NOT_MET: "not_met", NO_RESULT: "no_result", NOT_COMPARABLE: "not_comparable"}


@lru_cache(maxsize=2)
def labels(lang: str) -> dict[str, str]:
    """The page's words in `lang`; its title and subtitle name the active domain pack's programme."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r} (one of {', '.join(LANGUAGES)})")
    with LABELS.open(encoding="utf-8") as handle:
        words = json.load(handle)[lang]
    programme = pack()["programme"][lang]
    return {**words, "title": words["title"].format(programme=programme),
            "subtitle": words["subtitle"].format(programme=programme)}


@lru_cache(maxsize=1)
def taxonomy_order() -> dict[str, int]:
    """Metrics in the order of the taxonomy, which groups related ones (awareness, enforcement, situation)."""
    return {code: rank for rank, code in enumerate(taxonomy()["metrics"])}


def source_href(source: str | None) -> str | None:
    """Only web sources become links: a file path means nothing on another machine, `javascript:` is never a link."""
    if not source:
        return None
    parts = urlsplit(source.strip())
    if parts.scheme in ("http", "https") and parts.netloc:
        return source.strip()
    return None


def shown_value(value: float | None, high: float | None, qualifier: str | None, unit: str,
                per: str | None, lang: str, denominator: float | None = None) -> str:
    """A value as a Vietnamese (or English) reader writes it: `trên 70%`, `135,8 triệu đồng`, `180/240`."""
    if value is None or pd.isna(value):
        return ""
    words = labels(lang)
    base, _, rate = unit.partition(" per ")
    number = format_money if base == "vnd" else format_number
    text = number(value, lang)
    if high is not None and not pd.isna(high):
        text = f"{text}–{number(high, lang)}"
    if base == "ratio" and denominator is not None and not pd.isna(denominator):
        text = f"{text}/{format_number(denominator, lang)}"
    suffix = words.get(f"unit_{base}", f" {base}")
    if suffix == "%":
        text = f"{text}%"  # as the articles write it, in both languages
    elif suffix:
        text = f"{text} {suffix}"
    period = per or rate
    if period:
        text += words.get(f"per_{period}", f"/{period}")
    sign = words.get(f"qualifier_{qualifier or 'exact'}", qualifier or "")
    return f"{sign} {text}" if sign else text


@dataclass
class Located:
    """A figure's sentence and where its span sits in it."""

    sentence: str
    start: int
    end: int


def locate_in_text(text: str, sentence: str, start: int, end: int) -> Located | None:
    """The sentence found in the stored document text around the figure's own offsets."""
    if not sentence:
        return None
    at = text.find(sentence, max(0, end - len(sentence)))
    if 0 <= at <= start and end <= at + len(sentence):
        return Located(sentence, start - at, end - at)
    return None


def locate_in_sentences(part: list[tuple[int, dict[str, Any]]]) -> dict[int, Located]:
    """Without the document text: the offset of a sentence is the one that puts every figure of it on its span.

    Figures of one sentence share one shift (document offset − sentence offset);
    the shift is the one under which each figure's `text` sits at its place, so
    a number written twice in the sentence is still marked where it was found.
    """
    by_sentence: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for index, figure in part:
        by_sentence[figure["sentence"] if isinstance(figure["sentence"], str) else ""].append((index, figure))
    found: dict[int, Located] = {}
    for sentence, group in by_sentence.items():
        first = group[0][1]
        candidates = [int(first["start"]) - at for at in occurrences(sentence, first["text"])]
        shift = next((s for s in candidates if all(
            sentence[int(f["start"]) - s:int(f["end"]) - s] == f["text"] for _, f in group)), None)
        for index, figure in group:
            if shift is not None:
                found[index] = Located(sentence, int(figure["start"]) - shift, int(figure["end"]) - shift)
            else:
                found[index] = Located(figure["text"], 0, len(figure["text"]))
    return found


def occurrences(haystack: str, needle: str) -> list[int]:
    out, at = [], haystack.find(needle) if needle else -1
    while at >= 0:
        out.append(at)
        at = haystack.find(needle, at + 1)
    return out


def locate_all(records: list[dict[str, Any]], texts: dict[str, str]) -> dict[int, Located]:
    """Every figure's sentence and span: from the stored text when there is one, else from the sentences."""
    located: dict[int, Located] = {}
    by_document: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for index, figure in enumerate(records):
        by_document[figure["doc_id"]].append((index, figure))
    for doc_id, part in by_document.items():
        text = texts.get(doc_id)
        missing = []
        for index, figure in part:
            start, end = int(figure["start"]), int(figure["end"])
            spot = locate_in_text(text, figure["sentence"] or "", start, end) if text else None
            if spot is None and text:
                left, right = max(0, start - 120), min(len(text), end + 120)
                spot = Located(text[left:right], start - left, end - left)
            if spot is None:
                missing.append((index, figure))
            else:
                located[index] = spot
        if missing:
            located.update(locate_in_sentences(missing))
    return located


def period_end(period: str | None) -> int:
    """The last year a period covers (`2016-2020` → 2020); unknown periods sort first."""
    years = [int(part) for part in (period or "").split("-") if part.isdigit()]
    return max(years) if years else -1


def link_results(cells: list[dict[str, Any]], keys: list[tuple], result_periods: list[str | None]) -> None:
    """Point each target cell at the result cell its verdict stands on, and at the latest result of another period.

    The verdict and the period of its result come from `compare` (the CSV's
    `target_result` and `result_period`), so the page never judges on its own;
    the latest result of another period of the same kind and unit is shown
    beside it for reference, without a verdict.
    """
    achieved = {key[:5]: number for number, key in enumerate(keys) if key[5] == "achieved"}
    latest: dict[tuple, list[int]] = defaultdict(list)
    for number, key in enumerate(keys):
        if key[5] == "achieved":
            latest[(key[0], key[1], key[3], key[4])].append(number)
    for numbers in latest.values():
        numbers.sort(key=lambda n: -period_end(keys[n][2]))
    for cell, key, result_period in zip(cells, keys, result_periods):
        cell["other_result"] = None
        if key[5] != "target":
            continue
        if result_period is not None:
            cell["result_cell"] = achieved.get((key[0], key[1], result_period, key[3], key[4]))
        shown = {key[2], result_period}
        cell["other_result"] = next(
            (n for n in latest.get((key[0], key[1], key[3], key[4]), []) if keys[n][2] not in shown), None)


def cue_ranges(sentence: str) -> list[list[Any]]:
    """Goal, result, qualifier and period words of a sentence (spaCy SpanRuler, `pipeline.nlp`)."""
    from solieu.pipeline.nlp import cue_pieces

    ranges, cursor = [], 0
    for piece, cue in cue_pieces(sentence):
        if cue:
            ranges.append([cursor, cursor + len(piece), cue])
        cursor += len(piece)
    return ranges


def documents_frame(figures: pd.DataFrame, documents: pd.DataFrame | None) -> pd.DataFrame:
    """The documents of the figures: the store's table, or what a figures file tells of them."""
    if documents is not None:
        return documents.set_index("doc_id", drop=False)
    first = figures.drop_duplicates("doc_id").set_index("doc_id", drop=False)
    return pd.DataFrame({
        "doc_id": first["doc_id"], "source": first["source"],
        "title": first["title"] if "title" in first else None,
        "published": first["published"] if "published" in first else None,
        "kind": first["kind"] if "kind" in first else None,
    })


def date_text(value: Any, lang: str) -> str | None:
    """A publication date as its readers write it: 10/07/2017 in Vietnamese, 2017-07-10 in English."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y") if lang == "vi" else value.strftime("%Y-%m-%d")
    return str(value)


def text_or_none(value: Any) -> str | None:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


@dataclass
class Axes:
    """The page's places (provinces in Vietnamese order, then national, then unplaced) and metrics (taxonomy order)."""

    provinces: list[str]
    province_index: dict[str | None, int]
    metrics: list[str]
    metric_index: dict[str, int]
    placed: int  # how many of `provinces` are provinces


def place_key(province: Any, scope: Any) -> str:
    """A cell's place: its province, or the scope of a figure without one (`national`, `unknown`)."""
    return province if scope == kinds.PROVINCE and isinstance(province, str) else str(scope)


def axes(table: pd.DataFrame, words: dict[str, str]) -> Axes:
    provinces = sorted({p for p, s in zip(table["province"], table["scope"])
                        if s == kinds.PROVINCE and isinstance(p, str)}, key=vi_key)
    province_index: dict[str | None, int] = {name: i for i, name in enumerate(provinces)}
    placed = len(provinces)
    for scope, label in ((kinds.NATIONAL, "national"), (kinds.UNPLACED, "unplaced")):
        if (table["scope"] == scope).any():
            province_index[scope] = len(provinces)
            provinces.append(words[label])
    order = taxonomy_order()
    metrics = sorted(set(table["metric"]), key=lambda code: (order.get(code, len(order)), code))
    return Axes(provinces, province_index, metrics, {code: i for i, code in enumerate(metrics)}, placed)


def build_cells(table: pd.DataFrame, records: list[dict[str, Any]], grid: Axes,
                lang: str) -> tuple[list[dict[str, Any]], list[int]]:
    """One cell per comparison row, its figures headline first; and the cell of every figure."""
    words = labels(lang)
    figure_index: dict[str, list[int]] = defaultdict(list)  # a figures file may repeat a record
    for i, r in enumerate(records):
        figure_index[figure_ref(r["doc_id"], r["start"], r["end"])].append(i)
    cells, keys, figure_cell = [], [], [0] * len(records)
    result_periods: list[str | None] = []
    for number, row in enumerate(table.to_dict(orient="records")):
        members = [i for ref in dict.fromkeys(row["figures"].split("; ")) for i in figure_index[ref]]
        heads = len(row["headline_figures"].split("; "))
        for member in members:
            figure_cell[member] = number
        province = place_key(row["province"], row["scope"])
        period = text_or_none(row["period"])
        value = None if row["value"] is None or pd.isna(row["value"]) else float(row["value"])
        head = records[members[0]]
        headline = (shown_value(value, head["cmp_high"], head["qualifier"], row["unit"], None, lang) if heads == 1
                    else shown_value(value, None, None, row["unit"], None, lang))
        cells.append({
            "p": grid.province_index[province], "m": grid.metric_index[row["metric"]], "period": period,
            "status": row["status"], "unit": row["unit"], "kind": row["counted_kind"], "value": value,
            "text": headline if value is not None else "",
            "rule": words.get(f"rule_{row['rule']}", row["rule"]),
            "values": list(dict.fromkeys(
                shown_value(records[i]["cmp_value"], records[i]["cmp_high"], records[i]["qualifier"],
                            row["unit"], None, lang) for i in members)),
            "conflict": bool(row["conflict"]), "figs": members, "heads": heads, "docs": int(row["documents"]),
            "verdict": VERDICT_KEYS.get(row["target_result"]) if row["target_result"] else None,
            "reason": text_or_none(row["verdict_reason"]), "outlier": bool(row["outlier"]),
            "result": None, "result_cell": None,
        })
        keys.append((province, row["metric"], period, row["unit"], row["counted_kind"], row["status"]))
        result_periods.append(text_or_none(row["result_period"]))
    link_results(cells, keys, result_periods)
    return cells, figure_cell


@dataclass
class FigureTable:
    """Figures as arrays (FIGURE_COLUMNS in the page's script), with the strings they share kept once."""

    rows: list[list[Any]]
    sentences: list[str]
    extractors: list[str | None]
    documents: list[str]  # doc_ids in the order the rows point at them


def figure_table(records: list[dict[str, Any]], texts: dict[str, str], figure_cell: list[int],
                 grid: Axes, lang: str) -> FigureTable:
    located = locate_all(records, texts)
    sentence_index: dict[str, int] = {}
    doc_order = {doc_id: i for i, doc_id in enumerate(dict.fromkeys(r["doc_id"] for r in records))}
    extractors: dict[str | None, int] = {}
    rows = []
    for i, figure in enumerate(records):
        spot = located[i]
        rows.append([
            doc_order[figure["doc_id"]], sentence_index.setdefault(spot.sentence, len(sentence_index)),
            spot.start, spot.end,
            shown_value(figure["value"], figure["value_high"], figure["qualifier"], figure["unit"],
                        figure["per"], lang, figure["denominator"]),
            text_or_none(figure["counted"]), text_or_none(figure["period"]), figure["status"],
            None if pd.isna(figure["confidence"]) else round(float(figure["confidence"]), 2),
            extractors.setdefault(text_or_none(figure["extractor"]), len(extractors)),
            figure_cell[i], grid.metric_index[figure["metric"]],
            text_or_none(figure["locality"]),
        ])
    return FigureTable(rows, list(sentence_index), list(extractors), list(doc_order))


def document_rows(doc_ids: list[str], docs: pd.DataFrame, lang: str) -> list[list[str | None]]:
    """[title, source, link (web sources only), publication date, kind] of each document."""
    words = labels(lang)
    rows = []
    for doc_id in doc_ids:
        doc = docs.loc[doc_id] if doc_id in docs.index else None
        if doc is None:
            rows.append([None, None, None, None, None])
            continue
        source, kind = text_or_none(doc["source"]), text_or_none(doc["kind"])
        rows.append([text_or_none(doc["title"]), source, source_href(source), date_text(doc["published"], lang),
                     words.get(f"kind_{kind}", kind) if kind else None])
    return rows


def page_data(figures: pd.DataFrame, documents: pd.DataFrame | None, texts: dict[str, str],
              lang: str, cues: bool = True) -> dict[str, Any]:
    """Everything the page shows, as compact JSON: provinces, metrics, cells, figures, sentences, documents."""
    words = labels(lang)
    figures = figures.reset_index(drop=True)
    table = compare(figures)
    grid = axes(table, words)
    records = figure_records(figures)
    cells, figure_cell = build_cells(table, records, grid, lang)
    found = figure_table(records, texts, figure_cell, grid, lang)
    rules = sorted({c["rule"] for c in cells})
    units = sorted({c["unit"] for c in cells})
    kind_codes = sorted({c["kind"] for c in cells})
    return {
        "labels": dict(words),
        "provinces": grid.provinces,
        "placed": grid.placed,
        "national": grid.province_index.get(kinds.NATIONAL, -1),
        "unplaced": grid.province_index.get(kinds.UNPLACED, -1),
        "kinds": [{"code": code, "name": words.get(f"counts_{code}", code)} for code in kind_codes],
        "reasons": [words.get(f"reason_{reason}", reason) for reason in REASONS],
        "map": province_map(),
        "metrics": [{"code": code, "name": metric_name(code, lang), "description": metric_description(code, lang)}
                    for code in grid.metrics],
        "periods": sorted({c["period"] for c in cells if c["period"]}, reverse=True),
        "rules": rules,
        "units": units,
        "cells": [packed(cell, rules, units, kind_codes) for cell in cells],
        "figures": found.rows,
        "extractors": found.extractors,
        "sentences": found.sentences,
        "cues": [cue_ranges(s) for s in found.sentences] if cues else [],
        "documents": document_rows(found.documents, documents_frame(figures, documents), lang),
    }


# The figure fields the page reads; the rest of a store's columns is not turned into dicts.
RECORD_FIELDS: tuple[str, ...] = (
    "doc_id", "start", "end", "text", "sentence", "value", "value_high", "denominator", "unit", "per",
    "qualifier", "counted", "period", "status", "confidence", "extractor", "metric", "locality",
)


def figure_records(figures: pd.DataFrame) -> list[dict[str, Any]]:
    """Each figure as a dict of the fields the page reads, ratios as percents as the table holds them.

    Built from each column's plain values (`tolist`): `to_dict` on every column
    boxed each cell on its own (0.25 s of a 1.7 s page of 28,331 figures; 0.06 s so).
    """
    frame = comparable(figures[[c for c in RECORD_FIELDS if c in figures.columns]])
    names = list(frame.columns)
    return [dict(zip(names, row)) for row in zip(*(frame[name].tolist() for name in names))]


CELL_COLUMNS: tuple[str, ...] = ("p", "m", "period", "status", "unit", "value", "text", "rule", "values",
                                 "conflict", "figs", "heads", "docs", "verdict", "result_cell", "other_result",
                                 "kind", "outlier", "reason")


def packed(cell: dict[str, Any], rules: list[str], units: list[str], kind_codes: list[str]) -> list[Any]:
    """A cell as an array in CELL_COLUMNS order (the page unpacks it): 60,000 cells must stay small."""
    out = dict(cell)
    out["rule"] = rules.index(cell["rule"])
    out["unit"] = units.index(cell["unit"])
    out["kind"] = kind_codes.index(cell["kind"])
    out["outlier"] = int(cell["outlier"])
    out["reason"] = REASONS.index(cell["reason"]) if cell["reason"] in REASONS else None
    out["value"] = None if cell["value"] is None else round(cell["value"], 4)
    out["conflict"] = int(cell["conflict"])
    out["values"] = [] if cell["values"] == [cell["text"]] else cell["values"]
    return [out[name] for name in CELL_COLUMNS]


@lru_cache(maxsize=1)
def province_map() -> dict[str, Any]:
    """Where each province sits (its centre), before the 2025 merger and after, and which unit each joined."""
    with POSITIONS.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    eras: dict[str, list[list[Any]]] = defaultdict(list)
    for row in rows:
        eras[row["era"]].append([row["province"], float(row["lat"]), float(row["lon"])])
    from solieu.pipeline.compare import province_2025_map

    return {"before": eras["2024"], "after": eras["2025"], "merger": province_2025_map()}


def script_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).translate(SCRIPT_SAFE)


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["script_json"] = script_json
    env.filters["number"] = format_number
    return env


def load_inputs(source: str | Path) -> tuple[pd.DataFrame, pd.DataFrame | None, dict[str, str], list[str]]:
    """Figures, documents, document texts and extractor versions from a store or a figures file."""
    path = Path(source)
    if path.suffix.lower() in FILE_SUFFIXES:
        return load_figures(path), None, {}, []
    figures = load_figures(path)
    documents = load_documents(path)
    texts = document_texts(path, documents["doc_id"])
    return figures, documents, texts, sorted(set(documents["extractor_version"]))


def render_report(source: str | Path, lang: str = "vi", cues: bool = True) -> str:
    """The whole page as a string, from a store or a figures file (.jsonl, .csv, .parquet)."""
    figures, documents, texts, versions = load_inputs(source)
    data = page_data(figures, documents, texts, lang, cues)
    words = data["labels"]
    column = {name: i for i, name in enumerate(CELL_COLUMNS)}
    cells = data["cells"]
    verdicts: dict[str, int] = defaultdict(int)
    for cell in cells:
        if cell[column["verdict"]]:
            verdicts[cell[column["verdict"]]] += 1
    placed = data["placed"]
    return environment().get_template("report.html.j2").render(
        words=words, lang=lang,
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        store=str(source), versions=versions,
        counts={
            "documents": len(documents) if documents is not None else len(data["documents"]),
            "figures": len(data["figures"]),
            "provinces": len({c[column["p"]] for c in cells if c[column["p"]] < placed}),
            "conflicts": sum(1 for c in cells if c[column["conflict"]]),
        },
        verdicts=[(key, verdicts[key]) for key in VERDICT_KEYS.values() if verdicts.get(key)],
        data=data,
    )


def write_report(source: str | Path = DEFAULT_DB, output: str | Path = "report.html", lang: str = "vi") -> int:
    """Write the page atomically (an interrupted run leaves the previous page); its size in bytes."""
    page = render_report(source, lang)
    with atomic_output(Path(output)) as out:
        out.write(page)
    return len(page.encode("utf-8"))
