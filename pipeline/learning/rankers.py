"""Training rows and models for the learned choices of period and province (`extractors/learned/choices.py`).

Every option the rules propose becomes one row, labelled `right` when it is the
gold answer; a logistic regression scores options and the best one is chosen.
Only documents as published teach them (the hand-made corpus states no periods
of its own and names provinces in headers only). Each gold figure is seen with
its gold metric and status, the rest as the pipeline sees it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from solieu.extractors import periods, status
from solieu.extractors.learned import choices
from solieu.pipeline import segment
from solieu.pipeline.learning import corpus
from solieu.pipeline.learning.corpus import GoldDoc

RIGHT, WRONG = "right", "wrong"
TASKS = ("period", "province")


@dataclass
class Group:
    """The options of one decision (one figure's period, one document's province) and the gold answer."""

    origin: str
    doc_id: str
    task: str
    options: list[choices.Option]
    gold: str | None
    rule: str | None  # what the rules answer: the option the rules put first

    def right(self, label: str | None) -> bool:
        return label == self.gold


def learnable(docs: Sequence[GoldDoc]) -> list[GoldDoc]:
    """Documents as published: those whose periods and provinces were annotated from the text."""
    real = set(corpus.published_origins())
    return [doc for doc in docs if doc.get("origin") in real]


def groups_of(doc: GoldDoc) -> list[Group]:
    """The document's province decision and each gold figure's period decision."""
    document = corpus.document_of(doc)
    sentences = segment.split_sentences(document.text)
    kind = status.document_kind(document)
    origin = doc.get("origin", "")
    province = choices.province_options(document)
    from solieu.extractors import places

    groups = [Group(origin, doc["doc_id"], "province", province, doc.get("province"), places.document_province(document))]
    if not doc.get("figures"):
        return groups
    analysed = periods.analyse(document, sentences)
    for entry in doc["figures"]:
        try:
            figure = corpus.figure_at(document, sentences, entry["start"], entry["end"])
        except corpus.CorpusError:
            continue
        figure.metric, figure.status = entry.get("metric"), entry.get("status")
        options = choices.period_options(figure, analysed, kind)
        rule = periods.figure_span(figure, analysed, kind)
        groups.append(Group(origin, doc["doc_id"], "period", options, entry.get("period"),
                            rule.label() if rule else None))
    return groups


def all_groups(docs: Sequence[GoldDoc]) -> list[Group]:
    return [group for doc in learnable(docs) for group in groups_of(doc)]


def fit_ranker(task: str, groups: Sequence[Group]) -> object | None:
    """A logistic regression over the options of `task`; None when no group holds its gold answer."""
    from solieu.pipeline.learning import train

    rows = [(option, group) for group in groups if group.task == task for option in group.options]
    labels = [RIGHT if group.right(option.label) else WRONG for option, group in rows]
    if len(set(labels)) < 2:
        return None
    spec = train.Task(task, lambda item: {}, {"option": 1.0}, 1.0)
    weights = [train.ORIGIN_WEIGHT.get(group.origin, 1.0) for _, group in rows]
    return train.fit_blocks(spec, [choices.option_blocks(option) for option, _ in rows], labels, weights)


def accuracy(groups: Sequence[Group], task: str, model: object | None) -> tuple[int, int, int]:
    """(decisions, rules right, ranker right) over the groups of `task`."""
    chosen = [g for g in groups if g.task == task]
    rules = sum(g.right(g.rule) for g in chosen)
    learned = sum(g.right(choices.best(model, g.options)) for g in chosen) if model is not None else rules
    return len(chosen), rules, learned
