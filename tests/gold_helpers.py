"""The seeds gold as test data: its documents, and a Figure built from each gold span."""

from __future__ import annotations

import json
from pathlib import Path

from solieu.pipeline.records import Figure
from solieu.pipeline.segment import split_sentences

GOLD = Path(__file__).resolve().parent.parent / "corpora" / "domains" / "mai-dam" / "gold" / "seeds.gold.jsonl"


def gold_documents() -> list[dict]:
    with GOLD.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def gold_figures(data: dict) -> list[tuple[dict, Figure]]:
    """A Figure from each gold span, with its sentence from the project's splitter."""
    sentences = split_sentences(data["text"])
    pairs = []
    for gold in data["figures"]:
        sentence = next(s for s in sentences if s.start <= gold["start"] < s.end)
        pairs.append((gold, Figure(data["doc_id"], data["source"], gold["start"], gold["end"], gold["text"],
                                   sentence.text, gold["value"], status=gold["status"], metric=gold["metric"],
                                   sentence_start=sentence.start, sentence_index=sentence.index)))
    return pairs
