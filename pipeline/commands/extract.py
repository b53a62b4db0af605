"""`solieu extract INPUT... -o figures.jsonl`: every figure of every input, one JSON line each."""

from __future__ import annotations

import argparse
import sys

from pipeline.parallel import default_workers
from pipeline.run import run_extract


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("extract", help="extract figures from articles and reports")
    parser.add_argument("inputs", nargs="+", help=".txt files, folders, or .jsonl files of documents")
    parser.add_argument("-o", "--output", required=True, help="JSON Lines file of figure records")
    parser.add_argument("--errors", help="JSON Lines file of rejected inputs (default: OUTPUT.errors.jsonl)")
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

        result = run_dask(args.inputs, args.output, args.errors, args.workers, args.scheduler)
    else:
        result = run_extract(args.inputs, args.output, args.errors, workers=args.workers)
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
