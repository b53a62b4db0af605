"""The real corpus at a glance: documents and figures by kind, province (as of 2025) and year.

Monitoring units compare provinces and years, so a corpus that learns for them should say which
provinces, years and kinds of document it has seen; the README's corpus table is this module's output.

    python -m solieu.pipeline.learning.describe GOLD.jsonl [GOLD.jsonl ...]
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from solieu.extractors.places import province_2025


def read_docs(paths: Iterable[str | Path]) -> list[dict]:
    """Every document line of the gold files, with the file's stem as its part."""
    docs = []
    for path in paths:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.strip():
                doc = json.loads(line)
                doc["_part"] = Path(path).name.split(".")[0] + ("" if "sealed" not in str(path) else " (sealed)")
                docs.append(doc)
    return docs


def year_of(doc: dict) -> str:
    """The publication year, else the year most figures are about: a document's place in time."""
    if doc.get("published"):
        return str(doc["published"])[:4]
    years = Counter((f.get("period") or "")[:4] for f in doc.get("figures", []) if f.get("period"))
    return years.most_common(1)[0][0] if years else "?"


def province_label(doc: dict) -> str:
    """The province as the document names it, with the unit it was merged into when that differs."""
    name = doc.get("province")
    if not name:
        return "national"
    merged = province_2025(name)
    return name if merged in (None, name) else f"{name} ({merged})"


def table(title: str, counts: Counter, figures: Counter) -> str:
    """A markdown table of documents and figures per key, most documents first."""
    rows = [f"| {title} | documents | figures |", "|---|---|---|"]
    for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0]))):
        rows.append(f"| {key} | {n} | {figures[key]} |")
    rows.append(f"| all | {sum(counts.values())} | {sum(figures.values())} |")
    return "\n".join(rows)


def describe(docs: list[dict]) -> str:
    """Tables by part, kind, 2025 province and decade of the documents."""
    out = []
    keys = {
        "part": lambda d: d["_part"],
        "kind": lambda d: d.get("kind") or "?",
        "province (its 2025 unit)": province_label,
        "years": lambda d: (y[:3] + "0s") if (y := year_of(d)) != "?" else "no date",
    }
    for title, key in keys.items():
        docs_by, figs_by = Counter(), Counter()
        for doc in docs:
            docs_by[key(doc)] += 1
            figs_by[key(doc)] += len(doc.get("figures", []))
        out.append(table(title, docs_by, figs_by))
    return "\n\n".join(out)


def main(argv: list[str] | None = None) -> int:
    paths = (argv if argv is not None else sys.argv[1:])
    if not paths:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    print(describe(read_docs(paths)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
