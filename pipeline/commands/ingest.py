"""`solieu ingest INPUT... [--db PATH] [--refresh]`: extract documents into the store.

Re-ingesting an unchanged document does nothing; a changed text replaces that
document's figures; `--refresh` re-extracts what an older extractor wrote.
"""

from __future__ import annotations

import argparse
import sys

from pipeline.fetch import read_inputs_fetching
from pipeline.store import DEFAULT_DB, StoreError, ingest


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("ingest", help="extract documents into the embedded store")
    parser.add_argument("inputs", nargs="*", help="files, folders, .jsonl files of documents, or lists of addresses (URLs, sitemap, RSS) to fetch first")
    parser.add_argument("--db", default=str(DEFAULT_DB), help=f"DuckDB store (default: {DEFAULT_DB})")
    parser.add_argument(
        "--refresh", action="store_true",
        help="re-extract every stored document written by another extractor version",
    )
    parser.set_defaults(func=run, parser=parser)


def run(args: argparse.Namespace) -> int:
    if not args.inputs and not args.refresh:
        args.parser.error("give at least one INPUT, or --refresh to re-extract the stored documents")
    try:
        result = ingest(args.db, read_inputs_fetching(args.inputs), refresh=args.refresh)
    except StoreError as error:
        print(f"solieu: {error}", file=sys.stderr)
        return 2
    print(f"solieu: {result.summary()} → {args.db}", file=sys.stderr)
    return 1 if result.rejected else 0
