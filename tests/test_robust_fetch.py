"""`fetch` bounded (issue 21): a whole page within the timeout, Ctrl-C at once, compressed pages decoded.

The server runs on 127.0.0.1 in the test. A trickling page sends a byte every
fifth of a second for as long as the client listens, so only a whole-page
deadline (or Ctrl-C) can end the request: the tests wait on outcomes, never time them.
"""

from __future__ import annotations

import gzip
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import brotli
import pytest

from input_builders import html_page
from solieu.pipeline.cli import main

ARTICLE = ("Năm 2023, công an tỉnh đã triệt phá 12 vụ, xử lý 35 đối tượng; toàn tỉnh tổ chức 40 buổi "
           "tuyên truyền cho 2.500 lượt người dân. ") * 3
PAGE = html_page(ARTICLE, "Kết quả năm 2023", "2023-12-20T08:00:00+07:00").encode("utf-8")
QUICK = ["--delay", "0", "--backoff", "0", "--retries", "0", "-q"]


class Site(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.trickling = threading.Event()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(http.server.BaseHTTPRequestHandler):
    server: Site

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        routes = {
            "/gzip.html": lambda: self.reply(PAGE, gzip.compress(PAGE), "gzip"),
            "/deflate.html": lambda: self.reply(PAGE, zlib.compress(PAGE), "deflate"),
            "/br.html": lambda: self.reply(PAGE, brotli.compress(PAGE), "br"),
            "/br-bomb.html": lambda: self.reply(PAGE, brotli.compress(b"<html>" + b" " * 3_000_000), "br"),
            "/br-damaged.html": lambda: self.reply(PAGE, brotli.compress(PAGE)[:-8], "br"),
            "/zstd.html": lambda: self.reply(PAGE, b"(\xb5/\xfd", "zstd"),
            "/bomb.html": lambda: self.reply(PAGE, gzip.compress(b"<html>" + b" " * 3_000_000), "gzip"),
            "/trickle-body.html": self.trickle_body,
            "/trickle-head.html": self.trickle_head,
        }
        route = routes.get(self.path)
        if route is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        route()

    def reply(self, _: bytes, body: bytes, coding: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Encoding", coding)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def trickle(self, pieces: Iterator[bytes]) -> None:
        self.server.trickling.set()
        try:
            for piece in pieces:
                self.wfile.write(piece)
                self.wfile.flush()
                time.sleep(0.2)
        except OSError:
            pass  # the client has gone: what the test waits for

    def trickle_body(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(10 * len(PAGE)))
        self.end_headers()
        self.trickle(PAGE[i:i + 1] for i in range(len(PAGE) * 10))

    def trickle_head(self) -> None:
        self.wfile.write(b"HTTP/1.1 200 OK\r\n")
        self.trickle(b"X-Slow: %d\r\n" % n for n in range(100_000))


@pytest.fixture()
def site() -> Iterator[Site]:
    server = Site()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def fetch_one(site: Site, tmp_path: Path, path: str, *options: str) -> tuple[int, list[dict], list[dict]]:
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{site.base}{path}\n", encoding="utf-8")
    output = tmp_path / "pages.jsonl"
    status = main(["fetch", str(urls), "-o", str(output), *QUICK, *options])
    pages = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()] if output.exists() else []
    errors_file = tmp_path / "pages.jsonl.errors.jsonl"
    errors = [json.loads(line) for line in errors_file.read_text(encoding="utf-8").splitlines()] \
        if errors_file.exists() else []
    return status, pages, errors


@pytest.mark.parametrize("path", ["/gzip.html", "/deflate.html", "/br.html"])
def test_a_compressed_page_is_decoded(site: Site, tmp_path: Path, path: str) -> None:
    status, pages, errors = fetch_one(site, tmp_path, path)
    assert (status, errors) == (0, [])
    assert "triệt phá 12 vụ" in pages[0]["text"]


@pytest.mark.parametrize("path", ["/bomb.html", "/br-bomb.html"])
def test_the_size_limit_holds_for_the_decompressed_page(site: Site, tmp_path: Path, path: str) -> None:
    status, pages, errors = fetch_one(site, tmp_path, path, "--max-size", "1MB")
    assert (status, pages) == (1, [])
    assert errors == [{"source": f"{site.base}{path}", "reason": "over the 1.0 MB size limit once decompressed"}]


def test_damaged_brotli_is_said(site: Site, tmp_path: Path) -> None:
    status, pages, errors = fetch_one(site, tmp_path, "/br-damaged.html")
    assert (status, pages) == (1, [])
    assert errors[0]["reason"].startswith("damaged br data")


def test_a_coding_that_cannot_be_decoded_is_said(site: Site, tmp_path: Path) -> None:
    status, pages, errors = fetch_one(site, tmp_path, "/zstd.html")
    assert (status, pages) == (1, [])
    assert errors[0]["reason"] == "sent with Content-Encoding zstd, which cannot be decoded here"


@pytest.mark.parametrize("path", ["/trickle-body.html", "/trickle-head.html"])
def test_the_timeout_is_for_the_whole_page_not_each_read(site: Site, tmp_path: Path, path: str) -> None:
    status, pages, errors = fetch_one(site, tmp_path, path, "--timeout", "1")
    assert (status, pages) == (1, [])
    assert errors == [{"source": f"{site.base}{path}", "reason": "timed out"}]


def test_ctrl_c_stops_a_page_in_flight(site: Site, tmp_path: Path) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{site.base}/trickle-body.html\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    process = subprocess.Popen(
        [sys.executable, "-c", "import sys; from solieu.pipeline.cli import main; sys.exit(main(sys.argv[1:]))",
         "fetch", str(urls), "-o", str(tmp_path / "pages.jsonl"), "--timeout", "600", *QUICK],
        stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        assert site.trickling.wait(120), "the page was never requested"
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=120)  # the page alone would trickle for hours
    finally:
        process.kill()
    assert process.returncode == 130
    assert err.strip().splitlines()[-1] == "solieu: interrupted"
