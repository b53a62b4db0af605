"""Fit the metric and status models from the corpus, and measure them with documents held out whole.

Figures of one document share wording, so a figure-level split would flatter
the models: every evaluation here holds out whole documents. On the seeds it
is leave-one-document-out (train on everything but that seed, predict its gold
spans); on the rest, grouped folds by document. Each score is given for the
rules alone and for rules+model, side by side.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from extractors import classify, metric, status
from extractors.learned import corpus, features
from extractors.learned.corpus import Example, GoldDoc
from extractors.learned.model import LinearModel, Vectorizer

SEED = 0
GROUPED_FOLDS = 5
# How much one figure of each origin counts when fitting: people's corrections
# most, weak labels (the rules' own confident answers) least.
ORIGIN_WEIGHT = {"seeds": 1.0, "handmade": 1.0, "review": 2.0, "weak": 0.5}


@dataclass(frozen=True)
class Task:
    name: str
    features: Callable[[features.FigureInDocument], features.Blocks]
    label: Callable[[Example], str]
    block_weights: dict[str, float]
    regularisation: float  # scikit-learn's C


TASKS = (
    Task("metric", features.metric_features, lambda e: e.metric, {"word": 1.0, "char": 0.7, "rule": 0.6, "doc": 0.3}, 30.0),
    Task("status", features.status_features, lambda e: e.status, {"word": 0.5, "doc": 0.7, "rule": 1.5}, 3.0),
)


@dataclass
class Prepared:
    """An example with its features and rule verdicts computed once."""

    example: Example
    blocks: dict[str, features.Blocks]
    rule_metric: tuple[str, float]
    rule_status: tuple[str, float]


def prepare(examples: Sequence[Example]) -> list[Prepared]:
    prepared = []
    for example in examples:
        item, kind = example.item, example.item.kind
        rule_metric = metric.lexicon_metric(item.figure, kind)
        rule_status = status.rule_status(item.figure, example.doc, example.sentences, kind)
        item.rule_metric, item.rule_status = rule_metric, rule_status
        blocks = {task.name: task.features(item) for task in TASKS}
        prepared.append(Prepared(example, blocks, rule_metric, rule_status))
    return prepared


def fit(task: Task, rows: Sequence[Prepared]) -> LinearModel:
    """One logistic regression (probabilities by log-loss), fixed seed, exported as arrays."""
    samples = [row.blocks[task.name] for row in rows]
    labels = [task.label(row.example) for row in rows]
    weights = np.array([ORIGIN_WEIGHT.get(row.example.origin, 1.0) for row in rows])
    vectorizer = Vectorizer.fit(samples, task.block_weights)
    matrix = vectorizer.transform(samples)
    model = LogisticRegression(C=task.regularisation, max_iter=5000, random_state=SEED, class_weight="balanced")
    model.fit(matrix, labels, sample_weight=weights)
    return LinearModel(task.name, vectorizer, tuple(str(c) for c in model.classes_),
                       model.coef_.copy(), model.intercept_.copy())


def fit_models(rows: Sequence[Prepared]) -> classify.Models:
    metric_task, status_task = TASKS
    return classify.Models(fit(metric_task, rows), fit(status_task, rows))


@dataclass
class Score:
    """Accuracy of the rules alone and of rules+model over the same figures."""

    figures: int = 0
    rule_metric: int = 0
    combined_metric: int = 0
    rule_status: int = 0
    combined_status: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, row: Prepared, verdicts: tuple[classify.Verdict, classify.Verdict]) -> None:
        example = row.example
        self.figures += 1
        self.rule_metric += row.rule_metric[0] == example.metric
        self.rule_status += row.rule_status[0] == example.status
        self.combined_metric += verdicts[0].label == example.metric
        self.combined_status += verdicts[1].label == example.status
        if verdicts[0].label != example.metric:
            self.errors.append(f"{example.doc_id} {example.item.figure.text!r} ({example.item.figure.counted}): "
                               f"gold {example.metric}, got {verdicts[0].label} by {verdicts[0].extractor}")

    def rates(self) -> dict[str, float]:
        n = max(self.figures, 1)
        return {"figures": self.figures, "rule_metric": self.rule_metric / n,
                "combined_metric": self.combined_metric / n, "rule_status": self.rule_status / n,
                "combined_status": self.combined_status / n}


def evaluate(models: classify.Models, rows: Sequence[Prepared], score: Score) -> None:
    """Predict held-out rows with `models` and the rules, as the pipeline's classify stage would."""
    if not rows:
        return
    learned = classify.predict(models, [row.example.item for row in rows])
    for row, guess in zip(rows, learned):
        score.add(row, classify.combine(row.rule_metric, row.rule_status, guess))


def leave_one_seed_out(rows: Sequence[Prepared]) -> Score:
    """Each seed document held out whole in turn: train on everything else, predict its gold spans."""
    score = Score()
    seed_docs = sorted({r.example.doc_id for r in rows if r.example.origin == "seeds"})
    for doc_id in seed_docs:
        held_out = [r for r in rows if r.example.doc_id == doc_id and r.example.origin == "seeds"]
        training = [r for r in rows if r.example.doc_id != doc_id]
        evaluate(fit_models(training), held_out, score)
    return score


def grouped_folds(rows: Sequence[Prepared], folds: int = GROUPED_FOLDS) -> Score:
    """Hand-made and reviewed documents in grouped folds; seeds and weak labels always train."""
    score = Score()
    tested = [i for i, r in enumerate(rows) if r.example.origin in ("handmade", "review")]
    groups = [rows[i].example.doc_id for i in tested]
    if len(set(groups)) < folds:
        return score
    for _, test_index in GroupKFold(n_splits=folds).split(tested, groups=groups):
        test_ids = {groups[i] for i in test_index}
        training = [r for r in rows if r.example.doc_id not in test_ids]
        evaluate(fit_models(training), [rows[tested[i]] for i in test_index], score)
    return score


def examples(docs: Sequence[GoldDoc]) -> list[Example]:
    return [example for doc in docs for example in corpus.examples_of(doc)]


def corpus_digest(docs: Sequence[GoldDoc]) -> str:
    """A hash of the training labels, recorded in the manifest to tie models to their corpus."""
    digest = hashlib.sha256()
    for doc in docs:
        digest.update(doc["doc_id"].encode())
        digest.update(doc["text"].encode())
        for figure in doc.get("figures", []):
            digest.update(f"{figure['start']}:{figure['end']}:{figure['metric']}:{figure['status']}".encode())
    return digest.hexdigest()


def manifest_info(docs: Sequence[GoldDoc], rows: Sequence[Prepared]) -> dict:
    return {
        "seed": SEED,
        "scikit_learn": sklearn.__version__,
        "corpus_sha256": corpus_digest(docs),
        "figures_by_origin": dict(sorted(Counter(r.example.origin for r in rows).items())),
        "documents": len(docs),
    }


def model_directory() -> Path:
    from extractors.learned.model import MODELS_DIR

    return MODELS_DIR
