"""`solieu --help` and `solieu extract --help` load no heavy library (issue 14).

Building the parser imports every command module; a command that imports
scikit-learn or pandas at its top makes every other command start a second
slower. Each check runs in a fresh interpreter, because this test process has
long since imported everything.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("sklearn", "pandas", "spacy", "altair", "dask", "distributed", "duckdb")

PROBE = """
import json, sys
from solieu.pipeline.cli import build_parser
parser = build_parser()
try:
    parser.parse_args({argv!r})
except SystemExit:
    pass
print(json.dumps(sorted(name for name in {heavy!r} if name in sys.modules)))
"""


def heavy_modules_after(argv: list[str]) -> list[str]:
    """The heavy top-level packages a fresh interpreter holds after building the parser and parsing `argv`."""
    code = PROBE.format(argv=argv, heavy=HEAVY)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("argv", [[], ["--help"], ["extract", "--help"], ["ingest", "--help"]])
def test_the_help_imports_no_heavy_library(argv: list[str]) -> None:
    assert heavy_modules_after(argv) == []


def test_importtime_of_the_parser_lists_no_heavy_library() -> None:
    # `-X importtime` names every module imported, including those imported and then dropped.
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "from solieu.pipeline.cli import build_parser; build_parser()"],
        capture_output=True, text=True, check=True,
    )
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in done.stderr.splitlines() if "|" in line}
    assert imported.isdisjoint(HEAVY), sorted(imported & set(HEAVY))


def test_the_run_time_names_of_a_command_are_still_its_attributes() -> None:
    # Code and tests that replace `run_extract` on the command module still reach what `run` calls.
    from solieu.pipeline import run as run_module
    from solieu.pipeline.commands import extract, ingest

    assert extract.run_extract is run_module.run_extract
    assert extract.errors_file is run_module.errors_file
    assert ingest.run_ingest is run_module.run_ingest
    with pytest.raises(AttributeError):
        extract.no_such_name  # noqa: B018 - the attribute access is the test


def test_extracting_runs_without_importing_underthesea_or_scipy() -> None:
    """Words come from the distilled table and prediction is numpy: extraction itself imports neither
    underthesea (0.3 s) nor scipy (0.1 s), which every worker process would pay again."""
    code = (
        "import json, sys\n"
        "from solieu.pipeline.records import Document\n"
        "from solieu.pipeline.run import extract_document\n"
        "found = extract_document(Document('d', '', 'Năm 2023 tỉnh Hà Tĩnh tổ chức 04 lớp tập huấn cho 269 thành viên.'))\n"
        "print(json.dumps([len(found), sorted(m for m in ('underthesea', 'scipy', 'sklearn') if m in sys.modules)]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    found, imported = json.loads(done.stdout.strip().splitlines()[-1])
    assert found >= 2 and imported == []
