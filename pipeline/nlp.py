"""A spaCy view of a sentence: the pipeline's words as tokens, cues as spans.

spaCy holds what the report shows beside a figure — the cue words that made it
a goal or a result, its qualifier, its period — as span groups over a `Doc`
built from the pipeline's words (`pipeline/words.py`: underthesea's, distilled;
words and spaces, so character offsets hold). The goal and result cues are the status classifier's own lists
(`status.json`) and the qualifiers the number grammar's (`numbers.json`), so what
the report marks is what decided; only the period patterns, which no classifier
list holds as words, are spaCy patterns of their own (`cue_patterns.jsonl`).
Numbers themselves are found on the raw text by
`extractors.numbers`, which is far cheaper than building a Doc for every sentence.
"""

from __future__ import annotations

from functools import lru_cache

import spacy
import srsly
from spacy.language import Language
from spacy.tokens import Doc
from spacy.vocab import Vocab

from solieu.extractors.lexicon import LEXICONS, load_json
from solieu.pipeline.records import Sentence
from solieu.pipeline.segment import tokenize

CUES = "cues"


class WordTokenizer:
    """spaCy tokenizer whose tokens are the pipeline's words (`tập huấn` is one token)."""

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        tokens = tokenize(Sentence(0, len(text), text))
        words = [t.text for t in tokens]
        spaces = [tokens[i].end < (tokens[i + 1].start if i + 1 < len(tokens) else len(text)) for i in range(len(tokens))]
        doc = Doc(self.vocab, words=words, spaces=spaces)
        if doc.text != text:  # leading or repeated white space: keep the text exact with whitespace tokens
            words = _exact_words(text, tokens)
            return Doc(self.vocab, words=words, spaces=[False] * len(words))
        return doc


def _exact_words(text: str, tokens: list) -> list[str]:
    """Words plus the white space between them as tokens of their own, so that `doc.text == text`."""
    words: list[str] = []
    cursor = 0
    for token in tokens:
        if token.start > cursor:
            words.append(text[cursor:token.start])
        words.append(token.text)
        cursor = token.end
    if cursor < len(text):
        words.append(text[cursor:])
    return words


@lru_cache(maxsize=1)
def language() -> Language:
    """A blank pipeline with the pipeline's word tokenizer and a SpanRuler of cue patterns."""
    nlp = spacy.blank("xx")  # its vocabulary computes LOWER, SHAPE ... that the patterns match on
    nlp.tokenizer = WordTokenizer(nlp.vocab)
    ruler = nlp.add_pipe("span_ruler", config={"spans_key": CUES, "phrase_matcher_attr": "LOWER"})
    ruler.add_patterns(cue_patterns())
    return nlp


def cue_patterns() -> list[dict]:
    """SpanRuler patterns: goal and result cues from the status lexicon, qualifiers from the number grammar."""
    status, numbers = load_json("status.json"), load_json("numbers.json")
    derived = {"goal": status["strong_target"] + status["weak_target"], "result": status["achieved"],
               "qualifier": [word for words in numbers["qualifiers"].values() for word in words]}
    patterns = [{"label": label, "pattern": word} for label, words in derived.items() for word in sorted(set(words))]
    # `đến năm 2025` written before 2025 makes a goal (status.future_year_before): the words, then a year.
    patterns += [{"label": "goal", "pattern": [{"LOWER": word} for word in cue.lower().split()] + [{"SHAPE": "dddd"}]}
                 for cue in status["future_year_before"]]
    return patterns + list(srsly.read_jsonl(LEXICONS / "cue_patterns.jsonl"))


def cue_pieces(text: str) -> list[tuple[str, str | None]]:
    """The text cut into pieces, each with the label of the cue it is (or None): what the report marks."""
    if not text.strip():
        return [(text, None)] if text else []
    lead = len(text) - len(text.lstrip())
    doc = language()(text.strip())
    pieces: list[tuple[str, str | None]] = []
    cursor = 0
    for span in sorted(_non_overlapping(doc.spans[CUES]), key=lambda s: s.start_char):
        start, end = lead + span.start_char, lead + span.end_char
        if start > cursor:
            pieces.append((text[cursor:start], None))
        pieces.append((text[start:end], span.label_))
        cursor = end
    if cursor < len(text):
        pieces.append((text[cursor:], None))
    return pieces


def _non_overlapping(spans) -> list:  # type: ignore[no-untyped-def]
    chosen, taken = [], set()
    for span in sorted(spans, key=lambda s: (s.start, -(s.end - s.start))):
        if not taken.intersection(range(span.start, span.end)):
            chosen.append(span)
            taken.update(range(span.start, span.end))
    return chosen
