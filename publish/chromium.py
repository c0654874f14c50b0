"""A small Chrome DevTools Protocol driver: a real headless Chromium, driven over one WebSocket.

The product prints each follow-up report to PDF with it (:mod:`publish.pdf`); the tests open reports in
it, read the DOM and take screenshots (tests/test_report_browser.py). Why not Selenium or Playwright:
neither is in the lockfile, and Playwright downloads its own browser. Debian's ``chromium`` package and
the pinned ``websockets`` client are all this needs: start the browser with ``--remote-debugging-port=0``,
read the port it chose from ``DevToolsActivePort`` in its profile directory, attach to a new page target
in flattened-session mode over the browser's one WebSocket, and send a handful of commands
(Page.navigate, Runtime.evaluate, Page.captureScreenshot, Page.printToPDF).

Console errors are collected from ``Runtime.consoleAPICalled`` (type error), ``Runtime.exceptionThrown``
and ``Log.entryAdded`` (level error: e.g. a resource that failed to load). The browser (its whole
process group) is always killed and its profile removed, also when a step fails.

    with Browser() as browser:
        page = browser.new_page()
        page.navigate(path.as_uri())
        assert page.console_errors == []
        title = page.evaluate("document.title")
        page.screenshot(Path("shot.png"))
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

from regionkpi.errors import RegionkpiError

CHROMIUM_ENV = "REGIONKPI_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
INSTALL_HINT = (
    "install Debian's Chromium with `make browser` (or `apt-get install chromium`), or point "
    f"{CHROMIUM_ENV} at a Chromium/Chrome executable"
)

FLAGS = (
    "--headless",
    "--no-sandbox",  # containers and CI runners as root have no user namespaces for the sandbox
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
    "--remote-debugging-port=0",
)


class BrowserError(RegionkpiError, RuntimeError):
    """The browser could not be started or did not answer."""


class BrowserNotFoundError(BrowserError):
    """No Chromium executable: the message says how to install one."""


def chromium_executable(executable: str | None = None) -> str:
    """The Chromium to drive: ``executable``, else ``$REGIONKPI_CHROMIUM``, else /usr/bin/chromium; raises
    :class:`BrowserNotFoundError` with install advice."""
    candidate = executable or os.environ.get(CHROMIUM_ENV) or DEFAULT_CHROMIUM
    resolved = shutil.which(candidate)
    if resolved is None:
        raise BrowserNotFoundError(f"no Chromium at {candidate}: {INSTALL_HINT}")
    return resolved


class Browser:
    """A headless Chromium process and one DevTools WebSocket to it (a context manager)."""

    def __init__(
        self,
        executable: str | None = None,
        *,
        window: tuple[int, int] = (1280, 1024),
        timeout: float = 30.0,
    ) -> None:
        self.executable = chromium_executable(executable)
        self.window = window
        self.timeout = timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._profile: Path | None = None
        self._ws: ClientConnection | None = None
        self._ids = itertools.count(1)
        self._events: list[dict[str, Any]] = []
        self._pages: dict[str, Page] = {}

    # Life cycle ---------------------------------------------------------------------------------

    def __enter__(self) -> Browser:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(self) -> None:
        self._profile = Path(tempfile.mkdtemp(prefix="regionkpi-chromium-"))
        log_path = self._profile / "chromium-stderr.log"
        width, height = self.window
        with open(log_path, "wb") as stderr:
            self._process = subprocess.Popen(
                [
                    self.executable,
                    *FLAGS,
                    f"--window-size={width},{height}",
                    f"--user-data-dir={self._profile}",
                    "about:blank",
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,  # its own process group: close() ends renderers and zygotes too
            )
        port, path = self._wait_for_devtools(log_path)
        self._ws = connect(f"ws://127.0.0.1:{port}{path}", max_size=None, open_timeout=self.timeout)

    def _wait_for_devtools(self, log_path: Path) -> tuple[int, str]:
        """The port and browser WebSocket path Chromium writes to <profile>/DevToolsActivePort."""
        assert self._process is not None and self._profile is not None
        active_port = self._profile / "DevToolsActivePort"
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise BrowserError(
                    f"{self.executable} exited with code {self._process.returncode}: {_tail(log_path)} "
                    "(before DevTools was ready)"
                )
            try:
                lines = active_port.read_text(encoding="utf-8").split()
            except FileNotFoundError:
                lines = []
            if len(lines) >= 2:
                return int(lines[0]), lines[1]
            time.sleep(0.05)
        raise BrowserError(f"{self.executable} did not open DevTools within {self.timeout:.0f} s: {_tail(log_path)}")

    def close(self) -> None:
        """Close the socket, kill the browser's process group, remove its profile. Idempotent."""
        if self._ws is not None:
            # the browser may already be gone; it is killed below either way
            with contextlib.suppress(Exception):
                self._ws.send(json.dumps({"id": next(self._ids), "method": "Browser.close"}))
            with contextlib.suppress(Exception):
                self._ws.close()
            self._ws = None
        process, self._process = self._process, None
        if process is not None:
            for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
                if process.poll() is not None:
                    break
                try:
                    os.killpg(process.pid, sig)  # the group we started (start_new_session)
                except ProcessLookupError:
                    break
                try:
                    process.wait(timeout=wait)
                except subprocess.TimeoutExpired:
                    continue
            # helpers (zygote, utility processes) can outlive the main process for a moment
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
        if self._profile is not None:
            shutil.rmtree(self._profile, ignore_errors=True)
            self._profile = None

    # Protocol -----------------------------------------------------------------------------------

    def send(self, method: str, params: dict[str, Any] | None = None, *, session_id: str | None = None) -> dict:
        """Send one command and wait for its answer; events that arrive meanwhile are dispatched."""
        if self._ws is None:
            raise BrowserError("the browser is not running")
        message_id = next(self._ids)
        message: dict[str, Any] = {"id": message_id, "method": method, "params": params or {}}
        if session_id is not None:
            message["sessionId"] = session_id
        self._ws.send(json.dumps(message))
        deadline = time.monotonic() + self.timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BrowserError(f"no answer to {method} within {self.timeout:.0f} s")
            reply = self._receive(remaining)
            if reply.get("id") == message_id:
                if "error" in reply:
                    raise BrowserError(f"{method} failed: {reply['error']}")
                return reply.get("result", {})

    def _receive(self, timeout: float) -> dict[str, Any]:
        assert self._ws is not None
        try:
            raw = self._ws.recv(timeout=timeout)
        except TimeoutError as error:
            raise BrowserError(f"the browser sent nothing within {timeout:.0f} s") from error
        message = json.loads(raw)
        if "method" in message:
            self._dispatch(message)
        return message

    def _dispatch(self, event: dict[str, Any]) -> None:
        self._events.append(event)
        page = self._pages.get(event.get("sessionId", ""))
        if page is not None:
            page._on_event(event["method"], event.get("params", {}))

    def wait_for_event(self, method: str, *, session_id: str | None = None, since: int = 0) -> dict[str, Any]:
        """The first event ``method`` (of the session) at index ``since`` or later, waiting for it."""
        deadline = time.monotonic() + self.timeout
        seen = since
        while True:
            for event in self._events[seen:]:
                if event["method"] == method and (session_id is None or event.get("sessionId") == session_id):
                    return event.get("params", {})
            seen = len(self._events)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BrowserError(f"no {method} within {self.timeout:.0f} s")
            self._receive(remaining)

    def new_page(self) -> Page:
        """A new tab, attached in flattened mode, with Runtime, Log and Page events enabled."""
        target_id = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session_id = self.send("Target.attachToTarget", {"targetId": target_id, "flatten": True})["sessionId"]
        page = Page(self, target_id, session_id)
        self._pages[session_id] = page
        for domain in ("Runtime", "Log", "Page"):
            page.send(f"{domain}.enable")
        return page


class Page:
    """One tab: navigate, read the DOM with JavaScript, take screenshots, see console errors."""

    def __init__(self, browser: Browser, target_id: str, session_id: str) -> None:
        self.browser = browser
        self.target_id = target_id
        self.session_id = session_id
        #: console errors, uncaught exceptions and failed loads, as readable lines
        self.console_errors: list[str] = []

    def send(self, method: str, params: dict[str, Any] | None = None) -> dict:
        return self.browser.send(method, params, session_id=self.session_id)

    def _on_event(self, method: str, params: dict[str, Any]) -> None:
        if method == "Runtime.consoleAPICalled" and params.get("type") in {"error", "assert"}:
            texts = [str(arg.get("value", arg.get("description", ""))) for arg in params.get("args", [])]
            self.console_errors.append("console.error: " + " ".join(texts))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            description = details.get("exception", {}).get("description") or details.get("text", "")
            self.console_errors.append(f"uncaught exception: {description}")
        elif method == "Log.entryAdded":
            entry = params.get("entry", {})
            if entry.get("level") == "error":
                where = f" ({entry['url']})" if entry.get("url") else ""
                self.console_errors.append(f"{entry.get('source', 'log')}: {entry.get('text', '')}{where}")

    def navigate(self, url: str) -> None:
        """Load ``url`` and wait for its load event (images, styles and fonts included)."""
        since = len(self.browser._events)
        result = self.send("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise BrowserError(f"cannot open {url}: {result['errorText']}")
        self.browser.wait_for_event("Page.loadEventFired", session_id=self.session_id, since=since)
        # let late console messages (e.g. a failed image reported after load) arrive
        self.evaluate("new Promise(resolve => setTimeout(resolve, 100))")

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression (promises awaited, returned by value)."""
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            description = details.get("exception", {}).get("description") or details.get("text")
            raise BrowserError(f"{expression!r} threw: {description}")
        return result.get("result", {}).get("value")

    def screenshot(self, path: Path | None = None, *, full_page: bool = True) -> bytes:
        """A PNG of the page (the whole page beyond the viewport by default); written to ``path`` if given."""
        params: dict[str, Any] = {"format": "png", "captureBeyondViewport": full_page}
        if full_page:
            metrics = self.send("Page.getLayoutMetrics")
            size = metrics.get("cssContentSize") or metrics["contentSize"]
            width = max(int(size["width"]), self.browser.window[0])
            params["clip"] = {"x": 0, "y": 0, "width": width, "height": int(size["height"]), "scale": 1}
        data = base64.b64decode(self.send("Page.captureScreenshot", params)["data"])
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        return data


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _tail(path: Path, lines: int = 5) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return "(no log)"
    return " | ".join(text[-lines:]) or "(nothing on stderr)"
