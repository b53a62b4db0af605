"""Stage 3, segment: sentences on the raw text, then words (`pipeline.words`).

Sentences are cut by rule on the text itself (underthesea's sentence splitter
returns copies, not offsets); words are cut only in the sentences where an
extractor asks for them, those that hold a number.
"""

from __future__ import annotations

import re
from functools import lru_cache

from solieu.extractors.lexicon import load_json
from solieu.pipeline.records import Sentence, Token
from solieu.pipeline.words import tag_words


@lru_cache(maxsize=1)
def _boundary() -> re.Pattern[str]:
    """A sentence ends at . ! ? … (plus closing quotes) before white space and a new sentence."""
    rules = load_json("segment.json")
    ends = re.escape(rules["sentence_end"])
    quotes = re.escape(rules["closing_quotes"])
    return re.compile(rf"(?<=[{ends}])[{quotes}]*[ \t]+(?=[\"“(\-–•*]?[^\W\d_a-zđ])", re.UNICODE)


@lru_cache(maxsize=1)
def _abbreviations() -> frozenset[str]:
    return frozenset(load_json("segment.json")["abbreviations"])


def split_sentences(text: str) -> list[Sentence]:
    """Every sentence with offsets into `text`; lines are hard boundaries (headings, list items)."""
    sentences: list[Sentence] = []
    limit = int(load_json("segment.json")["max_sentence_chars"])
    for line in re.finditer(r"[^\n]+", text):
        for start, end in _split_line(line.group(), line.start()):
            for piece_start, piece_end in _bounded(text, start, end, limit):
                sentences.append(Sentence(piece_start, piece_end, text[piece_start:piece_end], len(sentences)))
    return sentences


def _bounded(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """A sentence longer than `limit` cut at its last `;`, `,` or space before the limit.

    Work per figure reads its sentence, so a sentence of thousands of numbers (a
    table flattened into one line) would cost the square of its length; real
    sentences are far shorter than the limit and are never cut.
    """
    pieces = []
    while end - start > limit:
        window = text[start:start + limit]
        cut = max(window.rfind(";"), window.rfind(","))
        cut = cut + 1 if cut > limit // 2 else (window.rfind(" ") if window.rfind(" ") > limit // 2 else limit)
        piece_end = start + cut
        stripped = text[start:piece_end].rstrip()
        if stripped:
            pieces.append((start, start + len(stripped)))
        start = piece_end + (len(text[piece_end:end]) - len(text[piece_end:end].lstrip()))
    if text[start:end].strip():
        pieces.append((start, end))
    return pieces


def _split_line(line: str, offset: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _boundary().finditer(line):
        if _ends_with_abbreviation(line[start:match.start()]) or _is_list_number(line[start:match.start()]):
            continue
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(line)))
    result = []
    for begin, end in spans:
        piece = line[begin:end]
        stripped = piece.strip()
        if stripped:
            lead = len(piece) - len(piece.lstrip())
            result.append((offset + begin + lead, offset + begin + lead + len(stripped)))
    return result


def _ends_with_abbreviation(piece: str) -> bool:
    words = piece.rstrip(".").split()
    return bool(words) and words[-1] in _abbreviations()


def _is_list_number(piece: str) -> bool:
    """`1.` or `3.2.` at the start of a line numbers a clause; it does not end a sentence."""
    return re.fullmatch(r"\s*[-–•]?\s*\d+(?:\.\d+)*\.", piece) is not None


def tokenize(sentence: Sentence) -> list[Token]:
    """The sentence's words with POS tags and offsets into the document text, cut once and kept."""
    if not sentence.tokens:
        sentence.tokens = tag_words(sentence.text, sentence.start)
    return sentence.tokens
