"""What a figure counts, where it stands, and when: the facts that decide whether two figures compare.

A comparison cell holds figures of one counted kind (docs/dataset.md, "Like for
like"): 60 people and 19 cases are both "criminal cases" to the metric
classifier, but a reader cannot set one against the other. The kinds, the
words that make a figure a part, and the words that make a figure national are
data (`corpora/lexicons/compare.json`); this module only reads them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from solieu.extractors.lexicon import load_json

UNKNOWN_KIND, OTHER_KIND = "unknown", "other"
# Kinds that say nothing about what was counted: never judged against a target.
VAGUE_KINDS = frozenset({UNKNOWN_KIND, OTHER_KIND})
PROVINCE, NATIONAL, UNPLACED = "province", "national", "unknown"


@lru_cache(maxsize=1)
def rules() -> dict:
    return load_json("compare.json")


@lru_cache(maxsize=1)
def _noun_pattern() -> re.Pattern[str]:
    """The listed nouns at the start of a phrase, longest first, each ending at a word boundary."""
    nouns = sorted(rules()["nouns"], key=len, reverse=True)
    return re.compile(r"(?:%s)(?!\w)" % "|".join(re.escape(noun) for noun in nouns))


def counted_kind(unit: str | None, counted: str | None) -> str:
    """`vụ án` → case, `người` → person, a percent → share; `other` for an unlisted noun, `unknown` for none."""
    by_unit = rules()["by_unit"].get(str(unit or "").split(" per ")[0])
    if by_unit:
        return by_unit
    phrase = " ".join(str(counted or "").lower().split())
    if not phrase:
        return UNKNOWN_KIND
    found = _noun_pattern().match(phrase)
    return rules()["nouns"][found.group()] if found else OTHER_KIND


def scope(province: str | None, sentence: str | None) -> str:
    """`province` when the figure has one; else `national` when its sentence says so, `unknown` otherwise."""
    if isinstance(province, str) and province:
        return PROVINCE
    text = str(sentence or "").lower()
    return NATIONAL if any(word in text for word in rules()["national_words"]) else UNPLACED


def is_part(sentence: str | None, text: str | None) -> bool:
    """Whether the clause before the figure makes it a part (`trong đó 16 karaoke`, `gồm 3 vụ`)."""
    sentence, text = str(sentence or ""), str(text or "")
    at = sentence.find(text) if text else -1
    if at < 0:
        return False
    clause = re.split(r"[;.:!?\n]", sentence[:at])[-1].lower()
    return any(re.search(rf"(?<!\w){re.escape(cue)}(?!\w)", clause) for cue in rules()["part_cues"])


@dataclass(frozen=True)
class Period:
    """A year (`first == last`), a span, an open span (`last` None) or none (`first` None)."""

    first: int | None
    last: int | None

    @property
    def is_span(self) -> bool:
        return self.first is not None and self.last != self.first

    def covers(self, year: int) -> bool:
        return self.first is not None and self.first <= year and (self.last is None or year <= self.last)

    def inside(self, other: Period) -> bool:
        """Whether every year of this period falls in `other` (an open end falls in nothing closed)."""
        if self.first is None or other.first is None or self.last is None:
            return False
        return other.covers(self.first) and other.covers(self.last)


def parse_period(period: str | None) -> Period:
    """`2023` → 2023–2023, `2016-2020` → 2016–2020, `2021-` → 2021–open, anything else → none."""
    found = re.fullmatch(r"\s*(\d{4})\s*(?:(-)\s*(\d{4})?)?\s*", str(period or ""))
    if not found:
        return Period(None, None)
    first = int(found.group(1))
    if not found.group(2):
        return Period(first, first)
    return Period(first, int(found.group(3)) if found.group(3) else None)
