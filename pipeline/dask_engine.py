"""The same extraction on a Dask cluster, for archives one machine cannot get through.

The client only plans: it lists the input files and cuts them into partitions
(a few text files, or a run of lines of a JSON Lines file, found by scanning
for line offsets). Each partition is one element of a `dask.bag`; the worker
that gets it reads its documents from the paths itself, runs the same
`extract_or_reject` as the local engine, and writes its records as one Parquet
file of a partitioned dataset. Nothing but paths, offsets and counts crosses
the network, so the client's memory does not grow with the archive.

On a real cluster the inputs and the output folder must be at the same paths
on every worker (a shared file system), and solieu installed in the workers'
environment.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from solieu.pipeline.read import DEFAULT_MAX_SIZE, Rejected, read_file
from solieu.pipeline.readers import folder_files, folder_id
from solieu.pipeline.readers.base import shown_path
from solieu.pipeline.readers.decode import bom_encoding
from solieu.pipeline.readers.jsonl import line_document
from solieu.pipeline.readers.sniff import is_jsonl
from solieu.pipeline.records import FIGURE_FIELDS, Document
from solieu.pipeline.run import DEFAULT_MAX_SECONDS, BatchResult, extract_or_reject, write_errors

PARTITION_DOCUMENTS = 64  # documents per partition: seconds of work, well above Dask's per-task overhead

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


@dataclass(frozen=True)
class InputFile:
    """A file as the user named it (what `source` shows) and where a worker opens it."""

    shown: str
    location: str
    doc_id: str | None = None  # the id under its input folder (None: the file name's stem)


@dataclass(frozen=True)
class Partition:
    """What one worker reads by itself: whole files, or `lines` lines of a JSON Lines file."""

    number: int
    files: tuple[InputFile, ...] = ()
    jsonl: InputFile | None = None
    first_line: int = 1
    offset: int = 0
    lines: int = 0


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
            yield InputFile(shown_path(path), str(path.resolve()))
        elif path.exists():
            yield Rejected(shown_path(path), "not a regular file")
        else:
            yield Rejected(shown_path(path), "no such file or folder")


def splittable_jsonl(path: Path) -> bool:
    """A UTF-8 JSON Lines file, which can be cut at line boundaries (wide encodings are read whole)."""
    try:
        with path.open("rb") as handle:
            head = handle.readline(DEFAULT_MAX_SIZE)
    except OSError:  # the worker meets the same error and reports it
        return False
    marked = bom_encoding(head[:4])
    return bool(head) and is_jsonl(head, path.suffix.lower()) and not (marked and marked[0] != "utf-8")


def plan_partitions(
    inputs: Iterable[str | Path], size: int = PARTITION_DOCUMENTS
) -> tuple[list[Partition], list[Rejected]]:
    """Partitions of at most `size` documents each, in input order, and the inputs that do not exist."""
    partitions: list[Partition] = []
    rejected: list[Rejected] = []
    files: list[InputFile] = []

    def flush_files() -> None:
        if files:
            partitions.append(Partition(len(partitions), files=tuple(files)))
            files.clear()

    for item in input_files(inputs):
        if isinstance(item, Rejected):
            rejected.append(item)
        elif splittable_jsonl(Path(item.location)):
            flush_files()
            for first, offset, lines in line_runs(Path(item.location), size):
                partitions.append(Partition(len(partitions), jsonl=item, first_line=first, offset=offset, lines=lines))
        else:
            files.append(item)
            if len(files) == size:
                flush_files()
    flush_files()
    return partitions, rejected


def line_runs(path: Path, size: int) -> Iterator[tuple[int, int, int]]:
    """(first line number, byte offset, line count) of each run of `size` lines of a file."""
    with path.open("rb") as handle:
        first, offset, count, position = 1, 0, 0, 0
        for count, line in enumerate(handle, start=1):
            position += len(line)
            if count - first + 1 == size:
                yield first, offset, size
                first, offset = count + 1, position
        if count >= first:
            yield first, offset, count - first + 1


# --- extraction, on a worker -------------------------------------------------


def read_partition(partition: Partition, max_size: int = DEFAULT_MAX_SIZE) -> Iterator[Document | Rejected]:
    """The partition's documents, read on the worker, with sources as the user named them."""
    for file in partition.files:
        for item in read_file(Path(file.location), max_size, doc_id=file.doc_id or shown_path(Path(file.shown).stem)):
            yield shown_as(item, file)
    if partition.jsonl is not None:
        yield from read_lines(partition, max_size)


def shown_as(item: Document | Rejected, file: InputFile) -> Document | Rejected:
    """The item as the local reader names it: the path as given, not the worker's absolute one."""
    if item.source != shown_path(file.location):
        return item
    if isinstance(item, Rejected):
        return Rejected(file.shown, item.reason)
    return dataclasses.replace(item, source=file.shown)


def read_lines(partition: Partition, max_size: int) -> Iterator[Document | Rejected]:
    """The partition's lines of a JSON Lines file, each read as `pipeline.readers.jsonl` reads it."""
    file = partition.jsonl
    assert file is not None
    with open(file.location, "rb") as handle:
        handle.seek(partition.offset)
        for number in range(partition.first_line, partition.first_line + partition.lines):
            yield from read_line(handle, number, file.shown, max_size)


def read_line(handle: IO[bytes], number: int, shown: str, max_size: int) -> Iterator[Document | Rejected]:
    raw: bytes | None = handle.readline(max_size + 1)
    if raw is not None and len(raw) > max_size and not raw.endswith(b"\n"):
        while raw and not raw.endswith(b"\n"):  # skip the rest without holding it
            raw = handle.readline(1 << 16)
        raw = None
    item = line_document(raw, number, f"{shown}:{number}", shown, max_size)
    if item is not None:
        yield item


def write_partition(partition: Partition, folder: str, max_size: int = DEFAULT_MAX_SIZE,
                    max_seconds: float | None = DEFAULT_MAX_SECONDS) -> dict[str, Any]:
    """Extract one partition into `folder/part-NNNNN.parquet`; the counts and rejections go back.

    Each document has the local engine's time budget (in a Dask worker's thread).
    """
    records: list[dict[str, Any]] = []
    rejected: list[tuple[str, str]] = []
    documents: list[tuple[str, str, int]] = []  # (doc_id, source, figures) in order: ids are checked across partitions
    for item in read_partition(partition, max_size):
        outcome = extract_or_reject(item, max_seconds)
        if isinstance(outcome, Rejected):
            rejected.append((outcome.source, outcome.reason))
            continue
        assert isinstance(item, Document)
        documents.append((item.doc_id, item.source, len(outcome)))
        records.extend(figure.to_record() for figure in outcome)
    table = pa.Table.from_pylist(records, schema=SCHEMA)
    pq.write_table(table, part_path(folder, partition.number))
    return {"partition": partition.number, "documents": documents, "figures": len(records), "rejected": rejected}


def part_path(folder: str | Path, number: int) -> Path:
    return Path(folder) / f"part-{number:05d}.parquet"


def drop_repeated_ids(summaries: list[dict[str, Any]], folder: Path) -> list[Rejected]:
    """A document whose id an earlier one of the batch already used is rejected, as the local engine does.

    Workers see only their own partition, so the ids come back with the counts and
    are checked here in input order; the repeat's figures leave its part file and
    the summary keeps only the documents that stay.
    """
    first: dict[str, str] = {}
    rejected: list[Rejected] = []
    for summary in sorted(summaries, key=lambda s: s["partition"]):
        rows: list[bool] = []
        kept: list[tuple[str, str, int]] = []
        for doc_id, source, figures in summary["documents"]:
            repeated = doc_id in first
            if repeated:
                rejected.append(Rejected(source, f"document id '{doc_id}' is already used by {first[doc_id]} in this batch"))
            else:
                first[doc_id] = source
                kept.append((doc_id, source, figures))
            rows.extend([not repeated] * figures)
        if not all(rows):
            path = part_path(folder, summary["partition"])
            pq.write_table(pq.read_table(path).filter(pa.array(rows)), path)
        summary["documents"] = kept
        summary["figures"] = sum(figures for _, _, figures in kept)
    return rejected


# --- the run ------------------------------------------------------------------


@contextlib.contextmanager
def connect(scheduler: str | None, workers: int) -> Iterator[Any]:
    """A client of the given scheduler, or of a local cluster of `workers` single-threaded processes."""
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    quiet = logging.ERROR  # a cluster's start-up and shut-down chatter is not the user's business
    logging.getLogger("distributed").setLevel(quiet)
    with LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=quiet
    ) as cluster:
        with Client(cluster) as client:
            yield client


def run_dask(
    inputs: Iterable[str | Path],
    output: str | Path,
    errors_path: str | Path | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    max_size: int = DEFAULT_MAX_SIZE,
    partition_documents: int = PARTITION_DOCUMENTS,
    max_seconds: float | None = DEFAULT_MAX_SECONDS,
) -> BatchResult:
    """Extract every input into the Parquet dataset folder `output`, rejected inputs into `errors_path`.

    Workers write into a staging folder beside `output`; it replaces `output` only
    when every partition is written, so a failed run leaves the previous dataset.
    """
    import dask.bag as db

    target = Path(output)
    errors_target = Path(errors_path) if errors_path else Path(f"{target}.errors.jsonl")
    partitions, rejected = plan_partitions(inputs, partition_documents)
    result = BatchResult(rejected=rejected)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent))
    try:
        if partitions:
            with connect(scheduler, workers):
                bag = db.from_sequence(partitions, npartitions=len(partitions))
                summaries = bag.map(write_partition, str(staging.resolve()), max_size, max_seconds).compute()
            repeats = drop_repeated_ids(summaries, staging)
            for summary in summaries:
                result.documents += len(summary["documents"])
                result.figures += summary["figures"]
                result.rejected.extend(Rejected(source, reason) for source, reason in summary["rejected"])
            result.rejected.extend(repeats)
        replace_folder(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    for item in result.rejected:
        print(f"solieu: {item.message()}", file=sys.stderr)
    write_errors(result.rejected, errors_target)
    return result


def replace_folder(new: Path, target: Path) -> None:
    """Put `new` at `target`, moving an older dataset aside first and removing it after."""
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
        target.rename(old / target.name)
        new.rename(target)
        shutil.rmtree(old)
    else:
        new.rename(target)
