"""Stage 5, classify: is each candidate a figure, and its metric and status; rules and models combined.

The figure decision weighs the hand filters' objection to a number with the
rest of the evidence (a learned model where one was trained, the filters alone
otherwise). For the metric, a confident rule wins (the lexicon knows `lớp tập
huấn` is `training_courses` and is rarely wrong when it is sure); otherwise the
model trained from `corpora/` decides, since it has seen the many other ways the
same measure is phrased. How sure is "sure" is searched by cross-validation and
read from the models' manifest. `extractor` names who decided each half, e.g.
`ml:metric+rule:status`. Without trained model files the rules decide alone and
`extractor` says so (`...;no-model`); altered model files are refused, never loaded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from solieu.extractors import figures as figure_rules
from solieu.extractors import metric, status
from solieu.extractors.learned import features
from solieu.extractors.lexicon import load_json
from solieu.extractors.learned.model import LinearModel, active_models_dir, load_model, read_manifest
from solieu.pipeline.records import Document, Figure, Sentence

# Rule confidence at or above which the rule's answer stands without asking the model
# (0 = the rule always stands and the model is not run), and the probability at or above
# which the figure model keeps a candidate. These are the defaults; `solieu train`
# searches them by cross-validation grouped by document and writes its choice into the
# models' manifest, which is what `shipped_models()` uses.
# `period` and `province` are 1 when the learned choice replaces the rules' (cross-validation
# decides), 0 when the rules' answer stands.
DEFAULT_THRESHOLDS: Mapping[str, float] = {"metric": 0.8, "status": 0.8, "figure": 0.5, "figure_vetoed": 0.5,
                                           "period": 0.0, "province": 0.0}
LEARNED = ("metric", "status", "figure", "period", "province")  # the models a manifest may name
FIGURE_LABEL = "figure"
NO_MODEL = ";no-model"


@dataclass(frozen=True)
class Models:
    """The learned halves of the stage; a None model leaves its decision to the rules."""

    metric: LinearModel | None
    status: LinearModel | None
    figure: LinearModel | None = None
    thresholds: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    period: LinearModel | None = None  # ranks the periods the rules find (learned/choices.py)
    province: LinearModel | None = None  # ranks the provinces the document names

    def threshold(self, task: str) -> float:
        return float(self.thresholds.get(task, DEFAULT_THRESHOLDS[task]))


@dataclass(frozen=True)
class Verdict:
    label: str
    confidence: float
    extractor: str


@lru_cache(maxsize=1)
def shipped_models() -> Models | None:
    """The trained models (hash-checked), or None when none were trained.

    They lie in the active domain pack unless `SOLIEU_MODELS` names the folder that
    `solieu train --models DIR` wrote, or `solieu train --add` wrote the user's own
    (`active_models_dir`), so that a user's models never touch the installed ones.
    """
    return models_in(active_models_dir())


def models_in(directory: Path) -> Models | None:
    """The models of one folder (hash-checked), or None when it holds none."""
    manifest = read_manifest(directory)
    if manifest is None:
        return None
    names = manifest.get("models", {})
    loaded = {name: load_model(name, directory) if name in names else None for name in LEARNED}
    thresholds = {**DEFAULT_THRESHOLDS, **manifest.get("thresholds", {})}
    return Models(loaded["metric"], loaded["status"], loaded["figure"], thresholds, loaded["period"],
                  loaded["province"])


def chosen_models(models: Models | None | bool) -> Models | None:
    """`True` means the shipped models; tests and cross-validation pass their own, or None for rules alone."""
    return shipped_models() if models is True else (models or None)


def decide_figures(candidates: list[Figure], sentences: list[Sentence], kind: str,
                   models: Models | None | bool = True) -> list[Figure]:
    """The candidates that are figures.

    Without a figure model the hand filters decide: no objection and not a count of
    the setting. With one, the model weighs the filters' objection with the number's
    shape and surroundings and keeps what it finds likely enough; its probability
    becomes part of the figure's confidence.
    """
    chosen = chosen_models(models)
    if chosen is None or chosen.figure is None or not candidates:
        kept = [f for f in candidates if rules_accept(f)]
    else:
        probabilities = figure_probabilities(chosen.figure, features.locate(candidates, sentences, kind))
        kept = []
        for candidate, probability in zip(candidates, probabilities):
            candidate.context["figure_confidence"] = probability
            # The filters' verdict is a prior: the model must be surer to overturn it than to confirm it.
            if probability >= chosen.threshold("figure" if rules_accept(candidate) else "figure_vetoed"):
                kept.append(candidate)
    figure_rules.link_previous(kept)
    return kept


def rules_accept(candidate: Figure) -> bool:
    """The hand filters' own verdict: no objection, and not a count of the setting."""
    return candidate.context.get("veto") is None and not candidate.context.get("noise")


def figure_probabilities(model: LinearModel, located: list[features.FigureInDocument]) -> list[float]:
    """P(figure) of each located candidate."""
    if not located:
        return []
    column = model.classes.index(FIGURE_LABEL)
    return [float(p) for p in model.predict_proba([features.figure_features(item) for item in located])[:, column]]


def classify(figures: list[Figure], doc: Document, sentences: list[Sentence], kind: str,
             models: Models | None | bool = True) -> None:
    """Fill metric, status, confidence and extractor of every figure of one document.

    `models=True` uses the shipped models; tests and cross-validation pass their own
    (or None for rules alone).
    """
    if not figures:
        return
    chosen = chosen_models(models)
    scopes = status.target_scopes(sentences)  # once per document, not once per figure
    rules = [(metric.lexicon_metric(f, kind), status.rule_status(f, doc, sentences, kind, scopes)) for f in figures]
    learned: Sequence[tuple[tuple[str, float] | None, tuple[str, float] | None] | None] = [None] * len(figures)
    if chosen is not None and (chosen.metric is not None or chosen.status is not None):
        located = features.locate(figures, sentences, kind)
        for item, (rule_metric, rule_status) in zip(located, rules):
            item.rule_metric, item.rule_status = rule_metric, rule_status
        learned = predict(chosen, located, rules)
    for figure, (rule_metric, rule_status), guess in zip(figures, rules, learned):
        apply(figure, combine(rule_metric, rule_status, guess, chosen), no_model=chosen is None)
        enforce_spec(figure)


def enforce_spec(figure: Figure) -> None:
    """The spec's hard rules over whatever rule or model decided: a count of the situation is achieved.

    The number of sex workers on record, of establishments at risk and of communes
    with prostitution describes what is, never a goal (corpora/figures.md), so no
    target wording around it (a plan's preamble, a report that also sets goals) makes
    it a target.
    """
    if figure.metric in load_json("periods.json")["situation_metrics"] and figure.status != "achieved":
        figure.status = "achieved"
        figure.extractor = figure.extractor.replace("rule:status", "spec:status").replace("ml:status", "spec:status")


def predict(models: Models, located: list[features.FigureInDocument],
            rules: Sequence[tuple[tuple[str, float], tuple[str, float]]] | None = None,
            ) -> list[tuple[tuple[str, float] | None, tuple[str, float] | None]]:
    """The models' best metric and status for each figure, with their probabilities.

    A model is asked only about the figures whose rule is not sure enough to stand
    alone (and not at all when its threshold says the rule always stands).
    """
    rules = rules or [(item.rule_metric, item.rule_status) for item in located]  # type: ignore[misc]
    columns = []
    for index, (task, model) in enumerate((("metric", models.metric), ("status", models.status))):
        answers: list[tuple[str, float] | None] = [None] * len(located)
        if model is not None:
            asked = [i for i, rule in enumerate(rules) if rule[index] is None or rule[index][1] < models.threshold(task)]
            build = features.metric_features if task == "metric" else features.status_features
            if asked:
                for i, answer in zip(asked, model.predict([build(located[i]) for i in asked])):
                    answers[i] = answer
        columns.append(answers)
    return list(zip(columns[0], columns[1]))


def combine(rule_metric: tuple[str, float], rule_status: tuple[str, float],
            learned: tuple[tuple[str, float] | None, tuple[str, float] | None] | None,
            models: Models | None = None) -> tuple[Verdict, Verdict]:
    """Rule when it is confident or when there is no model answer, otherwise the model."""
    thresholds = models.thresholds if models is not None else DEFAULT_THRESHOLDS
    guess_metric, guess_status = learned if learned is not None else (None, None)
    return (decide(rule_metric, guess_metric, "metric", "rule:lexicon", thresholds),
            decide(rule_status, guess_status, "status", "rule:status", thresholds))


def decide(rule: tuple[str, float], model: tuple[str, float] | None, task: str, rule_name: str,
           thresholds: Mapping[str, float] = DEFAULT_THRESHOLDS) -> Verdict:
    if model is None or rule[1] >= thresholds.get(task, DEFAULT_THRESHOLDS[task]):
        return Verdict(rule[0], rule[1], rule_name)
    return Verdict(model[0], model[1], f"ml:{task}")


def apply(figure: Figure, verdicts: tuple[Verdict, Verdict], no_model: bool = False) -> None:
    """Write the verdicts; the figure's confidence is that of its weakest part (figure, metric, status)."""
    metric_verdict, status_verdict = verdicts
    figure.metric, figure.status = metric_verdict.label, status_verdict.label
    weakest = min(metric_verdict.confidence, status_verdict.confidence, figure.context.get("figure_confidence", 1.0))
    figure.confidence = round(weakest, 4)
    figure.extractor = f"{metric_verdict.extractor}+{status_verdict.extractor}" + (NO_MODEL if no_model else "")
