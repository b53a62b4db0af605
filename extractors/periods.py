"""Attach period: the year or years a figure refers to (`2019`, `2016-2020`, `2019-`).

A figure takes the period stated in its own clause; else the period set by the
nearest preceding framing statement (`Trong năm 2019, ...`, `5 năm qua, ...`);
else the document's period; else the publication year. A plan's goals skip
the framing statements (they describe the past) and take the plan's year; its
results and situation take the past year their frame names.
Relative expressions (`5 năm qua`, `đến nay`, `năm nay`) are resolved from
the publication date, else from the latest explicit year of the document.

Dates that only identify something (a cited decree, the publication line, a
comparison `so với năm 2018`) are masked before any period is read.
All patterns and words live in `corpora/lexicons/periods.json`.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from solieu.extractors.lexicon import alternation, load_json
from solieu.extractors.places import body_end
from solieu.pipeline.records import Document, Figure, Sentence

CLOSED_KINDS = ("year", "range", "since_now", "relative_years", "relative_year", "law_years")
# Kinds whose years can anchor "now"; a start year (`từ năm 2016 đến nay`) cannot.
EXPLICIT_KINDS = ("year", "range", "until")
SITUATION_DATE_KINDS = ("year", "until")  # what dates a count of the situation: a day, a year, "as of"


def rules() -> dict[str, Any]:
    return load_json("periods.json")


def expand(pattern: str) -> str:
    """Fill the `{Y}`, `{y}`, `{DATE_HEAD}` and `{N}` placeholders of a lexicon pattern."""
    data = rules()
    words = sorted(data["number_words"], key=len, reverse=True)
    fills = dict(data["placeholders"], N="(?:" + "|".join(map(re.escape, words)) + ")")
    return re.sub(r"\{([A-Za-z_]+)\}", lambda m: fills.get(m.group(1), m.group()), pattern)


@lru_cache(maxsize=1)
def expression_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((e["kind"], re.compile(expand(e["pattern"]), re.IGNORECASE)) for e in rules()["expressions"])


@lru_cache(maxsize=1)
def mask_patterns() -> tuple[tuple[dict[str, Any], re.Pattern[str]], ...]:
    return tuple((m, re.compile(expand(m["pattern"]), re.IGNORECASE)) for m in rules()["masks"])


@dataclass(frozen=True)
class Span:
    """Years from `first` to `last` inclusive; `last` None is an open range (`2019-`)."""

    first: int
    last: int | None

    def label(self) -> str:
        if self.last is None:
            return f"{self.first}-"
        return str(self.first) if self.first == self.last else f"{self.first}-{self.last}"


@dataclass(frozen=True)
class Expression:
    """A period expression found in the text, before resolution."""

    kind: str
    start: int
    end: int
    first: int | None = None
    last: int | None = None
    count: int | None = None
    word: str | None = None

    def explicit_years(self) -> list[int]:
        return [y for y in (self.first, self.last) if y is not None]


@dataclass(frozen=True)
class Context:
    """What relative expressions are resolved against, for one document."""

    anchor: int | None  # "now": publication year, else the end of the period the document states most
    anchor_month: int | None
    document: Span | None  # the document's own period
    document_mentions: int = 0  # how many times the document states its own period
    law: Span | None = None  # `10 năm thi hành Pháp lệnh ...`: from the programme's law to now
    law_count: int | None = None  # the count of years that review states


def sentence_bounds(text: str, sentences: list[Sentence]) -> list[tuple[int, int]]:
    bounds = sorted((s.start, s.end) for s in sentences)
    return bounds or [(0, len(text))]


def clause_of(text: str, position: int, bounds: list[tuple[int, int]]) -> tuple[int, int]:
    """The clause (between separators, inside one sentence) holding `position`."""
    starts = [b[0] for b in bounds]
    index = max(0, bisect.bisect_right(starts, position) - 1)
    start, end = bounds[index]
    if not start <= position < end:
        return position, position
    return separated(text, start, end, position)


def separated(text: str, start: int, end: int, position: int) -> tuple[int, int]:
    """The piece of `text[start:end]` around `position` between clause separators (`;`)."""
    left, right = start, end
    for separator in rules()["clause_separators"]:
        before = text.rfind(separator, start, position)
        if before >= 0:
            left = max(left, before + len(separator))
        after = text.find(separator, position, end)
        if after >= 0:
            right = min(right, after)
    return left, right


def masked_spans(text: str, limit: int, bounds: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans whose years are not periods: publication lines, comparisons, cited documents."""
    spans: list[tuple[int, int]] = []
    for mask, pattern in mask_patterns():
        group = mask.get("extend_group")
        for match in pattern.finditer(text, 0, limit):
            end = match.end()
            if group and match.group(group) is not None:
                end = max(end, clause_of(text, match.start(), bounds)[1])
            spans.append((match.start(), end))
    return spans


def publication_date(doc: Document) -> tuple[int | None, int | None]:
    """(year, month) of publication: the document's own field, else a publication line near the top."""
    if doc.published:
        match = re.match(r"(\d{4})(?:-(\d{1,2}))?", doc.published)
        if match:
            return int(match.group(1)), int(match.group(2)) if match.group(2) else None
    window = doc.text[: rules()["publication_window"]]
    for mask, pattern in mask_patterns():
        if mask.get("publication"):
            match = pattern.search(window)
            if match:
                return int(match.group("year")), int(match.group("month"))
    return None, None


def number(text: str) -> int:
    return int(text) if text.isdigit() else rules()["number_words"][text.lower()]


def find_expressions(text: str, limit: int, masks: list[tuple[int, int]]) -> list[Expression]:
    """Period expressions, longest first where they overlap, outside masked spans."""
    candidates: list[Expression] = []
    for kind, pattern in expression_patterns():
        for match in pattern.finditer(text, 0, limit):
            groups = match.groupdict()
            candidates.append(Expression(
                kind, match.start(), match.end(),
                int(groups["first"]) if groups.get("first") else None,
                int(groups["last"]) if groups.get("last") else None,
                number(groups["count"]) if groups.get("count") else None,
                groups["word"].lower() if groups.get("word") else None,
            ))
    masked = _Disjoint(_merged(masks))
    taken = _Disjoint([])
    chosen: list[Expression] = []
    for candidate in sorted(candidates, key=lambda e: (-(e.end - e.start), e.start)):
        if not masked.overlaps(candidate.start, candidate.end) and not taken.overlaps(candidate.start, candidate.end):
            chosen.append(candidate)
            taken.add(candidate.start, candidate.end)
    return sorted(chosen, key=lambda e: e.start)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping spans joined into one, so that what is left is disjoint and sorted."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


class _Disjoint:
    """Sorted disjoint half-open spans: does a new span overlap one? Two neighbours tell, in log time.

    Checking every kept span for every candidate made a long report quadratic.
    """

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.starts = [start for start, _ in spans]
        self.ends = [end for _, end in spans]

    def overlaps(self, start: int, end: int) -> bool:
        index = bisect.bisect_left(self.starts, end)  # spans starting before `end`
        return index > 0 and self.ends[index - 1] > start

    def add(self, start: int, end: int) -> None:
        index = bisect.bisect_left(self.starts, start)
        self.starts.insert(index, start)
        self.ends.insert(index, end)


def resolve(expression: Expression, context: Context, status: str) -> Span | None:
    """The years an expression stands for; None when it is relative and nothing anchors it."""
    anchor, kind = context.anchor, expression.kind
    if kind == "year" and expression.first is not None:
        return Span(expression.first, expression.first)
    if kind == "range" and expression.first is not None and expression.last is not None:
        return Span(min(expression.first, expression.last), max(expression.first, expression.last))
    if kind == "open" and expression.first is not None:
        return Span(expression.first, None)
    if kind == "since_now" and expression.first is not None:
        return Span(expression.first, anchor if anchor and anchor >= expression.first else None)
    if kind == "until" and expression.last is not None:
        return cumulative(expression.last, context, status)
    if anchor is None:
        return None
    if kind == "until_now":
        return cumulative(anchor, context, status)
    if kind == "law_years" or (kind == "relative_years" and context.law and expression.count == context.law_count):
        return context.law  # `Trong 10 năm qua` in a review of `10 năm thi hành Pháp lệnh` runs from the law
    if kind == "relative_years" and expression.count:
        last = anchor + relative_offset("qua", context)  # `5 năm qua` early in a year ends with the year before
        return Span(last - expression.count + 1, last)
    if kind == "relative_year":
        return Span(anchor + relative_offset(expression.word, context), anchor + relative_offset(expression.word, context))
    return None


def cumulative(last: int, context: Context, status: str) -> Span:
    """`đến (cuối) năm 2020`: a target is due that year; a result runs from the document's start."""
    document = context.document
    if status != "target" and document and document.first < last:
        return Span(document.first, last)
    return Span(last, last)


def relative_offset(word: str | None, context: Context) -> int:
    """`năm nay` 0, `năm trước` -1; `năm qua` early in a year means the year before."""
    data = rules()
    if word is None:
        return 0
    offset = int(data["relative_year_offsets"].get(word, 0))
    early = context.anchor_month is not None and context.anchor_month <= data["recent_past_months"]
    if word in data["recent_past_words"] and early:
        offset -= 1
    return offset


def document_span(expressions: list[Expression], context: Context) -> Span | None:
    """The document's period: its most stated closed period, else its cumulative or open ones."""
    return document_period(expressions, context)[0]


def document_period(expressions: list[Expression], context: Context) -> tuple[Span | None, int]:
    """The document's period and how many times it is stated."""
    tiers = (
        [resolve(e, context, "achieved") for e in expressions if e.kind in CLOSED_KINDS],
        [resolve(e, context, "target") for e in expressions if e.kind in ("until", "until_now")],
        [Span(e.first, e.first) for e in expressions if e.kind == "open" and e.first is not None],
    )
    for tier in tiers:
        spans = [s for s in tier if s is not None and s.last is not None]
        if spans:
            counts = Counter(spans)
            best = max(spans, key=lambda s: (counts[s], -spans.index(s)))
            return best, counts[best]
    return None, 0


def is_frame(text: str, expression: Expression, bounds: list[tuple[int, int]]) -> bool:
    """A framing statement opens its clause (`Cụ thể, trong năm 2019, ...`) or is set off by a comma."""
    frame = rules()["frame"]
    if expression.kind == "year" and re.search(frame["event_date"], text[expression.start:expression.end]):
        return False  # `ngày 7/3/2016, Thủ tướng ban hành ...` dates an event, it frames no later result
    following = text[expression.end:expression.end + 3].lstrip()
    if following[:1] in frame["followed_by"] or is_heading(text, expression):
        return True
    start, _ = clause_of(text, expression.start, bounds)
    return len(re.findall(r"\w+", text[start:expression.start])) <= frame["max_words_before"]


def is_heading(text: str, expression: Expression) -> bool:
    """A period that ends its line (`2. Chỉ tiêu cụ thể đến năm 2025`) heads the lines below it."""
    line_end = text.find("\n", expression.end)
    rest = text[expression.end:] if line_end < 0 else text[expression.end:line_end]
    return line_end >= 0 and rest.strip(" \t:") == ""


@dataclass
class DocumentPeriods:
    """Everything about periods one document states, computed once per document."""

    text: str
    bounds: list[tuple[int, int]]
    expressions: list[Expression]
    context: Context
    publication_year: int | None


def analyse(doc: Document, sentences: list[Sentence]) -> DocumentPeriods:
    """Masks, expressions, "now" and the document's own period: once per document, for all its figures."""
    text = doc.text
    limit = body_end(text)
    bounds = sentence_bounds(text, sentences)
    expressions = find_expressions(text, limit, masked_spans(text, limit, bounds))
    year, month = publication_date(doc)
    explicit = [y for e in expressions if e.kind in EXPLICIT_KINDS for y in e.explicit_years()]
    anchor = year if year is not None else undated_anchor(expressions, explicit)
    law, law_count, anchor = law_review(expressions, anchor)
    relative_only = Context(anchor, month if year is not None else None, None, law=law, law_count=law_count)
    span, mentions = document_period(expressions, relative_only)
    titled = title_range(text, expressions)
    if titled is not None:
        span, mentions = titled, max(mentions, 2)
    context = Context(anchor, relative_only.anchor_month, span, mentions, law, law_count)
    return DocumentPeriods(text, bounds, expressions, context, year)


def law_review(expressions: list[Expression], anchor: int | None) -> tuple[Span | None, int | None, int | None]:
    """(years since the programme's law, their count, "now") for a review of `N năm thi hành Pháp lệnh ...`.

    An undated review is read at the law's year plus N: the report of ten years of the law is the tenth year's.
    """
    law_year = rules().get("law_year")
    review = next((e for e in expressions if e.kind == "law_years" and e.count), None)
    if review is None or law_year is None:
        return None, None, anchor
    now = anchor if anchor is not None else law_year + review.count
    return (Span(law_year, now), review.count, now) if now > law_year else (None, None, anchor)


def title_range(text: str, expressions: list[Expression]) -> Span | None:
    """A span of years in the title (`Báo cáo giám sát ... từ năm 2016 đến năm 2021`) is the document's period."""
    title_end = text.find("\n", len(text) - len(text.lstrip()))
    title_end = len(text) if title_end < 0 else title_end
    for expression in expressions:
        if expression.start >= title_end:
            break
        if expression.kind == "range" and expression.first is not None and expression.last is not None:
            return Span(min(expression.first, expression.last), max(expression.first, expression.last))
    return None


def undated_anchor(expressions: list[Expression], explicit: list[int]) -> int | None:
    """"Now" of a document without a publication date: the end of the period it states most.

    Its latest year is often a passing mention (an arrest `tháng 1/2024` in an article
    about 2023, a target `đến năm 2025`), not the time it reports from.
    """
    closed = [(e.first, e.last) for e in expressions if e.kind in ("year", "range") and e.first is not None]
    if not closed:
        return max(explicit, default=None)
    counts = Counter(closed)
    first, last = max(counts, key=lambda key: (counts[key], key[1] or key[0]))
    return last if last is not None else first


def is_situation(figure: Figure, clause: str) -> bool:
    """A count of the situation (`hiện có ...`) is dated at "now", not over the reviewed period."""
    data = rules()
    if figure.metric in data["situation_metrics"]:
        return True
    return _situation_cue().search(clause.lower()) is not None


@lru_cache(maxsize=1)
def _situation_cue() -> re.Pattern[str]:
    """Any cue of a situation (`hiện có`, `tính đến`), as one pattern compiled once."""
    return re.compile(rf"(?<!\w)(?:{alternation(rules()['situation_cues'])})(?!\w)")


def figure_clause(figure: Figure) -> tuple[int, int]:
    """Document offsets of the figure's clause, from its own sentence (not from any splitter)."""
    relative = max(0, figure.start - figure.sentence_start)
    left, right = separated(figure.sentence, 0, len(figure.sentence), relative)
    return figure.sentence_start + left, figure.sentence_start + right


def figure_span(figure: Figure, periods: DocumentPeriods, kind: str) -> Span | None:
    """Own clause, then situation, then the last framing statement (not for a plan's goals), then document, then publication."""
    start, end = figure_clause(figure)
    own = [e for e in periods.expressions if start <= e.start and e.end <= end]
    anchor = periods.context.anchor
    situation = is_situation(figure, periods.text[start:end])
    before = [e for e in own if e.end <= figure.start]
    if before or (own and not (situation and anchor is not None)):
        # a period named only after a present count (`hiện ... 113 điểm ... của Chương trình
        # giai đoạn 2016-2020`) names the programme, not when the count was made
        return resolve(before[-1] if before else own[0], periods.context, figure.status)
    if situation:
        stated = sentence_date(figure, periods)
        if stated is not None:  # `Tính đến 31/12/2010, ... có 30.688 cơ sở ...; trong đó, có 24.974 ...`
            return resolve(stated, periods.context, figure.status)
    if anchor is not None and situation:
        return Span(anchor, anchor)
    frames = [e for e in periods.expressions if e.end <= start and is_frame(periods.text, e, periods.bounds)]
    if kind == "plan" and figure.status != "achieved":
        # a plan's goals skip the past its frames name, but not a deadline heading them (`Chỉ tiêu đến năm 2025`)
        frames = [e for e in frames if e.kind == "until" and is_heading(periods.text, e)]
    if frames:
        return resolve(frames[-1], periods.context, figure.status)
    year = periods.publication_year
    if periods.context.document is not None and not _passing_mention(periods, kind):
        return periods.context.document
    return Span(year, year) if year is not None else None


def _passing_mention(periods: DocumentPeriods, kind: str) -> bool:
    """A news item's period stated once, and not as a frame of what follows, is a passing mention.

    `công tác ... giai đoạn 2021 - 2025 và hàng năm` in a report of a training held this week dates
    nothing; `Năm 2015, công tác ...` opening the results of a report published in 2016 dates them.
    """
    document, year = periods.context.document, periods.publication_year
    if kind != "news" or year is None or document is None or not rules().get("news_single_mention"):
        return False
    if periods.context.document_mentions >= 2:
        return False
    return not any(is_frame(periods.text, e, periods.bounds) for e in periods.expressions
                   if resolve(e, periods.context, "achieved") == document)


def sentence_date(figure: Figure, periods: DocumentPeriods) -> Expression | None:
    """The last date or year stated earlier in the figure's own sentence, for a count of the situation."""
    start = figure.sentence_start
    stated = [e for e in periods.expressions
              if start <= e.start and e.end <= figure.start and e.kind in SITUATION_DATE_KINDS]
    return stated[-1] if stated else None


def attach(figures: list[Figure], doc: Document, sentences: list[Sentence], kind: str) -> None:
    """Set `period` on each figure of one document (`YYYY`, `YYYY-YYYY`, `YYYY-` or None)."""
    if not figures:
        return
    periods = analyse(doc, sentences)
    for figure in figures:
        span = figure_span(figure, periods, kind)
        figure.period = span.label() if span else None
