"""Legacy Vietnamese 8-bit encodings Python has no codec for: TCVN3 (ABC) and VNI-Windows.

Old provincial documents were typed with the ABC fonts (.VnTime, TCVN 5712:1993)
or the VNI fonts, and saved as plain 8-bit text: read as Windows-1252 they
show `B¸o c¸o` or `Baùo caùo`. The tables are the standards', kept as data
(`corpora/lexicons/legacy_encodings.json`). Which decoding is right is decided
by what a Vietnamese text is full of: its most common words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from solieu.extractors.lexicon import load_json

TABLE = "legacy_encodings.json"
_WORD = re.compile(r"[^\W\d_]+")
# Windows-1252 as VNI text was typed in; its five undefined bytes pass through as Latin-1.
_CP1252_HIGH = {byte: bytes([byte]).decode("cp1252") for byte in range(0x80, 0xA0)
                if byte not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}


@lru_cache(maxsize=1)
def _tcvn3_map() -> dict[int, str]:
    return {int(code, 16): char for code, char in load_json(TABLE)["tcvn3"].items()}


@lru_cache(maxsize=1)
def _vni_rules() -> tuple[re.Pattern[str], dict[str, str]]:
    table: dict[str, str] = load_json(TABLE)["vni"]
    keys = sorted(table, key=len, reverse=True)  # `aâù`-like sequences before their prefixes
    return re.compile("|".join(re.escape(key) for key in keys)), table


@lru_cache(maxsize=1)
def _common_words() -> frozenset[str]:
    return frozenset(load_json(TABLE)["common_words"])


def decode_tcvn3(data: bytes) -> str:
    """TCVN3 bytes as text; every byte has a character, so this never fails."""
    return unicodedata.normalize("NFC", data.decode("latin-1").translate(_tcvn3_map()))


def decode_vni(data: bytes) -> str:
    """VNI-Windows bytes as text: each base letter and its mark bytes become one letter."""
    shown = data.decode("latin-1").translate(_CP1252_HIGH)
    pattern, table = _vni_rules()
    return pattern.sub(lambda match: table[match.group()], shown)


def vietnamese_score(text: str) -> int:
    """How many of the text's words are among Vietnamese's most common: near none for a wrong decoding."""
    common = _common_words()
    return sum(1 for word in _WORD.findall(unicodedata.normalize("NFC", text).lower()) if word in common)


def best_decoding(data: bytes, others: Iterable[tuple[str, str]]) -> tuple[str, str]:
    """(name, text) of the decoding that reads most like Vietnamese: `others` first (they win a tie),
    then TCVN3 and VNI."""
    candidates = [*others, ("TCVN3", decode_tcvn3(data)), ("VNI", decode_vni(data))]
    return max(candidates, key=lambda candidate: vietnamese_score(candidate[1]))
