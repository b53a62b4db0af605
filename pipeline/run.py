"""Orchestration: one document through every stage, and a batch of inputs to one output.

The stage order is the data flow of the project:
read → normalise → segment → find figures → classify → attach place and period → write.
Each stage is a plain function over plain records (`pipeline.records`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from extractors import classify, figures, periods, places, status
from pipeline import normalise, parallel, segment
from pipeline.progress import Progress
from pipeline.read import DEFAULT_MAX_SIZE, Rejected, read_inputs
from pipeline.records import Document, Figure
from pipeline.write import atomic_output, dump_record


def extract_document(doc: Document, models: classify.Models | None | bool = True) -> list[Figure]:
    """Every figure of one document, offsets pointing into `doc.text` as given.

    `models` is the shipped models by default; cross-validation passes models
    trained without this document, and None runs the rules alone.
    """
    norm = normalise.normalise(doc.text)
    work = Document(doc.doc_id, doc.source, norm.text, doc.title, doc.published, doc.kind)
    sentences = segment.split_sentences(work.text)
    kind = status.document_kind(work)
    candidates = figures.document_candidates(work, sentences)
    found = classify.decide_figures(candidates, sentences, kind, models)
    classify.classify(found, work, sentences, kind, models)
    places.attach(found, work, sentences)
    periods.attach(found, work, sentences, kind)
    for figure in found:
        figure.context = {}  # working state of the stages: not part of the record, not shipped between processes
    return [norm.restore(figure, doc.text) for figure in found]


@dataclass
class BatchResult:
    """What a batch did, for the exit status and the summary line."""

    documents: int = 0
    figures: int = 0
    rejected: list[Rejected] = field(default_factory=list)


def extract_or_reject(item: Document | Rejected) -> list[Figure] | Rejected:
    """One item's figures, or why it was rejected: what a worker process runs per document."""
    if isinstance(item, Rejected):
        return item
    try:
        return extract_document(item)
    except Exception as error:  # one bad document must cost nothing else
        return Rejected(item.source, f"extraction failed ({type(error).__name__}: {error})")


def process(
    items: Iterable[Document | Rejected], workers: int = 1
) -> Iterator[tuple[Document | Rejected, list[Figure]]]:
    """Extract each document, in input order; a document that breaks an extractor is rejected, not fatal.

    With `workers` > 1 documents go to a process pool a few batches at a time, so
    memory stays flat and the output is the single worker's, line for line.
    """
    for item, outcome in parallel.ordered_map(extract_or_reject, items, workers):
        yield (outcome, []) if isinstance(outcome, Rejected) else (item, outcome)


def run_extract(
    inputs: Iterable[str | Path],
    output: str | Path,
    errors_path: str | Path | None = None,
    workers: int = 1,
    max_size: int = DEFAULT_MAX_SIZE,
    progress: Progress | None = None,
) -> BatchResult:
    """Extract every input into `output` (JSON Lines), rejected inputs into `errors_path`.

    Each rejected input costs one line on stderr and one row in the errors file;
    `progress` (none by default: library callers stay silent) shows the run on a terminal.
    """
    result = BatchResult()
    errors_target = Path(errors_path) if errors_path else Path(f"{output}.errors.jsonl")
    progress = progress or Progress(quiet=True)
    try:
        with atomic_output(output) as out:
            for item, found in process(read_inputs(inputs, max_size=max_size), workers):
                if isinstance(item, Rejected):
                    result.rejected.append(item)
                    progress.error()
                    progress.message(f"solieu: {item.message()}")
                    continue
                result.documents += 1
                result.figures += len(found)
                progress.document(len(found))
                for figure in found:
                    out.write(dump_record(figure.to_record()))
            write_errors(result.rejected, errors_target)
    finally:
        progress.close()
    return result


def write_errors(rejected: list[Rejected], path: Path) -> None:
    """One JSON line per rejected input; no file at all when nothing was rejected."""
    if not rejected:
        if path.exists():
            path.unlink()
        return
    with atomic_output(path) as out:
        for item in rejected:
            row: dict[str, Any] = {"source": item.source, "reason": item.reason}
            out.write(dump_record(row))
