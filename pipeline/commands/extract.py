"""`solieu extract INPUT... -o figures.jsonl`: every figure of every input, one JSON line each."""

from __future__ import annotations

import argparse
import re
import sys

from pipeline.parallel import default_workers
from pipeline.progress import Progress
from pipeline.read import DEFAULT_MAX_SIZE
from pipeline.run import run_extract


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("extract", help="extract figures from articles and reports")
    parser.add_argument(
        "inputs", nargs="+",
        help="files or folders: text in any encoding, .jsonl of documents, saved web pages, .docx, PDF",
    )
    parser.add_argument("-o", "--output", required=True, help="JSON Lines file of figure records")
    parser.add_argument("--errors", help="JSON Lines file of rejected inputs (default: OUTPUT.errors.jsonl)")
    parser.add_argument(
        "--max-size", type=byte_size, default=DEFAULT_MAX_SIZE, metavar="SIZE",
        help="largest input file (or JSON line) to read, e.g. 500KB, 20MB (default: 20MB)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress line and no summary; errors only")
    parser.add_argument(
        "--workers", type=positive_int, default=default_workers(), metavar="N",
        help="processes to extract with (default: all cores, %(default)s here); the output does not depend on it",
    )
    parser.add_argument(
        "--engine", choices=("local", "dask"), default="local",
        help="local: this machine; dask: a Dask cluster, OUTPUT is then a folder of Parquet files",
    )
    parser.add_argument(
        "--scheduler", metavar="ADDRESS",
        help="with --engine dask: the cluster's scheduler (tcp://host:8786); default: a local cluster of N workers",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.engine == "dask":
        from pipeline.dask_engine import run_dask

        result = run_dask(args.inputs, args.output, args.errors, args.workers, args.scheduler, args.max_size)
    else:
        result = run_extract(
            args.inputs, args.output, args.errors, workers=args.workers,
            max_size=args.max_size, progress=Progress(quiet=args.quiet),
        )
    if not args.quiet:
        print(
            f"solieu: {result.documents} documents, {result.figures} figures, "
            f"{len(result.rejected)} rejected → {args.output}",
            file=sys.stderr,
        )
    return 1 if result.rejected else 0


def positive_int(text: str) -> int:
    """argparse type for --workers: a whole number of at least 1."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


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
