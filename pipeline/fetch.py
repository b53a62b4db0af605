"""Pages in from the web: a list of addresses → a JSON Lines file of documents the readers take.

Researchers collect articles as addresses (a text file, a site's sitemap, an
RSS feed). `fetch_pages` downloads each page politely — one request at a time
per host, a delay between requests, a user agent that says who is asking,
retries with backoff on the errors that pass (timeouts, 429, 5xx), and
robots.txt respected — and writes one line per page:
`{"id", "url", "title", "published", "text", "requested", "fetched_at", "content_type"}`.
The text, title and date come from the same readers as a saved file
(`pipeline.readers.parse`: trafilatura for web pages, and PDF or Word reports
linked from a list are read too), so a fetched page and a saved page give the
same document.

The output is appended page by page and flushed, so an interrupted run keeps
what it fetched and the next run skips every address already in the file.
Every address that fails is one line on stderr and one row
`{"source": URL, "reason"}` in the errors file.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import http.client
import json
import re
import socket
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import urllib.robotparser
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from solieu.pipeline import __version__
from solieu.pipeline.read import DEFAULT_MAX_SIZE, Rejected
from solieu.pipeline.progress import REDRAW_SECONDS, Progress
from solieu.pipeline.readers.base import iso_date, size_text

USER_AGENT = f"solieu/{__version__} (research text-mining of public reports; polite crawler)"
DEFAULT_DELAY = 1.0  # seconds between two requests to the same host
DEFAULT_RETRIES = 3
DEFAULT_BACKOFF = 2.0  # seconds before the first retry, doubled for each next one
DEFAULT_TIMEOUT = 30.0
DEFAULT_HOSTS = 4  # hosts fetched at the same time (each one request at a time)
MAX_REDIRECTS = 5
MAX_WAIT = 120.0  # the longest Retry-After or Crawl-delay obeyed before giving up on a host's pace
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
LIST_SUFFIX = ".pages.jsonl"
# What a page's Content-Type says it is, as the suffix hint the readers take.
SUFFIX_OF_TYPE = {
    "text/html": ".html", "application/xhtml+xml": ".html", "text/plain": ".txt", "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}

Say = Callable[[str], None]


class ListError(ValueError):
    """An address list that cannot be used at all; the message names the file and why."""


class FetchFailed(Exception):
    """One address that could not be fetched; the message is the reason for the errors file."""


@dataclass(frozen=True)
class Address:
    """One address of a list, with the title and date a feed gave it (used when the page has none)."""

    url: str
    title: str | None = None
    published: str | None = None


@dataclass
class FetchResult:
    """What a run did, for the summary line and the exit status."""

    fetched: int = 0
    skipped: int = 0
    failed: list[Rejected] = field(default_factory=list)

    def summary(self) -> str:
        return f"{self.fetched} fetched, {self.skipped} already fetched, {len(self.failed)} failed"


@dataclass(frozen=True)
class Politeness:
    """How the crawler behaves towards a site."""

    user_agent: str = USER_AGENT
    delay: float = DEFAULT_DELAY
    retries: int = DEFAULT_RETRIES
    backoff: float = DEFAULT_BACKOFF
    timeout: float = DEFAULT_TIMEOUT
    hosts: int = DEFAULT_HOSTS
    max_size: int = DEFAULT_MAX_SIZE


# --- address lists ---------------------------------------------------------------------------

_XML_ROOT = re.compile(rb"<(?:[\w.-]+:)?(urlset|sitemapindex|rss|feed|RDF)[\s>]")


def list_kind(path: Path) -> str | None:
    """`urls`, `sitemap` or `feed` when the file is a list of addresses; None for a document.

    Decided from the content, so that `ingest` can tell `urls.txt` from an article:
    a text file whose every line is an http(s) address, or a sitemap / RSS / Atom file.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(1 << 16)
    except OSError:
        return None
    head = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    match = _XML_ROOT.search(head[:4096])
    if head.startswith(b"<") and match:
        return "sitemap" if match.group(1) in (b"urlset", b"sitemapindex") else "feed"
    try:
        lines = head.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return None
    if len(head) == 1 << 16 and lines:
        lines = lines[:-1]  # the last line may be cut in the middle
    wanted = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    return "urls" if wanted and all(_is_address(line) for line in wanted) else None


def _is_address(text: str) -> bool:
    parts = urllib.parse.urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not any(c.isspace() for c in text)


def read_list(path: Path) -> list[Address]:
    """The addresses of a list file, in order, each once; a file that holds none is a ListError."""
    if not path.is_file():
        raise ListError(f"{path}: no such file")
    kind = list_kind(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ListError(f"{path}: cannot be read ({error.strerror})") from error
    if kind == "urls":
        lines = data.decode("utf-8-sig").splitlines()
        addresses = [Address(line.strip()) for line in lines if line.strip() and not line.lstrip().startswith("#")]
    elif kind in ("sitemap", "feed"):
        addresses = parse_xml_list(data, str(path))
    else:
        raise ListError(f"{path}: not a list of addresses (one http(s) URL a line, a sitemap or an RSS/Atom feed)")
    unique = list(OrderedDict((a.url, a) for a in addresses).values())
    if not unique:
        raise ListError(f"{path}: no address in the list")
    return unique


def parse_xml_list(data: bytes, where: str) -> list[Address]:
    """Addresses of a sitemap (`<loc>`) or of the items of an RSS or Atom feed.

    The parser resolves no entity and reaches no network: a list file is data, not a program.
    """
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise ListError(f"{where}: broken XML ({error})") from None
    if etree.QName(root).localname == "sitemapindex":
        raise ListError(f"{where}: a sitemap index lists sitemaps, not pages; save one of its sitemaps and give that")
    found: list[Address] = []
    for element in root.iter():
        name = etree.QName(element).localname if isinstance(element.tag, str) else ""
        if name == "loc":
            found.append(Address((element.text or "").strip()))
        elif name in ("item", "entry"):
            found.extend(_feed_item(element))
    return [a for a in found if _is_address(a.url)]


def _feed_item(item: Any) -> list[Address]:
    """An RSS `<item>` or Atom `<entry>`: its link, with its title and publication date as hints."""
    from lxml import etree

    fields: dict[str, str] = {}
    for child in item:
        if not isinstance(child.tag, str):
            continue
        name = etree.QName(child).localname
        if name == "link":
            fields.setdefault("link", (child.get("href") or child.text or "").strip())
        elif name in ("title", "pubDate", "published", "updated", "date"):
            fields.setdefault(name, (child.text or "").strip())
    if not fields.get("link"):
        return []
    raw_date = fields.get("pubDate") or fields.get("published") or fields.get("date") or fields.get("updated")
    return [Address(fields["link"], fields.get("title") or None, _feed_date(raw_date))]


def _feed_date(raw: str | None) -> str | None:
    """RSS dates are RFC 822 (`Mon, 02 Dec 2024 08:00:00 +0700`), Atom dates ISO."""
    if not raw:
        return None
    try:
        return email.utils.parsedate_to_datetime(raw).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return iso_date(raw)


# --- the output file -------------------------------------------------------------------------

def default_output(list_path: Path) -> Path:
    """Pages of `urls.txt` go to `urls.pages.jsonl` beside it: found again by the next run."""
    return list_path.with_name(list_path.stem + LIST_SUFFIX)


def pages_problem(output: Path) -> str | None:
    """Why `output` cannot take pages: an existing file that is not one `fetch` wrote (None when it can).

    Pages are appended, and a line cut by an interrupted run is dropped; a file of
    anything else (notes, a list) would lose every line that is not a page.
    """
    if not output.is_file():
        return None
    with output.open("rb") as handle:
        lines = [line for line in handle if line.strip()]
    for number, raw in enumerate(lines, start=1):
        try:
            record = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            record = None
        if isinstance(record, dict) and (record.get("requested") or record.get("url")) and "text" in record:
            continue
        if number == len(lines) and not raw.endswith(b"\n") and raw.startswith(b"{"):
            continue  # the cut last line of an interrupted run: dropped and fetched again
        return f"{output}: is not a file of fetched pages (line {number}); give -o a new file or a pages file"
    return None


def already_fetched(output: Path) -> set[str]:
    """Addresses in the output file; a line cut by an interrupted run is dropped so the page is fetched again."""
    if not output.exists():
        return set()
    done: set[str] = set()
    kept: list[bytes] = []
    damaged = False
    with output.open("rb") as handle:
        for raw in handle:
            try:
                record = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError):
                damaged = True
                continue
            if isinstance(record, dict):
                done.update(str(record[k]) for k in ("requested", "url") if record.get(k))
            kept.append(raw if raw.endswith(b"\n") else raw + b"\n")
    if damaged:
        from solieu.pipeline.write import atomic_output

        with atomic_output(output, "wb") as out:
            out.writelines(kept)
    return done


def page_id(url: str) -> str:
    """A stable id from the address: the same page fetched again is the same document in the store."""
    host = urllib.parse.urlsplit(url).hostname or "page"
    return f"{host}-{hashlib.sha256(url.encode('utf-8')).hexdigest()[:16]}"


# --- fetching --------------------------------------------------------------------------------

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are followed by hand, so that robots.txt is checked for every address on the way."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


# The request of this thread: its connections are handed to it as they open.
_CURRENT = threading.local()


class Watch:
    """A whole-page deadline: when it passes (or the run is interrupted) the request's sockets are shut,
    which ends a read blocked on a page that trickles a byte at a time.

    A socket timeout bounds each read only; a server sending one byte a second
    would keep a page in flight for as long as it liked.
    """

    def __init__(self, seconds: float) -> None:
        self.sockets: list[socket.socket] = []
        self.expired = self.aborted = False
        self.lock = threading.Lock()
        self.timer = threading.Timer(seconds, self.expire)
        self.timer.daemon = True

    def attach(self, sock: socket.socket) -> None:
        with self.lock:
            self.sockets.append(sock)
            done = self.expired or self.aborted
        if done:
            _shut(sock)

    def expire(self) -> None:
        self.expired = True
        self._shut_all()

    def abort(self) -> None:
        self.aborted = True
        self._shut_all()

    def _shut_all(self) -> None:
        with self.lock:
            sockets = list(self.sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _watched(connection_class: type) -> type:
    """A connection class whose sockets are given to the current thread's Watch as they are created."""

    class Watched(connection_class):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            create = self._create_connection

            def created(*args: Any, **kwargs: Any) -> socket.socket:
                sock = create(*args, **kwargs)
                watch = getattr(_CURRENT, "watch", None)
                if watch is not None:
                    watch.attach(sock)
                return sock

            self._create_connection = created

    return Watched


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):  # type: ignore[no-untyped-def]
        return self.do_open(_watched(http.client.HTTPConnection), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):  # type: ignore[no-untyped-def]
        return self.do_open(_watched(http.client.HTTPSConnection), req,
                            context=self._context, check_hostname=self._check_hostname)


_OPENER = urllib.request.build_opener(_NoRedirect(), _HTTPHandler(), _HTTPSHandler())
# Content codings a page may come in; most news sites send Brotli (`br`) to a client that accepts it.
ACCEPT_ENCODING = "gzip, deflate, br"
_ZLIB_WBITS = {"gzip": 31, "x-gzip": 31, "deflate": 15}


def decoded_body(body: bytes, coding: str, max_size: int) -> bytes:
    """The page's bytes with its Content-Encoding undone; the size limit holds for what it decodes to."""
    coding = coding.strip().lower()
    if coding in ("", "identity"):
        return body
    if coding == "br":
        return brotli_body(body, max_size)
    if coding not in _ZLIB_WBITS:
        raise FetchFailed(f"sent with Content-Encoding {coding}, which cannot be decoded here")
    wbits = _ZLIB_WBITS[coding]
    for attempt in ((wbits, -15) if coding == "deflate" else (wbits,)):  # deflate: zlib-wrapped, or raw as some send
        inflater = zlib.decompressobj(attempt)
        try:
            out = inflater.decompress(body, max_size + 1)
        except zlib.error:
            continue
        if len(out) > max_size or inflater.unconsumed_tail:
            raise FetchFailed(f"over the {size_text(max_size)} size limit once decompressed")
        return out
    raise FetchFailed(f"damaged {coding} data")


def brotli_body(body: bytes, max_size: int) -> bytes:
    """A Brotli page, decoded no further than one byte past the limit, so that a bomb costs nothing."""
    import brotli

    decompressor = brotli.Decompressor()
    try:
        out = decompressor.process(body, output_buffer_limit=max_size + 1)
    except brotli.error:
        raise FetchFailed("damaged br data") from None
    if len(out) > max_size:
        raise FetchFailed(f"over the {size_text(max_size)} size limit once decompressed")
    if not decompressor.is_finished():
        raise FetchFailed("damaged br data (cut short)")
    return out


@dataclass
class Host:
    """One site's robots rules and pace; used by one thread at a time."""

    robots: urllib.robotparser.RobotFileParser | None
    robots_problem: str | None = None
    last_request: float = 0.0


class Fetcher:
    """Fetches addresses as a polite crawler; `fetch` returns a document record or raises FetchFailed."""

    def __init__(self, politeness: Politeness, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], object] = time.sleep) -> None:
        self.politeness = politeness
        self.clock = clock
        self.sleep = sleep
        self.hosts: dict[str, Host] = {}
        self.lock = threading.Lock()
        self.watches: set[Watch] = set()
        self.aborted = False

    def abort(self) -> None:
        """Stop every request in flight now (Ctrl-C): their sockets are shut, their reads end."""
        with self.lock:
            self.aborted = True
            watches = list(self.watches)
        for watch in watches:
            watch.abort()

    def fetch(self, address: Address) -> dict[str, Any]:
        """The page at the address (redirects followed) as a document record."""
        url = address.url
        for _ in range(MAX_REDIRECTS + 1):
            self._check_robots(url)
            status, headers, body, location = self._request(url)
            if location is None:
                return self._record(address, url, headers, body)
            url = urllib.parse.urljoin(url, location)
            if not _is_address(url):
                raise FetchFailed(f"redirected to an address that is not http(s): {location}")
        raise FetchFailed(f"more than {MAX_REDIRECTS} redirects")

    # robots.txt

    def host(self, url: str) -> Host:
        key = _host_key(url)
        with self.lock:
            known = self.hosts.get(key)
        if known is None:
            known = self._load_robots(url)
            with self.lock:
                self.hosts.setdefault(key, known)
        return self.hosts[key]

    def _load_robots(self, url: str) -> Host:
        """robots.txt as RFC 9309 reads it: missing (4xx) allows all, unreachable (5xx, timeout) allows nothing."""
        parts = urllib.parse.urlsplit(url)
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        parser = urllib.robotparser.RobotFileParser(robots_url)
        host = Host(robots=parser)
        location: str | None = robots_url
        for _ in range(MAX_REDIRECTS + 1):  # http → https moves of robots.txt are common: follow them
            try:
                status, _, body, location = self._send(urllib.parse.urljoin(robots_url, location), host)
            except FetchFailed as error:
                return Host(robots=None, robots_problem=f"robots.txt of {parts.netloc} unreachable ({error})")
            if location is None:
                break
        if status >= 500:
            return Host(robots=None, robots_problem=f"robots.txt of {parts.netloc} unreachable (HTTP {status})")
        if location is not None or 400 <= status < 500:
            parser.parse([])  # no robots.txt (or redirected too often): everything is allowed
        else:
            parser.parse(body.decode("utf-8", errors="replace").splitlines())
        return host

    def _check_robots(self, url: str) -> None:
        host = self.host(url)
        if host.robots is None:
            raise FetchFailed(host.robots_problem or "robots.txt unreachable")
        if not host.robots.can_fetch(self.politeness.user_agent, url):
            raise FetchFailed("disallowed by robots.txt")

    # requests

    def _request(self, url: str) -> tuple[int, Any, bytes, str | None]:
        """One page request with retries and backoff; 4xx other than 408/425/429 fail at once."""
        host = self.host(url)
        attempts = self.politeness.retries + 1
        for attempt in range(attempts):
            try:
                status, headers, body, location = self._send(url, host)
            except FetchFailed:
                if attempt + 1 == attempts:
                    raise
                self.sleep(self.politeness.backoff * 2 ** attempt)
                continue
            if location is not None:
                return status, headers, body, location
            if status in RETRY_STATUSES and attempt + 1 < attempts:
                self.sleep(max(self.politeness.backoff * 2 ** attempt, _retry_after(headers)))
                continue
            if status >= 400:
                raise FetchFailed(f"HTTP {status}" + (f" after {attempts} attempts" if status in RETRY_STATUSES else ""))
            return status, headers, body, None
        raise FetchFailed("no attempt made")  # unreachable with retries >= 0

    def _send(self, url: str, host: Host) -> tuple[int, Any, bytes, str | None]:
        """One HTTP GET, after waiting for the host's delay, all of it (connection, headers, body) within
        the timeout; network errors become FetchFailed."""
        self._wait_turn(host)
        watch = Watch(self.politeness.timeout)
        with self.lock:
            if self.aborted:
                raise FetchFailed("interrupted")
            self.watches.add(watch)
        _CURRENT.watch = watch
        watch.timer.start()
        try:
            try:
                answer = self._send_watched(url, host)
            except FetchFailed:
                answer = None
                if not (watch.aborted or watch.expired):
                    raise
            if watch.aborted:  # a shut socket reads as the end of the page: what came is not the page
                raise FetchFailed("interrupted")
            if watch.expired:
                raise FetchFailed("timed out")  # the whole page, not one read, took longer than the timeout
            assert answer is not None
            return answer
        finally:
            watch.timer.cancel()
            _CURRENT.watch = None
            with self.lock:
                self.watches.discard(watch)

    def _send_watched(self, url: str, host: Host) -> tuple[int, Any, bytes, str | None]:
        request = urllib.request.Request(url, headers={"User-Agent": self.politeness.user_agent,
                                                       "Accept-Language": "vi,en;q=0.5",
                                                       "Accept-Encoding": ACCEPT_ENCODING})
        try:
            response = _OPENER.open(request, timeout=self.politeness.timeout)
        except urllib.error.HTTPError as error:
            with error:
                if 300 <= error.code < 400:
                    location = error.headers.get("Location")
                    if not location:
                        raise FetchFailed(f"HTTP {error.code} without a Location") from None
                    return error.code, error.headers, b"", location
                return error.code, error.headers, b"", None
        except (urllib.error.URLError, TimeoutError, socket.timeout, OSError, http.client.HTTPException) as error:
            raise FetchFailed(_network_reason(error)) from None
        finally:
            host.last_request = self.clock()
        with response:
            try:
                body = response.read(self.politeness.max_size + 1)
            except (TimeoutError, socket.timeout, OSError, http.client.HTTPException) as error:
                raise FetchFailed(_network_reason(error)) from None
            if len(body) > self.politeness.max_size:
                raise FetchFailed(f"over the {size_text(self.politeness.max_size)} size limit")
            body = decoded_body(body, response.headers.get("Content-Encoding") or "", self.politeness.max_size)
            return response.status, response.headers, body, None

    def _wait_turn(self, host: Host) -> None:
        delay = self.politeness.delay
        if host.robots is not None:
            crawl_delay = host.robots.crawl_delay(self.politeness.user_agent)
            if crawl_delay:
                delay = max(delay, min(float(crawl_delay), MAX_WAIT))
        if host.last_request:
            wait = host.last_request + delay - self.clock()
            if wait > 0:
                self.sleep(wait)

    def _record(self, address: Address, url: str, headers: Any, body: bytes) -> dict[str, Any]:
        """The fetched bytes through the readers: main text, title and date, or the reason they fail."""
        from solieu.pipeline.readers import parse

        content_type = (headers.get_content_type() if headers is not None else "") or ""
        body = _with_header_charset(body, headers, content_type)
        identifier = page_id(address.url)
        suffix = SUFFIX_OF_TYPE.get(content_type, "")
        document = parse(body, Path(identifier + suffix), self.politeness.max_size) if body else \
            Rejected(url, "empty page")
        if isinstance(document, Rejected):
            what = f" ({content_type})" if content_type and content_type not in SUFFIX_OF_TYPE else ""
            raise FetchFailed(document.reason + what)
        return {
            "id": identifier, "url": url, "title": document.title or address.title,
            "published": document.published or address.published, "text": document.text,
            "requested": address.url,
            "fetched_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
            "content_type": content_type,
        }


def _with_header_charset(body: bytes, headers: Any, content_type: str) -> bytes:
    """A text page whose charset only the HTTP header states, re-encoded as UTF-8 for the readers.

    A saved file has no header, so the readers look for a `<meta charset>` and
    otherwise guess; a fetched page may say it in the header alone (an old
    provincial site in windows-1258), and a guess can be wrong where the header is not.
    """
    from solieu.pipeline.readers.decode import declared_charset

    charset = headers.get_content_charset() if headers is not None else None
    if not charset or not content_type.startswith("text/") or declared_charset(body):
        return body
    try:
        text = body.decode(charset)
    except (LookupError, UnicodeDecodeError):
        return body  # a header that lies: the readers' own detection decides
    return text.encode("utf-8")


def _host_key(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _retry_after(headers: Any) -> float:
    """Seconds a 429/503 asks to wait (a number or an HTTP date), capped."""
    value = headers.get("Retry-After") if headers is not None else None
    if not value:
        return 0.0
    try:
        return min(float(value), MAX_WAIT)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return 0.0
    return min(max((when - datetime.now(timezone.utc)).total_seconds(), 0.0), MAX_WAIT)


def _network_reason(error: BaseException) -> str:
    reason = getattr(error, "reason", error)
    if isinstance(reason, (TimeoutError, socket.timeout)) or "timed out" in str(reason):
        return "timed out"
    if isinstance(reason, socket.gaierror):
        return "host not found"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    return f"network error ({reason})"


# --- a run -----------------------------------------------------------------------------------

class PageProgress(Progress):
    """The batch's progress bar, counting pages: fetched out of the total, rate, time left."""

    def __init__(self, stream: Any = None, quiet: bool = False, redraw: float = REDRAW_SECONDS) -> None:
        super().__init__(stream=stream, quiet=quiet, redraw=redraw)
        self.bar.unit = " pages"
        self.bar.refresh()

    def line(self) -> str:
        return f"{self.documents} fetched, {self.errors} failed"


def fetch_pages(addresses: Iterable[Address], output: Path, politeness: Politeness = Politeness(),
                fetcher: Fetcher | None = None, say: Say | None = None,
                progress: Progress | None = None) -> FetchResult:
    """Fetch every address not yet in `output`, appending each page as soon as it is read.

    Hosts are fetched side by side (`politeness.hosts` at a time), each host one
    request at a time in list order, so a slow site does not hold up the others.
    """
    if say is None:
        say = (lambda message: progress.message(f"solieu: {message}")) if progress is not None else \
            (lambda message: print(f"solieu: {message}", file=sys.stderr))
    stop = threading.Event()  # set on Ctrl-C: every host stops after its request in flight
    fetcher = fetcher or Fetcher(politeness, sleep=stop.wait)
    result = FetchResult()
    done = already_fetched(output)
    by_host: dict[str, list[Address]] = OrderedDict()
    for address in addresses:
        if address.url in done:
            result.skipped += 1
            continue
        done.add(address.url)
        by_host.setdefault(_host_key(address.url), []).append(address)
    output.parent.mkdir(parents=True, exist_ok=True)
    if progress is not None and progress.enabled:
        progress.bar.total = sum(len(queue) for queue in by_host.values())
    lock = threading.Lock()
    with output.open("a", encoding="utf-8", newline="\n") as out:

        def one_host(queue: list[Address]) -> None:
            for address in queue:
                if stop.is_set():
                    return
                try:
                    record = fetcher.fetch(address)
                except FetchFailed as error:
                    failed(Rejected(address.url, str(error)))
                    continue
                except Exception as error:  # a bug on one odd page must cost that page only
                    failed(Rejected(address.url, f"fetch failed ({type(error).__name__}: {error})"))
                    continue
                with lock:
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
                    out.flush()
                    result.fetched += 1
                    if progress is not None:
                        progress.document(0)

        def failed(rejected: Rejected) -> None:
            with lock:
                result.failed.append(rejected)
                say(rejected.message())
                if progress is not None:
                    progress.error()

        with ThreadPoolExecutor(max_workers=max(1, politeness.hosts)) as pool:
            try:
                for _ in pool.map(one_host, by_host.values()):
                    pass
            except BaseException:  # an interrupted run keeps what it fetched; the next run goes on from there
                stop.set()
                abort = getattr(fetcher, "abort", None)
                if abort is not None:
                    abort()  # the pages in flight stop now, not when their server is done
                raise
    return result


def write_errors(rejected: list[Rejected], path: Path) -> None:
    """The errors file: one row per failed address; none when nothing failed (an old one is removed)."""
    from solieu.pipeline.write import atomic_output, dump_record

    if not rejected:
        path.unlink(missing_ok=True)
        return
    with atomic_output(path) as out:
        for item in rejected:
            out.write(dump_record({"source": item.source, "reason": item.reason}))


# --- ingest URLS.txt -------------------------------------------------------------------------

def default_politeness(max_size: int = DEFAULT_MAX_SIZE) -> Politeness:
    """What `ingest URLS.txt` fetches with: the defaults of `solieu fetch`."""
    return Politeness(max_size=max_size)


def fetch_address_lists(inputs: Iterable[str | Path], max_size: int = DEFAULT_MAX_SIZE,
                        say: Say | None = None, quiet: bool = False) -> tuple[list[str], list[Rejected]]:
    """The inputs with every list of addresses replaced by the file of its fetched pages.

    `ingest urls.txt` fetches first: the pages of `urls.txt` are kept in
    `urls.pages.jsonl` (so the next run fetches only new addresses), every address
    that failed is one line through `say` and a row in `urls.pages.jsonl.errors.jsonl`,
    and comes back in the second list so that the exit status can say so. Each list
    ends with a summary line unless `quiet`.
    """
    say = say or (lambda message: print(f"solieu: {message}", file=sys.stderr))
    politeness = default_politeness(max_size)
    expanded: list[str] = []
    failed: list[Rejected] = []
    for raw in inputs:
        path = Path(raw)
        if not (path.is_file() and list_kind(path)):
            expanded.append(str(raw))
            continue
        try:
            addresses = read_list(path)
        except ListError as error:
            failed.append(Rejected(str(path), str(error).removeprefix(f"{path}: ")))
            say(failed[-1].message())
            continue
        output = default_output(path)
        problem = pages_problem(output)
        if problem:
            failed.append(Rejected(str(path), problem))
            say(failed[-1].message())
            continue
        result = fetch_pages(addresses, output, politeness, say=say)
        write_errors(result.failed, output.with_name(output.name + ".errors.jsonl"))
        failed += result.failed
        if not quiet:
            say(f"{path}: {result.summary()} → {output}")
        if output.exists() and output.stat().st_size:
            expanded.append(str(output))
    return expanded, failed
