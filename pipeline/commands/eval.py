"""`solieu eval GOLD.jsonl figures.jsonl`: precision, recall, F1 and field accuracies by the spec's rules.

`--by kind` adds one line per kind of document (police, plan, report, results,
feature). `--sealed` scores the pack's sealed part of the collected articles as a
whole: it extracts them itself (with the shipped models, or the rules alone with
`--rules-only`) and prints the summary only, never an instance, unless
`--show-instances` is given. A second reader's gold file in place of the
figures scores the agreement of two readers the same way.
"""

from __future__ import annotations

import argparse
import sys

from solieu.pipeline.evaluate import evaluate, evaluate_by_kind, kind_table, read_jsonl, report
from solieu.pipeline.read import FIGURE_KEYS, GOLD_KEYS, check_records


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("eval", help="score extracted figures against a gold file")
    parser.add_argument("gold", nargs="?", help="gold JSON Lines file, one annotated document per line")
    parser.add_argument("predictions", nargs="?", help="figure records written by `solieu extract`")
    parser.add_argument("--quiet-errors", action="store_true", help="do not list misses and wrong fields")
    parser.add_argument("--by", choices=("kind",), help="also score each kind of document separately")
    parser.add_argument("--sealed", action="store_true",
                        help="extract and score the pack's sealed part as a whole (summary lines only)")
    parser.add_argument("--rules-only", action="store_true", help="with --sealed: the rules alone, no models")
    parser.add_argument("--show-instances", action="store_true",
                        help="with --sealed: list its misses and wrong fields too (reading them unseals it)")
    parser.set_defaults(func=run, parser=parser)


def run(args: argparse.Namespace) -> int:
    if args.sealed:
        return run_sealed(args)
    if not args.gold or not args.predictions:
        args.parser.error("GOLD and PREDICTIONS are required (or --sealed)")
    # A wrong or empty file must not score zero with exit status 0: it is refused (rc 2, one line).
    check_records(args.gold, GOLD_KEYS, "gold documents")
    gold = read_jsonl(args.gold)
    predictions = second_reading(args.predictions)
    if predictions is None:
        check_records(args.predictions, FIGURE_KEYS, "figure records")
        predictions = read_jsonl(args.predictions)
    print(report(evaluate(gold, predictions), show_errors=not args.quiet_errors))
    if args.by == "kind":
        print("\nby kind of document:")
        print(kind_table(evaluate_by_kind(gold, predictions)))
    return 0


def second_reading(path: str) -> list[dict] | None:
    """Another reader's gold file as figure records, or None when the file is not gold.

    Agreement between two readers is scored exactly as the extractor is: the first
    reader's file is the gold, the second's figures are the predictions
    (`solieu eval first.gold.jsonl second.gold.jsonl`).
    """
    try:
        lines = read_jsonl(path)
    except (OSError, ValueError):
        return None
    if not lines or not all(isinstance(d, dict) and all(k in d for k in GOLD_KEYS) for d in lines):
        return None
    return [{**figure, "doc_id": doc["doc_id"], "source": doc.get("source")} for doc in lines for figure in doc["figures"]]


def run_sealed(args: argparse.Namespace) -> int:
    """The sealed part, extracted here and scored whole: `unseen` numbers, no instance unless asked."""
    from solieu.pipeline.learning import unseen

    path = unseen.sealed_gold()
    if path is None:
        print("solieu: the pack names no sealed part, or its file is not in this checkout", file=sys.stderr)
        return 2
    check_records(path, GOLD_KEYS, "gold documents")
    gold = read_jsonl(path)
    predictions = unseen.extract_records(gold, models=None if args.rules_only else True)
    scores = evaluate(gold, predictions)
    label = "rules alone" if args.rules_only else "shipped models"
    print(f"sealed part ({path.name}, {label}): {scores.documents} documents, unseen")
    print(report(scores, show_errors=args.show_instances))
    if args.by == "kind":
        print("\nby kind of document:")
        print(kind_table(evaluate_by_kind(gold, predictions)))
    return 0
