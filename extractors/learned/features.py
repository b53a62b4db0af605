"""Feature strings of a figure in its document, for the figure, metric and status models.

The same measure is phrased many ways ("tổ chức 04 lớp tập huấn", "mở 4 lớp bồi
dưỡng"), so the metric model looks at the words around the number (the word
table's segments), the counted noun phrase, the verbs of the clause, and cue
categories (`corpora/lexicons/cues.json`) that carry from one document to the
next where single words do not. Status depends more on
where the sentence stands (a plan section, a summary of targets), so its
features add the whole sentence, the sentences just before it, the document
kind and the sentence's position in the document.

Features are plain strings grouped in blocks ("word", "cue", "rule" ...); `model` weighs
each block with TF-IDF. Nothing here is a Vietnamese word: the models learn the
words from the corpus.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from solieu.extractors.lexicon import load_json
from solieu.extractors.memo import per_document
from solieu.pipeline import segment
from solieu.pipeline.records import Figure, Sentence, Token

# Punctuation that closes a clause; commas do not (they separate list items
# such as "xã, phường, thị trấn" that belong to one counted phrase).
CLAUSE_BREAKS = frozenset({";", ":", ".", "!", "?", "(", ")", "…"})
LEFT_WINDOW = 4
RIGHT_WINDOW = 6
CUE_REACH = 30  # characters either side of a number read for cue categories, inside its clause
CLAUSE_EDGE = re.compile(r"[;:.!?()…]\s")
PREVIOUS_SENTENCES = 3
POSITION_BUCKETS = 5
WORD = re.compile(r"\w+")
NUMBER = re.compile(r"[\d.,/%]+")

Blocks = dict[str, list[str]]


@dataclass
class FigureInDocument:
    """What the features need about one figure: its tokens and where it stands in the document."""

    figure: Figure
    kind: str
    sentence_count: int
    previous: list[str] = field(default_factory=list)  # texts of the sentences just before it
    title: str = ""
    tokens: list[Token] = field(default_factory=list)
    # The rules' verdicts (label, confidence) for metric and status: the models learn when to trust them.
    rule_metric: tuple[str, float] | None = None
    rule_status: tuple[str, float] | None = None
    # The figure just before it in the same sentence: `06 cuộc tuyên truyền ... tại 06 phường`
    # counts places by the activity of the figure before.
    before: FigureInDocument | None = None
    # Cue categories the whole document is full of (`cues.json`): police news, prices, drugs ...
    document_cues: tuple[str, ...] = ()


def locate(figures: list[Figure], sentences: list[Sentence], kind: str) -> list[FigureInDocument]:
    """Pair each figure with its sentence's tokens and neighbours (tokenising each sentence once)."""
    by_index = {sentence.index: sentence for sentence in sentences}
    title = sentences[0].text if sentences else ""
    document = document_cues(sentences) if figures else ()
    located = []
    for figure in figures:
        sentence = figure.context.get("sentence") or by_index.get(figure.sentence_index)
        if sentence is None or not (sentence.start <= figure.start < sentence.end + 1):
            sentence = Sentence(figure.sentence_start, figure.sentence_start + len(figure.sentence),
                                figure.sentence, figure.sentence_index)
        position = sentence.index
        previous = [s.text for s in sentences[max(0, position - PREVIOUS_SENTENCES):position]]
        located.append(FigureInDocument(figure, kind, max(len(sentences), 1), previous, title,
                                        segment.tokenize(sentence), document_cues=document))
    by_sentence: dict[int, list[FigureInDocument]] = {}
    for item in located:
        by_sentence.setdefault(item.figure.sentence_index, []).append(item)
    for group in by_sentence.values():  # one pass per sentence: linear in the figures of a sentence
        group.sort(key=lambda o: o.figure.start)
        last_end, last = -1, None
        for item in group:
            item.before = last if last is not None and last_end <= item.figure.start else None
            if item.figure.end > last_end:
                last_end, last = item.figure.end, item
    return located


def figure_features(item: FigureInDocument) -> Blocks:
    """Is this number a figure: the filters' objection, the number's shape and its surroundings.

    The hand filters' reason (`V:year`, `V:price` ...) and the situation-noise flag are
    evidence among others: a code glued to letters (`PC45`), a capitalised name
    before the number (`Hố Nai 3`), a hyphen or slash beside it (`13-12`), a number
    word (`một` as an article), the words around it and what it counts.
    """
    figure = item.figure
    left, right, _ = _split_clause(item.tokens, figure.start, figure.end)
    offset, end_offset = figure.start - figure.sentence_start, figure.end - figure.sentence_start
    sentence = figure.sentence
    veto = figure.context.get("veto") or "none"
    rule = [f"V:{veto}", f"N:{bool(figure.context.get('noise'))}", f"VU:{veto}:{figure.unit}",
            f"VN:{veto == 'none' and not figure.context.get('noise')}"]
    words = [f"U:{figure.unit}", f"Q:{figure.qualifier}", f"P:{figure.per}", f"X:{figure.extractor}",
             f"H:{figure.sentence_index == 0}"]
    words += _shape_features(figure.text, figure.value)
    words += [f"B1:{_char_class(sentence[offset - 1:offset])}", f"A1:{_char_class(sentence[end_offset:end_offset + 1])}",
              f"B2:{_char_class(sentence[max(0, offset - 2):offset])}", f"A2:{_char_class(sentence[end_offset:end_offset + 2])}"]
    before_word = sentence[:offset].split()[-1:] or [""]
    words.append(f"CAPB:{before_word[0][:1].isupper() and offset > len(before_word[0]) + 1}")
    words.append(f"ACRB:{len(before_word[0]) > 1 and before_word[0].isupper()}")
    words.append(f"PAREN:{sentence[:offset].count('(') > sentence[:offset].count(')')}")
    words += [f"L:{_norm(t.text)}" for t in left[-LEFT_WINDOW:]]
    words += [f"L{i + 1}:{_norm(t.text)}" for i, t in enumerate(reversed(left[-2:]))]
    words += [f"R:{_norm(t.text)}" for t in right[:RIGHT_WINDOW]]
    words += [f"R{i + 1}:{_norm(t.text)}" for i, t in enumerate(right[:2])]
    words += _counted_features(figure.counted)
    # No character n-grams: cue categories carry what they did across documents, at a fraction of the cost.
    return {"word": words, "rule": rule, "doc": [f"K:{item.kind}"], "cue": cue_features(item)}


def cue_features(item: FigureInDocument) -> list[str]:
    """Cue categories just before the number, just after it, in its sentence, and in its document.

    `sáng 5-11`, `25 cán bộ, chiến sĩ`, `500.000 đồng/lần` share nothing word for word
    with the next article's `tối 20-3`, `hơn 50 chiến sĩ` or `2 triệu mỗi lần`; their
    categories (time of day, police force, price) they do share. Computed once per
    figure: the figure, metric and status models all read them.
    """
    figure = item.figure
    cached = figure.context.get("cues")
    if cached is not None:
        return cached
    offset, end_offset = figure.start - figure.sentence_start, figure.end - figure.sentence_start
    sentence = figure.sentence
    left = CLAUSE_EDGE.split(sentence[max(0, offset - CUE_REACH):offset])[-1]  # the figure's own clause only
    right = CLAUSE_EDGE.split(sentence[end_offset:end_offset + CUE_REACH])[0]
    found = [f"LC:{c}" for c in cues_in(left)]
    found += [f"RC:{c}" for c in cues_in(right)]
    found += [f"SC:{c}" for c in cues_in(sentence)]
    found += [f"D:{c}" for c in item.document_cues]
    found += [f"D:{c}&K:{item.kind}" for c in item.document_cues]
    figure.context["cues"] = found
    return found


def document_cues(sentences: list[Sentence]) -> tuple[str, ...]:
    """The cue categories met at least `document_minimum` times in the document."""
    return _frequent_cues(tuple(s.text for s in sentences))


@per_document
def _frequent_cues(texts: tuple[str, ...]) -> tuple[str, ...]:
    table = load_json("cues.json")
    counts: dict[str, int] = {}
    for text in texts:
        for category in _cue_matches(text):
            counts[category] = counts.get(category, 0) + 1
    return tuple(name for name in table["categories"] if counts.get(name, 0) >= table["document_minimum"])


@per_document
def cues_in(text: str) -> tuple[str, ...]:
    """The categories of the cues in `text`, each once, in the table's order."""
    found = set(_cue_matches(text))
    return tuple(name for name in load_json("cues.json")["categories"] if name in found)


def _cue_matches(text: str) -> list[str]:
    """The category of every cue met in `text` (a word of two categories counts for both)."""
    pattern, categories = _cue_pattern()
    lowered = unicodedata.normalize("NFC", text).lower()
    return [category for match in pattern.finditer(lowered) for category in categories[match.group()]]


_COMPILED: dict[int, tuple[re.Pattern[str], dict[str, tuple[str, ...]]]] = {}


def _cue_pattern() -> tuple[re.Pattern[str], dict[str, tuple[str, ...]]]:
    """One pattern for every cue word, and each word's categories: one pass over a text, not one per category.

    Compiled once per table (a new domain pack reads its own table).
    """
    table = load_json("cues.json")
    if id(table) not in _COMPILED:
        categories: dict[str, tuple[str, ...]] = {}
        for name, words in table["categories"].items():
            for word in words:
                categories[word] = categories.get(word, ()) + (name,)
        alternation = "|".join(re.escape(w) for w in sorted(categories, key=len, reverse=True))
        _COMPILED.clear()
        _COMPILED[id(table)] = (re.compile(rf"(?<!\w)(?:{alternation})(?!\w)"), categories)
    return _COMPILED[id(table)]


def _shape_features(span: str, value: float) -> list[str]:
    """How the number is written: digits or words, leading zero, separators, size."""
    digits = re.search(r"\d[\d.,]*", span)
    raw = digits.group() if digits else ""
    size = "words" if not raw else str(min(len(raw.replace(".", "").split(",")[0]), 7))
    return [f"F:{'digits' if raw else 'words'}", f"Z:{raw.startswith('0') and len(raw) > 1}",
            f"SEP:{'.' in raw or ',' in raw}", f"LEN:{size}", f"ONE:{value == 1}"]


def _char_class(chars: str) -> str:
    """A character's kind, keeping the punctuation that tells dates and codes apart."""
    if not chars:
        return "edge"
    char = chars[-1] if len(chars) == 1 else chars
    if len(chars) > 1:
        return "".join(_char_class(c) for c in chars)
    if char.isspace():
        return "_"
    if char.isdigit():
        return "9"
    if char.isalpha():
        return "A" if char.isupper() else "a"
    return char


def metric_features(item: FigureInDocument) -> Blocks:
    """What is counted: local words, counted phrase, clause verbs, unit, kind, cue categories."""
    figure = item.figure
    left, right, clause = _split_clause(item.tokens, figure.start, figure.end)
    words = [f"U:{figure.unit}", f"Q:{figure.qualifier}", f"P:{figure.per}"]
    words += [f"L:{_norm(t.text)}" for t in left[-LEFT_WINDOW:]]
    words += [f"L{i + 1}:{_norm(t.text)}" for i, t in enumerate(reversed(left[-2:]))]
    words += [f"R:{_norm(t.text)}" for t in right[:RIGHT_WINDOW]]
    words += [f"R{i + 1}:{_norm(t.text)}" for i, t in enumerate(right[:2])]
    words += _verb_features(left, clause)
    words += _counted_features(figure.counted)
    if item.before is not None:
        words += [f"PC0:{s}" for s in _syllables(item.before.figure.counted or "")[:1]]
        if item.before.rule_metric is not None:
            words.append(f"PM:{item.before.rule_metric[0]}")
    # No character n-grams: with the real sets they added nothing held out, and cost every figure.
    return {"word": words, "rule": _rule_features("RM", item.rule_metric), "doc": [f"K:{item.kind}"],
            "cue": cue_features(item)}


def status_features(item: FigureInDocument) -> Blocks:
    """Goal or result: the sentence's words, the sentences before it, kind and position."""
    figure = item.figure
    left, _, clause = _split_clause(item.tokens, figure.start, figure.end)
    bucket = min(POSITION_BUCKETS - 1, figure.sentence_index * POSITION_BUCKETS // item.sentence_count)
    words = [f"S:{gram}" for gram in syllable_grams(figure.sentence)]
    words += [f"PV:{gram}" for text in item.previous for gram in syllable_grams(text)]
    words += [f"T:{gram}" for gram in syllable_grams(item.title)[:12]]
    words += [f"L:{_norm(t.text)}" for t in left[-LEFT_WINDOW:]]
    words += _verb_features(left, clause)
    document = [f"K:{item.kind}", f"POS:{bucket}", f"KPOS:{item.kind}:{bucket}", f"Q:{figure.qualifier}",
                f"U:{figure.unit}"]
    return {"word": words, "doc": document, "rule": _rule_features("RS", item.rule_status), "cue": cue_features(item)}


def _rule_features(prefix: str, verdict: tuple[str, float] | None) -> list[str]:
    """The rule's answer, alone and with its confidence band (a sure rule is worth more)."""
    if verdict is None:
        return []
    label, confidence = verdict
    band = "high" if confidence >= 0.9 else "mid" if confidence >= 0.7 else "low"
    return [f"{prefix}:{label}", f"{prefix}:{label}:{band}"]


def _split_clause(tokens: list[Token], start: int, end: int) -> tuple[list[Token], list[Token], list[Token]]:
    """Word tokens of the figure's clause before and after its span, and the whole clause."""
    first = 0  # the token after the last clause break before the figure
    before = 0  # the tokens ending at or before the figure's start
    for index, token in enumerate(tokens):
        if token.end > start:
            break
        before = index + 1
        if token.text in CLAUSE_BREAKS:
            first = index + 1
    right: list[Token] = []
    for token in tokens[before:]:
        if token.start >= end:
            if token.text in CLAUSE_BREAKS:
                break
            right.append(token)
    left = [t for t in tokens[first:before] if _is_word(t)]
    right = [t for t in right if _is_word(t)]
    return left, right, left + right


def _verb_features(left: list[Token], clause: list[Token]) -> list[str]:
    verbs = [t for t in clause if t.pos.startswith("V") and not _is_number(t.text)]
    features = [f"V:{_norm(t.text)}" for t in verbs]
    before = [t for t in left if t.pos.startswith("V") and not _is_number(t.text)]
    if before:
        features.append(f"VB:{_norm(before[-1].text)}")
    return features


def _counted_features(counted: str | None) -> list[str]:
    if not counted:
        return ["C:<none>"]
    syllables = _syllables(counted)
    features = [f"C:{s}" for s in syllables]
    features += [f"CB:{a}_{b}" for a, b in zip(syllables, syllables[1:])]
    if syllables:
        features.append(f"C0:{syllables[0]}")
        features.append(f"C01:{'_'.join(syllables[:2])}")
    return features


def syllable_grams(text: str) -> list[str]:
    """Lower-case syllables and syllable bigrams, numbers folded to one symbol."""
    syllables = _syllables(text)
    return syllables + [f"{a}_{b}" for a, b in zip(syllables, syllables[1:])]


def _syllables(text: str) -> list[str]:
    text = unicodedata.normalize("NFC", text).lower()
    return ["<num>" if _is_number(w) else w for w in WORD.findall(text)]


@per_document
def _norm(word: str) -> str:
    word = unicodedata.normalize("NFC", word).lower()
    return "<num>" if _is_number(word) else word.replace(" ", "_")


def _is_number(word: str) -> bool:
    return NUMBER.fullmatch(word) is not None and any(c.isdigit() for c in word)


def _is_word(token: Token) -> bool:
    return any(c.isalnum() for c in token.text)
