"""Headless Chromium driven over the DevTools protocol: open the report, click, read, time, screenshot.

Debian's `chromium` and one websocket (the `websocket-client` package) are
enough: no browser download, no driver binary. The report tests use it to see
the page as a reader does, and `make bench` to time its rendering. Every
request the page makes is recorded, and so is every request the page's
Content-Security-Policy refused, so a test can say that nothing left the page.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

FLAGS: tuple[str, ...] = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
)
LISTENING = re.compile(r"DevTools listening on (ws://\S+)")
# Recorded before any script of the page runs: requests the CSP refused.
WATCH_CSP = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


class BrowserError(RuntimeError):
    """Chromium did not start, or the page did not answer in time."""


def find_chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Chromium:
    """One headless Chromium with one page; use as a context manager so the process always ends."""

    def __init__(self, executable: str | None = None, width: int = 1400, height: int = 900, timeout: float = 60.0):
        import websocket  # websocket-client, a dev dependency

        self.executable = executable or find_chromium()
        if not self.executable:
            raise BrowserError("chromium is not installed")
        self.timeout = timeout
        self.profile = tempfile.TemporaryDirectory(prefix="solieu-chromium-", ignore_cleanup_errors=True)
        # The browser's log goes to a file: a pipe nobody reads would fill up and stall the browser.
        self.log = Path(self.profile.name) / "chromium.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [self.executable, *FLAGS, f"--user-data-dir={self.profile.name}/profile",
                 "--remote-debugging-port=0", f"--window-size={width},{height}", "about:blank"],
                stdout=subprocess.DEVNULL, stderr=log,
            )
        browser_url = self._wait_for_endpoint()
        port = re.search(r":(\d+)/", browser_url).group(1)
        page_url = self._page_target(port)
        self.socket = websocket.create_connection(page_url, timeout=timeout, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict[str, Any]] = []
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.send("Network.enable")
        self.send("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH_CSP})
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def _wait_for_endpoint(self) -> str:
        """The browser's websocket address, as it writes it in its log."""
        deadline = time.monotonic() + self.timeout
        seen = ""
        while time.monotonic() < deadline:
            seen = self.log.read_text(encoding="utf-8", errors="replace")
            found = LISTENING.search(seen)
            if found:
                return found.group(1)
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.close()
        raise BrowserError("chromium did not open its DevTools endpoint: " + seen[-500:])

    def _page_target(self, port: str) -> str:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as answer:
                targets = json.load(answer)
            pages = [t for t in targets if t.get("type") == "page"]
            if pages:
                return pages[0]["webSocketDebuggerUrl"]
            time.sleep(0.1)
        raise BrowserError("chromium has no page to drive")

    def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """One DevTools command; events that arrive meanwhile are kept in `events`."""
        self.next_id += 1
        wanted = self.next_id
        self.socket.send(json.dumps({"id": wanted, "method": method, "params": params or {}}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == wanted:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def evaluate(self, expression: str) -> Any:
        """A JavaScript expression's value (awaited when it is a promise)."""
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            raise BrowserError(f"script failed: {result['exceptionDetails'].get('exception', {}).get('description')}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float | None = None) -> Any:
        deadline = time.monotonic() + (timeout or self.timeout)
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.05)
        raise BrowserError(f"timed out waiting for {expression}")

    def open(self, path: Path, ready: str = "document.body && document.body.dataset.ready === '1'") -> float:
        """Load a file and wait until the page says it is drawn; the wall time in seconds."""
        start = time.perf_counter()
        self.send("Page.navigate", {"url": Path(path).resolve().as_uri()})
        self.wait_for(ready)
        return time.perf_counter() - start

    def requests(self) -> list[str]:
        """Every URL the page asked for since it was opened (the page itself included)."""
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def violations(self) -> list[str]:
        return self.evaluate("window.__violations || []")

    def screenshot(self, output: Path, full_height: int | None = None) -> None:
        if full_height:
            self.send("Emulation.setDeviceMetricsOverride",
                      {"width": 1400, "height": full_height, "deviceScaleFactor": 1, "mobile": False})
        shot = self.send("Page.captureScreenshot", {"format": "png"})
        Path(output).write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        try:
            if getattr(self, "socket", None) is not None:
                self.socket.close()
        finally:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            remove_profile(Path(self.profile.name))

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def screenshot_report(report: Path, output: Path, width: int = 1400, height: int = 860) -> None:
    """docs/report.png: the page as it opens (header, filters, map, overview) above the evidence of one cell.

    Both halves are screenshots of the same page in headless Chromium; the
    second is taken after following the link of the provincial cell with the most
    figures (a total and its parts), cut below the sticky header it repeats.
    """
    from io import BytesIO

    from PIL import Image

    with Chromium(width=width, height=height) as browser:
        browser.open(report)
        top = Image.open(BytesIO(base64.b64decode(browser.send("Page.captureScreenshot", {"format": "png"})["data"])))
        browser.evaluate("""(() => { const data = JSON.parse(document.getElementById('report-data').textContent);
            let best = data.cells.findIndex(c => c[0] < data.placed);
            data.cells.forEach((c, i) => { if (c[0] < data.placed && c[10].length > data.cells[best][10].length) best = i; });
            location.hash = '#e' + best; })()""")
        browser.evaluate("new Promise(r => setTimeout(r, 300))")
        header = int(browser.evaluate("document.getElementById('top').offsetHeight"))
        shot = browser.send("Page.captureScreenshot", {"format": "png"})
        evidence = Image.open(BytesIO(base64.b64decode(shot["data"]))).crop((0, header, width, height))
    page = Image.new("RGB", (width, top.height + 6 + evidence.height), "#8a96a3")
    page.paste(top, (0, 0))
    page.paste(evidence, (0, top.height + 6))
    page.save(output, optimize=True)


def screenshot_phone(report: Path, output: Path, width: int = 390, height: int = 844) -> None:
    """docs/report-phone.png: the page on a phone as it opens, and scrolled to the targets with the header folded.

    The second screen opens the first verdict's sentences, so that the picture
    shows what a verdict stands on.
    """
    from io import BytesIO

    from PIL import Image

    shots = []
    with Chromium(width=width, height=height) as browser:
        browser.send("Emulation.setDeviceMetricsOverride",
                     {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True})
        browser.open(report)
        shots.append(browser.send("Page.captureScreenshot", {"format": "png"})["data"])
        browser.evaluate("""(() => { const open = document.querySelector('#targets-grid details.why');
            if (open) open.open = true;
            const row = document.querySelector('#targets-grid tr.sentences') || document.getElementById('targets');
            window.scrollTo(0, row.getBoundingClientRect().top + window.scrollY - 260); })()""")
        browser.evaluate("new Promise(r => setTimeout(r, 400))")
        shots.append(browser.send("Page.captureScreenshot", {"format": "png"})["data"])
    images = [Image.open(BytesIO(base64.b64decode(shot))) for shot in shots]
    page = Image.new("RGB", (2 * width + 12, height), "#8a96a3")
    for number, image in enumerate(images):
        page.paste(image, (number * (width + 12), 0))
    page.save(output, optimize=True)


def remove_profile(folder: Path, attempts: int = 20) -> None:
    """Delete Chromium's profile folder once its last helper process has stopped writing to it.

    The browser's child processes may still write a file or two after the main
    process exits, and `rmtree` then fails with "Directory not empty": try again
    for a few seconds rather than fail a test or a bench run over a temporary folder.
    """
    for _ in range(attempts):
        try:
            shutil.rmtree(folder)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.25)
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    import sys

    screenshot_report(Path(sys.argv[1]), Path(sys.argv[2]))
    if len(sys.argv) > 3:
        screenshot_phone(Path(sys.argv[1]), Path(sys.argv[3]))
