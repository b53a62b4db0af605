"""Stage 4, find figures: the numbers of a sentence that could report the programme's work.

`extractors.numbers` finds every number; this stage turns each into a candidate
Figure and says why the spec would not call it a figure — dates, periods,
durations, identifiers (`Quyết định số 1503`, `Đội kiểm tra 178`), codes,
phone numbers, changes (`tăng 58,4% so với cùng kỳ`), prices, sources of
statistics, numbers inside quoted titles, counts of the setting — without
dropping it: the figure decision (`extractors/classify.py`) weighs that
objection with the rest of the evidence.
"""

from __future__ import annotations

import re
from functools import lru_cache

from solieu.extractors import counted, numbers, places
from solieu.extractors.lexicon import alternation, load_json
from solieu.extractors.memo import per_document
from solieu.pipeline.records import Document, Figure, Quantity, Sentence


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    lex = load_json("figures.json")

    def ending(words: list[str], tail: str = r"\s*$", flags: int = 0) -> re.Pattern[str]:
        return re.compile(rf"(?<!\w)(?:{alternation(words)}){tail}", flags)

    def starting(words: list[str]) -> re.Pattern[str]:
        return re.compile(rf"^\s*(?:{alternation(words)})(?!\w)", re.IGNORECASE)

    team_words = alternation(lex["team_name_words"])
    return {
        "identifier": ending(lex["identifier_before"], r"(?:\s+số)?\s*$"),
        "team": re.compile(rf"(?<!\w)(?:{alternation(lex['team_nouns'])})(?:[\s,]+(?:{team_words}))*\s*$", re.IGNORECASE),
        "phone": re.compile(rf"(?:{alternation(lex['phone_before'])})[\s:]*(?:số\s*)?[\s:]*$"),
        "date": ending(lex["date_before"], flags=re.IGNORECASE),
        "price": ending(lex["price_before"], r"(?:\s+[^\s\d]+){0,5}\s*$", re.IGNORECASE),
        "comparison": re.compile(rf"(?<!\w)(?:{alternation(lex['comparison_in_clause'])})(?!\w)[^;.\n)]*$", re.IGNORECASE),  # a parenthesis closes it
        "count_after_team": starting(lex["count_after_team"]),
        "list_joiner": re.compile(rf"^\s*(?:{alternation(lex['list_joiners'])})?\s*(?:[A-ZĐ][^\W\d_]*\s+)?$"),
        "duration": starting(lex["duration_after"]),
        "change_before": ending(lex["change_before"]),
        "change_after": re.compile(rf"^[^.;\n(]{{0,25}}?(?:{alternation(lex['change_after'])})(?!\w)"),
        "description": starting(lex["description_after"]),
        "locative_before": ending(lex["locative_before"], r"\s+trên\s*$"),
        "locative_after": starting(lex["locative_after"]),
        "per_unit": re.compile(rf"(?<!\w)(?:{alternation(lex['per_unit_before'])})(?!\w)[^;.\n]*$", re.IGNORECASE),
        "loan": ending(lex["loan_before"], r"(?:\s+[^\s\d]+){0,2}\s*$", re.IGNORECASE),
        "source_before": ending(lex["source_before"], flags=re.IGNORECASE),
        "source_after": starting(lex["source_after"]),
        "age": ending(lex["age_before"], flags=re.IGNORECASE),
        "measure": re.compile(rf"^\s*(?:{alternation(lex['measure_after'])})(?![^\W\d_])"),
        "numbered_place": re.compile(
            rf"(?<!\w)(?:{alternation(lex['numbered_place_before'])})(?:\s+[A-ZĐÂĂÊÔƠƯ][^\W\d_]*){{0,4}}\s*$"),
        "name_end": re.compile(r"^\s*(?:[),.;:]|$|[A-ZĐ])"),
        "article": ending(lex["article_before"], flags=re.IGNORECASE),
        "item": starting(lex["item_nouns"]),
        "other_programme": re.compile(rf"(?<!\w)(?:{alternation(lex['other_programme_before'])})(?!\w)[^;.:\n]*$",
                                      re.IGNORECASE),
        "licensed_all": re.compile(rf"[^;.:\n]{{0,60}}?(?:{alternation(lex['licensed_all_after'])})", re.IGNORECASE),
        "school": re.compile(rf"(?<!\w)(?:{alternation(lex['school_before'])})(?:\s+[A-ZĐÂĂÊÔƠƯ][^\W\d_]*){{1,4}}\s*$"),
        "code": re.compile(r"(?<![\w.])[A-ZĐ]{2,6}\s*$"),
        "counted_after_year": re.compile(rf"\s+(?:{alternation(lex['counted_after_year'])})(?!\w)"),
        "year_before": ending(lex["date_before"] + lex["year_before_extra"], flags=re.IGNORECASE),
        "business_named": re.compile(
            rf"(?<!\w)(?:{alternation(_with_capitals(lex['business_nouns']))})(?:\s*[-–]\s*[A-ZĐ][^\W\d_]*)?"
            rf"(?:\s+[A-ZĐÂĂÊÔƠƯ][^\W\d_]*){{1,5}}\s*$"),
        "business_bare": ending(lex["business_nouns"], flags=re.IGNORECASE),
        "business_bare_after": re.compile(rf"^\s*(?:[).;:]|$|[A-ZĐ]|(?:{alternation(lex['business_bare_after'])})(?!\w))"),
        "address": re.compile(rf"(?<!\w)(?<!tổng )(?<!trong )(?:{alternation(_with_capitals(lex['address_before']))})\s*$"),
        "street_after": re.compile(rf"^\s*,?\s*(?:(?:{alternation(_with_capitals(lex['street_after']))})(?!\w)|[A-ZĐ])"),
        "institution": re.compile(
            rf"(?<!\w)(?:{alternation(lex['institution_nouns'])})(?:\s+(?!tổng(?!\w)|trong(?!\w))[^\s\d,;.:]+){{0,6}}\s+số\s*$",
            re.IGNORECASE),
        "per_act_after": re.compile(rf"^\s*(?:{alternation(lex['per_act_after'])})(?!\w)", re.IGNORECASE),
        "trade_money": re.compile(rf"(?<!\w)(?:{alternation(lex['trade_money_cues'])})(?!\w)", re.IGNORECASE),
        "programme_money": re.compile(rf"(?<!\w)(?:{alternation(lex['programme_money_cues'])})(?!\w)", re.IGNORECASE),
        "share_before": re.compile(rf"(?<!\w)(?:{alternation(lex['share_verbs'])})(?:\s+[^\s\d]+){{0,1}}\s*$", re.IGNORECASE),
        "back_reference": re.compile(
            rf"^\s*(?:{alternation(lex['people_nouns'])})(?:\s+[^\W\d_]+){{0,2}}?\s+(?:{alternation(lex['back_reference_after'])})(?!\w)"),
        "caption_names": re.compile(
            rf"^\s*(?:{alternation(lex['people_nouns'])})(?:\s+[^\W\d_]+){{0,5}}?(?:\s+[A-ZĐ][^\W\d_]*){{3}}"),
        "named_people": re.compile(
            rf"^\s*(?:{alternation(lex['people_nouns'])})(?:\s+[^\W\d_]+){{0,4}}?\s+(?:{alternation(lex['named_with'])})\s+[A-ZĐ]"),
        "arrest_before": ending(lex["arrest_before"], flags=re.IGNORECASE),
        "offence_times": re.compile(
            rf"(?<!\w)(?:{alternation(lex['times_words'])})\s+(?:{alternation(lex['offence_after_times'])})(?!\w)", re.IGNORECASE),
        "force_after": starting(lex["force_nouns"]),
        "force_not_with": re.compile(rf"(?<!\w)(?:{alternation(lex['force_not_with'])})(?!\w)", re.IGNORECASE),
        "structure_after": starting(lex["structure_after"]),
        "sample_before": ending(lex["sample_before"], flags=re.IGNORECASE),
        "sample_after": starting(lex["sample_after"]),
        "penalty": ending(lex["penalty_before"], r"(?:\s+[^\s;.]+){0,4}\s*$", re.IGNORECASE),
        "ratio_duration": starting(lex["ratio_duration_after"]),
        "offence_rate": re.compile(rf"(?<!\w)(?:{alternation(lex['offence_after_times'] or ['(?!)'])})"
                                   rf"(?:\s+(?:{alternation(lex['offence_rate_fillers'])}))?\s*$", re.IGNORECASE),
        "article_things": re.compile(rf"^\s*(?:{alternation(lex['business_nouns'] + lex['article_things_after'])})(?!\w)"),
        "profile": re.compile(rf"^[^;.:\n]{{0,60}}?(?<!\w)(?:{alternation(lex['profile_after'])})(?!\w)"),
        "members_after": starting(lex["members_after"]),
        "online_group": re.compile(rf"(?<!\w)(?:{alternation(lex['online_group_cues'])})(?!\w)"),
        "existence_before": ending(lex["existence_before"], flags=re.IGNORECASE),
        "other_programme_after": re.compile(
            rf"^[^;.,:\n]{{0,50}}?(?<!\w)(?:{alternation(lex['other_programme_after'] or ['(?!)'])})(?!\w)", re.IGNORECASE),
        "other_topic": re.compile(rf"(?<!\w)(?:{alternation(lex['other_topic_cues'])})(?!\w)", re.IGNORECASE),
        "victim": starting(lex["victim_nouns"]),
        "kept": starting(lex["kept_nouns"]),
        "keeper_before": re.compile(
            rf"(?<!\w)(?:{alternation(lex['keeper_verbs'])})(?:[\s,]+[^\W\d_]+){{0,2}}?[\s,]*$", re.IGNORECASE),
        "keeper_each": re.compile(rf"(?<!\w)(?:{alternation(lex['keeper_each'])})(?!\w)", re.IGNORECASE),
        "victim_not_with": re.compile(rf"(?<!\w)(?:{alternation(lex['victim_not_with'])})(?!\w)", re.IGNORECASE),
        "trafficking_story": re.compile(rf"(?<!\w)(?:{alternation(lex['trafficking_story_cues'])})(?!\w)", re.IGNORECASE),
        "own_topic": re.compile(rf"(?<!\w)(?:{alternation(lex['own_topic_cues'])})(?!\w)", re.IGNORECASE),
    }


def _with_capitals(words: list[str]) -> list[str]:
    """The words as written in running text and opening a sentence or a name (`khách sạn`, `Khách sạn`)."""
    return sorted({variant for word in words for variant in (word, word[:1].upper() + word[1:])})


@lru_cache(maxsize=8)
def _style(text: str) -> str:
    return numbers.detect_style(text)


def document_candidates(doc: Document, sentences: list[Sentence]) -> list[Figure]:
    """Every candidate of the document's body, with its counted phrase and the filters' view.

    The one place where the pipeline and the training corpus see candidates, so that
    the figure model learns from exactly what it will be asked about. Past
    `body_end` lie tags and other articles' headlines: no candidates there.
    `context["noise"]` says whether it counts the setting rather than the work.
    """
    body_end = places.body_end(doc.text)
    found = [figure for sentence in sentences if sentence.start < body_end
             for figure in find_candidates(doc, sentence)]
    for figure in found:
        counted.attach_counted(figure)
    link_previous([figure for figure in found if figure.context["veto"] is None])
    for figure in found:
        figure.context["noise"] = is_situation_noise(figure)
        if figure.context["veto"] is None and _kept_by_the_case(figure):
            figure.context["noise"] = False
            figure.context["story_role"] = "kept"
        elif figure.context["veto"] is None and _victim_of_trafficking(figure, doc.text):
            figure.context["noise"] = False
            figure.context["story_role"] = "victim"
    return found


def _kept_by_the_case(figure: Figure) -> bool:
    """`Thủy nuôi 8 cô gái`, `có trong tay 5 tiếp viên`: the women a pimp keeps are the case's sex workers, not staff.

    How many each place keeps (`mỗi quán nuôi 2-3 cô gái`) describes the trade, and stays the setting.
    """
    p = _patterns()
    if figure.counted is None or figure.unit != "count" or not p["kept"].match(figure.counted):
        return False
    offset = figure.start - figure.sentence_start
    keeper = p["keeper_before"].search(figure.sentence, max(0, offset - 40), offset)
    return keeper is not None and p["keeper_each"].search(figure.sentence, max(0, keeper.start() - 30), keeper.start()) is None


def _victim_of_trafficking(figure: Figure, text: str) -> bool:
    """`Bốn cô gái ... được giải cứu`: girls counted in a story of women lured, sold or rescued are victims.

    Counted without a word of the work around them they would pass for the setting; the
    document tells their story once, in any sentence, so it is read once (only when such
    a count is met). Girls the sentence shows selling sex are left to the sex-work metrics.
    """
    p = _patterns()
    if figure.counted is None or figure.unit != "count" or not p["victim"].match(figure.counted):
        return False
    return p["victim_not_with"].search(figure.sentence) is None and _trafficking_story(text)


@per_document
def _trafficking_story(text: str) -> bool:
    return _patterns()["trafficking_story"].search(text) is not None


def find_candidates(doc: Document, sentence: Sentence) -> list[Figure]:
    """Every number of one sentence that could be a figure, each with the filters' objection.

    `context["veto"]` is why the hand filters say it is not a figure (None when they
    accept it). The filters do not drop anything here: the figure decision
    (`extractors/classify.py`) weighs their objection with the rest of the evidence,
    since real texts hold kinds of non-figures no list finishes, and filters that
    misfire on some of them.
    """
    text = doc.text
    found: list[Figure] = []
    rejected_until = -1
    for quantity in numbers.find_quantities(text, sentence.start, sentence.end, _style(text)):
        if quantity.rule in numbers.NOT_FIGURE_SHAPES:
            continue  # dates, times and identifiers by their very shape: never a candidate
        reason = not_a_figure(text, quantity, sentence)
        if (reason is None and rejected_until >= 0 and quantity.unit == "count"
                and quantity.qualifier == "exact" and _continues_list(text[rejected_until:quantity.start])):
            reason = "list of non-figures"  # `phòng 203, 305 và 407`, `Quận 1, Quận 3 và Quận 10`
        if reason is not None:
            rejected_until = quantity.end if reason not in ("year", "date", "time") else -1
        else:
            rejected_until = -1
            _fix_locative_tren(text, quantity)
        figure = _figure(doc, sentence, quantity)
        figure.context["veto"] = reason
        found.append(figure)
    return found


def link_previous(figures: list[Figure]) -> None:
    """Each figure's `context["previous"]`: the figure just before it in the same sentence.

    Set on the figures that were kept, so that `tại 03 địa bàn` reads the event
    counted before it (`03 cuộc hội thảo`), not a rejected number in between.
    """
    previous: Figure | None = None
    for figure in sorted(figures, key=lambda f: f.start):
        same = previous is not None and previous.sentence_index == figure.sentence_index
        figure.context["previous"] = previous if same else None
        previous = figure


def not_a_figure(text: str, q: Quantity, sentence: Sentence) -> str | None:
    """Why this number is not a figure, or None when it is one."""
    if q.rule in numbers.NOT_FIGURE_SHAPES:
        return q.rule
    p = _patterns()
    number_start = _number_start(q)
    before = text[max(sentence.start, number_start - 60):number_start]
    after = text[q.end:min(sentence.end, q.end + 40)]
    lex = load_json("figures.json")
    low, high = lex["year_range"]
    raw = text[number_start:q.end]
    if (q.unit == "count" and re.fullmatch(r"\d{4}", raw.strip()) and low <= q.value <= high
            and not _count_of_known_noun(text, q, before)):
        return "year"
    checks = (
        ("identifier", p["identifier"].search(before)),
        ("team name", q.qualifier == "exact" and p["team"].search(before) and not p["count_after_team"].search(after)),
        ("price", q.unit == "vnd" and p["price"].search(before)),  # `thu hút 1.000 người` is no price
        ("comparison", p["comparison"].search(before)),
        ("phone", p["phone"].search(before) or re.fullmatch(r"0\d{8,10}", raw.strip())),
        ("date", p["date"].search(before)),
        ("duration", q.unit == "count" and q.per is None and p["duration"].search(after)),
        ("duration", q.unit == "ratio" and p["ratio_duration"].search(after)),  # `trực 24/24 giờ`
        ("change", p["change_before"].search(before) or p["change_after"].search(after)),
        ("description", q.unit == "count" and p["description"].search(after)),
        ("quoted title", _inside_quotes(text, sentence.start, q.start)),
        ("per unit", q.unit == "vnd" and (p["per_unit"].search(before) or p["loan"].search(before))),
        ("source", p["source_before"].search(before) or p["source_after"].search(after)),
        ("age", p["age"].search(before)),
        ("measure", p["measure"].search(after)),
        ("numbered place", q.unit == "count" and q.qualifier == "exact" and p["numbered_place"].search(before)
         and p["name_end"].search(after)),
        ("article", q.rule == "words" and q.value == 1 and q.qualifier == "exact"
         and (p["article"].search(before) or not before.strip() or p["article_things"].match(after))),
        ("profile", q.unit == "percent" and p["profile"].match(after)),
        ("item", q.unit == "count" and p["item"].search(after)),
        ("other programme", p["other_programme"].search(before)
         or p["other_programme_after"].search(after) and p["existence_before"].search(before)),
        ("all licensed businesses", q.unit in ("count", "ratio") and p["licensed_all"].match(text, q.end, min(sentence.end, q.end + 120))
         and not _work_before(before)),  # `kiểm tra 1.824 lượt cơ sở ... có điều kiện` is work done
        ("numbered place", q.qualifier == "exact" and p["school"].search(before)),
        ("code", q.qualifier == "exact" and p["code"].search(before) and p["name_end"].search(after)),
    )
    for reason, hit in checks:
        if hit:
            return reason
    return _setting_of_the_case(text, q, sentence, before, after)


def _setting_of_the_case(text: str, q: Quantity, sentence: Sentence, before: str, after: str) -> str | None:
    """Why a number belongs to the story of one case or to the document itself, not to the work (issue 18's kinds).

    Checked one by one, cheapest first, once the older filters found nothing: a name or an
    address, money of the deal, the people of the story, the force on a raid, the parts of
    a plan, a study's sample, a law's bracket, another topic.
    """
    p = _patterns()
    exact_count = q.qualifier == "exact" and q.unit == "count"
    if exact_count and (_business_name(before, after) or p["institution"].search(before)):
        return "numbered place"
    if (q.qualifier == "exact" and q.unit in ("count", "ratio") and p["address"].search(before)
            and (p["street_after"].match(after) or "địa chỉ" in before[-20:].lower())):
        return "address"
    if _deal_money(text, q, sentence, before, after):
        return "price"
    if q.unit == "count":
        if (p["back_reference"].match(after) or not before.strip() and p["caption_names"].match(after)
                or p["named_people"].match(after) and not p["arrest_before"].search(before)):
            return "people named"
        if p["offence_times"].search(q.text + after[:40]) or (q.per is not None and p["offence_rate"].search(before)):
            return "offence told"  # how often an offence of the story was done, once or per day
        if p["force_after"].search(after) and not p["force_not_with"].search(sentence.text):
            return "force"
        if p["structure_after"].search(after):
            return "structure"
        if _online_members(sentence.text, after):
            return "online group"
    if q.unit in ("count", "ratio") and (p["sample_before"].search(before) or p["sample_after"].search(after)):
        return "sample"
    if p["penalty"].search(before):
        return "penalty"
    if _of_other_topic(sentence.text) or (_section_of_other_topic(text, sentence.start)
                                         and not p["own_topic"].search(sentence.text)):
        return "other topic"
    return None


def _deal_money(text: str, q: Quantity, sentence: Sentence, before: str, after: str) -> bool:
    """A price per act or per month, the money of a deal, or the share one party takes of it."""
    p = _patterns()
    money = _money_like(q, after)
    if money and (p["per_act_after"].match(after) or q.per in load_json("figures.json")["per_act_periods"]):
        return True
    if not money and q.unit not in ("percent", "ratio"):
        return False
    clause = _clause(text, q, sentence)
    if money and _trade_money(clause):
        return True
    if p["share_before"].search(before) is None:
        return False
    return _trade_money(clause) if not money else p["programme_money"].search(clause) is None


def is_situation_noise(figure: Figure) -> bool:
    """A count of the setting, not of the work (`29 khu công nghiệp với hơn 1,2 triệu lao động`).

    Needs the counted phrase: a count of people, places or nothing in particular,
    with no activity cue in its sentence and no event before it, reports no part
    of the programme. Establishments and sex workers are not noise: their mere
    number is a situation metric of the spec.
    """
    from solieu.extractors import metric  # the classifier's view of what is counted and done

    lex = load_json("figures.json")
    category = metric.counted_category_of(figure)
    if category in lex["employed_categories"] + lex["on_record_categories"]:
        # A headcount is judged by its clause; a share (`Trên 70% nhân viên ...; 50% người lao động ...
        # được tuyên truyền`) by its sentence, whose work is often named after a list of shares.
        offset = figure.start - figure.sentence_start
        clause_start = max((m.end() for m in metric.CLAUSE_BREAKS.finditer(figure.sentence, 0, offset)), default=0)
        clause_end = metric.CLAUSE_BREAKS.search(figure.sentence, offset)
        clause = figure.sentence[clause_start:clause_end.start() if clause_end else len(figure.sentence)]
        scope = figure.sentence if figure.unit == "percent" else clause
        if metric.has_activity(scope, excluding=tuple(lex["employed_activity_excludes"])):
            return False
        return not (category in lex["employed_categories"] and _continues_people_list(figure))
    return (
        category in lex["situation_noise_categories"]
        and figure.unit in ("count", "ratio")
        and not metric.has_activity(figure.sentence)
        and metric.event_before(figure) is None
    )


def _online_members(sentence: str, after: str) -> bool:
    """`nhóm … trên Facebook với 2.200 thành viên`: the members of an online group tell the case, not the work."""
    p = _patterns()
    return (p["members_after"].search(after) is not None and p["online_group"].search(sentence) is not None
            and p["force_not_with"].search(sentence) is None)


def _continues_people_list(figure: Figure) -> bool:
    """`tuyên truyền cho 2.000 người dân; 25.000 người lao động ...`: an item of a list of people the work reached.

    The work is named once, before the list; an item whose clause names none continues the
    item before it when that one counts people and was kept.
    """
    from solieu.extractors import metric

    previous: Figure | None = figure.context.get("previous")
    return (previous is not None and previous.context.get("noise") is False
            and metric.counted_category_of(previous) in load_json("figures.json")["people_list_categories"])


def _business_name(before: str, after: str) -> bool:
    """`massage Hoa Sen 7`, `quán karaoke 25 ở ...`: the number ends the name of a business."""
    p = _patterns()
    if p["business_named"].search(before):
        return True
    return p["business_bare"].search(before) is not None and p["business_bare_after"].match(after) is not None


SECTION_LOOKBACK = 2000  # characters before a sentence in which its section's heading is looked for


@per_document
def _of_other_topic(sentence: str) -> bool:
    """The sentence names another topic (the pack's neighbours) and nothing of the programme. Once per sentence."""
    p = _patterns()
    return p["other_topic"].search(sentence) is not None and p["own_topic"].search(sentence) is None


@per_document
def _section_of_other_topic(text: str, start: int) -> bool:
    """The nearest heading above (`2. Công tác phòng, chống tội phạm:`) names another topic and not the programme's."""
    p = _patterns()
    window = text[max(0, start - SECTION_LOOKBACK):start]
    lines = window.splitlines()
    for line in reversed(lines[:-1] if lines and not window.endswith("\n") else lines):
        line = line.strip()
        if line and len(line) < 100 and (line.endswith(":") or not line.endswith((".", ";", ","))):
            section = window[window.rfind(line):]  # the heading and the section's text so far
            return p["other_topic"].search(line) is not None and p["own_topic"].search(section) is None
    return False


def _money_like(q: Quantity, after: str) -> bool:
    """Money, or an amount with a scale word that counts nothing (`700 ngàn đến 1 triệu đồng`, `30 triệu/tháng`).

    `hơn 1,2 triệu công nhân` counts people: a noun follows its scale word.
    """
    if q.unit == "vnd":
        return True
    scaled, followers = _scaled_money()
    return q.unit == "count" and scaled.search(q.text) is not None and followers.match(after) is not None


@lru_cache(maxsize=1)
def _scaled_money() -> tuple[re.Pattern[str], re.Pattern[str]]:
    lex = load_json("numbers.json")
    followers = alternation(lex["money"] + load_json("figures.json")["scaled_money_after"])
    return (re.compile(rf"\d\s*(?:{alternation(list(lex['scales']))})(?!\w)"),
            re.compile(rf"\s*(?:[/(),.;:–-]|$|(?:{followers})(?!\w))"))


def _clause(text: str, q: Quantity, sentence: Sentence) -> str:
    """The number's part of its sentence, between semicolons."""
    start = text.rfind(";", sentence.start, q.start) + 1 or sentence.start
    end = text.find(";", q.end, sentence.end)
    return text[max(start, sentence.start):end if end >= 0 else sentence.end]


def _trade_money(clause: str) -> bool:
    """The clause is about the money of a deal (price, wage, share) and names no fine, budget or support."""
    p = _patterns()
    return p["trade_money"].search(clause) is not None and p["programme_money"].search(clause) is None


def _work_before(before: str) -> bool:
    """Work of the programme (not the situation words) named just before the number."""
    from solieu.extractors import metric

    return metric.has_activity(before, excluding=tuple(load_json("figures.json")["employed_activity_excludes"]))


def _count_of_known_noun(text: str, q: Quantity, before: str) -> bool:
    """`2024 cán bộ`, `1997 lượt người`: a four-digit count written without a dot, not a year.

    Only when a noun the programme counts follows at once and nothing before says "year"
    (`năm 2024 cán bộ ...` stays a year).
    """
    p = _patterns()
    return p["counted_after_year"].match(text, q.end) is not None and not p["year_before"].search(before)


def _continues_list(gap: str) -> bool:
    """Only a joiner (`,`, `và`) and at most the repeated label lie between two numbers of one list."""
    return len(gap) <= 12 and _patterns()["list_joiner"].match(gap) is not None


def _number_start(q: Quantity) -> int:
    """Where the digits or number words begin, after any qualifier or `từ`."""
    match = re.search(r"\d", q.text)
    if match and q.rule != "words":
        return q.start + match.start()
    return q.start + len(q.text) - len(q.text.lstrip())


def _inside_quotes(text: str, sentence_start: int, position: int) -> bool:
    """Is `position` inside a quotation? Quotes are read in order, so that a title opened
    with `"` and closed with `”` (mixed in real texts) is closed."""
    inside = False
    for mark in re.findall(r'[“”"]', text[sentence_start:position]):
        inside = True if mark == "“" else False if mark == "”" else not inside
    return inside


def _fix_locative_tren(text: str, q: Quantity) -> None:
    """`06 phường trên 03 địa bàn`: here `trên` means 'across', so the count is exact."""
    if q.qualifier != "more_than" or not q.text.lower().startswith("trên"):
        return
    p = _patterns()
    before = text[max(0, q.start - 40):q.start + 4]
    if p["locative_before"].search(before) and p["locative_after"].search(text[q.end:q.end + 30]):
        number_start = _number_start(q)
        q.qualifier, q.start, q.text = "exact", number_start, text[number_start:q.end]


def _figure(doc: Document, sentence: Sentence, q: Quantity) -> Figure:
    return Figure(
        doc_id=doc.doc_id,
        source=doc.source,
        start=q.start,
        end=q.end,
        text=q.text,
        sentence=sentence.text,
        value=q.value,
        value_high=q.value_high,
        denominator=q.denominator,
        unit=q.unit,
        per=q.per,
        qualifier=q.qualifier,
        extractor=f"rule:{q.rule}",
        sentence_start=sentence.start,
        sentence_index=sentence.index,
        context={"sentence": sentence},
    )
