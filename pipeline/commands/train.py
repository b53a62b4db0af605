"""`solieu train [--add review.csv]`: rebuild the metric and status models from `corpora/`.

Converts the hand-made corpus, refreshes the weak labels, takes a corrected
review sheet in when given, prints cross-validated scores (documents held out
whole) and writes the models where the classify stage loads them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from extractors.learned import rebuild as training
from extractors.learned.review import SheetError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("train", help="rebuild the metric and status models from corpora/")
    parser.add_argument("--add", metavar="SHEET", help="a corrected review sheet to take into the corpus first")
    parser.add_argument("--no-cv", action="store_true", help="skip cross-validation (faster)")
    parser.add_argument("--weak-from", nargs="*", metavar="PATH", default=None,
                        help="un-annotated documents for weak labels (default: corpora/sample)")
    parser.add_argument("--models", metavar="DIR", help="where to write the models (default: the package's)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        report = training.rebuild(
            sheet=Path(args.add) if args.add else None,
            cross_validate=not args.no_cv,
            weak_inputs=[Path(p) for p in args.weak_from] if args.weak_from is not None else None,
            models_dir=Path(args.models) if args.models else None,
            out=sys.stdout,
        )
    except SheetError as error:
        print(f"solieu: {error}", file=sys.stderr)
        return 1
    for line in report.problems:
        print(f"solieu: {line}", file=sys.stderr)
    return 0
