"""Stage 3, segment: sentences on the raw text, then words with underthesea.

Sentences are cut by rule on the text itself (underthesea's sentence splitter
returns copies, not offsets); word segmentation runs only on the sentences
that contain a number, which is where the extractors need it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from solieu.extractors.lexicon import load_json
from solieu.pipeline.records import Sentence, Token


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
    """underthesea word segments with POS tags and offsets into the document text."""
    if not sentence.tokens:
        sentence.tokens = _tokenize_text(sentence.text, sentence.start)
    return sentence.tokens


def _tokenize_text(text: str, offset: int) -> list[Token]:
    words = _word_tokenize(text)
    tags = _pos_tags(words)
    tokens: list[Token] = []
    cursor = 0
    for word, tag in zip(words, tags):
        found = text.find(word, cursor)
        if found < 0:  # underthesea never rewrites with normalisation off; be safe anyway
            continue
        tokens.append(Token(word, offset + found, offset + found + len(word), tag))
        cursor = found + len(word)
    return tokens


def _word_tokenize(text: str) -> list[str]:
    from underthesea import word_tokenize

    return word_tokenize(text, use_token_normalize=False)


def _pos_tags(words: list[str]) -> list[str]:
    """Tag the words we already have: `underthesea.pos_tag` would re-tokenise with normalisation."""
    if not words:
        return []
    predictor = _pos_model()
    return predictor.model.tag(_pos_features(words, tuple(predictor.transformer.template)))


def _pos_features(words: list[str], templates: tuple[str, ...]) -> list[list[str]]:
    """underthesea's POS feature strings (`T[-1].lower=...`), built in one pass.

    underthesea rebuilds the sentence and re-parses its 22 templates for every
    word, which grows with the square of the sentence's length and was the
    pipeline's largest cost; this builds the same strings (a test checks them
    against underthesea's own) in linear time.
    """
    from underthesea.pipeline.pos_tag.tagged_feature import apply_function

    columns = (words, ["X"] * len(words))  # the tagger's second column is a placeholder tag
    parsed = [_parse_template(template) for template in templates]
    features: list[list[str]] = []
    for index in range(len(words)):
        row = []
        for name, first, last, column, function in parsed:
            start = index + first
            if start < 0:
                row.append(f"{name}=BOS")
            elif start >= len(words) or (last is not None and index + last >= len(words)):
                row.append(f"{name}=EOS")
            else:
                value = " ".join(columns[column][start:index + last + 1]) if last is not None else columns[column][start]
                row.append(f"{name}={apply_function(function, value) if function else value}")
        features.append(row)
    return features


@lru_cache(maxsize=None)
def _parse_template(template: str) -> tuple[str, int, int | None, int, str | None]:
    """`T[-2,-1][1].lower` → (template, -2, -1, 1, "lower"), as underthesea reads it."""
    match = re.match(r"T\[(-?\d+)(?:,(-?\d+))?\](?:\[(.*)\])?(?:\.(.*))?", template)
    if match is None:
        raise ValueError(f"unknown POS feature template {template!r}")
    first, last, column, function = match.groups()
    return template, int(first), int(last) if last else None, int(column) if column else 0, function


@lru_cache(maxsize=1)
def _pos_model():  # type: ignore[no-untyped-def]
    from underthesea.pipeline.pos_tag.model_crf import CRFPOSTagPredictor

    return CRFPOSTagPredictor.Instance()
