"""The training corpus of the active domain pack: gold-format documents by origin, and examples built from them.

The pack (`corpora/domains/<name>/pack.json`) names its gold files (each with
its `origin`, whether its texts are as published, and its weight) and its
hand-made corpus. For the default pack:

- `seeds`, `real-dev`, `real-dev2` and, where they are here, `collected` (`gold/`) and
  `police-2017` (read from `../shared/gold/`, never copied in): hand-annotated gold of
  published articles;
- `handmade`: `training/handmade/*.txt`, sentences and short reports the
  project wrote to cover every metric and both statuses, in a light markup
  (`## doc: hm-0001 | kind: report | province: Hà Tĩnh | published: 2022-12-15`
  headers, figures marked `[[span|metric|status]]`), converted here to
  `training/handmade.jsonl`;
- `weak`: figures of un-annotated documents (the pack's `weak_inputs`) on which
  the lexicon rules are confident (`training/weak.jsonl`);
- `review`: figures corrected by people in a review sheet (`training/review.jsonl`).

Every document and every figure carries its `origin`, so hand-made rows and weak
labels are never confused. Features are computed from the pipeline's own view
of the text (sentences, tokens, counted noun), never from gold `counted`, so a
model sees at training exactly what it sees at run time. Paths are the active
pack's, fixed for the process (`--domain`).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solieu.extractors import counted, numbers
from solieu.extractors.learned.features import FigureInDocument, locate
from solieu.extractors.lexicon import CORPORA, domain_dir, pack, pack_path, taxonomy
from solieu.pipeline import segment
from solieu.pipeline.records import Document, Figure, Quantity, Sentence

TRAINING = pack_path("training")
_HANDMADE = pack().get("handmade", {})  # the pack declares its hand-made corpus: where it is, what it becomes
HANDMADE_DIR = (domain_dir() / _HANDMADE.get("folder", "training/handmade")).resolve()
HANDMADE_JSONL = (domain_dir() / _HANDMADE.get("converted", "training/handmade.jsonl")).resolve()
WEAK_JSONL = TRAINING / "weak.jsonl"
REVIEW_JSONL = TRAINING / "review.jsonl"
REVIEW_ORIGIN, WEAK_ORIGIN, HANDMADE_ORIGIN = "review", "weak", "handmade"
# People's corrections weigh double, the rules' own confident answers half.
ENGINE_WEIGHTS = {REVIEW_ORIGIN: 2.0, WEAK_ORIGIN: 0.5}
STATUSES = tuple(taxonomy()["statuses"])
KINDS = ("news", "plan", "report")

GoldDoc = dict[str, Any]

_HEADER = re.compile(r"^##\s*doc\s*:(?P<fields>.*)$")
_MARK = re.compile(r"\[\[(?P<span>[^\[\]|]+)\|(?P<metric>[^\[\]|]+)\|(?P<status>[^\[\]|]+)\]\]")


class CorpusError(ValueError):
    """A corpus line that cannot be used; the message names the file, line and reason."""


def metric_codes() -> tuple[str, ...]:
    """The pack's taxonomy codes (`taxonomy.json`): the labels a corpus row may carry."""
    return tuple(taxonomy()["metrics"])


@dataclass(frozen=True)
class GoldSource:
    """One gold file of the pack: its origin, whether its texts are as published, its weight."""

    origin: str
    path: Path
    published_text: bool
    weight: float


def gold_sources() -> list[GoldSource]:
    """The pack's gold files that are here: an optional one that is absent is left out (`skipped_sources`)."""
    return [source for source, reason in _declared_sources() if reason is None]


def skipped_sources() -> list[tuple[str, str]]:
    """(origin, one-line reason) of each optional gold file the pack names that this checkout lacks."""
    return [(source.origin, reason) for source, reason in _declared_sources() if reason is not None]


def _declared_sources() -> list[tuple[GoldSource, str | None]]:
    declared = []
    for entry in pack().get("gold", []):
        base = CORPORA.parent if entry.get("relative_to") == "checkout" else domain_dir()
        source = GoldSource(entry["origin"], (base / entry["file"]).resolve(), bool(entry.get("published_text")),
                            float(entry.get("weight", 1.0)))
        absent = entry.get("optional") and not source.path.is_file()
        declared.append((source, f"{source.path}: {entry.get('missing', 'not found')}" if absent else None))
    return declared


def sealed_path() -> Path | None:
    """The sealed part of the collected articles (never trained on), when the pack names one."""
    name = pack().get("sealed")
    return (domain_dir() / name).resolve() if name else None


def origin_weights() -> dict[str, float]:
    """How much one figure of each origin counts when fitting."""
    handmade = pack().get("handmade", {})
    return {**{source.origin: source.weight for source in gold_sources()},
            HANDMADE_ORIGIN: float(handmade.get("weight", 1.0)), **ENGINE_WEIGHTS}


def scored_origins() -> tuple[str, ...]:
    """Origins whose gold is complete enough to be scored (weak labels never are)."""
    return tuple(source.origin for source in gold_sources()) + (HANDMADE_ORIGIN, REVIEW_ORIGIN)


def published_origins() -> tuple[str, ...]:
    """Texts as they are published (and people's corrections of them): what thresholds are chosen on."""
    return tuple(source.origin for source in gold_sources() if source.published_text) + (REVIEW_ORIGIN,)


def read_annotated() -> list[GoldDoc]:
    """Every gold file of the pack, in the pack's order."""
    return [doc for source in gold_sources() for doc in read_gold(source.path, source.origin)]


# --- hand-made markup ------------------------------------------------------------------------

def read_handmade(folder: Path = HANDMADE_DIR) -> tuple[list[GoldDoc], list[str]]:
    """Every hand-made document of the folder, and one error line per unusable document."""
    docs: list[GoldDoc] = []
    errors: list[str] = []
    for path in sorted(folder.glob("*.txt")):
        source = path.relative_to(CORPORA.parent).as_posix() if path.is_relative_to(CORPORA.parent) else str(path)
        for item in parse_handmade(path.read_text(encoding="utf-8-sig"), source):
            if isinstance(item, str):
                errors.append(item)
            else:
                errors.extend(_figure_problems(item))
                docs.append(item)
    return docs, errors


def parse_handmade(markup: str, source: str) -> Iterator[GoldDoc | str]:
    """Gold documents of one markup file; a broken document yields its error line instead."""
    header: tuple[int, str] | None = None
    body: list[str] = []
    for number, line in enumerate(markup.splitlines(), start=1):
        match = _HEADER.match(line)
        if match:
            if header is not None:
                yield _document_or_error(header, body, source)
            header, body = (number, match.group("fields")), []
        elif header is not None:
            body.append(line)
        elif line.strip():
            yield f"{source}:{number}: text before the first '## doc:' header"
    if header is not None:
        yield _document_or_error(header, body, source)


def _document_or_error(header: tuple[int, str], body: list[str], source: str) -> GoldDoc | str:
    line, fields = header
    try:
        return handmade_document(fields, "\n".join(body).strip("\n"), source)
    except CorpusError as error:
        return f"{source}:{line}: {error}"


def _figure_problems(doc: GoldDoc) -> list[str]:
    """Unusable marks of a converted document: each costs its own figure, not the document."""
    return [f"{doc['source']} ({doc['doc_id']}): {problem}" for problem in doc.pop("problems", [])]


def handmade_document(fields: str, body: str, source: str) -> GoldDoc:
    """One `## doc:` block in gold format: markup removed, figures normalised by the number grammar."""
    meta = _header_fields(fields)
    text, marks = _strip_marks(body)
    if not text.strip():
        raise CorpusError("document has no text")
    kind = meta.get("kind")
    if kind not in KINDS:
        raise CorpusError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    doc = Document(meta["doc"], source, text, published=meta.get("published"), kind=kind)
    sentences = segment.split_sentences(text)
    figures, problems = [], []
    for mark in marks:
        try:
            figures.append(gold_figure(doc, sentences, *mark))
        except CorpusError as error:
            problems.append(str(error))
    return {
        "doc_id": doc.doc_id, "source": source, "text": text, "kind": kind,
        "province": meta.get("province"), "published": meta.get("published"),
        "origin": "handmade", "figures": figures, "problems": problems,
    }


def _header_fields(fields: str) -> dict[str, str | None]:
    meta: dict[str, str | None] = {}
    for index, part in enumerate(fields.split("|")):
        key, _, value = part.partition(":") if index else ("doc", "", part)
        value = value.strip()
        meta[key.strip()] = None if value in ("", "-") else value
    if not meta.get("doc"):
        raise CorpusError("header has no doc id")
    return meta


def _strip_marks(body: str) -> tuple[str, list[tuple[int, int, str, str]]]:
    """Text without `[[...]]` marks, and each mark's span in that text with its labels."""
    pieces: list[str] = []
    marks: list[tuple[int, int, str, str]] = []
    length = cursor = 0
    for match in _MARK.finditer(body):
        pieces.append(body[cursor:match.start()])
        length += match.start() - cursor
        span = match.group("span")
        marks.append((length, length + len(span), match.group("metric").strip(), match.group("status").strip()))
        pieces.append(span)
        length += len(span)
        cursor = match.end()
    pieces.append(body[cursor:])
    text = "".join(pieces)
    if "[[" in text or "]]" in text:
        raise CorpusError("a '[[' mark is not of the form [[span|metric|status]]")
    return text, marks


def gold_figure(doc: Document, sentences: list[Sentence], start: int, end: int,
                metric: str, status: str, origin: str = "handmade") -> dict[str, Any]:
    """A labelled span as a gold figure: value, unit and qualifier by the number grammar, counted by context."""
    span = doc.text[start:end]
    if metric not in metric_codes():
        raise CorpusError(f"[[{span}]]: unknown metric {metric!r}")
    if status not in STATUSES:
        raise CorpusError(f"[[{span}]]: status must be achieved or target, not {status!r}")
    figure = figure_at(doc, sentences, start, end)
    sentence = figure.context["sentence"]
    quantity = _quantity_in(doc.text, sentence.start, sentence.end, start, end)
    if quantity is None:
        raise CorpusError(f"[[{span}]]: the number grammar finds no number in the span")
    counted.attach_counted(figure)
    qualifier = quantity.qualifier if quantity.start >= start else "exact"
    return {
        "start": start, "end": end, "text": span, "value": quantity.value,
        "value_high": quantity.value_high, "denominator": quantity.denominator, "unit": quantity.unit,
        "per": quantity.per, "qualifier": qualifier, "counted": figure.counted,
        "metric": metric, "status": status, "period": None, "locality": None, "origin": origin,
    }


def _quantity_in(text: str, sentence_start: int, sentence_end: int, start: int, end: int) -> Any:
    """The figure-shaped quantity of the sentence that overlaps the span most (words around it count)."""
    found = numbers.find_quantities(text, sentence_start, sentence_end)
    found = [q for q in found if q.rule not in numbers.NOT_FIGURE_SHAPES]
    found = [q for q in found if q.start < end and q.end > start]
    best = max(found, key=lambda q: min(q.end, end) - max(q.start, start), default=None)
    if best is None:  # a number in words the grammar keeps only before known nouns: the annotator vouches for it
        value = numbers.parse_words(text[start:end].strip().lower())
        best = None if value is None else Quantity(start, end, text[start:end], value)
    return best


# --- gold files --------------------------------------------------------------------------------

def read_gold(path: Path, origin: str) -> list[GoldDoc]:
    """Gold-format documents of a JSON Lines file, each figure tagged with `origin` if untagged."""
    if not path.exists():
        return []
    from solieu.pipeline.read import json_lines

    docs = []
    for _, doc, problem in json_lines(path):
        if problem:
            raise CorpusError(problem)
        doc.setdefault("origin", origin)
        for figure in doc.get("figures", []):
            figure.setdefault("origin", doc["origin"])
        docs.append(doc)
    return docs


def write_gold(docs: Iterable[GoldDoc], path: Path) -> int:
    from solieu.pipeline.write import atomic_output, dump_record

    count = 0
    with atomic_output(path) as out:
        for doc in docs:
            out.write(dump_record(doc))
            count += 1
    path.chmod(0o644)  # a corpus file like any other in the repository
    return count


# --- examples ----------------------------------------------------------------------------------

@dataclass
class Example:
    """One gold figure seen as the pipeline sees it, with its labels and where it came from."""

    doc_id: str
    origin: str
    item: FigureInDocument
    metric: str
    status: str
    doc: Document
    sentences: list[Sentence]


def document_of(gold: GoldDoc) -> Document:
    return Document(gold["doc_id"], gold.get("source", ""), gold["text"], published=gold.get("published"),
                    kind=gold.get("kind"))


def figure_at(doc: Document, sentences: list[Sentence], start: int, end: int) -> Figure:
    """A bare figure for a gold span, placed in its sentence as the figure stage would place it."""
    sentence = next((s for s in sentences if s.start <= start < s.end), None)
    if sentence is None:
        raise CorpusError(f"{doc.doc_id}: span {start}-{end} lies outside every sentence")
    return Figure(doc.doc_id, doc.source, start, end, doc.text[start:end], sentence.text, value=0.0,
                  sentence_start=sentence.start, sentence_index=sentence.index, context={"sentence": sentence})


def examples_of(gold: GoldDoc) -> list[Example]:
    """The document's gold figures with pipeline context (sentences, counted, kind, tokens)."""
    from solieu.extractors import status

    doc = document_of(gold)
    sentences = segment.split_sentences(doc.text)
    kind = status.document_kind(doc)  # what the pipeline will see at run time, not the annotator's label
    figures = []
    for entry in gold.get("figures", []):
        figure = figure_at(doc, sentences, entry["start"], entry["end"])
        for name in ("value", "value_high", "denominator", "unit", "per", "qualifier"):
            if entry.get(name) is not None or name in ("value_high", "denominator", "per"):
                setattr(figure, name, entry.get(name))
        counted.attach_counted(figure)
        figures.append(figure)
    located = locate(figures, sentences, kind)
    return [
        Example(doc.doc_id, entry.get("origin", gold.get("origin", "")), item, entry["metric"], entry["status"],
                doc, sentences)
        for entry, item in zip(gold.get("figures", []), located)
    ]


def user_review_jsonl() -> Path:
    """The researcher's own reviewed figures (`solieu train --add`): in their data folder, never in the checkout."""
    from solieu.extractors.learned.model import data_dir
    from solieu.extractors.lexicon import domain_name

    return data_dir() / "training" / domain_name() / "review.jsonl"


def load_corpus(handmade: list[GoldDoc] | None = None, user_reviews: bool = False) -> list[GoldDoc]:
    """Every gold document used for training, seeds first, in a fixed order.

    `handmade` given fresh from the markup wins over the converted file on disk.
    Weak-label figures that people have since reviewed are dropped (the review wins).
    `user_reviews` adds the researcher's own reviews to the pack's (`train --add`).
    """
    handmade = read_gold(HANDMADE_JSONL, HANDMADE_ORIGIN) if handmade is None else handmade
    reviewed = read_gold(REVIEW_JSONL, REVIEW_ORIGIN)
    if user_reviews:
        reviewed += read_gold(user_review_jsonl(), REVIEW_ORIGIN)
    keys = {(d.get("review_of", d["doc_id"]), *f.get("key", (f["start"], f["end"])))
            for d in reviewed for f in d["figures"] + d.get("not_figures", [])}
    weak = read_gold(WEAK_JSONL, WEAK_ORIGIN)
    for doc in weak:
        doc["figures"] = [f for f in doc["figures"] if (doc["doc_id"], f["start"], f["end"]) not in keys]
    return read_annotated() + handmade + weak + reviewed


@dataclass
class Candidate:
    """A number the figure stage proposes in a gold document, labelled by the gold figures."""

    doc_id: str
    origin: str
    item: FigureInDocument
    is_figure: bool


def candidates_of(gold: GoldDoc) -> list[Candidate]:
    """Every candidate of the document as the pipeline proposes it, and whether gold calls it a figure.

    The gold sets leave out every number that is not a figure on purpose, so a
    candidate that matches no gold figure (overlapping span, same value, unit and
    denominator, as `solieu eval` matches) is a negative example. The pipeline's
    own normalised text is used, offsets mapped back to the gold's.
    """
    from solieu.extractors import figures, status
    from solieu.pipeline.evaluate import match_document
    from solieu.pipeline.normalise import normalise

    given = document_of(gold)
    norm = normalise(given.text)
    doc = Document(given.doc_id, given.source, norm.text, published=given.published)
    sentences = segment.split_sentences(doc.text)
    kind = status.document_kind(doc)
    found = figures.document_candidates(doc, sentences)
    records = []
    for figure in found:
        start, end = norm.to_given(figure.start), norm.to_given(figure.end)
        records.append({"start": start, "end": end, "value": figure.value, "denominator": figure.denominator,
                        "unit": figure.unit})
    matched = {id(pred) for _, pred in match_document(gold.get("figures", []), records)}
    located = locate(found, sentences, kind)
    origin = gold.get("origin", "")
    if origin == "review":
        # A review holds the whole text but only the figures somebody looked at: the
        # negatives are the numbers marked "not a figure", not every other number.
        refused = [(n["start"], n["end"]) for n in gold.get("not_figures", [])]
        keep = [id(r) in matched or any(r["start"] < end and start < r["end"] for start, end in refused) for r in records]
        located = [item for item, kept in zip(located, keep) if kept]
        records = [record for record, kept in zip(records, keep) if kept]
    return [Candidate(given.doc_id, origin, item, id(record) in matched) for item, record in zip(located, records)]


def warn(lines: Iterable[str]) -> None:
    for line in lines:
        print(f"solieu: {line}", file=sys.stderr)
