"""The counted noun phrase of a figure: `04 lớp tập huấn` counts `lớp tập huấn`.

Uses underthesea's word segments and POS tags of the figure's sentence: the
phrase is the run of nouns after the number (lists like `xã, phường, thị trấn`
included), after dropping `số`, `các` and classifiers. Money counts the money
noun before it (`số tiền phạt ... là 135,8 triệu đồng` counts `tiền phạt`);
rates and frequencies count the noun inside their own span (`4 tin/ tháng`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from solieu.extractors.lexicon import alternation, load_json
from solieu.pipeline.records import Figure, Sentence, Token
from solieu.pipeline.segment import tokenize


@lru_cache(maxsize=1)
def _lexicon() -> dict:
    return load_json("context.json")


def attach_counted(figure: Figure) -> None:
    """Fill `figure.counted` (None when nothing is counted), keeping the tokens for later stages.

    `context["counted_end"]` records where the counted phrase ends, so that the
    classifiers read the predicate after it (`51/56 xã phường không có tệ nạn`).
    """
    sentence: Sentence | None = figure.context.get("sentence")
    if sentence is None:
        return
    tokens = tokenize(sentence)
    figure.context["tokens"] = tokens
    figure.context["counted_end"] = figure.end
    if figure.unit == "vnd":
        figure.counted = money_noun(sentence.text[: figure.start - sentence.start])
        return
    inside = noun_inside_span(figure.text)
    if inside:
        figure.counted = inside
        return
    position = figure.end
    if figure.unit == "percent":  # `40% trên tổng số các xã`: the total's words stand before the noun
        total = _share_of_total().match(sentence.text, figure.end - sentence.start)
        position = sentence.start + total.end() if total else position
    figure.counted, figure.context["counted_end"] = noun_phrase_after(
        sentence, tokens, position, allow_verbs=figure.unit == "percent"
    )


def money_noun(before: str) -> str | None:
    """The most specific money noun of the clause before the amount."""
    clause = re.split(r"[;.:\n]", before)[-1].lower()
    for noun in _lexicon()["money_nouns"]:  # ordered from most to least specific
        if re.search(rf"(?<!\w){re.escape(noun)}(?!\w)", clause):
            return _drop_leading(noun)
    return None


def noun_inside_span(span: str) -> str | None:
    """`4 tin/ tháng` → `tin`; `ít nhất một lần` → `lần`."""
    rate = re.search(r"([^\W\d_]+(?:,?\s[^\W\d_]+){0,2})\s*/\s*[^\W\d_]+$", span)
    if rate:
        return rate.group(1)
    frequency = load_json("numbers.json")["frequency_words"]
    last = span.split()[-1] if span.split() else ""
    return last if last in frequency and len(span.split()) > 1 else None


@lru_cache(maxsize=1)
def _share_of_total() -> re.Pattern[str]:
    return re.compile(rf"\s*(?:{alternation(_lexicon()['share_of_total'])})(?!\w)", re.IGNORECASE)


@lru_cache(maxsize=1)
def _compounds() -> re.Pattern[str]:
    """Known nouns that the tagger splits (`người lao động`, `cơ sở kinh doanh dịch vụ`, `thông báo`)."""
    cues = {cue for cues in load_json("metric.json")["categories"].values() for cue in cues}
    return re.compile(rf"(?:lượt\s+)?(?:{alternation(cues)})(?!\w)", re.IGNORECASE)


def noun_phrase_after(sentence: Sentence, tokens: list[Token], position: int,
                      allow_verbs: bool = False) -> tuple[str | None, int]:
    """The noun run that follows `position` (comma-joined lists of nouns included) and where it ends."""
    lex = _lexicon()
    following = _skip_leading([_rest_of(t, position) for t in tokens if t.end > position and t.text[position - t.start:].strip()],
                              lex, allow_verbs)
    words: list[str] = []
    end = position
    if following:
        compound = _compounds().match(sentence.text, following[0].start - sentence.start)
        if compound:
            words.append(compound.group())
            end = sentence.start + compound.end()
            following = [t for t in following if t.start >= end]
    index = 0
    while index < len(following) and len(words) < lex["max_phrase_tokens"]:
        token = following[index]
        if token.text in lex["phrase_stop_words"] or token.text[:1].isdigit():
            break
        if token.text == "," and words:
            nxt = following[index + 1] if index + 1 < len(following) else None
            if nxt is None or nxt.pos not in lex["noun_tags"] or nxt.text in lex["phrase_stop_words"]:
                break
            words[-1] += ","
            index += 1
            continue
        if token.pos not in lex["phrase_tags"] and not (token.pos == "V" and _is_compound_noun(words)):
            break
        words.append(token.text)
        end = token.end
        index += 1
    phrase = _drop_leading(" ".join(words).strip(" ,"))
    return (phrase or None), end


def _rest_of(token: Token, position: int) -> Token:
    """The part of a word after `position`: the word table joins `một đôi` (a pair) into one word, whose number is the figure."""
    if token.start >= position:
        return token
    rest = token.text[position - token.start:]
    start = token.end - len(rest.lstrip())
    return Token(rest.strip(), start, token.end, token.pos)


def _skip_leading(tokens: list[Token], lex: dict, allow_verbs: bool) -> list[Token]:
    """Drop `số`, `các`, classifiers and units (`viên` of `6.000 viên thuốc`); for shares also the verb of `100% đăng ký xã`."""
    skipped_verbs = 0
    while tokens:
        word = tokens[0].text.lower()
        if word in lex["drop_leading"]:
            tokens = tokens[1:]
        elif word in lex["measure_words"] and len(tokens) > 1 and tokens[1].pos in lex["noun_tags"]:
            tokens = tokens[1:]
        elif allow_verbs and tokens[0].pos == "V" and skipped_verbs < lex["max_skipped_verbs"]:
            skipped_verbs += 1
            tokens = tokens[1:]
        else:
            return tokens
    return tokens


def _is_compound_noun(words: list[str]) -> bool:
    """`lớp tập huấn`, `cuộc kiểm tra`: a classifier noun followed by an activity verb."""
    return len(words) == 1 and words[0].lower() in load_json("metric.json")["event_classifiers"]


def _drop_leading(phrase: str) -> str:
    lex = _lexicon()
    changed = True
    while changed and phrase:
        changed = False
        for word in sorted(lex["drop_leading"], key=len, reverse=True):
            if phrase.lower().startswith(word + " "):
                phrase = phrase[len(word) + 1:]
                changed = True
    return phrase.strip()
