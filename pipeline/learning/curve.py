"""`solieu train --curve`: the learning curve and the ablation, scored on documents nobody trained on.

The held-out documents are the pack's sealed part (or a gold file given with
`--heldout`, for development before the sealed part exists; any training
document with the same text is then left out of training). The training
documents (the real, annotated ones) are shuffled once with a fixed seed and the
models are trained on the first 25, 50, 100 and all of them, the hand-made
corpus and weak labels always beside them, each time with thresholds searched
by grouped cross-validation inside that training set, exactly as `solieu train`
does. Each model set then extracts the held-out documents, scored as a whole.
The ablation is the first line: the rules alone on the same documents.
Nothing is written, and no held-out instance is printed.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

from solieu.pipeline.evaluate import Scores, evaluate
from solieu.pipeline.learning import corpus, rankers, train, unseen
from solieu.pipeline.learning.corpus import GoldDoc

SIZES = (25, 50, 100)
SEED = 0


@dataclass
class Point:
    """One line of the curve: how many real training documents, and the held-out scores."""

    documents: int
    scores: Scores
    thresholds: dict[str, float]


def training_split(docs: Sequence[GoldDoc], heldout: Sequence[GoldDoc]) -> tuple[list[GoldDoc], list[GoldDoc]]:
    """(real annotated documents in a fixed shuffled order, the rest), none sharing a held-out text."""
    held_texts = {doc["text"] for doc in heldout}
    kept = [doc for doc in docs if doc["text"] not in held_texts]
    real_origins = set(corpus.published_origins()) - {corpus.REVIEW_ORIGIN}
    real = sorted((d for d in kept if d.get("origin") in real_origins), key=lambda d: (d["origin"], d["doc_id"]))
    random.Random(SEED).shuffle(real)
    return real, [d for d in kept if d.get("origin") not in real_origins]


def sizes_for(available: int, sizes: Sequence[int] = SIZES) -> list[int]:
    """The sizes of the curve that fit in what there is, then all of it."""
    return [n for n in sizes if n < available] + [available]


def train_on(docs: Sequence[GoldDoc], family: str) -> tuple[object, dict[str, float]]:
    """Models fitted as `solieu train` fits them: thresholds from grouped CV inside `docs`."""
    rows = train.prepare(train.examples(docs))
    candidates = train.prepare_candidates(docs)
    held = train.held_out_predictions(rows, candidates, docs, family=family)
    thresholds = train.search_thresholds(held)
    return train.fit_models(rows, candidates, thresholds, family, rankers.all_groups(docs)), thresholds


def learning_curve(heldout: Sequence[GoldDoc], family: str = "linear", sizes: Sequence[int] = SIZES,
                   out: TextIO | None = None) -> tuple[Scores, list[Point]]:
    """The rules alone on the held-out documents, then one point per training size."""
    real, rest = training_split(corpus.load_corpus(), heldout)
    rules = evaluate(heldout, unseen.extract_records(heldout, models=None))
    _say(out, f"rules alone:                  {rules.summary_line()}")
    points = []
    for size in sizes_for(len(real), sizes):
        models, thresholds = train_on(real[:size] + rest, family)
        scores = evaluate(heldout, unseen.extract_records(heldout, models=models))
        points.append(Point(size, scores, thresholds))
        _say(out, f"{family}, {size:>3} real training documents: {scores.summary_line()}")
    return rules, points


def _say(out: TextIO | None, line: str) -> None:
    if out is not None:
        print(line, file=out, flush=True)
