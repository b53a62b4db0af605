"""Fit the figure, metric and status models from the corpus, and measure them with documents held out whole.

Figures of one document share wording, so a figure-level split would flatter
the models: every evaluation here holds out whole documents (folds grouped by
document over every annotated origin). The thresholds that say when a rule's
answer stands and when the model's does, and how likely a candidate must be to
be kept as a figure, are searched on the held-out predictions of those folds;
then the whole pipeline runs on each held-out document with the models of its
fold, so the scores printed are what `solieu eval` would say of documents the
models never saw, beside the rules alone on the same documents.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from solieu.extractors import classify, metric, status
from solieu.extractors.learned import features, trees
from solieu.extractors.learned.model import FORMAT, MANIFEST, LinearModel, Vectorizer, models_dir, sha256_of
from solieu.pipeline.learning import corpus, rankers
from solieu.pipeline.learning.corpus import Candidate, Example, GoldDoc
from solieu.pipeline.write import atomic_output

SEED = 0
GROUPED_FOLDS = 5
# The model families `solieu train --family` can fit; both run with numpy alone at extraction.
FAMILIES = ("linear", "trees")
TREE_COLUMNS = 600  # the most frequent features the trees may split on
TREE_SETTINGS = {"max_iter": 40, "learning_rate": 0.1, "max_leaf_nodes": 15, "min_samples_leaf": 5,
                 "l2_regularization": 1.0, "early_stopping": False}
# How much one figure of each origin counts, which origins are scored, and which are texts
# as published (the thresholds are chosen on those): from the domain pack.
ORIGIN_WEIGHT = corpus.origin_weights()
SCORED_ORIGINS = corpus.scored_origins()
REAL_ORIGINS = corpus.published_origins()
# Candidate thresholds searched by cross-validation: 0 means the rule always stands
# (the model is not run), above 1 the model always decides.
RULE_THRESHOLDS = (0.0, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.01)
# A period or province ranker replaces the rules when it chooses right this much more often on
# held-out documents (a share of the decisions): it is trained on gold metrics and statuses, and
# at run time reads predicted ones, so a gain within noise is a loss in the whole pipeline.
RANKER_MARGIN = 0.01
# The same for the metric and status models: the share of held-out real figures they must win.
MODEL_MARGIN = 0.005
# Thresholds under which the filters' verdict always stands: every accepted candidate kept, no vetoed one.
RULES_DECIDE_FIGURES = (0.0, 1.01)
FIGURE_THRESHOLDS = tuple(round(0.1 + 0.05 * i, 2) for i in range(18))


@dataclass(frozen=True)
class Task:
    name: str
    features: Callable[[features.FigureInDocument], features.Blocks]
    block_weights: dict[str, float]
    regularisation: float  # scikit-learn's C


TASKS = {
    "metric": Task("metric", features.metric_features,
                   {"word": 1.0, "rule": 0.6, "doc": 0.3, "cue": 0.4}, 30.0),
    "status": Task("status", features.status_features, {"word": 0.5, "doc": 0.7, "rule": 1.5, "cue": 0.7}, 3.0),
    "figure": Task("figure", features.figure_features,
                   {"word": 1.0, "rule": 0.7, "doc": 0.3, "cue": 0.8}, 3.0),
}


@dataclass
class Prepared:
    """An example with its features and rule verdicts computed once."""

    example: Example
    blocks: dict[str, features.Blocks]
    rule_metric: tuple[str, float]
    rule_status: tuple[str, float]


@dataclass
class PreparedCandidate:
    candidate: Candidate
    blocks: features.Blocks


def prepare(examples: Sequence[Example]) -> list[Prepared]:
    prepared = []
    scopes: dict[str, list] = {}
    for example in examples:
        item, kind = example.item, example.item.kind
        key = f"{example.origin}/{example.doc_id}"
        if key not in scopes:
            scopes[key] = status.target_scopes(example.sentences)
        rule_metric = metric.lexicon_metric(item.figure, kind)
        rule_status = status.rule_status(item.figure, example.doc, example.sentences, kind, scopes[key])
        item.rule_metric, item.rule_status = rule_metric, rule_status
        blocks = {name: TASKS[name].features(item) for name in ("metric", "status")}
        prepared.append(Prepared(example, blocks, rule_metric, rule_status))
    return prepared


def prepare_candidates(docs: Sequence[GoldDoc]) -> list[PreparedCandidate]:
    """Every candidate of the scored documents with its figure features."""
    rows = []
    for doc in docs:
        if doc.get("origin") not in SCORED_ORIGINS:
            continue
        for candidate in corpus.candidates_of(doc):
            rows.append(PreparedCandidate(candidate, features.figure_features(candidate.item)))
    return rows


def fit_blocks(task: Task, samples: Sequence[features.Blocks], labels: Sequence[str],
               weights: Sequence[float], family: str = "linear") -> LinearModel:
    """One logistic regression (probabilities by log-loss), fixed seed, exported as arrays."""
    if family == "trees":
        return fit_trees(task, samples, labels, weights)  # type: ignore[return-value]
    vectorizer = Vectorizer.fit(samples, task.block_weights)
    matrix = vectorizer.transform(samples)
    model = LogisticRegression(C=task.regularisation, max_iter=5000, random_state=SEED, class_weight="balanced")
    model.fit(matrix, list(labels), sample_weight=np.asarray(weights, dtype=float))
    return LinearModel(task.name, vectorizer, tuple(str(c) for c in model.classes_),
                       model.coef_.copy(), model.intercept_.copy())


def fit_trees(task: Task, samples: Sequence[features.Blocks], labels: Sequence[str],
              weights: Sequence[float]) -> trees.TreeModel:
    """Gradient-boosted trees over the presence of the most frequent features, exported as arrays."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    vectorizer = trees.frequent_columns(Vectorizer.fit(samples, task.block_weights), samples, TREE_COLUMNS)
    model = HistGradientBoostingClassifier(**TREE_SETTINGS, random_state=SEED, class_weight="balanced")
    model.fit(trees.presence(vectorizer, samples), list(labels), sample_weight=np.asarray(weights, dtype=float))
    return trees.export(task.name, vectorizer, model)


def fit(task: Task, rows: Sequence[Prepared], family: str = "linear") -> LinearModel:
    label = (lambda e: e.metric) if task.name == "metric" else (lambda e: e.status)
    return fit_blocks(task, [row.blocks[task.name] for row in rows], [label(row.example) for row in rows],
                      [ORIGIN_WEIGHT.get(row.example.origin, 1.0) for row in rows], family)


def fit_figure(rows: Sequence[PreparedCandidate], family: str = "linear") -> LinearModel | None:
    """The figure decision; None when the rows hold only one class (nothing to learn)."""
    labels = [classify.FIGURE_LABEL if row.candidate.is_figure else "not" for row in rows]
    if len(set(labels)) < 2:
        return None
    return fit_blocks(TASKS["figure"], [row.blocks for row in rows], labels,
                      [ORIGIN_WEIGHT.get(row.candidate.origin, 1.0) for row in rows], family)


def fit_models(rows: Sequence[Prepared], candidates: Sequence[PreparedCandidate] = (),
               thresholds: dict[str, float] | None = None, family: str = "linear",
               groups: Sequence[rankers.Group] = ()) -> classify.Models:
    """Every model from the rows; a task whose threshold lets the rule always stand gets no model."""
    chosen = {**classify.DEFAULT_THRESHOLDS, **(thresholds or {})}
    metric_model = fit(TASKS["metric"], rows, family) if chosen["metric"] > 0 else None
    status_model = fit(TASKS["status"], rows, family) if chosen["status"] > 0 else None
    figure_model = fit_figure(candidates, family) if candidates and figure_model_wanted(chosen) else None
    period, province = (rankers.fit_ranker(task, groups) if chosen[task] > 0 and groups else None
                        for task in rankers.TASKS)
    return classify.Models(metric_model, status_model, figure_model, chosen, period, province)  # type: ignore[arg-type]


@dataclass
class Score:
    """Accuracy of the rules alone and of rules+model over the same gold spans."""

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


@dataclass
class HeldOut:
    """Everything the folds predicted for documents they did not train on."""

    folds: list[tuple[set[str], classify.Models]] = field(default_factory=list)
    rows: list[tuple[Prepared, tuple[str, float], tuple[str, float]]] = field(default_factory=list)
    # (is a figure, P(figure), origin, whether the hand filters accept it)
    candidates: list[tuple[bool, float, str, bool]] = field(default_factory=list)
    # (origin, task, decisions, rules right, ranker right) per fold and origin: period and province
    choices: list[tuple[str, str, int, int, int]] = field(default_factory=list)


def doc_key(origin: str, doc_id: str) -> str:
    return f"{origin}/{doc_id}"


def held_out_predictions(rows: Sequence[Prepared], candidates: Sequence[PreparedCandidate],
                         docs: Sequence[GoldDoc], folds: int = GROUPED_FOLDS, family: str = "linear") -> HeldOut:
    """Fit every model on all but one fold of scored documents; predict the held-out fold.

    Weak labels always train and are never scored. Models are fitted with every
    threshold above 0, so that the search can then choose.
    """
    scored = sorted(doc_key(d.get("origin", ""), d["doc_id"]) for d in docs if d.get("origin") in SCORED_ORIGINS)
    result = HeldOut()
    if len(scored) < folds:
        return result
    everything = {"metric": 1.0, "status": 1.0, "period": 1.0, "province": 1.0}
    groups = rankers.all_groups(docs)
    for _, test_index in GroupKFold(n_splits=folds).split(scored, groups=scored):
        test = {scored[i] for i in test_index}
        training = [r for r in rows if doc_key(r.example.origin, r.example.doc_id) not in test]
        models = fit_models(training, [c for c in candidates if doc_key(c.candidate.origin, c.candidate.doc_id) not in test],
                            everything, family, [g for g in groups if doc_key(g.origin, g.doc_id) not in test])
        result.folds.append((test, models))
        result.choices.extend(held_out_choices([g for g in groups if doc_key(g.origin, g.doc_id) in test], models))
        held = [r for r in rows if doc_key(r.example.origin, r.example.doc_id) in test]
        if held:
            answers = models.metric.predict([r.blocks["metric"] for r in held])  # type: ignore[union-attr]
            statuses = models.status.predict([r.blocks["status"] for r in held])  # type: ignore[union-attr]
            result.rows.extend(zip(held, answers, statuses))
        held_candidates = [c for c in candidates if doc_key(c.candidate.origin, c.candidate.doc_id) in test]
        if held_candidates and models.figure is not None:
            column = models.figure.classes.index(classify.FIGURE_LABEL)
            probabilities = models.figure.predict_proba([c.blocks for c in held_candidates])[:, column]
            result.candidates.extend((c.candidate.is_figure, float(p), c.candidate.origin,
                                      classify.rules_accept(c.candidate.item.figure))
                                     for c, p in zip(held_candidates, probabilities))
    return result


def held_out_choices(groups: Sequence[rankers.Group], models: classify.Models) -> list[tuple[str, str, int, int, int]]:
    """How often the rules and the fold's rankers choose the gold period and province, by origin."""
    found = []
    for origin in sorted({g.origin for g in groups}):
        mine = [g for g in groups if g.origin == origin]
        for task, model in zip(rankers.TASKS, (models.period, models.province)):
            decisions, rules_right, ranker_right = rankers.accuracy(mine, task, model)
            if decisions:
                found.append((origin, task, decisions, rules_right, ranker_right))
    return found


def search_thresholds(held: HeldOut, origins: tuple[str, ...] = REAL_ORIGINS) -> dict[str, float]:
    """The thresholds that did best on held-out real documents (ties go to the rule: fewer model answers)."""
    chosen: dict[str, float] = {}
    for task in rankers.TASKS:  # a ranker replaces the rules only where it chose right clearly more often
        tallies = [(n, rules, ranker) for origin, name, n, rules, ranker in held.choices
                   if name == task and origin in origins]
        decisions, rules_right, ranker_right = (sum(t[i] for t in tallies) for i in range(3))
        chosen[task] = 1.0 if ranker_right - rules_right > max(RANKER_MARGIN * decisions, 2) else 0.0
    rows = [entry for entry in held.rows if entry[0].example.origin in origins]
    for index, task in enumerate(("metric", "status")):
        def accuracy(threshold: float) -> float:
            right = 0
            for row, metric_answer, status_answer in rows:
                rule = (row.rule_metric, row.rule_status)[index]
                answer = (metric_answer, status_answer)[index]
                gold = (row.example.metric, row.example.status)[index]
                right += classify.decide(rule, answer, task, "", {task: threshold}).label == gold
            return right / max(len(rows), 1)
        scores = {threshold: accuracy(threshold) for threshold in RULE_THRESHOLDS}
        # The model is asked about every figure under the threshold, so the lowest threshold
        # within noise of the best is taken; and a model right on barely more held-out figures
        # than the rule costs every document its features for nothing: the rule then stands alone.
        best = min(t for t in RULE_THRESHOLDS if scores[t] >= max(scores.values()) - MODEL_MARGIN / 2)
        chosen[task] = best if scores[best] - scores[0.0] > MODEL_MARGIN else 0.0
    by_origin: dict[str, list[tuple[bool, float, bool]]] = {}
    for gold, p, origin, accepted in held.candidates:
        if origin in origins:
            by_origin.setdefault(origin, []).append((gold, p, accepted))
    if by_origin:
        def f1(pair: tuple[float, float]) -> float:
            """F1 of the figures kept, averaged over the real sets: police news, whose numbers are mostly
            not figures, must not buy its precision with the recall of every other kind of text."""
            total = 0.0
            for candidates in by_origin.values():
                positives = sum(1 for gold, _, _ in candidates if gold)
                kept = [gold for gold, p, accepted in candidates if p >= (pair[0] if accepted else pair[1])]
                total += 2 * sum(kept) / (len(kept) + positives) if kept or positives else 0.0
            return total / len(by_origin)
        pairs = [(a, b) for a in FIGURE_THRESHOLDS for b in FIGURE_THRESHOLDS]
        best = max(pairs, key=lambda pair: (round(f1(pair), 6), -abs(pair[0] - 0.5) - abs(pair[1] - 0.5)))
        # As for the other tasks, the figure model ships only when it keeps clearly better figures than
        # the filters alone on held-out real documents; otherwise it would trade one set's recall for
        # another's precision for nothing, and cost every document its features.
        if f1(best) - f1(RULES_DECIDE_FIGURES) > MODEL_MARGIN:
            chosen["figure"], chosen["figure_vetoed"] = best
        else:
            chosen["figure"], chosen["figure_vetoed"] = RULES_DECIDE_FIGURES
    return chosen


def figure_model_wanted(thresholds: dict[str, float]) -> bool:
    """False when the thresholds let the filters' verdict always stand (no figure model is fitted)."""
    return (thresholds.get("figure"), thresholds.get("figure_vetoed")) != RULES_DECIDE_FIGURES


def score_rows(held: HeldOut, thresholds: dict[str, float], origin: str | None = None) -> Score:
    """Rules alone and rules+model on held-out gold spans, with the chosen thresholds."""
    score = Score()
    for row, metric_answer, status_answer in held.rows:
        if origin is not None and row.example.origin != origin:
            continue
        verdicts = (classify.decide(row.rule_metric, metric_answer, "metric", "rule:lexicon", thresholds),
                    classify.decide(row.rule_status, status_answer, "status", "rule:status", thresholds))
        score.add(row, verdicts)
    return score


def with_thresholds(models: classify.Models, thresholds: dict[str, float]) -> classify.Models:
    """The fold's models under the chosen thresholds (a rule that always stands drops its model)."""
    chosen = {**classify.DEFAULT_THRESHOLDS, **thresholds}
    return classify.Models(models.metric if chosen["metric"] > 0 else None,
                           models.status if chosen["status"] > 0 else None,
                           models.figure, chosen,
                           models.period if chosen["period"] > 0 else None,
                           models.province if chosen["province"] > 0 else None)


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


def manifest_info(docs: Sequence[GoldDoc], rows: Sequence[Prepared], thresholds: dict[str, float]) -> dict:
    return {
        "seed": SEED,
        "scikit_learn": sklearn.__version__,
        "corpus_sha256": corpus_digest(docs),
        "figures_by_origin": dict(sorted(Counter(r.example.origin for r in rows).items())),
        "documents": len(docs),
        "thresholds": thresholds,
    }


def foreign_files(directory: Path) -> list[str]:
    """What in a models folder `solieu train` did not write: a folder holds only the files its manifest lists.

    Training deletes models it no longer writes and replaces the manifest; in a
    folder of the user's own files (another `.npz`, some other `manifest.json`) it
    must touch nothing, so such a folder is refused whole.
    """
    if not directory.exists():
        return []
    if not directory.is_dir():
        return [f"{directory} is not a folder"]
    present = sorted(p.name for p in directory.iterdir())
    if not present:
        return []
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not isinstance(manifest.get("models"), dict):
        return present
    ours = {MANIFEST} | {str(entry.get("file")) for entry in manifest["models"].values() if isinstance(entry, dict)}
    return [name for name in present if name not in ours]


def save_models(models: Sequence[LinearModel], info: dict, directory: Path | None = None) -> Path:
    """Write each model's `.npz`, then the manifest holding their hashes (written last).

    The caller has refused a folder holding anything else (`foreign_files`): the
    `.npz` files removed here are models an earlier training wrote.
    """
    directory = directory or models_dir()
    directory.mkdir(parents=True, exist_ok=True)
    entries = {}
    for model in models:
        path = directory / f"{model.name}.npz"
        with atomic_output(path, "wb") as handle:
            np.savez_compressed(handle, **model.arrays())
        path.chmod(0o644)  # shipped with the code: readable like any source file
        entries[model.name] = {"file": path.name, "sha256": sha256_of(path)}
    for stale in directory.glob("*.npz"):  # a model no longer trained must not lie beside the manifest
        if stale.stem not in entries:
            stale.unlink()
    manifest = {"format": FORMAT, "models": entries, **info}
    with atomic_output(directory / MANIFEST) as handle:
        handle.write(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    (directory / MANIFEST).chmod(0o644)
    return directory / MANIFEST
