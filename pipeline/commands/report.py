"""`solieu report [figures.jsonl | --db PATH] -o report.html [--lang vi|en]`: one self-contained page.

A user who has only the output of `solieu extract` should not have to extract
everything again with `ingest` to see it, so a figures file works as well as a
store (without a store the page has no document titles or dates, and finds
each span in its sentence instead of in the stored text).
"""

from __future__ import annotations

import argparse
import sys

from solieu.pipeline.display import LANGUAGES
from solieu.pipeline.commands import DEFAULT_DB


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("report", help="write a self-contained HTML report of a store or a figures file")
    parser.add_argument("figures", nargs="?", help="figures file (.jsonl, .csv, .parquet) instead of a store")
    parser.add_argument("--db", help=f"DuckDB store (default: {DEFAULT_DB})")
    parser.add_argument("--lang", choices=LANGUAGES, default="vi", help="language of the page (default: %(default)s)")
    parser.add_argument("-o", "--output", required=True, help="HTML file")
    parser.set_defaults(func=run, parser=parser)


def run(args: argparse.Namespace) -> int:
    # Imported here, not at the top: the report pulls in jinja2, pandas and duckdb, which `--help` never needs.
    from solieu.pipeline.report import write_report
    from solieu.pipeline.store import StoreError

    if args.figures and args.db:
        args.parser.error("give either a figures file or --db, not both")
    source = args.figures or args.db or str(DEFAULT_DB)
    from solieu.pipeline.outputs import guard_reading

    guard_reading(source, [args.output])
    try:
        size = write_report(source, args.output, args.lang)
    except StoreError as error:
        print(f"solieu: {error}", file=sys.stderr)
        return 2
    print(f"solieu: report ({size / 1_000_000:.1f} MB) → {args.output}", file=sys.stderr)
    return 0
