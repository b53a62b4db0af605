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


def overview_provinces(browser: Chromium) -> list[str]:
    return browser.evaluate("Array.from(document.querySelectorAll('#overview-table tbody th')).map(th => th.textContent)")


def test_clicking_a_province_on_the_map_filters_the_page_to_it(browser: Chromium):
    dots = browser.evaluate("document.querySelectorAll('#province-map circle').length")
    browser.evaluate("document.querySelector('#province-map circle[data-province=\"Đà Nẵng\"]').dispatchEvent(new MouseEvent('click'))")
    settle(browser)

    assert dots == 63
    assert overview_provinces(browser) == ["Đà Nẵng"]
    assert browser.evaluate("document.getElementById('f-province').selectedOptions[0].textContent") == "Đà Nẵng"
    browser.evaluate("document.getElementById('f-clear').click()")
    settle(browser)


def test_the_2025_map_joins_former_provinces_and_filters_to_all_of_them(browser: Chromium):
    browser.evaluate("""(() => { const s = document.getElementById('m-era'); s.value = 'after';
        s.dispatchEvent(new Event('change')); })()""")
    dots = browser.evaluate("document.querySelectorAll('#province-map circle').length")
    browser.evaluate("document.querySelector('#province-map circle[data-province=\"Đà Nẵng\"]').dispatchEvent(new MouseEvent('click'))")
    settle(browser)

    assert dots == 34
    assert overview_provinces(browser) == ["Đà Nẵng", "Quảng Nam"]  # Quảng Nam joined Đà Nẵng in 2025
    browser.evaluate("document.getElementById('f-clear').click()")
    browser.evaluate("""(() => { const s = document.getElementById('m-era'); s.value = 'before';
        s.dispatchEvent(new Event('change')); })()""")
    settle(browser)


def choose(browser: Chromium, select: str, label: str) -> None:
    browser.evaluate(f"""(() => {{ const s = document.getElementById({select!r});
        s.value = Array.from(s.options).find(o => o.textContent === {label!r}).value;
        s.dispatchEvent(new Event('change')); }})()""")
    settle(browser)


def test_a_filtered_view_reloads_from_its_address(browser: Chromium):
    choose(browser, "f-province", "Quảng Nam")
    choose(browser, "f-status", "Kết quả")
    address = browser.evaluate("location.search")

    browser.evaluate("window.beforeReload = true; location.reload()")
    browser.wait_for("!window.beforeReload && document.body && document.body.dataset.ready === '1'")

    assert "tinh=Qu" in address and "loai=achieved" in address
    assert browser.evaluate("location.search") == address
    assert overview_provinces(browser) == ["Quảng Nam"]
    assert browser.evaluate("Array.from(document.querySelectorAll('#overview-table a.line')).map(a => a.classList.contains('achieved'))") == [True, True, True]
    browser.evaluate("document.getElementById('f-clear').click()")
    settle(browser)
    assert browser.evaluate("location.search") == ""


def test_a_year_finds_the_spans_that_cover_it(browser: Chromium):
    years = browser.evaluate("Array.from(document.getElementById('f-period').options).map(o => o.value)")
    choose(browser, "f-period", "2023")
    periods = browser.evaluate("Array.from(document.querySelectorAll('#comparison-table tbody tr td:nth-child(3)')).map(td => td.textContent)")

    assert "2023" in years and "none" in years
    assert periods and set(periods) <= {"2023"} | {p for p in periods if "–" in p}
    browser.evaluate("document.getElementById('f-clear').click()")
    settle(browser)


def test_the_table_sorts_by_a_column_and_downloads_the_rows_shown(browser: Chromium):
    browser.evaluate("document.querySelector('#comparison-table th[data-column=\"7\"]').click()")  # evidence
    counts = browser.evaluate("Array.from(document.querySelectorAll('#comparison-table tbody tr td:nth-child(8)')).map(td => parseInt(td.textContent))")
    browser.evaluate("document.querySelector('#comparison-table th[data-column=\"7\"]').click()")
    reversed_counts = browser.evaluate("Array.from(document.querySelectorAll('#comparison-table tbody tr td:nth-child(8)')).map(td => parseInt(td.textContent))")
    csv = browser.evaluate("""(() => { const a = document.getElementById('download-csv');
        a.addEventListener('click', e => e.preventDefault(), {once: true}); a.click();
        return decodeURIComponent(a.href.slice(a.href.indexOf(',') + 1)); })()""")

    assert counts == sorted(counts) and reversed_counts == sorted(counts, reverse=True) and counts[0] < counts[-1]
    lines = [line for line in csv.lstrip("\ufeff").split("\r\n") if line]
    assert len(lines) == 1 + len(counts) and lines[0].startswith('"Tỉnh, thành","Chỉ số","Kỳ"')
    shaded = browser.evaluate("Array.from(document.querySelectorAll('#comparison-table tbody tr td:nth-child(6)')).filter(td => td.style.background).length")
    assert shaded > 0


def test_no_request_leaves_the_page(browser: Chromium, report: Path):
    for hash_ in ("#e0", "#f1", "#c2"):  # follow links of every kind, then check
        browser.evaluate(f"location.hash = {hash_!r}")
        settle(browser)

    # The page itself, and itself again under a filtered address (a reload): nothing else.
    assert {url.split("?")[0] for url in browser.requests()} == {report.resolve().as_uri()}
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


def test_at_phone_width_nothing_scrolls_sideways_and_the_header_folds(report: Path):
    if not find_chromium():
        pytest.skip("chromium is not installed (make test installs it with apt-get where apt-get exists)")
    with Chromium(width=390, height=844) as phone:
        phone.open(report)
        wide = phone.evaluate("document.documentElement.scrollWidth")
        header = phone.evaluate("document.getElementById('top').offsetHeight")
        phone.evaluate("window.scrollTo(0, 1200)")
        settle(phone)
        folded = phone.evaluate("document.getElementById('top').offsetHeight")
        frames = phone.evaluate("""Array.from(document.querySelectorAll('.scroll')).map(f =>
            [f.getBoundingClientRect().width <= window.innerWidth, f.scrollWidth > f.clientWidth])""")

    assert wide <= 390
    assert header < 844 * 0.3 and folded < header
    assert all(fits for fits, _ in frames) and any(scrolls for _, scrolls in frames)  # tables scroll in their frame


# --- one absurd value among sensible ones --------------------------------------------------

PROVINCE_COUNTS = {"An Giang": 120.0, "Bạc Liêu": 340.0, "Cà Mau": 95.0, "Hà Nam": 210.0, "Lào Cai": 60.0}


def establishments_store(folder: Path, absurd: bool) -> Path:
    """Six provinces' counts of establishments over two years; with `absurd`, one reads a fee in đồng as a count."""
    from dataset_fixtures import HandAnnotated, make_figure
    from solieu.pipeline import store
    from solieu.pipeline.records import Document

    counts = dict(PROVINCE_COUNTS, **{"Nam Định": 4_500_000.0 if absurd else 150.0})
    docs, annotations = [], {}
    for number, (province, value) in enumerate(counts.items()):
        for year, scale in (("2021", 0.8), ("2022", 1.0)):
            shown = f"{value * scale:.0f}"
            doc = Document(f"d{number}-{year}", f"https://example.vn/{number}/{year}",
                           f"Năm {year}, tỉnh {province} có {shown} cơ sở kinh doanh dịch vụ nhạy cảm.")
            docs.append(doc)
            annotations[doc.text] = (lambda d, s=shown, v=value * scale, p=province, y=year: [make_figure(
                d, s, v, "establishments_at_risk", province=p, period=y)])
    db = folder / ("absurd.duckdb" if absurd else "sensible.duckdb")
    store.ingest(db, docs, extractor=HandAnnotated(annotations), kind_of=lambda _: "news", version="test",
                 report=lambda _: None)
    return db


def test_an_absurd_value_is_flagged_and_leaves_the_other_provinces_scale_alone(tmp_path: Path):
    if not find_chromium():
        pytest.skip("chromium is not installed (make test installs it with apt-get where apt-get exists)")
    scales, marks = {}, {}
    with Chromium() as browser:
        for absurd in (False, True):
            page = tmp_path / f"report-{absurd}.html"
            assert main(["report", "--db", str(establishments_store(tmp_path, absurd)), "-o", str(page)]) == 0
            browser.open(page)
            scales[absurd] = browser.evaluate("""Object.fromEntries(Array.from(document.querySelectorAll('#multiples .panel')).map(p =>
                [p.querySelector('.name').firstChild.textContent.trim(), p.querySelector('svg').dataset.scale]))""")
            marks[absurd] = browser.evaluate("""Array.from(document.querySelectorAll('#overview-table a.line')).filter(a =>
                a.querySelector('.outlier-mark')).map(a => a.closest('tr').querySelector('th').textContent)""")

    assert marks == {False: [], True: ["Nam Định", "Nam Định"]}  # both of its years are flagged
    assert {p: scales[True][p] for p in PROVINCE_COUNTS} == {p: scales[False][p] for p in PROVINCE_COUNTS}
    assert scales[True]["An Giang"] == "340"  # the largest sensible value


# --- the real development set, extracted by the pipeline ------------------------------------


@pytest.fixture(scope="module")
def real_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pack's real-dev articles (as published), ingested by the whole pipeline, then the page."""
    import json

    from solieu.extractors.lexicon import domain_dir, pack

    entry = next(g for g in pack()["gold"] if g["origin"] == "real-dev")
    folder = tmp_path_factory.mktemp("real-dev")
    articles = folder / "articles.jsonl"
    with (domain_dir() / entry["file"]).open(encoding="utf-8") as gold, articles.open("w", encoding="utf-8") as out:
        for line in gold:
            doc = json.loads(line)
            out.write(json.dumps({k: doc[k] for k in ("doc_id", "source", "text", "published") if k in doc},
                                 ensure_ascii=False) + "\n")
    db, page = folder / "solieu.duckdb", folder / "report.html"
    assert main(["ingest", str(articles), "--db", str(db)]) == 0
    assert main(["report", "--db", str(db), "-o", str(page)]) == 0
    return page


def test_on_real_articles_no_verdict_sets_a_figure_against_itself_or_a_part_against_a_whole(real_report: Path):
    if not find_chromium():
        pytest.skip("chromium is not installed (make test installs it with apt-get where apt-get exists)")
    with Chromium() as browser:
        browser.open(real_report)
        browser.evaluate("document.querySelectorAll('#targets-grid details.why').forEach(d => { d.open = true; })")
        settle(browser)  # a verdict's sentences are drawn when the reader opens them
        judged = browser.evaluate("""(() => {
          const D = JSON.parse(document.getElementById('report-data').textContent);
          return Array.from(document.querySelectorAll('#targets-grid tr[data-cell]')).map(tr => {
            const target = D.cells[+tr.dataset.cell], result = target[14] === null ? null : D.cells[target[14]];
            const shown = tr.nextElementSibling && tr.nextElementSibling.classList.contains('sentences')
              ? Array.from(tr.nextElementSibling.querySelectorAll('.quote')).map(q => q.textContent) : [];
            return {verdict: target[13], shown: shown,
                    figures: target[10], resultFigures: result ? result[10] : [],
                    sentences: [target[10][0], result ? result[10][0] : null].map(f => f === null ? null : D.figures[f][1]),
                    text: tr.children[4].textContent};
          }); })()""")
        requests, violations = browser.requests(), browser.violations()

    assert judged, "the real articles give the page no target at all"
    for row in judged:
        assert not set(row["figures"]) & set(row["resultFigures"]), row  # never a figure against itself
        if row["verdict"] in ("met", "not_met"):
            assert len(row["shown"]) == 2 and row["shown"][0] != row["shown"][1], row
            assert row["sentences"][0] != row["sentences"][1], row  # two sentences from different places
        else:
            assert row["text"] not in ("Đạt", "Không đạt"), row
    assert {url.split("?")[0] for url in requests} == {real_report.resolve().as_uri()} and violations == []
