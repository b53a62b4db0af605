"""`--engine dask`: the same records as the local run, written as partitioned Parquet."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from solieu.pipeline.dask_engine import SCHEMA, plan_partitions, read_partition, replace_folder, run_dask
from solieu.pipeline.read import read_inputs
from solieu.pipeline.records import FIGURE_FIELDS
from solieu.pipeline.run import run_extract

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "corpora" / "sample"
SEEDS = ROOT / "corpora" / "seeds"


def corpus() -> Path:
    """The sample corpus, or the seeds while the sample is still empty."""
    has_sample = SAMPLE.is_dir() and any(p.suffix in {".txt", ".jsonl"} for p in SAMPLE.rglob("*"))
    return SAMPLE if has_sample else SEEDS


@pytest.fixture()
def mixed_inputs(tmp_path: Path) -> list[str]:
    """Text files and a JSON Lines file with a blank line and a broken line, as a user might pass them."""
    folder = tmp_path / "bao"
    folder.mkdir()
    for number in range(3):
        (folder / f"bai-{number}.txt").write_text(f"Tổ chức {number + 4} lớp tập huấn.", encoding="utf-8")
    lines = [
        json.dumps({"id": "a", "text": "100% xã, phường, thị trấn tổ chức tuyên truyền."}, ensure_ascii=False),
        "",
        "{không phải JSON",
        json.dumps({"id": "b", "text": "Kiểm tra 51/56 xã phường."}, ensure_ascii=False),
        json.dumps({"id": "c", "text": "Hơn 1.000 đại biểu tham dự."}, ensure_ascii=False),
    ]
    archive = tmp_path / "luu-tru.jsonl"
    archive.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [str(folder), str(archive), str(tmp_path / "khong-co.txt")]


def test_partitions_read_on_the_workers_give_the_local_reader_s_documents(mixed_inputs: list[str]) -> None:
    partitions, rejected = plan_partitions(mixed_inputs, size=2)
    read: Iterator = (item for partition in partitions for item in read_partition(partition))
    local = list(read_inputs(mixed_inputs))
    assert [*read, *rejected] == local
    assert len(partitions) == 5  # 2 + 1 text files, then lines 1-2, 3-4 and 5 of the archive


def test_a_broken_json_line_is_named_by_its_line_number(mixed_inputs: list[str]) -> None:
    partitions, _ = plan_partitions(mixed_inputs, size=2)
    sources = [item.source for partition in partitions for item in read_partition(partition)]
    assert sources[4].endswith("luu-tru.jsonl:3")


def test_a_new_dataset_replaces_the_old_one_whole(tmp_path: Path) -> None:
    target, new = tmp_path / "figures", tmp_path / "staging"
    target.mkdir()
    (target / "part-00007.parquet").write_bytes(b"old")
    new.mkdir()
    (new / "part-00000.parquet").write_bytes(b"new")
    replace_folder(new, target)
    assert [p.name for p in target.iterdir()] == ["part-00000.parquet"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figures"]


def test_the_dask_run_gives_the_local_run_s_figures(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    inputs = [str(corpus())]
    local = run_extract(inputs, tmp_path / "local.jsonl")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        remote = run_dask(inputs, tmp_path / "figures", scheduler=cluster.scheduler_address, partition_documents=2)

    assert (remote.documents, remote.figures, remote.rejected) == (local.documents, local.figures, local.rejected)
    parts = sorted(p.name for p in (tmp_path / "figures").iterdir())
    assert len(parts) > 1 and all(name.endswith(".parquet") for name in parts)
    table = pq.read_table(tmp_path / "figures")
    assert table.schema.names == list(FIGURE_FIELDS) and table.schema.equals(SCHEMA)

    def in_order(records: list[dict]) -> list[dict]:
        return sorted(records, key=lambda record: (record["doc_id"], record["start"]))

    expected = [json.loads(line) for line in (tmp_path / "local.jsonl").read_text(encoding="utf-8").splitlines()]
    assert expected, "the corpus must hold figures for this comparison to mean anything"
    assert in_order(table.to_pylist()) == in_order(expected)


def test_a_repeated_id_is_rejected_across_partitions_as_the_local_engine_rejects_it(tmp_path: Path) -> None:
    """Workers see one partition each; the run still refuses a second document with an id already used."""
    distributed = pytest.importorskip("distributed")
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text(json.dumps({"id": "bai-1", "text": "Năm 2020, huyện tổ chức 04 lớp tập huấn cho 120 cán bộ."},
                                ensure_ascii=False) + "\n", encoding="utf-8")
    second.write_text(json.dumps({"id": "bai-1", "text": "Đoàn kiểm tra 35 cơ sở, xử phạt 12 cơ sở."},
                                 ensure_ascii=False) + "\n", encoding="utf-8")
    inputs = [str(first), str(second)]
    local = run_extract(inputs, tmp_path / "local.jsonl")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        remote = run_dask(inputs, tmp_path / "figures", scheduler=cluster.scheduler_address, partition_documents=1)
    assert len(local.rejected) == 1 and "already used" in local.rejected[0].reason
    assert (remote.documents, remote.figures) == (local.documents, local.figures)
    assert [r.reason for r in remote.rejected] == [r.reason for r in local.rejected]
    texts = sorted(row["text"] for row in pq.read_table(tmp_path / "figures").to_pylist())
    expected = sorted(json.loads(line)["text"] for line in (tmp_path / "local.jsonl").read_text(encoding="utf-8").splitlines())
    assert texts == expected == ["04", "120"]
