"""`make bench`: how fast and how flat `solieu extract` is, against the floors of any extractor.

One run, two corpora, every measurement in its own process so that imports,
model loading and peak memory are those a user would see:

  (a) a plain regex scan for digits: the floor of any extractor (reading + JSON included);
  (b) underthesea `word_tokenize` of every document's full text: what any
      tokenised pipeline pays;
  (c) underthesea `pos_tag`, sentence by sentence (`sent_tokenize`): what a
      tagged pipeline pays;
  (d) `solieu extract` with 1 worker and with all cores.

They run on the same text twice: a generated corpus (the paragraphs of
`corpora/sample` and of the real development set, recombined by a seeded
generator, so its figure density is that of real articles) and a figure-dense
corpus (seeds, real development set and hand-made training corpus, replicated).
Then: memory growth of one worker from the 1,000-document prefix of the
generated corpus to the whole, the Dask engine on two local workers against the
local pool (dense corpus), and the linear-time check of issue 10 (seconds per
MB for single documents of 0.25, 1 and 4 MB). Each run records wall time and CPU
time (user + system of the process and its workers): CPU time is what a busy
machine does not skew, so the ratios between single-process runs are taken on
it. The ratios that are wall time by nature (all cores against one worker, Dask
against the pool) come from `--repeats` alternating pairs of runs, their median
kept and every pair recorded. Results go to `benchmarks/results.json`.
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
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT / "corpora"
CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
RESULTS = Path(__file__).resolve().parent / "results.json"

# Where the source texts are. The gold and training files are looked for both in
# the flat layout and under a domain folder (corpora/domains/<name>/...).
SEEDS = ("seeds/*.txt",)
SAMPLE_TEXTS = ("sample/*.txt",)
REAL_DEV = ("sample/real-dev.jsonl",)
GOLD_REAL_DEV = ("gold/real-dev.gold.jsonl", "domains/*/gold/real-dev.gold.jsonl")
HANDMADE = ("training/handmade.jsonl", "domains/*/training/handmade.jsonl")

# Document length in paragraphs is log-normal: mostly short news items, a tail of
# long reports, as in a real archive (median ~4 paragraphs).
PARAGRAPHS_MU = 1.4
PARAGRAPHS_SIGMA = 0.8
MAX_PARAGRAPHS = 60
DIGITS = re.compile(r"\d+")
# Seconds between two memory samples of a measured process tree. Reading every
# process's smaps_rollup 20 times a second cost the bench 11% of a core, taken
# from the runs it measured: on 2 cores that lowered the all-cores speed-up
# and nothing else. Four times a second costs 1.6% and still sees the peak of
# runs that last seconds.
SAMPLE_EVERY = 0.25
MEGABYTE = 1024 * 1024
LINEAR_BOUND = 20.0  # issue 10: seconds per MB at 4 MB at most 20 times those at 0.25 MB
NO_BUDGET = "86400"  # --max-seconds for the bench: a slow document is measured, not rejected


@dataclass(frozen=True)
class Corpus:
    """A generated corpus file and what it holds, so results can be compared run to run."""

    path: str
    documents: int
    characters: int
    sha256: str


@dataclass(frozen=True)
class Measured:
    """One measured process: wall time, CPU time and peak memory (sampled tree sum and kernel maximum)."""

    name: str
    corpus: str
    documents: int
    characters: int
    seconds: float
    cpu_seconds: float  # user + system time of the process and its workers
    load: float  # the machine's 1-minute load average when the run ended
    peak_tree_mb: float  # sum of the proportional memory (PSS) of the process and its workers, sampled
    max_rss_mb: float  # the kernel's peak resident memory of the largest single process
    figures: int | None = None  # lines written by `solieu extract`; None for the floors

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

    @property
    def cpu_ms_per_document(self) -> float:
        return 1000 * self.cpu_seconds / self.documents

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["documents_per_second"] = round(self.documents_per_second, 1)
        data["characters_per_second"] = round(self.characters_per_second)
        data["characters_per_cpu_second"] = round(self.characters_per_cpu_second)
        data["cpu_ms_per_document"] = round(self.cpu_ms_per_document, 2)
        # Cores the run kept busy on average: under 2 for a 2-worker run means others held the machine.
        data["cores_used"] = round(self.cpu_seconds / self.seconds, 2)
        data["seconds"] = round(self.seconds, 3)
        data["cpu_seconds"] = round(self.cpu_seconds, 3)
        data["load"] = round(self.load, 2)
        data["peak_tree_mb"] = round(self.peak_tree_mb, 1)
        data["max_rss_mb"] = round(self.max_rss_mb, 1)
        if self.figures is None:
            del data["figures"]
        else:
            data["figures_per_1000_characters"] = round(1000 * self.figures / self.characters, 2)
        return data


# --- source texts -------------------------------------------------------------


def found(patterns: Sequence[str]) -> list[Path]:
    """The files of `corpora/` matching the first pattern that matches any, sorted."""
    for pattern in patterns:
        paths = sorted(CORPORA.glob(pattern))
        if paths:
            return paths
    return []


def texts_of(patterns: Sequence[str]) -> list[tuple[str, str]]:
    """(id, text) of every document in the files found: plain text files or JSON Lines with a `text`."""
    texts: list[tuple[str, str]] = []
    for path in found(patterns):
        if path.suffix == ".jsonl":
            with path.open(encoding="utf-8") as handle:
                for number, line in enumerate(handle):
                    if line.strip():
                        record = json.loads(line)
                        key = record.get("id") or record.get("doc_id") or f"{path.stem}-{number}"
                        texts.append((str(key), record["text"]))
        else:
            texts.append((path.stem, path.read_text(encoding="utf-8")))
    return texts


def required_texts(name: str, patterns: Sequence[str]) -> list[tuple[str, str]]:
    texts = texts_of(patterns)
    if not texts:
        raise SystemExit(f"bench: no {name} under corpora/ ({', '.join(patterns)})")
    return texts


def source_paragraphs() -> list[str]:
    """Every distinct non-empty line of the sample articles and the real development set, sorted.

    The five seeds alone (118 paragraphs) hold a quarter of the figures per
    character of real articles; the real development set brings the density of
    the text the pipeline is for.
    """
    paragraphs: set[str] = set()
    for patterns in (SAMPLE_TEXTS, REAL_DEV, GOLD_REAL_DEV):
        for _, text in texts_of(patterns):
            paragraphs.update(line.strip() for line in text.splitlines() if line.strip())
    if not paragraphs:
        raise SystemExit("bench: no text under corpora/sample or the real development set to build a corpus from")
    return sorted(paragraphs)


def dense_sources() -> list[tuple[str, str]]:
    """The figure-dense texts of `corpora/`: seeds, real development set (gold), hand-made training corpus."""
    return [
        *required_texts("seeds", SEEDS),
        *required_texts("real development set", GOLD_REAL_DEV),
        *required_texts("hand-made corpus", HANDMADE),
    ]


def article_text(size_bytes: int) -> str:
    """Article-like text of `size_bytes` UTF-8 bytes (at most): the real development texts, repeated.

    Cut at a paragraph end, so every size holds whole articles' sentences.
    """
    texts = [text.strip() for _, text in required_texts("real development set", REAL_DEV)]
    pieces: list[str] = []
    total = 0
    while True:
        for text in texts:
            for paragraph in (p for p in text.split("\n") if p.strip()):
                size = len(paragraph.encode("utf-8")) + 1
                if total + size > size_bytes:
                    return "\n".join(pieces)
                pieces.append(paragraph)
                total += size


# --- corpora ------------------------------------------------------------------


def synthetic_documents(paragraphs: Sequence[str], count: int, seed: int) -> Iterator[dict[str, str]]:
    """`count` documents of recombined paragraphs; a smaller count gives a prefix of a larger one."""
    rng = random.Random(seed)
    for number in range(count):
        size = min(MAX_PARAGRAPHS, max(1, round(rng.lognormvariate(PARAGRAPHS_MU, PARAGRAPHS_SIGMA))))
        text = "\n\n".join(rng.choice(paragraphs) for _ in range(size))
        yield {"id": f"bench-{number:06d}", "text": text}


def dense_documents(sources: Sequence[tuple[str, str]], copies: int) -> Iterator[dict[str, str]]:
    """The dense texts `copies` times over, each copy with its own ids."""
    for copy in range(copies):
        for key, text in sources:
            yield {"id": f"dense-{copy:03d}-{key}", "text": text}


def write_corpus(name: str, documents: Iterable[dict[str, str]]) -> Corpus:
    """A JSON Lines corpus under benchmarks/corpus/ (git-ignored), one document per line."""
    from solieu.pipeline.write import atomic_output

    path = CORPUS_DIR / f"{name}.jsonl"
    digest = hashlib.sha256()
    characters = count = 0
    with atomic_output(path) as out:
        for document in documents:
            line = json.dumps(document, ensure_ascii=False) + "\n"
            digest.update(line.encode("utf-8"))
            characters += len(document["text"])
            count += 1
            out.write(line)
    return Corpus(str(path.relative_to(ROOT)), count, characters, digest.hexdigest())


# --- the floors and the linear check, run inside a child process ------------


def documents_of(path: Path) -> Iterator[str]:
    """The texts of a corpus file, streamed the way `solieu extract` reads it."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)["text"]


def scan_digits(path: Path) -> dict[str, int]:
    """(a) The floor: find every run of digits, as any extractor must at least do."""
    found_numbers = 0
    for text in documents_of(path):
        found_numbers += sum(1 for _ in DIGITS.finditer(text))
    return {"numbers": found_numbers}


def segment_words(path: Path) -> dict[str, int]:
    """(b) What a tokenised pipeline pays: underthesea word segmentation of every full text."""
    from underthesea import word_tokenize

    words = 0
    for text in documents_of(path):
        words += len(word_tokenize(text, use_token_normalize=False))
    return {"words": words}


def tag_sentences(path: Path) -> dict[str, int]:
    """(c) What a tagged pipeline pays: underthesea sentence split, then `pos_tag` sentence by sentence.

    By sentence, because underthesea's tagger over a whole document is slower than
    linear in its length; no pipeline would call it that way.
    """
    from underthesea import pos_tag, sent_tokenize

    tags = 0
    for text in documents_of(path):
        for paragraph in text.split("\n"):
            if paragraph.strip():
                for sentence in sent_tokenize(paragraph):
                    tags += len(pos_tag(sentence))
    return {"tags": tags}


FLOORS = {"regex": scan_digits, "segmentation": segment_words, "pos_tag": tag_sentences}


def time_one_document(path: Path) -> dict[str, Any]:
    """Extract one document in this process, models already loaded: its wall and CPU seconds.

    Runs what a worker runs per document (`extract_or_reject`, pieces included),
    without the time budget, after a warm-up document, so that startup and model
    loading do not hide how time grows with size.
    """
    from solieu.pipeline.records import Document
    from solieu.pipeline.run import extract_or_reject

    text = path.read_text(encoding="utf-8")
    warm = extract_or_reject(Document("warm-up", "warm-up", text[:20_000]), max_seconds=None)
    if not isinstance(warm, list):
        raise SystemExit(f"bench: warm-up rejected: {warm.reason}")
    wall, cpu = time.perf_counter(), time.process_time()
    figures = extract_or_reject(Document(path.stem, str(path), text), max_seconds=None)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if not isinstance(figures, list):
        raise SystemExit(f"bench: {path} rejected: {figures.reason}")
    return {"seconds": wall, "cpu_seconds": cpu, "figures": len(figures), "characters": len(text)}


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


def run_measured(name: str, command: list[str], corpus: Corpus, output: Path | None = None) -> Measured:
    """Run `command` to its end; its wall time, CPU time and peak memory, or exit naming what failed.

    CPU time comes from `wait4`: the process and every worker it waited for.
    `output` (what `solieu extract` wrote) gives the figures found.
    """
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
        figures=figures_in(output) if output is not None else None,
    )


def figures_in(output: Path) -> int:
    """Records written: lines of a JSON Lines file, rows of a Parquet dataset folder (`--engine dask`)."""
    if output.is_dir():
        import pyarrow.parquet as pq

        return sum(pq.ParquetFile(part).metadata.num_rows for part in sorted(output.glob("*.parquet")))
    with output.open("rb") as handle:
        return sum(1 for _ in handle)


def floor_command(floor: str, corpus: Corpus) -> list[str]:
    return [sys.executable, "-m", "benchmarks.run", "--floor", floor, str(ROOT / corpus.path)]


def extract_command(corpus: Corpus, workers: int, output: Path, engine: str = "local") -> list[str]:
    return [
        sys.executable, "-m", "solieu.pipeline.cli", "extract", str(ROOT / corpus.path),
        "-o", str(output), "--workers", str(workers), "--engine", engine, "--max-seconds", NO_BUDGET, "--quiet",
    ]


# --- the report (issue 11): page size and time to draw in headless Chromium ---

REPORT_SIZES: tuple[int, ...] = (10_000, 100_000)  # generated figures over the 63 provinces
REPORT_LOADS = 3  # page loads per report; the median is kept
# What a page of 10,000 figures must stay within (issue 11, again in issue 19 with the map and verdicts).
REPORT_BUDGET = {"figures": 10_000, "megabytes": 2.0, "draw_ms": 1000}


def measure_report(results_path: Path, seed: int = 2024, sizes: Sequence[int] = REPORT_SIZES,
                   demo: bool = True, loads: int = REPORT_LOADS) -> dict[str, Any]:
    """Size of `solieu report` pages and the time Chromium takes to draw them; merged into results.json.

    Pages: the demo (the `corpora/sample` store that `make demo` builds) and
    generated figures files over the 63 provinces (benchmarks/report_corpus.py).
    `write_seconds` is the `solieu report` process, start to exit; `draw_ms` is
    the page's own clock from navigation start until its script has drawn every
    section (`performance.now()` at the end of the script), `load_seconds` the
    wall time from the DevTools navigate command until the page says it is drawn.
    The page of `REPORT_BUDGET["figures"]` figures says whether it stays within
    the budget (`within_budget`). Only this part runs with
    `python -m benchmarks.run --report-only`; `sizes`, `demo` and `loads` make a
    small run (`measure_report(path, sizes=(500,), demo=False, loads=1)`).
    """
    from benchmarks.browser import find_chromium
    from benchmarks.report_corpus import write_figures

    solieu = str(Path(sys.executable).with_name("solieu"))
    CORPUS_DIR.mkdir(parents=True, exist_ok=True)
    sources: list[tuple[str, list[str], int]] = []
    if demo:
        demo_db = CORPUS_DIR / "report-demo.duckdb"
        demo_db.unlink(missing_ok=True)
        subprocess.run([solieu, "ingest", str(ROOT / "corpora" / "sample"), "--db", str(demo_db)],
                       check=True, capture_output=True)
        sources.append(("demo (corpora/sample)", ["--db", str(demo_db)], 0))
    for size in sizes:
        path = write_figures(CORPUS_DIR / f"report-{size}-seed{seed}.jsonl", size, seed)
        sources.append((f"generated, {size:,} figures, 63 provinces", [str(path)], size))
    chromium = find_chromium()
    version = subprocess.run([chromium, "--version"], capture_output=True, text=True).stdout.strip() if chromium else None
    pages = []
    for name, source, size in sources:
        output = CORPUS_DIR / f"report-{len(pages)}.html"
        entry = measure_page(solieu, name, source, output, chromium, loads)
        if size == REPORT_BUDGET["figures"] and "draw_ms" in entry:
            entry["within_budget"] = (entry["bytes"] / MEGABYTE < REPORT_BUDGET["megabytes"]
                                      and entry["draw_ms"] < REPORT_BUDGET["draw_ms"])
        pages.append(announce_report(entry))
    report = {"date": datetime.date.today().isoformat(), "chromium": version, "loads": loads,
              "budget": REPORT_BUDGET, "pages": pages}
    results = json.loads(results_path.read_text(encoding="utf-8")) if results_path.exists() else {}
    results["report"] = report
    from solieu.pipeline.write import atomic_output

    with atomic_output(results_path) as out:
        out.write(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    return report


def measure_page(solieu: str, name: str, source: list[str], output: Path, chromium: str | None,
                 loads: int) -> dict[str, Any]:
    """One page: written by `solieu report`, then opened `loads` times; the medians are kept."""
    import statistics

    from benchmarks.browser import Chromium

    start = time.perf_counter()
    subprocess.run([solieu, "report", *source, "-o", str(output)], check=True, capture_output=True)
    written = time.perf_counter() - start
    entry: dict[str, Any] = {"page": name, "bytes": output.stat().st_size, "write_seconds": round(written, 2)}
    if not chromium:
        return entry
    with Chromium(chromium, timeout=300) as browser:
        opened, draws = [], []
        for _ in range(loads):
            opened.append(browser.open(output))
            draws.append(browser.evaluate("window.reportRenderedAt"))
        data = "JSON.parse(document.getElementById('report-data').textContent)"
        entry.update(
            figures=browser.evaluate(f"{data}.figures.length"),
            provinces=browser.evaluate(f"{data}.placed"),
            map_provinces=browser.evaluate("document.querySelectorAll('#province-map circle').length"),
            elements=browser.evaluate("document.getElementsByTagName('*').length"),
            draw_ms=round(statistics.median(draws)), load_seconds=round(statistics.median(opened), 2),
            requests_outside=len([u for u in browser.requests() if not u.startswith("file:")]),
        )
    return entry


def announce_report(entry: dict[str, Any]) -> dict[str, Any]:
    drawn = f", drawn in {entry['draw_ms']} ms ({entry['load_seconds']} s to load)" if "draw_ms" in entry else ", no chromium"
    print(f"bench: report of {entry['page']}: {entry['bytes'] / MEGABYTE:.2f} MB, written in "
          f"{entry['write_seconds']} s{drawn}", file=sys.stderr)
    return entry


# --- the run ----------------------------------------------------------------


def all_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@dataclass(frozen=True)
class Pairs:
    """Two runs measured alternately `repeats` times: the median run of each and every pair's ratios.

    A wall-time ratio between two runs (the all-cores speed-up, Dask against the
    pool) is only as good as the machine was quiet during both; alternating the
    two and taking the median of the pairs keeps one busy minute from deciding it.
    """

    first: Measured
    second: Measured
    wall_ratios: tuple[float, ...]  # second's wall time / first's, pair by pair
    cpu_ratios: tuple[float, ...]

    @property
    def wall_ratio(self) -> float:
        return statistics.median(self.wall_ratios)

    @property
    def cpu_ratio(self) -> float:
        return statistics.median(self.cpu_ratios)


def measure_pairs(first: Callable[[], Measured], second: Callable[[], Measured], repeats: int) -> Pairs:
    runs = [(announce(first()), announce(second())) for _ in range(max(1, repeats))]
    return Pairs(
        _median_run([a for a, _ in runs]), _median_run([b for _, b in runs]),
        tuple(round(b.seconds / a.seconds, 3) for a, b in runs),
        tuple(round(b.cpu_seconds / a.cpu_seconds, 3) for a, b in runs),
    )


def _median_run(runs: list[Measured]) -> Measured:
    return sorted(runs, key=lambda run: run.seconds)[len(runs) // 2]


def measure_corpus(label: str, corpus: Corpus, workers: int, repeats: int) -> tuple[dict[str, Measured], bool, Pairs]:
    """The floors and solieu on one corpus, side by side; whether all cores wrote what 1 worker wrote;
    the 1-worker and all-cores runs as alternating pairs."""
    runs: dict[str, Measured] = {}
    outputs = CORPUS_DIR / "out"
    for floor in FLOORS:
        runs[floor] = announce(run_measured(f"{label}: {floor}", floor_command(floor, corpus), corpus))
    one, many = outputs / f"{label}-extract-1.jsonl", outputs / f"{label}-extract-{workers}.jsonl"
    pairs = measure_pairs(
        lambda: run_measured(f"{label}: extract, 1 worker", extract_command(corpus, 1, one), corpus, one),
        lambda: run_measured(f"{label}: extract, {workers} workers", extract_command(corpus, workers, many), corpus, many),
        repeats,
    )
    runs["extract_1_worker"], runs["extract_all_cores"] = pairs.first, pairs.second
    return runs, one.read_bytes() == many.read_bytes(), pairs


def measure_dask(corpus: Corpus, workers: int, repeats: int) -> Pairs:
    """`--engine dask` without a scheduler (Dask's process-pool scheduler over `workers` processes,
    docs/scale.md), alternating with the local pool of as many workers."""
    output = CORPUS_DIR / "out" / "dense-dask"
    local = CORPUS_DIR / "out" / f"dense-local-{workers}.jsonl"

    def dask() -> Measured:
        shutil.rmtree(output, ignore_errors=True)
        return run_measured(f"dense: extract --engine dask, {workers} local workers",
                            extract_command(corpus, workers, output, engine="dask"), corpus, output)

    return measure_pairs(
        lambda: run_measured(f"dense: extract, {workers} workers (beside Dask)",
                             extract_command(corpus, workers, local), corpus, local),
        dask, repeats,
    )


def write_linear_documents(sizes_mb: Sequence[float]) -> dict[float, Path]:
    """The single documents of the linear check, written before any run (the sources may move meanwhile)."""
    paths = {}
    for size in sizes_mb:
        paths[size] = CORPUS_DIR / f"linear-{size:g}MB.txt"
        paths[size].write_text(article_text(int(size * 1_000_000)), encoding="utf-8")
    return paths


def measure_linear(documents: dict[float, Path]) -> dict[str, Any]:
    """Issue 10: seconds per MB of single article-like documents of growing size; the ratio must stay bounded."""
    per_size = []
    for size, path in sorted(documents.items()):
        command = [sys.executable, "-m", "benchmarks.run", "--linear-document", str(path)]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"bench: linear check at {size:g} MB failed: {done.stderr.strip()[-500:]}")
        timing = json.loads(done.stdout.strip().splitlines()[-1])
        megabytes = path.stat().st_size / 1_000_000
        entry = {
            "size_mb": size,
            "bytes": path.stat().st_size,
            "characters": timing["characters"],
            "figures": timing["figures"],
            "seconds": round(timing["seconds"], 3),
            "cpu_seconds": round(timing["cpu_seconds"], 3),
            "cpu_seconds_per_mb": round(timing["cpu_seconds"] / megabytes, 3),
            "seconds_per_mb": round(timing["seconds"] / megabytes, 3),
        }
        print(f"  linear: {size:g} MB in {entry['seconds']:.1f} s ({entry['cpu_seconds_per_mb']:.2f} CPU-s/MB)",
              file=sys.stderr, flush=True)
        per_size.append(entry)
    first, last = per_size[0], per_size[-1]
    ratio = last["cpu_seconds_per_mb"] / first["cpu_seconds_per_mb"]
    return {
        "documents": per_size,
        "ratio_largest_vs_smallest_per_mb": round(ratio, 3),
        "ratio_largest_vs_smallest_per_mb_wall": round(last["seconds_per_mb"] / first["seconds_per_mb"], 3),
        "bound": LINEAR_BOUND,
        "holds": ratio <= LINEAR_BOUND,
    }


def announce(measured: Measured) -> Measured:
    print(
        f"  {measured.name}: {measured.seconds:.1f} s wall, {measured.cpu_seconds:.1f} s CPU, "
        f"{measured.characters_per_cpu_second:,.0f} chars per CPU-s, {measured.max_rss_mb:.0f} MB",
        file=sys.stderr,
        flush=True,
    )
    return measured


def corpus_summary(corpus: Corpus, runs: dict[str, Measured], identical: bool, workers: int,
                   pairs: Pairs) -> dict[str, Any]:
    """One corpus: its runs and the ratios between them.

    Ratios between single-process runs are on CPU time (characters per CPU
    second), which other jobs on a shared machine do not skew; their wall-time
    twins are kept beside them. The all-cores speed-up is wall time by nature;
    its CPU-time twin (`cpu_cost_all_cores`) says how much extra work the pool
    costs, which is what a busy machine cannot hide.
    """
    cpu = {name: run.characters_per_cpu_second for name, run in runs.items()}
    wall = {name: run.characters_per_second for name, run in runs.items()}
    one = runs["extract_1_worker"]
    return {
        "corpus": asdict(corpus),
        "figures_per_1000_characters": round(1000 * (one.figures or 0) / corpus.characters, 2),
        "runs": {name: run.as_dict() for name, run in runs.items()},
        "pipeline_vs_segmentation": round(cpu["extract_1_worker"] / cpu["segmentation"], 3),
        "pipeline_vs_segmentation_wall": round(wall["extract_1_worker"] / wall["segmentation"], 3),
        "pipeline_vs_pos_tag": round(cpu["extract_1_worker"] / cpu["pos_tag"], 3),
        "pos_tag_vs_segmentation": round(cpu["pos_tag"] / cpu["segmentation"], 3),
        "pipeline_vs_regex": round(cpu["extract_1_worker"] / cpu["regex"], 4),
        "pipeline_all_cores_vs_segmentation_wall": round(wall["extract_all_cores"] / wall["segmentation"], 3),
        "speedup_all_cores": round(1 / pairs.wall_ratio, 2),  # median of the alternating pairs
        "speedup_all_cores_pairs": [round(1 / ratio, 2) for ratio in pairs.wall_ratios],
        "cpu_cost_all_cores": round(pairs.cpu_ratio, 3),
        "identical_output": identical,
        "workers": workers,
    }


def summarise(
    generated: dict[str, Any], dense: dict[str, Any], small: Measured, dask_pairs: Pairs, linear: dict[str, Any],
    workers: int,
) -> dict[str, Any]:
    """results.json: both corpora, every run, and at the top the numbers issue 14 states its bar in."""
    large = generated["runs"]["extract_1_worker"]
    dask, local = dask_pairs.second, dask_pairs.first
    return {
        "date": datetime.date.today().isoformat(),
        "code": code_version(),
        "machine": {"cores": all_cores(), "python": platform.python_version(), "platform": platform.platform()},
        "workers": workers,
        "ratio_pipeline_vs_segmentation": generated["pipeline_vs_segmentation"],
        "ratio_dense_vs_segmentation": dense["pipeline_vs_segmentation"],
        "speedup_all_cores": generated["speedup_all_cores"],
        "speedup_all_cores_dense": dense["speedup_all_cores"],
        "memory_growth": round((large["max_rss_mb"] - small.max_rss_mb) / small.max_rss_mb, 3),
        "ratio_dask_vs_local": round(dask_pairs.wall_ratio, 3),  # median of the alternating pairs
        "ratio_dask_vs_local_cpu": round(dask_pairs.cpu_ratio, 3),
        "ratio_linear_4mb_vs_025mb": linear["ratio_largest_vs_smallest_per_mb"],
        "linear_holds": linear["holds"],
        "generated": generated,
        "dense": dense,
        "memory": {"small": small.as_dict(), "large_max_rss_mb": large["max_rss_mb"]},
        "dask": {"run": dask.as_dict(), "local_pool_run": local.as_dict(), "wall_ratios": list(dask_pairs.wall_ratios),
                 "cpu_ratios": list(dask_pairs.cpu_ratios),
                 "same_figures_as_local": dask.figures == dense["runs"]["extract_1_worker"]["figures"]},
        "linear": linear,
    }


def code_version() -> dict[str, Any]:
    """The commit measured, and whether the code had uncommitted edits: a shared checkout can change under a run."""
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    changed = git("status", "--porcelain", "--", "solieu", "pipeline", "extractors", "corpora")
    return {"commit": git("rev-parse", "HEAD"), "uncommitted_changes": None if changed is None else bool(changed)}


LABELS = {
    "regex": "(a) regex scan for digits",
    "segmentation": "(b) underthesea word_tokenize",
    "pos_tag": "(c) underthesea pos_tag, by sentence",
    "extract_1_worker": "(d) solieu extract, 1 worker",
    "extract_all_cores": "(d) solieu extract, {workers} workers",
}


def table(results: dict[str, Any]) -> str:
    """The Markdown table and the lines under it, as the README carries them."""
    rows = [
        "| run | corpus | chars per CPU-s | vs word_tokenize (CPU) | CPU ms/doc | wall (s) | CPU (s) | docs/s (wall) | "
        "peak memory, all processes (MB) | load |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key in ("generated", "dense"):
        part = results[key]
        base = part["runs"]["segmentation"]["characters_per_cpu_second"]
        for name, run in part["runs"].items():
            label = LABELS[name].format(workers=results["workers"])
            rows.append(
                f"| {label} | {key}, {run['documents']:,} docs | {run['characters_per_cpu_second']:,} | "
                f"{run['characters_per_cpu_second'] / base:.3g} | {run['cpu_ms_per_document']:,.2f} | "
                f"{run['seconds']:,.1f} | {run['cpu_seconds']:,.1f} | {run['documents_per_second']:,.1f} | "
                f"{run['peak_tree_mb']:,.0f} | {run['load']:.1f} |"
            )
    dask = results["dask"]["run"]
    rows.append(
        f"| (e) solieu extract --engine dask, {results['workers']} local workers | dense, {dask['documents']:,} docs | "
        f"{dask['characters_per_cpu_second']:,} | | {dask['cpu_ms_per_document']:,.2f} | {dask['seconds']:,.1f} | "
        f"{dask['cpu_seconds']:,.1f} | {dask['documents_per_second']:,.1f} | {dask['peak_tree_mb']:,.0f} | "
        f"{dask['load']:.1f} |"
    )
    small = results["memory"]["small"]
    rows.append(
        f"| (d) solieu extract, 1 worker | generated prefix, {small['documents']:,} docs | "
        f"{small['characters_per_cpu_second']:,} | | {small['cpu_ms_per_document']:,.2f} | {small['seconds']:,.1f} | "
        f"{small['cpu_seconds']:,.1f} | {small['documents_per_second']:,.1f} | {small['peak_tree_mb']:,.0f} | "
        f"{small['load']:.1f} |"
    )
    generated, dense, linear = results["generated"], results["dense"], results["linear"]
    sizes = ", ".join(f"{d['size_mb']:g} MB: {d['cpu_seconds_per_mb']:.2f}" for d in linear["documents"])
    lines = [
        f"- figures per 1,000 characters (solieu's output): generated {generated['figures_per_1000_characters']}, "
        f"dense {dense['figures_per_1000_characters']}",
        f"- solieu 1 worker / word_tokenize, CPU time: generated **{results['ratio_pipeline_vs_segmentation']}** "
        f"(wall {generated['pipeline_vs_segmentation_wall']}), dense **{results['ratio_dense_vs_segmentation']}** "
        f"(wall {dense['pipeline_vs_segmentation_wall']}); target of issue 14: 1.0",
        f"- solieu 1 worker / pos_tag by sentence, CPU time: generated {generated['pipeline_vs_pos_tag']}, "
        f"dense {dense['pipeline_vs_pos_tag']}",
        f"- {results['workers']} workers / 1 worker, wall time, median of {len(generated['speedup_all_cores_pairs'])} "
        f"alternating pairs: generated {results['speedup_all_cores']}x {generated['speedup_all_cores_pairs']}, "
        f"dense {results['speedup_all_cores_dense']}x {dense['speedup_all_cores_pairs']} (CPU time of the pool / 1 worker: "
        f"{generated['cpu_cost_all_cores']}, {dense['cpu_cost_all_cores']}); output identical to 1 worker's: "
        f"{'yes' if generated['identical_output'] and dense['identical_output'] else 'NO'}; cores the "
        f"{results['workers']}-worker runs kept busy (CPU / wall): generated "
        f"{generated['runs']['extract_all_cores']['cores_used']}, dense {dense['runs']['extract_all_cores']['cores_used']}",
        f"- peak memory growth from {results['memory']['small']['documents']:,} to "
        f"{generated['corpus']['documents']:,} documents, 1 worker: {results['memory_growth']:+.1%}",
        f"- Dask ({results['workers']} local workers) / local pool on the dense corpus, median of alternating pairs: "
        f"wall time {results['ratio_dask_vs_local']} {results['dask']['wall_ratios']}, CPU time "
        f"{results['ratio_dask_vs_local_cpu']} {results['dask']['cpu_ratios']} "
        f"(same figures: {'yes' if results['dask']['same_figures_as_local'] else 'NO'})",
        f"- one document, CPU seconds per MB: {sizes}; largest / smallest: {results['ratio_linear_4mb_vs_025mb']} "
        f"(bound {linear['bound']:g}: {'holds' if linear['holds'] else 'DOES NOT HOLD'})",
    ]
    return "\n".join(rows) + "\n\n" + "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=5000, help="documents in the generated corpus")
    parser.add_argument("--small", type=int, default=1000, help="documents of its prefix (memory growth)")
    parser.add_argument("--dense-copies", type=int, default=8,
                        help="copies of the dense texts (seeds, real development set, hand-made corpus)")
    parser.add_argument("--linear-sizes", default="0.25,1,4", help="comma list of document sizes in MB (linear check)")
    parser.add_argument("--seed", type=int, default=2024, help="seed of the corpus generator")
    parser.add_argument("--workers", type=int, default=all_cores(), help="workers of the all-cores and Dask runs")
    parser.add_argument("--repeats", type=int, default=3,
                        help="alternating pairs behind each wall-time ratio (1 vs all workers, pool vs Dask); the median counts")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where to write the JSON results")
    parser.add_argument("--no-report", action="store_true", help="skip the report pages (measure_report)")
    parser.add_argument("--report-only", action="store_true", help="measure only the report pages (size, Chromium draw time)")
    parser.add_argument("--floor", choices=sorted(FLOORS), help=argparse.SUPPRESS)  # child process mode
    parser.add_argument("--linear-document", type=Path, help=argparse.SUPPRESS)  # child process mode
    parser.add_argument("corpus_file", nargs="?", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.floor:
        print(json.dumps(FLOORS[args.floor](args.corpus_file)))
        return 0
    if args.linear_document:
        print(json.dumps(time_one_document(args.linear_document)))
        return 0
    if args.report_only:
        measure_report(args.results, args.seed)
        return 0
    if not 0 < args.small < args.documents:
        raise SystemExit("bench: --small must be between 1 and --documents")
    if args.dense_copies < 1:
        raise SystemExit("bench: --dense-copies must be at least 1")
    sizes = sorted(float(size) for size in args.linear_sizes.split(","))
    started = time.perf_counter()
    paragraphs = source_paragraphs()
    generated = write_corpus(f"generated-{args.documents}-seed{args.seed}",
                             synthetic_documents(paragraphs, args.documents, args.seed))
    small = write_corpus(f"generated-{args.small}-seed{args.seed}", synthetic_documents(paragraphs, args.small, args.seed))
    dense = write_corpus(f"dense-{args.dense_copies}x", dense_documents(dense_sources(), args.dense_copies))
    linear_documents = write_linear_documents(sizes)
    print(
        f"bench: generated {generated.documents:,} documents ({generated.characters:,} characters) from "
        f"{len(paragraphs)} paragraphs; dense {dense.documents:,} ({dense.characters:,})",
        file=sys.stderr,
    )
    generated_runs, generated_same, generated_pairs = measure_corpus("generated", generated, args.workers, args.repeats)
    small_run = announce(run_measured(
        "generated prefix: extract, 1 worker", extract_command(small, 1, CORPUS_DIR / "out" / "small.jsonl"),
        small, CORPUS_DIR / "out" / "small.jsonl",
    ))
    dense_runs, dense_same, dense_pairs = measure_corpus("dense", dense, args.workers, args.repeats)
    dask_pairs = measure_dask(dense, args.workers, args.repeats)
    linear = measure_linear(linear_documents)
    results = summarise(
        corpus_summary(generated, generated_runs, generated_same, args.workers, generated_pairs),
        corpus_summary(dense, dense_runs, dense_same, args.workers, dense_pairs),
        small_run, dask_pairs, linear, args.workers,
    )
    previous = json.loads(args.results.read_text(encoding="utf-8")) if args.results.exists() else {}
    if "report" in previous:  # the report pages are measured apart (--report-only); keep them unless remeasured
        results["report"] = previous["report"]
    results["bench_seconds"] = round(time.perf_counter() - started, 1)
    from solieu.pipeline.write import atomic_output

    with atomic_output(args.results) as out:
        out.write(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    print(table(results))
    if not args.no_report:
        measure_report(args.results, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
