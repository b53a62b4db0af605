"""Build corpora/heldout/heldout.gold.jsonl from the hand-marked sources in src/*.txt.

Standalone on purpose: the held-out gold must not depend on the code it scores,
so nothing from `pipeline` or `extractors` is imported here. Values, units and
qualifiers come from a small parser of the span text below, and any field can
be overridden in the markup when the parser would be wrong.

Source format (one document per file):

    @id: ho_01_hanoi_2018
    @province: Hà Nội            (or: null)
    @published: 2018-12-20       (YYYY-MM-DD, YYYY-MM or null)
    @status: achieved            (default status of the document's figures)
    @period: 2018                (default period; `null` for none)
    ---
    text ... [[hơn 1.200|people_reached|lượt người]] ... [[3|plans_issued|kế hoạch|s=target p=2019]]

A figure is `[[SPAN|METRIC|COUNTED|OPTIONS]]`: COUNTED `-` means null; OPTIONS
are space-separated `key=value` (`s` status, `p` period, `l` locality, `per`,
`q` qualifier, `v` value, `vh` value_high, `den` denominator, `unit`, `prov`
province); `_` inside a value stands for a space (`l=Cẩm_Phả`), `-` for null.

Run: `python corpora/heldout/build.py` (add `--review` to print every figure and
every digit run left outside a figure, for checking near misses by eye).
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "src"
OUTPUT = HERE / "heldout.gold.jsonl"
PROVINCES = HERE.parent / "provinces.csv"

METRICS = frozenset("""
communes_prostitution_free communes_with_propaganda propaganda_events people_reached training_courses
people_trained inspections establishments_inspected violations_sanctioned fines_vnd criminal_cases
reports_handled sex_workers_supported support_models plans_issued teams_established materials_distributed
funding_vnd sex_workers_recorded establishments_at_risk communes_with_prostitution other
""".split())
STATUSES = frozenset({"achieved", "target"})
UNITS = frozenset({"count", "percent", "ratio", "vnd"})
PERS = frozenset({"month", "quarter", "year"})
QUALIFIERS = (  # longest first, so that `chưa đến` wins over nothing and `ít nhất` is whole
    ("chưa đến", "less_than"), ("không quá", "at_most"), ("không dưới", "at_least"), ("ít nhất", "at_least"), ("tối thiểu", "at_least"),
    ("xấp xỉ", "about"), ("tối đa", "at_most"), ("khoảng", "about"), ("chừng", "about"), ("gần", "about"),
    ("hơn", "more_than"), ("trên", "more_than"), ("vượt", "more_than"), ("dưới", "less_than"),
)
QUALIFIER_CODES = frozenset(code for _, code in QUALIFIERS) | {"exact"}
SCALES = {"nghìn": 1e3, "ngàn": 1e3, "triệu": 1e6, "tỷ": 1e9, "tỉ": 1e9}
DIGITS = {"một": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5, "lăm": 5, "sáu": 6, "bảy": 7,
          "tám": 8, "chín": 9, "mốt": 1}
MARK = re.compile(r"\[\[(.+?)\]\]", re.S)
NUMERAL = re.compile(r"\d+(?:\.\d{3})*(?:,\d+)?")


class MarkupError(ValueError):
    """A source file that does not follow the markup; the message names file and span."""


def province_table() -> dict[str, str]:
    with PROVINCES.open(encoding="utf-8") as handle:
        return {row["province"]: row["province_2025"] for row in csv.DictReader(handle)}


def numeral_value(token: str) -> float:
    """Vietnamese digits: `.` groups thousands, `,` is the decimal mark, leading zeros are dropped."""
    return float(token.replace(".", "").replace(",", "."))


def word_number(words: list[str]) -> tuple[float, int] | None:
    """A spelled number up to 999 (`hai mươi lăm`, `một trăm`): its value and how many words it used."""
    total, current, used = 0, 0, 0
    for word in words:
        if word in DIGITS:
            current += DIGITS[word]
        elif word == "mười":
            current += 10
        elif word == "mươi" and current:
            current *= 10
        elif word == "trăm" and current:
            total, current = total + current * 100, 0
        else:
            break
        used += 1
    return (float(total + current), used) if used else None


def parse_span(span: str) -> dict[str, Any]:
    """Qualifier, value, range, ratio and unit of a span such as `hơn 1.200`, `51/56`, `1,35 tỷ đồng`."""
    low = span.lower().strip()
    qualifier = "exact"
    for word, code in QUALIFIERS:
        if low.startswith(word + " "):
            qualifier, low = code, low[len(word) + 1:].strip()
            break
    low = re.sub(r"^(được|có)\s+", "", low)
    if low.startswith("một nửa"):
        return {"value": 50.0, "value_high": None, "denominator": None, "unit": "percent", "qualifier": qualifier}
    ranged = re.match(r"^từ\s+(\S+)\s+(?:đến|tới)\s+(\S+)", low)
    if ranged:
        return {"value": numeral_value(ranged[1]), "value_high": numeral_value(ranged[2]), "denominator": None,
                "unit": "count", "qualifier": qualifier}
    match = NUMERAL.match(low)
    if match:
        value, rest = numeral_value(match[0]), low[match.end():]
    else:
        spelled = word_number(low.split())
        if spelled is None:
            raise MarkupError(f"no number at the start of {span!r}")
        value, rest = spelled[0], " ".join(low.split()[spelled[1]:])
        rest = " " + rest if rest else ""
    ratio = re.match(r"^\s*/\s*(\d+(?:\.\d{3})*)", rest)
    if ratio:
        return {"value": value, "value_high": None, "denominator": numeral_value(ratio[1]), "unit": "ratio",
                "qualifier": qualifier}
    if re.match(r"^\s*(%|phần trăm)", rest):
        return {"value": value, "value_high": None, "denominator": None, "unit": "percent", "qualifier": qualifier}
    scale = re.match(r"^\s*(nghìn|ngàn|triệu|tỷ|tỉ)\b", rest)
    unit = "count"
    if scale:
        value *= SCALES[scale[1]]
        rest = rest[scale.end():]
    if "đồng" in rest:
        unit = "vnd"
    return {"value": round(value, 2), "value_high": None, "denominator": None, "unit": unit, "qualifier": qualifier}


def parse_options(raw: str) -> dict[str, str | None]:
    options: dict[str, str | None] = {}
    for item in raw.split():
        key, _, value = item.partition("=")
        options[key] = None if value == "-" else value.replace("_", " ")
    return options


def parse_header(lines: list[str], name: str) -> tuple[dict[str, str | None], int]:
    header: dict[str, str | None] = {}
    for index, line in enumerate(lines):
        if line.rstrip("\n") == "---":
            return header, index + 1
        key, _, value = line.strip().lstrip("@").partition(":")
        value = value.strip()
        header[key.strip()] = None if value in ("null", "") else value
    raise MarkupError(f"{name}: no `---` line after the header")


def build_figure(mark: re.Match, start: int, header: dict[str, Any], provinces: dict[str, str], name: str) -> dict:
    parts = mark[1].split("|")
    if len(parts) < 3:
        raise MarkupError(f"{name}: figure {mark[0]!r} needs SPAN|METRIC|COUNTED")
    span, metric, counted = parts[0], parts[1].strip(), parts[2].strip()
    options = parse_options(parts[3] if len(parts) > 3 else "")
    figure: dict[str, Any] = {"start": start, "end": start + len(span), "text": span}
    figure.update(parse_span(span))
    for key, field in (("v", "value"), ("vh", "value_high"), ("den", "denominator")):
        if key in options:
            figure[field] = None if options[key] is None else float(options[key])
    figure["unit"] = options.get("unit", figure["unit"])
    figure["per"] = options.get("per")
    figure["qualifier"] = options.get("q", figure["qualifier"])
    figure["counted"] = None if counted == "-" else counted
    figure["metric"] = metric
    figure["status"] = options.get("s", header["status"])
    figure["period"] = options.get("p", header["period"])
    figure["locality"] = options.get("l")
    province = options.get("prov", header["province"])
    figure["province"] = province
    figure["province_2025"] = provinces[province] if province else None
    check_figure(figure, provinces, f"{name}: {span!r}")
    order = ("start", "end", "text", "value", "value_high", "denominator", "unit", "per", "qualifier", "counted",
             "metric", "status", "period", "locality", "province", "province_2025")
    return {key: figure[key] for key in order}


def check_figure(figure: dict[str, Any], provinces: dict[str, str], where: str) -> None:
    problems = []
    if figure["metric"] not in METRICS:
        problems.append(f"metric {figure['metric']!r}")
    if figure["status"] not in STATUSES:
        problems.append(f"status {figure['status']!r}")
    if figure["unit"] not in UNITS:
        problems.append(f"unit {figure['unit']!r}")
    if figure["per"] is not None and figure["per"] not in PERS:
        problems.append(f"per {figure['per']!r}")
    if figure["qualifier"] not in QUALIFIER_CODES:
        problems.append(f"qualifier {figure['qualifier']!r}")
    if figure["period"] is not None and not re.fullmatch(r"\d{4}(-(\d{4})?)?", figure["period"]):
        problems.append(f"period {figure['period']!r}")
    if figure["province"] is not None and figure["province"] not in provinces:
        problems.append(f"province {figure['province']!r}")
    if re.search(r"/\s*(tháng|quý|năm)\b", figure["text"]) and figure["per"] is None:
        problems.append("a rate without `per`")
    if problems:
        raise MarkupError(f"{where}: bad " + ", ".join(problems))


def build_document(path: Path, provinces: dict[str, str]) -> dict[str, Any]:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header, body_start = parse_header(lines, path.name)
    if header.get("province") is not None and header["province"] not in provinces:
        raise MarkupError(f"{path.name}: province {header['province']!r} is not in provinces.csv")
    body = "".join(lines[body_start:]).rstrip("\n") + "\n"
    pieces: list[str] = []
    figures: list[dict] = []
    cursor, length = 0, 0
    for mark in MARK.finditer(body):
        plain = body[cursor:mark.start()]
        pieces.append(plain)
        length += len(plain)
        figure = build_figure(mark, length, header, provinces, path.name)
        pieces.append(figure["text"])
        length += len(figure["text"])
        figures.append(figure)
        cursor = mark.end()
    pieces.append(body[cursor:])
    text = "".join(pieces)
    if "[[" in text or "]]" in text:
        raise MarkupError(f"{path.name}: unbalanced [[ ]]")
    for figure in figures:
        assert text[figure["start"]:figure["end"]] == figure["text"], (path.name, figure)
    return {"doc_id": header["id"] or path.stem, "source": f"heldout/{path.name}", "text": text,
            "province": header.get("province"), "published": header.get("published"), "figures": figures}


def write_atomically(path: Path, lines: list[str]) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.writelines(lines)
    os.replace(temporary, path)


def review(doc: dict[str, Any]) -> None:
    """Every figure, then every digit run outside a figure: the near misses to check by eye."""
    print(f"== {doc['doc_id']} ({doc['province']}, {doc['published']}) {len(doc['figures'])} figures")
    for f in doc["figures"]:
        print(f"  {f['text']!r:24} v={f['value']:g} vh={f['value_high']} d={f['denominator']} {f['unit']} "
              f"per={f['per']} {f['qualifier']} [{f['counted']}] {f['metric']} {f['status']} {f['period']} "
              f"loc={f['locality']}")
    covered = [(f["start"], f["end"]) for f in doc["figures"]]
    text = doc["text"]
    for match in re.finditer(r"\d[\d.,/:]*", text):
        if not any(s <= match.start() < e for s, e in covered):
            context = text[max(0, match.start() - 25):match.end() + 15].replace("\n", " ")
            print(f"    outside: {match[0]!r:16} …{context}…")


def main(argv: list[str]) -> int:
    provinces = province_table()
    try:
        docs = [build_document(path, provinces) for path in sorted(SOURCES.glob("*.txt"))]
    except MarkupError as error:
        print(f"build.py: {error}", file=sys.stderr)
        return 1
    ids = [doc["doc_id"] for doc in docs]
    if len(ids) != len(set(ids)):
        print("build.py: duplicate doc ids", file=sys.stderr)
        return 1
    write_atomically(OUTPUT, [json.dumps(doc, ensure_ascii=False) + "\n" for doc in docs])
    if "--review" in argv:
        for doc in docs:
            review(doc)
    print(f"{len(docs)} documents, {sum(len(d['figures']) for d in docs)} figures -> {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
