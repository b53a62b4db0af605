"""The example corpus: sentences that must give a figure, and near misses that must not.

Like Duckling's corpora, the examples live as data (`corpora/examples/*.tsv`) so that a
new case is one line; this file only reads them. They pair with the number grammar
and the hand filters, so they run the rules alone: the learned figure decision is
measured on whole documents held out (`tests/test_learned.py`), where it has the
context a one-line example lacks.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from solieu.pipeline.records import Document
from solieu.pipeline.run import extract_document

EXAMPLES = Path(__file__).resolve().parent.parent / "corpora" / "examples"


def rows(name: str) -> list[list[str]]:
    with (EXAMPLES / name).open(encoding="utf-8") as handle:
        return [row for row in csv.reader(handle, delimiter="\t") if row and not row[0].startswith("#")]


def figures_of(sentence: str) -> list:
    return extract_document(Document(doc_id="example", source="example", text=sentence), models=None)


def optional_float(raw: str) -> float | None:
    return float(raw) if raw else None


@pytest.mark.parametrize("sentence,text,value,denominator,unit,per,qualifier", rows("must_parse.tsv"))
def test_sentence_gives_the_figure(sentence, text, value, denominator, unit, per, qualifier):
    found = {f.text: f for f in figures_of(sentence)}
    assert text in found, f"{text!r} not among {list(found)}"
    figure = found[text]
    assert sentence[figure.start:figure.end] == text
    assert figure.value == pytest.approx(float(value))
    assert figure.denominator == optional_float(denominator)
    assert (figure.unit, figure.per or "", figure.qualifier) == (unit, per, qualifier)


@pytest.mark.parametrize("sentence,number,why", rows("near_misses.tsv"))
def test_near_miss_is_no_figure(sentence, number, why):
    position = sentence.index(number)
    covering = [f.text for f in figures_of(sentence) if f.start < position + len(number) and position < f.end]
    assert covering == [], f"{number!r} ({why}) became a figure: {covering}"
