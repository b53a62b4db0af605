"""Orchestration: one document through every stage, and a batch of inputs to one output.

The stage order is the data flow of the project:
read → normalise → segment → find figures → classify → attach place and period → write.
Each stage is a plain function over plain records (`pipeline.records`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from solieu.extractors import classify, figures, memo, periods, places, status
from solieu.extractors.learned import choices
from solieu.extractors.lexicon import pack
from solieu.pipeline import normalise, parallel, segment
from solieu.pipeline.progress import Progress
from solieu.pipeline.read import DEFAULT_MAX_SIZE, Rejected, read_inputs
from solieu.pipeline.readers import expected_documents
from solieu.pipeline.outputs import guard_outputs, store_problem
from solieu.pipeline.records import Analysis, Document, Figure
from solieu.pipeline.write import OutputError, atomic_output, dump_record, finite_record, is_stream  # noqa: F401

# Seconds one document may take before it is rejected: a normal article takes well
# under one, a 1 MB report tens; past this it is a pathological input holding the batch.
DEFAULT_MAX_SECONDS = 300.0
# Characters of the largest piece extracted at once. Some stages still grow faster
# than the text (issue 10: 0.25 MB in 4 s, 1 MB in 41 s), so a document longer than
# this (ten long reports) is extracted piece by piece, cut at paragraph ends.
PIECE_CHARS = 200_000


def segment_sentences(work: Analysis) -> None:
    work.sentences = segment.split_sentences(work.document.text)


def classify_kind(work: Analysis) -> None:
    work.kind = status.document_kind(work.document)


def find_candidates(work: Analysis) -> None:
    work.candidates = figures.document_candidates(work.document, work.sentences)


def decide_figures(work: Analysis) -> None:
    work.figures = classify.decide_figures(work.candidates, work.sentences, work.kind, work.models)


def classify_figures(work: Analysis) -> None:
    classify.classify(work.figures, work.document, work.sentences, work.kind, work.models)


def attach_places(work: Analysis) -> None:
    places.attach(work.figures, work.document, work.sentences)
    learned = classify.chosen_models(work.models)
    if learned is not None and learned.province is not None:  # the ranker's province, when training chose it
        choices.choose_province(work.figures, work.document, learned.province)


def attach_periods(work: Analysis) -> None:
    learned = classify.chosen_models(work.models)
    if learned is not None and learned.period is not None:  # the ranker picks among the rules' candidates
        choices.choose_periods(work.figures, work.document, work.sentences, work.kind, learned.period)
    else:
        periods.attach(work.figures, work.document, work.sentences, work.kind)


# The data flow, in order: each stage reads the one Analysis and enriches it.
STAGES: tuple[Callable[[Analysis], None], ...] = (
    segment_sentences, classify_kind, find_candidates, decide_figures, classify_figures, attach_places, attach_periods,
)


def extract_document(doc: Document, models: classify.Models | None | bool = True) -> list[Figure]:
    """Every figure of one document, offsets pointing into `doc.text` as given.

    `models` is the shipped models by default; cross-validation passes models
    trained without this document, and None runs the rules alone.
    """
    memo.new_document()
    norm = normalise.normalise(doc.text)
    work = Analysis(Document(doc.doc_id, doc.source, norm.text, doc.title, doc.published, doc.kind), models)
    for stage in STAGES:
        stage(work)
    for figure in work.figures:
        figure.context = {}  # working state of the stages: not part of the record, not shipped between processes
    return [norm.restore(figure, doc.text) for figure in work.figures]


@dataclass
class BatchResult:
    """What a batch did, for the exit status and the summary line."""

    documents: int = 0
    figures: int = 0
    rejected: list[Rejected] = field(default_factory=list)


class TimeBudgetExceeded(BaseException):
    """Raised inside a document's extraction when its time is up.

    A BaseException, so that no `except Exception` inside a stage swallows it.
    """


@contextlib.contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Raise TimeBudgetExceeded in the enclosed code after `seconds` of wall time.

    In a process's main thread (the CLI, every worker of the process pool) a timer
    signal interrupts pure Python wherever it is. In another thread (a Dask
    `distributed` worker's) a watchdog thread raises it in that thread instead. Native
    code that never returns to Python is stopped from outside (`parallel`).
    """
    if seconds is None or seconds <= 0:
        yield
        return
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        with _alarm(seconds):
            yield
    else:
        with _thread_timer(seconds):
            yield


# Seconds after which a timer signal fires again while its block still runs. Python drops an
# exception raised inside a garbage-collector callback or a `__del__` ("Exception ignored in"):
# a budget that fired there once was lost, and the document ran to its end.
ALARM_RETRY_SECONDS = 0.05


@contextlib.contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: object) -> None:
        signal.setitimer(signal.ITIMER_REAL, ALARM_RETRY_SECONDS)  # again, unless the block ends first
        raise TimeBudgetExceeded

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _thread_timer(seconds: float) -> Iterator[None]:
    """The budget for a thread that is not the main one: an exception set asynchronously in it.

    One watchdog thread per process serves every such budget. A timer thread per
    block cost a `distributed` worker about a millisecond of wall time per document (the
    new thread must start and be switched to): a fifth of a dense document's
    extraction. The watchdog sleeps until the nearest deadline and is woken only
    when a deadline comes before the one it sleeps towards.
    """
    import ctypes

    ident = threading.get_ident()
    _WATCH.arm(ident, time.monotonic() + seconds)
    try:
        yield
    finally:
        if _WATCH.disarm(ident):  # set but perhaps not yet raised: it must not surface after the block
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), None)


class _Watchdog:
    """Deadlines of threads, and the one daemon thread that interrupts a thread past its deadline."""

    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.deadlines: dict[int, float] = {}  # thread -> monotonic deadline
        self.fired: set[int] = set()
        self.wakes_at: float | None = None  # when the watchdog thread looks again (None: not until woken)
        self.thread: threading.Thread | None = None

    def arm(self, ident: int, deadline: float) -> None:
        with self.lock:
            self.deadlines[ident] = deadline
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self.watch, name="solieu-time-budget", daemon=True)
                self.thread.start()
            elif self.wakes_at is None or deadline < self.wakes_at:
                self.lock.notify()

    def disarm(self, ident: int) -> bool:
        """End the thread's budget; whether it fired."""
        with self.lock:
            self.deadlines.pop(ident, None)
            fired = ident in self.fired
            self.fired.discard(ident)
            return fired

    def watch(self) -> None:
        import ctypes

        with self.lock:
            while True:
                now = time.monotonic()
                for ident, deadline in list(self.deadlines.items()):
                    if deadline <= now:
                        del self.deadlines[ident]
                        self.fired.add(ident)
                        ctypes.pythonapi.PyThreadState_SetAsyncExc(
                            ctypes.c_ulong(ident), ctypes.py_object(TimeBudgetExceeded))
                self.wakes_at = min(self.deadlines.values(), default=None)
                self.lock.wait(None if self.wakes_at is None else self.wakes_at - now)


_WATCH = _Watchdog()
if hasattr(os, "register_at_fork"):  # a forked worker has no watchdog thread, and must not wait on its parent's lock
    os.register_at_fork(after_in_child=lambda: globals().update(_WATCH=_Watchdog()))


def over_budget(seconds: float | None) -> str:
    return f"extraction took longer than {seconds:g} s (the time budget per document, --max-seconds)"


def finite_figures(found: list[Figure]) -> list[Figure]:
    """The figures whose numbers are finite: 400 nines before `triệu đồng` overflow to
    infinity, which is no reported figure and no valid JSON."""
    return [figure for figure in found if finite_record(figure.to_record())]


def piece_spans(text: str, limit: int = PIECE_CHARS) -> list[tuple[int, int]]:
    """(start, end) of consecutive pieces of at most `limit` characters covering `text`.

    A piece ends after a line end when there is one in its second half, else after a
    sentence's full stop, else at a space: figures and their sentences stay whole.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    while len(text) - start > limit:
        low, high = start + limit // 2, start + limit
        cut = next((found + len(mark) for mark in ("\n", ". ", " ")
                    if (found := text.rfind(mark, low, high - len(mark) + 1)) >= 0), high)
        spans.append((start, cut))
        start = cut
    spans.append((start, len(text)))
    return spans


def extract_pieces(doc: Document, limit: int = PIECE_CHARS) -> list[Figure]:
    """`extract_document`, piece by piece for a very large document, offsets into the whole text.

    Each piece keeps the document's head as its title, so that the kind of
    document (plan, report) and its province are judged from the same head.
    """
    if len(doc.text) <= limit:
        return extract_document(doc)
    head = doc.title or next((line.strip()[:300] for line in doc.text.splitlines() if line.strip()), None)
    found: list[Figure] = []
    for start, end in piece_spans(doc.text, limit):
        piece = dataclasses.replace(doc, text=doc.text[start:end], title=head)
        for figure in extract_document(piece):
            figure.start += start
            figure.end += start
            found.append(figure)
    return found


def extract_or_reject(item: Document | Rejected, max_seconds: float | None = DEFAULT_MAX_SECONDS) -> list[Figure] | Rejected:
    """One item's figures, or why it was rejected: what a worker process runs per document."""
    if isinstance(item, Rejected):
        return item
    try:
        with time_budget(max_seconds):
            return finite_figures(extract_pieces(item))
    except TimeBudgetExceeded:
        return Rejected(item.source, over_budget(max_seconds))
    except Exception as error:  # one bad document must cost nothing else
        return Rejected(item.source, f"extraction failed ({type(error).__name__}: {error})")


def worker_died(item: Document | Rejected, reason: str) -> Rejected:
    """What a document becomes when the process extracting it is killed."""
    return item if isinstance(item, Rejected) else Rejected(item.source, reason)


def warm_up() -> None:
    """Load every table and model here, before the worker processes are forked from this one.

    Forked workers share what their parent loaded (copy-on-write) instead of each
    loading it again: on two cores that start-up was a fifth of a short run's
    time and kept two workers well under twice as fast as one. The pack's
    example sentence goes through every stage; a pack without one just starts cold.
    """
    example = pack().get("example")
    if example:
        extract_document(Document("warm-up", "", example))


def lines_or_reject(item: Document | Rejected, max_seconds: float | None = DEFAULT_MAX_SECONDS) -> Lines | Rejected:
    """One item's figures as the JSON lines `extract` writes, or why it was rejected.

    What a worker of `extract` returns: a string crosses between processes for
    almost nothing, where unpickling a Figure per record and writing it out kept
    the parent busy enough to hold two workers under twice one.
    """
    found = extract_or_reject(item, max_seconds)
    if isinstance(found, Rejected):
        return found
    return Lines(len(found), "".join(dump_record(figure.to_record()) for figure in found))


@dataclass(frozen=True)
class Lines:
    """A document's records, written out: how many, and the JSON Lines text."""

    count: int
    text: str


def process(
    items: Iterable[Document | Rejected], workers: int = 1, max_seconds: float | None = DEFAULT_MAX_SECONDS,
    work: Callable[..., Any] = extract_or_reject,
) -> Iterator[tuple[Document | Rejected, Any]]:
    """Extract each document, in input order; a document that breaks an extractor is rejected, not fatal.

    With `workers` > 1 documents go to a process pool a few batches at a time, so
    memory stays flat and the output is the single worker's, line for line.
    `work` is what is done per document: its figures (`extract_or_reject`, the
    default) or its records written out (`lines_or_reject`).
    """
    work = functools.partial(work, max_seconds=max_seconds)
    if workers > 1:
        warm_up()
    for item, outcome in parallel.ordered_map(work, items, workers, on_death=worker_died, item_seconds=max_seconds):
        yield (outcome, []) if isinstance(outcome, Rejected) else (item, outcome)


def check_models() -> None:
    """The models the run will use are readable (ModelFileError, one line, before any document is read)."""
    from solieu.extractors.learned.model import active_models_dir, read_manifest

    read_manifest(active_models_dir())


class StoredCorrections:
    """`extract --db STORE`: the researcher's corrections kept in STORE, laid over the documents they are about."""

    def __init__(self, db: str | Path, progress: Progress | None = None) -> None:
        from solieu.pipeline.store import open_store, stored_corrections

        with open_store(db, read_only=True) as con:
            self.fixes: dict[str, list[Any]] = {}
            for fix in stored_corrections(con):
                self.fixes.setdefault(fix.doc_id, []).append(fix)
        self.progress = progress

    def lines(self, doc: Document, lines: Lines) -> Lines:
        if doc.doc_id not in self.fixes:
            return lines
        import json

        from solieu.pipeline import corrections

        found = [Figure(**json.loads(line)) for line in lines.text.splitlines() if line.strip()]
        figures, problems = corrections.apply(found, self.fixes[doc.doc_id], doc.text, doc.source)
        for line in problems:
            if self.progress is not None:
                self.progress.message(f"solieu: {line}")
        return Lines(len(figures), "".join(dump_record(figure.to_record()) for figure in figures))


def errors_file(output: str | Path, errors_path: str | Path | None) -> Path | None:
    """Where rejected inputs go: `--errors`, else beside the output; none for standard output."""
    if errors_path:
        return Path(errors_path)
    return None if is_stream(output) else Path(f"{output}.errors.jsonl")


def check_paths(inputs: Iterable[str | Path], output: str | Path, errors: Path | None) -> None:
    """Refuse, before any work, outputs that would be lost or would destroy an input (`outputs.guard_outputs`)."""
    guard_outputs([output, errors], inputs)


def run_extract(
    inputs: Iterable[str | Path],
    output: str | Path,
    errors_path: str | Path | None = None,
    workers: int = 1,
    max_size: int = DEFAULT_MAX_SIZE,
    progress: Progress | None = None,
    max_seconds: float | None = DEFAULT_MAX_SECONDS,
    corrections_db: str | Path | None = None,
) -> BatchResult:
    """Extract every input into `output` (JSON Lines, `-` for standard output), rejected inputs into `errors_path`.

    Each rejected input costs one line on stderr and one row in the errors file;
    `progress` (none by default: library callers stay silent) shows the run on a terminal.
    Raises OutputError, before reading anything, when an output cannot be written.
    `corrections_db` is a store whose corrections are laid over the documents it corrected.
    """
    inputs = list(inputs)
    result = BatchResult()
    errors_target = errors_file(output, errors_path)
    check_paths(inputs, output, errors_target)
    check_models()
    corrected = StoredCorrections(corrections_db, progress) if corrections_db else None
    own = [path for path in (output, errors_target) if path is not None and not is_stream(path)]
    progress = progress or Progress(quiet=True)
    progress.count(lambda: expected_documents(inputs, max_size))
    try:
        with atomic_output(output) as out:
            items = read_inputs(inputs, max_size=max_size, exclude=own)
            for item, lines in process(items, workers, max_seconds, work=lines_or_reject):
                if isinstance(item, Rejected):
                    result.rejected.append(item)
                    progress.error()
                    progress.message(f"solieu: {item.message()}")
                    continue
                if corrected is not None:
                    lines = corrected.lines(item, lines)
                result.documents += 1
                result.figures += lines.count
                progress.document(lines.count)
                out.write(lines.text)
            if errors_target is not None:
                write_errors(result.rejected, errors_target)
    finally:
        progress.close()
    return result


def run_ingest(
    inputs: Iterable[str | Path],
    db: str | Path,
    refresh: bool = False,
    errors_path: str | Path | None = None,
    workers: int = 1,
    max_size: int = DEFAULT_MAX_SIZE,
    progress: Progress | None = None,
    max_seconds: float | None = DEFAULT_MAX_SECONDS,
) -> Any:
    """The batch of `run_extract`, into the store `db`: same reading, workers, budget, rejections and progress.

    Rejected inputs go to `errors_path` (default `DB.errors.jsonl`); the store's
    IngestResult says what happened to each document.
    """
    from solieu.pipeline import store

    inputs = list(inputs)
    errors_target = Path(errors_path) if errors_path else Path(f"{db}.errors.jsonl")
    problem = store_problem(db)
    if problem:
        raise store.StoreError(problem)
    check_paths(inputs, db, errors_target)
    check_models()
    progress = progress or Progress(quiet=True)
    progress.count(lambda: expected_documents(inputs, max_size))

    def rejected(message: str) -> None:
        progress.error()
        progress.message(f"solieu: {message}")

    import duckdb

    try:
        items = read_inputs(inputs, max_size=max_size, exclude=[db, errors_target])
        result = store.ingest(
            db, items, refresh=refresh, report=rejected, workers=workers,
            max_seconds=max_seconds, on_document=progress.document,
        )
        write_errors(result.rejected, errors_target)
    except duckdb.InterruptException:  # Ctrl-C, caught by DuckDB first: the store is as it was
        raise KeyboardInterrupt from None
    except duckdb.Error as error:  # a damaged or truncated store, met after it was opened
        raise store.StoreError(f"{db}: store cannot be read or written ({' '.join(str(error).split())})") from error
    finally:
        progress.close()
    return result


def write_errors(rejected: list[Rejected], path: Path) -> None:
    """One JSON line per rejected input; no file at all when nothing was rejected."""
    if not rejected:
        if path.exists() and path.is_file():
            path.unlink()
        return
    with atomic_output(path) as out:
        for item in rejected:
            row: dict[str, Any] = {"source": item.source, "reason": item.reason}
            out.write(dump_record(row))
