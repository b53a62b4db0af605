"""`solieu report`: one self-contained HTML page over the store.

A monitoring unit opens it from a file share, often offline, so the page
carries everything it needs: the Vega-Lite runtime is inlined (vl-convert's
bundle), there are no external scripts, styles or fonts. Every piece of article
text goes through Jinja's autoescaping, and chart data is JSON with `<`, `>`
and `&` escaped, so an article can never inject markup or script.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import altair as alt
import jinja2
import pandas as pd

from pipeline.nlp import cue_pieces
from pipeline.compare import compare, format_value
from pipeline.store import DEFAULT_DB, document_texts, load_documents, load_figures, plain_records
from pipeline.write import atomic_output

TEMPLATES = Path(__file__).resolve().parent / "templates"
NATIONAL = "National (no province)"
UNIT_SUFFIXES = {"percent": "%", "count": "", "vnd": " đồng", "ratio": ""}
PER_SUFFIXES = {"month": "/month", "quarter": "/quarter", "year": "/year"}
VERDICT_MARKS = {"met": "✓ met", "not met": "✗ not met", "no result": "no result", "unclear": "? unclear"}
# JSON inside <script> must not be able to close the element or open a comment.
SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                             "\u2028": "\\u2028", "\u2029": "\\u2029"})


@dataclass
class Evidence:
    """One figure as the reader checks it: its sentence, with the number marked."""

    anchor: str
    shown: str
    metric: str
    status: str
    period: str | None
    counted: str | None
    locality: str | None
    before: str
    number: str
    after: str

    @property
    def before_pieces(self) -> list[tuple[str, str | None]]:
        """The words before the number, with the cues (goal, result, qualifier, period) spaCy marks."""
        return cue_pieces(self.before)

    @property
    def after_pieces(self) -> list[tuple[str, str | None]]:
        return cue_pieces(self.after)


@dataclass
class SourceDocument:
    doc_id: str
    title: str
    source: str
    href: str | None
    published: str | None
    kind: str | None
    figures: list[Evidence] = field(default_factory=list)


def metric_label(code: str) -> str:
    return code.replace("_vnd", " (VND)").replace("_", " ")


def unit_suffix(unit: str, per: str | None = None) -> str:
    base, _, rate = unit.partition(" per ")
    return UNIT_SUFFIXES.get(base, f" {base}") + PER_SUFFIXES.get(per or rate, f"/{per or rate}" if (per or rate) else "")


def source_href(source: str, output_dir: Path) -> str | None:
    """A web source links to itself; a file links relative to the report; anything else is not a link."""
    parts = urlsplit(source)
    if parts.scheme in ("http", "https") and parts.netloc:
        return source
    if parts.scheme and len(parts.scheme) > 1:  # javascript:, data:, file: ... never become links
        return None
    path = Path(source)
    if not path.is_absolute():
        path = Path.cwd() / path
    if not path.exists():
        return None
    return quote(Path(os.path.relpath(path, output_dir.resolve())).as_posix())


def split_sentence(text: str | None, figure: pd.Series) -> tuple[str, str, str]:
    """The figure's sentence cut around its span, located by offsets in the stored text."""
    start, end, sentence = int(figure["start"]), int(figure["end"]), figure["sentence"] or ""
    if text and sentence:
        at = text.find(sentence, max(0, end - len(sentence)))
        if 0 <= at <= start and end <= at + len(sentence):
            return sentence[: start - at], sentence[start - at : end - at], sentence[end - at :]
    if text:
        left, right = max(0, start - 120), min(len(text), end + 120)
        return "…" + text[left:start], text[start:end], text[end:right] + "…"
    cut = sentence.find(figure["text"])
    if cut >= 0:
        return sentence[:cut], figure["text"], sentence[cut + len(figure["text"]) :]
    return sentence, figure["text"], ""


def evidence_documents(figures: pd.DataFrame, documents: pd.DataFrame, texts: dict[str, str],
                       output_dir: Path) -> dict[str, list[SourceDocument]]:
    """Documents grouped by province (national ones last), each with its figures in text order."""
    by_province: dict[str, list[SourceDocument]] = defaultdict(list)
    for _, doc in documents.iterrows():
        part = figures[figures["doc_id"] == doc["doc_id"]].sort_values("start")
        if part.empty:
            continue
        entry = SourceDocument(
            doc_id=doc["doc_id"], title=doc["title"] or doc["source"], source=doc["source"],
            href=source_href(doc["source"], output_dir), published=doc["published"], kind=doc["kind"],
        )
        for index, figure in part.iterrows():
            before, number, after = split_sentence(texts.get(doc["doc_id"]), figure)
            entry.figures.append(Evidence(
                anchor=f"f{index}",
                shown=format_value(figure["value"], figure["value_high"], figure["qualifier"])
                + ("/" + format_value(figure["denominator"], None, None) if figure["unit"] == "ratio"
                   and not pd.isna(figure["denominator"]) else unit_suffix(figure["unit"], figure["per"])),
                metric=metric_label(figure["metric"]), status=figure["status"], period=figure["period"],
                counted=figure["counted"], locality=figure["locality"],
                before=before, number=number, after=after,
            ))
        by_province[doc["province"] or NATIONAL].append(entry)
    return dict(sorted(by_province.items(), key=lambda item: (item[0] == NATIONAL, item[0])))


def overview(table: pd.DataFrame) -> tuple[list[str], list[str], dict[tuple[str, str], list[dict[str, Any]]]]:
    """Province × metric cells, each a list of (status, period, values, verdict) lines."""
    cells: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in plain_records(table):
        province = row["province"] or NATIONAL
        cells[(province, row["metric"])].append({
            "status": row["status"], "period": row["period"] or "?",
            "values": f"{row['values']}{unit_suffix(row['unit'])}",
            "conflict": bool(row["conflict"]), "verdict": row["target_result"],
        })
    provinces = sorted({p for p, _ in cells}, key=lambda p: (p == NATIONAL, p))
    metrics = sorted({m for _, m in cells})
    return provinces, metrics, dict(cells)


def charts(figures: pd.DataFrame, table: pd.DataFrame) -> list[dict[str, Any]]:
    """Vega-Lite specs: figures per province and metric, and the comparable shares."""
    data = figures.assign(
        province=figures["province"].fillna(NATIONAL), metric=figures["metric"].map(metric_label)
    )[["province", "metric", "status"]]
    heat = alt.Chart(data, title="Figures reported, by province and metric").mark_rect().encode(
        x=alt.X("metric:N", title=None, axis=alt.Axis(labelAngle=-40, labelLimit=200)),
        y=alt.Y("province:N", title=None),
        color=alt.Color("count():Q", title="figures", scale=alt.Scale(scheme="blues")),
        tooltip=["province:N", "metric:N", alt.Tooltip("count():Q", title="figures")],
    ).properties(width=alt.Step(26), height=alt.Step(22))
    shares = table[(table["unit"] == "percent") & table["value"].notna()].assign(
        province=lambda t: t["province"].fillna(NATIONAL), metric=lambda t: t["metric"].map(metric_label)
    )[["province", "metric", "period", "status", "value", "values"]]
    dots = alt.Chart(shares, title="Shares (%) by metric: results and targets").mark_point(
        size=90, filled=True, opacity=0.85
    ).encode(
        x=alt.X("value:Q", title="percent", scale=alt.Scale(domain=[0, 100])),
        y=alt.Y("metric:N", title=None, axis=alt.Axis(labelLimit=220)),
        color=alt.Color("province:N", title="province"),
        shape=alt.Shape("status:N", title="status"),
        tooltip=["province:N", "metric:N", "period:N", "status:N", "values:N"],
    ).properties(width=460)
    specs = [heat.to_dict(), dots.to_dict()] if not shares.empty else [heat.to_dict()]
    for spec in specs:
        spec.pop("$schema", None)
    return specs


def script_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False).translate(SCRIPT_SAFE)


@lru_cache(maxsize=1)
def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one inline script (shipped inside vl-convert)."""
    import vl_convert
    from altair.utils._importers import vl_version_for_vl_convert

    bundle = vl_convert.javascript_bundle(vl_version=vl_version_for_vl_convert())
    if "</script" in bundle.lower():
        raise RuntimeError("the Vega bundle cannot be inlined: it closes its own script element")
    return bundle


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["metric_label"] = metric_label
    env.filters["script_json"] = script_json
    return env


def render_report(db: str | Path, output_dir: Path) -> str:
    """The whole page as a string; links to local sources are relative to `output_dir`."""
    figures = load_figures(db)
    documents = load_documents(db)
    texts = document_texts(db, documents["doc_id"])
    table = compare(figures)
    provinces, metrics, cells = overview(table)
    targets = table[table["status"] == "target"]["target_result"].value_counts().to_dict()
    return environment().get_template("report.html.j2").render(
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        store=str(db),
        versions=sorted(set(documents["extractor_version"])),
        counts={
            "documents": len(documents), "figures": len(figures),
            "provinces": figures["province"].dropna().nunique(),
            "conflicts": int(table["conflict"].sum()),
        },
        targets=targets,
        verdict_marks=VERDICT_MARKS,
        provinces=provinces, metrics=metrics, cells=cells,
        table=plain_records(table),
        unit_suffix=unit_suffix,
        charts=charts(figures, table) if len(figures) else [],
        vega_bundle=vega_bundle() if len(figures) else "",
        evidence=evidence_documents(figures, documents, texts, output_dir),
    )


def write_report(db: str | Path = DEFAULT_DB, output: str | Path = "report.html") -> None:
    target = Path(output)
    page = render_report(db, target.parent if str(target.parent) else Path("."))
    with atomic_output(target) as out:
        out.write(page)
