"""`solieu compare [--db PATH | figures.jsonl] --by province,metric,period -o table.csv`.

One row per province, metric and period (and status and comparable unit), with
its headline value (the rule of docs/dataset.md, the same function the report
and the notebook call), the figures, their evidence, conflicts between
documents and, for targets, whether the reported result met them.
"""

from __future__ import annotations

import argparse
import sys

from solieu.pipeline.commands import DEFAULT_BY, DEFAULT_DB, GROUP_KEYS, STATUSES


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("compare", help="compare figures across provinces, metrics and periods")
    parser.add_argument("figures", nargs="?", help="figures file (.jsonl, .csv, .parquet) instead of a store")
    parser.add_argument("--db", help=f"DuckDB store (default: {DEFAULT_DB})")
    parser.add_argument(
        "--by", default=",".join(DEFAULT_BY),
        help=f"comma list of row keys among {', '.join(GROUP_KEYS)} (default: %(default)s)",
    )
    parser.add_argument("--status", choices=STATUSES, help="only targets or only achieved results")
    parser.add_argument("--merged", action="store_true", help="roll provinces up into the 34 units of 2025")
    parser.add_argument("-o", "--output", required=True, help="CSV table")
    parser.set_defaults(func=run, parser=parser)


def run(args: argparse.Namespace) -> int:
    # Imported here, not at the top: pandas and duckdb cost a second that `--help` should not pay.
    from solieu.pipeline.compare import compare, write_table
    from solieu.pipeline.store import StoreError

    if args.figures and args.db:
        args.parser.error("give either a figures file or --db, not both")
    source = args.figures or args.db or str(DEFAULT_DB)
    from solieu.pipeline.outputs import guard_reading

    guard_reading(source, [args.output])
    try:
        table = compare(source, by=args.by, status=args.status, merged=args.merged)
    except ValueError as error:
        args.parser.error(str(error))
    except StoreError as error:
        print(f"solieu: {error}", file=sys.stderr)
        return 2
    write_table(table, args.output)
    conflicts = int(table["conflict"].sum()) if len(table) else 0
    print(f"solieu: {len(table)} rows, {conflicts} with conflicting sources → {args.output}", file=sys.stderr)
    return 0
