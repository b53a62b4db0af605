"""The number parser, as examples of the spec's 'Normalising values' and as properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solieu.extractors.numbers import find_quantities, parse_digits, parse_words

UNITS = ["", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]


@pytest.mark.parametrize("raw,value", [
    ("1.000", 1000), ("1.500", 1500), ("135,8", 135.8), ("04", 4), ("06", 6), ("12.345.678", 12345678), ("0,5", 0.5),
])
def test_vietnamese_separators(raw, value):
    assert parse_digits(raw) == pytest.approx(value)


def test_english_style_document():
    assert parse_digits("1,000", style="en") == 1000
    assert parse_digits("12.5", style="en") == 12.5


@pytest.mark.parametrize("words,value", [
    ("một", 1), ("mười", 10), ("mười hai", 12), ("hai mươi", 20), ("hai mươi lăm", 25), ("ba mươi mốt", 31),
    ("bốn mươi tư", 44), ("một trăm", 100), ("một trăm linh năm", 105), ("hai nghìn", 2000), ("một nửa", 50),
])
def test_number_words(words, value):
    assert parse_words(words) == value


@pytest.mark.parametrize("words", ["lăm", "mốt", "một hai", "mươi", "trăm"])
def test_words_that_make_no_number(words):
    assert parse_words(words) is None


@pytest.mark.parametrize("phrase,value,unit", [
    ("135,8 triệu đồng", 135_800_000, "vnd"), ("2 tỷ đồng", 2e9, "vnd"), ("12 nghìn lượt người", 12_000, "count"),
    ("1 tỷ 200 triệu đồng", 1.2e9, "vnd"), ("5 ngàn tờ rơi", 5000, "count"), ("3 tỉ đồng", 3e9, "vnd"),
])
def test_scale_words(phrase, value, unit):
    quantity = find_quantities(phrase)[0]
    assert (quantity.value, quantity.unit) == (value, unit)


def vietnamese_digits(value: int) -> str:
    """1234567 → '1.234.567': how Vietnamese texts write thousands."""
    return f"{value:,}".replace(",", ".")


def vietnamese_words(value: int) -> str:
    """0 < value < 1000 in words, the way articles spell small counts."""
    hundreds, rest = divmod(value, 100)
    tens, units = divmod(rest, 10)
    words: list[str] = []
    if hundreds:
        words += [UNITS[hundreds], "trăm"]
        if rest and tens == 0:
            words.append("linh")
    if tens == 1:
        words.append("mười")
    elif tens > 1:
        words += [UNITS[tens], "mươi"]
    if units:
        if units == 5 and tens >= 1:
            words.append("lăm")
        elif units == 1 and tens > 1:
            words.append("mốt")
        else:
            words.append(UNITS[units])
    return " ".join(words)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**12))
def test_formatted_integers_round_trip(value):
    text = vietnamese_digits(value)
    assert parse_digits(text) == value
    quantities = find_quantities(f"có {text} lượt người tham gia")
    assert [q.value for q in quantities] == [value]


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**7), st.integers(min_value=1, max_value=99))
def test_formatted_decimals_round_trip(whole, hundredths):
    text = f"{vietnamese_digits(whole)},{hundredths:02d}"
    assert parse_digits(text) == pytest.approx(whole + hundredths / 100)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=999))
def test_number_words_round_trip(value):
    assert parse_words(vietnamese_words(value)) == value


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=500), st.integers(min_value=1, max_value=500))
def test_ratios_keep_numerator_and_denominator(a, b):
    low, high = min(a, b), max(a, b)
    quantity = find_quantities(f"có {low}/{high} xã tổ chức tuyên truyền")[0]
    assert (quantity.value, quantity.denominator, quantity.unit) == (low, high, "ratio")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789.,/%- abcđơưtriệunghìnđồng")), max_size=60))
def test_any_text_parses_without_error_and_spans_point_into_it(text):
    for quantity in find_quantities(text):
        assert text[quantity.start:quantity.end] == quantity.text
        assert quantity.value >= 0
