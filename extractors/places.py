"""Attach place: the province a figure is about, its 2025 province and its district.

Province names, their long forms ("Tỉnh Quảng Ninh") and the districts of each
province before the 2025 reform come from the address data underthesea ships
(`underthesea/address/data/mapping.json`), so the project keeps no copy of the
administrative map. Only aliases no library has (`TP.HCM`, `Sài Gòn`, `Huế`...)
and the rules (prefix words, boilerplate markers, weights) live in
`corpora/lexicons/places*.{json,csv}`. Everything is built once, at first use.
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from solieu.extractors.lexicon import CORPORA, LEXICONS, alternation, load_json, underthesea_file
from solieu.extractors.memo import per_document
from solieu.pipeline.normalise import place_tones
from solieu.pipeline.records import Document, Figure, Sentence

PROVINCES_CSV = CORPORA / "provinces.csv"
ADDRESS_DATA = underthesea_file("address", "data", "mapping.json")


def nfc(text: str) -> str:
    """Names in the form the extractors see texts in (NFC, canonical tone placement)."""
    return place_tones(unicodedata.normalize("NFC", text))


def fold(text: str) -> str:
    """ASCII letters and digits only: the shape of a province name inside a URL slug."""
    decomposed = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def key(text: str) -> str:
    """A key blind to case, marks, spaces and punctuation, to pair provinces.csv names with the library's."""
    return re.sub(r"[^a-z0-9]", "", fold(text))


def bounded(forms: list[str]) -> re.Pattern[str]:
    """One pattern for all forms, longest first, never matching inside a longer word."""
    return re.compile(rf"(?<!\w)(?:{alternation(forms, shared_prefixes=True)})(?!\w)")


def rules() -> dict[str, Any]:
    return load_json("places.json")


@lru_cache(maxsize=1)
def canonical_table() -> dict[str, str]:
    """Canonical province (63 names of provinces.csv) → its province after the 2025 merger."""
    with open(PROVINCES_CSV, encoding="utf-8") as handle:
        return {unicodedata.normalize("NFC", row["province"]): unicodedata.normalize("NFC", row["province_2025"])
                for row in csv.DictReader(handle)}


@lru_cache(maxsize=1)
def hand_aliases() -> dict[str, str]:
    """Alias → canonical province, for the spellings no library ships."""
    with open(LEXICONS / "places_aliases.csv", encoding="utf-8") as handle:
        table = {nfc(row["alias"]).strip(): nfc(row["province"]).strip() for row in csv.DictReader(handle)}
    unknown = sorted(set(table.values()) - set(canonical_table()))
    if unknown:
        raise ValueError(f"places_aliases.csv: not a province of provinces.csv: {', '.join(unknown)}")
    return table


@lru_cache(maxsize=1)
def address_data() -> dict[str, Any]:
    with open(ADDRESS_DATA, encoding="utf-8") as handle:
        return json.load(handle)


def strip_admin_prefix(name: str) -> str:
    """`Thành phố Hạ Long` → `Hạ Long`; `Quận 1` stays whole, a bare number names nothing."""
    for prefix in _admin_prefixes():
        if name.startswith(prefix + " "):
            rest = name[len(prefix) + 1:].strip()
            return name if rest.isdigit() else rest
    return name


@lru_cache(maxsize=1)
def _admin_prefixes() -> tuple[str, ...]:
    return tuple(sorted(rules()["admin_prefixes"], key=len, reverse=True))


@lru_cache(maxsize=1)
def library_keys() -> dict[str, str]:
    """underthesea's old-province key → canonical province, matched through normalised names."""
    _, inside, _ = prefix_patterns()
    canon_by_key: dict[str, str] = {}
    for name in canonical_table():
        canon_by_key[key(inside.sub("", name))] = name
    for alias, name in hand_aliases().items():
        canon_by_key.setdefault(key(alias), name)
    mapping: dict[str, str] = {}
    for library_key, entry in address_data()["old_province_names"].items():
        for form in (entry["short"], strip_admin_prefix(entry["name"])):
            if key(form) in canon_by_key:
                mapping[library_key] = canon_by_key[key(form)]
                break
    return mapping


def unmapped_provinces() -> list[str]:
    """Canonical provinces that found no underthesea entry (should be none; tested)."""
    return sorted(set(canonical_table()) - set(library_keys().values()))


@dataclass(frozen=True)
class ProvinceForms:
    """Every way the text, the title or a URL may name one province."""

    province: str
    forms: tuple[str, ...]
    slugs: tuple[str, ...]


@lru_cache(maxsize=1)
def province_forms() -> dict[str, ProvinceForms]:
    forms: dict[str, set[str]] = {name: {name} for name in canonical_table()}
    for library_key, entry in address_data()["old_province_names"].items():
        name = library_keys().get(library_key)
        if name:
            forms[name].update({nfc(entry["name"]), nfc(entry["short"])})
    for alias, name in hand_aliases().items():
        forms[name].add(alias)
    _, inside, _ = prefix_patterns()
    table: dict[str, ProvinceForms] = {}
    for name, names in forms.items():
        slugs: set[str] = set()
        shapes = names | {inside.sub("", n).strip() for n in names}
        for shape in shapes - set(rules()["prefix_only_names"]):
            parts = re.findall(r"[a-z0-9]+", fold(shape))
            if parts:
                slugs.update({"-".join(parts), "".join(parts)})
        table[name] = ProvinceForms(name, tuple(sorted(names)), tuple(sorted(slugs)))
    return table


@lru_cache(maxsize=1)
def form_index() -> dict[str, str]:
    """Surface form (as written, and in capitals for headlines) → canonical province."""
    index: dict[str, str] = {}
    for entry in province_forms().values():
        for form in entry.forms:
            index.setdefault(form, entry.province)
            index.setdefault(form.upper(), entry.province)
    return index


@lru_cache(maxsize=1)
def province_pattern() -> re.Pattern[str]:
    return bounded(list(form_index()) + rules()["not_places"])


@lru_cache(maxsize=1)
def prefix_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """(prefix before a province, prefix inside a form, prefix before a district)."""
    data = rules()
    return (
        re.compile(data["province_prefix_pattern"], re.IGNORECASE),
        re.compile(data["province_form_prefix_pattern"], re.IGNORECASE),
        re.compile(data["district_prefix_pattern"], re.IGNORECASE),
    )


@lru_cache(maxsize=1)
def context_patterns() -> dict[str, re.Pattern[str]]:
    """The patterns that say what a name stands for where it is written: a street, a ward, an address, a list."""
    data = rules()
    names = ("residence_cue", "residence_end", "street_prefix", "ward_prefix", "list_gap", "many_provinces",
             "nationwide", "self_reference")
    return {name: re.compile(data[f"{name}_pattern"], re.IGNORECASE) for name in names}


def after(pattern_name: str, text: str, start: int) -> bool:
    """Whether the words just before `start` match a context pattern (`đường `, `phường `)."""
    return bool(context_patterns()[pattern_name].search(text[max(0, start - 16):start]))


@dataclass(frozen=True)
class Mention:
    """A province named in a text; `prefixed` when written `tỉnh X`, `TP X`, `UBND tỉnh X`."""

    province: str
    start: int
    end: int
    prefixed: bool


@per_document
def province_mentions(text: str) -> list[Mention]:
    """Province names in `text`, without words that only look like one (`Điện Biên Phủ`)."""
    before, inside, _ = prefix_patterns()
    not_places = set(rules()["not_places"])
    prefix_only = set(rules()["prefix_only_names"])
    found: list[Mention] = []
    for match in province_pattern().finditer(text):
        form = match.group()
        if form in not_places:
            continue
        prefixed = (bool(inside.match(form))
                    or bool(before.search(text[max(0, match.start() - 24):match.start()]))
                    or text.startswith(rules()["dateline_suffix"], match.end()))
        if (form in prefix_only and not prefixed) or after("street_prefix", text, match.start()):
            continue  # `đường Hà Nội` is a street of any city
        found.append(Mention(form_index()[form], match.start(), match.end(), prefixed))
    return found


@lru_cache(maxsize=1)
def unique_districts() -> dict[str, str]:
    """District names that belong to one province only and name no province: evidence for that province.

    A name listed in `not_places` (`Điện Biên Phủ`, the battle) counts only after a district prefix.
    """
    owners: dict[str, set[str]] = {}
    for province, district in district_pairs():
        owners.setdefault(district, set()).add(province)
    provinces = set(form_index())
    prefixes = tuple(rules()["admin_prefixes"])
    table: dict[str, str] = {}
    for name, held in owners.items():
        numbered = name.startswith(prefixes) and name.split()[-1].isdigit()  # `Quận 5`: one city's numbering
        if len(held) == 1 and name not in provinces and (numbered or not name.startswith(prefixes)):
            table[name] = next(iter(held))
            if numbered:
                table[name[0].lower() + name[1:]] = table[name]
    return table


@lru_cache(maxsize=1)
def unique_district_pattern() -> re.Pattern[str]:
    return bounded(list(unique_districts()))


def district_mentions(text: str) -> list[Mention]:
    """Districts of a single province named in `text`; `prefixed` when written `quận X`, `thành phố X`."""
    _, _, district_prefix = prefix_patterns()
    table = unique_districts()
    not_places = set(rules()["not_places"])
    found: list[Mention] = []
    for match in unique_district_pattern().finditer(text):
        if after("street_prefix", text, match.start()) or after("ward_prefix", text, match.start()):
            continue  # `đường Ngô Quyền`, `phường Phú Hòa`: a street, a ward of another district
        prefixed = (bool(district_prefix.search(text[max(0, match.start() - 12):match.start()]))
                    or match.group().split()[-1].isdigit())  # `quận 5` carries its prefix
        if prefixed or match.group() not in not_places:
            found.append(Mention(table[match.group()], match.start(), match.end(), prefixed))
    return found


@lru_cache(maxsize=1)
def _boilerplate_pattern() -> re.Pattern[str]:
    return re.compile(rf"^[ \t]*(?:{alternation(rules()['boilerplate_markers'])})", re.IGNORECASE | re.MULTILINE)


def body_end(text: str) -> int:
    """Where the article ends and the site's trailing boilerplate (tags, other headlines) begins."""
    floor = int(len(text) * rules().get("boilerplate_min_fraction", 0.3))
    for match in _boilerplate_pattern().finditer(text):
        if match.start() >= floor:
            return match.start()
    return len(text)


def url_provinces(source: str) -> list[str]:
    """Provinces whose slug appears in a URL (`/quang-ninh-...`, `baoquangninh.vn`)."""
    if "://" not in source:
        return []
    lowered = source.lower()
    host = lowered.split("://", 1)[1].split("/", 1)[0]
    found: list[str] = []
    for province, hyphenated, host_slugs in _url_slugs():
        if any(slug in host for slug in host_slugs) or any(pattern.search(lowered) for pattern in hyphenated):
            found.append(province)
    return found


@lru_cache(maxsize=1)
def _url_slugs() -> list[tuple[str, list[re.Pattern[str]], list[str]]]:
    """Per province: its hyphenated slugs as patterns (`/quang-ninh-`), and the slugs a host may hold (`baoquangninh`)."""
    return [(entry.province,
             [re.compile(rf"(?<![a-z0-9]){re.escape(slug)}(?![a-z0-9])") for slug in entry.slugs if "-" in slug],
             [slug for slug in entry.slugs if "-" not in slug and len(slug) >= 5])
            for entry in province_forms().values()]


def lead_end(text: str, limit: int) -> int:
    """End of the lead: the first sentence of the first non-empty line, which is usually the headline."""
    start = len(text) - len(text.lstrip())
    ends = [i for i in (text.find("\n", start), text.find(". ", start)) if i >= 0]
    return min([start + limit, *ends])


def residence_spans(text: str) -> list[tuple[int, int]]:
    """A person's address (`SN 1990, trú tại xã X, huyện Y, tỉnh Z)`): from its cue to the next `)`, `;` or sentence end."""
    patterns = context_patterns()
    spans: list[tuple[int, int]] = []
    for cue in patterns["residence_cue"].finditer(text):
        end = patterns["residence_end"].search(text, cue.end())
        spans.append((cue.start(), end.start() if end else len(text)))
    return spans


def listed(mentions: list[Mention], text: str) -> set[Mention]:
    """Mentions inside an enumeration of several provinces (`như A, B, C, D`): examples, not the text's place."""
    gap = context_patterns()["list_gap"]
    groups: list[list[Mention]] = []
    for mention in sorted(mentions, key=lambda m: m.start):
        if groups and gap.match(text[groups[-1][-1].end:mention.start]):
            groups[-1].append(mention)
        else:
            groups.append([mention])
    minimum = rules()["list_min_provinces"]
    return {m for group in groups if len({g.province for g in group}) >= minimum for m in group}


def mention_weight(mention: Mention, lead: int, kinds: tuple[str, str],
                   residences: list[tuple[int, int]] = ()) -> float:
    """Weight of one mention: `kinds` names the (prefixed, bare) weights; the headline and the opening add.

    A name in a person's address says where someone lives, not where the story is: it weighs a fraction
    and earns no bonus; a bare district name earns no lead bonus.
    """
    weights = rules()["document_weights"]
    weight = weights[kinds[0]] if mention.prefixed else weights[kinds[1]]
    if any(start <= mention.start < end for start, end in residences):
        return weight * weights["address"]
    if mention.start < lead and (mention.prefixed or kinds[1] != "district"):
        weight += weights["lead_bonus"]  # a bare district name in the headline is often a person's or a street's
    if mention.start < weights["early_chars"]:
        weight += weights["early_bonus"]
    return weight


def document_scores(doc: Document) -> Counter[str]:
    """Evidence for each province: early, prefixed and headline mentions weigh more."""
    weights = rules()["document_weights"]
    scores: Counter[str] = Counter()
    body = doc.text[: body_end(doc.text)]
    lead = lead_end(body, weights["lead_chars"])
    residences = residence_spans(body)
    mentions = province_mentions(body)
    examples = listed(mentions, body)
    for mention in mentions:
        if mention not in examples:
            scores[mention.province] += mention_weight(mention, lead, ("prefixed", "mention"), residences)
    for mention in district_mentions(body):
        scores[mention.province] += mention_weight(mention, lead, ("district_prefixed", "district"), residences)
    for mention in province_mentions(doc.title or "") + district_mentions(doc.title or ""):
        scores[mention.province] += weights["title"]
    for province in url_provinces(doc.source or ""):
        scores[province] += weights["url"]
    return scores


def document_province(doc: Document) -> str | None:
    """The province the document is about; None for a national text or an undecided one."""
    weights = rules()["document_weights"]
    scores = document_scores(doc)
    ranked = scores.most_common(2)
    body = doc.text[: body_end(doc.text)]
    national = names_national_bodies(body) and not speaks_as_province(body)
    minimum = weights["national_minimum"] if national else weights["minimum"]
    if not ranked or ranked[0][1] < minimum:
        return None
    if len(ranked) > 1 and ranked[0][1] < weights["dominance"] * ranked[1][1]:
        leader = None if national else lead_province(body, lead_end(body, weights["lead_chars"]))
        return leader if leader is not None and scores[leader] >= ranked[0][1] else None
    return ranked[0][0]


def names_national_bodies(body: str) -> bool:
    return any(marker in body for marker in rules()["national_markers"])


def speaks_as_province(body: str) -> bool:
    """`UBND tỉnh ban hành ...`, `toàn tỉnh có ...`: a province speaking of itself without its name is no national text."""
    for match in context_patterns()["self_reference"].finditer(body):
        following = body[match.end():match.end() + 3].lstrip()
        if not following[:1].isupper():
            return True
    return False


def lead_province(body: str, lead: int) -> str | None:
    """The one province the lead (headline or first sentence) names, itself or by a district; None if none or several."""
    head = body[:lead]
    named = {m.province for m in province_mentions(head) + district_mentions(head)}
    return named.pop() if len(named) == 1 else None


def province_2025(name: str | None) -> str | None:
    """The province after the 2025 merger, by provinces.csv; None for an unknown name."""
    if name is None:
        return None
    return canonical_table().get(nfc(name))


def sentence_province(sentence: str, default: str | None, national_text: bool = False) -> str | None:
    """The document's province unless the sentence is explicitly (`tỉnh X`) about one other province.

    A national document (no province of its own) gives a figure the province its
    sentence names, when it names exactly one; otherwise the figure is national (null).
    """
    mentions = province_mentions(sentence)
    named = {m.province for m in mentions}
    explicit = {m.province for m in mentions if m.prefixed}
    patterns = context_patterns()
    if not named and (patterns["nationwide"].search(sentence)
                      or (national_text and patterns["many_provinces"].search(sentence))):
        return None  # `cả nước có ...`; `tuyên truyền viên của 24 tỉnh thành` at a national event
    if len(explicit) == 1 and default not in named:
        return explicit.pop()
    if default is None and len(named) == 1:
        return next(iter(named))  # a national document's figure stated for the one province its sentence names
    return default


@dataclass(frozen=True)
class Districts:
    """The districts of one province (short forms, one pattern) and the names that count only after a prefix."""

    pattern: re.Pattern[str] | None
    needs_prefix: frozenset[str]


@lru_cache(maxsize=1)
def district_names() -> dict[str, set[str]]:
    """Province → its districts before 2025, in one pass over underthesea's ward table (10,000+ rows)."""
    names: dict[str, set[str]] = {}
    for province, district in district_pairs():
        names.setdefault(province, set()).add(district)
    return names


@lru_cache(maxsize=1)
def district_pairs() -> frozenset[tuple[str, str]]:
    """(province, district) before 2025, each named once: the ward table repeats a district for every ward."""
    provinces = library_keys()
    raw = {(row["old_province_key"], row["old_district"]) for row in address_data()["ward_mapping"]
           if row.get("old_district") and row["old_province_key"] in provinces}
    return frozenset((provinces[key], strip_admin_prefix(nfc(district))) for key, district in raw)


@lru_cache(maxsize=None)
def districts_of(province: str) -> Districts:
    """Districts before 2025 (underthesea's ward table).

    A district named like a province (`Sơn La`) or like something else (`Điện Biên Phủ`) counts only
    after a district prefix (`thành phố Sơn La`): bare, it is the province or the other thing.
    """
    names = district_names().get(province, set())
    if not names:
        return Districts(None, frozenset())
    ambiguous = set(form_index()) | set(rules()["not_places"])
    return Districts(bounded(sorted(names)), frozenset(n for n in names if n in ambiguous))


def sentence_locality(sentence: str, province: str | None) -> str | None:
    """The one district of `province` the sentence names; None when it names none or several."""
    if province is None:
        return None
    districts = districts_of(province)
    if districts.pattern is None:
        return None
    _, _, district_prefix = prefix_patterns()
    named: set[str] = set()
    for match in districts.pattern.finditer(sentence):
        name = match.group()
        if name in districts.needs_prefix and not district_prefix.search(sentence[max(0, match.start() - 12):match.start()]):
            continue
        named.add(name)
    return named.pop() if len(named) == 1 else None


def attach(figures: list[Figure], doc: Document, sentences: list[Sentence]) -> None:
    """Set province, province_2025 and locality on each figure of one document.

    The figure's own sentence is all the figure-level rules read; `sentences` is part of the
    stage interface and not needed here.
    """
    if not figures:
        return
    default = document_province(doc)
    national = names_national_bodies(doc.text[: body_end(doc.text)])
    for figure in figures:
        figure.province = sentence_province(figure.sentence, default, national)
        figure.province_2025 = province_2025(figure.province)
        figure.locality = sentence_locality(figure.sentence, figure.province)
