"""`solieu train` end to end: corpus files refreshed, scores printed, models written.

Everything is rebuilt from `corpora/` on each run with fixed seeds and a fixed
document order, so the same corpus always gives the same model files. With
cross-validation (the default) the thresholds are searched on documents held
out whole and the pipeline is scored on each annotated set, rules alone beside
rules+models; without it the thresholds of the last manifest are kept.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from solieu.extractors import classify
from solieu.pipeline.learning import corpus, rankers, review, train, weak
from solieu.extractors.learned.model import models_dir as pack_models_dir
from solieu.extractors.learned.model import read_manifest
from solieu.pipeline.learning.train import save_models
from solieu.pipeline.evaluate import Scores, evaluate
from solieu.pipeline.records import Document

def weak_inputs_of_pack() -> list[Path]:
    """Un-annotated documents for weak labels, as the pack names them (`weak_inputs`)."""
    return [(corpus.domain_dir() / entry).resolve() for entry in corpus.pack().get("weak_inputs", [])]


@dataclass
class Report:
    """What the run did; problems are one line each, for stderr."""

    stored_corrections: int = 0
    figures_by_origin: dict[str, int] = field(default_factory=dict)
    thresholds: dict[str, float] = field(default_factory=dict)
    spans: dict[str, train.Score] = field(default_factory=dict)  # origin → metric/status on gold spans
    pipeline: dict[str, tuple[Scores, Scores]] = field(default_factory=dict)  # origin → (rules, rules+models)
    manifest: Path | None = None
    problems: list[str] = field(default_factory=list)


def rebuild(sheet: Path | None = None, cross_validate: bool = True, weak_inputs: list[Path] | None = None,
            models_dir: Path | None = None, out: TextIO | None = None, family: str = "linear") -> Report:
    report = Report()
    if sheet is not None:
        corrections, problems = review.read_corrections(sheet)
        report.stored_corrections, merge_problems = review.merge_corrections(corrections)
        report.problems += problems + merge_problems
        _say(out, f"{report.stored_corrections} reviewed figures from {sheet} → {corpus.REVIEW_JSONL}")
    handmade, problems = corpus.read_handmade()
    report.problems += problems
    corpus.write_gold(handmade, corpus.HANDMADE_JSONL)
    annotated = corpus.read_annotated()
    for origin, reason in corpus.skipped_sources():
        _say(out, f"{origin} skipped: {reason}")
    inputs = weak_inputs_of_pack() if weak_inputs is None else weak_inputs
    weak_docs, problems = weak.weak_labels(inputs, annotated + handmade)
    report.problems += problems
    corpus.write_gold(weak_docs, corpus.WEAK_JSONL)
    docs = corpus.load_corpus(handmade)
    rows = train.prepare(train.examples(docs))
    candidates = train.prepare_candidates(docs)
    report.figures_by_origin = dict(sorted(Counter(r.example.origin for r in rows).items()))
    _say(out, "training figures: " + ", ".join(f"{k} {v}" for k, v in report.figures_by_origin.items())
         + f"; candidates for the figure decision: {len(candidates)}")
    if cross_validate:
        held = train.held_out_predictions(rows, candidates, docs, family=family)
        report.thresholds = train.search_thresholds(held)
        _say(out, "thresholds chosen on held-out documents: " + _thresholds_line(report.thresholds))
        for line in choice_lines(held):
            _say(out, line)
        for origin in train.SCORED_ORIGINS:
            score = train.score_rows(held, report.thresholds, origin)
            if score.figures:
                report.spans[origin] = score
                _say(out, _score_line(f"{origin}, gold spans, {train.GROUPED_FOLDS} grouped folds", score))
        report.pipeline = pipeline_scores(held, report.thresholds, docs)
        for origin, (rules, combined) in report.pipeline.items():
            _say(out, f"{origin}, whole pipeline, rules alone:      {rules.summary_line()}")
            _say(out, f"{origin}, whole pipeline, rules+models (CV): {combined.summary_line()}")
        for line in pooled_lines(report.pipeline):
            _say(out, line)
    else:
        report.thresholds = _previous_thresholds(models_dir or pack_models_dir())
    models = train.fit_models(rows, candidates, report.thresholds, family, rankers.all_groups(docs))
    info = {**train.manifest_info(docs, rows, report.thresholds), "family": family}
    written = [m for m in (models.metric, models.status, models.figure, models.period, models.province) if m is not None]
    report.manifest = save_models(written, info, models_dir or pack_models_dir())
    _say(out, f"models written ({', '.join(m.name for m in written)}) → {report.manifest.parent}")
    return report


def pipeline_scores(held: train.HeldOut, thresholds: dict[str, float],
                    docs: list[corpus.GoldDoc]) -> dict[str, tuple[Scores, Scores]]:
    """`solieu eval` of each annotated set: rules alone, and each document run with its fold's models."""
    from solieu.pipeline.run import extract_document

    fold_of = {key: models for test, models in held.folds for key in test}
    result: dict[str, tuple[Scores, Scores]] = {}
    for origin in train.SCORED_ORIGINS:
        gold = [d for d in docs if d.get("origin") == origin and train.doc_key(origin, d["doc_id"]) in fold_of]
        if not gold:
            continue
        rules, combined = [], []
        for doc in gold:
            given = Document(doc["doc_id"], doc.get("source", ""), doc["text"], published=doc.get("published"))
            models = train.with_thresholds(fold_of[train.doc_key(origin, doc["doc_id"])], thresholds)
            rules += [f.to_record() for f in extract_document(given, models=None)]
            combined += [f.to_record() for f in extract_document(given, models=models)]
        result[origin] = (evaluate(gold, rules), evaluate(gold, combined))
    return result


def pooled_lines(scores: dict[str, tuple[Scores, Scores]]) -> list[str]:
    """The real documents of every set scored together (the hand-made corpus left out): rules, rules+models."""
    real = [pair for origin, pair in scores.items() if origin in corpus.published_origins()]
    if len(real) < 2:
        return []
    rules, combined = (pooled([pair[side] for pair in real]) for side in (0, 1))
    return [f"all real documents, whole pipeline, rules alone:      {rules.summary_line()}",
            f"all real documents, whole pipeline, rules+models (CV): {combined.summary_line()}"]


def pooled(parts: list[Scores]) -> Scores:
    """Scores of several sets as one: every count adds up (documents never share an id across sets here)."""
    total = Scores()
    for part in parts:
        total.true_positives += part.true_positives
        total.predicted += part.predicted
        total.gold += part.gold
        total.field_hits.update(part.field_hits)
        total.record_hits += part.record_hits
        total.province_hits += part.province_hits
        total.documents += part.documents
    return total


def choice_lines(held: train.HeldOut) -> list[str]:
    """Held-out accuracy of the rules and of the rankers choosing period and province, by origin."""
    totals: dict[tuple[str, str], list[int]] = {}
    for origin, task, decisions, rules_right, ranker_right in held.choices:
        tally = totals.setdefault((origin, task), [0, 0, 0])
        for index, count in enumerate((decisions, rules_right, ranker_right)):
            tally[index] += count
    return [f"{origin}, {task} on gold figures, {train.GROUPED_FOLDS} grouped folds ({n} decisions): "
            f"rules {rules / n:.3f} → ranker {ranker / n:.3f}"
            for (origin, task), (n, rules, ranker) in sorted(totals.items())]


def _previous_thresholds(directory: Path) -> dict[str, float]:
    manifest = read_manifest(directory) or {}
    return {**classify.DEFAULT_THRESHOLDS, **manifest.get("thresholds", {})}


def _thresholds_line(thresholds: dict[str, float]) -> str:
    words = {"metric": "metric rule stands from confidence", "status": "status rule stands from confidence",
             "figure": "figure the filters accept kept from probability",
             "figure_vetoed": "figure the filters reject kept from probability",
             "period": "period ranker used", "province": "province ranker used"}
    return "; ".join(f"{words[k]} {v:g}" + (" (model not run)" if k in ("metric", "status") and v == 0 else "")
                     for k, v in sorted(thresholds.items()))


def _score_line(title: str, score: train.Score) -> str:
    r = score.rates()
    return (f"{title} ({r['figures']} figures): metric lexicon {r['rule_metric']:.3f} → combined "
            f"{r['combined_metric']:.3f}; status rules {r['rule_status']:.3f} → combined {r['combined_status']:.3f}")


def _say(out: TextIO | None, line: str) -> None:
    if out is not None:
        print(line, file=out, flush=True)
