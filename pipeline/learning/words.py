"""Build the word table (`corpora/lexicons/words.tsv`) from underthesea's own output over the corpora.

underthesea is the teacher: its CRF word segmenter and POS tagger run once,
here, over every text of the domain packs (gold files and hand-made corpora;
never `corpora/heldout`, on which the table's agreement with underthesea is
measured). The table keeps, per word, the tag underthesea gave it most often,
how often it wrote those syllables as one word, and how often it cut them;
`pipeline.words` reads it at run time instead of running the CRFs.

    python -m solieu.pipeline.learning.words            # rewrite the shipped table
    python -m solieu.pipeline.learning.words --check    # exit 1 if it is stale
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

from solieu.extractors.lexicon import CORPORA, LEXICONS
from solieu.pipeline import words
from solieu.pipeline.write import atomic_output

HEADER = (
    "# The word table of pipeline/words.py: underthesea's words and POS tags over the texts of corpora/domains\n"
    "# (gold files and hand-made corpora). Rebuilt by `python -m solieu.pipeline.learning.words`; do not edit.\n"
    "# word (lower case)\tmost frequent tag (- when underthesea always cut it)\ttimes joined\ttimes cut\n"
)


def teacher_texts(corpora: Path = CORPORA) -> list[str]:
    """Every text of the packs' gold files and hand-made corpora, in a fixed order."""
    paths = sorted(corpora.glob("domains/*/gold/*.jsonl")) + sorted(corpora.glob("domains/*/training/handmade.jsonl"))
    texts = []
    for path in paths:
        with path.open(encoding="utf-8") as handle:
            texts += [json.loads(line)["text"] for line in handle if line.strip()]
    return texts


def teacher_words(line: str) -> list[tuple[int, int, str]]:
    """underthesea's words of one line with their POS tags, as (start, end, tag) offsets into the line."""
    from underthesea import word_tokenize

    found = word_tokenize(line, use_token_normalize=False)
    tags = pos_tags(found)
    spans, cursor = [], 0
    for word, tag in zip(found, tags):
        start = line.find(word, cursor)
        if start < 0:  # underthesea never rewrites with normalisation off; be safe anyway
            continue
        spans.append((start, start + len(word), tag))
        cursor = start + len(word)
    return spans


def build_rows(texts: Iterable[str]) -> list[tuple[str, str, int, int]]:
    """(word, tag, times joined, times cut) for every word underthesea wrote and every dictionary run it cut."""
    lines = [line for text in texts for line in text.split("\n") if line.strip()]
    tags: dict[str, Counter[str]] = defaultdict(Counter)
    for line in lines:
        for start, end, tag in teacher_words(line):
            word = line[start:end].lower()
            if word[:1].isdigit():  # numbers take the number tag at run time, whatever their context here
                continue
            if " " not in word or all(part.isalpha() for part in word.split(" ")):  # not `! và`, `1.897 lượt`
                tags[word][tag] += 1
    joined = {word: sum(counts.values()) for word, counts in tags.items()}
    candidates = words.segmentation_dictionary() | {word for word in joined if " " in word}
    occurrences = Counter(run for line in lines for run in syllable_runs(line) if run in candidates)
    rows = [(word, _most_frequent(tags[word]), count, max(0, occurrences[word] - count)) for word, count in joined.items()]
    rows += [(run, words.NOT_A_WORD, 0, count) for run, count in occurrences.items() if run not in joined]
    return sorted(rows)


def syllable_runs(line: str) -> Iterator[str]:
    """Every run of 2 to `max_word_syllables` syllables separated by single spaces, lower case."""
    syllables = list(words.syllable_pattern().finditer(line))
    longest = int(words.word_rules()["max_word_syllables"])
    for first in range(len(syllables)):
        run = syllables[first].group().lower()
        for last in range(first + 1, min(len(syllables), first + longest)):
            if line[syllables[last - 1].end():syllables[last].start()] != " ":
                break
            run = f"{run} {syllables[last].group().lower()}"
            yield run


def _most_frequent(counts: Counter[str]) -> str:
    """The most frequent tag, the alphabetically first on a tie (so a rebuild gives the same table)."""
    return min(counts.items(), key=lambda item: (-item[1], item[0]))[0]


def table_text(rows: Iterable[tuple[str, str, int, int]]) -> str:
    return HEADER + "".join(f"{word}\t{tag}\t{together}\t{apart}\n" for word, tag, together, apart in rows)


# --- the teacher's POS tags -------------------------------------------------


def pos_tags(found: list[str]) -> list[str]:
    """underthesea's POS tags of words already cut: `underthesea.pos_tag` would re-cut them with normalisation."""
    if not found:
        return []
    predictor = _pos_model()
    return predictor.model.tag(pos_features(found, tuple(predictor.transformer.template)))


def pos_features(found: list[str], templates: tuple[str, ...]) -> list[list[str]]:
    """underthesea's POS feature strings (`T[-1].lower=...`), built in one pass.

    underthesea rebuilds the sentence and re-parses its 22 templates for every
    word, which grows with the square of the sentence's length; this builds the
    same strings (a test checks them against underthesea's own) in linear time.
    """
    from underthesea.pipeline.pos_tag.tagged_feature import apply_function

    columns = (found, ["X"] * len(found))  # the tagger's second column is a placeholder tag
    parsed = [_parse_template(template) for template in templates]
    features: list[list[str]] = []
    for index in range(len(found)):
        row = []
        for name, first, last, column, function in parsed:
            start = index + first
            if start < 0:
                row.append(f"{name}=BOS")
            elif start >= len(found) or (last is not None and index + last >= len(found)):
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped table instead of writing it")
    args = parser.parse_args(argv)
    text = table_text(build_rows(teacher_texts()))
    target = LEXICONS / words.TABLE
    if args.check:
        same = target.exists() and target.read_text(encoding="utf-8") == text
        print(f"{target}: {'up to date' if same else 'stale: rebuild it'}")
        return 0 if same else 1
    with atomic_output(target) as out:
        out.write(text)
    print(f"{target}: {text.count(chr(10)) - HEADER.count(chr(10))} words")
    return 0


if __name__ == "__main__":
    sys.exit(main())
