"""Stage 5a, classify the metric: the lexicon classifier.

A figure's metric follows from what it counts and what was done: `06 phường`
where awareness events were held is `communes_with_propaganda`, `06 lớp tập
huấn` is `training_courses` whatever the verb. So the classifier finds the
category of the counted noun phrase (longest cue wins: `người lao động` before
`người`), scores the activity cues of the figure's clause (nearer cues weigh
more), and maps (category, activity) to a metric through the table in
`corpora/lexicons/metric.json`. A learned classifier plugs into the same stage
(`extractors/classify.py`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache

from solieu.extractors.lexicon import alternation, load_json
from solieu.extractors.memo import per_document
from solieu.pipeline.records import Figure

CLAUSE_BREAKS = re.compile(r"[;:\n]")
RIGHT_STOP = re.compile(r"[;:\n]|\d")  # the right side of a figure ends at a clause break or the next number


@lru_cache(maxsize=1)
def _lexicon() -> dict:
    return load_json("metric.json")


@lru_cache(maxsize=1)
def _activity_cues() -> dict[str, tuple[str, float]]:
    """Each cue (lower case) → its activity and weight; a cue listed twice keeps its first activity."""
    cues: dict[str, tuple[str, float]] = {}
    for activity, table in _lexicon()["activities"].items():
        for cue, weight in table.items():
            cues.setdefault(cue.lower(), (activity, float(weight)))
    return cues


@lru_cache(maxsize=1)
def _activity_pattern() -> re.Pattern[str]:
    """All activity cues in one pattern, longest first, so that `không có tệ nạn` wins over the `có tệ nạn` inside it."""
    return re.compile(rf"(?<!\w)(?:{alternation(list(_activity_cues()))})(?!\w)", re.IGNORECASE)


def _activity_of(cue: str) -> str:
    return _activity_cues()[cue.lower()][0]


def counted_category(counted: str | None, unit: str) -> str:
    """The kind of thing counted; the longest matching cue of any category decides.

    A cue heading the phrase (after an optional `lượt`) is looked for first; only
    when none does is the longest cue anywhere inside it taken. Equal lengths go
    to the category listed first in the lexicon.
    """
    if unit == "vnd":
        return "money"
    if not counted:
        return "none"
    phrase = counted.lower()
    head = _category_head().match(phrase)
    if head:
        return _category_of(head.group("cue"))
    inside = [match.group("cue") for start in _word_starts(phrase) if (match := _category_cue().match(phrase, start))]
    if not inside:
        return "none"
    return _category_of(min(inside, key=lambda cue: (-len(cue), _category_cues()[cue][1])))


@lru_cache(maxsize=1)
def _category_cues() -> dict[str, tuple[str, int]]:
    """Each cue → its category and its place in the lexicon (the first listing of a cue wins)."""
    cues: dict[str, tuple[str, int]] = {}
    for category, listed in _lexicon()["categories"].items():
        for cue in listed:
            cues.setdefault(cue, (category, len(cues)))
    return cues


def _category_of(cue: str) -> str:
    return _category_cues()[cue][0]


@lru_cache(maxsize=1)
def _category_head() -> re.Pattern[str]:
    return re.compile(rf"(?:lượt\s+)?(?P<cue>{alternation(list(_category_cues()))})(?!\w)")


@lru_cache(maxsize=1)
def _category_cue() -> re.Pattern[str]:
    return re.compile(rf"(?P<cue>{alternation(list(_category_cues()))})(?!\w)")


def _word_starts(phrase: str) -> list[int]:
    return [match.start() for match in re.finditer(r"(?<!\w)\w", phrase)]


def activity_scores(figure: Figure) -> dict[str, float]:
    """Activity cues of the figure's clause, each weighted by its distance to the number.

    The left side runs from the clause start to the number (the verb that governs
    an object count); the right side from the number past the counted phrase up
    to the next number (the predicate of a subject count, `51/56 xã không có tệ nạn`).
    """
    lex = _lexicon()
    sentence = figure.sentence
    offset, end_offset = figure.start - figure.sentence_start, figure.end - figure.sentence_start
    counted_end = figure.context.get("counted_end", figure.end) - figure.sentence_start
    left_start = max((m.end() for m in CLAUSE_BREAKS.finditer(sentence, max(0, offset - int(lex["left_window_chars"])), offset)),
                     default=max(0, offset - int(lex["left_window_chars"])))
    right_break = RIGHT_STOP.search(sentence, max(end_offset, counted_end))
    if right_break and _shares_next_predicate(figure, sentence, max(end_offset, counted_end), right_break.start()):
        right_break = CLAUSE_BREAKS.search(sentence, right_break.start())
    right_end = right_break.start() if right_break else len(sentence)
    counted_words = len(sentence[end_offset:counted_end].split())
    right_words = sentence[end_offset:right_end].split()[: counted_words + int(lex["right_window_words"])]
    scores: dict[str, float] = defaultdict(float)
    sides = ((sentence[left_start:offset], 1.0, True), (" ".join(right_words), float(lex["right_factor"]), False))
    cues = _activity_cues()
    for text, factor, from_end in sides:
        for match in _activity_pattern().finditer(text):
            activity, weight = cues[match.group().lower()]
            gap = text[match.end():] if from_end else text[: match.start()]
            scores[activity] += factor * weight / (1.0 + len(gap.split()) / lex["decay_words"])
    return dict(scores)


LIST_JOINER = re.compile(r"\s*(?:,|và|,\s*và)\s*$")


def _shares_next_predicate(figure: Figure, sentence: str, counted_end: int, next_number: int) -> bool:
    """`100% huyện và 100% xã xây dựng kế hoạch`: a share joined to the next share reads the predicate after both."""
    return (figure.unit == "percent" and LIST_JOINER.match(sentence[counted_end:next_number]) is not None
            and re.match(r"[\d.,]+\s*%", sentence[next_number:]) is not None)


def _named_subject(figure: Figure, category: str) -> str:
    """A generic count (`người`, `trường hợp`) that its sentence says is of the domain's subjects.

    The pack's `subject_mentions` names the category (its subjects), the cue words
    before the count that put the sentence about them, and the words right after
    the count that call those counted so (`2.000 phụ nữ có dấu hiệu ...`). Counts
    of employees are named so only by the words after them.
    """
    rule = _lexicon().get("subject_mentions")
    if rule and category in rule.get("strict_applies_to", ()) and figure.counted:
        return rule["category"] if _named_after(figure, rule["strict_cues_after"], rule) else category
    if not rule or category not in rule["applies_to"] or not figure.counted:
        return category
    if figure.counted.lower() not in rule["generic"]:
        return category
    before = figure.sentence[: figure.start - figure.sentence_start].lower()
    if category not in rule["named_after_only"] and any(cue in before for cue in rule["cues"]):
        return rule["category"]
    return rule["category"] if _named_after(figure, rule["cues_after"], rule) else category


def _named_after(figure: Figure, cues: list[str], rule: dict) -> bool:
    """Do the words right after the count call what it counts the domain's subjects?"""
    if figure.counted is None or figure.counted.lower() not in rule["generic"]:
        return False
    after = figure.sentence[figure.end - figure.sentence_start:]
    after = " ".join(re.split(r"[;:\n]", after, maxsplit=1)[0].lower().split()[: int(rule["after_window_words"])])
    return any(re.search(rf"(?<!\w){re.escape(cue)}(?!\w)", after) for cue in cues)


@per_document
def has_activity(text: str, excluding: tuple[str, ...] = ()) -> bool:
    """Does the text mention any work of the programme (other than the activities `excluding`)?

    Remembered for the document: every figure of a sentence asks it about the same sentence.
    """
    return any(_activity_of(match.group()) not in excluding for match in _activity_pattern().finditer(text))


def counted_category_of(figure: Figure) -> str:
    """The category of what the figure counts, read with its sentence (generic words about the domain's subjects)."""
    return _named_subject(figure, counted_category(figure.counted, figure.unit))


def lexicon_metric(figure: Figure, kind: str | None = None) -> tuple[str, float]:
    """The metric the lexicon gives this figure, with a confidence from the score margin.

    Remembered on the figure: the status rule asks it too (the situation is always achieved).
    """
    remembered = figure.context.get("lexicon_metric")
    if remembered is not None and remembered[0] == kind:
        return remembered[1]
    answer = _lexicon_metric(figure)
    figure.context["lexicon_metric"] = (kind, answer)
    return answer


def _lexicon_metric(figure: Figure) -> tuple[str, float]:
    lex = _lexicon()
    role = lex.get("story_roles", {}).get(figure.context.get("story_role"))
    if role is not None:  # the part the story gives the people counted (figures._kept_by_the_case, _victim_of_trafficking)
        return role, 0.8
    category = counted_category_of(figure)
    activities = activity_scores(figure)
    scores: dict[str, float] = defaultdict(float)
    default = lex["defaults"].get(category, "other")
    scores[default] += lex["fixed_prior"] if category in lex["fixed"] else lex["category_prior"]
    row = lex["table"].get(category, {})
    for activity, score in activities.items():
        target = row[activity] if activity in row else lex["activity_metric"].get(activity)
        if target and (category not in lex["fixed"] or target == default):
            scores[target] += score
    event = event_before(figure) if category in ("place", "people", "staff") else None
    after_event = lex["place_after_event"] if category == "place" else lex.get("people_after_event", {})
    if event in after_event:
        scores[after_event[event]] += lex["place_after_event_weight"]
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    best, top = ranked[0]
    runner = ranked[1][1] if len(ranked) > 1 else 0.0
    confidence = top / (top + runner + 1.0)
    if category == "none":
        confidence *= 0.6
    return best, round(min(0.99, confidence + 0.2), 3)


def event_before(figure: Figure) -> str | None:
    """The category of the figure just before in the same clause: `03 cuộc hội thảo ... tại 03 địa bàn`."""
    previous: Figure | None = figure.context.get("previous")
    if previous is None or CLAUSE_BREAKS.search(figure.sentence, previous.end - figure.sentence_start,
                                                 figure.start - figure.sentence_start):
        return None
    return counted_category(previous.counted, previous.unit)
