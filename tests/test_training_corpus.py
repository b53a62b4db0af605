"""The hand-written training corpus is well formed and covers the spec.

The corpus (corpora/domains/mai-dam/training/handmade/*.txt) is what the metric and status
classifiers learn from, so a typo in a code, a province spelled off the
table or a bracket left open would silently teach them nonsense. The parser
here is deliberately tiny and independent of the converter, so the corpus
is checked against the markup as documented in corpora/domains/mai-dam/training/README.md.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIR = ROOT / "corpora" / "domains" / "mai-dam" / "training" / "handmade"
SPEC = ROOT / "corpora" / "figures.md"
PROVINCES = ROOT / "corpora" / "provinces.csv"

MIN_PER_METRIC = 45
MIN_TARGET_SHARE = 0.30
MIN_DOCUMENTS = 60
STATUSES = {"achieved", "target"}
KINDS = {"news", "report", "plan"}

HEADER = re.compile(
    r"^## doc: (?P<doc_id>hm-\d{4}) \| kind: (?P<kind>[a-z]+) \| "
    r"province: (?P<province>[^|]+?) \| published: (?P<published>\S+)$"
)
PUBLISHED = re.compile(r"^(-|\d{4}(-\d{2}(-\d{2})?)?)$")
MARK = re.compile(r"\[\[(?P<span>[^\[\]|]+)\|(?P<metric>[^\[\]|]+)\|(?P<status>[^\[\]|]+)\]\]")
TAXONOMY_ROW = re.compile(r"^\| `(?P<code>[a-z_]+)` \|")
# A figure's span must hold a numeral: digits or a Vietnamese number word.
NUMBER_WORD = re.compile(
    r"\d|\b(một|hai|ba|bốn|tư|năm|sáu|bảy|tám|chín|mười|mươi|trăm|nửa)\b", re.IGNORECASE
)


class MarkupError(ValueError):
    """A line of the corpus that does not follow the markup."""


@dataclass
class Mark:
    start: int
    end: int
    text: str
    metric: str
    status: str


@dataclass
class Doc:
    doc_id: str
    kind: str
    province: str
    published: str
    source: str
    raw_lines: list[str] = field(default_factory=list)
    text: str = ""
    marks: list[Mark] = field(default_factory=list)


def strip_marks(raw: str) -> tuple[str, list[Mark]]:
    """Plain text plus marks whose offsets point into that plain text."""
    parts: list[str] = []
    marks: list[Mark] = []
    length = 0
    cursor = 0
    for match in MARK.finditer(raw):
        before = raw[cursor : match.start()]
        parts.append(before)
        length += len(before)
        span = match.group("span")
        marks.append(Mark(length, length + len(span), span, match["metric"], match["status"]))
        parts.append(span)
        length += len(span)
        cursor = match.end()
    parts.append(raw[cursor:])
    text = "".join(parts)
    for debris in ("[[", "]]", "|"):
        if debris in text:
            raise MarkupError(f"unclosed or malformed mark ({debris!r}) near {text[text.index(debris) - 30 : text.index(debris) + 30]!r}")
    return text, marks


def parse_corpus(content: str, source: str) -> list[Doc]:
    """Split a corpus file into documents at their `## doc:` headers."""
    docs: list[Doc] = []
    for number, line in enumerate(content.splitlines(), start=1):
        if line.startswith("##"):
            header = HEADER.match(line)
            if header is None:
                raise MarkupError(f"{source}:{number}: malformed header {line!r}")
            docs.append(Doc(source=source, **header.groupdict()))
        elif docs:
            docs[-1].raw_lines.append(line)
        elif line.strip():
            raise MarkupError(f"{source}:{number}: text before the first header")
    for doc in docs:
        doc.text, doc.marks = strip_marks("\n".join(doc.raw_lines).strip("\n"))
    return docs


def taxonomy_codes() -> set[str]:
    """Metric codes as the spec's taxonomy table lists them."""
    section = SPEC.read_text(encoding="utf-8").split("## Metric taxonomy", 1)[1].split("\n## ", 1)[0]
    return {m["code"] for line in section.splitlines() if (m := TAXONOMY_ROW.match(line))}


def canonical_provinces() -> set[str]:
    with PROVINCES.open(encoding="utf-8", newline="") as handle:
        return {row["province"] for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def corpus() -> list[Doc]:
    files = sorted(CORPUS_DIR.glob("*.txt"))
    assert files, f"no corpus files in {CORPUS_DIR}"
    docs: list[Doc] = []
    for path in files:
        docs.extend(parse_corpus(path.read_text(encoding="utf-8"), path.name))
    return docs


@pytest.fixture(scope="module")
def marks(corpus: list[Doc]) -> list[Mark]:
    return [mark for doc in corpus for mark in doc.marks]


# --- the parser itself, on examples of the markup ---------------------------

def test_mark_is_removed_and_offsets_point_into_plain_text() -> None:
    raw = "Đã tổ chức [[04|training_courses|achieved]] lớp tập huấn cho [[hơn 1.000|people_trained|achieved]] đại biểu."
    text, marks = strip_marks(raw)
    assert text == "Đã tổ chức 04 lớp tập huấn cho hơn 1.000 đại biểu."
    assert [text[m.start : m.end] for m in marks] == ["04", "hơn 1.000"]
    assert [(m.metric, m.status) for m in marks] == [
        ("training_courses", "achieved"),
        ("people_trained", "achieved"),
    ]


def test_unclosed_mark_is_an_error() -> None:
    with pytest.raises(MarkupError):
        strip_marks("Phấn đấu [[100%|communes_with_propaganda|target xã tổ chức tuyên truyền.")


def test_malformed_header_is_an_error() -> None:
    with pytest.raises(MarkupError):
        parse_corpus("## doc: hm-1 | kind: plan | province: Huế\nPhấn đấu 100% xã.", "inline")


# --- the corpus ---------------------------------------------------------------

def test_taxonomy_has_the_22_codes_of_the_spec() -> None:
    codes = taxonomy_codes()
    assert len(codes) == 22 and "other" in codes


def test_headers_are_well_formed_and_ids_unique(corpus: list[Doc]) -> None:
    ids = Counter(doc.doc_id for doc in corpus)
    assert [doc_id for doc_id, n in ids.items() if n > 1] == []
    assert len(corpus) >= MIN_DOCUMENTS
    for doc in corpus:
        assert doc.kind in KINDS, (doc.doc_id, doc.kind)
        assert PUBLISHED.match(doc.published), (doc.doc_id, doc.published)
        assert doc.text.strip(), f"{doc.doc_id} has no text"


def test_every_province_is_canonical_or_national(corpus: list[Doc]) -> None:
    provinces = canonical_provinces()
    assert [(d.doc_id, d.province) for d in corpus if d.province != "-" and d.province not in provinces] == []


def test_every_metric_is_a_taxonomy_code(corpus: list[Doc]) -> None:
    codes = taxonomy_codes()
    bad = [(d.doc_id, m.text, m.metric) for d in corpus for m in d.marks if m.metric not in codes]
    assert bad == []


def test_every_status_is_valid(corpus: list[Doc]) -> None:
    bad = [(d.doc_id, m.text, m.status) for d in corpus for m in d.marks if m.status not in STATUSES]
    assert bad == []


def test_every_span_is_a_trimmed_numeral(corpus: list[Doc]) -> None:
    bad = [
        (d.doc_id, m.text)
        for d in corpus
        for m in d.marks
        if m.text != m.text.strip() or not NUMBER_WORD.search(m.text)
    ]
    assert bad == []


def test_each_metric_has_enough_figures(marks: list[Mark]) -> None:
    counts = Counter(m.metric for m in marks)
    short = {code: counts[code] for code in taxonomy_codes() if counts[code] < MIN_PER_METRIC}
    assert short == {}


def test_targets_are_at_least_thirty_percent(marks: list[Mark]) -> None:
    targets = sum(m.status == "target" for m in marks)
    assert targets / len(marks) >= MIN_TARGET_SHARE


def test_targets_are_spread_across_codes(marks: list[Mark]) -> None:
    with_targets = {m.metric for m in marks if m.status == "target"}
    assert len(with_targets) >= 18, sorted(taxonomy_codes() - with_targets)


def test_all_three_kinds_occur(corpus: list[Doc]) -> None:
    assert {doc.kind for doc in corpus} == KINDS


def test_converter_reads_every_document_and_figure(corpus: list[Doc]) -> None:
    """The ML converter (number grammar) must accept every span this parser sees."""
    learned = pytest.importorskip("solieu.pipeline.learning.corpus")
    docs, errors = learned.read_handmade(CORPUS_DIR)
    assert errors == []
    converted = {doc["doc_id"]: doc for doc in docs}
    for doc in corpus:
        gold = converted[doc.doc_id]
        assert gold["text"] == doc.text
        assert [(f["start"], f["end"], f["metric"], f["status"]) for f in gold["figures"]] == [
            (m.start, m.end, m.metric, m.status) for m in doc.marks
        ]
