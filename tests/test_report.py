"""The HTML report: self-contained, every figure in its sentence, article text always escaped.

The page is opened in headless Chromium (Debian's `chromium`); the fixture
installs it when it is missing and the machine allows, and skips otherwise.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from dataset_fixtures import CORPUS, corpus_extractor, kind_of, make_figure
from pipeline import store
from pipeline.cli import main
from pipeline.records import Document

INJECTED = Document(
    doc_id="injected",
    source="javascript:alert(1)",
    title='Tin giả</title><script>document.body.setAttribute("data-pwned", "title")</script>',
    published="2023-11-02",
    text=(
        'Bài viết <script>document.body.setAttribute("data-pwned", "text")</script> '
        "cho biết tỉnh Sơn La tổ chức 12 buổi tuyên truyền <img src=x onerror=\"document.body"
        ".setAttribute('data-pwned', 'img')\"> về phòng, chống mại dâm."
    ),
)


def injected(doc: Document):
    return [make_figure(doc, "12", 12.0, "propaganda_events", within="12 buổi", province="Sơn La",
                        period="2023", counted='buổi tuyên truyền <img src=x onerror="alert(1)">',
                        locality="<b>Mộc Châu</b>")]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    local_source = folder / "sources" / "da-nang-2023.txt"
    local_source.parent.mkdir()
    docs = list(CORPUS) + [INJECTED]
    docs[-2] = Document(**{**docs[-2].__dict__, "source": str(local_source)})  # a file beside the report
    local_source.write_text(docs[-2].text, encoding="utf-8")
    db = folder / "solieu.duckdb"
    extractor = corpus_extractor({INJECTED.text: injected})
    store.ingest(db, docs, extractor=extractor, kind_of=kind_of, version="test", report=lambda _: None)
    output = folder / "out" / "report.html"
    assert main(["report", "--db", str(db), "-o", str(output)]) == 0
    return output


def test_the_report_loads_nothing_from_outside(report: Path):
    page = report.read_text(encoding="utf-8")
    markup = re.sub(r"(<script\b[^>]*>).*?</script>", r"\1", page, flags=re.S)  # script bodies are code

    tags = re.findall(r"<(?:script|link|img|iframe|object|embed|source|audio|video)\b[^>]*>", markup, re.I)
    css = "".join(re.findall(r"<style>(.*?)</style>", page, re.S))

    assert tags and all(not re.search(r"\b(?:src|href)\s*=", tag, re.I) for tag in tags)
    assert not re.search(r"@import|@font-face|url\(", css)
    assert "default-src 'none'" in page  # and the browser is told to refuse any that slipped in


def test_every_figure_is_shown_in_its_sentence_with_the_number_marked(report: Path):
    page = report.read_text(encoding="utf-8")

    marks = re.findall(r"<mark>(.*?)</mark>", page)

    assert sorted(marks) == sorted(["trên 70%", "10", "180/240", "8", "hơn 400", "9", "6", "12"])
    without_cues = re.sub(r'<span class="cue [^"]*" title="[^"]*">(.*?)</span>', r"\1", page)
    assert "Năm 2023, <mark>180/240</mark> xã, phường, thị trấn của tỉnh Quảng Nam" in without_cues


def test_cue_words_beside_the_number_are_marked_by_their_kind(report: Path):
    page = report.read_text(encoding="utf-8")

    assert '<span class="cue cue-period" title="period">Năm 2023</span>, <mark>180/240</mark>' in page


def test_sources_are_linked_and_only_safe_links_are_made(report: Path):
    page = report.read_text(encoding="utf-8")

    assert 'href="https://baoquangnam.vn/ket-qua-2023"' in page
    assert 'href="../sources/da-nang-2023.txt"' in page
    assert "javascript:" not in re.findall(r'href="([^"]*)"', page).__str__()


def test_article_text_is_escaped_in_the_page_source(report: Path):
    page = report.read_text(encoding="utf-8")

    assert '&lt;script&gt;document.body.setAttribute(&#34;data-pwned&#34;, &#34;text&#34;)&lt;/script&gt;' in page
    assert "<script>document.body" not in page
    assert "<img src=x" not in page and "<b>Mộc Châu</b>" not in page


@pytest.fixture(scope="module")
def chromium() -> str:
    """Debian's chromium: found, or installed with apt-get when running as root, or the tests skip."""
    found = shutil.which("chromium")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip("chromium is not installed and apt-get cannot install it here (not root or no apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
        if done.returncode != 0:
            pytest.skip(f"chromium could not be installed ({' '.join(command)}: {done.stderr.strip()[-200:]})")
    return shutil.which("chromium") or pytest.skip("apt-get installed chromium but it is not on PATH")


def headless(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--virtual-time-budget=15000", *args],
        capture_output=True, text=True, timeout=180,
    )


def test_the_browser_renders_the_charts_and_shows_scripts_in_articles_as_text(
    report: Path, chromium: str, tmp_path: Path
):
    shown = headless(chromium, tmp_path / "profile", "--dump-dom", report.as_uri())
    dom = shown.stdout
    assert shown.returncode == 0 and "<body" in dom, shown.stderr[-500:]

    body = re.search(r"<body[^>]*>", dom).group(0)
    assert "data-pwned" not in body  # no injected script or handler ran
    assert '&lt;script&gt;document.body.setAttribute("data-pwned", "text")&lt;/script&gt;' in dom
    assert re.search(r'id="chart-1"[^>]*>.*?<svg', dom, re.S), "the Vega-Lite chart did not render"
    assert not re.search(r'id="chart-\d+"[^>]*>chart failed', dom)
