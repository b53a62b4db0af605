"""`--workers N`: the same output as one worker, in the same order, with bounded memory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from solieu.pipeline import parallel
from solieu.pipeline.cli import main
from solieu.pipeline.read import Rejected, read_inputs
from solieu.pipeline.records import Document

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "corpora" / "seeds"


def test_results_come_back_in_input_order_whatever_the_batches() -> None:
    words = [f"xã {number}" * (number % 7 + 1) for number in range(41)]
    pairs = list(parallel.ordered_map(str.upper, words, workers=2, batch_size=3, in_flight=2))
    assert pairs == [(word, word.upper()) for word in words]


def test_one_worker_is_the_plain_loop() -> None:
    assert list(parallel.ordered_map(len, ["100%", "51/56"], workers=1)) == [("100%", 4), ("51/56", 5)]


def test_the_reader_never_runs_more_than_the_batches_in_flight_ahead() -> None:
    consumed = 0

    def documents():  # type: ignore[no-untyped-def]
        nonlocal consumed
        for number in range(200):
            consumed += 1
            yield f"Tổ chức {number} lớp tập huấn"

    results = parallel.ordered_map(len, documents(), workers=2, batch_size=4, in_flight=3)
    next(results)
    assert consumed <= 3 * 4
    assert sum(1 for _ in results) == 199


def test_batches_cut_a_stream_without_losing_its_tail() -> None:
    assert list(parallel.batched(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]


def test_default_workers_is_every_core_this_process_may_use() -> None:
    assert parallel.default_workers() >= 1


def test_a_rejected_input_keeps_its_place_among_the_documents() -> None:
    from solieu.pipeline.run import process

    items: list[Document | Rejected] = list(read_inputs([SEEDS, ROOT / "no-such-folder"]))
    items.insert(2, Rejected("broken.txt", "not UTF-8 text"))
    one = list(process(items, workers=1))
    two = list(process(items, workers=2))
    assert [item for item, _ in two] == [item for item, _ in one] == items
    assert [found for _, found in two] == [found for _, found in one]
    assert isinstance(two[2][0], Rejected) and two[2][1] == []


def test_two_workers_write_exactly_the_file_one_worker_writes(tmp_path: Path) -> None:
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert main(["extract", str(SEEDS), "-o", str(one), "--workers", "1"]) == 0
    assert main(["extract", str(SEEDS), "-o", str(two), "--workers", "2"]) == 0
    assert two.read_bytes() == one.read_bytes()
    records = [json.loads(line) for line in one.read_text(encoding="utf-8").splitlines()]
    assert [record["doc_id"] for record in records] == sorted(record["doc_id"] for record in records)


@pytest.mark.parametrize("workers", ["0", "-2", "all"])
def test_workers_must_be_a_positive_whole_number(workers: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["extract", str(SEEDS), "-o", str(tmp_path / "out.jsonl"), "--workers", workers])
    assert stop.value.code == 2
    assert "--workers" in capsys.readouterr().err
