"""`solieu export [--db PATH] --format jsonl|csv|parquet -o FILE`: the stored figures as a file."""

from __future__ import annotations

import argparse
import sys

from pipeline.store import DEFAULT_DB, EXPORT_FORMATS, StoreError, export_figures, load_figures


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("export", help="write the stored figures as JSON Lines, CSV or Parquet")
    parser.add_argument("--db", default=str(DEFAULT_DB), help=f"DuckDB store (default: {DEFAULT_DB})")
    parser.add_argument("--format", required=True, choices=EXPORT_FORMATS, help="output format")
    parser.add_argument("-o", "--output", required=True, help="output file")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        count = export_figures(load_figures(args.db), args.output, args.format)
    except StoreError as error:
        print(f"solieu: {error}", file=sys.stderr)
        return 2
    print(f"solieu: {count} figures → {args.output}", file=sys.stderr)
    return 0
