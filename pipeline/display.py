"""How figures are shown to a reader: Vietnamese order, Vietnamese numbers, metric names.

The report's users read Vietnamese. Sorting by code point puts `Bình` before
`Bắc` and `Đà Nẵng` after `Yên Bái`, and `1,000` means one (with a decimal
comma) to a Vietnamese reader, so the comparison table and the report share the
helpers here instead of Python's defaults. Metric names are data (the active
domain pack's `taxonomy.json`), not code.
"""

from __future__ import annotations

import math
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

LANGUAGES: tuple[str, ...] = ("vi", "en")

# The Vietnamese alphabet (with the letters of loan words placed as in dictionaries):
# a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y.
ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
BASE_RANK = {letter: rank for rank, letter in enumerate(ALPHABET)}
# Letters whose diacritic is part of the letter, not a tone: decomposed mark → composed letter.
LETTER_MARKS = {("a", "\u0306"): "ă", ("a", "\u0302"): "â", ("e", "\u0302"): "ê",
                ("o", "\u0302"): "ô", ("o", "\u031b"): "ơ", ("u", "\u031b"): "ư"}
# Tones in dictionary order: ngang, huyền, hỏi, ngã, sắc, nặng.
TONE_RANK = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
# `TP. Hồ Chí Minh` is filed under H, as in the official lists.
SORT_PREFIXES: tuple[str, ...] = ("tp. ", "thành phố ", "tỉnh ")


def letters(text: str) -> list[tuple[int, int]]:
    """Each letter as (base rank, tone rank); punctuation and spaces rank before every letter."""
    out: list[tuple[int, int]] = []
    for char in text.lower():
        if char == "đ":
            out.append((BASE_RANK["đ"] + 2, 0))
            continue
        parts = unicodedata.normalize("NFD", char)
        base, marks = parts[0], parts[1:]
        tone = 0
        for mark in marks:
            if (base, mark) in LETTER_MARKS:
                base = LETTER_MARKS[(base, mark)]
            else:
                tone = TONE_RANK.get(mark, tone)
        if base in BASE_RANK:
            out.append((BASE_RANK[base] + 2, tone))
        elif base.isdigit():
            out.append((1, int(base)))
        else:
            out.append((0, 0))
    return out


def vi_key(name: object) -> tuple:
    """Dictionary order: base letters first (a ă â b ... đ ...), tones only to break ties; null last."""
    if not isinstance(name, str):
        return (1, (), ())
    text = name.strip()
    lowered = text.lower()
    for prefix in SORT_PREFIXES:
        if lowered.startswith(prefix):
            text = text[len(prefix):]
            break
    ranks = letters(text)
    return (0, tuple(b for b, _ in ranks), tuple(t for _, t in ranks))


def vi_sorted(names: list[str]) -> list[str]:
    return sorted(names, key=vi_key)


SEPARATORS = {"vi": (".", ","), "en": (",", ".")}
# Money reads in the words a report uses: 135,8 triệu đồng, not 135.800.000 đồng.
MONEY_SCALES = {"vi": ((1e9, "tỷ"), (1e6, "triệu")), "en": ((1e9, "billion"), (1e6, "million"))}


def format_number(value: float, lang: str = "vi") -> str:
    """`1.000` and `135,8` in Vietnamese, `1,000` and `135.8` in English; one decimal at most."""
    thousands, decimal = SEPARATORS[lang]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    tenths = int(Decimal(repr(abs(float(value)))).quantize(Decimal("0.1"), ROUND_HALF_UP) * 10)
    whole, fraction = divmod(tenths, 10)
    grouped = f"{whole:,}".replace(",", thousands)
    sign = "-" if value < 0 and tenths else ""
    return f"{sign}{grouped}{decimal}{fraction}" if fraction else f"{sign}{grouped}"


def format_money(value: float, lang: str = "vi") -> str:
    """Large sums with their scale word, as articles write them (`135,8 triệu`)."""
    for scale, word in MONEY_SCALES[lang]:
        if abs(value) >= scale:
            return f"{format_number(value / scale, lang)} {word}"
    return format_number(value, lang)


def metric_table() -> dict[str, dict[str, str]]:
    """Code → names and descriptions, from the active domain pack (the one taxonomy of the project)."""
    from solieu.extractors.lexicon import taxonomy

    return taxonomy()["metrics"]


def metric_name(code: str, lang: str = "vi") -> str:
    """The reader's name of a metric; an unknown code is shown as itself rather than hidden."""
    entry = metric_table().get(code)
    return entry[lang] if entry else code


def metric_description(code: str, lang: str = "vi") -> str:
    entry = metric_table().get(code)
    return entry[f"{lang}_description"] if entry else ""
