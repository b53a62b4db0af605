"""`solieu export [--db PATH] [--what figures|documents] --format jsonl|csv|parquet -o FILE`.

The stored figures (with the years of their period and their document's
publication date) or the stored documents, typed as in the store: the same
column types in Parquet, CSV (with a schema note beside it) and JSON Lines. Documents
carry their text, so that `extract` and `ingest` read an export of documents back.
"""

from __future__ import annotations

import argparse
import sys

from solieu.pipeline.commands import DEFAULT_DB, EXPORT_FORMATS, EXPORT_TABLES


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("export", help="write the stored figures or documents as JSON Lines, CSV or Parquet")
    parser.add_argument("--db", default=str(DEFAULT_DB), help=f"DuckDB store (default: {DEFAULT_DB})")
    parser.add_argument("--what", choices=EXPORT_TABLES, default="figures",
                        help="which table to write (default: %(default)s)")
    parser.add_argument("--format", required=True, choices=EXPORT_FORMATS,
                        help="output format; a CSV gets a schema note FILE.schema.json with the column types")
    parser.add_argument("-o", "--output", required=True, help="output file")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Imported here, not at the top: the store pulls in duckdb and pandas, which `--help` never needs.
    from solieu.pipeline.store import (
        StoreError,
        export_documents,
        export_figures,
        load_documents,
        load_figures,
        schema_note_path,
    )

    from solieu.pipeline.outputs import guard_reading

    guard_reading(args.db, [args.output, schema_note_path(args.output) if args.format == "csv" else None])
    try:
        if args.what == "documents":
            count = export_documents(load_documents(args.db, text=True), args.output, args.format)
        else:
            count = export_figures(load_figures(args.db), args.output, args.format)
    except StoreError as error:
        print(f"solieu: {error}", file=sys.stderr)
        return 2
    note = f" (column types: {schema_note_path(args.output)})" if args.format == "csv" else ""
    print(f"solieu: {count} {args.what} → {args.output}{note}", file=sys.stderr)
    return 0
