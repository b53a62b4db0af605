"""Nothing hangs: the number grammar, the filters and the pipeline stay linear in what they read.

A table flattened into one line (`Có 1. 1. 1. …`, thousands of numbers in one
sentence) once cost the square of its length: every figure re-read its whole
sentence, and the rate look-back re-read the whole document. The checks here are
the contract on such input (Hypothesis, up to 10,000 numbers in a sentence). Its
cost is timed by `make bench` (`benchmarks/dense_sentences.py`: a dense sentence
against an ordinary document of its size, four times the numbers against once;
seconds per MB at 0.25, 1 and 4 MB), never here: a busy machine skews timings.
"""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solieu.extractors import figures
from solieu.pipeline import segment
from solieu.pipeline.records import Document

SEPARATORS = [" ", ", ", "; ", " và ", ". ", " - ", "/"]
NOUNS = ["", " cơ sở", " người", " lớp tập huấn", "%", " triệu đồng", " lượt"]


def candidates(text: str) -> list:
    doc = Document("long", "long", text)
    return [figure for sentence in segment.split_sentences(text) for figure in figures.find_candidates(doc, sentence)]


@settings(max_examples=12, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    numbers=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=10_000),
    separator=st.sampled_from(SEPARATORS),
    noun=st.sampled_from(NOUNS),
)
def test_grammar_and_filters_keep_their_contract_on_a_sentence_of_thousands_of_numbers(numbers, separator, noun):
    text = "Có " + separator.join(f"{n:,}".replace(",", ".") + noun for n in numbers) + "."
    found = candidates(text)
    previous_end = -1
    for figure in found:
        assert 0 <= figure.start < figure.end <= len(text)
        assert text[figure.start:figure.end] == figure.text
        assert math.isfinite(figure.value)
        assert figure.start >= previous_end  # no two candidates overlap
        previous_end = figure.end


def test_a_very_long_sentence_is_read_in_bounded_pieces_with_its_offsets():
    text = "Có " + "1. " * 3000
    sentences = segment.split_sentences(text)
    assert len(sentences) > 1
    assert all(len(s.text) <= 2000 for s in sentences)
    assert all(text[s.start:s.end] == s.text for s in sentences)
    assert len(candidates(text)) == 3000
