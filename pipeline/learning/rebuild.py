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
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO

from solieu.extractors import classify
from solieu.pipeline.learning import corpus, rankers, review, train, weak
from solieu.extractors.learned.model import models_dir as pack_models_dir
from solieu.extractors.learned.model import MANIFEST, read_manifest, user_models_dir
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
            models_dir: Path | None = None, out: TextIO | None = None, db: Path | None = None,
            reviewer: str = "", family: str = "linear") -> Report:
    """Retrain; with a sheet, the researcher's way: their corrections kept, their own models, the checkout untouched.

    With `sheet` the corrections go to the researcher's review corpus and to the
    store (as facts), the corpus files shipped with the pack are read as they are,
    and the models are written to the user's models folder (`user_models_dir`),
    never over the pack's; then one plain line says how many of their reviewed
    figures the extractor gets right, before and after. `family` is the model
    family (linear or trees), chosen by what the sealed part says (README).
    """
    report = Report()
    own = sheet is not None
    target = models_dir or (user_models_dir() if own else pack_models_dir())
    if target.resolve() != pack_models_dir().resolve():  # the pack's own folder is the developers' to rebuild
        refuse_foreign(target)
    previous = target if (target / MANIFEST).is_file() else pack_models_dir()  # what the extractor ran with
    before = classify.models_in(previous) if own else None
    if sheet is not None:
        take_sheet(sheet, report, out, db, reviewer)
    if own:
        handmade = corpus.read_gold(corpus.HANDMADE_JSONL, corpus.HANDMADE_ORIGIN)
    else:
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
    docs = corpus.load_corpus(handmade, user_reviews=own)
    rows = train.prepare(train.examples(docs))
    candidates = train.prepare_candidates(docs)
    report.figures_by_origin = dict(sorted(Counter(r.example.origin for r in rows).items()))
    _say(out, "training figures: " + ", ".join(f"{k} {v}" for k, v in report.figures_by_origin.items())
         + f"; candidates for the figure decision: {len(candidates)}")
    if cross_validate and not own:
        cross_validation(rows, candidates, docs, report, out, family)
    else:
        report.thresholds = _previous_thresholds(previous)
    models = train.fit_models(rows, candidates, report.thresholds, family, rankers.all_groups(docs))
    info = {**train.manifest_info(docs, rows, report.thresholds), "family": family}
    written = [m for m in (models.metric, models.status, models.figure, models.period, models.province) if m is not None]
    report.manifest = save_models(written, info, target)
    classify.shipped_models.cache_clear()  # what runs next in this process reads the new models
    _say(out, f"models written ({', '.join(m.name for m in written)}) → {report.manifest.parent}")
    if own:
        reviewed = [d for d in docs if d.get("origin") == corpus.REVIEW_ORIGIN and d.get("review_of") == d["doc_id"]]
        _say(out, before_and_after(reviewed, before, train.with_thresholds(models, report.thresholds)))
    return report


def refuse_foreign(directory: Path) -> None:
    """A models folder holding files `solieu train` did not write is refused before anything is done."""
    foreign = train.foreign_files(directory)
    if foreign:
        shown = ", ".join(foreign[:3]) + (" ..." if len(foreign) > 3 else "")
        raise review.SheetError(f"{directory}: not a models folder written by `solieu train` (it holds {shown}); "
                                "give an empty or new folder")


def take_sheet(sheet: Path, report: Report, out: TextIO | None, db: Path | None, reviewer: str) -> None:
    """The sheet's reviewed rows into the store as facts, then into the researcher's review corpus.

    The store first: when it cannot be written (a program holds it), the command
    stops with nothing changed, and the same sheet can be taken in again.
    """
    corrections, problems = review.read_corrections(sheet)
    placed: list[review.Placed] = []
    review_path = corpus.user_review_jsonl()
    _, merge_problems = review.merge_corrections(corrections, review_path, write=False, placed=placed)
    report.problems += problems + merge_problems
    at = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
    fixes, problems = review.facts(placed, reviewer or default_reviewer(), at, str(sheet))
    report.problems += problems
    keep_facts(sheet, fixes, placed, db, report, out)
    review_path.parent.mkdir(parents=True, exist_ok=True)
    report.stored_corrections, _ = review.merge_corrections(corrections, review_path)
    _say(out, f"{report.stored_corrections} reviewed rows from {sheet} → {review_path}")


def keep_facts(sheet: Path, fixes: list, placed: list[review.Placed], db: Path | None, report: Report,
               out: TextIO | None) -> None:
    """Each correction into the store its row came from (`--db` for all of them)."""
    from solieu.pipeline.store import record_corrections

    stores = {c.doc_id: c.store for c, _, _ in placed if c.store}
    by_store: dict[str, list] = {}
    for fix in fixes:
        by_store.setdefault(str(db) if db else stores.get(fix.doc_id, ""), []).append(fix)
    for where, kept in sorted(by_store.items()):
        if not where:
            report.problems.append(f"{sheet}: {len(kept)} corrections not kept as facts: the sheet names no store "
                                   "(write it with `solieu review STORE`, or give `--db STORE`)")
            continue
        count = record_corrections(where, kept, report.problems.append)
        _say(out, f"{count} corrections kept in {where}: they hold on every ingest and refresh")


def default_reviewer() -> str:
    """Who reviewed: `SOLIEU_REVIEWER`, else the account's name."""
    import getpass
    import os

    try:
        return os.environ.get("SOLIEU_REVIEWER") or getpass.getuser()
    except (KeyError, OSError):
        return ""


def cross_validation(rows: list, candidates: list, docs: list[corpus.GoldDoc], report: Report,
                     out: TextIO | None, family: str = "linear") -> None:
    """Thresholds searched on documents held out whole, and the scores of each annotated set (developers' view)."""
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


def before_and_after(reviewed: list[corpus.GoldDoc], before: classify.Models | None,
                     after: classify.Models) -> str:
    """`of your N reviewed figures, the extractor now gets M right (was K)`, corrections not applied.

    A figure is right when the extractor finds its span with the reviewer's metric
    and status; a number judged not a figure is right when nothing is found over it.
    """
    total = sum(len(d["figures"]) + len(d.get("not_figures", [])) for d in reviewed)
    was = sum(right_in(doc, before) for doc in reviewed)
    now = sum(right_in(doc, after) for doc in reviewed)
    return f"of your {total} reviewed figures, the extractor now gets {now} right (was {was})"


def right_in(doc: corpus.GoldDoc, models: classify.Models | None) -> int:
    from solieu.pipeline.run import extract_document

    given = Document(doc["doc_id"], doc.get("source", ""), doc["text"], published=doc.get("published"))
    found = {(f.start, f.end): f for f in extract_document(given, models=models)}
    right = sum(1 for g in doc["figures"] if (f := found.get((g["start"], g["end"]))) is not None
                and f.metric == g["metric"] and f.status == g["status"])
    return right + sum(1 for n in doc.get("not_figures", [])
                       if not any(s < n["end"] and n["start"] < e for s, e in found))


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
