"""Score predicted figures against a gold file, by the rules of corpora/figures.md ('Evaluation').

Per document, a prediction matches a gold figure when their spans overlap and
`value`, `denominator` and `unit` agree (values within 0.5%); each gold figure
matches at most one prediction. On matched pairs: accuracy of metric, status,
qualifier, period and counted (by first word after dropping `số`, `các`,
`những`, `lượt` and classifiers), and of the exact counted phrase. Whole
records: F1 over figures found *and* right in metric, status and period, the
share of comparison cells a user can trust. Per document: accuracy of
province. Predictions for documents the gold file lacks are counted, not
scored, so a mismatch of ids cannot pass unseen.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from solieu.extractors.lexicon import load_json
from solieu.pipeline.records import majority_province

PAIR_FIELDS = ("metric", "status", "qualifier", "period", "counted")
EXTRA_FIELDS = ("counted_exact",)  # scored on matched pairs, reported after the spec's fields
RECORD_FIELDS = ("metric", "status", "period")  # what a comparison cell needs right besides the figure
VALUE_TOLERANCE = 0.005


@dataclass
class Scores:
    """Everything `solieu eval` prints, kept as data so that tests can assert on it."""

    true_positives: int = 0
    predicted: int = 0
    gold: int = 0
    field_hits: Counter = field(default_factory=Counter)
    record_hits: int = 0  # matched figures whose metric, status and period are all right
    province_hits: int = 0
    unscored_documents: int = 0  # documents predicted that the gold file does not hold
    unscored_figures: int = 0
    documents: int = 0
    per_metric: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    misses: list[dict[str, Any]] = field(default_factory=list)
    false_alarms: list[dict[str, Any]] = field(default_factory=list)
    field_errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def accuracy(self, name: str) -> float:
        return self.field_hits[name] / self.true_positives if self.true_positives else 0.0

    @property
    def record_f1(self) -> float:
        """F1 of whole records: found, and metric, status and period right."""
        return 2 * self.record_hits / (self.predicted + self.gold) if self.predicted + self.gold else 0.0

    @property
    def province_accuracy(self) -> float:
        return self.province_hits / self.documents if self.documents else 0.0

    def summary_line(self) -> str:
        fields = " ".join(f"{name}={self.accuracy(name):.3f}" for name in PAIR_FIELDS + EXTRA_FIELDS)
        unscored = f" unscored_docs={self.unscored_documents}" if self.unscored_documents else ""
        return (
            f"figures P={self.precision:.3f} R={self.recall:.3f} F1={self.f1:.3f} "
            f"(tp={self.true_positives} pred={self.predicted} gold={self.gold}) "
            f"{fields} province={self.province_accuracy:.3f} records_F1={self.record_f1:.3f}{unscored}"
        )


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    with Path(path).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def values_match(gold: dict[str, Any], pred: dict[str, Any]) -> bool:
    if gold.get("unit") != pred.get("unit"):
        return False
    return _close(gold.get("value"), pred.get("value")) and _close(gold.get("denominator"), pred.get("denominator"))


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= VALUE_TOLERANCE * max(abs(a), abs(b)) if a or b else True


def counted_key(counted: str | None) -> str | None:
    """First word after dropping determiners and classifiers: what `counted` is scored on."""
    if not counted:
        return None
    drop = set(load_json("evaluate.json")["counted_drop"])
    words = [w.strip(",.") for w in counted.lower().split()]
    while words and words[0] in drop:
        words = words[1:]
    return words[0] if words else None


def field_equal(name: str, gold: dict[str, Any], pred: dict[str, Any]) -> bool:
    if name == "counted":
        return counted_key(gold.get("counted")) == counted_key(pred.get("counted"))
    if name == "counted_exact":
        return _phrase(gold.get("counted")) == _phrase(pred.get("counted"))
    return gold.get(name) == pred.get(name)


def _phrase(counted: str | None) -> str | None:
    """The counted phrase as written, case and spacing aside."""
    return " ".join(counted.lower().split()) if counted else None


def match_document(gold_figures: list[dict], predicted: list[dict]) -> list[tuple[dict, dict]]:
    """Greedy one-to-one matching in text order: overlapping spans with equal values."""
    pairs: list[tuple[dict, dict]] = []
    used: set[int] = set()
    for gold in sorted(gold_figures, key=lambda f: f["start"]):
        candidates = [
            (abs(p["start"] - gold["start"]), index)
            for index, p in enumerate(predicted)
            if index not in used and p["start"] < gold["end"] and gold["start"] < p["end"] and values_match(gold, p)
        ]
        if candidates:
            _, index = min(candidates)
            used.add(index)
            pairs.append((gold, predicted[index]))
    return pairs


def evaluate(gold_docs: Iterable[dict[str, Any]], predictions: Iterable[dict[str, Any]]) -> Scores:
    by_doc: dict[str, list[dict]] = defaultdict(list)
    for record in predictions:
        by_doc[record["doc_id"]].append(record)
    scores = Scores()
    gold_docs = list(gold_docs)
    known = {doc["doc_id"] for doc in gold_docs}
    for doc_id, records in by_doc.items():
        if doc_id not in known:
            scores.unscored_documents += 1
            scores.unscored_figures += len(records)
    for doc in gold_docs:
        predicted = by_doc.get(doc["doc_id"], [])
        gold_figures = doc.get("figures", [])
        pairs = match_document(gold_figures, predicted)
        scores.documents += 1
        scores.gold += len(gold_figures)
        scores.predicted += len(predicted)
        scores.true_positives += len(pairs)
        scores.province_hits += _document_province(predicted) == doc.get("province") if predicted else doc.get("province") is None
        _tally(scores, doc, gold_figures, predicted, pairs)
    return scores


def _document_province(predicted: list[dict]) -> str | None:
    return majority_province(p.get("province") for p in predicted)


def _tally(scores: Scores, doc: dict, gold_figures: list[dict], predicted: list[dict], pairs: list[tuple[dict, dict]]) -> None:
    matched_gold = {id(g) for g, _ in pairs}
    matched_pred = {id(p) for _, p in pairs}
    for gold, pred in pairs:
        scores.record_hits += all(field_equal(name, gold, pred) for name in RECORD_FIELDS)
        for name in EXTRA_FIELDS:
            scores.field_hits[name] += field_equal(name, gold, pred)
        scores.per_metric[gold["metric"]]["gold"] += 1
        scores.per_metric[gold["metric"]]["matched"] += 1
        scores.per_metric[gold["metric"]]["metric_right"] += gold["metric"] == pred.get("metric")
        for name in PAIR_FIELDS:
            if field_equal(name, gold, pred):
                scores.field_hits[name] += 1
            else:
                scores.field_errors.append({"doc_id": doc["doc_id"], "field": name, "text": gold["text"],
                                            "start": gold["start"], "gold": gold.get(name), "predicted": pred.get(name)})
    for gold in gold_figures:
        if id(gold) not in matched_gold:
            scores.per_metric[gold["metric"]]["gold"] += 1
            scores.misses.append({"doc_id": doc["doc_id"], "start": gold["start"], "text": gold["text"],
                                  "value": gold["value"], "unit": gold["unit"], "metric": gold["metric"]})
    for pred in predicted:
        if id(pred) not in matched_pred:
            scores.per_metric[pred.get("metric", "other")]["false_alarms"] += 1
            scores.false_alarms.append({"doc_id": doc["doc_id"], "start": pred["start"], "text": pred["text"],
                                        "value": pred["value"], "unit": pred["unit"], "metric": pred.get("metric")})


def report(scores: Scores, show_errors: bool = True) -> str:
    """The human-readable report; its last line is the one-line summary."""
    lines = [
        f"documents: {scores.documents}   gold figures: {scores.gold}   predicted: {scores.predicted}   matched: {scores.true_positives}",
        f"figures: precision {scores.precision:.3f}  recall {scores.recall:.3f}  F1 {scores.f1:.3f}",
        "on matched figures: " + "  ".join(f"{name} {scores.accuracy(name):.3f}" for name in PAIR_FIELDS),
        f"province (per document): {scores.province_accuracy:.3f}",
        f"whole records (figure found, metric, status and period right): F1 {scores.record_f1:.3f}",
        f"counted, exact phrase: {scores.accuracy('counted_exact'):.3f}",
        "",
        f"{'metric':<30}{'gold':>6}{'matched':>9}{'right':>7}{'false+':>8}",
    ]
    for name, counts in sorted(scores.per_metric.items()):
        lines.append(f"{name:<30}{counts['gold']:>6}{counts['matched']:>9}{counts['metric_right']:>7}{counts['false_alarms']:>8}")
    if show_errors:
        lines.append("")
        lines.extend(f"missed: {m['doc_id']} @{m['start']} {m['text']!r} ({m['metric']})" for m in scores.misses)
        lines.extend(f"false alarm: {m['doc_id']} @{m['start']} {m['text']!r} ({m['metric']})" for m in scores.false_alarms)
        lines.extend(f"wrong {e['field']}: {e['doc_id']} @{e['start']} {e['text']!r} gold={e['gold']!r} predicted={e['predicted']!r}"
                     for e in scores.field_errors)
    if scores.unscored_documents:
        lines.append(f"not scored: {scores.unscored_figures} figures of {scores.unscored_documents} documents "
                     "that the gold file does not hold (check the ids)")
    lines.append("")
    lines.append(scores.summary_line())
    return "\n".join(lines)


# --- by kind of document ----------------------------------------------------------------------

def document_kinds() -> tuple[str, ...]:
    """The five kinds `solieu eval --by kind` scores separately."""
    return tuple(load_json("evaluate.json")["kinds"])


def kind_of(doc: dict[str, Any]) -> str:
    """The document's kind among the five: its free-text `kind` mapped, else what the pipeline sees.

    Gold files name kinds loosely (`police news`, `results_news`, `national plan`); a
    document without one (the seeds) is read as the pipeline reads it at run time.
    """
    table = load_json("evaluate.json")
    given = str(doc.get("kind") or "").lower().replace("_", " ")
    for word, kind in table["kind_words"]:
        if word in given:
            return kind
    from solieu.extractors.status import document_kind
    from solieu.pipeline.records import Document

    seen = document_kind(Document(str(doc.get("doc_id", "")), str(doc.get("source", "")), str(doc.get("text", ""))))
    return table["pipeline_kinds"].get(seen, "results")


def evaluate_by_kind(gold_docs: Iterable[dict[str, Any]], predictions: Iterable[dict[str, Any]]) -> dict[str, Scores]:
    """`evaluate` of each kind's documents alone (kinds without a document left out), in the fixed order."""
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for doc in gold_docs:
        by_kind[kind_of(doc)].append(doc)
    predictions = list(predictions)
    result = {}
    for kind in document_kinds():
        if by_kind.get(kind):
            ids = {doc["doc_id"] for doc in by_kind[kind]}
            result[kind] = evaluate(by_kind[kind], [p for p in predictions if p["doc_id"] in ids])
    return result


def kind_table(by_kind: dict[str, Scores]) -> str:
    """One summary line per kind of document, then the number of documents of each."""
    width = max((len(kind) for kind in by_kind), default=0)
    lines = [f"{kind:<{width}}  docs={scores.documents:<3} {scores.summary_line()}" for kind, scores in by_kind.items()]
    return "\n".join(lines)
