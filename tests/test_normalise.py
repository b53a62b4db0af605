"""Normalise: one form of every Vietnamese word for the extractors, offsets back into the given text."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solieu.pipeline.normalise import normalise
from solieu.pipeline.records import Figure


@pytest.mark.parametrize(
    ("given_text", "canonical"),
    [
        ("tái hoà nhập cộng đồng", "tái hòa nhập cộng đồng"),
        ("xã chuyển hoá mạnh", "xã chuyển hóa mạnh"),
        ("Uỷ ban nhân dân tỉnh", "Ủy ban nhân dân tỉnh"),
        ("UỶ BAN NHÂN DÂN", "ỦY BAN NHÂN DÂN"),
        ("công trình thuỷ lợi", "công trình thủy lợi"),
        ("khám sức khoẻ định kỳ", "khám sức khỏe định kỳ"),
        ("Thuỵ Điển", "Thụy Điển"),
        ("hoạ sĩ", "họa sĩ"),
    ],
)
def test_tone_on_the_second_vowel_moves_to_the_first(given_text: str, canonical: str) -> None:
    result = normalise(given_text)
    assert result.text == canonical
    assert len(result.text) == len(given_text)


@pytest.mark.parametrize(
    "word",
    ["hoàng", "toán", "khuỷu", "quý", "Quỳnh", "quỹ", "hòa", "thủy", "hoàn thành", "khuyến khích"],
)
def test_words_whose_tone_is_already_in_place_are_kept(word: str) -> None:
    assert normalise(word).text == word


def test_decomposed_text_is_composed_with_a_map_back_to_the_given_characters() -> None:
    given_text = unicodedata.normalize("NFD", "Có 100% xã, phường")
    result = normalise(given_text)
    assert result.text == "Có 100% xã, phường"
    start = result.text.index("xã")
    assert given_text[result.to_given(start):result.to_given(start + 2)] == unicodedata.normalize("NFD", "xã")


def test_restore_gives_offsets_text_and_sentence_of_the_given_text() -> None:
    given_text = unicodedata.normalize("NFD", "Tỉnh đã tái hoà nhập cho hơn 25% số người bán dâm.")
    result = normalise(given_text)
    start = result.text.index("hơn 25%")
    figure = Figure(
        doc_id="d", source="s", start=start, end=start + len("hơn 25%"), text="hơn 25%",
        sentence=result.text, value=25.0, unit="percent", qualifier="more_than",
    )

    restored = result.restore(figure, given_text)

    assert given_text[restored.start:restored.end] == restored.text
    assert unicodedata.normalize("NFC", restored.text) == "hơn 25%"
    assert restored.sentence == given_text
    assert restored.value == 25.0


def test_restore_takes_the_text_as_given_when_only_tone_placement_changed() -> None:
    given_text = "Hoà nhập: 100% xã"
    result = normalise(given_text)
    assert result.text == "Hòa nhập: 100% xã"
    figure = Figure(doc_id="d", source="s", start=0, end=8, text=result.text[0:8], sentence=result.text, value=1.0)
    restored = result.restore(figure, given_text)
    assert restored.text == "Hoà nhập"
    assert restored.sentence == given_text


def test_a_composed_line_keeps_its_offsets_next_to_a_decomposed_one() -> None:
    composed = "Có 51/56 xã đạt chuẩn.\n"
    given_text = composed + unicodedata.normalize("NFD", "Có 7/7 huyện.") + "\n" + composed
    result = normalise(given_text)
    last = result.text.rindex("51/56")
    assert given_text[result.to_given(last):result.to_given(last + 5)] == "51/56"
    assert result.to_given(len(result.text)) == len(given_text)


VIETNAMESE = st.text(
    alphabet=st.sampled_from(list("aăâeêioôơuưyAĂÂEÊIOÔƠUƯYđĐqQghnkt 0123456789.,%/\n") + list("\u0300\u0301\u0303\u0309\u0323")),
    max_size=80,
)


@settings(max_examples=300, deadline=None)
@given(VIETNAMESE)
def test_every_unicode_form_normalises_alike_and_maps_back_in_order(text: str) -> None:
    result = normalise(text)
    assert normalise(unicodedata.normalize("NFD", text)).text == result.text
    assert normalise(unicodedata.normalize("NFC", text)).text == result.text
    if result.origin is not None:
        origin = list(result.origin)
        assert len(origin) == len(result.text) + 1
        assert origin == sorted(origin)
        assert origin[-1] == len(text)
    else:
        assert len(result.text) == len(text)
