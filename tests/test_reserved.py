"""No document under corpora/ is one the sealed evaluation keeps from the project.

`../shared/gold/reserved.py` knows the reserved articles only by hashes of their
addresses and of their 8-word sequences; every text the project holds (each JSON
line with a `text`, each `.txt` file) is put to it with its address, when it has one.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT / "corpora"
RESERVED = ROOT.parent / "shared" / "gold" / "reserved.py"


def reserved_check():
    if not RESERVED.is_file():
        pytest.skip(f"{RESERVED} is absent: the reserved articles can only be checked beside ../shared")
    spec = importlib.util.spec_from_file_location("reserved", RESERVED)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.is_reserved


def corpus_texts() -> Iterator[tuple[str, str | None, str]]:
    """(where, address or None, text) of every document the project holds."""
    for path in sorted(CORPORA.rglob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            record = json.loads(line) if line.strip() else None
            if isinstance(record, dict) and isinstance(record.get("text"), str):
                source = record.get("source") or record.get("url")
                yield f"{path.relative_to(ROOT)}:{number}", source if isinstance(source, str) else None, record["text"]
    for path in sorted(CORPORA.rglob("*.txt")):
        yield str(path.relative_to(ROOT)), None, path.read_text(encoding="utf-8-sig")


def test_the_corpus_holds_texts_to_check():
    assert sum(1 for _ in corpus_texts()) > 100


def test_no_document_of_the_corpora_is_reserved():
    is_reserved = reserved_check()
    found = [f"{where}: {reason}" for where, url, text in corpus_texts() if (reason := is_reserved(url, text))]
    assert found == []
