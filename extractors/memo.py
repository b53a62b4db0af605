"""Answers shared by the figures of one document, forgotten when the next document starts.

Every figure of a sentence asks the same questions of it (does it mention an
activity, a province, a goal cue); each is answered once. The memory is per
document, not per process: a cache that outlived the document would make a
corpus of repeated texts look faster than the same text met once, which is
what a benchmark of replicated documents would then measure.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_MEMOS: list[Any] = []


def per_document(function: F) -> F:
    """Remember `function`'s answers until `new_document()`."""
    memo = lru_cache(maxsize=None)(function)
    _MEMOS.append(memo)
    return memo  # type: ignore[return-value]


def new_document() -> None:
    """Forget every answer: called by the pipeline before each document."""
    for memo in _MEMOS:
        memo.cache_clear()
