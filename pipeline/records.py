"""Plain data records passed between the stages.

Stages exchange these dataclasses rather than library objects so that each
stage can be tested alone and replaced (rule or model) without touching its
neighbours.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# The record fields of the spec, in the order they are written out.
FIGURE_FIELDS: tuple[str, ...] = (
    "doc_id", "source", "province", "province_2025", "locality",
    "start", "end", "text", "sentence", "value", "value_high", "denominator",
    "unit", "per", "qualifier", "counted", "metric", "status", "period",
    "confidence", "extractor",
)


@dataclass(frozen=True)
class Document:
    """One input document; `text` is exactly what the user gave (offsets point into it)."""

    doc_id: str
    source: str
    text: str
    title: str | None = None
    published: str | None = None  # YYYY-MM-DD, YYYY-MM or None
    kind: str | None = None  # news / plan / report, filled by the status stage when unknown


@dataclass(frozen=True)
class Token:
    """A word segment (may hold several syllables) with offsets into the document text."""

    text: str
    start: int
    end: int
    pos: str = ""


@dataclass
class Sentence:
    """A sentence span of the document; tokens are filled only where they are needed."""

    start: int
    end: int
    text: str
    index: int = 0
    tokens: list[Token] = field(default_factory=list)


@dataclass
class Quantity:
    """A number found in the text, normalised, before deciding whether it is a figure."""

    start: int
    end: int
    text: str
    value: float
    value_high: float | None = None
    denominator: float | None = None
    unit: str = "count"  # count / percent / ratio / vnd
    per: str | None = None  # month / quarter / year
    qualifier: str = "exact"
    rule: str = "number"  # which grammar rule produced it


@dataclass
class Figure:
    """One reported figure: the spec's record, built up stage by stage."""

    doc_id: str
    source: str
    start: int
    end: int
    text: str
    sentence: str
    value: float
    value_high: float | None = None
    denominator: float | None = None
    unit: str = "count"
    per: str | None = None
    qualifier: str = "exact"
    counted: str | None = None
    metric: str = "other"
    status: str = "achieved"
    period: str | None = None
    province: str | None = None
    province_2025: str | None = None
    locality: str | None = None
    confidence: float = 0.5
    extractor: str = "rule:number"
    # Working context for later stages; never written out.
    sentence_start: int = 0
    sentence_index: int = 0
    context: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def to_record(self) -> dict[str, Any]:
        """The spec's record: exactly FIGURE_FIELDS, in that order.

        Every field is a plain value, so nothing needs copying; `asdict` would also
        deep-copy the stages' working context it then throws away.
        """
        return {name: getattr(self, name) for name in FIGURE_FIELDS}


@dataclass
class Analysis:
    """One document as the stages see it: each stage reads it and adds what it found.

    spaCy-style, a stage is a plain callable over this one object (`pipeline/run.py`'s
    `STAGES`), so a new stage is a function and a line in that tuple. `document` holds
    the normalised text every offset of the stages points into; `models` is what the
    learned halves use (True: the shipped ones; None: the rules alone).
    """

    document: Document
    models: Any = True
    sentences: list[Sentence] = field(default_factory=list)
    kind: str = "news"
    candidates: list[Figure] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)


def majority_province(provinces: Iterable[str | None]) -> str | None:
    """A document's province: the one most of its figures are about, null counted as a value.

    A national document whose figures are mostly national stays null even when one
    sentence names a province; the store and `solieu eval` both read documents so.
    """
    counts = Counter(provinces)
    return counts.most_common(1)[0][0] if counts else None
