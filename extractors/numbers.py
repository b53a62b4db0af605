"""Find numbers in Vietnamese text and normalise them: the number grammar.

Runs on the raw text (a regex scan is far cheaper than word segmentation) and
returns every numeric expression with its value, unit, qualifier and rate.
Shapes that can never be figures (dates, times, identifiers such as
`1503/QĐ-UBND`, clause numbers) come back tagged by `rule` so that the figure
stage can drop them and the near-miss tests can see why.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

from solieu.extractors.lexicon import alternation, load_json
from solieu.pipeline.records import Quantity

NOT_FIGURE_SHAPES = frozenset({"date", "time", "identifier", "list_number", "glued", "phone"})

_DIGITS_VI = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+,\d+|\d+"
_DIGITS_EN = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+|\d+"





@dataclass(frozen=True)
class Grammar:
    """The compiled patterns of one number style (Vietnamese or English separators)."""

    style: str
    digits: str
    atom: re.Pattern[str]
    words: re.Pattern[str]
    scale: re.Pattern[str]
    percent: re.Pattern[str]
    money: re.Pattern[str]
    range_tail: re.Pattern[str]
    ratio_tail: re.Pattern[str]
    qualifier: re.Pattern[str]
    range_open: re.Pattern[str]
    slash_rate: re.Pattern[str]
    frequency: re.Pattern[str]
    inner_rate: re.Pattern[str]
    rate_before: re.Pattern[str]


@lru_cache(maxsize=2)
def grammar(style: str = "vi") -> Grammar:
    lex = load_json("numbers.json")
    digits = _DIGITS_VI if style == "vi" else _DIGITS_EN
    number_words = (
        list(lex["digits"]) + lex["ten"] + lex["tens_marker"] + lex["hundred"]
        + lex["zero_filler"] + list(lex["scales"])
    )
    qualifier_words = [w for words in lex["qualifiers"].values() for w in words]
    fillers = alternation(lex["qualifier_fillers"])
    units = alternation(list(lex["rate_units"]))
    clocks = "|".join(lex["clock_patterns"])
    version = f"|{lex['version_pattern']}" if style == "vi" else ""
    word_number = rf"(?:{alternation(number_words)})(?:\s+(?:{alternation(number_words)}))*"
    return Grammar(
        style=style,
        digits=digits,
        atom=re.compile(
            rf"(?P<time>\d{{1,2}}:\d{{2}}(?::\d{{2}})?(?:\s?[AaPp][Mm])?|{clocks})"
            r"|(?P<date>\d{1,2}[/.\-\u2044]\d{1,2}[/.\-\u2044]\d{2,4}(?!\d)|\d{1,2}[/.\u2044](?:19|20)\d{2}(?![\d.,]\d)"
            r"|(?<=[Nn]gày )\d{1,2}-\d{1,2}(?![\d/\-])|(?<![\d/.,-])(?:19|20)\d{2}-\d{1,2}(?:-\d{1,2})?(?![\d/.-]))"
            r"|(?P<phone>0\d{1,3}(?:[.\s]\d{2,4}){2,3}(?!\d|[.,]\d))"
            rf"|(?P<identifier>\d+(?:/\d+)*/[^\W\d_][\w-]*{version})"
            rf"|(?P<number>{digits})",
            re.UNICODE,
        ),
        words=re.compile(rf"(?<!\w)(?:{alternation(lex['half'])}|{word_number})(?!\w)", re.IGNORECASE),
        scale=re.compile(rf"\s*({alternation(list(lex['scales']))})(?!\w)(?:\s*({digits})\s*({alternation(list(lex['scales']))})(?!\w))*"),
        percent=re.compile(rf"\s?(?:{alternation(lex['percent'])})(?!\w)"),
        money=re.compile(rf"\s*(?:{alternation(lex['money'])})(?!\w)"),
        range_tail=re.compile(rf"\s*(?:{alternation(lex['range_joiners'])})\s*({digits})(?![\d/])"),
        ratio_tail=re.compile(rf"\s*/\s*({digits})(?![\d/]|[^\W\d_])"),
        qualifier=re.compile(rf"(?<!\w)({alternation(qualifier_words)})(?:\s+(?:{fillers}))?\s+$", re.IGNORECASE),
        range_open=re.compile(rf"(?<!\w)(?:{alternation(lex['range_openers'])})\s+$", re.IGNORECASE),
        slash_rate=re.compile(rf"\s*([^\W\d_]+(?:,?\s[^\W\d_]+){{0,2}})?\s*/\s*({units})(?!\w)"),
        frequency=re.compile(rf"\s+({alternation(lex['frequency_words'])})(?!\w)"),
        inner_rate=re.compile(rf"\s+({units})\s+({digits}|{alternation(list(lex['digits']))})\s+({alternation(lex['frequency_words'])})(?!\w)"),
        rate_before=re.compile(rf"(?<!\w)(?:{alternation(lex['rate_before'])})[,\s]+({units})(?!\w)", re.IGNORECASE),
    )


def detect_style(text: str) -> str:
    """`vi` (1.000,5) unless the document writes decimals with a point and thousands with a comma."""
    vi = len(re.findall(r"\d\.\d{3}(?!\d)|\d,\d{1,2}(?!\d)", text))
    en = len(re.findall(r"\d,\d{3}(?!\d)(?![.,]\d)|\d\.\d{1,2}(?!\d)(?!\.\d)", text))
    return "en" if en > vi else "vi"


def parse_digits(raw: str, style: str = "vi") -> float:
    """`1.000` → 1000, `135,8` → 135.8, `04` → 4 (Vietnamese separators); English style swaps them."""
    if style == "vi":
        return float(raw.replace(".", "").replace(",", "."))
    return float(raw.replace(",", ""))


def parse_words(phrase: str) -> float | None:
    """`hai mươi lăm` → 25, `một trăm linh năm` → 105; None when the words do not make a number."""
    lex = load_json("numbers.json")
    digits, scales = lex["digits"], lex["scales"]
    words = phrase.lower().split()
    if " ".join(words) in lex["half"]:
        return 50.0
    total, current, pending = 0, 0, None
    previous = ""
    for word in words:
        if word in digits:
            if pending is not None:
                return None
            if word in ("lăm", "mốt", "tư") and previous not in lex["ten"] + lex["tens_marker"]:
                if not (word == "tư" and previous in lex["zero_filler"] + lex["hundred"]):
                    return None
            pending = digits[word]
        elif word in lex["ten"]:
            if pending is not None or current % 100 >= 10:
                return None
            current += 10
        elif word in lex["tens_marker"]:
            if pending is None:
                return None
            current += pending * 10
            pending = None
        elif word in lex["hundred"]:
            if pending is None:
                return None
            current += pending * 100
            pending = None
        elif word in lex["zero_filler"]:
            if previous not in lex["hundred"]:
                return None
        elif word in scales:
            group = current + (pending or 0)
            if group == 0:
                return None
            total += group * scales[word]
            current, pending = 0, None
        else:
            return None
        previous = word
    value = total + current + (pending or 0)
    return float(value) if value or words == ["không"] else None


def find_quantities(text: str, start: int = 0, end: int | None = None, style: str = "vi") -> list[Quantity]:
    """Every numeric expression in text[start:end], in order, none overlapping."""
    end = len(text) if end is None else end
    g = grammar(style)
    found: list[Quantity] = []
    taken_until = start
    for match in g.atom.finditer(text, start, end):
        if match.start() < taken_until:
            continue
        quantity = _from_atom(text, match, end, g)
        found.append(quantity)
        taken_until = quantity.end
    found.extend(_word_quantities(text, start, end, g, found))
    found.sort(key=lambda q: q.start)
    return found


def _from_atom(text: str, match: re.Match[str], limit: int, g: Grammar) -> Quantity:
    kind = match.lastgroup or "number"
    raw = match.group()
    if kind != "number":
        return Quantity(match.start(), match.end(), raw, 0.0, rule=kind)
    day_month = _day_month_end(text, match.start(), match.end(), limit)
    if day_month:
        return Quantity(match.start(), day_month, text[match.start():day_month], 0.0, rule="date")
    if _is_glued(text, match.start(), match.end()):
        return Quantity(match.start(), match.end(), raw, parse_digits(raw, g.style), rule="glued")
    if _is_list_number(text, match.start(), match.end()):
        return Quantity(match.start(), match.end(), raw, parse_digits(raw, g.style), rule="list_number")
    quantity = Quantity(match.start(), match.end(), raw, parse_digits(raw, g.style))
    _extend_right(text, quantity, limit, g)
    _extend_left(text, quantity, g)
    return quantity


DAY_MONTH = re.compile(r"(\d{1,2})(?:[.\-–]|-\s)(\d{1,2})(?![\d%]|[.,/\-]\d)")  # `chiều 28- 3` too


def _day_month_end(text: str, start: int, end: int, limit: int) -> int | None:
    """`tối 20-3`, `sáng 4.6`, `Hôm nay (14.6)`: where a day and month after a word of the day end, else None.

    A bare `4.6` or `20-3` is a decimal or a range; after `ngày`, `sáng`, `tối` ... it
    is a date, and its second half must not become a count.
    """
    match = DAY_MONTH.match(text, start, limit)
    if match is None or match.end() < end:
        return None
    day, month = int(match.group(1)), int(match.group(2))
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return None
    before = text[max(0, start - 16):start].rstrip(" (").lower()
    return match.end() if _day_words().search(before) else None


@lru_cache(maxsize=1)
def _day_words() -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{alternation(load_json('numbers.json')['day_month_before'])})$")


@lru_cache(maxsize=1)
def _unit_power_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The powers glued to a unit (`m2`) and the units they follow, compiled once."""
    lex = load_json("numbers.json")
    return (re.compile(rf"(?:{alternation(lex['glued_unit_powers'])})"),
            re.compile(rf"(?<![^\W\d_])(?:{alternation(lex['glued_units_before'])})$"))


def _is_glued(text: str, start: int, end: int) -> bool:
    """`H5N1`, `COVID-19`, `4G`, `PC45`: a number that is part of a name or code, not a quantity."""
    after = text[end:end + 1]
    before = text[max(0, start - 2):start]
    letters = re.match(r"[^\W\d_]+", text[end:end + 8])
    code_after = after.isupper() or (letters is not None and len(letters.group()) <= 2 and letters.group().isascii())
    powers, units_before = _unit_power_patterns()
    if powers.fullmatch(text[start:end]) and units_before.search(before):
        return True  # `120 m2`, `km2`: the power of a unit
    if code_after or before[-1:].isupper():  # `4G`, `10km`, `PC45`, `QH13`; `tổ chức10 lớp`, `03vũ trường` are typos
        return True
    return len(before) == 2 and before[1] == "-" and before[0].isalpha()


CLAUSE_NUMBER = re.compile(r"\.\s*[A-ZĐ]")
GLUED_CLAUSE_NUMBER = re.compile(r"\.[A-ZĐ]")


def _is_list_number(text: str, start: int, end: int) -> bool:
    """`1.`, `3.2.`, `4.11.` opening a line number a clause."""
    line_start = text.rfind("\n", 0, start) + 1
    head = text[line_start:start]
    if head.strip() == "(" and text[end:end + 1] == ")":
        return True  # `(1) 100% cấp ủy ...`: a clause numbered in parentheses at a line's start
    if not head.strip(" \t-–•"):
        return re.match(r"(?:\.\d+)*\.(?:\s|$|[A-ZĐ])", text[end:]) is not None
    # Clauses of a quoted law run on in one paragraph: `... đến năm năm. 2. Phạm tội ...`, `: 1.Người nào ...`
    tail = head[-8:]  # only the end of the line before the number matters (a long line must cost no more)
    return (re.search(r"[^\W\d_][.;]\s+$", tail) is not None and CLAUSE_NUMBER.match(text, end) is not None
            or re.search(r"[:.;]\s*$", tail) is not None and GLUED_CLAUSE_NUMBER.match(text, end) is not None)


def _extend_right(text: str, q: Quantity, limit: int, g: Grammar) -> None:
    """Ratios, ranges, scale words, percent, money and rates that follow the digits."""
    tail = g.ratio_tail.match(text, q.end, limit)
    if tail:
        q.end = tail.end()
        q.text = text[q.start:q.end]
        denominator = parse_digits(tail.group(1), g.style)
        if q.value <= denominator and not _looks_like_day_month(text, q, tail, g):
            q.denominator, q.unit, q.rule = denominator, "ratio", "ratio"
        else:  # `26/6,` is a day and month; a/b with a > b is no share of a total
            q.rule = "date" if _looks_like_day_month(text, q, tail, g) else "identifier"
        return
    repeated = _ratio_over_repeated_noun(text, q, limit, g)
    if repeated:
        return
    _apply_scale(text, q, limit, g)
    rng = g.range_tail.match(text, q.end, limit)
    if rng and not _looks_like_years(q.value, rng.group(1), g):
        high = parse_digits(rng.group(1), g.style)
        if high > q.value:
            q.value_high, q.end, q.rule = high, rng.end(), "range"
            _apply_scale(text, q, limit, g, high=True)
    pct = g.percent.match(text, q.end, limit)
    if pct:
        q.unit, q.end = "percent", pct.end()
        q.rule = "percent" if q.rule == "number" else q.rule
        if q.value_high is None:
            _percent_range(text, q, limit, g)
    else:
        money = g.money.match(text, q.end, limit)
        if money:
            q.unit, q.end = "vnd", money.end()
            q.rule = "money"
        elif q.end > scale_end_before(text, q) and _money_named_before(text, q.start):
            q.unit, q.rule = "vnd", "money"  # `phạt tổng số tiền hơn 6,4 tỉ`: the amount is money without `đồng`
    q.text = text[q.start:q.end]
    _apply_rate(text, q, limit, g)


def _percent_range(text: str, q: Quantity, limit: int, g: Grammar) -> None:
    """`10%-15%`, `75% đến 80%`: a range whose two ends each carry the sign is one figure, not two."""
    rng = g.range_tail.match(text, q.end, limit)
    if rng is None:
        return
    pct = g.percent.match(text, rng.end(), limit)
    high = parse_digits(rng.group(1), g.style)
    if pct is not None and high > q.value:
        q.value_high, q.end, q.rule = high, pct.end(), "range"


@lru_cache(maxsize=2)
def _repeated_noun_ratio(digits: str) -> re.Pattern[str]:
    return re.compile(rf"\s+([^\W\d_]+(?:\s+[^\W\d_]+){{0,2}})\s*/\s*({digits})\s+(\S+)")


def _ratio_over_repeated_noun(text: str, q: Quantity, limit: int, g: Grammar) -> bool:
    """`21 cơ sở/25 cơ sở`: a share written with its noun on both sides is the ratio `21 cơ sở/25`."""
    match = _repeated_noun_ratio(g.digits).match(text, q.end, limit)
    if match is None or not match.group(1).startswith(match.group(3)):
        return False
    denominator = parse_digits(match.group(2), g.style)
    if q.value > denominator:
        return False
    q.denominator, q.unit, q.rule, q.end = denominator, "ratio", "ratio", match.end(2)
    q.text = text[q.start:q.end]
    return True


def scale_end_before(text: str, q: Quantity) -> int:
    """Where the digits end, before any scale word: a scale word makes `q.end` lie past it."""
    match = re.match(r"\d[\d.,]*", text[q.start:q.end])
    return q.start + (match.end() if match else 0)


def _money_named_before(text: str, start: int) -> bool:
    """The clause names an amount of money just before the number (`số tiền`, `kinh phí`)."""
    words = load_json("numbers.json")["money_before"]
    before = re.split(r"[;.:\n]", text[max(0, start - 40):start])[-1]
    return re.search(rf"(?<!\w)(?:{alternation(words)})(?:\s+\S+){{0,3}}\s*$", before, re.IGNORECASE) is not None


def _looks_like_day_month(text: str, q: Quantity, tail: re.Match[str], g: Grammar) -> bool:
    """`8/5, UBND ...`: a plausible day/month that no counted noun follows is a date, not a ratio."""
    day, month = q.value, parse_digits(tail.group(1), g.style)
    if not (1 <= day <= 31 and 1 <= month <= 12 and day.is_integer() and month.is_integer()):
        return False
    following = text[tail.end():tail.end() + 4].lstrip()
    return not following[:1].isalpha()


def _looks_like_years(low: float, high_raw: str, g: Grammar) -> bool:
    high = parse_digits(high_raw, g.style)
    return 1900 <= low <= 2100 and 1900 <= high <= 2100 and float(low).is_integer()


def _apply_scale(text: str, q: Quantity, limit: int, g: Grammar, high: bool = False) -> None:
    scale = g.scale.match(text, q.end, limit)
    if not scale:
        return
    scales = load_json("numbers.json")["scales"]
    words = re.findall(rf"({_DIGITS_VI if g.style == 'vi' else _DIGITS_EN})?\s*({'|'.join(scales)})", scale.group())
    base = q.value_high if high else q.value
    total = 0.0
    for index, (raw, word) in enumerate(words):
        amount = base if index == 0 else parse_digits(raw, g.style)
        total += amount * scales[word]
    if high:
        q.value_high = total
    else:
        q.value = total
    q.end = scale.end()


def _apply_rate(text: str, q: Quantity, limit: int, g: Grammar) -> None:
    """`4 tin/ tháng` and `... một lần` frequencies; `hàng quý ... một lần` takes the rate from before."""
    units = load_json("numbers.json")["rate_units"]
    slash = g.slash_rate.match(text, q.end, limit)
    if slash:
        q.per, q.end = units[slash.group(2)], slash.end()
    else:
        freq = g.frequency.match(text, q.end, limit)
        if freq:
            q.end = freq.end()
    q.text = text[q.start:q.end]
    if q.per is None and q.unit == "count":
        q.per = _rate_before(text, q.start, g)


RATE_WINDOW = 200  # characters before a number in which `định kỳ hàng quý` can still govern it


def _rate_before(text: str, start: int, g: Grammar) -> str | None:
    """The rate word of the number's clause, looked for in a bounded window (linear in the text)."""
    window = max(0, start - RATE_WINDOW)
    clause_start = max(window, max(text.rfind(mark, window, start) for mark in (";", ".", ":", "\n")) + 1)
    units = load_json("numbers.json")["rate_units"]
    cues = list(g.rate_before.finditer(text, clause_start, start))
    return units[cues[-1].group(1).lower()] if cues else None


def _extend_left(text: str, q: Quantity, g: Grammar) -> None:
    """A qualifier (`hơn`, `Trên`, `ít nhất được`) or a range opener (`từ`) joins the span."""
    window_start = max(0, q.start - 40)
    before = text[window_start:q.start]
    opener = g.range_open.search(before) if q.rule == "range" else None
    if opener:
        q.start = window_start + opener.start()
    else:  # `khoảng 10%-15%`: a range without `từ` may take a qualifier
        qual = g.qualifier.search(before)
        if qual:
            q.qualifier = qualifier_code(qual.group(1))
            q.start = window_start + qual.start()
    q.text = text[q.start:q.end]


@lru_cache(maxsize=1)
def _counters() -> tuple[str, ...]:
    """Nouns that a number written in words must count: the counters plus every metric category noun."""
    own = load_json("numbers.json")["word_number_needs"]["counters"]
    categories = [cue for cues in load_json("metric.json")["categories"].values() for cue in cues]
    return tuple(sorted(set(own) | set(categories), key=len, reverse=True))


@lru_cache(maxsize=64)
def qualifier_code(word: str) -> str:
    for code, words in load_json("numbers.json")["qualifiers"].items():
        if word.lower() in words:
            return code
    return "exact"


def _word_quantities(text: str, start: int, end: int, g: Grammar, digits_found: list[Quantity]) -> list[Quantity]:
    """Numbers written in words, kept only where they count something (see numbers.json)."""
    taken = sorted((q.start, q.end) for q in digits_found)
    found: list[Quantity] = []
    for match in g.words.finditer(text, start, end):
        if _overlaps(match.start(), match.end(), taken):
            continue
        q = _word_quantity(text, match, end, g)
        if q is None or _overlaps(q.start, q.end, taken):  # its extensions may reach into another number
            continue
        found.append(q)
        bisect.insort(taken, (q.start, q.end))
    return found


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    """Does [start, end) overlap a span of `spans` (sorted, not overlapping each other)? Binary search."""
    index = bisect.bisect_left(spans, (end, end))
    return index > 0 and spans[index - 1][1] > start


def _word_quantity(text: str, match: re.Match[str], end: int, g: Grammar) -> Quantity | None:
    """One number in words with its extensions, or None when the words count nothing."""
    lex = load_json("numbers.json")
    phrase = match.group()
    value = parse_words(phrase)
    if value is None or re.match(r"\s*\d", text[match.end():match.end() + 3]):
        return None  # `năm 2021` is a year, not five
    needs = lex["word_number_needs"]
    if phrase.lower() in needs["ambiguous_alone"] and not (
            phrase.lower() in needs["counted_when_people_follow"] and _counts_people(text, match.end())):
        return None
    match = _without_trailing_year(text, match, g) or match
    phrase = match.group()
    value = parse_words(phrase) or value
    before = text[max(0, match.start() - 40):match.start()]
    if re.search(rf"(?<!\w)(?:{alternation(lex['vague_before'])})\s+$", before, re.IGNORECASE):
        return None  # `hàng trăm`, `vài nghìn`: no numeral, no figure
    q = Quantity(match.start(), match.end(), phrase, value, rule="words")
    if phrase.lower() in lex["half"]:
        q.unit = "percent"
    inner = g.inner_rate.match(text, q.end, end)
    if inner:  # `một tháng một lần`: the rate's period, then the count
        second = inner.group(2)
        q.value = parse_digits(second, g.style) if second[0].isdigit() else (parse_words(second) or q.value)
        q.per, q.end = lex["rate_units"][inner.group(1)], inner.end()
        q.text = text[q.start:q.end]
    else:
        _extend_right(text, q, end, g)
    unqualified_start = q.start
    _extend_left(text, q, g)
    return q if _words_count_something(text, q, qualified=q.start != unqualified_start) else None


def _counts_people(text: str, end: int) -> bool:
    """`năm nghi can`, `năm cặp`: a noun only people are counted by follows, so `năm` is five."""
    after = text[end:end + 20].lstrip().lower()
    return any(re.match(rf"{re.escape(noun)}(?!\w)", after) for noun in
               load_json("numbers.json")["word_number_needs"]["counters_after_ambiguous"])


def _without_trailing_year(text: str, match: re.Match[str], g: Grammar) -> re.Match[str] | None:
    """`mười năm`, `hai mươi năm`: the numeral without its last word, which is the year of a duration."""
    lex = load_json("numbers.json")
    words = match.group().split()
    if len(words) < 2 or words[-1].lower() != lex["year_after_tens"] or words[-2].lower() not in lex["ten"] + lex["tens_marker"]:
        return None
    cut = match.start() + len(match.group()[: match.group().rfind(words[-1])].rstrip())
    return g.words.match(text, match.start(), cut)


def _words_count_something(text: str, q: Quantity, qualified: bool) -> bool:
    """`ít nhất một`, `một khóa`, `hai mươi lăm`: yes; `một số`, `một trong những`: no."""
    lex = load_json("numbers.json")
    after = text[q.end:q.end + 30].strip().lower()  # `bắt giữ ba đối tượng` may end the text with a line break
    if q.unit != "percent" and any(after.startswith(w + " ") or after == w for w in lex["word_number_needs"]["not_after"]):
        return False
    counts = (
        any(after.startswith(c + " ") or after == c or after.startswith(c + ",") for c in _counters())
        or q.text.lower().endswith(tuple(lex["frequency_words"]))
        or len(q.text.split()) > 1 and parse_words(q.text) is not None  # `hai mươi lăm` can only be a number
    )
    return qualified or counts or q.unit == "percent"
