"""Weak labels: figures of un-annotated documents on which the lexicon rules are sure.

They add wording from real articles at no annotation cost. Only figures where
both the metric rule and the status rule are confident are kept, and they are
marked `origin: weak` so that they are weighed less and never scored as gold.
Documents that have gold (the seeds, hand-made ones) are skipped, so a seed
can never leak into its own leave-one-out evaluation through this door.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

from solieu.extractors import metric, status
from solieu.pipeline.learning.corpus import GoldDoc
from solieu.pipeline import segment
from solieu.pipeline.read import Rejected, read_inputs
from solieu.pipeline.records import Document

WEAK_CONFIDENCE = 0.9
GOLD_FIELDS = ("start", "end", "text", "value", "value_high", "denominator", "unit", "per", "qualifier",
               "counted", "metric", "status", "period", "locality")


def weak_labels(inputs: Iterable[Path], gold: Sequence[GoldDoc]) -> tuple[list[GoldDoc], list[str]]:
    """Weakly labelled documents of the inputs, and one line per input that could not be used."""
    from solieu.pipeline.run import extract_document

    known_ids = {doc["doc_id"] for doc in gold}
    known_texts = {_nfc(doc["text"]).strip() for doc in gold}
    docs: list[GoldDoc] = []
    problems: list[str] = []
    for item in read_inputs([p for p in inputs if p.exists()]):
        if isinstance(item, Rejected):
            problems.append(item.message())
            continue
        text = _nfc(item.text)
        if item.doc_id in known_ids or text.strip() in known_texts:
            continue
        doc = Document(item.doc_id, item.source, text, item.title, item.published, item.kind)
        try:
            found = extract_document(doc)
        except Exception as error:  # one bad document must cost nothing else
            problems.append(f"{item.source}: extraction failed ({type(error).__name__}: {error})")
            continue
        figures = confident_figures(doc, found)
        if figures:
            docs.append({"doc_id": doc.doc_id, "source": doc.source, "text": text, "province": None,
                         "published": doc.published, "origin": "weak", "figures": figures})
    return docs, problems


def confident_figures(doc: Document, found: list) -> list[dict]:
    """The lexicon's own answer (not the model's) where both rules are confident."""
    sentences = segment.split_sentences(doc.text)
    kind = status.document_kind(doc)
    kept = []
    for figure in found:
        metric_code, metric_confidence = metric.lexicon_metric(figure, kind)
        status_code, status_confidence = status.rule_status(figure, doc, sentences, kind)
        if min(metric_confidence, status_confidence) < WEAK_CONFIDENCE:
            continue
        record = {name: getattr(figure, name) for name in GOLD_FIELDS}
        record.update(metric=metric_code, status=status_code, origin="weak")
        kept.append(record)
    return kept


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)
