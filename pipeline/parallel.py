"""An ordered map over a process pool, with a bounded number of batches in flight.

Extraction is CPU-bound Python, so threads do not help; a pool of processes does.
Each worker process is long-lived, so the models and lexicons it loads on first
use (module-level caches) are loaded once per process, not once per document.
Results come back in input order, whatever order the workers finish in, so N
workers write exactly the file one worker writes. At most `in_flight` batches
are queued at a time: the reader never runs ahead of the writer, and memory
stays flat however large the corpus is.

A worker can die under a document (the out-of-memory killer, a crash in native
code). The pool is then broken and every batch in it lost; the batches are
re-run one document at a time in a fresh pool, so the document that kills its
worker again costs itself only (`on_death` says what it becomes) and the others
are extracted. Workers watch their parent and exit when it is gone, so a killed
run leaves no orphaned process behind.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

BATCH_SIZE = 4  # documents per task: enough to hide the pickling round trip, small enough that the last ones balance
# Batches queued per worker. Results are taken in input order, so new work is sent only when the
# oldest batch is done: with two per worker, a worker that finished its own batches sat idle behind
# a long one of the other's. Four keep it busy; memory still holds only a few dozen documents.
IN_FLIGHT_PER_WORKER = 4
PARENT_CHECK_SECONDS = 0.5  # how soon a worker notices that the run that started it is gone
WORKER_DIED = "the worker process extracting it died (killed, or out of memory)"
WORKER_STOPPED = "extraction did not end within its time budget (stuck outside Python?): its worker process was stopped"
# Seconds past the items' own budgets before a worker is stopped from outside. The
# budget inside a worker interrupts Python code; this catches what a signal cannot
# interrupt (a regular expression or other native code running for ever).
HARD_GRACE = 30.0


def default_workers() -> int:
    """The cores this process may use (a container's CPU set, not the host's count)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def capped_workers(requested: int, oversubscribe: bool = False) -> int:
    """`requested`, but no more than the cores unless asked: extraction is CPU-bound, so
    processes beyond the cores only add memory (a loaded worker holds ~300 MB) and switching."""
    return requested if oversubscribe else max(1, min(requested, default_workers()))


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
    on_death: Callable[[Item, str], Result] | None = None,
    item_seconds: float | None = None,
) -> Iterator[tuple[Item, Result]]:
    """Each item with `func(item)`, in input order; `func` must be a module-level function.

    The item itself stays in this process (only the result travels back), and with
    one worker nothing is spawned at all, so the single-worker path is the plain loop.
    With `on_death`, an item whose worker process dies gets `on_death(item, reason)`
    as its result; without it, the pool's BrokenProcessPool is raised. With
    `item_seconds`, a batch still running `item_seconds` per item plus HARD_GRACE
    after it became the oldest has its workers stopped, which counts as a death.
    """
    if workers <= 1:
        for item in items:
            yield item, func(item)
        return
    limit = in_flight or workers * IN_FLIGHT_PER_WORKER
    iterator = iter(items)
    pending: deque[tuple[list[Item], Future[list[Result]]]] = deque()
    pool = new_pool(workers)
    try:
        while True:
            while len(pending) < limit and (batch := list(islice(iterator, batch_size))):
                pending.append((batch, pool.submit(apply_batch, func, batch)))
            if not pending:
                return
            batch, future = pending.popleft()
            try:
                results = wait(future, pool, _limit(item_seconds, len(batch)))
            except BrokenProcessPool:
                if on_death is None:
                    raise
                lost = [item for part in [batch, *(b for b, _ in pending)] for item in part]
                pending.clear()
                pool.shutdown(wait=True, cancel_futures=True)
                pool = new_pool(workers)
                for item in lost:
                    result, pool = one_at_a_time(func, item, pool, workers, on_death, item_seconds)
                    yield item, result
                continue
            yield from zip(batch, results)
    finally:
        # An abandoned or failed run must not leave queued work behind it.
        pool.shutdown(wait=True, cancel_futures=True)


def one_at_a_time(
    func: Callable[[Item], Result],
    item: Item,
    pool: ProcessPoolExecutor,
    workers: int,
    on_death: Callable[[Item, str], Result],
    item_seconds: float | None = None,
) -> tuple[Result, ProcessPoolExecutor]:
    """One item alone in the pool: if its worker dies now, it was this item (and a fresh pool follows)."""
    future = pool.submit(apply_batch, func, [item])
    try:
        return wait(future, pool, _limit(item_seconds, 1))[0], pool
    except BrokenProcessPool:
        pool.shutdown(wait=True, cancel_futures=True)
        reason = WORKER_STOPPED if getattr(future, "stopped", False) else WORKER_DIED
        return on_death(item, reason), new_pool(workers)


def _limit(item_seconds: float | None, items: int) -> float | None:
    return None if item_seconds is None else item_seconds * items + HARD_GRACE


def wait(future: Future[list[Result]], pool: ProcessPoolExecutor, timeout: float | None) -> list[Result]:
    """The future's results; past `timeout`, the pool's workers are stopped and BrokenProcessPool raised."""
    try:
        return future.result(timeout=timeout)
    except FutureTimeout:
        future.stopped = True  # type: ignore[attr-defined]  # read by one_at_a_time for the reason
        stop_workers(pool)
        return future.result()  # the pool notices its dead workers and fails the future


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's worker processes (the pool then breaks, and is replaced by the caller).

    The executor has no public way to stop a running task; its process table is
    the only handle on a worker stuck in native code.
    """
    for process in list(getattr(pool, "_processes", {}).values()):
        with contextlib.suppress(OSError):
            process.kill()


def new_pool(workers: int) -> ProcessPoolExecutor:
    """Workers forked where the platform can: they start with what this process already loaded."""
    context = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=exit_with_parent,
                               initargs=(os.getpid(),))


def exit_with_parent(parent: int) -> None:
    """Run in each worker at start: end this process as soon as the run that started it is gone.

    A killed parent cannot shut its pool down; without this its workers (hundreds
    of MB each, models loaded) would live on, waiting for work that never comes.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="solieu-parent-watch", daemon=True).start()
