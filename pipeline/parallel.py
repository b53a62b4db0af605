"""An ordered map over a process pool, with a bounded number of batches in flight.

Extraction is CPU-bound Python, so threads do not help; a pool of processes does.
Each worker process is long-lived, so the models and lexicons it loads on first
use (module-level caches) are loaded once per process, not once per document.
Results come back in input order, whatever order the workers finish in, so N
workers write exactly the file one worker writes. At most `in_flight` batches
are queued at a time: the reader never runs ahead of the writer, and memory
stays flat however large the corpus is.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

BATCH_SIZE = 8  # documents per task: enough to hide the pickling round trip, small enough to balance
IN_FLIGHT_PER_WORKER = 2  # one batch being processed, one waiting, per worker


def default_workers() -> int:
    """The cores this process may use (a container's CPU set, not the host's count)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def batched(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def apply_batch(func: Callable[[Item], Result], batch: list[Item]) -> list[Result]:
    """What a worker runs: one task, one batch, results in the batch's order."""
    return [func(item) for item in batch]


def ordered_map(
    func: Callable[[Item], Result],
    items: Iterable[Item],
    workers: int = 1,
    batch_size: int = BATCH_SIZE,
    in_flight: int | None = None,
) -> Iterator[tuple[Item, Result]]:
    """Each item with `func(item)`, in input order; `func` must be a module-level function.

    The item itself stays in this process (only the result travels back), and with
    one worker nothing is spawned at all, so the single-worker path is the plain loop.
    """
    if workers <= 1:
        for item in items:
            yield item, func(item)
        return
    limit = in_flight or workers * IN_FLIGHT_PER_WORKER
    pending: deque[tuple[list[Item], Future[list[Result]]]] = deque()
    pool = ProcessPoolExecutor(max_workers=workers)
    try:
        for batch in batched(items, batch_size):
            pending.append((batch, pool.submit(apply_batch, func, batch)))
            if len(pending) >= limit:
                yield from oldest(pending)
        while pending:
            yield from oldest(pending)
    finally:
        # An abandoned or failed run must not leave queued work behind it.
        pool.shutdown(wait=True, cancel_futures=True)


def oldest(pending: deque[tuple[list[Item], Future[list[Result]]]]) -> Iterator[tuple[Item, Result]]:
    batch, future = pending.popleft()
    yield from zip(batch, future.result())
