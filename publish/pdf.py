"""Print the follow-up reports to PDF: ``<period>.pdf`` beside each ``<period>.html``.

One headless Chromium prints the whole set, driven over the DevTools protocol (CDP) with the pinned
``websockets`` client, so nothing beyond Debian's ``chromium`` package is needed: the browser is
started with ``--remote-debugging-port=0``, the port it chose is read from ``DevToolsActivePort`` in
its throw-away profile, and each report is opened (``Page.navigate``, then its load event) and
printed (``Page.printToPDF``). The page size and margins come from the report's ``@page`` rule; the
page header names the report (its title) and the footer says "Sida 1 av N".

Each PDF is written to a temporary file in the same directory, flushed to disk and renamed into
place, so a reader sees the previous PDF or the new one, never half of one. The browser's process
group is always killed and its profile removed, also when printing fails; the HTML is never touched.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from publish.fsio import fsync_dir

log = logging.getLogger(__name__)

CHROMIUM_ENV = "REGIONKPI_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
# --no-sandbox: containers run as root without user namespaces; the pages are our own, script-free files
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
    "--disable-extensions", "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--mute-audio", "--remote-debugging-port=0",
)  # fmt: skip
_MARGIN_TEXT = "font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 8px; color: #5a6475; width: 100%;"
#: Chromium fills the spans of class title, pageNumber and totalPages
HEADER = f'<div style="{_MARGIN_TEXT} margin: 0 14mm;"><span class="title"></span></div>'
FOOTER = (
    f'<div style="{_MARGIN_TEXT} margin: 0 14mm; text-align: right;">'
    'Sida <span class="pageNumber"></span> av <span class="totalPages"></span></div>'
)
PROGRESS_EVERY = 10


class PdfError(RuntimeError):
    """The PDFs could not be printed (no browser, or it failed); the HTML reports are left as they were."""


def chromium_executable(chromium: str | None = None) -> str:
    """``chromium``, else ``$REGIONKPI_CHROMIUM``, else /usr/bin/chromium; PdfError saying how to get one."""
    candidate = chromium or os.environ.get(CHROMIUM_ENV) or DEFAULT_CHROMIUM
    resolved = shutil.which(candidate)
    if resolved is None:
        raise PdfError(
            f"no Chromium at {candidate}: install it (`apt-get install chromium`) or set {CHROMIUM_ENV} "
            "to a Chromium/Chrome executable"
        )
    return resolved


class _Chromium:
    """A headless Chromium and the one DevTools WebSocket to it; a context manager that always cleans up."""

    def __init__(self, executable: str, timeout: float) -> None:
        self.executable, self.timeout = executable, timeout
        self.profile = Path(tempfile.mkdtemp(prefix="regionkpi-pdf-"))
        self.process: subprocess.Popen[bytes] | None = None
        self.ws: ClientConnection | None = None
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    def __enter__(self) -> _Chromium:
        try:
            with open(self.profile / "stderr.log", "wb") as stderr:
                self.process = subprocess.Popen(
                    [self.executable, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=stderr,
                    start_new_session=True,  # its own process group, so renderers and zygotes die with it
                )
            port, path = self._devtools_address()
            self.ws = connect(f"ws://127.0.0.1:{port}{path}", max_size=None, open_timeout=self.timeout)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _devtools_address(self) -> tuple[int, str]:
        assert self.process is not None
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log_tail = (self.profile / "stderr.log").read_text(errors="replace").strip()[-500:]
                raise PdfError(f"{self.executable} exited with code {self.process.returncode}: {log_tail}")
            with contextlib.suppress(FileNotFoundError):
                lines = (self.profile / "DevToolsActivePort").read_text(encoding="utf-8").split()
                if len(lines) >= 2:
                    return int(lines[0]), lines[1]
            time.sleep(0.05)
        raise PdfError(f"{self.executable} did not open DevTools within {self.timeout:.0f} s")

    def close(self) -> None:
        """Close the socket, kill the browser's process group and remove its profile. Idempotent."""
        if self.ws is not None:
            with contextlib.suppress(Exception):
                self.ws.close()
            self.ws = None
        process, self.process = self.process, None
        if process is not None:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, sig)  # the group started above (start_new_session)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=5)
                    break
            with contextlib.suppress(ProcessLookupError, PermissionError):  # helpers outliving the main process
                os.killpg(process.pid, signal.SIGKILL)
        shutil.rmtree(self.profile, ignore_errors=True)

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        """Send one command and wait for its answer, keeping the events that arrive meanwhile."""
        assert self.ws is not None
        message_id, deadline = next(self.ids), time.monotonic() + self.timeout
        message: dict[str, Any] = {"id": message_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        try:
            self.ws.send(json.dumps(message))
        except ConnectionClosed as error:
            raise PdfError(f"the browser closed the connection before {method}") from error
        while True:
            reply = self._receive(method, deadline)
            if reply.get("id") == message_id:
                if "error" in reply:
                    raise PdfError(f"{method} failed: {reply['error'].get('message', reply['error'])}")
                return reply.get("result", {})

    def open(self, session: str, path: Path) -> None:
        """Navigate the page to ``path`` and wait for its load event (styles and fonts included)."""
        self.events.clear()
        navigated = self.send("Page.navigate", {"url": path.as_uri()}, session)
        if navigated.get("errorText"):
            raise PdfError(f"cannot open {path}: {navigated['errorText']}")
        deadline = time.monotonic() + self.timeout
        while not any(e["method"] == "Page.loadEventFired" and e.get("sessionId") == session for e in self.events):
            self._receive(f"the load of {path}", deadline)

    def _receive(self, waiting_for: str, deadline: float) -> dict[str, Any]:
        assert self.ws is not None
        try:
            message = json.loads(self.ws.recv(timeout=max(deadline - time.monotonic(), 0)))
        except TimeoutError as error:
            raise PdfError(f"no answer to {waiting_for} within {self.timeout:.0f} s") from error
        except ConnectionClosed as error:
            raise PdfError(f"the browser closed the connection while waiting for {waiting_for}") from error
        if "method" in message:
            self.events.append(message)
        return message


def _write_atomic(path: Path, data: bytes) -> None:
    """``data`` to a temporary file beside ``path``, flushed, then renamed over ``path``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def print_pdfs(reports: Sequence[Path], *, chromium: str | None = None, timeout: float = 60) -> list[Path]:
    """Print each HTML report to ``<same path>.pdf`` (A4 from the report's print styles) with one
    headless Chromium; returns the PDFs' paths. ``timeout`` (seconds) bounds each step of the browser.
    Raises :class:`PdfError` when there is no Chromium or it fails; PDFs already printed are kept."""
    paths = [Path(report).resolve() for report in reports]
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        raise PdfError(f"no report at {', '.join(missing)}")
    executable = chromium_executable(chromium)
    if not paths:
        return []
    log.info("printing %d report(s) to PDF with %s", len(paths), executable)
    written: list[Path] = []
    started = time.monotonic()
    with _Chromium(executable, timeout) as browser:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        browser.send("Page.enable", session=session)
        for path in paths:
            browser.open(session, path)
            printed = browser.send(
                "Page.printToPDF",
                {
                    "paperWidth": 8.27,  # A4 in inches, when the page sets no size of its own
                    "paperHeight": 11.69,
                    "printBackground": True,
                    "preferCSSPageSize": True,
                    "displayHeaderFooter": True,
                    "headerTemplate": HEADER,
                    "footerTemplate": FOOTER,
                },
                session,
            )
            pdf = path.with_suffix(".pdf")
            _write_atomic(pdf, base64.b64decode(printed["data"]))
            written.append(pdf)
            log.debug("printed %s", pdf)
            if len(written) % PROGRESS_EVERY == 0 or len(written) == len(paths):
                log.info("printed %d/%d PDFs (%.1f s)", len(written), len(paths), time.monotonic() - started)
    return written
