"""Last stage, write: records to JSON Lines, never leaving a half-written file.

Output goes to a temporary file beside the target and is renamed over it only
when the batch is complete, so an interrupted run leaves the old file (or none).
On Linux the temporary file has no name at all until the end (`O_TMPFILE`), so
even a run killed with SIGKILL leaves nothing behind. A symbolic link is written
through (its target is replaced, the link stays); `-` is standard output, and a
target that is not a regular file (`/dev/stdout`, a pipe) is written in place.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

STDOUT = "-"
# OWASP, CSV injection: a cell starting with one of these is run as a formula by spreadsheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Where a `'` goes: before a formula start at the cell's start, or after a line break (a spreadsheet
# that splits the cell there would start a row with it); a `'` already there is guarded too, so that
# taking the guard off gives back exactly what was written.
_GUARD_AT = re.compile(r"^(?=[=+\-@\t\r'])|(?<=[\r\n])(?=[=+\-@\t'])")
_GUARD = re.compile(r"^'(?=[=+\-@\t\r'])|(?<=[\r\n])'(?=[=+\-@\t'])")
# RFC 4180's line end: with it as the terminator, a field holding a bare CR is quoted as one holding LF is.
CSV_LINE_END = "\r\n"


class OutputError(Exception):
    """An output that cannot be written where it was asked; the message names it and says why."""


def is_stdout(path: str | Path) -> bool:
    return str(path) == STDOUT


def real_target(path: str | Path) -> Path:
    """Where writing `path` must land: the final target of a symbolic link, else the path itself.

    A link into /proc (`/dev/stdout` on a pipe) resolves to a name that is no
    file (`pipe:[71553]`): the link itself is then the target.
    """
    target = Path(path)
    if not target.is_symlink():
        return target
    resolved = Path(os.path.realpath(target))
    return resolved if resolved.exists() or not target.exists() else target


def is_stream(path: str | Path) -> bool:
    """Standard output, or an existing target that is not a regular file (a terminal, a pipe, a device)."""
    if is_stdout(path):
        return True
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)  # follows links: /dev/stdout is what fd 1 is
    except OSError:
        return False


def check_output(path: str | Path) -> None:
    """Refuse, before any work, an output that could never be written (a folder, say)."""
    if is_stdout(path):
        return
    target = real_target(path)
    if target.is_dir():
        raise OutputError(f"{path}: is a folder; give the name of a file to write")
    if is_stream(path):
        return
    parent = target.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise OutputError(f"{path}: {parent} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{path}: folder {parent} is not writable")


@contextlib.contextmanager
def atomic_output(path: str | Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary sibling of `path`; rename it to `path` only on success."""
    binary = "b" in mode
    text_options: dict[str, Any] = {} if binary else {"encoding": "utf-8", "newline": "\n"}
    if is_stdout(path):
        stream = sys.stdout.buffer if binary else sys.stdout
        yield stream
        stream.flush()
        return
    target = real_target(path)
    if is_stream(target):
        with open(target, mode, **text_options) as handle:  # a device or a pipe: nothing to rename
            yield handle
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp_name = _temporary(target)
    except OSError as error:  # its message would name the temporary file, which the user never asked for
        raise OutputError(f"{path}: cannot be written there ({error.strerror or error})") from None
    handle = os.fdopen(fd, mode, **text_options)
    try:
        with handle:
            yield handle
            handle.flush()
            if tmp_name is None:
                tmp_name = _give_name(handle.fileno(), target)
        os.chmod(tmp_name, 0o666 & ~_umask())  # mkstemp makes it private; a result file is not
        os.replace(tmp_name, target)
    except BaseException:
        if tmp_name is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
        raise


def _temporary(target: Path) -> tuple[int, str | None]:
    """An unnamed file in the target's folder (None: no name yet), or a named `.part` where that is unsupported."""
    flag = getattr(os, "O_TMPFILE", 0)
    if flag and Path("/proc/self/fd").is_dir():
        try:
            return os.open(target.parent, flag | os.O_WRONLY, 0o600), None
        except OSError:
            pass  # a file system without unnamed files: fall back to a named one
    return tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)


def _give_name(fd: int, target: Path) -> str:
    """Link the finished unnamed file into the folder under a temporary name, to be renamed over the target."""
    folder = os.open(target.parent, os.O_RDONLY)
    try:
        for attempt in range(100):
            name = f".{target.name}.{os.getpid()}.{attempt}.part"
            try:
                # A folder descriptor makes Python call linkat(AT_SYMLINK_FOLLOW), which the
                # /proc link of an unnamed file needs; plain link() would not follow it.
                os.link(f"/proc/self/fd/{fd}", name, dst_dir_fd=folder, follow_symlinks=True)
                return str(target.parent / name)
            except FileExistsError:
                continue
    finally:
        os.close(folder)
    raise OSError(f"cannot name the finished output beside {target}")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def dump_record(record: dict[str, Any]) -> str:
    """One JSON line, Vietnamese kept readable; strict JSON (no NaN or Infinity, which parsers refuse)."""
    return json.dumps(record, ensure_ascii=False, allow_nan=False) + "\n"


def finite_record(record: dict[str, Any]) -> bool:
    """Whether every number of a record is finite: an overflowing value is not a figure anyone reported."""
    return all(math.isfinite(value) for value in record.values() if isinstance(value, float))


def safe_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text, never runs (OWASP CSV injection).

    Text starting with `=`, `+`, `-`, `@`, tab or carriage return, or with such a
    character after a line break, gets a `'` there, which spreadsheets hide and
    treat as "this is text". Numbers are left as they are (a negative number is
    a number, not a formula).
    """
    if isinstance(value, str):
        return _GUARD_AT.sub("'", value)
    return value


def unguarded_cell(value: Any) -> Any:
    """A cell read back from a CSV that `safe_cell` wrote: the guarding `'` taken off again."""
    if isinstance(value, str) and "'" in value:
        return _GUARD.sub("", value)
    return value


def safe_frame(frame: Any, cell: Any = safe_cell) -> Any:
    """A pandas DataFrame with every text cell passed through `cell` (`safe_cell` to write a CSV,
    `unguarded_cell` when reading one back)."""
    safe = frame.copy()
    for name in safe.columns:
        if safe[name].dtype.kind == "O":  # object and pandas' string dtypes; numbers are never guarded
            safe[name] = safe[name].map(cell, na_action="ignore")
    return safe


def write_csv(frame: Any, out: IO[str], **options: Any) -> None:
    """A pandas DataFrame as CSV no spreadsheet can misread: formulas guarded, and every field holding
    CR, LF, the delimiter or a quote quoted (pandas' own line end left a bare CR unquoted)."""
    safe_frame(frame).to_csv(out, index=False, lineterminator=CSV_LINE_END, **options)
