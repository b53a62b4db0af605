"""Which period and which province: learned choices among the candidates the rules find.

The period rules try one source after another (the figure's own clause, a date for
a count of the situation, the last framing statement, the document's period, the
publication year) and stop at the first. Which source is right depends on the
kind of document and of figure in ways a fixed order gets wrong (a supervision
report over several years, `năm qua` early in a year, the latest year mentioned).
Here every source proposes its period, each distinct period is described by which
sources propose it and how it sits against the document's years, and a ranker
trained on real documents picks one. The spec's constraint holds by construction:
the answer is always a period the text states or the rules derive, or none.

The document's province is chosen the same way among the provinces its text,
title and address name (or none, for a national text), each described by its
evidence: rank and share of the rules' weighted score, prefixed and early
mentions, the address. Provinces are the canonical names of `provinces.csv`,
because the candidates come from the places stage's own tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from solieu.extractors import periods, places
from solieu.pipeline.records import Document, Figure, Sentence

NONE = "<none>"
Blocks = dict[str, list[str]]


@dataclass
class Option:
    """One candidate answer and the features that describe it (for the ranker)."""

    label: str | None
    features: list[str]


# --- period ------------------------------------------------------------------------------------

def period_options(figure: Figure, analysed: periods.DocumentPeriods, kind: str) -> list[Option]:
    """Every period a source proposes for the figure, with the sources that propose it."""
    status = figure.status or "achieved"
    context = analysed.context
    sources: dict[str | None, list[str]] = {}

    def propose(span: periods.Span | None, source: str) -> None:
        label = span.label() if span is not None else None
        sources.setdefault(label, []).append(source)

    rule = periods.figure_span(figure, analysed, kind)
    propose(rule, "rule")
    start, end = periods.figure_clause(figure)
    own = [e for e in analysed.expressions if start <= e.start and e.end <= end]
    for expression in own:
        side = "before" if expression.end <= figure.start else "after"
        propose(periods.resolve(expression, context, status), f"own_{side}:{expression.kind}")
    sentence = [e for e in analysed.expressions
                if figure.sentence_start <= e.start and e.end <= figure.start and (start > e.start)]
    for expression in sentence[-2:]:
        propose(periods.resolve(expression, context, status), f"sentence:{expression.kind}")
    frames = [e for e in analysed.expressions if e.end <= start and periods.is_frame(analysed.text, e, analysed.bounds)]
    for rank, expression in enumerate(reversed(frames[-3:])):
        propose(periods.resolve(expression, context, status), f"frame{rank}:{expression.kind}")
    propose(context.document, "document")
    if analysed.publication_year is not None:
        year = analysed.publication_year
        propose(periods.Span(year, year), "publication")
        propose(periods.Span(year - 1, year - 1), "publication_before")
    propose(None, "none")
    latest = max((y for e in analysed.expressions if e.kind in periods.EXPLICIT_KINDS for y in e.explicit_years()),
                 default=None)
    situation = periods.is_situation(figure, analysed.text[start:end])
    common = [f"K:{kind}", f"S:{status}", f"SIT:{situation}", f"PUB:{analysed.publication_year is not None}"]
    options = []
    for label, proposed in sources.items():
        shape = _period_shape(label, latest, analysed.publication_year)
        described = [f"SRC:{s}" for s in proposed] + [f"SRCK:{s.split(':')[0]}" for s in proposed]
        described += [f"N:{min(len(proposed), 4)}"] + shape + common
        described += [f"{c}&{s.split(':')[0]}" for c in common[:3] for s in proposed]
        described.append(f"{shape[0]}&{common[1]}")
        options.append(Option(label, described))
    return options


def _period_shape(label: str | None, latest: int | None, published: int | None) -> list[str]:
    """How a period sits: one year, a span or open; the latest year stated; before or after publication."""
    if label is None:
        return ["SHAPE:none"]
    first, dash, last = label.partition("-")
    shape = "single" if not dash else ("open" if not last else "range")
    end = int(last) if last else int(first)
    features = [f"SHAPE:{shape}", f"LATEST:{latest is not None and end == latest}"]
    if published is not None:
        features.append(f"VSPUB:{'after' if end > published else 'same' if end == published else 'before'}")
        if shape == "range":
            features.append(f"SPAN:{min(end - int(first), 6)}")
    return features


def choose_periods(figures: Sequence[Figure], doc: Document, sentences: list[Sentence], kind: str,
                   model: object) -> None:
    """Set each figure's period to the candidate the ranker scores highest."""
    if not figures:
        return
    analysed = periods.analyse(doc, sentences)
    for figure in figures:
        options = period_options(figure, analysed, kind)
        figure.period = best(model, options)


# --- province ----------------------------------------------------------------------------------

def province_options(doc: Document) -> list[Option]:
    """The provinces the document names (and none), each with its evidence."""
    scores = places.document_scores(doc)
    rule = places.document_province(doc)
    body = doc.text[: places.body_end(doc.text)]
    national = any(marker in body for marker in places.rules()["national_markers"])
    mentions = places.province_mentions(body)
    in_url = set(places.url_provinces(doc.source or ""))
    total = sum(scores.values()) or 1.0
    ranked = [name for name, _ in scores.most_common()]
    common = [f"NAT:{national}", f"NPROV:{min(len(ranked), 4)}"]
    options = [Option(None, ["NONE", f"RULE:{rule is None}", *common, f"NONE&NAT:{national}"])]
    for rank, name in enumerate(ranked[:6]):
        own = [m for m in mentions if m.province == name]
        share = scores[name] / total
        features = [f"RANK:{min(rank, 3)}", f"SHARE:{round(share * 5) / 5}", f"RULE:{name == rule}",
                    f"URL:{name in in_url}", f"PREFIXED:{any(m.prefixed for m in own)}",
                    f"EARLY:{any(m.start < 300 for m in own)}", f"COUNT:{min(len(own), 5)}",
                    f"RANK&NAT:{min(rank, 3)}&{national}", f"RULE&NAT:{name == rule}&{national}", *common]
        options.append(Option(name, features))
    return options


def choose_province(figures: Sequence[Figure], doc: Document, model: object) -> None:
    """The document's province by the ranker; each figure's own sentence may still name another."""
    if not figures:
        return
    default = best(model, province_options(doc))
    for figure in figures:
        figure.province = places.sentence_province(figure.sentence, default)
        figure.province_2025 = places.province_2025(figure.province)
        figure.locality = places.sentence_locality(figure.sentence, figure.province)


# --- ranking -----------------------------------------------------------------------------------

def option_blocks(option: Option) -> Blocks:
    return {"option": option.features}


def best(model: object, options: list[Option]) -> str | None:
    """The option the model finds most likely to be right (the first on a tie: the rule's order)."""
    probabilities = model.predict_proba([option_blocks(o) for o in options])  # type: ignore[attr-defined]
    column = list(model.classes).index("right")  # type: ignore[attr-defined]
    scores = probabilities[:, column]
    return options[int(scores.argmax())].label
