"""`make bench`: how fast and how flat `solieu extract` is, against the floors of any extractor.

One run, one synthetic corpus, five measurements, each in its own process so that
imports, model loading and peak memory are those a user would see:

  (a) a plain regex scan for digits: the floor of any extractor (reading + JSON included);
  (b) underthesea word segmentation of every document's full text: what any
      tokenised pipeline pays;
  (c) `solieu extract` with 1 worker and with all cores, on the large corpus,
      and with 1 worker on the small corpus, for the memory growth.

Every timing is the wall time of its process, start to exit. The corpus is made
from the paragraphs of `corpora/` recombined by a seeded generator, so two runs
on the same commit measure the same text. Results go to `benchmarks/results.json`.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SOURCES = (ROOT / "corpora" / "seeds", ROOT / "corpora" / "sample")
CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
RESULTS = Path(__file__).resolve().parent / "results.json"

# Document length in paragraphs is log-normal: mostly short news items, a tail of
# long reports, as in a real archive (median ~4 paragraphs, ~1,600 characters).
PARAGRAPHS_MU = 1.4
PARAGRAPHS_SIGMA = 0.8
MAX_PARAGRAPHS = 60
DIGITS = re.compile(r"\d+")
SAMPLE_EVERY = 0.05  # seconds between two memory samples of a measured process tree
MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class Corpus:
    """A generated corpus file and what it holds, so results can be compared run to run."""

    path: str
    documents: int
    characters: int
    sha256: str


@dataclass(frozen=True)
class Measured:
    """One measured process: wall time and peak memory (sampled tree sum and kernel maximum)."""

    name: str
    corpus: str
    documents: int
    characters: int
    seconds: float
    cpu_seconds: float  # user + system time of the process and its workers
    load: float  # the machine's 1-minute load average when the run ended
    peak_tree_mb: float  # sum of the proportional memory (PSS) of the process and its workers, sampled
    max_rss_mb: float  # the kernel's peak resident memory of the largest single process

    @property
    def documents_per_second(self) -> float:
        return self.documents / self.seconds

    @property
    def characters_per_second(self) -> float:
        return self.characters / self.seconds

    @property
    def characters_per_cpu_second(self) -> float:
        """Throughput per unit of work done: what a busy machine (other jobs) cannot skew."""
        return self.characters / self.cpu_seconds

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["documents_per_second"] = round(self.documents_per_second, 1)
        data["characters_per_second"] = round(self.characters_per_second)
        data["characters_per_cpu_second"] = round(self.characters_per_cpu_second)
        data["seconds"] = round(self.seconds, 3)
        data["cpu_seconds"] = round(self.cpu_seconds, 3)
        data["load"] = round(self.load, 2)
        data["peak_tree_mb"] = round(self.peak_tree_mb, 1)
        data["max_rss_mb"] = round(self.max_rss_mb, 1)
        return data


# --- corpus -----------------------------------------------------------------


def source_paragraphs() -> list[str]:
    """Every distinct non-empty line of the project's corpora, sorted so file order cannot matter."""
    from solieu.pipeline.read import Rejected, read_inputs

    paragraphs: set[str] = set()
    for item in read_inputs([path for path in SOURCES if path.exists()]):
        if not isinstance(item, Rejected):
            paragraphs.update(line.strip() for line in item.text.splitlines() if line.strip())
    if not paragraphs:
        raise SystemExit("bench: no text under corpora/seeds or corpora/sample to build a corpus from")
    return sorted(paragraphs)


def synthetic_documents(paragraphs: Sequence[str], count: int, seed: int) -> Iterator[dict[str, str]]:
    """`count` documents of recombined paragraphs; a smaller count gives a prefix of a larger one."""
    rng = random.Random(seed)
    for number in range(count):
        size = min(MAX_PARAGRAPHS, max(1, round(rng.lognormvariate(PARAGRAPHS_MU, PARAGRAPHS_SIGMA))))
        text = "\n\n".join(rng.choice(paragraphs) for _ in range(size))
        yield {"id": f"bench-{number:06d}", "text": text}


def write_corpus(paragraphs: Sequence[str], count: int, seed: int) -> Corpus:
    """A JSON Lines corpus under benchmarks/corpus/ (git-ignored), one document per line."""
    from solieu.pipeline.write import atomic_output

    path = CORPUS_DIR / f"corpus-{count}-seed{seed}.jsonl"
    digest = hashlib.sha256()
    characters = 0
    with atomic_output(path) as out:
        for document in synthetic_documents(paragraphs, count, seed):
            line = json.dumps(document, ensure_ascii=False) + "\n"
            digest.update(line.encode("utf-8"))
            characters += len(document["text"])
            out.write(line)
    return Corpus(str(path.relative_to(ROOT)), count, characters, digest.hexdigest())


# --- the floors, run inside a child process ---------------------------------


def documents_of(path: Path) -> Iterator[str]:
    """The texts of a corpus file, streamed the way `solieu extract` reads it."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)["text"]


def scan_digits(path: Path) -> dict[str, int]:
    """(a) The floor: find every run of digits, as any extractor must at least do."""
    found = 0
    for text in documents_of(path):
        found += sum(1 for _ in DIGITS.finditer(text))
    return {"numbers": found}


def segment_words(path: Path) -> dict[str, int]:
    """(b) What a tokenised pipeline pays: underthesea word segmentation of every full text."""
    from underthesea import word_tokenize

    words = 0
    for text in documents_of(path):
        words += len(word_tokenize(text, use_token_normalize=False))
    return {"words": words}


FLOORS = {"regex": scan_digits, "segmentation": segment_words}


# --- measuring a process ------------------------------------------------------


class TreeSampler(threading.Thread):
    """Polls the resident memory of a process and all its descendants; keeps the largest sum.

    A pool's workers are separate processes, so the memory a user must provision is
    their sum, which no single rusage figure gives.
    """

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, sum(resident_bytes(pid) for pid in process_tree(self.pid)))
            self.done.wait(SAMPLE_EVERY)


def process_tree(root: int) -> list[int]:
    pids, queue = [], [root]
    while queue:
        pid = queue.pop()
        pids.append(pid)
        for task in Path(f"/proc/{pid}/task").glob("*/children"):
            try:
                queue.extend(int(child) for child in task.read_text().split())
            except OSError:  # the process ended between the listing and the read
                continue
    return pids


def resident_bytes(pid: int) -> int:
    """Proportional set size: pages a forked worker shares with its parent are counted once, not twice."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def run_measured(name: str, command: list[str], corpus: Corpus) -> Measured:
    """Run `command` to its end; its wall time and peak memory, or exit naming what failed."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors)
        sampler = TreeSampler(process.pid)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        sampler.done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            tail = errors.read().decode("utf-8", "replace").strip().splitlines()[-5:]
            raise SystemExit(f"bench: {name} failed (exit {process.returncode}): " + " | ".join(tail))
    return Measured(
        name=name,
        corpus=corpus.path,
        documents=corpus.documents,
        characters=corpus.characters,
        seconds=seconds,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        load=os.getloadavg()[0],
        peak_tree_mb=sampler.peak / MEGABYTE,
        max_rss_mb=usage.ru_maxrss / 1024,  # Linux reports kilobytes
    )


def floor_command(floor: str, corpus: Corpus) -> list[str]:
    return [sys.executable, "-m", "benchmarks.run", "--floor", floor, str(ROOT / corpus.path)]


def extract_command(corpus: Corpus, workers: int, output: Path) -> list[str]:
    return [
        sys.executable, "-m", "solieu.pipeline.cli", "extract", str(ROOT / corpus.path),
        "-o", str(output), "--workers", str(workers),
    ]


# --- the report (issue 11): page size and time to draw in headless Chromium ---

REPORT_SIZES: tuple[int, ...] = (10_000, 100_000)  # generated figures over the 63 provinces
REPORT_LOADS = 3  # page loads per report; the median is kept


def measure_report(results_path: Path, seed: int = 2024) -> dict[str, Any]:
    """Size of `solieu report` pages and the time Chromium takes to draw them; merged into results.json.

    Pages: the demo (the `corpora/sample` store that `make demo` builds) and
    generated figures files over the 63 provinces (benchmarks/report_corpus.py).
    `write_seconds` is the `solieu report` process, start to exit; `draw_ms` is
    the page's own clock from navigation start until its script has drawn every
    section (`performance.now()` at the end of the script), `load_seconds` the
    wall time from the DevTools navigate command until the page says it is drawn.
    Only this part runs with `python -m benchmarks.run --report-only`.
    """
    import statistics

    from benchmarks.browser import Chromium, find_chromium
    from benchmarks.report_corpus import write_figures

    solieu = str(Path(sys.executable).with_name("solieu"))
    CORPUS_DIR.mkdir(parents=True, exist_ok=True)
    demo_db = CORPUS_DIR / "report-demo.duckdb"
    demo_db.unlink(missing_ok=True)
    subprocess.run([solieu, "ingest", str(ROOT / "corpora" / "sample"), "--db", str(demo_db)],
                   check=True, capture_output=True)
    sources: list[tuple[str, list[str], int]] = [("demo (corpora/sample)", ["--db", str(demo_db)], 0)]
    for size in REPORT_SIZES:
        path = write_figures(CORPUS_DIR / f"report-{size}-seed{seed}.jsonl", size, seed)
        sources.append((f"generated, {size:,} figures, 63 provinces", [str(path)], size))
    pages = []
    chromium = find_chromium()
    version = subprocess.run([chromium, "--version"], capture_output=True, text=True).stdout.strip() if chromium else None
    for name, source, _ in sources:
        output = CORPUS_DIR / f"report-{len(pages)}.html"
        start = time.perf_counter()
        subprocess.run([solieu, "report", *source, "-o", str(output)], check=True, capture_output=True)
        written = time.perf_counter() - start
        entry: dict[str, Any] = {"page": name, "bytes": output.stat().st_size, "write_seconds": round(written, 2)}
        if chromium:
            with Chromium(chromium, timeout=300) as browser:
                loads, draws = [], []
                for _ in range(REPORT_LOADS):
                    loads.append(browser.open(output))
                    draws.append(browser.evaluate("window.reportRenderedAt"))
                entry.update(
                    figures=browser.evaluate("JSON.parse(document.getElementById('report-data').textContent).figures.length"),
                    provinces=browser.evaluate("(d => d.provinces.length - (d.hasNational ? 1 : 0))"
                                               "(JSON.parse(document.getElementById('report-data').textContent))"),
                    elements=browser.evaluate("document.getElementsByTagName('*').length"),
                    draw_ms=round(statistics.median(draws)), load_seconds=round(statistics.median(loads), 2),
                    requests_outside=len([u for u in browser.requests() if not u.startswith("file:")]),
                )
        pages.append(announce_report(entry))
    report = {"date": datetime.date.today().isoformat(), "chromium": version, "loads": REPORT_LOADS, "pages": pages}
    results = json.loads(results_path.read_text(encoding="utf-8")) if results_path.exists() else {}
    results["report"] = report
    from solieu.pipeline.write import atomic_output

    with atomic_output(results_path) as out:
        out.write(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    return report


def announce_report(entry: dict[str, Any]) -> dict[str, Any]:
    drawn = f", drawn in {entry['draw_ms']} ms ({entry['load_seconds']} s to load)" if "draw_ms" in entry else ", no chromium"
    print(f"bench: report of {entry['page']}: {entry['bytes'] / MEGABYTE:.2f} MB, written in "
          f"{entry['write_seconds']} s{drawn}", file=sys.stderr)
    return entry


# --- the run ----------------------------------------------------------------


def all_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def measure(large: Corpus, small: Corpus, workers: int) -> tuple[dict[str, Measured], bool]:
    """The five runs, in an order that keeps the machine's caches comparable between them."""
    runs: dict[str, Measured] = {}
    outputs = CORPUS_DIR / "out"
    for floor in FLOORS:
        runs[floor] = announce(run_measured(floor, floor_command(floor, large), large))
    one, many = outputs / "extract-1.jsonl", outputs / f"extract-{workers}.jsonl"
    runs["extract_1_worker"] = announce(run_measured("extract, 1 worker", extract_command(large, 1, one), large))
    runs["extract_all_cores"] = announce(
        run_measured(f"extract, {workers} workers", extract_command(large, workers, many), large)
    )
    runs["extract_1_worker_small"] = announce(
        run_measured("extract, 1 worker, small corpus", extract_command(small, 1, outputs / "small.jsonl"), small)
    )
    return runs, one.read_bytes() == many.read_bytes()


def announce(measured: Measured) -> Measured:
    print(
        f"  {measured.name}: {measured.seconds:.1f} s, {measured.characters_per_second:,.0f} chars/s, "
        f"{measured.max_rss_mb:.0f} MB",
        file=sys.stderr,
        flush=True,
    )
    return measured


def summarise(large: Corpus, small: Corpus, workers: int, runs: dict[str, Measured], identical: bool) -> dict[str, Any]:
    """results.json: the corpora, every run, and the ratios the issue's bar is stated in.

    The single-worker ratios are taken on CPU time, which other jobs on a shared
    machine do not skew (on an idle machine it equals wall time for one process);
    their wall-time twins are kept beside them. Scaling is wall time by nature.
    """
    cpu = {name: run.characters_per_cpu_second for name, run in runs.items()}
    wall = {name: run.characters_per_second for name, run in runs.items()}
    small_peak = runs["extract_1_worker_small"].max_rss_mb
    return {
        "date": datetime.date.today().isoformat(),
        "machine": {"cores": all_cores(), "python": platform.python_version(), "platform": platform.platform()},
        "corpus": asdict(large),
        "corpus_small": asdict(small),
        "workers": workers,
        "runs": {name: run.as_dict() for name, run in runs.items()},
        "ratio_pipeline_vs_segmentation": round(cpu["extract_1_worker"] / cpu["segmentation"], 3),
        "ratio_pipeline_vs_segmentation_wall": round(wall["extract_1_worker"] / wall["segmentation"], 3),
        "ratio_pipeline_vs_regex": round(cpu["extract_1_worker"] / cpu["regex"], 4),
        "ratio_pipeline_all_cores_vs_segmentation_wall": round(wall["extract_all_cores"] / wall["segmentation"], 3),
        "speedup_all_cores": round(wall["extract_all_cores"] / wall["extract_1_worker"], 2),
        "memory_growth": round((runs["extract_1_worker"].max_rss_mb - small_peak) / small_peak, 3),
        "identical_output": identical,
    }


def table(results: dict[str, Any]) -> str:
    """The Markdown table the README carries."""
    rows = [
        "| run | corpus | docs/s | chars/s | chars per CPU-s | peak memory, all processes (MB) | wall (s) | CPU (s) | load |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    labels = {
        "regex": "(a) regex scan for digits",
        "segmentation": "(b) underthesea word_tokenize",
        "extract_1_worker": "(c) solieu extract, 1 worker",
        "extract_all_cores": f"(c) solieu extract, {results['workers']} workers",
        "extract_1_worker_small": "(c) solieu extract, 1 worker",
    }
    for name, run in results["runs"].items():
        rows.append(
            f"| {labels[name]} | {run['documents']:,} docs | {run['documents_per_second']:,.1f} | "
            f"{run['characters_per_second']:,} | {run['characters_per_cpu_second']:,} | {run['peak_tree_mb']:,.0f} | "
            f"{run['seconds']:,.1f} | {run['cpu_seconds']:,.1f} | {run['load']:.1f} |"
        )
    ratios = [
        f"- c/b, 1 worker: {results['ratio_pipeline_vs_segmentation']} on CPU time "
        f"({results['ratio_pipeline_vs_segmentation_wall']} on wall time)",
        f"- c/a, 1 worker: {results['ratio_pipeline_vs_regex']}",
        f"- c/b, {results['workers']} workers: {results['ratio_pipeline_all_cores_vs_segmentation_wall']} on wall time; "
        f"speed-up over 1 worker: {results['speedup_all_cores']}x",
        f"- peak memory growth from {results['corpus_small']['documents']:,} to {results['corpus']['documents']:,} "
        f"documents, 1 worker: {results['memory_growth']:+.1%}",
        f"- output of {results['workers']} workers identical to 1 worker's: "
        f"{'yes' if results['identical_output'] else 'NO'}",
    ]
    return "\n".join(rows) + "\n\n" + "\n".join(ratios)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=5000, help="documents in the large corpus")
    parser.add_argument("--small", type=int, default=1000, help="documents in the small corpus (memory growth)")
    parser.add_argument("--seed", type=int, default=2024, help="seed of the corpus generator")
    parser.add_argument("--workers", type=int, default=all_cores(), help="workers of the all-cores run")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where to write the JSON results")
    parser.add_argument("--report-only", action="store_true", help="measure only the report pages (size, Chromium draw time)")
    parser.add_argument("--floor", choices=sorted(FLOORS), help=argparse.SUPPRESS)  # child process mode
    parser.add_argument("corpus_file", nargs="?", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.floor:
        print(json.dumps(FLOORS[args.floor](args.corpus_file)))
        return 0
    if args.report_only:
        measure_report(args.results, args.seed)
        return 0
    if not 0 < args.small < args.documents:
        raise SystemExit("bench: --small must be between 1 and --documents")
    paragraphs = source_paragraphs()
    large = write_corpus(paragraphs, args.documents, args.seed)
    small = write_corpus(paragraphs, args.small, args.seed)
    print(
        f"bench: {large.documents:,} documents ({large.characters:,} characters) and "
        f"{small.documents:,} ({small.characters:,}) from {len(paragraphs)} paragraphs of corpora/",
        file=sys.stderr,
    )
    runs, identical = measure(large, small, args.workers)
    results = summarise(large, small, args.workers, runs, identical)
    from solieu.pipeline.write import atomic_output

    with atomic_output(args.results) as out:
        out.write(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    print(table(results))
    measure_report(args.results, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
