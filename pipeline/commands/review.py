"""`solieu review figures.jsonl -o review.csv`: a sheet for people to check figures, least sure first."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from extractors.learned.review import read_records, write_sheet


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("review", help="write a review sheet (CSV) of extracted figures")
    parser.add_argument("figures", help="JSON Lines of figure records (output of `solieu extract`)")
    parser.add_argument("-o", "--output", required=True, help="CSV sheet to write (UTF-8, opens in a spreadsheet)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    source = Path(args.figures)
    if not source.is_file():
        print(f"solieu: {source}: no such file", file=sys.stderr)
        return 1
    records, problems = read_records(source)
    for line in problems:
        print(f"solieu: {line}", file=sys.stderr)
    count = write_sheet(records, Path(args.output))
    print(f"solieu: {count} figures to review, least confident first → {args.output}", file=sys.stderr)
    return 1 if problems else 0
