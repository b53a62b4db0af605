"""Workers that die with the run, and documents that cannot hold the batch (issue 10).

A worker killed under a document (as the out-of-memory killer does) costs that
document, not the batch; a killed run leaves no worker and no temporary file;
`--workers` is capped at the cores unless `--oversubscribe`; a pathological
document is rejected when its time budget runs out, and the batch goes on.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from solieu.pipeline import parallel
from solieu.pipeline import run as run_module
from solieu.pipeline.cli import main
from solieu.pipeline.read import Rejected
from solieu.pipeline.records import Document
from solieu.pipeline.run import extract_document, over_budget, run_extract

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "corpora" / "seeds"
TRAINING = "Năm 2020, huyện tổ chức 04 lớp tập huấn cho hơn 1.000 đại biểu."
CHECKS = "Đoàn liên ngành kiểm tra 35 cơ sở kinh doanh dịch vụ, xử phạt 12 cơ sở với số tiền 135,8 triệu đồng."
KILLER = "Văn bản này làm chết tiến trình."


def upper_or_die(word: str) -> str:
    """A worker's job that kills its own process on one input, as the OOM killer would."""
    if word == "chết":
        os.kill(os.getpid(), signal.SIGKILL)
    return word.upper()


def test_a_killed_worker_costs_its_item_and_every_other_item_comes_back_in_order() -> None:
    words = ["một", "hai", "ba", "chết", "năm", "sáu", "bảy", "tám", "chín"]

    pairs = list(parallel.ordered_map(upper_or_die, words, workers=2, batch_size=2,
                                      on_death=lambda word, reason: f"({reason})"))

    assert [word for word, _ in pairs] == words
    assert dict(pairs)["chết"] == f"({parallel.WORKER_DIED})"
    assert [result for word, result in pairs if word != "chết"] == [w.upper() for w in words if w != "chết"]


def test_without_on_death_a_dead_worker_is_still_an_error() -> None:
    with pytest.raises(parallel.BrokenProcessPool):
        list(parallel.ordered_map(upper_or_die, ["một", "chết"], workers=2, batch_size=1))


def test_extract_with_a_worker_killed_under_one_document_writes_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def extract_or_die(doc: Document, *args: object) -> list:
        if doc.text == KILLER:
            os.kill(os.getpid(), signal.SIGKILL)
        return extract_document(doc, *args)

    monkeypatch.setattr(run_module, "extract_document", extract_or_die)  # forked workers inherit it
    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in [("a", TRAINING), ("b", KILLER), ("c", CHECKS)]:
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    output = tmp_path / "f.jsonl"

    status = main(["extract", str(folder), "-o", str(output), "--workers", "2", "--oversubscribe", "-q"])

    assert status == 1
    rows = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert {row["doc_id"] for row in rows} == {"a", "c"}
    assert capsys.readouterr().err == f"solieu: {folder / 'b.txt'}: {parallel.WORKER_DIED}\n"


def test_a_killed_run_leaves_no_worker_and_no_temporary_file(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for copy in range(12):
        for seed in sorted(SEEDS.glob("*.txt")):
            (corpus / f"{copy:02d}_{seed.name}").write_text(seed.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    solieu = Path(sys.executable).with_name("solieu")
    parent = subprocess.Popen(
        [str(solieu), "extract", str(corpus), "-o", str(out / "f.jsonl"), "--workers", "2", "--oversubscribe", "-q"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        workers: list[psutil.Process] = []
        deadline = time.monotonic() + 120
        while len(workers) < 2 and time.monotonic() < deadline and parent.poll() is None:
            workers = psutil.Process(parent.pid).children(recursive=True)
            time.sleep(0.2)
        assert len(workers) >= 2, "the run never started its workers"
        parent.send_signal(signal.SIGKILL)
        parent.wait()

        gone_by = time.monotonic() + 60  # workers check for their parent twice a second
        while time.monotonic() < gone_by and any(_alive(w) for w in workers):
            time.sleep(0.2)
        assert not any(_alive(w) for w in workers)
        assert list(out.iterdir()) == []  # no output and no `.part`: the unfinished file never had a name
    finally:
        if parent.poll() is None:
            parent.kill()


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_workers_are_capped_at_the_cores_unless_oversubscribed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asked: list[int] = []

    def record_workers(*args: object, workers: int, **options: object) -> run_module.BatchResult:
        asked.append(workers)
        return run_module.BatchResult()

    monkeypatch.setattr("solieu.pipeline.commands.extract.run_extract", record_workers)
    article = tmp_path / "bai.txt"
    article.write_text(TRAINING, encoding="utf-8")

    main(["extract", str(article), "-o", str(tmp_path / "f.jsonl"), "--workers", "1000"])
    main(["extract", str(article), "-o", str(tmp_path / "f.jsonl"), "--workers", "1000", "--oversubscribe"])

    cores = parallel.default_workers()
    assert asked == [cores, 1000]
    assert f"solieu: --workers 1000 capped at {cores}" in capsys.readouterr().err


def test_a_pathological_document_is_rejected_by_its_time_budget_and_the_batch_goes_on(tmp_path: Path) -> None:
    extract_document(Document("warm", "warm", TRAINING))  # models load once, outside any budget
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(TRAINING, encoding="utf-8")
    # A run of 20,000 numbers: linear now (issue 10), but still about ten seconds of work,
    # where a normal document takes a few hundredths.
    (folder / "b.txt").write_text("Có " + "1. " * 20000, encoding="utf-8")
    (folder / "c.txt").write_text(CHECKS, encoding="utf-8")
    output = tmp_path / "f.jsonl"

    result = run_extract([folder], output, workers=1, max_seconds=1)

    assert result.rejected == [Rejected(str(folder / "b.txt"), over_budget(1))]
    assert result.documents == 2
    rows = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert {row["doc_id"] for row in rows} == {"a", "c"}


def test_the_time_budget_is_an_option_of_both_batch_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from solieu.pipeline.store import IngestResult

    seen: list[float] = []

    def extract_budget(*args: object, max_seconds: float, **options: object) -> run_module.BatchResult:
        seen.append(max_seconds)
        return run_module.BatchResult()

    def ingest_budget(*args: object, max_seconds: float, **options: object) -> IngestResult:
        seen.append(max_seconds)
        return IngestResult()

    monkeypatch.setattr("solieu.pipeline.commands.extract.run_extract", extract_budget)
    monkeypatch.setattr("solieu.pipeline.commands.ingest.run_ingest", ingest_budget)
    assert main(["extract", "x.txt", "-o", str(tmp_path / "f.jsonl"), "--max-seconds", "7.5"]) == 0
    assert main(["ingest", "x.txt", "--db", str(tmp_path / "s.duckdb"), "--max-seconds", "12"]) == 0
    assert seen == [7.5, 12.0]


def upper_or_hang(word: str) -> str:
    """A job stuck where no signal reaches it (as in native code): the budget's alarm is blocked."""
    if word == "treo":
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(3600)
    return word.upper()


def test_a_worker_stuck_past_its_budget_is_stopped_from_outside_and_costs_its_item(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "HARD_GRACE", 1.0)
    words = ["một", "treo", "ba", "bốn", "năm"]

    pairs = list(parallel.ordered_map(upper_or_hang, words, workers=2, batch_size=2, item_seconds=1.0,
                                      on_death=lambda word, reason: f"({reason})"))

    assert pairs == [("một", "MỘT"), ("treo", f"({parallel.WORKER_STOPPED})"),
                     ("ba", "BA"), ("bốn", "BỐN"), ("năm", "NĂM")]


def test_the_time_budget_also_holds_in_a_thread_that_is_not_the_main_one() -> None:
    """Dask runs extraction in worker threads, where no timer signal can be used."""
    import threading

    from solieu.pipeline.run import TimeBudgetExceeded, time_budget

    outcome: list[str] = []

    def spin() -> None:
        try:
            with time_budget(0.5):
                while True:
                    sum(range(1000))
        except TimeBudgetExceeded:
            outcome.append("stopped")
        with time_budget(5):
            outcome.append("a later block is not interrupted")

    worker = threading.Thread(target=spin)
    worker.start()
    worker.join(60)
    assert outcome == ["stopped", "a later block is not interrupted"]


def test_a_budget_swallowed_where_python_drops_exceptions_fires_again() -> None:
    """An alarm landing in a garbage-collector callback is dropped by Python; the budget must still end the block."""
    from solieu.pipeline.run import TimeBudgetExceeded, time_budget

    swallowed: list[bool] = []
    with pytest.raises(TimeBudgetExceeded):
        with time_budget(0.05):
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                if not swallowed:
                    try:
                        time.sleep(0.5)  # the first alarm lands here and is lost, as in a gc callback
                    except TimeBudgetExceeded:
                        swallowed.append(True)
                time.sleep(0.001)
    assert swallowed
