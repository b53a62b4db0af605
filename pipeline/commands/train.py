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
    parser = subparsers.add_parser("train", help="rebuild the metric and status models from corpora/, or learn "
                                   "from a corrected review sheet (--add)")
    parser.add_argument("--add", metavar="SHEET",
                        help="a corrected review sheet: its rows are kept in the store as facts and the models "
                             "learn from them, written to your own models folder ($SOLIEU_MODELS, else "
                             f"{user_folder_hint()}), never over the shipped ones")
    parser.add_argument("--reset", action="store_true",
                        help="go back to the shipped models: remove the models --add wrote (the corrections "
                             "stay in the store and in your review corpus)")
    parser.add_argument("--db", metavar="STORE",
                        help="with --add: the store to keep the corrections in (default: the store the sheet "
                             "was written from)")
    parser.add_argument("--no-cv", action="store_true", help="skip cross-validation (faster; --add never runs it)")
    parser.add_argument("--family", choices=("linear", "trees"), default="linear",
                        help="model family: logistic regression (default) or gradient-boosted trees; both run "
                             "with numpy alone at extraction")
    parser.add_argument("--weak-from", nargs="*", metavar="PATH", default=None,
                        help="un-annotated documents for weak labels (default: corpora/sample)")
    parser.add_argument(
        "--models", metavar="DIR",
        help="write the models to DIR instead (a new or empty folder, or one `solieu train` wrote), to compare "
             "them before replacing the shipped ones (copy DIR's files into corpora/domains/mai-dam/models/ "
             "to use them)",
    )
    parser.add_argument("--curve", action="store_true",
                        help="write no model: print the rules alone, then models trained on 25, 50, 100 and all real "
                             "documents (fixed seed), each scored as a whole on the sealed part")
    parser.add_argument("--heldout", metavar="GOLD",
                        help="with --curve: score on this gold file instead of the sealed part (its texts are left "
                             "out of training)")
    parser.set_defaults(func=run, parser=parser)


def user_folder_hint() -> str:
    return "your data folder's solieu/models/DOMAIN"


def run(args: argparse.Namespace) -> int:
    if args.curve:
        return run_curve(args)
    # Imported here, not at the top: training pulls in scikit-learn and the extractors, which `--help` never needs.
    from solieu.pipeline.learning import rebuild as training
    from solieu.pipeline.learning.review import SheetError

    if args.reset:
        return reset(args)
    sheet = Path(args.add) if args.add else None
    if sheet is not None:
        refusal = refuse_sheet(sheet)
        if refusal:
            for line in refusal:
                print(f"solieu: {line}", file=sys.stderr)
            return 2
    if args.db and sheet is None:
        args.parser.error("--db goes with --add SHEET")
    if args.db and not Path(args.db).is_file():
        print(f"solieu: {args.db}: no such store", file=sys.stderr)
        return 2
    try:
        report = training.rebuild(
            sheet=sheet,
            cross_validate=not args.no_cv,
            weak_inputs=[Path(p) for p in args.weak_from] if args.weak_from is not None else None,
            models_dir=Path(args.models) if args.models else None,
            out=sys.stdout,
            db=Path(args.db) if args.db else None,
            family=args.family,
        )
    except SheetError as error:
        print(f"solieu: {error}", file=sys.stderr)
        return 2
    for line in report.problems:
        print(f"solieu: {line}", file=sys.stderr)
    return 0


def reset(args: argparse.Namespace) -> int:
    """Remove the models `train --add` wrote (only the files its manifest lists), so the shipped ones run again."""
    from solieu.extractors.learned.model import MANIFEST, user_models_dir
    from solieu.pipeline.learning.train import foreign_files

    if args.add or args.models:
        args.parser.error("--reset goes alone: it removes the models --add wrote")
    folder = user_models_dir()
    if not (folder / MANIFEST).is_file():
        print(f"solieu: no models of yours in {folder}: the shipped models are in use", file=sys.stderr)
        return 0
    foreign = foreign_files(folder)
    if foreign:
        print(f"solieu: {folder}: holds files `solieu train` did not write ({', '.join(foreign[:3])}); "
              "nothing removed", file=sys.stderr)
        return 2
    listed = [p for p in folder.iterdir() if p.name != MANIFEST]
    (folder / MANIFEST).unlink()  # first: a folder without its manifest is no models at all
    for path in listed:
        path.unlink()
    if not any(folder.iterdir()):
        folder.rmdir()
    print(f"solieu: your models in {folder} removed; the shipped models are in use again", file=sys.stderr)
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
    from solieu.pipeline.learning.review import SheetError, check_sheet, read_corrections

    if not sheet.is_file():
        return [f"{sheet}: no such file"]
    try:
        problems = check_sheet(sheet)
        if not problems and not read_corrections(sheet)[0]:
            return [f"{sheet}: no reviewed row (edit a figure, mark it checked or not_a_figure, or add a missed "
                    "one): nothing to learn, the models stay as they are"]
        return problems
    except (SheetError, CorpusError) as error:  # a broken review corpus is named by its own line
        return [str(error)]
