"""The report as a reader uses it, in headless Chromium: click a cell, read the evidence, filter, search.

Debian's `chromium` is installed by `make test` (target `chromium`); where it is
missing the tests skip and say so. The page is driven over the DevTools protocol
(benchmarks/browser.py); every request it makes is recorded.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from test_report import build_store
from solieu.pipeline.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.browser import Chromium, find_chromium  # noqa: E402


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("browser")
    output = folder / "report.html"
    assert main(["report", "--db", str(build_store(folder)), "-o", str(output)]) == 0
    return output


@pytest.fixture(scope="module")
def browser(report: Path):
    if not find_chromium():
        pytest.skip("chromium is not installed (make test installs it with apt-get where apt-get exists)")
    with Chromium() as chromium:
        chromium.open(report)
        yield chromium


def settle(browser: Chromium) -> None:
    """Let the page finish what a click or a change started (drawing is synchronous; scrolling and timers are not)."""
    browser.evaluate("new Promise(r => requestAnimationFrame(() => setTimeout(r, 50)))")


def click_cell(browser: Chromium, province: str, metric: str, status: str) -> None:
    found = browser.evaluate(f"""(() => {{
      const rows = Array.from(document.querySelectorAll('#overview-table tbody tr'));
      const heads = Array.from(document.querySelectorAll('#overview-table thead th')).map(th => th.firstChild.textContent);
      const row = rows.find(r => r.querySelector('th').textContent === {province!r});
      const cell = row && row.children[heads.indexOf({metric!r})];
      const line = cell && cell.querySelector('a.line.{status}');
      if (!line) return false;
      line.click();
      return true;
    }})()""")
    assert found, f"no {status} line for {province} × {metric} in the overview"
    settle(browser)


def test_clicking_a_cell_shows_its_evidence_sentence_with_the_span_highlighted(browser: Chromium):
    click_cell(browser, "Quảng Nam", "Lớp tập huấn, bồi dưỡng", "achieved")

    head = browser.evaluate("document.getElementById('evidence-head').textContent")
    figures = browser.evaluate("""Array.from(document.querySelectorAll('#evidence-list li.fig')).map(li => ({
        mark: li.querySelector('blockquote mark').textContent,
        quote: li.querySelector('blockquote').textContent,
        headline: li.classList.contains('head'),
        link: (li.querySelector('.src a[href^="http"]') || {}).href || null}))""")

    assert "Quảng Nam · Lớp tập huấn, bồi dưỡng · 2023 · Kết quả" in head and "9" in head
    assert figures[0] == {"mark": "9", "quote": "Trong năm 2023, tỉnh Quảng Nam đã mở 9 lớp tập huấn về phòng, chống mại dâm.",
                          "headline": True, "link": "https://example.vn/tin/quang-nam"}
    assert figures[1]["mark"] == "8" and not figures[1]["headline"]
    assert browser.evaluate("location.hash").startswith("#e")


def test_a_figure_leads_back_to_its_cell(browser: Chromium):
    click_cell(browser, "Quảng Nam", "Lớp tập huấn, bồi dưỡng", "achieved")

    browser.evaluate("document.querySelector('#evidence-list li.fig a.back').click()")
    settle(browser)

    target = browser.evaluate("location.hash")
    assert target.startswith("#c")
    assert browser.evaluate(f"document.getElementById({target[1:]!r}).classList.contains('flash')")


def test_filtering_to_one_province_leaves_only_that_province(browser: Chromium):
    browser.evaluate("""(() => { const s = document.getElementById('f-province');
        s.value = Array.from(s.options).find(o => o.textContent === 'Đà Nẵng').value;
        s.dispatchEvent(new Event('change')); })()""")
    settle(browser)

    overview = browser.evaluate("Array.from(document.querySelectorAll('#overview-table tbody th')).map(th => th.textContent)")
    table = browser.evaluate("Array.from(document.querySelectorAll('#comparison-table tr[id] td:first-child')).map(td => td.textContent)")
    evidence = browser.evaluate("Array.from(document.querySelectorAll('#evidence-list blockquote')).map(q => q.textContent)")
    panels = browser.evaluate("Array.from(document.querySelectorAll('#multiples .panel .name')).map(n => n.firstChild.textContent.trim())")

    assert overview == ["Đà Nẵng"] and table == ["Đà Nẵng"]
    assert evidence == ["Năm 2023, thành phố Đà Nẵng tổ chức 6 lớp tập huấn về phòng, chống mại dâm."]
    assert panels == ["Đà Nẵng"]
    browser.evaluate("document.getElementById('f-clear').click()")
    settle(browser)


def test_search_finds_figures_by_their_words_with_or_without_tone_marks(browser: Chromium):
    def search(words: str) -> list[str]:
        browser.evaluate(f"""(() => {{ const q = document.getElementById('f-search'); q.value = {words!r};
            q.dispatchEvent(new Event('input')); }})()""")
        time.sleep(0.4)  # the search waits for the reader to stop typing
        return browser.evaluate("Array.from(document.querySelectorAll('#evidence-list blockquote mark')).map(m => m.textContent)")

    # "… 10 lớp tập huấn cho cán bộ …" and "… 8 lớp tập huấn cho hơn 400 cán bộ."
    assert sorted(search("cán bộ")) == ["10", "8", "hơn 400"]
    assert sorted(search("can bo")) == ["10", "8", "hơn 400"]
    assert sorted(search("baoquangnam")) == ["180/240", "8", "hơn 400"]  # the source too
    assert search("không có câu này") == []
    before = browser.evaluate("location.href")
    browser.evaluate("document.getElementById('filters').requestSubmit()")  # Enter in the search box
    settle(browser)
    assert browser.evaluate("location.href") == before and browser.evaluate("document.body.dataset.ready") == "1"
    search("")


def test_targets_are_set_against_results(browser: Chromium):
    rows = browser.evaluate("""Array.from(document.querySelectorAll('#targets-grid tr[data-cell]')).map(tr =>
        Array.from(tr.children).slice(0, 5).map(td => td.textContent))""")

    assert ["Lớp tập huấn, bồi dưỡng", "2023", "10 lớp, buổi", "9", "Không đạt"] in rows
    assert ["Xã, phường tổ chức tuyên truyền", "2023", "trên 70%", "75%", "Đạt"] in rows


def test_article_script_shows_as_text_and_never_runs(browser: Chromium):
    browser.evaluate("""(() => { const q = document.getElementById('f-search'); q.value = 'Sơn La';
        q.dispatchEvent(new Event('input')); })()""")
    time.sleep(0.4)

    quote = browser.evaluate("document.querySelector('#evidence-list blockquote').textContent")

    assert '<script>document.body.setAttribute("data-pwned", "text")</script>' in quote
    assert browser.evaluate("document.body.hasAttribute('data-pwned')") is False
    assert browser.evaluate("document.querySelectorAll('#evidence-list img').length") == 0


def test_no_request_leaves_the_page(browser: Chromium, report: Path):
    for hash_ in ("#e0", "#f1", "#c2"):  # follow links of every kind, then check
        browser.evaluate(f"location.hash = {hash_!r}")
        settle(browser)

    assert browser.requests() == [report.resolve().as_uri()]
    assert browser.violations() == []


@pytest.fixture(scope="module")
def large_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from benchmarks.report_corpus import write_figures

    folder = tmp_path_factory.mktemp("large")
    output = folder / "report.html"
    assert main(["report", str(write_figures(folder / "figures.jsonl", 10_000)), "-o", str(output)]) == 0
    return output


def test_ten_thousand_figures_over_63_provinces_stay_usable(large_report: Path):
    if not find_chromium():
        pytest.skip("chromium is not installed (make test installs it with apt-get where apt-get exists)")
    with Chromium() as browser:  # a browser of its own: the other tests keep their page
        browser.open(large_report)
        rows = browser.evaluate("document.querySelectorAll('#overview-table tbody tr').length")
        order = browser.evaluate("Array.from(document.querySelectorAll('#overview-table tbody th')).slice(0, 6).map(th => th.textContent)")
        browser.evaluate("""(() => { const s = document.getElementById('f-province');
            s.value = Array.from(s.options).find(o => o.textContent === 'Bình Định').value;
            s.dispatchEvent(new Event('change')); })()""")
        shown = browser.evaluate("Array.from(document.querySelectorAll('#overview-table tbody th')).map(th => th.textContent)")
        browser.evaluate("document.querySelector('#overview-table a.line').click()")
        settle(browser)
        marks = browser.evaluate("document.querySelectorAll('#evidence-list li.fig blockquote mark').length")
        requests, violations = browser.requests(), browser.violations()

    assert rows == 63  # its time to draw is measured by `make bench`, not here
    assert order == ["An Giang", "Bà Rịa - Vũng Tàu", "Bạc Liêu", "Bắc Giang", "Bắc Kạn", "Bắc Ninh"]
    assert shown == ["Bình Định"] and marks >= 1
    assert requests == [large_report.resolve().as_uri()] and violations == []
