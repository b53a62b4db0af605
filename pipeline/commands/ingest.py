"""`solieu ingest INPUT... [--db PATH] [--refresh]`: extract documents into the store.

Re-ingesting an unchanged document does nothing; a changed text replaces that
document's figures; `--refresh` re-extracts what an older extractor wrote. The
batch is `extract`'s: the same inputs, options, workers, rejections and exit status.
"""

from __future__ import annotations

import argparse
import sys

from solieu.pipeline.cli import add_batch_arguments, batch_workers
from solieu.pipeline.commands import DEFAULT_DB, lazy_names

# Run-time name, imported on first use: the extractors and the store are for running, not for `--help`.
__getattr__ = lazy_names(__name__, {"run_ingest": "solieu.pipeline.run"})


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("ingest", help="extract documents into the embedded store")
    add_batch_arguments(parser, inputs_required=False)
    parser.add_argument("--db", default=str(DEFAULT_DB), help=f"DuckDB store (default: {DEFAULT_DB}); "
                        "rejected inputs go to --errors (default: DB.errors.jsonl)")
    parser.add_argument(
        "--refresh", action="store_true",
        help="re-extract every stored document written by another extractor version",
    )
    parser.set_defaults(func=run, parser=parser)


def run(args: argparse.Namespace) -> int:
    from solieu.pipeline.commands.ingest import run_ingest  # this module's lazy name, see above
    from solieu.pipeline.fetch import fetch_address_lists
    from solieu.pipeline.outputs import guard_outputs, store_problem
    from solieu.pipeline.progress import Progress

    if not args.inputs and not args.refresh:
        args.parser.error("give at least one INPUT, or --refresh to re-extract the stored documents")
    guard_outputs([args.db, args.errors or f"{args.db}.errors.jsonl"], args.inputs)
    problem = store_problem(args.db)
    if problem:
        print(f"solieu: {problem}", file=sys.stderr)
        return 2
    inputs, unfetched = fetch_address_lists(args.inputs, args.max_size, quiet=args.quiet)  # URL lists → pages
    result = run_ingest(
        inputs, args.db, refresh=args.refresh, errors_path=args.errors, workers=batch_workers(args),
        max_size=args.max_size, progress=Progress(quiet=args.quiet), max_seconds=args.max_seconds,
    )
    if not args.quiet:
        print(f"solieu: {result.summary()} → {args.db}", file=sys.stderr)
    return 1 if result.rejected or unfetched else 0
