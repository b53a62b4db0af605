"""Stage 5b, classify the status (target or achieved) and the kind of document.

A figure is a target when its sentence states a goal (`phấn đấu`, `chỉ tiêu`),
when it lies inside a plan's passage (a news article that summarises a plan,
from `phấn đấu` until `Để đạt được ...`; a heading `Một số chỉ tiêu` and its
list), or when the whole document is a plan, unless its sentence reports a
past result. Everything else is achieved.
"""

from __future__ import annotations

import re
from functools import lru_cache

from solieu.extractors.lexicon import alternation, load_json
from solieu.extractors.memo import per_document
from solieu.pipeline.records import Document, Figure, Sentence

HEADING = re.compile(r"^\s*(?:[IVXLC]+|\d+(?:\.\d+)*|[a-zđ])[.)]\s+\S")


@lru_cache(maxsize=1)
def _lexicon() -> dict:
    return load_json("status.json")


@lru_cache(maxsize=64)
def _cue(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{alternation(words)})(?!\w)", re.IGNORECASE)


@per_document
def has(text: str, key: str) -> bool:
    """Does `text` hold one of the cues of lexicon list `key`? (Remembered for the document: figures of a sentence share it.)"""
    return _cue(tuple(_lexicon()[key])).search(text) is not None


def document_kind(doc: Document) -> str:
    """`plan`, `report` or `news`, from the title or first line and the document's structure."""
    lex = _lexicon()
    head = (doc.title or _first_line(doc.text)).strip().lower()
    if any(head.startswith(word) for word in lex["plan_title_starts"]):
        return "plan"
    if any(head.startswith(word) for word in lex["report_title_starts"]):
        return "report"
    number = re.search(r"(?<!\w)Số\s*:?\s*(\S+)", doc.text[: lex.get("header_chars", 400)])
    if number and any(code in number.group(1) for code in lex["plan_number_codes"]):
        return "plan"
    if number and any(code in number.group(1) for code in lex["report_number_codes"]):
        return "report"
    structure = sum(1 for cue in lex["plan_structure"] if cue in doc.text.lower())
    return "plan" if structure >= lex["plan_structure_needed"] else "news"


def _first_line(text: str) -> str:
    return next((line for line in text.splitlines() if line.strip()), "")


def is_heading(sentence: Sentence) -> bool:
    """A numbered line, or a short line without a full stop: it opens a section."""
    text = sentence.text.strip()
    if HEADING.match(text) and len(text) < 120:
        return True
    if text[:1].islower():  # a line broken in the middle of a sentence (tables, PDF text) continues it
        return False
    return len(text) < 80 and not text.endswith((".", ";", ":")) and not text.startswith(("-", "+", "•"))


def target_scopes(sentences: list[Sentence]) -> list[bool | None]:
    """For each sentence: True inside a passage of goals, False inside a section of results, else None.

    A heading opens a section (`2. Chỉ tiêu năm 2024` of goals, `I. Tình hình`
    or `Kết quả năm 2022` of results); in running text, a goal (`phấn đấu`)
    opens a passage that lasts until a sentence reports what was done.
    """
    state: bool | None = None
    flags: list[bool | None] = []
    lead = " ".join(s.text for s in sentences[1:_lexicon().get("lead_sentences", 4)])
    for sentence in sentences:
        if sentence.index == 0 and has(lead, "plan_news_leads") and not has(sentence.text, "achieved"):
            flags.append(True)  # the headline of a news item about a plan just issued states its goals
            continue
        if sentence.index == 0 and has(sentence.text, "plan_news_leads") and not has(sentence.text, "achieved"):
            state = True  # `Tỉnh X ban hành kế hoạch ...`: the item summarises the plan until it reports a result
            flags.append(state)
            continue
        text = sentence.text
        if is_heading(sentence):
            if has(text, "results_headings"):
                state = False
            elif has(text, "strong_target") or has(_heading_words(text), "strong_target"):
                state = True
            else:
                state = None
        elif HEADING.match(text) and has(_heading_words(text), "results_headings"):
            state = False  # `1. Thực trạng: toàn tỉnh có ...`: a numbered section of the situation, run into its text
        elif state and has(text, "scope_closers"):
            state = None
        elif has(text, "passage_openers") and not has(text, "achieved"):
            state = True
        flags.append(state)
    return flags


def _heading_words(text: str) -> str:
    return text.split(":", 1)[0]


def rule_status(figure: Figure, doc: Document, sentences: list[Sentence], kind: str,
                scopes: list[bool | None] | None = None) -> tuple[str, float]:
    """The rule's status for one figure, with its confidence."""
    scopes = scopes if scopes is not None else target_scopes(sentences)
    sentence = figure.sentence
    clause, reached = _without_reached_targets(_clause_of(figure))
    sentence = sentence if not reached else _without_reached_targets(sentence)[0]
    if has(clause, "strong_target"):
        return "target", 0.95
    if reached:
        return "achieved", 0.9
    scope = scopes[figure.sentence_index] if 0 <= figure.sentence_index < len(scopes) else None
    if is_situation(figure, kind) and (kind != "plan" and not scope or has(clause, "situation_statements")):
        return "achieved", 0.95  # the spec: the situation is always a fact
    if scope is False:
        return "achieved", 0.8
    if kind == "plan":
        if has(sentence, "past_rewrites_in_plan"):
            return "achieved", 0.7
        return "target", 0.9
    if scope:
        return "target", 0.8
    if _future_year(clause, doc):
        return "target", 0.8
    if has(clause, "weak_target") and not has(clause, "achieved"):
        return "target", 0.6
    return "achieved", 0.85 if has(sentence, "achieved") else 0.7


def is_situation(figure: Figure, kind: str | None = None) -> bool:
    """Does the lexicon read this figure as one of the pack's situation metrics (sex workers, establishments on record ...)?"""
    from solieu.extractors import metric  # the metric stage's reading of the same figure

    return metric.lexicon_metric(figure, kind)[0] in load_json("periods.json")["situation_metrics"]


@lru_cache(maxsize=1)
def _reached_pattern() -> re.Pattern[str]:
    lex = _lexicon()
    verbs, nouns = alternation(lex["reached_verbs"]), alternation(lex["target_nouns"])
    return re.compile(
        rf"(?:(?<!\w)(?:{verbs})\s+(?:[\d.,]+\s*%\s*)?(?:so với\s+)?(?:{nouns})"
        rf"|%\s*(?:so với\s+)?(?:{nouns})"
        rf"|/\s*[\d.,]+(?:\s+[^\W\d_]+){{0,3}}?\s+theo\s+(?:{nouns})"
        rf"|(?<!\w)(?:{alternation(lex['not_goal_phrases'])}))(?!\w)", re.IGNORECASE)


@per_document
def _without_reached_targets(text: str) -> tuple[str, bool]:
    """The text with its shares of a target reached blanked out, and whether it held one that reports a result."""
    found = False

    def blank(match: re.Match[str]) -> str:
        nonlocal found
        found = found or not has(match.group(), "not_goal_phrases")
        return " " * len(match.group())

    return _reached_pattern().sub(blank, text), found


def _clause_of(figure: Figure) -> str:
    """The figure's sentence up to the next `;`: cues of later clauses do not reach back."""
    offset = figure.end - figure.sentence_start
    end = figure.sentence.find(";", offset)
    return figure.sentence if end < 0 else figure.sentence[:end]


def _future_year(clause: str, doc: Document) -> bool:
    """`đến năm 2025` written before 2025 is a goal."""
    published = int(doc.published[:4]) if doc.published and doc.published[:4].isdigit() else None
    for match in re.finditer(rf"{_cue(tuple(_lexicon()['future_year_before'])).pattern}\s+(\d{{4}})", clause, re.IGNORECASE):
        year = int(match.group(1))
        if published is None or year > published:
            return True
    return False
