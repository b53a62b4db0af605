"""A batch: bad inputs cost one message and one errors row each, everything else is written.

`solieu extract` over a folder holding a binary file, an empty file, a JSON Lines
file with a broken line and a valid article writes every figure of the good
documents, names every bad input on stderr and in the errors file, and exits 1.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from input_builders import CHECKS, NEWS_SEED, TRAINING, mixed_batch_folder, seed_text
from solieu.pipeline import run as run_module
from solieu.pipeline.cli import main
from solieu.pipeline.commands.extract import byte_size
from solieu.pipeline.progress import Progress
from solieu.pipeline.read import read_inputs
from solieu.pipeline.records import Document
from solieu.pipeline.run import extract_document, run_extract



def records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def expected_records(doc: Document) -> list[dict[str, object]]:
    return [figure.to_record() for figure in extract_document(doc)]


@pytest.fixture
def mixed_batch(tmp_path: Path) -> Path:
    folder = mixed_batch_folder(tmp_path / "inputs")
    return folder


def test_mixed_batch_writes_every_good_figure_names_every_bad_input_and_exits_1(
    mixed_batch: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "out" / "figures.jsonl"

    status = main(["extract", str(mixed_batch), "-o", str(output), "--workers", "1"])

    assert status == 1
    article = Document(
        "a-bai-viet", str(mixed_batch / "a-bai-viet.txt"), seed_text(NEWS_SEED)
    )
    lines = str(mixed_batch / "d-tin.jsonl")
    expected = (
        expected_records(article)
        + expected_records(Document("tap-huan", lines, TRAINING))
        + expected_records(Document("kiem-tra", lines, CHECKS))
    )
    assert expected and records(output) == expected
    assert {r["doc_id"] for r in records(output)} == {"a-bai-viet", "tap-huan", "kiem-tra"}

    bad = {
        str(mixed_batch / "b-anh.txt"): "PNG image, not a document",
        str(mixed_batch / "c-rong.txt"): "empty file",
        f"{mixed_batch / 'd-tin.jsonl'}:2": "broken JSON line (Unterminated string starting at: column 23)",
    }
    errors = records(tmp_path / "out" / "figures.jsonl.errors.jsonl")
    assert {row["source"]: row["reason"] for row in errors} == bad
    stderr = capsys.readouterr().err.splitlines()
    for source, reason in bad.items():
        assert f"solieu: {source}: {reason}" in stderr


def test_clean_batch_exits_0_and_leaves_no_errors_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    article = tmp_path / "bai.txt"
    article.write_text(TRAINING, encoding="utf-8")
    output = tmp_path / "figures.jsonl"
    errors = tmp_path / "loi.jsonl"
    errors.write_text('{"source": "stale", "reason": "from an earlier run"}\n', encoding="utf-8")

    status = main(["extract", str(article), "-o", str(output), "--errors", str(errors), "--workers", "1"])

    assert status == 0
    assert not errors.exists()
    assert [r["text"] for r in records(output)] == [f.text for f in extract_document(Document("bai", str(article), TRAINING))]
    assert capsys.readouterr().err.splitlines() == [f"solieu: 1 documents, {len(records(output))} figures, 0 rejected → {output}"]


def test_errors_file_goes_where_it_is_asked(mixed_batch: Path, tmp_path: Path) -> None:
    errors = tmp_path / "bao-loi" / "rejected.jsonl"
    main(["extract", str(mixed_batch), "-o", str(tmp_path / "f.jsonl"), "--errors", str(errors), "--workers", "1", "-q"])
    assert len(records(errors)) == 3


def test_quiet_prints_errors_only(mixed_batch: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["extract", str(mixed_batch), "-o", str(tmp_path / "f.jsonl"), "--workers", "1", "--quiet"])
    stderr = capsys.readouterr().err.splitlines()
    assert len(stderr) == 3
    assert all(" documents, " not in line for line in stderr)


def test_max_size_rejects_larger_inputs_by_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    small = tmp_path / "nho.txt"
    small.write_text(TRAINING, encoding="utf-8")
    large = tmp_path / "lon.txt"
    large.write_text(TRAINING * 40, encoding="utf-8")
    output = tmp_path / "f.jsonl"

    status = main(["extract", str(small), str(large), "-o", str(output), "--max-size", "1KB", "--workers", "1", "-q"])

    assert status == 1
    assert {r["doc_id"] for r in records(output)} == {"nho"}
    size = large.stat().st_size
    assert capsys.readouterr().err.strip() == f"solieu: {large}: {size} bytes, over the 1000 bytes size limit"


@pytest.mark.parametrize(("text", "size"), [("20MB", 20_000_000), ("500kb", 500_000), ("1.5 GB", 1_500_000_000), ("4096", 4096)])
def test_sizes_are_read_in_decimal_units(text: str, size: int) -> None:
    assert byte_size(text) == size


@pytest.mark.parametrize("text", ["twenty", "20 XB", "0", "-5MB"])
def test_a_size_that_is_not_one_is_refused(text: str) -> None:
    import argparse

    with pytest.raises(argparse.ArgumentTypeError):
        byte_size(text)


def test_interrupted_run_leaves_the_previous_output_and_no_half_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    article = tmp_path / "bai.txt"
    article.write_text(TRAINING, encoding="utf-8")
    output = tmp_path / "figures.jsonl"
    output.write_text("previous run\n", encoding="utf-8")

    def reader_interrupted_after_one(inputs, **options):  # type: ignore[no-untyped-def]
        yield from read_inputs(inputs, **options)
        raise KeyboardInterrupt

    monkeypatch.setattr(run_module, "read_inputs", reader_interrupted_after_one)
    with pytest.raises(KeyboardInterrupt):
        run_extract([article], output)

    assert output.read_text(encoding="utf-8") == "previous run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bai.txt", "figures.jsonl"]


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_shows_done_out_of_total_rate_time_left_figures_and_rejections() -> None:
    terminal = FakeTerminal()
    progress = Progress(terminal, total=4, redraw=0)
    progress.document(figures=7)
    progress.error()
    progress.document(figures=3)
    progress.close()

    drawn = terminal.getvalue()
    assert "3/4" in drawn and "75%" in drawn
    # a rate in documents (`doc/s`, or `s/ doc` on a machine so busy a document takes a second) and elapsed<left
    assert ("doc/s" in drawn or "s/ doc" in drawn) and "<" in drawn
    assert "10 figures, 1 rejected" in drawn
    assert (progress.documents, progress.figures, progress.errors) == (2, 10, 1)


def test_progress_keeps_error_messages_on_lines_of_their_own() -> None:
    terminal = FakeTerminal()
    progress = Progress(terminal, total=2, redraw=0)
    progress.document(figures=1)
    progress.message("solieu: x.txt: empty file")
    progress.close()
    assert "\rsolieu: x.txt: empty file\n" in terminal.getvalue()


@pytest.mark.parametrize(("stream", "quiet"), [(FakeTerminal(), True), (io.StringIO(), False)])
def test_progress_is_silent_with_quiet_or_off_a_terminal(stream: io.StringIO, quiet: bool) -> None:
    progress = Progress(stream, quiet=quiet)
    progress.document(figures=5)
    progress.error()
    progress.close()
    assert stream.getvalue() == ""
    assert (progress.documents, progress.figures, progress.errors) == (1, 5, 1)


def test_run_extract_reports_progress_of_the_batch(mixed_batch: Path, tmp_path: Path) -> None:
    terminal = FakeTerminal()
    progress = Progress(terminal)
    result = run_extract([mixed_batch], tmp_path / "f.jsonl", progress=progress)
    assert (progress.documents, progress.figures, progress.errors) == (3, result.figures, 3)
    assert "solieu: " + str(mixed_batch / "c-rong.txt") + ": empty file\n" in terminal.getvalue()
