"""`solieu train [--add review.csv] [--models DIR]`: rebuild the metric and status models from `corpora/`.

Converts the hand-made corpus, refreshes the weak labels, takes a corrected
review sheet in when given, prints cross-validated scores (documents held out
whole) and writes the models where the classify stage loads them.

A sheet is checked whole before anything is written: one bad row (an unknown
code, a value that is not a number, a corrected span not found in its document)
refuses the sheet with one line per bad row naming the sheet, the row and the
reason, exit status 2, and the corpus and the models stay as they were.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path



def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("train", help="rebuild the metric and status models from corpora/")
    parser.add_argument("--add", metavar="SHEET", help="a corrected review sheet to take into the corpus first")
    parser.add_argument("--no-cv", action="store_true", help="skip cross-validation (faster)")
    parser.add_argument("--family", choices=("linear", "trees"), default="linear",
                        help="model family: logistic regression (default) or gradient-boosted trees; both run "
                             "with numpy alone at extraction")
    parser.add_argument("--weak-from", nargs="*", metavar="PATH", default=None,
                        help="un-annotated documents for weak labels (default: corpora/sample)")
    parser.add_argument(
        "--models", metavar="DIR",
        help="write the models to DIR instead of the package's folder, to compare them before replacing the "
             "shipped ones (copy DIR's files into corpora/domains/mai-dam/models/ to use them)",
    )
    parser.add_argument("--curve", action="store_true",
                        help="write no model: print the rules alone, then models trained on 25, 50, 100 and all real "
                             "documents (fixed seed), each scored as a whole on the sealed part")
    parser.add_argument("--heldout", metavar="GOLD",
                        help="with --curve: score on this gold file instead of the sealed part (its texts are left "
                             "out of training)")
    parser.set_defaults(func=run, parser=parser)


def run(args: argparse.Namespace) -> int:
    if args.curve:
        return run_curve(args)
    # Imported here, not at the top: training pulls in scikit-learn and the extractors, which `--help` never needs.
    from solieu.pipeline.learning import rebuild as training
    from solieu.pipeline.learning.review import SheetError

    sheet = Path(args.add) if args.add else None
    if sheet is not None:
        refusal = refuse_sheet(sheet)
        if refusal:
            for line in refusal:
                print(f"solieu: {line}", file=sys.stderr)
            return 2
    if args.models and Path(args.models).exists() and not Path(args.models).is_dir():
        print(f"solieu: {args.models}: not a folder", file=sys.stderr)
        return 2
    try:
        report = training.rebuild(
            sheet=sheet,
            cross_validate=not args.no_cv,
            weak_inputs=[Path(p) for p in args.weak_from] if args.weak_from is not None else None,
            models_dir=Path(args.models) if args.models else None,
            out=sys.stdout,
            family=args.family,
        )
    except SheetError as error:
        print(f"solieu: {error}", file=sys.stderr)
        return 2
    for line in report.problems:
        print(f"solieu: {line}", file=sys.stderr)
    return 0


def run_curve(args: argparse.Namespace) -> int:
    """The learning curve and the ablation on held-out documents; summary lines only."""
    from solieu.pipeline.evaluate import read_jsonl
    from solieu.pipeline.learning import curve, unseen
    from solieu.pipeline.read import GOLD_KEYS, check_records

    path = Path(args.heldout) if args.heldout else unseen.sealed_gold()
    if path is None:
        print("solieu: --curve needs the pack's sealed part or --heldout GOLD", file=sys.stderr)
        return 2
    check_records(path, GOLD_KEYS, "gold documents")
    heldout = read_jsonl(path)
    print(f"held out: {path} ({len(heldout)} documents, never trained on)", flush=True)
    curve.learning_curve(heldout, family=args.family, out=sys.stdout)
    return 0


def refuse_sheet(sheet: Path) -> list[str]:
    """Why the sheet cannot be taken in (one line per bad row), or nothing when every row can."""
    from solieu.pipeline.learning.corpus import CorpusError
    from solieu.pipeline.learning.review import SheetError, check_sheet

    if not sheet.is_file():
        return [f"{sheet}: no such file"]
    try:
        return check_sheet(sheet)
    except (SheetError, CorpusError) as error:  # a broken review corpus is named by its own line
        return [str(error)]
