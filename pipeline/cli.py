"""The `solieu` command line.

Each subcommand lives in its own module under `pipeline/commands/` and exposes
`register(subparsers)`; adding a command is adding a file, never editing this one.

What a user can cause (a missing or unreadable file, a file of the wrong kind, a
damaged store, an output that cannot be written) ends the command with one line,
`solieu: FILE: reason`, and exit status 2, never a traceback. The batch commands
`extract` and `ingest` share their options (`add_batch_arguments`) so they
accept the same inputs and reject the same things.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import pkgutil
import re
import sys
from collections.abc import Callable, Sequence

from solieu.pipeline import __version__, commands
from solieu.pipeline.parallel import capped_workers, default_workers
from solieu.pipeline.progress import NoticeHandler
from solieu.pipeline.read import DEFAULT_MAX_SIZE

USAGE_ERROR = 2  # the command could not run at all (argparse uses 2 for bad arguments too)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="solieu",
        description="Figures reported in Vietnamese articles and reports, as a sourced dataset.",
    )
    parser.add_argument("--version", action="version", version=f"solieu {__version__}")
    parser.add_argument("--domain", metavar="NAME",
                        help="the domain pack (programme) to read figures of: one folder of corpora/domains/ "
                             "(default: $SOLIEU_DOMAIN, else mai-dam); may stand anywhere on the line")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv, domain = take_domain(list(sys.argv[1:] if argv is None else argv))
    problem = choose_domain(domain) if domain is not None else None
    if problem:
        print(f"solieu: {problem}", file=sys.stderr)
        return USAGE_ERROR
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = NoticeHandler()
    notices = logging.getLogger("solieu")
    notices.addHandler(handler)
    try:
        if domain is None:  # the pack of SOLIEU_DOMAIN, or the default one: checked as --domain's is
            from solieu.extractors import lexicon

            lexicon.check_pack()
        return int(args.func(args) or 0)
    except BrokenPipeError:  # `solieu ... | head` is a normal way to look at output
        return 0
    except KeyboardInterrupt:
        print("solieu: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - the one place that turns any failure into one line
        if interrupted(error):
            print("solieu: interrupted", file=sys.stderr)
            return 130
        print(f"solieu: {one_line(error)}", file=sys.stderr)
        if os.environ.get("SOLIEU_DEBUG"):
            raise
        return USAGE_ERROR
    finally:
        notices.removeHandler(handler)


def take_domain(argv: list[str]) -> tuple[list[str], str | None]:
    """`--domain NAME` (or `--domain=NAME`) taken out of the line wherever it stands.

    The pack must be chosen before any module reads a lexicon or a corpus path, and
    before the subcommands are even imported; so it is read first, not by argparse.
    """
    rest: list[str] = []
    domain: str | None = None
    items = iter(argv)
    for item in items:
        if item == "--":
            rest.append(item)
            rest.extend(items)
            break
        if item == "--domain":
            domain = next(items, "")
        elif item.startswith("--domain="):
            domain = item.split("=", 1)[1]
        else:
            rest.append(item)
    return rest, domain


def choose_domain(name: str) -> str | None:
    """Make `name` the process's domain pack (its workers inherit it); why not, when it cannot be."""
    from solieu.extractors import lexicon

    if not name.strip() or "/" in name or name.startswith("."):
        return f"--domain {name!r}: give the name of one folder of corpora/domains/ " \
               f"(known: {', '.join(lexicon.known_domains())})"
    try:
        lexicon.domain_dir(name)
        lexicon.check_pack(name)
    except lexicon.DomainError as error:
        return f"--domain {error}"
    os.environ[lexicon.DOMAIN_ENV] = name
    for cached in (lexicon.domain_dir, lexicon.pack, lexicon.taxonomy, lexicon.load_json):
        cached.cache_clear()
    return None


def interrupted(error: BaseException) -> bool:
    """Whether an error is Ctrl-C as DuckDB reports it: it catches SIGINT itself and raises its own error
    (or a RuntimeError "Query interrupted" from a fetch), which is no damage to the store."""
    import duckdb

    while error is not None:
        if isinstance(error, duckdb.InterruptException):
            return True
        if isinstance(error, RuntimeError) and "Query interrupted" in str(error):
            return True
        error = error.__cause__ or error.__context__  # type: ignore[assignment]
    return False


def one_line(error: BaseException) -> str:
    """`FILE: reason` for what a user can cause; the exception's kind and message for anything else."""
    import duckdb

    if isinstance(error, OSError) and error.filename is not None:
        return f"{error.filename}: {error.strerror or error}"
    if isinstance(error, UnicodeDecodeError):
        return f"not UTF-8 text ({error.reason} at byte {error.start})"
    if isinstance(error, json.JSONDecodeError):
        return f"not JSON Lines ({error.msg}, line {error.lineno} column {error.colno})"
    if isinstance(error, duckdb.Error):
        return f"store cannot be read ({' '.join(str(error).split())[:300]})"
    text = " ".join(str(error).split())[:300]
    known = type(error).__name__ in {"StoreError", "OutputError", "InputError"}
    if known or isinstance(error, (OSError, ValueError, KeyError)):
        return text or type(error).__name__
    return f"{type(error).__name__}: {text} (unexpected; SOLIEU_DEBUG=1 shows where)"


# --- options shared by the batch commands (extract, ingest) --------------------------


def add_batch_arguments(parser: argparse.ArgumentParser, inputs_required: bool = True) -> None:
    """The inputs and options every batch command takes, with the same meaning."""
    parser.add_argument(
        "inputs", nargs="+" if inputs_required else "*", metavar="INPUT",
        help="files or folders: text in any encoding, .jsonl of documents, saved web pages (.html), .docx, PDF",
    )
    parser.add_argument("--errors", metavar="FILE", help="JSON Lines file of rejected inputs")
    parser.add_argument(
        "--max-size", type=byte_size, default=DEFAULT_MAX_SIZE, metavar="SIZE",
        help="largest input file (or JSON line) to read, e.g. 500KB, 20MB (default: 20MB)",
    )
    parser.add_argument(
        "--max-seconds", type=positive_seconds, default=300.0, metavar="S",
        help="time budget per document: one that takes longer is rejected, not waited for (default: 300)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary; errors only")
    parser.add_argument(
        "--workers", type=positive_int, default=default_workers(), metavar="N",
        help="processes to extract with, at most the cores (%(default)s here) unless --oversubscribe; "
        "the output does not depend on it",
    )
    parser.add_argument(
        "--oversubscribe", action="store_true",
        help="allow --workers above the number of cores (each worker holds ~300 MB of models)",
    )


def batch_workers(args: argparse.Namespace) -> int:
    """--workers, capped at the cores unless --oversubscribe (and said so when capped)."""
    workers = capped_workers(args.workers, args.oversubscribe)
    if workers < args.workers and not args.quiet:
        print(f"solieu: --workers {args.workers} capped at {workers}, the cores this process may use "
              "(--oversubscribe to insist)", file=sys.stderr)
    return workers


def bounded_number(convert: Callable[[str], float], least: float, inclusive: bool, what: str) -> Callable[[str], float]:
    """An argparse type: `convert(text)`, finite and at least `least` (or above it when not `inclusive`)."""

    def parse(text: str) -> float:
        try:
            number = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not {what}: {text!r}") from None
        if not (number >= least if inclusive else number > least) or number == float("inf"):
            bound = f"at least {least:g}" if inclusive else f"more than {least:g}"
            raise argparse.ArgumentTypeError(f"must be {bound}, not {text!r}")
        return number

    return parse


positive_int = bounded_number(int, 1, True, "a whole number")  # --workers, --hosts
positive_seconds = bounded_number(float, 0, False, "a number of seconds")  # --max-seconds
non_negative_seconds = bounded_number(float, 0, True, "a number of seconds")  # --delay, --backoff, --timeout


SIZE_UNITS = {"": 1, "B": 1, "KB": 1000, "K": 1000, "MB": 1000**2, "M": 1000**2, "GB": 1000**3, "G": 1000**3}


def byte_size(text: str) -> int:
    """argparse type for --max-size: bytes, or a number with KB, MB or GB (decimal units, as file managers show)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*", text)
    unit = match.group(2).upper() if match else ""
    if not match or unit not in SIZE_UNITS:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (examples: 500KB, 20MB)")
    size = int(float(match.group(1)) * SIZE_UNITS[unit])
    if size < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 byte, not {text!r}")
    return size


if __name__ == "__main__":
    sys.exit(main())
