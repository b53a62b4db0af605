"""Domain packs: the engine names no programme, each pack is one folder, and switching packs works end to end.

`corpora/domains/mai-dam` (the default) and `corpora/domains/ma-tuy` (drug
prevention, small) are read through one loader. The drug pack runs in
subprocesses with `--domain ma-tuy`: a process reads one pack, as the CLI does.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from solieu.extractors import lexicon

ROOT = Path(__file__).resolve().parent.parent
DRUGS = ROOT / "corpora" / "domains" / "ma-tuy"
PROGRAMME_WORDS = re.compile(r"mại dâm|bán dâm|sex_worker|ma túy|ma tuý|heroin", re.IGNORECASE)


def solieu(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "solieu.pipeline.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def test_the_engine_names_no_programme():
    """`grep -rn "mại dâm|bán dâm|sex_worker" pipeline/ extractors/` finds nothing (nor the drug pack's words)."""
    found = []
    for folder in (ROOT / "pipeline", ROOT / "extractors"):
        for path in folder.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                text = path.read_bytes().decode("utf-8", errors="ignore")
                found += [f"{path.relative_to(ROOT)}: {m.group()}" for m in PROGRAMME_WORDS.finditer(text)]
    assert found == []


def test_the_spec_table_lists_the_default_pack_taxonomy():
    """One taxonomy: the contract's table and the pack's taxonomy.json hold the same codes, in the same order."""
    spec = (ROOT / "corpora" / "figures.md").read_text(encoding="utf-8")
    section = spec[spec.index("## Metric taxonomy"):spec.index("## Status")]
    table = re.findall(r"^\|\s*`([a-z_]+)`\s*\|", section, re.M)
    assert table == list(lexicon.taxonomy("mai-dam")["metrics"])


@pytest.mark.parametrize("name", lexicon.known_domains())
def test_every_metric_a_pack_can_give_is_in_its_taxonomy(name: str):
    metric = json.loads((lexicon.DOMAINS / name / "lexicons" / "metric.json").read_text(encoding="utf-8"))
    codes = set(lexicon.taxonomy(name)["metrics"])
    given = set(metric["defaults"].values()) | set(metric["activity_metric"].values())
    given |= {code for row in metric["table"].values() for code in row.values() if isinstance(code, str)}
    assert given - {None} <= codes
    assert {"achieved", "target"} == set(lexicon.taxonomy(name)["statuses"])


def test_a_pack_key_ending_in_plus_extends_the_engines_list():
    assert lexicon.overlay({"words": ["a"], "keep": 1}, {"words+": ["b"], "new": 2}) == {"words": ["a", "b"], "keep": 1, "new": 2}
    assert lexicon.overlay({"words": ["a"]}, {"words": ["b"]}) == {"words": ["b"]}


def test_an_unknown_domain_is_one_line_and_rc_2(tmp_path: Path):
    result = solieu("--domain", "khong-co", "extract", str(tmp_path), "-o", str(tmp_path / "out.jsonl"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"solieu: --domain khong-co: no such domain pack (known: {', '.join(lexicon.known_domains())})"]


def test_the_drug_pack_examples_give_their_figures_and_metrics(tmp_path: Path):
    rows = [row for row in csv.reader((DRUGS / "examples.tsv").open(encoding="utf-8"), delimiter="\t")
            if row and not row[0].startswith("#")]
    assert len(rows) >= 12
    inputs = tmp_path / "examples.jsonl"
    inputs.write_text("".join(json.dumps({"id": f"ex{i}", "text": row[0]}, ensure_ascii=False) + "\n"
                              for i, row in enumerate(rows)), encoding="utf-8")
    output = tmp_path / "figures.jsonl"
    result = solieu("--domain", "ma-tuy", "extract", str(inputs), "-o", str(output), "--workers", "1")
    assert result.returncode == 0, result.stderr
    found: dict[str, set[tuple[str, str]]] = {}
    for line in output.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        found.setdefault(record["doc_id"], set()).add((record["text"], record["metric"]))
    missing = [(row[0], row[1], row[2]) for i, row in enumerate(rows) if (row[1], row[2]) not in found.get(f"ex{i}", set())]
    assert missing == []


def test_the_drug_pack_runs_extract_eval_ingest_compare_and_report(tmp_path: Path):
    gold = DRUGS / "gold" / "ma-tuy.gold.jsonl"
    inputs = tmp_path / "docs.jsonl"
    docs = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines()]
    inputs.write_text("".join(json.dumps({"id": d["doc_id"], "text": d["text"], "url": d["source"],
                                          "published": d["published"]}, ensure_ascii=False) + "\n" for d in docs),
                      encoding="utf-8")
    figures = tmp_path / "figures.jsonl"
    assert solieu("--domain", "ma-tuy", "extract", str(inputs), "-o", str(figures), "--workers", "1").returncode == 0
    records = [json.loads(line) for line in figures.read_text(encoding="utf-8").splitlines()]
    codes = set(lexicon.taxonomy("ma-tuy")["metrics"])
    assert records and {r["metric"] for r in records} <= codes
    assert {"drug_seizures", "drug_offenders", "people_in_treatment"} <= {r["metric"] for r in records}

    scored = solieu("--domain", "ma-tuy", "eval", str(gold), str(figures))
    assert scored.returncode == 0, scored.stderr
    summary = scored.stdout.strip().splitlines()[-1]
    assert float(re.search(r"F1=([\d.]+)", summary).group(1)) >= 0.9, summary
    assert float(re.search(r"metric=([\d.]+)", summary).group(1)) >= 0.9, summary

    store = tmp_path / "ma-tuy.duckdb"
    assert solieu("--domain", "ma-tuy", "ingest", str(inputs), "--db", str(store), "--workers", "1").returncode == 0
    table = tmp_path / "compare.csv"
    compared = solieu("--domain", "ma-tuy", "compare", "--db", str(store), "-o", str(table))
    assert compared.returncode == 0, compared.stderr
    assert "drug_cases" in table.read_text(encoding="utf-8-sig")
    page = tmp_path / "report.html"
    reported = solieu("--domain", "ma-tuy", "report", "--db", str(store), "-o", str(page))
    assert reported.returncode == 0, reported.stderr
    html = page.read_text(encoding="utf-8")
    assert "phòng, chống ma túy" in html and "Ma túy thu giữ" in html
    assert "mại dâm" not in html
