"""`solieu extract INPUT... -o figures.jsonl`: every figure of every input, one JSON line each."""

from __future__ import annotations

import argparse
import sys

from solieu.pipeline.cli import add_batch_arguments, batch_workers, byte_size, positive_int  # noqa: F401 - re-exported
from solieu.pipeline.commands import lazy_names

# Run-time names, imported on first use: they pull in the word table and the models, which `--help` never needs.
__getattr__ = lazy_names(__name__, {"run_extract": "solieu.pipeline.run", "errors_file": "solieu.pipeline.run"})


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("extract", help="extract figures from articles and reports")
    add_batch_arguments(parser)
    parser.add_argument(
        "-o", "--output", required=True,
        help="JSON Lines file of figure records (`-`: standard output); rejected inputs go to "
        "--errors (default: OUTPUT.errors.jsonl)",
    )
    parser.add_argument(
        "--engine", choices=("local", "dask"), default="local",
        help="local: this machine; dask: a Dask cluster, OUTPUT is then a folder of Parquet files",
    )
    parser.add_argument(
        "--scheduler", metavar="ADDRESS",
        help="with --engine dask: the cluster's scheduler (tcp://host:8786, see docs/scale.md); "
        "default: N worker processes on this machine",
    )
    parser.add_argument(
        "--db", metavar="STORE",
        help="lay the corrections kept in STORE (`solieu train --add`) over the documents they are about",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from solieu.pipeline.commands.extract import errors_file, run_extract  # this module's lazy names, see above
    from solieu.pipeline.progress import Progress
    from solieu.pipeline.write import OutputError, is_stdout, is_stream

    workers = batch_workers(args)
    if args.db and args.engine == "dask":
        raise OutputError("--db: corrections are laid over a local run's output, not --engine dask's")
    if args.engine == "dask":
        from solieu.pipeline.dask_engine import run_dask

        if is_stdout(args.output):
            raise OutputError("-: --engine dask writes a folder of Parquet files, not standard output")

        result = run_dask(args.inputs, args.output, args.errors, workers, args.scheduler, args.max_size,
                          max_seconds=args.max_seconds)
    else:
        result = run_extract(
            args.inputs, args.output, args.errors, workers=workers, max_size=args.max_size,
            progress=Progress(quiet=args.quiet), max_seconds=args.max_seconds, corrections_db=args.db,
        )
    folder = args.engine == "dask"  # a Parquet folder, which is_stream would take for a device
    if not args.quiet:
        where = "standard output" if is_stream(args.output) and not folder else args.output
        print(
            f"solieu: {result.documents} documents, {result.figures} figures, "
            f"{len(result.rejected)} rejected → {where}",
            file=sys.stderr,
        )
    if result.rejected and not folder and errors_file(args.output, args.errors) is None and not args.quiet:
        print("solieu: (no errors file when writing to standard output; --errors FILE writes one)", file=sys.stderr)
    return 1 if result.rejected else 0
