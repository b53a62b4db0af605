"""Nothing hangs: the number grammar, the filters and the pipeline stay linear in what they read.

A table flattened into one line (`Có 1. 1. 1. …`, thousands of numbers in one
sentence) once cost the square of its length: every figure re-read its whole
sentence, and the rate look-back re-read the whole document. The checks here are
the contract on such input (Hypothesis, up to 10,000 numbers in a sentence) and
a cost measured as a ratio to an ordinary document of the same size, with a
bound generous enough for a busy machine and far below what a square would
cost. Seconds per MB at 0.25, 1 and 4 MB are in `make bench`.
"""

from __future__ import annotations

import math
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solieu.extractors import figures
from input_builders import seed_text
from solieu.pipeline import segment
from solieu.pipeline.records import Document
from solieu.pipeline.run import extract_document

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


def cpu_seconds(text: str) -> float:
    start = time.process_time()
    extract_document(Document("timed", "timed", text), models=None)
    return time.process_time() - start


def test_a_sentence_of_numbers_costs_about_what_a_normal_document_of_its_size_costs():
    normal = "\n".join(seed_text(stem) for stem in ("000_e95e2f03995c52ce", "002_8f71e35bb422a702", "004_34ef264421f58d54"))
    dense = ("Có " + "12 cơ sở, " * len(normal))[: len(normal)]
    cpu_seconds(normal[:2000])  # load the lexicons and models outside the measurement
    ratio = cpu_seconds(dense) / max(cpu_seconds(normal), 1e-3)
    print(f"{len(normal)} characters: dense / normal = {ratio:.1f}")
    # The dense text holds ~40 times the figures of the normal one; each figure costs
    # its own work, so about 20 is expected. Its square cost over 300 before.
    assert ratio < 60


def test_four_times_the_numbers_cost_about_four_times_as_much():
    cpu_seconds("Có 12 cơ sở.")  # warm up
    small = cpu_seconds("Có " + "12 cơ sở, " * 600)
    large = cpu_seconds("Có " + "12 cơ sở, " * 2400)
    print(f"2,400 numbers / 600 numbers in one sentence: {large / small:.1f}")
    assert large / small < 8  # linear gives 4; the square 16


def test_a_very_long_sentence_is_read_in_bounded_pieces_with_its_offsets():
    text = "Có " + "1. " * 3000
    sentences = segment.split_sentences(text)
    assert len(sentences) > 1
    assert all(len(s.text) <= 2000 for s in sentences)
    assert all(text[s.start:s.end] == s.text for s in sentences)
    assert len(candidates(text)) == 3000
