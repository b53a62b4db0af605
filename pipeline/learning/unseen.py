"""Scoring documents nobody trained on: the sealed part of the collected articles, as a whole.

The sealed part (`sealed` in pack.json) is never an origin of training. It is
extracted here with the shipped models, models given, or the rules alone, and
scored by `solieu eval`'s rules; callers print summaries, never its instances.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from solieu.pipeline.learning import corpus
from solieu.pipeline.records import Document


def sealed_gold() -> Path | None:
    """The sealed gold file of the pack, when the pack names one and it is in this checkout."""
    path = corpus.sealed_path()
    return path if path is not None and path.is_file() else None


def extract_records(gold: Sequence[dict[str, Any]], models: Any = True) -> list[dict[str, Any]]:
    """Figure records of the gold documents' texts, as `solieu extract` would write them.

    `models` is what `extract_document` takes: True for the shipped models, None
    for the rules alone, or a `classify.Models` trained without these documents.
    """
    from solieu.pipeline.run import extract_document

    records = []
    for doc in gold:
        given = Document(doc["doc_id"], doc.get("source", ""), doc["text"], published=doc.get("published"))
        records += [figure.to_record() for figure in extract_document(given, models=models)]
    return records
