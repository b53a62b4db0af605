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
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.read import JSONL_SUFFIXES, TEXT_SUFFIXES, Rejected, document_from_json, read_text_file
from pipeline.records import FIGURE_FIELDS, Document, Figure
from pipeline.run import BatchResult, extract_or_reject, write_errors

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
    """A file as the user named it (for `source`) and where a worker opens it."""

    shown: str
    location: str


@dataclass(frozen=True)
class Partition:
    """What one worker reads by itself: whole text files, or `lines` lines of a JSON Lines file."""

    number: int
    texts: tuple[InputFile, ...] = ()
    jsonl: InputFile | None = None
    first_line: int = 1
    offset: int = 0
    lines: int = 0


# --- planning, on the client -------------------------------------------------


def input_files(inputs: Iterable[str | Path]) -> Iterator[InputFile | Rejected]:
    """The files `solieu extract` would read, in the same order (folders walked sorted)."""
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                if child.suffix.lower() in TEXT_SUFFIXES | JSONL_SUFFIXES:
                    yield InputFile(str(child), str(child.resolve()))
        elif path.exists():
            yield InputFile(str(path), str(path.resolve()))
        else:
            yield Rejected(str(path), "no such file or folder")


def plan_partitions(inputs: Iterable[str | Path], size: int = PARTITION_DOCUMENTS) -> tuple[list[Partition], list[Rejected]]:
    """Partitions of at most `size` documents each, in input order, and the inputs that do not exist."""
    partitions: list[Partition] = []
    rejected: list[Rejected] = []
    texts: list[InputFile] = []

    def flush_texts() -> None:
        if texts:
            partitions.append(Partition(len(partitions), texts=tuple(texts)))
            texts.clear()

    for item in input_files(inputs):
        if isinstance(item, Rejected):
            rejected.append(item)
        elif Path(item.location).suffix.lower() in JSONL_SUFFIXES:
            flush_texts()
            for first_line, offset, lines in line_runs(Path(item.location), size):
                partitions.append(Partition(len(partitions), jsonl=item, first_line=first_line, offset=offset, lines=lines))
        else:
            texts.append(item)
            if len(texts) == size:
                flush_texts()
    flush_texts()
    return partitions, rejected


def line_runs(path: Path, size: int) -> Iterator[tuple[int, int, int]]:
    """(first line number, byte offset, line count) of each run of `size` lines of a file."""
    try:
        handle = path.open("rb")
    except OSError:  # the worker meets the same error and reports it
        yield 1, 0, 1
        return
    with handle:
        first, offset, count, position = 1, 0, 0, 0
        for count, line in enumerate(handle, start=1):
            position += len(line)
            if count - first + 1 == size:
                yield first, offset, size
                first, offset = count + 1, position
        if count >= first:
            yield first, offset, count - first + 1


# --- extraction, on a worker -------------------------------------------------


def read_partition(partition: Partition) -> Iterator[Document | Rejected]:
    """The partition's documents, read on the worker, with sources as the user named them."""
    for text in partition.texts:
        yield shown_as(read_text_file(Path(text.location)), text)
    if partition.jsonl is not None:
        yield from read_lines(partition)


def shown_as(item: Document | Rejected, file: InputFile) -> Document | Rejected:
    if isinstance(item, Rejected):
        return Rejected(file.shown, item.reason)
    return dataclasses.replace(item, source=file.shown)


def read_lines(partition: Partition) -> Iterator[Document | Rejected]:
    file = partition.jsonl
    assert file is not None
    try:
        handle = open(file.location, "rb")
    except OSError as error:
        yield Rejected(file.shown, f"cannot be read ({error.strerror})")
        return
    with handle:
        handle.seek(partition.offset)
        for number in range(partition.first_line, partition.first_line + partition.lines):
            raw = handle.readline()
            where = f"{file.shown}:{number}"
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as error:
                yield Rejected(where, f"not UTF-8 text ({error.reason})")
                continue
            if line.strip():
                yield document_from_json(line, where, file.shown)


def write_partition(partition: Partition, folder: str) -> dict[str, Any]:
    """Extract one partition into `folder/part-NNNNN.parquet`; the counts and rejections go back."""
    records: list[dict[str, Any]] = []
    rejected: list[tuple[str, str]] = []
    documents = 0
    for item in read_partition(partition):
        outcome = extract_or_reject(item)
        if isinstance(outcome, Rejected):
            rejected.append((outcome.source, outcome.reason))
            continue
        documents += 1
        records.extend(figure.to_record() for figure in outcome)
    table = pa.Table.from_pylist(records, schema=SCHEMA)
    pq.write_table(table, Path(folder) / f"part-{partition.number:05d}.parquet")
    return {"documents": documents, "figures": len(records), "rejected": rejected}


# --- the run ------------------------------------------------------------------


@contextlib.contextmanager
def connect(scheduler: str | None, workers: int) -> Iterator[Any]:
    """A client of the given scheduler, or of a local cluster of `workers` single-threaded processes."""
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            yield client


def run_dask(
    inputs: Iterable[str | Path],
    output: str | Path,
    errors_path: str | Path | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    partition_documents: int = PARTITION_DOCUMENTS,
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
                summaries = bag.map(write_partition, str(staging.resolve())).compute()
            for summary in summaries:
                result.documents += summary["documents"]
                result.figures += summary["figures"]
                result.rejected.extend(Rejected(source, reason) for source, reason in summary["rejected"])
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
