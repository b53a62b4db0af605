"""`solieu fetch` and `solieu ingest URLS.txt` against a web server the test starts on 127.0.0.1.

The server holds news pages built from the seeds inside a news site's
boilerplate, a redirect, a missing page, a page that answers too late, a page
that fails once before it answers, an image, and a robots.txt that forbids a
folder. No test reaches outside the machine.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

from input_builders import cp1258_bytes, html_page, pdf_bytes, seed_text
from solieu.pipeline import fetch
from solieu.pipeline.cli import main
from solieu.pipeline.store import load_documents, load_figures

SEED = "002_8f71e35bb422a702"
ROBOTS = b"User-agent: *\nDisallow: /private/\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
TITLE = "Quảng Ninh: kết quả công tác phòng, chống mại dâm"


class Site(http.server.ThreadingHTTPServer):
    """The server and what it saw: every request's path, user agent and time."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests: list[tuple[str, str, float]] = []
        self.flaky_failures = 1
        self.robots_status = 200
        self.robots_moved = False
        self.lock = threading.Lock()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def paths(self) -> list[str]:
        return [path for path, _, _ in self.requests]


class Handler(http.server.BaseHTTPRequestHandler):
    server: Site

    def log_message(self, format: str, *args: object) -> None:  # the test output stays clean
        pass

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        with self.server.lock:
            self.server.requests.append((self.path, self.headers.get("User-Agent", ""), time.monotonic()))
        route = {
            "/robots.txt": lambda: self.redirect("/site/robots.txt") if self.server.robots_moved else self.reply(
                self.server.robots_status, "text/plain", ROBOTS),
            "/site/robots.txt": lambda: self.reply(200, "text/plain", ROBOTS),
            "/bao-cao.pdf": lambda: self.reply(200, "application/pdf", REPORT_PDF),
            "/tin/cu-1258.html": lambda: self.reply(200, "text/html; charset=windows-1258", PAGE_1258),
            "/tin/quang-ninh.html": lambda: self.reply(200, "text/html; charset=utf-8", PAGE),
            "/tin/cu": lambda: self.redirect("/tin/quang-ninh-moi.html"),
            "/tin/quang-ninh-moi.html": lambda: self.reply(200, "text/html; charset=utf-8", PAGE_2),
            "/tin/an-mat": lambda: self.redirect("/private/bai.html"),
            "/private/bai.html": lambda: self.reply(200, "text/html; charset=utf-8", PAGE),
            "/tin/cham.html": self.slow,
            "/tin/chap-chon.html": self.flaky,
            "/anh/bieu-do.png": lambda: self.reply(200, "image/png", PNG),
            "/tin/trong.html": lambda: self.reply(200, "text/html; charset=utf-8",
                                                  b"<html><head><title>L\xe1\xbb\x97i</title></head><body><script>var a = 1;</script></body></html>"),
        }.get(self.path)
        if route is None:
            self.reply(404, "text/html", b"<html><body>Kh\xc3\xb4ng t\xc3\xacm th\xe1\xba\xa5y</body></html>")
        else:
            route()

    def reply(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location: str) -> None:
        self.send_response(301)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def slow(self) -> None:
        time.sleep(8)  # far longer than the tests' timeout, however busy the machine
        try:
            self.reply(200, "text/html", PAGE)
        except OSError:
            pass  # the client has gone

    def flaky(self) -> None:
        with self.server.lock:
            fail = self.server.flaky_failures > 0
            self.server.flaky_failures -= 1
        if fail:
            self.reply(503, "text/html", b"busy")
        else:
            self.reply(200, "text/html; charset=utf-8", PAGE_3)


PAGE = html_page(seed_text(SEED), TITLE, "2021-06-15T08:00:00+07:00").encode("utf-8")
PAGE_2 = html_page(seed_text("000_e95e2f03995c52ce"), "Bài thứ hai", "2022-01-10T08:00:00+07:00").encode("utf-8")
REPORT_PDF = pdf_bytes(["Báo cáo kết quả năm 2021", "Năm 2021, tỉnh tổ chức 12 lớp tập huấn cho 450 cán bộ."])
PAGE_1258 = cp1258_bytes("<html><head><title>Tin cũ</title></head><body><article><h1>Tin cũ</h1><p>"
                         + "Năm 2019, thành phố tổ chức 25 buổi tuyên truyền về phòng, chống mại dâm cho người dân. " * 3
                         + "</p></article></body></html>")
PAGE_3 = html_page(seed_text("001_cd6d336ffc51d575"), "Bài thứ ba", "2020-03-02").encode("utf-8")


@pytest.fixture
def site() -> Iterator[Site]:
    server = Site()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


# A timeout a busy machine cannot reach serving a local page, far below the slow page's delay.
FAST = ["--delay", "0", "--backoff", "0.05", "--timeout", "3", "--retries", "1"]


def write_list(path: Path, site: Site, *paths: str) -> Path:
    path.write_text("# bài cần lấy\n" + "".join(f"{site.base}{p}\n" for p in paths) + "\n", encoding="utf-8")
    return path


def pages(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def errors(path: Path) -> dict[str, str]:
    return {row["source"]: row["reason"] for row in pages(path)}


def test_a_page_is_saved_with_its_address_title_date_and_main_text(tmp_path: Path, site: Site):
    urls = write_list(tmp_path / "urls.txt", site, "/tin/quang-ninh.html")
    assert main(["fetch", str(urls), *FAST]) == 0

    [page] = pages(tmp_path / "urls.pages.jsonl")
    assert page["url"] == page["requested"] == f"{site.base}/tin/quang-ninh.html"
    assert page["title"] == TITLE and page["published"] == "2021-06-15"
    assert "135,8 triệu đồng" in page["text"]
    assert "Tin khác" not in page["text"] and "pageViews" not in page["text"]  # boilerplate left out
    assert page["id"] == fetch.page_id(page["url"])
    assert not (tmp_path / "urls.pages.jsonl.errors.jsonl").exists()
    assert all(agent == fetch.USER_AGENT for _, agent, _ in site.requests)


def test_every_failure_is_a_row_in_the_errors_file_and_the_rest_is_fetched(tmp_path: Path, site: Site,
                                                                         capsys: pytest.CaptureFixture[str]):
    urls = write_list(tmp_path / "urls.txt", site, "/tin/cu", "/khong-co.html", "/tin/cham.html",
                      "/anh/bieu-do.png", "/private/bai.html", "/tin/an-mat", "/tin/trong.html",
                      "/tin/chap-chon.html")
    output = tmp_path / "pages.jsonl"
    assert main(["fetch", str(urls), "-o", str(output), *FAST]) == 1

    fetched = {p["requested"]: p for p in pages(output)}
    redirected = fetched[f"{site.base}/tin/cu"]
    assert redirected["url"] == f"{site.base}/tin/quang-ninh-moi.html"  # the final address is the source
    assert redirected["title"] == "Bài thứ hai"
    assert fetched[f"{site.base}/tin/chap-chon.html"]["title"] == "Bài thứ ba"  # a 503 is retried
    assert site.paths().count("/tin/chap-chon.html") == 2

    failed = errors(tmp_path / "pages.jsonl.errors.jsonl")
    assert failed == {
        f"{site.base}/khong-co.html": "HTTP 404",
        f"{site.base}/tin/cham.html": "timed out",
        f"{site.base}/anh/bieu-do.png": "PNG image, not a document (image/png)",
        f"{site.base}/private/bai.html": "disallowed by robots.txt",
        f"{site.base}/tin/an-mat": "disallowed by robots.txt",
        f"{site.base}/tin/trong.html": "HTML page with no article text",
    }
    assert "/private/bai.html" not in site.paths()  # robots.txt is asked first, and obeyed
    assert site.paths()[0] == "/robots.txt"
    assert site.paths().count("/tin/cham.html") == 2  # a timeout is retried once, then given up
    err = capsys.readouterr().err
    assert f"solieu: {site.base}/khong-co.html: HTTP 404" in err
    assert "2 fetched, 0 already fetched, 6 failed" in err


def test_a_second_run_fetches_only_what_is_not_saved_yet(tmp_path: Path, site: Site):
    urls = write_list(tmp_path / "urls.txt", site, "/tin/quang-ninh.html", "/khong-co.html")
    assert main(["fetch", str(urls), *FAST]) == 1
    first = len(site.requests)
    urls.write_text(urls.read_text(encoding="utf-8") + f"{site.base}/tin/quang-ninh-moi.html\n", encoding="utf-8")

    assert main(["fetch", str(urls), *FAST]) == 1

    again = site.paths()[first:]
    assert "/tin/quang-ninh.html" not in again  # saved: skipped
    assert again.count("/khong-co.html") == 1  # failed: tried again
    assert "/tin/quang-ninh-moi.html" in again
    assert [p["requested"].removeprefix(site.base) for p in pages(tmp_path / "urls.pages.jsonl")] == [
        "/tin/quang-ninh.html", "/tin/quang-ninh-moi.html"]


def test_a_line_cut_by_an_interrupted_run_is_fetched_again(tmp_path: Path, site: Site):
    urls = write_list(tmp_path / "urls.txt", site, "/tin/quang-ninh.html")
    output = tmp_path / "urls.pages.jsonl"
    output.write_text('{"id": "x", "url": "' + site.base + '/tin/quang-ninh.html", "te', encoding="utf-8")
    assert main(["fetch", str(urls), *FAST]) == 0
    [page] = pages(output)
    assert page["title"] == TITLE


def test_requests_to_one_site_wait_for_the_delay(tmp_path: Path, site: Site):
    urls = write_list(tmp_path / "urls.txt", site, "/tin/quang-ninh.html", "/tin/quang-ninh-moi.html",
                      "/khong-co.html")
    assert main(["fetch", str(urls), "--delay", "0.3", "--retries", "0", "--timeout", "2"]) == 1
    times = [at for _, _, at in site.requests]
    assert len(times) == 4  # robots.txt and three pages
    assert all(later - earlier >= 0.29 for earlier, later in zip(times, times[1:]))


def test_a_sitemap_and_a_feed_are_lists_of_addresses(tmp_path: Path, site: Site):
    sitemap = tmp_path / "sitemap.xml"
    sitemap.write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>{site.base}/tin/quang-ninh.html</loc><lastmod>2021-06-15</lastmod></url>
  <url><loc>{site.base}/tin/quang-ninh-moi.html</loc></url>
</urlset>""", encoding="utf-8")
    feed = tmp_path / "rss.xml"
    feed.write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Xã hội</title>
<item><title>Bài chưa có ngày trong trang</title><link>{site.base}/tin/trong-rss.html</link>
<pubDate>Mon, 02 Dec 2024 08:00:00 +0700</pubDate></item>
<item><title>Bài thứ ba</title><link>{site.base}/tin/chap-chon.html</link></item>
</channel></rss>""", encoding="utf-8")

    assert fetch.list_kind(sitemap) == "sitemap" and fetch.list_kind(feed) == "feed"
    assert [a.url for a in fetch.read_list(sitemap)] == [f"{site.base}/tin/quang-ninh.html",
                                                        f"{site.base}/tin/quang-ninh-moi.html"]
    first = fetch.read_list(feed)[0]
    assert (first.title, first.published) == ("Bài chưa có ngày trong trang", "2024-12-02")

    assert main(["fetch", str(sitemap), *FAST]) == 0
    assert [p["title"] for p in pages(tmp_path / "sitemap.pages.jsonl")] == [TITLE, "Bài thứ hai"]


@pytest.mark.parametrize(("content", "reason"), [
    ("Năm 2021, tỉnh tổ chức 12 lớp tập huấn.\n", "not a list of addresses"),
    ("# chỉ có ghi chú\n", "not a list of addresses"),
    ("<rss version=\"2.0\"><channel><item><link>", "broken XML"),
    ("<sitemapindex><sitemap><loc>http://127.0.0.1:9/a.xml</loc></sitemap></sitemapindex>",
     "a sitemap index lists sitemaps, not pages"),
])
def test_a_file_that_is_not_a_list_is_refused_in_one_line(tmp_path: Path, content: str, reason: str,
                                                          capsys: pytest.CaptureFixture[str]):
    path = tmp_path / "list.txt"
    path.write_text(content, encoding="utf-8")
    assert main(["fetch", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"solieu: {path}: {reason}") and "\n" not in err


def test_ingest_of_a_list_of_addresses_fetches_then_stores(tmp_path: Path, site: Site,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]):
    monkeypatch.setattr(fetch, "default_politeness", lambda max_size: fetch.Politeness(
        delay=0.0, backoff=0.05, timeout=3, retries=1, max_size=max_size))
    urls = write_list(tmp_path / "urls.txt", site, "/tin/quang-ninh.html", "/khong-co.html")
    db = tmp_path / "solieu.duckdb"

    assert main(["ingest", str(urls), "--db", str(db)]) == 1  # one address failed
    err = capsys.readouterr().err
    assert f"solieu: {site.base}/khong-co.html: HTTP 404" in err
    assert f"solieu: {urls}: 1 fetched, 0 already fetched, 1 failed → {tmp_path / 'urls.pages.jsonl'}" in err

    documents = load_documents(db)
    assert list(documents["source"]) == [f"{site.base}/tin/quang-ninh.html"]
    assert documents.loc[0, "title"] == TITLE and str(documents.loc[0, "published"]) == "2021-06-15"
    figures = load_figures(db)
    assert "135,8 triệu đồng" in set(figures["text"])
    assert errors(tmp_path / "urls.pages.jsonl.errors.jsonl") == {f"{site.base}/khong-co.html": "HTTP 404"}

    before = len(site.requests)
    assert main(["ingest", str(urls), "--db", str(db)]) == 1
    assert "/tin/quang-ninh.html" not in site.paths()[before:]



def test_a_report_in_pdf_and_an_old_page_in_windows_1258_are_read(tmp_path: Path, site: Site):
    urls = write_list(tmp_path / "urls.txt", site, "/bao-cao.pdf", "/tin/cu-1258.html")
    assert main(["fetch", str(urls), *FAST]) == 0
    report, old = pages(tmp_path / "urls.pages.jsonl")
    assert "12 lớp tập huấn cho 450 cán bộ" in report["text"] and report["content_type"] == "application/pdf"
    # The tone marks stay where Windows-1258 put them (the extractor reads them as composed letters).
    assert "25 buổi tuyên truyền về phòng, chống mại dâm" in unicodedata.normalize("NFC", old["text"])


def test_a_missing_robots_txt_allows_everything(tmp_path: Path, site: Site):
    site.robots_status = 404
    urls = write_list(tmp_path / "urls.txt", site, "/tin/quang-ninh.html", "/private/bai.html")
    assert main(["fetch", str(urls), *FAST]) == 0
    assert [p["requested"].removeprefix(site.base) for p in pages(tmp_path / "urls.pages.jsonl")] == [
        "/tin/quang-ninh.html", "/private/bai.html"]


def test_a_site_whose_robots_txt_cannot_be_reached_is_not_fetched(tmp_path: Path, site: Site):
    site.robots_status = 503
    urls = write_list(tmp_path / "urls.txt", site, "/tin/quang-ninh.html", "/tin/quang-ninh-moi.html")
    assert main(["fetch", str(urls), *FAST]) == 1
    assert site.paths() == ["/robots.txt"]
    reason = f"robots.txt of 127.0.0.1:{site.server_address[1]} unreachable (HTTP 503)"
    assert errors(tmp_path / "urls.pages.jsonl.errors.jsonl") == {
        f"{site.base}/tin/quang-ninh.html": reason, f"{site.base}/tin/quang-ninh-moi.html": reason}


def test_a_charset_stated_only_in_the_http_header_is_used():
    from email.message import Message

    def headers(content_type: str) -> Message:
        message = Message()
        message["Content-Type"] = content_type
        return message

    text = "<p>Tổ chức 25 buổi tuyên truyền</p>"
    legacy = cp1258_bytes(text)
    decoded = fetch._with_header_charset(legacy, headers("text/html; charset=windows-1258"), "text/html")
    assert decoded == cp1258_bytes(text).decode("cp1258").encode("utf-8")
    declared = b'<meta charset="windows-1258">' + legacy
    assert fetch._with_header_charset(declared, headers("text/html; charset=utf-8"), "text/html") == declared
    assert fetch._with_header_charset(legacy, headers("text/html; charset=utf-8"), "text/html") == legacy  # a lie
    assert fetch._with_header_charset(b"%PDF-1.4", headers("application/pdf"), "application/pdf") == b"%PDF-1.4"


def test_pages_are_never_written_over_the_list_or_into_a_folder(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]):
    urls = tmp_path / "urls.txt"
    urls.write_text("http://127.0.0.1:9/a.html\n", encoding="utf-8")
    assert main(["fetch", str(urls), "-o", str(urls)]) == 2
    assert main(["fetch", str(urls), "-o", str(tmp_path)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"solieu: {urls}: is the list of addresses itself; pages go to another file",
        f"solieu: {tmp_path}: is a folder; -o names the JSON Lines file of pages"]
    assert urls.read_text(encoding="utf-8") == "http://127.0.0.1:9/a.html\n"


def test_a_robots_txt_that_moved_is_followed_and_obeyed(tmp_path: Path, site: Site):
    site.robots_moved = True
    urls = write_list(tmp_path / "urls.txt", site, "/private/bai.html", "/tin/quang-ninh.html")
    assert main(["fetch", str(urls), *FAST]) == 1
    assert site.paths() == ["/robots.txt", "/site/robots.txt", "/tin/quang-ninh.html"]
    assert errors(tmp_path / "urls.pages.jsonl.errors.jsonl") == {
        f"{site.base}/private/bai.html": "disallowed by robots.txt"}


def test_an_interrupted_run_stops_soon_and_keeps_what_it_fetched(tmp_path: Path, site: Site):
    import signal
    import subprocess
    import sys

    urls = write_list(tmp_path / "urls.txt", site, "/tin/quang-ninh.html", "/tin/cham.html",
                      "/tin/quang-ninh-moi.html")
    output = tmp_path / "urls.pages.jsonl"
    process = subprocess.Popen([sys.executable, "-m", "solieu.pipeline.cli", "fetch", str(urls), "--delay", "0",
                                "--timeout", "30", "--retries", "0"], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not (output.exists() and output.read_bytes().endswith(b"\n")) and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)  # while the slow page is being fetched
    try:
        assert process.wait(timeout=10) == 130
    finally:
        process.kill()
    saved = [p["requested"].removeprefix(site.base) for p in pages(output)]
    assert saved in (["/tin/quang-ninh.html"], ["/tin/quang-ninh.html", "/tin/cham.html"])  # the one in flight
    assert "/tin/quang-ninh-moi.html" not in site.paths()  # nothing after the interruption
    assert process.stderr is not None and b"interrupted" in process.stderr.read()


def test_a_terminal_sees_pages_fetched_out_of_the_total(tmp_path: Path, site: Site):
    import io

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    progress = fetch.PageProgress(stream=screen, redraw=0)
    addresses = fetch.read_list(write_list(tmp_path / "urls.txt", site, "/tin/quang-ninh.html", "/khong-co.html"))
    result = fetch.fetch_pages(addresses, tmp_path / "pages.jsonl", fetch.Politeness(delay=0, retries=0),
                               progress=progress)
    progress.close()
    assert (result.fetched, len(result.failed)) == (1, 1)
    shown = screen.getvalue()
    assert "2/2" in shown and "pages" in shown and "1 fetched, 1 failed" in shown
    assert f"solieu: {site.base}/khong-co.html: HTTP 404" in shown  # the failure on a line of its own
