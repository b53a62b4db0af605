"""Fuzzing the stages that meet raw input: the readers, the decoder, the normaliser, the number parser.

Whatever bytes a user gives, reading yields Documents and Rejected records, never
an exception, and a hang is reported as a failure. The number parser keeps its
contract on any text: spans inside the text, the span's characters as `text`,
finite values, no two quantities overlapping. The examples are derandomised so
that the suite is repeatable; `SOLIEU_FUZZ_EXAMPLES=5000` explores further.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import tempfile
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from input_builders import docx_bytes, pdf_bytes, pdf_font, seed_text
from solieu.pipeline.normalise import normalise
from solieu.pipeline.read import Rejected, read_inputs
from solieu.pipeline.readers import READER_FAILED
from solieu.pipeline.readers.decode import decode_text
from solieu.pipeline.readers.base import Unreadable
from solieu.pipeline.records import Document

EXAMPLES = int(os.environ.get("SOLIEU_FUZZ_EXAMPLES", "150"))
HANG_SECONDS = 30  # far above any single input's cost; reached only by an endless loop
FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

MAGIC_PREFIXES = [
    b"", b"%PDF-1.4\n", b"PK\x03\x04", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"<!DOCTYPE html><html><body><p>",
    b'{"text": "', b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\x89PNG\r\n\x1a\n",
]
SUFFIXES = [".txt", ".jsonl", ".html", ".docx", ".pdf", ""]
NUMBER_PIECES = list("0123456789.,/%:-– \n") + [
    "hơn ", "trên ", "ít nhất ", "khoảng ", "triệu ", "tỷ ", "nghìn ", "đồng", "một ", "hai ", "mươi ",
    "lăm ", "trăm ", "năm ", "tháng ", "xã ", "lần/", "tin/ tháng", "Quyết định số ", "/QĐ-UBND",
    "từ ", "đến ", "phần trăm", "ngày ", "giai đoạn ", "một nửa ", "100%", "51/56", "1.000", "135,8",
]
VIETNAMESE_NUMBERS = st.lists(st.sampled_from(NUMBER_PIECES), max_size=30).map("".join)


class Hang(Exception):
    """An input that kept a stage busy far longer than any real document does."""


@contextlib.contextmanager
def hang_guard(seconds: int = HANG_SECONDS) -> Iterator[None]:
    def on_alarm(signum: int, frame: object) -> None:
        raise Hang(f"no result after {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def read_bytes(data: bytes, suffix: str) -> list[Document | Rejected]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(data)
        with hang_guard():
            return list(read_inputs([path], max_size=1_000_000))


def assert_well_formed(items: list[Document | Rejected]) -> None:
    assert items, "every input yields at least one Document or Rejected"
    for item in items:
        if isinstance(item, Rejected):
            assert item.reason and "\n" not in item.reason
            assert not item.reason.startswith(READER_FAILED), item.reason  # a parser error nobody handled
        else:
            assert isinstance(item, Document) and item.text.strip()
            assert item.published is None or len(item.published) in (7, 10)


@FUZZ
@given(st.sampled_from(MAGIC_PREFIXES), st.binary(max_size=600), st.sampled_from(SUFFIXES))
def test_any_bytes_are_read_or_rejected_never_raised(prefix: bytes, body: bytes, suffix: str) -> None:
    assert_well_formed(read_bytes(prefix + body, suffix))


@lru_cache(maxsize=None)
def valid_files() -> tuple[tuple[bytes, str], ...]:
    text = seed_text("003_b55ab99efdfcda80")
    files = [(docx_bytes(text.split("\n")[:6], [("Chỉ tiêu", "Kết quả"), ("Lớp tập huấn", "04")]), ".docx")]
    if pdf_font() is not None:
        files.append((pdf_bytes(text.split("\n")[:6]), ".pdf"))
    files.append((text.encode("utf-16"), ".txt"))
    return tuple(files)


@FUZZ
@given(st.data())
def test_damaged_word_pdf_and_utf16_files_are_read_or_rejected_never_raised(data: st.DataObject) -> None:
    original, suffix = data.draw(st.sampled_from(valid_files()))
    damaged = bytearray(original)
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(damaged) - 1))
        damaged[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(len(damaged) // 2, len(damaged)))
    assert_well_formed(read_bytes(bytes(damaged[:cut]), suffix))


@FUZZ
@given(st.binary(max_size=400))
def test_decoding_gives_text_or_a_reason(data: bytes) -> None:
    with hang_guard():
        try:
            text = decode_text(data)
        except Unreadable as error:
            assert str(error)
        else:
            assert isinstance(text, str)


@FUZZ
@given(st.text(max_size=200))
def test_any_unicode_text_normalises_with_an_ordered_map(text: str) -> None:
    result = normalise(text)
    if result.origin is None:
        assert len(result.text) == len(text)
    else:
        origin = list(result.origin)
        assert len(origin) == len(result.text) + 1 and origin == sorted(origin) and origin[-1] == len(text)


@FUZZ
@given(VIETNAMESE_NUMBERS)
def test_number_parser_keeps_its_contract_on_any_text(text: str) -> None:
    from solieu.extractors.numbers import find_quantities

    with hang_guard():
        quantities = find_quantities(text, 0, len(text))
    previous_end = 0
    for quantity in quantities:
        assert 0 <= quantity.start < quantity.end <= len(text)
        assert text[quantity.start:quantity.end] == quantity.text
        assert math.isfinite(quantity.value)
        assert quantity.start >= previous_end, "quantities must not overlap"
        previous_end = quantity.end
