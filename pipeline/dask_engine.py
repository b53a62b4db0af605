"""The same extraction on Dask: on this machine, or on a cluster for archives one machine cannot get through.

Dask reads the partitions itself. A UTF-8 JSON Lines file is cut into blocks of
whole lines by `dask.bag.read_text` with a block size; the other files (plain
text, web pages, Word, PDF, JSON Lines in a wide encoding) go a few whole files
per partition. Each partition is one task: the worker that runs it reads its
lines or files from the paths, runs the local engine's `extract_or_reject` on
every document, and writes its records as one Parquet file of a partitioned
dataset. What comes back is small: per document its id, source and figure
count; per rejected input its reason.

A block does not know the number of its first line (that would take a scan of
the file before any work), so a worker names a line by its place in its block
and the client, once every block has been counted, turns that into the
`file:line` the local engine shows. The client also rejects a document whose
id an earlier one used, as the local reader does, and removes its figures.

With a scheduler address (`--scheduler tcp://host:8786`) the graph runs on that
`distributed` cluster; the inputs and the output folder must then be at the
same paths on every worker (a shared file system), and solieu installed in the
workers' environment (docs/scale.md). Without one it runs on Dask's process-pool
scheduler over N worker processes, which costs no more than the local engine
(see `connect` for why not a local `distributed` cluster).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import glob
import io
import logging
import math
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from solieu.pipeline import parallel
from solieu.pipeline.outputs import guard_outputs
from solieu.pipeline.read import DEFAULT_MAX_SIZE, Rejected, read_file
from solieu.pipeline.readers import folder_files, folder_id, solieu_output
from solieu.pipeline.readers.base import LOG, notice, shown_path
from solieu.pipeline.readers.decode import bom_encoding
from solieu.pipeline.readers.jsonl import line_document
from solieu.pipeline.readers.sniff import is_jsonl
from solieu.pipeline.records import FIGURE_FIELDS, Document
from solieu.pipeline.run import DEFAULT_MAX_SECONDS, BatchResult, extract_or_reject, warm_up, write_errors
from solieu.pipeline.write import dump_record

# Partitions per worker thread: enough that the last ones to finish leave no
# thread idle for long, few enough that the cost of a task (scheduling, one
# Parquet file) stays a small share of its extraction.
PARTITIONS_PER_THREAD = 16
MIN_BLOCK_BYTES = 32 * 1024  # ~20 dense documents: below this a task's fixed cost shows
MAX_BLOCK_BYTES = 8 * 1024 * 1024  # a block's lines and records stay well inside a worker's memory
MAX_FILES_PER_PARTITION = 64

# Arrow types of the record fields that are not strings (corpora/figures.md, "Record fields").
NON_STRING_FIELDS: dict[str, pa.DataType] = {
    "start": pa.int64(),
    "end": pa.int64(),
    "value": pa.float64(),
    "value_high": pa.float64(),
    "denominator": pa.float64(),
    "confidence": pa.float64(),
}
SCHEMA = pa.schema([(name, NON_STRING_FIELDS.get(name, pa.string())) for name in FIGURE_FIELDS])


SCHEDULER_TIMEOUT = "10s"  # how long the client tries to reach a scheduler before saying there is none
# Times a partition is run again after its worker process died (killed, out of memory): Dask's own
# retries on a cluster, the same count on the local process pool.
TASK_RETRIES = 2


class SchedulerError(ConnectionError):
    """The scheduler named by --scheduler cannot be used; the message says which and why.

    A ConnectionError, so that the command line shows it as a user's problem: one line, no traceback hint.
    """


@dataclass(frozen=True)
class InputFile:
    """A file as the user named it (what `source` shows) and where a worker opens it."""

    shown: str
    location: str
    doc_id: str | None = None  # the id under its input folder (None: the file name's stem)
    named: bool = False  # named by the user, not found in a folder (a solieu output is then rejected, not skipped)


@dataclass(frozen=True)
class Partition:
    """What one task extracts: some whole files, or block `block` of the JSON Lines file `jsonl`."""

    number: int
    jsonl: InputFile | None = None
    block: int = 0

    @property
    def file_key(self) -> int:
        """The same for every block of one input file, different for a file given twice: its first partition."""
        return self.number - self.block


@dataclass
class Plan:
    """The partitions as one Dask bag, and where each partition or rejected input stands in input order."""

    bag: Any  # dask.bag.Bag of lines (a JSON Lines block) or InputFiles (a run of files), one partition each
    partitions: list[Partition]
    order: list[Partition | Rejected]


# --- planning, on the client -------------------------------------------------


def input_files(inputs: Iterable[str | Path]) -> Iterator[InputFile | Rejected]:
    """The files `read_inputs` would read, in its order, with the same ids: folders walked sorted, hidden files skipped."""
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            files, problems = folder_files(path)
            yield from problems
            for child in files:
                yield InputFile(shown_path(child), str(child.resolve()), folder_id(child, path))
        elif path.is_file():
            yield InputFile(shown_path(path), str(path.resolve()), named=True)
        elif path.exists():
            yield Rejected(shown_path(path), "not a regular file")
        else:
            yield Rejected(shown_path(path), "no such file or folder")


def splittable_jsonl(path: Path) -> bool:
    """A UTF-8 JSON Lines file of documents, which can be cut at line ends (other files are read whole)."""
    try:
        with path.open("rb") as handle:
            head = handle.readline(DEFAULT_MAX_SIZE)
    except OSError:  # the worker meets the same error and reports it
        return False
    marked = bom_encoding(head[:4])
    return (
        bool(head) and is_jsonl(head, path.suffix.lower()) and not (marked and marked[0] != "utf-8")
        and solieu_output(head) is None
    )


def group_inputs(inputs: Iterable[str | Path]) -> list[InputFile | list[InputFile] | Rejected]:
    """Inputs in order: each splittable JSON Lines file alone, runs of other files together, rejections."""
    groups: list[InputFile | list[InputFile] | Rejected] = []
    for item in input_files(inputs):
        if isinstance(item, InputFile) and not splittable_jsonl(Path(item.location)):
            if not groups or not isinstance(groups[-1], list):
                groups.append([])
            groups[-1].append(item)
        else:
            groups.append(item)
    return groups


def block_bytes(total: int, threads: int, per_thread: int = PARTITIONS_PER_THREAD) -> int:
    """The block size that gives each worker thread about `per_thread` blocks of the JSON Lines inputs."""
    return max(MIN_BLOCK_BYTES, min(MAX_BLOCK_BYTES, math.ceil(total / max(1, threads * per_thread))))


def files_for(count: int, threads: int, per_thread: int = PARTITIONS_PER_THREAD) -> int:
    """Files per partition that give each worker thread about `per_thread` partitions of the other files."""
    return max(1, min(MAX_FILES_PER_PARTITION, math.ceil(count / max(1, threads * per_thread))))


def plan_partitions(
    groups: list[InputFile | list[InputFile] | Rejected], threads: int = 1,
    blocksize: int | None = None, files: int | None = None,
) -> Plan:
    """The grouped inputs as Dask partitions: blocks of `blocksize` bytes of JSON Lines, runs of `files` other files.

    Both default to what gives every worker thread PARTITIONS_PER_THREAD partitions.
    """
    import dask.bag as db

    lines_total = sum(Path(g.location).stat().st_size for g in groups if isinstance(g, InputFile))
    files_total = sum(len(g) for g in groups if isinstance(g, list))
    blocksize = blocksize or block_bytes(lines_total, threads)
    files = files or files_for(files_total, threads)
    bags: list[Any] = []
    partitions: list[Partition] = []
    order: list[Partition | Rejected] = []
    for group in groups:
        if isinstance(group, Rejected):
            order.append(group)
            continue
        if isinstance(group, InputFile):
            bag = db.read_text(group.location, blocksize=blocksize, linedelimiter="\n", errors="surrogateescape")
            new = [Partition(len(partitions) + block, group, block) for block in range(bag.npartitions)]
        else:
            bag = db.from_sequence(group, partition_size=files)
            new = [Partition(len(partitions) + number) for number in range(bag.npartitions)]
        bags.append(bag)
        partitions.extend(new)
        order.extend(new)
    bag = db.concat(bags) if bags else None
    return Plan(bag, partitions, order)


# --- extraction, on a worker -------------------------------------------------


class NoticeCatcher(logging.Filter):
    """Holds back this thread's reader notices, to be said by the client with the line's real number.

    A filter on the `solieu` logger runs before any handler, so a caught notice
    is neither printed on the worker (where no one reads it) nor lost.
    """

    def __init__(self) -> None:
        super().__init__()
        self.thread = threading.get_ident()
        self.caught: list[tuple[str, str]] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if record.thread != self.thread or not isinstance(record.args, tuple) or len(record.args) != 2:
            return True
        self.caught.append((str(record.args[0]), str(record.args[1])))
        return False


@contextlib.contextmanager
def caught_notices() -> Iterator[NoticeCatcher]:
    catcher = NoticeCatcher()
    LOG.addFilter(catcher)
    try:
        yield catcher
    finally:
        LOG.removeFilter(catcher)


@dataclass(frozen=True)
class Outcome:
    """What happened to one item of a partition, sent back to the client in input order.

    `place` is the item's line in its JSON Lines block (0: the block's first), None
    for whole files. A document's id comes back even when its extraction failed:
    the local reader has claimed the id by then, so a later document cannot have it.
    """

    kind: str  # "document", "rejected" (could not be read) or "notice"
    source: str
    detail: str = ""  # the reason or the notice; for a document, why its extraction failed ("": it did not)
    doc_id: str = ""
    figures: int = 0
    place: int | None = None


def read_block(lines: Iterable[str], partition: Partition, max_size: int) -> Iterator[tuple[int, Document | Rejected]]:
    """A block's lines, each read as `pipeline.readers.jsonl` reads it; sources named `file:?` until the client numbers them.

    The lines come from `read_text` decoded with `surrogateescape`, so encoding
    them back gives the file's bytes exactly: a line that is not UTF-8 is
    rejected by the same code and with the same reason as in the local reader.
    """
    file = partition.jsonl
    assert file is not None
    where = f"{file.shown}:?"
    for place, text in enumerate(lines):
        raw = text.encode("utf-8", "surrogateescape")
        over = len(raw) - raw.endswith(b"\n") > max_size  # the local reader's limit: the line without its end
        # Number 1 only for the file's first line, where line_document strips a byte-order mark.
        number = 1 if partition.block == 0 and place == 0 else 2
        try:
            item = line_document(None if over else raw, number, where, file.shown, max_size)
        except Exception as error:  # whatever one line does, the lines after it are read
            item = Rejected(where, f"line cannot be read ({type(error).__name__}: {error})")
        if item is not None:
            yield place, item


def read_files(files: Iterable[InputFile], max_size: int) -> Iterator[Document | Rejected]:
    """The documents of whole files, with sources as the user named them."""
    for file in files:
        for item in read_file(Path(file.location), max_size, doc_id=file.doc_id or shown_path(Path(file.shown).stem),
                              named=file.named):
            yield shown_as(item, file)


def shown_as(item: Document | Rejected, file: InputFile) -> Document | Rejected:
    """The item as the local reader names it: the path as given, not the worker's absolute one."""
    if item.source != shown_path(file.location):
        return item
    if isinstance(item, Rejected):
        return Rejected(file.shown, item.reason)
    return dataclasses.replace(item, source=file.shown)


def read_partition(items: Iterable[Any], partition: Partition, max_size: int) -> Iterator[tuple[int | None, Document | Rejected]]:
    """The partition's documents and rejections, each with its place in a JSON Lines block (None for files)."""
    if partition.jsonl is not None:
        yield from read_block(items, partition, max_size)
    else:
        for item in read_files(items, max_size):
            yield None, item


def extract_partition(
    items: Iterable[Any], partition: Partition, folder: str,
    max_size: int = DEFAULT_MAX_SIZE, max_seconds: float | None = DEFAULT_MAX_SECONDS,
) -> list[dict[str, Any]]:
    """Extract one partition into `folder/part-NNNNN.parquet`; what happened to each item goes back.

    Each document has the local engine's time budget. The result is a list of
    one summary: a partition of the bag of summaries.
    """
    items = list(items)
    records: list[dict[str, Any]] = []
    outcomes: list[Outcome] = []
    shown = {shown_path(file.location): file.shown for file in items} if partition.jsonl is None else {}
    with caught_notices() as notices:
        for place, item in read_partition(items, partition, max_size):
            outcomes.extend(Outcome("notice", shown.get(where, where), message, place=place)
                            for where, message in notices.caught)
            notices.caught.clear()
            if isinstance(item, Rejected):
                outcomes.append(Outcome("rejected", item.source, item.reason, place=place))
                continue
            found = extract_or_reject(item, max_seconds)
            if isinstance(found, Rejected):
                outcomes.append(Outcome("document", item.source, found.reason, item.doc_id, place=place))
                continue
            outcomes.append(Outcome("document", item.source, "", item.doc_id, len(found), place))
            records.extend(figure.to_record() for figure in found)
        outcomes.extend(Outcome("notice", shown.get(where, where), message) for where, message in notices.caught)
    pq.write_table(arrow_table(records), part_path(folder, partition.number))
    lines = len(items) if partition.jsonl is not None else 0
    return [{"partition": partition.number, "outcomes": outcomes, "lines": lines}]


def arrow_table(records: list[dict[str, Any]]) -> pa.Table:
    """The records as an Arrow table of SCHEMA, read back from their JSON lines by Arrow's own reader.

    Converting Python objects (`Table.from_pylist`, any `pa.array` of a list) makes
    pyarrow import pandas: half a second in every worker process, a tenth of a
    short run. Writing the JSON lines is what the local engine does for its output.
    """
    if not records:
        return pa.Table.from_batches([], schema=SCHEMA)
    data = "".join(dump_record(record) for record in records).encode("utf-8")
    return pa_json.read_json(
        io.BytesIO(data),
        read_options=pa_json.ReadOptions(use_threads=False, block_size=len(data) + 1),  # one block: no row straddles two
        parse_options=pa_json.ParseOptions(explicit_schema=SCHEMA, unexpected_field_behavior="error"),
    )


def part_path(folder: str | Path, number: int) -> Path:
    return Path(folder) / f"part-{number:05d}.parquet"


# --- what the client makes of the workers' reports ---------------------------


@dataclass
class Tally:
    """The batch's outcome, built in input order from the partitions' outcomes."""

    result: BatchResult
    first_source: dict[str, str] = dataclasses.field(default_factory=dict)  # id -> source of the document that has it
    file_lines: dict[tuple[int, str], int] = dataclasses.field(default_factory=dict)  # (file, id) -> its first line
    next_line: dict[int, int] = dataclasses.field(default_factory=dict)  # file -> number of its next block's first line


def settle(plan: Plan, summaries: list[dict[str, Any]], folder: Path) -> BatchResult:
    """Counts and rejections in input order, with JSON Lines lines numbered and repeated ids rejected.

    Workers see only their own partition, so a repeated id is found here; its
    figures leave its partition's Parquet file.
    """
    by_number = {summary["partition"]: summary for summary in summaries}
    tally = Tally(BatchResult())
    for step in plan.order:
        if isinstance(step, Rejected):
            tally.result.rejected.append(step)
            continue
        summary = by_number[step.number]
        first = 0
        if step.jsonl is not None:
            first = tally.next_line.get(step.file_key, 1)
            tally.next_line[step.file_key] = first + summary["lines"]
        keep = settle_partition(step, summary["outcomes"], first, tally)
        if not all(keep):
            path = part_path(folder, step.number)
            pq.write_table(pq.read_table(path).filter(pa.array(keep, type=pa.bool_())), path)
    return tally.result


def settle_partition(partition: Partition, outcomes: list[Outcome], first: int, tally: Tally) -> list[bool]:
    """One partition's outcomes into the tally; which of its figure rows stay (False: a repeated id's)."""
    keep: list[bool] = []
    result = tally.result
    for outcome in outcomes:
        source = numbered(partition, outcome.source, first, outcome.place)
        if outcome.kind == "notice":
            notice(source, outcome.detail)
        elif outcome.kind == "rejected":
            result.rejected.append(Rejected(source, outcome.detail))
        else:
            line = first + outcome.place if partition.jsonl is not None and outcome.place is not None else None
            refused = repeated(tally, partition, outcome.doc_id, source, line)
            keep.extend([refused is None] * outcome.figures)
            if refused is None and outcome.detail:
                refused = Rejected(source, outcome.detail)
            if refused is not None:
                result.rejected.append(refused)
                continue
            result.documents += 1
            result.figures += outcome.figures
    return keep


def numbered(partition: Partition, source: str, first: int, place: int | None) -> str:
    """A JSON Lines line's `file:?` made `file:N`; any other source as it is."""
    if partition.jsonl is None or place is None or source != f"{partition.jsonl.shown}:?":
        return source
    return f"{partition.jsonl.shown}:{first + place}"


def repeated(tally: Tally, partition: Partition, doc_id: str, source: str, line: int | None) -> Rejected | None:
    """Why the document is rejected for its id, as the local reader says it, or None when the id is new.

    A repeat inside one JSON Lines file names the line that has the id first;
    across inputs, the first document's source.
    """
    if partition.jsonl is not None and line is not None:
        earlier_line = tally.file_lines.setdefault((partition.file_key, doc_id), line)
        if earlier_line != line:
            return Rejected(f"{partition.jsonl.shown}:{line}", f"id '{doc_id}' repeats the id of line {earlier_line}")
    earlier = tally.first_source.get(doc_id)
    if earlier is not None:
        return Rejected(source, f"document id '{doc_id}' is already used by {earlier} in this batch")
    tally.first_source[doc_id] = source
    return None


# --- the run ------------------------------------------------------------------


# Computes a Dask collection and returns its result.
Compute = Callable[[Any], Any]


@contextlib.contextmanager
def connect(scheduler: str | None, workers: int) -> Iterator[tuple[Compute, int]]:
    """How to compute the work, and how many worker threads share it.

    With a scheduler address: its `distributed` cluster, and every worker thread
    it has. Without: Dask's own process-pool scheduler over `workers` processes
    forked from this one once the tables and models are loaded, so that each
    starts warm, with tasks run in the workers' main threads. A local
    `distributed` cluster ran the same graph 12-20% slower on two cores, even
    tuned (docs/scale.md): each worker's event loop, heartbeats and monitors take
    the GIL from the extraction thread, and this process runs a scheduler besides.
    """
    if scheduler:
        with remote_client(scheduler) as client:  # a lost worker's tasks are run again by Dask itself
            yield (lambda work: client.compute(work, sync=True, retries=TASK_RETRIES)), \
                max(1, sum(client.nthreads().values()))
        return
    # The schedulers are passed as functions: named ones make Dask import `distributed` to look for a client.
    from dask.local import get_sync
    from dask.multiprocessing import get as get_processes

    if workers <= 1:  # one worker: the tasks in this process, as the local engine's single worker does
        yield (lambda work: work.compute(scheduler=get_sync)), 1
        return
    warm_up()
    pools = [parallel.new_pool(workers)]

    def compute(work: Any) -> Any:
        """The work on the pool; a worker process that dies breaks the pool, which is replaced and the
        work run again (its tasks are pure: a partition rewrites its own part file), as Dask's own
        retries do on a cluster and the local engine's pool does."""
        for attempt in range(TASK_RETRIES + 1):
            # chunksize=1: a task per message, so the last partitions spread over the workers
            in_pool = functools.partial(get_processes, pool=pools[-1], chunksize=1)
            try:
                return work.compute(scheduler=in_pool)
            except BrokenProcessPool:
                pools[-1].shutdown(wait=True, cancel_futures=True)
                if attempt == TASK_RETRIES:
                    raise RuntimeError(f"a Dask worker process died {TASK_RETRIES + 1} times running the "
                                       "same work; nothing was written") from None
                pools.append(parallel.new_pool(workers))
        raise AssertionError("unreachable")

    try:
        yield compute, workers
    finally:
        pools[-1].shutdown(wait=True, cancel_futures=True)


@contextlib.contextmanager
def remote_client(address: str) -> Iterator[Any]:
    """A client of the scheduler at `address`, or SchedulerError saying in one line why there is none."""
    from distributed import Client

    try:
        client = Client(address, timeout=SCHEDULER_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as error:
        raise SchedulerError(f"{address}: no Dask scheduler answers there ({' '.join(str(error).split())})") from None
    with client:
        if not client.nthreads():
            raise SchedulerError(f"{address}: the Dask scheduler has no worker")
        yield client


def run_dask(
    inputs: Iterable[str | Path],
    output: str | Path,
    errors_path: str | Path | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    max_size: int = DEFAULT_MAX_SIZE,
    max_seconds: float | None = DEFAULT_MAX_SECONDS,
    blocksize: int | None = None,
    files_per_partition: int | None = None,
) -> BatchResult:
    """Extract every input into the Parquet dataset folder `output`, rejected inputs into `errors_path`.

    `blocksize` (bytes of JSON Lines) and `files_per_partition` (other files) default
    to about PARTITIONS_PER_THREAD partitions per worker thread. No cluster is
    started or reached when no input is a file.
    Workers write into a staging folder beside `output`; it replaces `output` only
    when every partition is written, so a failed run leaves the previous dataset.
    """
    inputs = list(inputs)
    target = Path(output)
    errors_target = Path(errors_path) if errors_path else Path(f"{target}.errors.jsonl")
    guard_outputs([errors_target], inputs, folder_outputs=[target])
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(target)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".part", dir=target.parent))
    try:
        groups = group_inputs(inputs)
        plan, summaries = Plan(None, [], [g for g in groups if isinstance(g, Rejected)]), []  # no file: no cluster
        if any(not isinstance(group, Rejected) for group in groups):
            with connect(scheduler, workers) as (compute, threads):
                plan = plan_partitions(groups, threads, blocksize, files_per_partition)
                summaries = compute(work(plan, staging, max_size, max_seconds))
        result = settle(plan, summaries, staging)
        replace_folder(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    for item in result.rejected:
        print(f"solieu: {item.message()}", file=sys.stderr)
    write_errors(result.rejected, errors_target)
    return result


def work(plan: Plan, folder: Path, max_size: int, max_seconds: float | None) -> Any:
    """A bag of one task per partition: Dask reads the block (or lists the files), `extract_partition` runs on it.

    The partition's descriptor is a plain argument, not a second bag zipped with
    the first: a task that depends on two others is not fused with them, and a
    block's lines would then travel from the worker that read them to the one
    that extracts (through this process, under the process-pool scheduler).
    """
    import dask
    import dask.bag as db

    extract = dask.delayed(extract_partition, pure=True)
    blocks = plan.bag.to_delayed(optimize_graph=False)
    target = str(folder.resolve())
    return db.from_delayed([extract(block, partition, target, max_size, max_seconds)
                            for block, partition in zip(blocks, plan.partitions)])


def remove_stale_staging(target: Path) -> None:
    """Remove the staging folders a killed run left beside `target` (their process is gone).

    A run killed with SIGKILL cannot clean up after itself; its folder is named
    with its process id, so the next run knows it is no one's any more.
    """
    for folder in target.parent.glob(f".{glob.escape(target.name)}.*"):
        if not folder.is_dir() or folder.is_symlink() or folder.suffix not in (".part", ".old"):
            continue
        pid = folder.name[len(target.name) + 2:].split(".", 1)[0]
        if pid.isdigit() and _alive(int(pid)):
            continue
        shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def replace_folder(new: Path, target: Path) -> None:
    """Put `new` at `target`, moving an older dataset aside first and removing it after."""
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".old", dir=target.parent))
        target.rename(old / target.name)
        new.rename(target)
        shutil.rmtree(old)
    else:
        new.rename(target)
