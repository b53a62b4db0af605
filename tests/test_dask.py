"""`--engine dask`: the same records and rejections as the local run, written as partitioned Parquet.

Most tests run the engine without a scheduler address on one worker (Dask's
synchronous scheduler, in this process) or two (Dask's process-pool scheduler),
with blocks small enough that every JSON Lines file is cut into several. The
cluster path is tested as a user would take it: a `distributed.LocalCluster`
started here, its address given to `solieu extract --scheduler`.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from solieu.pipeline import dask_engine
from solieu.pipeline.cli import main
from solieu.pipeline.dask_engine import SCHEMA, group_inputs, plan_partitions, replace_folder, run_dask
from solieu.pipeline.records import FIGURE_FIELDS
from solieu.pipeline.run import BatchResult, run_extract, time_budget

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "corpora" / "sample"
SEEDS = ROOT / "corpora" / "seeds"


def corpus() -> Path:
    """The sample corpus, or the seeds while the sample is still empty."""
    has_sample = SAMPLE.is_dir() and any(p.suffix in {".txt", ".jsonl"} for p in SAMPLE.rglob("*"))
    return SAMPLE if has_sample else SEEDS


def line(doc_id: str | None, text: str) -> str:
    return json.dumps({"text": text} if doc_id is None else {"id": doc_id, "text": text}, ensure_ascii=False)


@pytest.fixture()
def mixed_inputs(tmp_path: Path) -> list[str]:
    """Text files, a JSON Lines file with every kind of bad line, and a missing file, as a user might pass them."""
    folder = tmp_path / "bao"
    folder.mkdir()
    for number in range(3):
        (folder / f"bai-{number}.txt").write_text(f"Tổ chức {number + 4} lớp tập huấn.", encoding="utf-8")
    lines = [
        "\ufeff" + line("a", "100% xã, phường, thị trấn tổ chức tuyên truyền."),  # a byte-order mark first
        "",
        "{không phải JSON",
        line("b", "Kiểm tra 51/56 xã phường."),
        line("a", "Hơn 1.000 đại biểu tham dự."),  # repeats line 1's id
        line("bai-1", "Có 7 xã đạt chuẩn."),  # repeats the id of a text file
        '{"id": "d", "text": "12 h\\ud800\\u1ed9 d\\u00e2n"}',  # a lone surrogate: a notice, not a rejection
        line("e", "Kiểm tra " + "rất kỹ " * 60 + "35 cơ sở."),  # over the size limit of the tests
        line(None, "Xử phạt 12 cơ sở, thu 40 triệu đồng."),
    ]
    archive = tmp_path / "luu-tru.jsonl"
    archive.write_bytes(("\n".join(lines) + "\n").encode("utf-8") + b'{"id": "f", "text": "caf\xe9 12 x\xe3"}\n')
    return [str(folder), str(archive), str(tmp_path / "khong-co.txt")]


def records_of(path: Path) -> list[dict]:
    """Records of a JSON Lines file or a Parquet dataset folder, in one order."""
    if path.is_dir():
        rows = pq.read_table(path).to_pylist()
    else:
        rows = [json.loads(text) for text in path.read_text(encoding="utf-8").splitlines()]
    return sorted(rows, key=lambda record: (record["doc_id"], record["start"]))


def same_outcome(local: BatchResult, remote: BatchResult) -> None:
    assert (remote.documents, remote.figures) == (local.documents, local.figures)
    assert remote.rejected == local.rejected  # same sources, reasons and order


def test_blocks_read_by_dask_give_the_local_reader_s_documents_and_rejections(mixed_inputs: list[str], tmp_path: Path) -> None:
    local = run_extract(mixed_inputs, tmp_path / "local.jsonl", max_size=300)
    remote = run_dask(mixed_inputs, tmp_path / "figures", max_size=300, blocksize=64, files_per_partition=2)

    same_outcome(local, remote)
    assert [r.source.rsplit("/", 1)[-1] for r in remote.rejected] == [
        "luu-tru.jsonl:3", "luu-tru.jsonl:5", "luu-tru.jsonl", "luu-tru.jsonl:8", "luu-tru.jsonl:10", "khong-co.txt",
    ]
    assert len(list((tmp_path / "figures").iterdir())) > 4, "the archive must be cut into several blocks"
    assert records_of(tmp_path / "figures") == records_of(tmp_path / "local.jsonl")


def test_a_json_lines_file_is_cut_by_dask_into_blocks_of_whole_lines(tmp_path: Path) -> None:
    archive = tmp_path / "a.jsonl"
    archive.write_text("".join(line(f"bai-{n}", f"Có {n} xã.") + "\n" for n in range(40)), encoding="utf-8")
    plan = plan_partitions(group_inputs([archive]), blocksize=200)

    import dask

    blocks = dask.compute(*plan.bag.to_delayed(), scheduler="sync")
    assert len(blocks) == len(plan.partitions) > 5
    assert [p.block for p in plan.partitions] == list(range(len(blocks)))
    assert "".join(text for block in blocks for text in block) == archive.read_text(encoding="utf-8")
    assert all(text.endswith("\n") for block in blocks for text in block)


def test_reader_notices_are_said_with_the_line_s_real_number(mixed_inputs: list[str], tmp_path: Path,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING", logger="solieu"):
        run_dask(mixed_inputs, tmp_path / "figures", max_size=300, blocksize=64)
    said = [record.getMessage() for record in caplog.records if record.name == "solieu"]
    assert [message.rsplit("/", 1)[-1] for message in said] == [
        "luu-tru.jsonl:7: 1 lone surrogate escape(s) in 'text' replaced by U+FFFD"
    ]


def test_a_repeated_id_is_rejected_across_partitions_as_the_local_engine_rejects_it(tmp_path: Path) -> None:
    """Workers see one partition each; the run still refuses a second document with an id already used."""
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text(line("bai-1", "Năm 2020, huyện tổ chức 04 lớp tập huấn cho 120 cán bộ.") + "\n"
                     + line("bai-2", "Có 9 xã.") + "\n" + line("bai-2", "Xử phạt 17 cơ sở.") + "\n", encoding="utf-8")
    second.write_text(line("bai-1", "Đoàn kiểm tra 35 cơ sở, xử phạt 12 cơ sở.") + "\n", encoding="utf-8")
    inputs = [str(first), str(second)]
    local = run_extract(inputs, tmp_path / "local.jsonl")
    remote = run_dask(inputs, tmp_path / "figures", blocksize=16)

    assert [r.reason for r in local.rejected] == [
        "id 'bai-2' repeats the id of line 2", f"document id 'bai-1' is already used by {first} in this batch",
    ]
    same_outcome(local, remote)
    assert records_of(tmp_path / "figures") == records_of(tmp_path / "local.jsonl")
    texts = {row["text"] for row in pq.read_table(tmp_path / "figures").to_pylist()}
    assert {"04", "120"} <= texts and not texts & {"17", "35", "12"}  # the repeats' figures are gone


def test_two_local_worker_processes_give_the_local_run_s_records(tmp_path: Path) -> None:
    """No scheduler address: Dask's process-pool scheduler over `--workers` processes (what the bench measures)."""
    inputs = [str(corpus())]
    local = run_extract(inputs, tmp_path / "local.jsonl", workers=2)
    remote = run_dask(inputs, tmp_path / "figures", workers=2)
    same_outcome(local, remote)
    table = pq.read_table(tmp_path / "figures")
    assert table.schema.names == list(FIGURE_FIELDS) and table.schema.equals(SCHEMA)
    assert records_of(tmp_path / "local.jsonl"), "the corpus must hold figures for this comparison to mean anything"
    assert records_of(tmp_path / "figures") == records_of(tmp_path / "local.jsonl")


def test_a_cluster_is_used_through_its_scheduler_address_as_a_user_gives_it(tmp_path: Path,
                                                                             capsys: pytest.CaptureFixture) -> None:
    """What docs/scale.md tells a user to do, with a LocalCluster standing in for the real one."""
    distributed = pytest.importorskip("distributed")
    inputs = [str(corpus())]
    local = run_extract(inputs, tmp_path / "local.jsonl")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        status = main(["extract", *inputs, "-o", str(tmp_path / "figures"), "--engine", "dask",
                       "--scheduler", cluster.scheduler_address])

    assert status == (1 if local.rejected else 0)
    summary = capsys.readouterr().err.strip().splitlines()[-1]
    assert summary == f"solieu: {local.documents} documents, {local.figures} figures, " \
                      f"{len(local.rejected)} rejected → {tmp_path / 'figures'}"
    parts = sorted(p.name for p in (tmp_path / "figures").iterdir())
    assert len(parts) > 1 and all(name.endswith(".parquet") for name in parts)
    assert records_of(tmp_path / "figures") == records_of(tmp_path / "local.jsonl")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_no_scheduler_at_the_address_costs_one_line_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dask_engine, "SCHEDULER_TIMEOUT", "1s")
    article = tmp_path / "bai.txt"
    article.write_text("Tổ chức 4 lớp tập huấn.", encoding="utf-8")
    address = f"tcp://127.0.0.1:{free_port()}"

    status = main(["extract", str(article), "-o", str(tmp_path / "figures"), "--engine", "dask", "--scheduler", address])

    assert status == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"solieu: {address}: no Dask scheduler answers there")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bai.txt"]


def test_a_failed_run_leaves_the_previous_dataset_and_no_staging_folder(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    article = tmp_path / "bai.txt"
    article.write_text("Tổ chức 4 lớp tập huấn.", encoding="utf-8")
    target = tmp_path / "figures"
    target.mkdir()
    (target / "part-00000.parquet").write_bytes(b"previous")

    def broken(*args: object) -> None:
        raise OSError(28, "No space left on device", "part-00000.parquet")

    monkeypatch.setattr(dask_engine, "arrow_table", broken)
    with pytest.raises(OSError):
        run_dask([article], target)

    assert (target / "part-00000.parquet").read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bai.txt", "figures"]


def test_only_missing_inputs_start_no_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_cluster(*args: object) -> None:
        raise AssertionError("a run without a file to read must not start or reach a cluster")

    monkeypatch.setattr(dask_engine, "connect", no_cluster)
    result = run_dask([tmp_path / "khong-co.txt"], tmp_path / "figures", scheduler="tcp://nowhere:8786")
    assert [r.reason for r in result.rejected] == ["no such file or folder"]
    assert list((tmp_path / "figures").iterdir()) == []


def test_a_new_dataset_replaces_the_old_one_whole(tmp_path: Path) -> None:
    target, new = tmp_path / "figures", tmp_path / "staging"
    target.mkdir()
    (target / "part-00007.parquet").write_bytes(b"old")
    new.mkdir()
    (new / "part-00000.parquet").write_bytes(b"new")
    replace_folder(new, target)
    assert [p.name for p in target.iterdir()] == ["part-00000.parquet"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figures"]


def test_the_time_budget_of_a_worker_thread_starts_no_thread_per_document(monkeypatch: pytest.MonkeyPatch) -> None:
    """Distributed workers extract in threads; a timer thread per document cost about a millisecond each."""
    started: list[str] = []
    real_start = threading.Thread.start

    def counted(thread: threading.Thread) -> None:
        started.append(thread.name)
        real_start(thread)

    def documents() -> None:
        for _ in range(50):
            with time_budget(60):
                sum(range(100))

    monkeypatch.setattr(threading.Thread, "start", counted)
    worker = threading.Thread(target=documents, name="worker")
    worker.start()
    worker.join(30)
    assert len([name for name in started if name != "worker"]) <= 1  # the watchdog, once per process


def dies_once(items: object, partition: object, folder: str, *args: object) -> object:
    """The partition's work, in a worker that is killed (SIGKILL) the first time any partition runs."""
    marker = Path(folder).parent / "killed-once"
    try:
        marker.touch(exist_ok=False)
    except FileExistsError:
        return dask_engine_extract(items, partition, folder, *args)
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable")


dask_engine_extract = dask_engine.extract_partition


def test_a_lost_worker_costs_a_retry_not_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inputs = [str(corpus())]
    local = run_extract(inputs, tmp_path / "local.jsonl", workers=1)
    monkeypatch.setattr(dask_engine, "extract_partition", dies_once)

    result = run_dask(inputs, tmp_path / "figures", workers=2)

    assert (tmp_path / "killed-once").exists(), "no worker was killed: the test proves nothing"
    same_outcome(local, result)
    assert records_of(tmp_path / "figures") == records_of(tmp_path / "local.jsonl")


def test_a_killed_run_s_staging_folders_are_removed_by_the_next_run(tmp_path: Path) -> None:
    article = tmp_path / "bai.txt"
    article.write_text("Tổ chức 4 lớp tập huấn.", encoding="utf-8")
    gone = 2 ** 22 + 1  # above the largest process id Linux gives: no process runs there, as a killed run's
    for suffix in ("part", "old"):
        (tmp_path / f".figures.{gone}.abc123.{suffix}" / "figures").mkdir(parents=True)
    mine = tmp_path / f".figures.{os.getpid()}.xyz789.part"  # a run still alive keeps its own
    mine.mkdir()

    run_dask([article], tmp_path / "figures")

    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["bai.txt", "figures", mine.name])
