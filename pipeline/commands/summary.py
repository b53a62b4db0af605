"""`solieu summary figures.jsonl`: what an extraction found, province by province, in the terminal."""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from pathlib import Path

from solieu.pipeline.read import FIGURE_KEYS, InputError, check_records

NATIONAL = "(national)"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("summary", help="per-province summary of extracted figures")
    parser.add_argument(
        "figures",
        help="figures written by `solieu extract` or `solieu export` (.jsonl, .csv, .parquet, "
        "a folder of Parquet files), or a store",
    )
    parser.add_argument("--top", type=int, default=3, help="how many metrics to name per province")
    parser.set_defaults(func=run)


def summarise(records: list[dict], top: int = 3) -> str:
    """A fixed-width table: documents, figures, targets/results and the most reported metrics."""
    by_province: dict[str, list[dict]] = defaultdict(list)
    for record in records:
        by_province[record.get("province") or NATIONAL].append(record)
    header = f"{'province':<22}{'2025 unit':<18}{'docs':>5}{'figures':>8}{'achieved':>9}{'target':>7}  most reported"
    lines = [header, "-" * len(header)]
    for province in sorted(by_province, key=lambda p: (-len(by_province[p]), p)):
        rows = by_province[province]
        status = Counter(r["status"] for r in rows)
        metrics = ", ".join(f"{m} {n}" for m, n in Counter(r["metric"] for r in rows).most_common(top))
        merged = rows[0].get("province_2025") or ""
        documents = len({r["doc_id"] for r in rows})
        lines.append(f"{province:<22}{merged:<18}{documents:>5}{len(rows):>8}{status['achieved']:>9}{status['target']:>7}  {metrics}")
    lines.append("-" * len(header))
    total_docs = len({r["doc_id"] for r in records})
    lines.append(f"{'total':<40}{total_docs:>5}{len(records):>8}   (documents with at least one figure)")
    return "\n".join(lines)


def figure_records(source: str) -> list[dict]:
    """The figures of a file or store; InputError for a file that holds something else.

    Read through `load_figures`, so Parquet and CSV exports work as JSON Lines do.
    """
    from solieu.pipeline.store import load_figures, normalise_frame, plain_records

    path = Path(source)
    if path.is_dir() and not any(path.glob("*.parquet")):
        raise InputError(f"{source}: is a folder without Parquet files, not figures")
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        check_records(source, FIGURE_KEYS, "figure records")
    try:
        if path.is_dir():  # the dataset `extract --engine dask` writes
            import pandas as pd

            frame = normalise_frame(pd.read_parquet(path))
        else:
            frame = load_figures(source, documents=False)
    except (ValueError, TypeError, KeyError) as error:
        raise InputError(f"{source}: not figure records ({type(error).__name__}: {error})") from None
    records = plain_records(frame)
    if any(record.get("doc_id") is None or record.get("start") is None for record in records):
        raise InputError(f"{source}: not figure records (rows without doc_id or start)")
    return records


def run(args: argparse.Namespace) -> int:
    print(summarise(figure_records(args.figures), args.top))
    return 0
