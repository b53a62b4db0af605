"""`solieu extract INPUT... -o figures.jsonl`: every figure of every input, one JSON line each."""

from __future__ import annotations

import argparse
import sys

from pipeline.run import run_extract


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("extract", help="extract figures from articles and reports")
    parser.add_argument("inputs", nargs="+", help=".txt files, folders, or .jsonl files of documents")
    parser.add_argument("-o", "--output", required=True, help="JSON Lines file of figure records")
    parser.add_argument("--errors", help="JSON Lines file of rejected inputs (default: OUTPUT.errors.jsonl)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    result = run_extract(args.inputs, args.output, args.errors)
    print(
        f"solieu: {result.documents} documents, {result.figures} figures, "
        f"{len(result.rejected)} rejected → {args.output}",
        file=sys.stderr,
    )
    return 1 if result.rejected else 0
