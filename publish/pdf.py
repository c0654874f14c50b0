"""Print the follow-up reports to PDF: ``<period>.pdf`` beside each ``<period>.html``.

One headless Chromium prints the whole set, driven over the DevTools protocol by
:mod:`publish.chromium` (Debian's ``chromium`` and the pinned ``websockets`` client, nothing else):
each report is opened (``Page.navigate``, then its load event) and printed (``Page.printToPDF``). The
page size and margins come from the report's ``@page`` rule; the page header names the report (its
title) and the footer says "Sida 1 av N".

Each PDF is written to a temporary file in the same directory, flushed to disk and renamed into
place, so a reader sees the previous PDF or the new one, never half of one. The browser's process
group is always killed and its profile removed, also when printing fails; the HTML is never touched.
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Sequence
from pathlib import Path

from publish.chromium import Browser, BrowserError
from regionkpi.fsio import replace_atomically

log = logging.getLogger(__name__)

_MARGIN_TEXT = "font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 8px; color: #5a6475; width: 100%;"
#: Chromium fills the spans of class title, pageNumber and totalPages
HEADER = f'<div style="{_MARGIN_TEXT} margin: 0 14mm;"><span class="title"></span></div>'
FOOTER = (
    f'<div style="{_MARGIN_TEXT} margin: 0 14mm; text-align: right;">'
    'Sida <span class="pageNumber"></span> av <span class="totalPages"></span></div>'
)
PROGRESS_EVERY = 10
PRINT_OPTIONS = {
    "paperWidth": 8.27,  # A4 in inches, when the page sets no size of its own
    "paperHeight": 11.69,
    "printBackground": True,
    "preferCSSPageSize": True,
    "displayHeaderFooter": True,
    "headerTemplate": HEADER,
    "footerTemplate": FOOTER,
}


class PdfError(BrowserError):
    """The PDFs could not be printed (no browser, or it failed); the HTML reports are left as they were."""


def _write_atomic(path: Path, data: bytes) -> None:
    """``data`` to ``path`` through a temporary file that is flushed and renamed into place."""
    replace_atomically(path, lambda tmp: tmp.write_bytes(data))


def print_pdfs(reports: Sequence[Path], *, chromium: str | None = None, timeout: float = 60) -> list[Path]:
    """Print each HTML report to ``<same path>.pdf`` (A4 from the report's print styles) with one
    headless Chromium; returns the PDFs' paths. ``timeout`` (seconds) bounds each step of the browser.
    Raises :class:`PdfError` when there is no Chromium or it fails; PDFs already printed are kept."""
    paths = [Path(report).resolve() for report in reports]
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        raise PdfError(f"no report at {', '.join(missing)}")
    if not paths:
        return []
    try:
        browser = Browser(chromium, timeout=timeout)
    except BrowserError as error:  # no Chromium: the message says how to install one
        raise PdfError(str(error)) from error
    log.info("printing %d report(s) to PDF with %s", len(paths), browser.executable)
    written: list[Path] = []
    started = time.monotonic()
    try:
        with browser:
            page = browser.new_page()
            for path in paths:
                page.navigate(path.as_uri())
                printed = page.send("Page.printToPDF", PRINT_OPTIONS)
                pdf = path.with_suffix(".pdf")
                _write_atomic(pdf, base64.b64decode(printed["data"]))
                written.append(pdf)
                log.debug("printed %s", pdf)
                if len(written) % PROGRESS_EVERY == 0 or len(written) == len(paths):
                    log.info("printed %d/%d PDFs (%.1f s)", len(written), len(paths), time.monotonic() - started)
    except PdfError:
        raise
    except BrowserError as error:
        raise PdfError(str(error)) from error
    return written
