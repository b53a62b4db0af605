"""One batch engine under `extract` and `ingest` (issue 12, item 2).

Both commands take the same inputs and options (`--workers`, `--errors`,
`--max-size`, `--max-seconds`, `--quiet`), reject the same inputs with the same
reasons and exit statuses, and show the same progress. `ingest` writes to the
store a batch of documents per transaction, and keeps what it extracted when it
is interrupted.
"""

from __future__ import annotations

import io
import re
import json
from pathlib import Path

import pytest

from input_builders import CHECKS, NEWS_SEED, TRAINING, mixed_batch_folder, seed_text
from solieu.pipeline import store
from solieu.pipeline.cli import build_parser, main
from solieu.pipeline.progress import Progress
from solieu.pipeline.read import read_inputs
from solieu.pipeline.readers import expected_documents
from solieu.pipeline.records import Document
from solieu.pipeline.run import run_ingest



def rows(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def mixed_batch(tmp_path: Path) -> Path:
    folder = mixed_batch_folder(tmp_path / "inputs")
    (folder / "e-lon.txt").write_text(TRAINING * 100, encoding="utf-8")
    return folder


BATCH_OPTIONS = ["--workers", "1", "--max-size", "5KB", "--max-seconds", "120", "--quiet"]


def test_extract_and_ingest_take_the_same_options_and_reject_the_same_inputs(
    mixed_batch: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extract_errors, ingest_errors = tmp_path / "extract-errors.jsonl", tmp_path / "ingest-errors.jsonl"

    extracted = main(["extract", str(mixed_batch), "-o", str(tmp_path / "f.jsonl"),
                      "--errors", str(extract_errors), *BATCH_OPTIONS])
    extract_err = capsys.readouterr().err
    ingested = main(["ingest", str(mixed_batch), "--db", str(tmp_path / "s.duckdb"),
                     "--errors", str(ingest_errors), *BATCH_OPTIONS])
    ingest_err = capsys.readouterr().err

    assert extracted == ingested == 1
    assert rows(extract_errors) == rows(ingest_errors)
    assert {row["source"] for row in rows(ingest_errors)} == {
        str(mixed_batch / "b-anh.txt"), str(mixed_batch / "c-rong.txt"),
        f"{mixed_batch / 'd-tin.jsonl'}:2", str(mixed_batch / "e-lon.txt"),
    }
    assert extract_err == ingest_err  # --quiet: the same error lines, nothing else
    stored = store.load_figures(tmp_path / "s.duckdb")
    assert sorted(stored["text"]) == sorted(row["text"] for row in rows(tmp_path / "f.jsonl"))


def test_both_batch_commands_list_the_same_options_and_every_input_kind() -> None:
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    options = {name: {o for a in commands[name]._actions for o in a.option_strings} for name in ("extract", "ingest")}
    shared = {"--workers", "--oversubscribe", "--errors", "--max-size", "--max-seconds", "--quiet"}
    assert shared <= options["extract"] and shared <= options["ingest"]
    assert "saved web pages (.html), .docx, PDF" in commands["ingest"].format_help().replace("\n", " ").replace("  ", " ")


def test_ingest_on_two_workers_stores_what_one_worker_stores(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in [("a", TRAINING), ("b", CHECKS), ("c", seed_text(NEWS_SEED))]:
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")

    one = run_ingest([folder], tmp_path / "one.duckdb", workers=1)
    two = run_ingest([folder], tmp_path / "two.duckdb", workers=2)

    assert (one.added, two.added, one.figures) == (3, 3, two.figures)
    columns = list(store.FIGURE_FIELDS)
    assert store.load_figures(tmp_path / "one.duckdb")[columns].equals(store.load_figures(tmp_path / "two.duckdb")[columns])


def test_ingest_writes_a_batch_of_documents_per_transaction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "WRITE_BATCH", 2)
    flushed: list[int] = []
    real_flush = store.BatchWriter.flush

    def counting_flush(self: store.BatchWriter) -> None:
        if self.rows:
            flushed.append(len(self.rows))
        real_flush(self)

    monkeypatch.setattr(store.BatchWriter, "flush", counting_flush)
    docs = [Document(f"d{n}", f"d{n}.txt", f"Năm 2020, huyện tổ chức {n + 1} lớp tập huấn.") for n in range(5)]

    result = store.ingest(tmp_path / "s.duckdb", docs, version="t", report=lambda m: None)

    assert flushed == [2, 2, 1]
    assert result.added == 5 and len(store.load_documents(tmp_path / "s.duckdb")) == 5


def test_an_interrupted_ingest_keeps_the_documents_it_extracted(tmp_path: Path) -> None:
    def three_then_interrupt():  # type: ignore[no-untyped-def]
        for n in range(3):
            yield Document(f"d{n}", f"d{n}.txt", f"Năm 2020, huyện tổ chức {n + 1} lớp tập huấn.")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        store.ingest(tmp_path / "s.duckdb", three_then_interrupt(), version="t", report=lambda m: None)

    assert list(store.load_documents(tmp_path / "s.duckdb")["doc_id"]) == ["d0", "d1", "d2"]


def test_the_progress_total_counts_files_and_json_lines(mixed_batch: Path) -> None:
    assert expected_documents([mixed_batch]) == 7  # four files, and three lines of the JSON Lines file
    assert len(list(read_inputs([mixed_batch], max_size=5000))) == 7


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_ingest_shows_the_same_progress_bar_as_extract(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(TRAINING, encoding="utf-8")
    (folder / "b.txt").write_text(CHECKS, encoding="utf-8")
    (folder / "c.txt").write_bytes(b"")
    terminal = FakeTerminal()

    result = run_ingest([folder], tmp_path / "s.duckdb", progress=Progress(terminal, total=3, redraw=0))

    drawn = terminal.getvalue()
    assert "3/3" in drawn and "doc/s" in drawn and f"{result.figures} figures, 1 rejected" in drawn
    assert f"solieu: {folder / 'c.txt'}: empty file\n" in drawn


def test_progress_is_silent_off_a_terminal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    article = tmp_path / "bai.txt"
    article.write_text(TRAINING, encoding="utf-8")
    main(["ingest", str(article), "--db", str(tmp_path / "s.duckdb"), "--workers", "1"])
    assert capsys.readouterr().err.splitlines() == [
        f"solieu: 1 added, 0 replaced, 0 refreshed, 0 unchanged, 2 figures written, 0 rejected → {tmp_path / 's.duckdb'}"
    ]


def test_a_real_terminal_even_without_a_size_shows_the_bar_with_total_and_time_left(tmp_path: Path) -> None:
    import os
    import pty
    import sys

    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(3):
        (folder / f"{n}.txt").write_text(TRAINING, encoding="utf-8")
    solieu = str(Path(sys.executable).with_name("solieu"))
    pid, terminal = pty.fork()  # a pseudo-terminal of 0 rows and 0 columns, as in CI
    if pid == 0:
        os.execv(solieu, [solieu, "ingest", str(folder), "--db", str(tmp_path / "s.duckdb"), "--workers", "1"])
    shown = b""
    while True:
        try:
            data = os.read(terminal, 4096)
        except OSError:
            break
        if not data:
            break
        shown += data
    os.waitpid(pid, 0)

    lines = shown.decode("utf-8").split("\r")
    # done/total, percentage, elapsed<left and a rate in documents, whichever way round a busy
    # machine makes tqdm write it (`2.10 doc/s`, or `1.38s/ doc` when a document takes over a second)
    bar = re.compile(r"\d/3 \[[^\]]*<[^\]]*,[^\]]*(doc/s|s/ doc)")
    assert any("%|" in line and bar.search(line) for line in lines), lines
    assert lines[-2].strip().startswith("solieu: 3 added")
