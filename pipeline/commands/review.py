"""`solieu review FIGURES -o review.csv`: a sheet for people to correct figures, least sure first, reviewed ones last.

FIGURES is what `solieu extract` wrote (JSON Lines, or a Parquet folder with
`--engine dask`), an exported file (.jsonl, .csv, .parquet) or a store. Beside
the sheet, `review.codes.csv` lists every valid code.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("review", help="write a review sheet (CSV) of extracted figures")
    parser.add_argument("figures", help="figure records: .jsonl, .parquet (or a folder of them), .csv, or a store")
    parser.add_argument("-o", "--output", required=True, help="CSV sheet to write (UTF-8, opens in a spreadsheet)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Imported here, not at the top: the extractors (underthesea) and the store (duckdb, pandas) are for running.
    from solieu.pipeline.learning.review import codes_path, read_records, write_sheet
    from solieu.pipeline.store import FILE_SUFFIXES, StoreError

    source = Path(args.figures)
    if not source.exists():
        print(f"solieu: {source}: no such file", file=sys.stderr)
        return 2
    from solieu.pipeline.outputs import guard_reading

    guard_reading(source, [args.output, codes_path(Path(args.output))])
    try:
        records, problems = read_records(source)
    except StoreError as error:
        print(f"solieu: {error}", file=sys.stderr)
        return 2
    for line in problems:
        print(f"solieu: {line}", file=sys.stderr)
    output = Path(args.output)
    from_store = source.is_file() and source.suffix.lower() not in FILE_SUFFIXES
    count, reviewed = write_sheet(records, output, store=source if from_store else None)
    before = f", {reviewed} reviewed before (listed last, marked in 'reviewed')" if reviewed else ""
    print(f"solieu: {count - reviewed} figures to review, least confident first{before} → {output} "
          f"(valid codes: {codes_path(output)})", file=sys.stderr)
    return 1 if problems else 0
