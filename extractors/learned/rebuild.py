"""`solieu train` end to end: corpus files refreshed, scores printed, models written.

Everything is rebuilt from `corpora/` on each run with fixed seeds and a fixed
document order, so the same corpus always gives the same model files.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from extractors.learned import corpus, review, train, weak
from extractors.learned.model import MODELS_DIR, save_models

WEAK_INPUTS = (corpus.CORPORA / "sample",)


@dataclass
class Report:
    """What the run did; problems are one line each, for stderr."""

    stored_corrections: int = 0
    figures_by_origin: dict[str, int] = field(default_factory=dict)
    seeds: train.Score | None = None
    grouped: train.Score | None = None
    manifest: Path | None = None
    problems: list[str] = field(default_factory=list)


def rebuild(sheet: Path | None = None, cross_validate: bool = True, weak_inputs: list[Path] | None = None,
            models_dir: Path | None = None, out: TextIO | None = None) -> Report:
    report = Report()
    if sheet is not None:
        corrections, problems = review.read_corrections(sheet)
        report.stored_corrections, merge_problems = review.merge_corrections(corrections)
        report.problems += problems + merge_problems
        _say(out, f"{report.stored_corrections} reviewed figures from {sheet} → {corpus.REVIEW_JSONL}")
    handmade, problems = corpus.read_handmade()
    report.problems += problems
    corpus.write_gold(handmade, corpus.HANDMADE_JSONL)
    seeds = corpus.read_gold(corpus.SEEDS_GOLD, "seeds")
    inputs = list(WEAK_INPUTS) if weak_inputs is None else weak_inputs
    weak_docs, problems = weak.weak_labels(inputs, seeds + handmade)
    report.problems += problems
    corpus.write_gold(weak_docs, corpus.WEAK_JSONL)
    docs = corpus.load_corpus(handmade)
    rows = train.prepare(train.examples(docs))
    report.figures_by_origin = dict(sorted(Counter(r.example.origin for r in rows).items()))
    _say(out, "training figures: " + ", ".join(f"{k} {v}" for k, v in report.figures_by_origin.items()))
    if cross_validate:
        report.seeds = train.leave_one_seed_out(rows)
        _say(out, _score_line("seeds, leave one document out", report.seeds))
        report.grouped = train.grouped_folds(rows)
        _say(out, _score_line(f"hand-made and reviewed, {train.GROUPED_FOLDS} grouped folds", report.grouped))
    models = train.fit_models(rows)
    info = train.manifest_info(docs, rows)
    if report.seeds is not None:
        info["seeds_leave_one_out"] = report.seeds.rates()
    report.manifest = save_models([models.metric, models.status], info, models_dir or MODELS_DIR)
    _say(out, f"models written → {report.manifest.parent}")
    return report


def _score_line(title: str, score: train.Score) -> str:
    r = score.rates()
    return (f"{title} ({r['figures']} figures): metric lexicon {r['rule_metric']:.3f} → combined "
            f"{r['combined_metric']:.3f}; status rules {r['rule_status']:.3f} → combined {r['combined_status']:.3f}")


def _say(out: TextIO | None, line: str) -> None:
    if out is not None:
        print(line, file=out, flush=True)
