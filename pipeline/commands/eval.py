"""`solieu eval GOLD.jsonl figures.jsonl`: precision, recall, F1 and field accuracies by the spec's rules."""

from __future__ import annotations

import argparse

from solieu.pipeline.evaluate import evaluate, read_jsonl, report
from solieu.pipeline.read import FIGURE_KEYS, GOLD_KEYS, check_records


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("eval", help="score extracted figures against a gold file")
    parser.add_argument("gold", help="gold JSON Lines file, one annotated document per line")
    parser.add_argument("predictions", help="figure records written by `solieu extract`")
    parser.add_argument("--quiet-errors", action="store_true", help="do not list misses and wrong fields")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # A wrong or empty file must not score zero with exit status 0: it is refused (rc 2, one line).
    check_records(args.gold, GOLD_KEYS, "gold documents")
    check_records(args.predictions, FIGURE_KEYS, "figure records")
    scores = evaluate(read_jsonl(args.gold), read_jsonl(args.predictions))
    print(report(scores, show_errors=not args.quiet_errors))
    return 0
