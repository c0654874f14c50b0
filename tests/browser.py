"""The browser the tests drive: the product's own DevTools driver (publish/chromium.py), re-exported
under the names the tests have always used."""

from publish.chromium import (
    CHROMIUM_ENV,
    DEFAULT_CHROMIUM,
    Browser,
    BrowserError,
    BrowserNotFoundError,
    Page,
    chromium_executable,
    png_size,
)

__all__ = [
    "CHROMIUM_ENV",
    "DEFAULT_CHROMIUM",
    "Browser",
    "BrowserError",
    "BrowserNotFoundError",
    "Page",
    "chromium_executable",
    "png_size",
]
