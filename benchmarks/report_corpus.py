"""A seeded figures file of any size over the 63 provinces, made of real annotated sentences.

The report must stay a page a browser opens at 10,000 figures and must still be
written at 100,000. Extracting that many figures takes an hour, and the report
does not care where figures come from, so this writes them directly: every
figure is a real annotated figure of `corpora/domains/mai-dam/gold/` or `corpora/heldout/`
(its sentence, span, value, unit, metric, status) placed in a synthetic
document of a province and a year drawn by a seeded generator. Offsets are real:
each document's text is its sentences joined, so `text[start:end]` holds.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GOLD_FILES = (ROOT / "corpora" / "domains" / "mai-dam" / "gold" / "seeds.gold.jsonl", ROOT / "corpora" / "heldout" / "heldout.gold.jsonl")
PROVINCES = ROOT / "corpora" / "provinces.csv"
YEARS = tuple(range(2015, 2025))
FIGURES_PER_DOCUMENT = 5


def annotated_sentences() -> list[tuple[str, list[dict[str, Any]]]]:
    """Each annotated sentence with its figures, offsets relative to the sentence."""
    found: dict[str, list[dict[str, Any]]] = {}
    for path in GOLD_FILES:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                doc = json.loads(line)
                text = doc["text"]
                for figure in doc["figures"]:
                    start = text.rfind("\n", 0, figure["start"]) + 1
                    end = text.find("\n", figure["end"])
                    sentence = text[start:len(text) if end < 0 else end].strip()
                    offset = text.find(sentence, start)
                    local = {**figure, "start": figure["start"] - offset, "end": figure["end"] - offset}
                    if sentence[local["start"]:local["end"]] == figure["text"]:
                        found.setdefault(sentence, []).append(local)
    return sorted(found.items())


def provinces() -> list[tuple[str, str]]:
    with PROVINCES.open(encoding="utf-8") as handle:
        return [(row["province"], row["province_2025"]) for row in csv.DictReader(handle)]


def synthetic_figures(count: int, seed: int = 2024) -> Iterator[dict[str, Any]]:
    """`count` figure records (the spec's fields) spread over 63 provinces and ten years."""
    rng = random.Random(seed)
    sentences = annotated_sentences()
    places = provinces()
    made, number = 0, 0
    while made < count:
        province, province_2025 = places[number % len(places)]
        year = rng.choice(YEARS)
        doc_id = f"bench-{number:06d}"
        text, records = "", []
        while len(records) < FIGURES_PER_DOCUMENT and made + len(records) < count:
            sentence, figures = rng.choice(sentences)
            base = len(text)
            text += sentence + "\n"
            for figure in figures[: count - made - len(records)]:
                records.append({
                    "doc_id": doc_id, "source": f"https://example.vn/{province_2025}/{doc_id}",
                    "province": province, "province_2025": province_2025, "locality": None,
                    "start": base + figure["start"], "end": base + figure["end"], "text": figure["text"],
                    "sentence": sentence, "value": figure["value"], "value_high": figure.get("value_high"),
                    "denominator": figure.get("denominator"), "unit": figure["unit"], "per": figure.get("per"),
                    "qualifier": figure.get("qualifier") or "exact", "counted": figure.get("counted"),
                    "metric": figure["metric"], "status": figure["status"], "period": str(year),
                    "confidence": round(rng.uniform(0.5, 1.0), 2), "extractor": "bench:gold",
                })
        made += len(records)
        number += 1
        yield from records


def write_figures(path: Path, count: int, seed: int = 2024) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for record in synthetic_figures(count, seed):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path
