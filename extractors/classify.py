"""Stage 5, classify: metric and status of each figure, rules and learned models combined.

A confident rule wins (the lexicon knows `lớp tập huấn` is `training_courses`
and is rarely wrong when it is sure); otherwise the model trained from
`corpora/` decides, since it has seen the many other ways the same measure is
phrased. `extractor` names who decided each half, e.g. `ml:metric+rule:status`.
Without trained model files the rules decide alone and `extractor` says so
(`...;no-model`); altered model files are refused, never loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from extractors import metric, status
from extractors.learned import features
from extractors.learned.model import LinearModel, load_model
from pipeline.records import Document, Figure, Sentence

# Rule confidence at or above which the rule's answer stands without asking the model.
# Chosen by grouped cross-validation on the hand-made corpus (`solieu train` prints it).
RULE_WINS = {"metric": 0.8, "status": 0.8}
NO_MODEL = ";no-model"


@dataclass(frozen=True)
class Models:
    metric: LinearModel
    status: LinearModel


@dataclass(frozen=True)
class Verdict:
    label: str
    confidence: float
    extractor: str


@lru_cache(maxsize=1)
def shipped_models() -> Models | None:
    """The trained models beside the package (hash-checked), or None when none were trained."""
    metric_model, status_model = load_model("metric"), load_model("status")
    if metric_model is None or status_model is None:
        return None
    return Models(metric_model, status_model)


def classify(figures: list[Figure], doc: Document, sentences: list[Sentence], kind: str,
             models: Models | None | bool = True) -> None:
    """Fill metric, status, confidence and extractor of every figure of one document.

    `models=True` uses the shipped models; tests and cross-validation pass their own
    (or None for rules alone).
    """
    if not figures:
        return
    chosen = shipped_models() if models is True else models
    rules = [(metric.lexicon_metric(f, kind), status.rule_status(f, doc, sentences, kind)) for f in figures]
    learned: Sequence[tuple[tuple[str, float], tuple[str, float]] | None] = [None] * len(figures)
    if isinstance(chosen, Models):
        located = features.locate(figures, sentences, kind)
        for item, (rule_metric, rule_status) in zip(located, rules):
            item.rule_metric, item.rule_status = rule_metric, rule_status
        learned = predict(chosen, located)
    for figure, (rule_metric, rule_status), guess in zip(figures, rules, learned):
        apply(figure, combine(rule_metric, rule_status, guess), no_model=chosen is None)


def predict(models: Models, located: list[features.FigureInDocument]) -> list[tuple[tuple[str, float], tuple[str, float]]]:
    """The models' best metric and status for each figure, with their probabilities."""
    metrics = models.metric.predict([features.metric_features(item) for item in located])
    statuses = models.status.predict([features.status_features(item) for item in located])
    return list(zip(metrics, statuses))


def combine(rule_metric: tuple[str, float], rule_status: tuple[str, float],
            learned: tuple[tuple[str, float], tuple[str, float]] | None) -> tuple[Verdict, Verdict]:
    """Rule when it is confident or when there is no model, otherwise the model."""
    if learned is None:
        return (Verdict(*rule_metric, "rule:lexicon"), Verdict(*rule_status, "rule:status"))
    return (decide(rule_metric, learned[0], "metric", "rule:lexicon"),
            decide(rule_status, learned[1], "status", "rule:status"))


def decide(rule: tuple[str, float], model: tuple[str, float], task: str, rule_name: str) -> Verdict:
    if rule[1] >= RULE_WINS[task]:
        return Verdict(rule[0], rule[1], rule_name)
    return Verdict(model[0], model[1], f"ml:{task}")


def apply(figure: Figure, verdicts: tuple[Verdict, Verdict], no_model: bool = False) -> None:
    """Write the verdicts; the figure's confidence is that of its weaker half."""
    metric_verdict, status_verdict = verdicts
    figure.metric, figure.status = metric_verdict.label, status_verdict.label
    figure.confidence = round(min(metric_verdict.confidence, status_verdict.confidence), 4)
    figure.extractor = f"{metric_verdict.extractor}+{status_verdict.extractor}" + (NO_MODEL if no_model else "")
