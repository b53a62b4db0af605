"""Stage 2, normalise: one canonical form of Vietnamese text, with a map back to the given text.

Extractors see NFC text, so that a decomposed (NFD) article gives the same figures
as its composed form; the map turns their offsets back into offsets of the text
as the user gave it, which is what the records must carry.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace

from pipeline.records import Figure


@dataclass(frozen=True)
class Normalised:
    """The normalised text and, when it differs, where each of its characters came from."""

    text: str
    origin: tuple[int, ...] | None = None  # origin[i]: index in the given text; len(text)+1 entries

    def to_given(self, index: int) -> int:
        return index if self.origin is None else self.origin[index]

    def restore(self, figure: Figure, given: str) -> Figure:
        """The same figure with offsets and text taken from the given text."""
        if self.origin is None:
            return figure
        start, end = self.to_given(figure.start), self.to_given(figure.end)
        sentence_start = self.to_given(figure.sentence_start)
        return replace(figure, start=start, end=end, text=given[start:end], sentence_start=sentence_start)


def normalise(text: str) -> Normalised:
    """NFC, cluster by cluster (a base letter and its combining marks), keeping the origin map."""
    if unicodedata.is_normalized("NFC", text):
        return Normalised(text)
    pieces: list[str] = []
    origin: list[int] = []
    start = 0
    for index in range(1, len(text) + 1):
        if index == len(text) or not unicodedata.combining(text[index]):
            cluster = unicodedata.normalize("NFC", text[start:index])
            pieces.append(cluster)
            origin.extend([start] * len(cluster))
            start = index
    origin.append(len(text))
    return Normalised("".join(pieces), tuple(origin))
