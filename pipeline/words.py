"""Stage 3b, words: a sentence cut into words with part-of-speech tags, by table.

underthesea's word segmenter and POS tagger are conditional random fields whose
feature strings are rebuilt in Python for every syllable: tagging the sentences
that hold numbers cost more than segmenting the whole text, the floor the
pipeline is measured against (issue 14). What the extractors read from words is
narrow (the noun run after a number, the verbs of its clause), so the words
here come from a table distilled from underthesea's own output over the
project's corpora (`corpora/lexicons/words.tsv`, built by
`python -m solieu.pipeline.learning.words`), plus underthesea's segmentation
dictionary for words the corpora never showed:

- words: the cut with the lowest cost over the syllables, a word underthesea
  joined in the corpora costing less than a dictionary word it never saw, and
  a dictionary word it always cut in the corpora (`so với`) not a word;
- tags: the tag underthesea gave the word most often; a number, punctuation or
  a capitalised word inside the sentence get the tag of their kind; any other
  unseen word the default of `segment.json`.

`tests/test_words.py` measures the agreement with underthesea on the held-out
texts the table was not built from.
"""

from __future__ import annotations

import pickle
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from solieu.extractors.lexicon import LEXICONS, load_json, underthesea_file
from solieu.pipeline.records import Token

TABLE = "words.tsv"
# underthesea's segmentation dictionary, inside the installed package (found without importing it).
DICTIONARY = ("pipeline", "word_tokenize", "models", "ws_crf_vlsp2013_20230727", "dictionary.bin")
NOT_A_WORD = "-"  # the table's tag for a syllable run underthesea cut every time it met it


@dataclass(frozen=True)
class WordTable:
    """What the cut and the tags need: word → tag, joined words, runs never joined, the costs."""

    tags: dict[str, str]
    joined: frozenset[str]
    never: frozenset[str]
    dictionary: frozenset[str]
    rules: dict
    prefixes: frozenset[str]  # the runs some longer word starts with: the cut stops where none does


def tag_words(text: str, offset: int = 0) -> list[Token]:
    """The words of `text` with their tags, offsets shifted by `offset` (the sentence's start)."""
    table = word_table()
    syllables = list(syllable_pattern().finditer(text))
    tokens: list[Token] = []
    for index, (start, end) in enumerate(_cut(text, syllables, table)):
        word = text[start:end]
        tokens.append(Token(word, offset + start, offset + end, _tag(word, index, table)))
    return tokens


def _cut(text: str, syllables: list[re.Match[str]], table: WordTable) -> list[tuple[int, int]]:
    """The cheapest cut into words: one syllable costs 1, a known word of several less."""
    rules = table.rules
    seen, known, longest = float(rules["word_cost_seen"]), float(rules["word_cost_dictionary"]), int(rules["max_word_syllables"])
    lowered = [s.group().lower() for s in syllables]
    count = len(syllables)
    best = [0.0] + [float("inf")] * count
    back = [0] * (count + 1)
    for first in range(count):
        if best[first] + 1.0 < best[first + 1]:
            best[first + 1], back[first + 1] = best[first] + 1.0, first
        words = lowered[first]
        if words not in table.prefixes:
            continue
        for last in range(first + 1, min(count, first + longest)):
            if text[syllables[last - 1].end():syllables[last].start()] != " ":
                break
            words = f"{words} {lowered[last]}"
            cost = seen if words in table.joined else known if words in table.dictionary and words not in table.never else None
            if cost is not None and best[first] + cost < best[last + 1]:
                best[last + 1], back[last + 1] = best[first] + cost, first
            if words not in table.prefixes:
                break
    spans: list[tuple[int, int]] = []
    end = count
    while end > 0:
        start = back[end]
        spans.append((syllables[start].start(), syllables[end - 1].end()))
        end = start
    return spans[::-1]


def _tag(word: str, index: int, table: WordTable) -> str:
    rules = table.rules
    if word[:1].isdigit():
        return str(rules["number_tag"])
    known = table.tags.get(word.lower())
    if known is not None and known != NOT_A_WORD:
        return known
    if not word[:1].isalnum():
        return str(rules["punctuation_tag"])
    if word[:1].isupper() and index > 0:
        return str(rules["name_tag"])
    return str(rules["unknown_tag"])


@lru_cache(maxsize=1)
def syllable_pattern() -> re.Pattern[str]:
    """What a syllable is, for the cut and for the table's builder alike."""
    return re.compile(word_rules()["syllable_pattern"])


@lru_cache(maxsize=1)
def word_table() -> WordTable:
    """The shipped table and underthesea's dictionary, read once per process."""
    tags: dict[str, str] = {}
    joined: set[str] = set()
    never: set[str] = set()
    for word, tag, together, apart in read_table(LEXICONS / TABLE):
        if tag == NOT_A_WORD:
            never.add(word)
            continue
        tags[word] = tag
        if " " in word and together >= apart:
            joined.add(word)
        elif " " in word:
            never.add(word)
    dictionary = segmentation_dictionary()
    return WordTable(tags, frozenset(joined), frozenset(never), dictionary, word_rules(),
                     _prefixes(joined | (dictionary - never)))


def _prefixes(words: set[str] | frozenset[str]) -> frozenset[str]:
    """`làm công` and `làm` for `làm công tác`: every run of syllables a longer word begins with."""
    found: set[str] = set()
    add = found.add
    for word in words:
        space = word.find(" ")
        while space > 0:
            add(word[:space])
            space = word.find(" ", space + 1)
    return frozenset(found)


def word_rules() -> dict:
    """The costs, the longest word and the tags of unseen words (`segment.json`, `words`)."""
    return load_json("segment.json")["words"]


def read_table(path: Path) -> list[tuple[str, str, int, int]]:
    """Rows (word, tag, times joined, times cut) of a word table; `#` lines are comments."""
    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) != 4:
                raise ValueError(f"{path}:{number}: expected 4 tab-separated fields, got {len(fields)}")
            rows.append((fields[0], fields[1], int(fields[2]), int(fields[3])))
    return rows


class _SetOnly(pickle.Unpickler):
    """The dictionary is a pickled set of strings; anything else in the file is refused, not run."""

    def find_class(self, module: str, name: str) -> type:
        if (module, name) in {("builtins", "set"), ("builtins", "frozenset")}:
            return set if name == "set" else frozenset
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a word dictionary")


@lru_cache(maxsize=1)
def segmentation_dictionary() -> frozenset[str]:
    """underthesea's 72,547 words of one or more syllables, lower case."""
    path = underthesea_file(*DICTIONARY)
    with path.open("rb") as handle:
        words = _SetOnly(handle).load()
    try:
        return frozenset(map(str.lower, words))
    except TypeError as error:
        raise pickle.UnpicklingError(f"{path}: a word dictionary holds only strings ({error})") from error
