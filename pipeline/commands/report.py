"""`solieu report [--db PATH] -o report.html`: one self-contained page over the store."""

from __future__ import annotations

import argparse
import sys

from pipeline.report import write_report
from pipeline.store import DEFAULT_DB, StoreError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("report", help="write a self-contained HTML report of the store")
    parser.add_argument("--db", default=str(DEFAULT_DB), help=f"DuckDB store (default: {DEFAULT_DB})")
    parser.add_argument("-o", "--output", required=True, help="HTML file")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        write_report(args.db, args.output)
    except StoreError as error:
        print(f"solieu: {error}", file=sys.stderr)
        return 2
    print(f"solieu: report → {args.output}", file=sys.stderr)
    return 0
