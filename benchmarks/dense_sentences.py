"""`make bench`, part two: a sentence of thousands of numbers costs what its length costs, not its square.

These were unit tests (CPU-time ratios with a generous bound) until a busy
machine made them a matter of luck: timings belong here, not in `make test`.
The unit suite keeps the contract on such input (tests/test_linear.py); this
measures its cost. Exit status 1 when a bound does not hold.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from solieu.pipeline.records import Document
from solieu.pipeline.run import extract_document

SEEDS = Path(__file__).resolve().parent.parent / "corpora" / "seeds"
# The dense text holds ~40 times the figures of a normal one of its size; each figure costs its own
# work, so about 20 is expected (its square cost over 300 before). Linear gives 4 for 4 times the
# numbers, the square 16.
DENSE_BOUND, FOUR_TIMES_BOUND = 60.0, 8.0


def cpu_seconds(text: str) -> float:
    start = time.process_time()
    extract_document(Document("timed", "timed", text), models=None)
    return time.process_time() - start


def main() -> int:
    normal = "\n".join(path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))[:3])
    dense = ("Có " + "12 cơ sở, " * len(normal))[: len(normal)]
    cpu_seconds(normal[:2000])  # load the lexicons and models outside the measurement
    dense_ratio = cpu_seconds(dense) / max(cpu_seconds(normal), 1e-3)
    small = cpu_seconds("Có " + "12 cơ sở, " * 600)
    large = cpu_seconds("Có " + "12 cơ sở, " * 2400)
    four_times = large / max(small, 1e-3)
    holds = dense_ratio < DENSE_BOUND and four_times < FOUR_TIMES_BOUND
    print(f"dense sentence / normal text of {len(normal):,} characters, CPU time: {dense_ratio:.1f} "
          f"(bound {DENSE_BOUND:g}); 2,400 numbers / 600 in one sentence: {four_times:.1f} "
          f"(bound {FOUR_TIMES_BOUND:g}): {'holds' if holds else 'DOES NOT HOLD'}")
    return 0 if holds else 1


if __name__ == "__main__":
    sys.exit(main())
