"""Stage 2, normalise: one canonical form of Vietnamese text, with a map back to the given text.

Extractors see one form of every word: NFC, and the tone mark of open `oa`, `oe`,
`uy` syllables on the first vowel (`hòa`, `thủy`, the form of the lexicons), so that
a decomposed (NFD) article, a Windows-1258 file (tone marks as separate combining
characters) or a text written `hoà`/`thuỷ` gives the same figures as its usual
form. The origin map turns the extractors' offsets back into offsets of the text
as the user gave it, which is what the records must carry.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from solieu.extractors.lexicon import load_json
from solieu.pipeline.records import Figure

TONE_TABLE = "tone_placement.json"
NUMBER_TABLE = "numbers.json"

# Lines are normalised one by one so that the (slow) cluster walk runs only where
# the text is not already NFC; a mixed file pays for its odd lines only.
_LINE = re.compile(r"[^\n]*\n|[^\n]+")


@dataclass(frozen=True)
class Normalised:
    """The normalised text and, when lengths differ, where each of its characters came from."""

    text: str
    # origin[i]: index in the given text of the character at i; len(text) + 1 entries.
    # None when every character stays where it was (the texts may still differ, e.g. hoà → hòa).
    origin: Sequence[int] | None = None

    def to_given(self, index: int) -> int:
        return index if self.origin is None else self.origin[index]

    def restore(self, figure: Figure, given: str) -> Figure:
        """The same figure with offsets, text and sentence taken from the given text."""
        start, end = self.to_given(figure.start), self.to_given(figure.end)
        sentence_start = self.to_given(figure.sentence_start)
        sentence = figure.sentence
        sentence_end = figure.sentence_start + len(sentence)
        if self.text[figure.sentence_start:sentence_end] == sentence:
            sentence = given[sentence_start:self.to_given(sentence_end)]
        return replace(
            figure, start=start, end=end, text=given[start:end],
            sentence=sentence, sentence_start=sentence_start,
        )


def normalise(text: str) -> Normalised:
    """NFC cluster by cluster (a base letter and its combining marks), look-alike letters, then canonical tone placement."""
    composed, origin = compose(text)
    folded, origin = fold_numbers(composed, origin, len(text))
    return Normalised(place_tones(folded.translate(_lookalikes())), origin)


def fold_numbers(text: str, origin: Sequence[int] | None, given_length: int) -> tuple[str, Sequence[int] | None]:
    """Drop what copy-paste leaves inside a number (`1.​234`, `1 234`), keeping the map to the given text.

    Left in, a zero-width space or a narrow no-break space splits one figure in
    two (1 and 234); the dropped characters vanish from the text the extractors
    see, and a span across them maps back to the given text, which keeps them.
    """
    pattern = _folded_pattern()
    if pattern is None or pattern.search(text) is None:
        return text, origin
    pieces: list[str] = []
    kept = array("q")
    last = 0
    for match in pattern.finditer(text):
        pieces.append(text[last:match.start()])
        kept.extend(range(last, match.start()))
        last = match.end()
    pieces.append(text[last:])
    kept.extend(range(last, len(text)))
    kept.append(len(text))
    if origin is None:
        return "".join(pieces), kept
    return "".join(pieces), array("q", (origin[index] for index in kept))


@lru_cache(maxsize=1)
def _folded_pattern() -> re.Pattern[str] | None:
    """Invisible characters between a number's digits and separators; group spaces before three digits."""
    table = load_json(NUMBER_TABLE).get("folded_in_numbers", {})
    invisible = re.escape("".join(table.get("invisible", [])))
    spaces = re.escape("".join(table.get("group_spaces", [])))
    branches = []
    if invisible:
        branches.append(rf"(?<=\d)[{invisible}]+(?=[\d.,])|(?<=[.,])[{invisible}]+(?=\d)")
    if spaces:
        branches.append(rf"(?<=\d)[{spaces}](?=\d{{3}}(?!\d))")
    return re.compile("|".join(branches)) if branches else None


@lru_cache(maxsize=1)
def _lookalikes() -> dict[int, str]:
    """One-for-one letter replacements (`Ð` → `Đ`): same length, so the origin map stays exact."""
    return str.maketrans(load_json(TONE_TABLE).get("lookalike_letters", {}))


def compose(text: str) -> tuple[str, Sequence[int] | None]:
    """NFC text and its origin map, or None for the map when no character moved."""
    if unicodedata.is_normalized("NFC", text):
        return text, None
    pieces: list[str] = []
    origin = array("q")
    for line in _LINE.finditer(text):
        offset = line.start()
        chunk = line.group()
        if unicodedata.is_normalized("NFC", chunk):
            pieces.append(chunk)
            origin.extend(range(offset, offset + len(chunk)))
        else:
            _compose_clusters(chunk, offset, pieces, origin)
    origin.append(len(text))
    return "".join(pieces), origin


def _compose_clusters(chunk: str, offset: int, pieces: list[str], origin: array) -> None:
    """Each character of a composed cluster points at the cluster's first given character."""
    start = 0
    for index in range(1, len(chunk) + 1):
        if index == len(chunk) or not unicodedata.combining(chunk[index]):
            cluster = unicodedata.normalize("NFC", chunk[start:index])
            pieces.append(cluster)
            origin.extend([offset + start] * len(cluster))
            start = index


def place_tones(text: str) -> str:
    """`hoà` → `hòa`, `Uỷ` → `Ủy`: same length, so the origin map stays exact."""
    pattern, table = _tone_rules()
    if pattern is None:
        return text
    return pattern.sub(lambda match: _with_case(table[match.group().lower()], match.group()), text)


def _with_case(canonical: str, given: str) -> str:
    return "".join(c.upper() if g.isupper() else c for c, g in zip(canonical, given))


@lru_cache(maxsize=1)
def _tone_rules() -> tuple[re.Pattern[str] | None, dict[str, str]]:
    """One regex for the whole table: rows grouped by the letter they must not follow."""
    rows = load_json(TONE_TABLE)["syllable_final_pairs"]
    table = {row["given"]: row["canonical"] for row in rows}
    groups: dict[str, list[str]] = {}
    for row in rows:
        groups.setdefault(row.get("not_after", ""), []).append(re.escape(row["given"]))
    if not groups:
        return None, table
    branches = [
        (f"(?<![{re.escape(before)}])" if before else "") + f"(?:{'|'.join(pairs)})"
        for before, pairs in groups.items()
    ]
    # Syllable-final only: no letter (nor a stray combining mark) may follow.
    pattern = re.compile(f"(?:{'|'.join(branches)})(?![^\\W\\d_]|[\u0300-\u036f])", re.IGNORECASE)
    return pattern, table
