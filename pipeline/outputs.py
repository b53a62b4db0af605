"""One rule for every output: nothing a command reads is ever written over.

Every command names what it reads (input files and folders, a figures file, a
store) and what it writes (an output, an errors file, a schema note, a codes
sheet, a Parquet folder) and calls `guard_outputs` before touching anything. An
output is refused when it is one of the inputs (the same file under another
name, a hard link or a symbolic link included), when it lies inside an input
folder, or when a folder output would hold an input or replace a file. The
refusal is one `OutputError` line, which the command line turns into exit 2.

`check_store` is the other half of the rule for `--db`: a store is a DuckDB
file or a path that does not exist yet, never a figures file or anything else
that opening it for writing would clobber or ignore.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from solieu.pipeline.write import OutputError, check_output, is_stream, real_target

# A DuckDB database file carries these bytes at offset 8 (its main header's magic).
DUCKDB_MAGIC = b"DUCK"
DUCKDB_MAGIC_AT = 8
# Files DuckDB keeps beside a store while it is open; writing over them damages the store.
STORE_COMPANIONS = (".wal",)

PathLike = str | Path


def guard_outputs(
    outputs: Iterable[PathLike | None],
    inputs: Iterable[PathLike] = (),
    stores: Iterable[PathLike] = (),
    folder_outputs: Iterable[PathLike | None] = (),
) -> None:
    """Refuse, before any work, an output that would destroy something the command reads or another output.

    `outputs` are files written atomically, `folder_outputs` folders written
    whole (a Dask dataset); `inputs` are files and folders read, `stores` DuckDB
    stores read or written. None stands for an output not written at all.
    """
    named = [p for p in outputs if p is not None]
    for output in named:
        check_output(output)  # a folder, a missing or read-only folder: refused whatever else holds
    files = [Path(p) for p in named if not is_stream(p)]
    folders = [Path(p) for p in folder_outputs if p is not None]
    read = [Path(p) for p in inputs]
    store_files = [Path(p) for p in stores]
    for folder in folders:
        _check_folder_output(folder)
    written = folders + files
    for output in written:
        for store in store_files:
            for companion in (store, *(Path(f"{store}{suffix}") for suffix in STORE_COMPANIONS)):
                if _same(output, companion):
                    raise OutputError(f"{output}: is the store {store}; write the output elsewhere")
        for source in read:
            _check_against_input(output, source, output in folders)
    for index, output in enumerate(written):
        for other in written[index + 1:]:
            if _same(output, other):
                raise OutputError(f"{other}: is also the output {output}; give each output its own name")


def _check_against_input(output: Path, source: Path, is_folder_output: bool) -> None:
    if _same(output, source):
        raise OutputError(f"{output}: is also an input; write the output elsewhere")
    if source.is_dir() and _inside(output, source):
        raise OutputError(f"{output}: is inside the input folder {source}; write the output elsewhere")
    if is_folder_output and source.exists() and _inside(source, output):
        raise OutputError(f"{output}: holds the input {source}; write the output elsewhere")


def _check_folder_output(folder: Path) -> None:
    """A folder output replaces a folder it finds, never a file (or a device, or a link to one)."""
    if os.path.lexists(folder) and not folder.is_dir():
        raise OutputError(f"{folder}: is a file, and --engine dask writes a folder of Parquet files; "
                          "give the name of a folder")
    parent = real_target(folder).parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise OutputError(f"{folder}: {parent} is not a folder")


def _resolved(path: Path) -> Path:
    """The path with every symbolic link followed, as far as it exists (the rest is taken as given)."""
    return Path(os.path.realpath(path))


def _same(first: Path, second: Path) -> bool:
    """Whether two paths name one file or folder: the same inode, or the same place once links are followed."""
    try:
        if os.path.exists(first) and os.path.exists(second) and os.path.samefile(first, second):
            return True
    except OSError:
        pass
    return _resolved(first) == _resolved(second)


def _inside(path: Path, folder: Path) -> bool:
    """Whether `path` lies under `folder` (links followed), or one of its existing parents is that folder."""
    resolved, root = _resolved(path), _resolved(folder)
    if resolved != root and resolved.is_relative_to(root):
        return True
    try:
        root_key = os.stat(folder)
    except OSError:
        return False
    for parent in resolved.parents:  # a bind mount or a folder reached by another route
        try:
            info = os.stat(parent)
        except OSError:
            continue
        if (info.st_dev, info.st_ino) == (root_key.st_dev, root_key.st_ino):
            return True
    return False


def is_duckdb_file(path: PathLike) -> bool:
    """Whether a file starts as a DuckDB database does."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(DUCKDB_MAGIC_AT + len(DUCKDB_MAGIC))
    except OSError:
        return False
    return head[DUCKDB_MAGIC_AT:] == DUCKDB_MAGIC


def store_problem(path: PathLike) -> str | None:
    """Why `--db` cannot be a store (None when it is a DuckDB file, or a path where one can be created)."""
    target = Path(path)
    if not os.path.lexists(target):
        return None
    if target.is_dir():
        return f"{path}: is a folder, not a DuckDB store"
    if not target.exists():
        return f"{path}: is a broken link, not a DuckDB store"
    if not target.is_file():
        return f"{path}: is not a regular file, not a DuckDB store"
    if not is_duckdb_file(target):
        return (f"{path}: cannot be opened as a DuckDB store (it is some other file); "
                "--db names a store or a file that does not exist yet")
    return None


def guard_reading(source: PathLike, outputs: Iterable[PathLike | None]) -> None:
    """`guard_outputs` for a command that reads one source: a store, a figures file or a Parquet folder."""
    stores = [source] if Path(source).is_file() and is_duckdb_file(source) else []
    guard_outputs(outputs, inputs=[source], stores=stores)
