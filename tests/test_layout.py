"""The layout keeps its promise: the extractors read records and lexicons, never files, stores or batches.

Reading inputs, writing outputs, the store, the batch engine and the learning
workflows (which read and write corpora, sheets and model files) live in
`pipeline/`; an extractor that imported them would tie a stage to a workflow.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = {"read", "readers", "write", "run", "store", "evaluate", "cli", "commands", "parallel", "dask_engine",
             "fetch", "report", "compare", "learning", "progress", "display"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_no_extractor_imports_reading_writing_or_orchestration():
    found = []
    for path in sorted((ROOT / "extractors").rglob("*.py")):
        for name in imported_modules(path):
            parts = name.split(".")
            if parts[:2] == ["solieu", "pipeline"] and len(parts) > 2 and parts[2] in WORKFLOWS:
                found.append(f"{path.relative_to(ROOT)} imports {name}")
    assert found == []
