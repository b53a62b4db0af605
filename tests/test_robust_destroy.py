"""Nothing destroyed (issue 21): no command writes over what it reads.

An output that is an input, the store, a file inside an input folder (by any
name: a hard link, a symbolic link, `..`) is refused with one line and exit
status 2 before anything is touched; a Dask folder never replaces a file; a
figures file given as `--db` is not a store; `fetch` never empties a file that
is not its own.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solieu.pipeline import store
from solieu.pipeline.cli import main
from solieu.pipeline.records import Document

TRAINING = "Năm 2020, huyện tổ chức 04 lớp tập huấn cho hơn 1.000 đại biểu."
RAIDS = "Năm 2021, công an tỉnh triệt phá 12 vụ mua bán dâm, xử lý 35 đối tượng."


def snapshot(root: Path) -> dict[str, str]:
    """Every name under `root` (links not followed) with a hash of its bytes or the target of its link."""
    seen: dict[str, str] = {}
    for folder, folders, files in os.walk(root):
        for name in folders + files:
            path = Path(folder, name)
            key = str(path.relative_to(root))
            if path.is_symlink():
                seen[key] = "→" + os.readlink(path)
            elif path.is_file():
                seen[key] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                seen[key] = "folder"
    return seen


def build_world(root: Path) -> dict[str, Path]:
    """Articles in a folder, their figures, a store, and other names for each (hard and symbolic links)."""
    folder = root / "bai"
    (folder / "con").mkdir(parents=True)
    (folder / "a.txt").write_text(TRAINING, encoding="utf-8")
    (folder / "con" / "b.txt").write_text(RAIDS, encoding="utf-8")
    figures = root / "figs.jsonl"
    assert main(["extract", str(folder), "-o", str(figures), "--workers", "1", "-q"]) == 0
    db = root / "s.duckdb"
    store.ingest(db, [Document("a", "a.txt", TRAINING), Document("b", "b.txt", RAIDS)])
    urls = root / "urls.txt"
    urls.write_text("http://127.0.0.1:9/tin.html\n", encoding="utf-8")
    world = {"folder": folder, "figures": figures, "db": db, "urls": urls, "article": folder / "a.txt"}
    for name, path in list(world.items()):
        if path.is_file():
            os.link(path, root / f"hard-{path.name}")
            world[f"hard-{name}"] = root / f"hard-{path.name}"
        (root / f"sym-{path.name}").symlink_to(path)
        world[f"sym-{name}"] = root / f"sym-{path.name}"
    return world


def hostile_paths(world: dict[str, Path], *names: str) -> list[str]:
    """Every way of naming something the command reads: itself, its links, a file in its folder."""
    paths: list[str] = []
    for name in names:
        for key in (name, f"hard-{name}", f"sym-{name}"):
            path = world.get(key)
            if path is None:
                continue
            paths.append(str(path))
            if world[name].is_dir():
                paths += [str(path / "new.out"), str(path / "con" / "new.out"), str(path / "a.txt"),
                          str(path / "con" / ".." / "new.out")]
    return paths


# Each command with what it reads; OUT is the output drawn from what it reads.
COMMANDS: list[tuple[list[str], tuple[str, ...]]] = [
    (["extract", "{folder}", "-o", "OUT", "--workers", "1", "-q"], ("folder",)),
    (["extract", "{article}", "-o", "OUT", "--workers", "1", "-q"], ("article",)),
    (["extract", "{folder}", "-o", "{root}/ok.jsonl", "--errors", "OUT", "--workers", "1", "-q"], ("folder",)),
    (["extract", "{folder}", "-o", "OUT", "--engine", "dask", "--workers", "1", "-q"], ("folder", "article")),
    (["ingest", "{folder}", "--db", "OUT", "--workers", "1", "-q"], ("folder", "figures")),
    (["export", "--db", "{db}", "--format", "csv", "-o", "OUT"], ("db",)),
    (["export", "--db", "{db}", "--what", "documents", "--format", "jsonl", "-o", "OUT"], ("db",)),
    (["compare", "{figures}", "-o", "OUT"], ("figures",)),
    (["compare", "--db", "{db}", "-o", "OUT"], ("db",)),
    (["report", "{figures}", "-o", "OUT"], ("figures",)),
    (["report", "--db", "{db}", "-o", "OUT"], ("db",)),
    (["review", "{figures}", "-o", "OUT"], ("figures",)),
    (["review", "{db}", "-o", "OUT"], ("db",)),
    (["fetch", "{urls}", "-o", "OUT", "-q"], ("urls", "figures", "article")),
]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path]]:
    root = tmp_path_factory.mktemp("world")
    return root, build_world(root)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_command_changes_a_byte_of_what_it_reads(world: tuple[Path, dict[str, Path]], data: st.DataObject,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    root, paths = world
    argv, reads = data.draw(st.sampled_from(COMMANDS))
    output = data.draw(st.sampled_from(hostile_paths(paths, *reads)))
    names = {key: str(value) for key, value in paths.items()} | {"root": str(root)}
    before = snapshot(root)

    status = main([output if arg == "OUT" else arg.format(**names) for arg in argv])

    err = capsys.readouterr().err
    assert status == 2, err
    assert len(err.strip().splitlines()) == 1 and err.startswith("solieu: "), err
    assert snapshot(root) == before


# --- the probes, one by one ----------------------------------------------------------


@pytest.mark.parametrize("command", [
    ["export", "--format", "jsonl"], ["report"], ["compare"],
])
def test_an_output_that_is_the_store_is_refused(world: tuple[Path, dict[str, Path]], command: list[str],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    db = world[1]["db"]
    before = db.read_bytes()

    assert main([*command, "--db", str(db), "-o", str(db)]) == 2

    assert capsys.readouterr().err == f"solieu: {db}: is the store {db}; write the output elsewhere\n"
    assert db.read_bytes() == before


@pytest.mark.parametrize("command", ["compare", "report", "review"])
def test_an_output_that_is_the_figures_file_is_refused(world: tuple[Path, dict[str, Path]], command: str,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    figures = world[1]["figures"]
    before = figures.read_bytes()

    assert main([command, str(figures), "-o", str(figures)]) == 2

    assert capsys.readouterr().err == f"solieu: {figures}: is also an input; write the output elsewhere\n"
    assert figures.read_bytes() == before


def test_a_review_of_the_store_cannot_write_over_it(world: tuple[Path, dict[str, Path]],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    db = world[1]["db"]
    before = db.read_bytes()
    assert main(["review", str(db), "-o", str(db)]) == 2
    assert "is the store" in capsys.readouterr().err
    assert db.read_bytes() == before


def test_a_dask_output_never_replaces_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    article = tmp_path / "a.txt"
    article.write_text(TRAINING, encoding="utf-8")
    notes = tmp_path / "notes.txt"
    notes.write_text("ghi chú của tôi\n", encoding="utf-8")

    assert main(["extract", str(article), "-o", str(notes), "--engine", "dask", "--workers", "1", "-q"]) == 2

    assert notes.read_text(encoding="utf-8") == "ghi chú của tôi\n"
    assert "is a file, and --engine dask writes a folder" in capsys.readouterr().err


def test_a_dask_output_is_never_the_input_nor_inside_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "bai"
    folder.mkdir()
    (folder / "a.txt").write_text(TRAINING, encoding="utf-8")
    before = snapshot(tmp_path)

    for output in (folder, folder / "ket-qua", tmp_path):
        assert main(["extract", str(folder), "-o", str(output), "--engine", "dask", "--workers", "1", "-q"]) == 2

    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"solieu: {folder}: is also an input; write the output elsewhere",
        f"solieu: {folder / 'ket-qua'}: is inside the input folder {folder}; write the output elsewhere",
        f"solieu: {tmp_path}: holds the input {folder}; write the output elsewhere",
    ]
    assert snapshot(tmp_path) == before


def test_fetch_never_empties_a_file_that_is_not_pages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text("http://127.0.0.1:9/tin.html\n", encoding="utf-8")
    notes = tmp_path / "notes.txt"
    notes.write_text("việc cần làm\nđọc báo cáo\n", encoding="utf-8")

    assert main(["fetch", str(urls), "-o", str(notes), "-q"]) == 2

    assert notes.read_text(encoding="utf-8") == "việc cần làm\nđọc báo cáo\n"
    assert capsys.readouterr().err == (f"solieu: {notes}: is not a file of fetched pages (line 1); "
                                       "give -o a new file or a pages file\n")


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_a_figures_file_is_not_a_store(world: tuple[Path, dict[str, Path]], tmp_path: Path, suffix: str,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    figures = tmp_path / f"figs{suffix}"
    assert main(["export", "--db", str(world[1]["db"]), "--format", suffix[1:], "-o", str(figures)]) == 0
    before = snapshot(tmp_path)
    capsys.readouterr()

    assert main(["ingest", str(world[1]["folder"]), "--db", str(figures), "--workers", "1", "-q"]) == 2

    assert capsys.readouterr().err == (f"solieu: {figures}: cannot be opened as a DuckDB store (it is some other "
                                       "file); --db names a store or a file that does not exist yet\n")
    assert snapshot(tmp_path) == before


def test_a_sqlite_file_is_not_a_store_and_nothing_is_downloaded(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    lite = tmp_path / "lite.db"
    with sqlite3.connect(lite) as con:
        con.execute("CREATE TABLE figures (x INTEGER)")
    before = lite.read_bytes()

    assert main(["export", "--db", str(lite), "--format", "csv", "-o", str(tmp_path / "x.csv")]) == 2
    assert main(["ingest", str(tmp_path / "none.txt"), "--db", str(lite), "-q"]) == 2

    err = capsys.readouterr().err.splitlines()
    assert err == [f"solieu: {lite}: cannot be opened as a DuckDB store (it is some other file); "
                   "--db names a store or a file that does not exist yet"] * 2
    assert lite.read_bytes() == before


def test_a_store_is_opened_with_extension_downloads_off(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with store.open_store(db) as con:
        settings_now = dict(con.execute(
            "SELECT name, value FROM duckdb_settings() "
            "WHERE name IN ('autoinstall_known_extensions', 'autoload_known_extensions')").fetchall())
    assert settings_now == {"autoinstall_known_extensions": "false", "autoload_known_extensions": "false"}


def test_an_output_path_into_proc_is_named_as_given(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    article = tmp_path / "a.txt"
    article.write_text(TRAINING, encoding="utf-8")
    status = main(["extract", str(article), "-o", "/proc/version", "--workers", "1", "-q"])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("solieu: /proc/version: ") and ".part" not in err and len(err.splitlines()) == 1
