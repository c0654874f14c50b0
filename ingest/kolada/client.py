"""A small client for Kolada's API v3: KPI values per municipality (or region) and year.

Kolada answers ``GET /v3/data/kpi/<kpi ids>/municipality/<municipality ids>[/year/<years>]`` with an
envelope ``{"values": [...], "count": n, "next_url": ..., "previous_url": ...}``; each value object
holds one KPI × municipality × period with up to three gender entries (T, K, M), each with ``value``
(null when Kolada has none), ``count``, ``status`` and ``isdeleted``. See docs/kolada.md for which of
these facts come from stored documentation and which are assumptions.

The rules this client keeps, because the API or the warehouse needs them:

- ids go into the path (comma-separated), at most 25 per segment: longer lists become several
  requests, one per combination of chunks (kpi chunk × municipality chunk × year chunk);
- ``per_page`` is at most 5000 (Kolada's maximum page size); a larger value is refused, not clipped;
- pages are followed through ``next_url`` until there is none, and a ``next_url`` that points back to
  a page already read stops the fetch with an error instead of looping forever;
- a value marked ``isdeleted`` is dropped; a null value stays ``None`` (never 0);
- only 429 (rate limited), 5xx and connection errors are retried, with exponential backoff (the sleep
  is injectable so tests do not wait); every other failure raises at once, naming URL and HTTP status.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple
from urllib.parse import urljoin

import httpx

from regionkpi.errors import RegionkpiError

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.kolada.se/v3"
#: Kolada's largest page (and its default).
MAX_PER_PAGE = 5000
#: Kolada refuses longer id lists in one path segment.
MAX_IDS_PER_SEGMENT = 25
#: A fetch that needs more pages than this for one request is treated as a runaway.
MAX_PAGES_PER_REQUEST = 10_000
#: Never wait longer than this between two attempts, whatever Retry-After says.
MAX_BACKOFF_SECONDS = 120.0
GENDERS = ("T", "K", "M")

#: KPI ids (N60030), municipality and region ids (0000, 0006, 1480) and group ids (G123456): plain
#: letters and digits, so an id can never add a path segment or a query to the URL.
_ID = re.compile(r"^[A-Za-z0-9]+$")


class KoladaValue(NamedTuple):
    """One value of one KPI for one municipality (or region, or the country: '0000'), year and gender."""

    kpi: str
    municipality_id: str
    period_year: int
    gender: str
    value: float | None
    count: int | None
    status: str | None


class PageProgress(NamedTuple):
    """What one page brought, for a progress callback."""

    url: str
    request: int  # 1-based index of the request (combination of id chunks)
    requests: int  # how many requests the fetch makes
    page: int  # 1-based page within the request
    records: int  # records kept from this page
    deleted: int  # records dropped because Kolada marks them deleted


class KoladaError(RegionkpiError, RuntimeError):
    """Reading Kolada failed; the message names the URL and what went wrong."""


class KoladaHTTPError(KoladaError):
    """Kolada answered with an HTTP error status (after the retries, for retryable ones)."""

    def __init__(self, url: str, status: int, reason: str, body: str, attempts: int) -> None:
        self.url = url
        self.status = status
        self.attempts = attempts
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        detail = f": {body}" if body else ""
        super().__init__(f"Kolada answered HTTP {status} {reason}{tries} for {url}{detail}")


class KoladaResponseError(KoladaError):
    """Kolada (or a saved response file) returned something that is not a v3 data envelope."""


# Parsing ------------------------------------------------------------------------------------------


def _is_deleted(flag: object) -> bool:
    if isinstance(flag, str):
        return flag.strip().lower() in {"true", "1", "yes"}
    return bool(flag)


def _number(raw: object, field: str, where: str) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise KoladaResponseError(f"{where}: {field} must be a number or null, not {raw!r}")
    return float(raw)


def _whole(raw: object, field: str, where: str) -> int | None:
    number = _number(raw, field, where)
    if number is None:
        return None
    if not number.is_integer():
        raise KoladaResponseError(f"{where}: {field} must be a whole number, not {raw!r}")
    return int(number)


def _year(raw: object, where: str) -> int:
    text = str(raw).strip() if isinstance(raw, int | str) and not isinstance(raw, bool) else ""
    if not re.fullmatch(r"\d{4}", text):
        raise KoladaResponseError(f"{where}: period must be a year (YYYY), not {raw!r}")
    return int(text)


def parse_page(payload: object, source: str) -> tuple[list[KoladaValue], int]:
    """The records of one v3 data page, flattened, and how many deleted ones were dropped.

    ``source`` (the URL or file the page came from) is named in every error. Unknown keys are
    ignored; a missing or malformed required field raises :class:`KoladaResponseError`.
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("values"), list):
        raise KoladaResponseError(f"{source}: not a Kolada data page (expected an object with a 'values' list)")
    records: list[KoladaValue] = []
    deleted = 0
    for index, item in enumerate(payload["values"]):
        where = f"{source}, values[{index}]"
        if not isinstance(item, dict):
            raise KoladaResponseError(f"{where}: expected an object, not {item!r}")
        kpi, municipality = item.get("kpi"), item.get("municipality")
        if not isinstance(kpi, str) or not kpi:
            raise KoladaResponseError(f"{where}: 'kpi' is missing")
        if not isinstance(municipality, str) or not municipality:
            raise KoladaResponseError(f"{where}: 'municipality' is missing (only municipality data is read)")
        year = _year(item.get("period"), where)
        entries = item.get("values")
        if not isinstance(entries, list):
            raise KoladaResponseError(f"{where}: 'values' must be a list of gender entries")
        if _is_deleted(item.get("isdeleted")):
            deleted += len(entries)
            continue
        for position, entry in enumerate(entries):
            at = f"{where}.values[{position}]"
            if not isinstance(entry, dict):
                raise KoladaResponseError(f"{at}: expected an object, not {entry!r}")
            if _is_deleted(entry.get("isdeleted")):
                deleted += 1
                continue
            gender = entry.get("gender")
            if gender not in GENDERS:
                raise KoladaResponseError(f"{at}: gender must be one of {', '.join(GENDERS)}, not {gender!r}")
            status = entry.get("status")
            if status is not None and not isinstance(status, str):
                raise KoladaResponseError(f"{at}: status must be text or null, not {status!r}")
            records.append(
                KoladaValue(
                    kpi=kpi,
                    municipality_id=municipality,
                    period_year=year,
                    gender=gender,
                    value=_number(entry.get("value"), "value", at),
                    count=_whole(entry.get("count"), "count", at),
                    status=status or None,
                )
            )
    return records, deleted


# The client ---------------------------------------------------------------------------------------


def _ids(values: Iterable[object], what: str) -> list[str]:
    """Distinct ids as text, in the order given; refuses anything that is not plain letters and digits."""
    seen: dict[str, None] = {}
    for value in values:
        text = str(value).strip()
        if not _ID.match(text):
            raise ValueError(f"{what} id {value!r} is not a Kolada id (letters and digits only)")
        seen.setdefault(text, None)
    return list(seen)


def _years(values: Iterable[object]) -> list[str]:
    years: dict[str, None] = {}
    for value in values:
        text = str(value).strip()
        if not re.fullmatch(r"\d{4}", text):
            raise ValueError(f"year {value!r} is not a four-digit year")
        years.setdefault(text, None)
    return list(years)


def _chunks(items: Sequence[str], size: int) -> list[list[str]]:
    return [list(items[start : start + size]) for start in range(0, len(items), size)]


def _default_sleep(seconds: float) -> None:
    time.sleep(seconds)


class KoladaClient:
    """Reads KPI values from Kolada's API v3.

    ``http`` lets a caller (or a test) hand in its own ``httpx.Client``; the client then never closes
    it. ``sleep`` is called with the backoff delay between attempts (``time.sleep`` by default).
    ``progress`` is called once per page read, with a :class:`PageProgress`.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        http: httpx.Client | None = None,
        per_page: int = MAX_PER_PAGE,
        timeout: float = 60.0,
        max_retries: int = 4,
        backoff_seconds: float = 2.0,
        sleep: Callable[[float], None] = _default_sleep,
        progress: Callable[[PageProgress], None] | None = None,
    ) -> None:
        if isinstance(per_page, bool) or not isinstance(per_page, int) or not 1 <= per_page <= MAX_PER_PAGE:
            raise ValueError(
                f"per_page must be a whole number from 1 to {MAX_PER_PAGE} (Kolada's maximum), not {per_page!r}"
            )
        if max_retries < 0:
            raise ValueError(f"max_retries must be 0 or more, not {max_retries}")
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be an http(s) URL, not {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.per_page = per_page
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_seconds = backoff_seconds
        self._sleep = sleep
        self._progress = progress
        self._owns_http = http is None
        self._http = http or httpx.Client(timeout=timeout, headers={"Accept": "application/json"})

    # Context manager and cleanup ---------------------------------------------------------------

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> KoladaClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # URLs ---------------------------------------------------------------------------------------

    def data_urls(
        self,
        kpis: Iterable[str],
        municipalities: Iterable[str],
        years: Iterable[int | str] | None = None,
    ) -> list[str]:
        """The path-style data URLs for ``kpis`` × ``municipalities`` (× ``years``), at most 25 ids per
        segment: one URL per combination of chunks."""
        kpi_ids = _ids(kpis, "KPI")
        municipality_ids = _ids(municipalities, "municipality")
        if not kpi_ids:
            raise ValueError("give at least one KPI id")
        if not municipality_ids:
            raise ValueError("give at least one municipality id ('0000' is the whole country)")
        year_list = _years(years) if years is not None else []
        if years is not None and not year_list:
            raise ValueError("years was given but is empty; pass None for every year")
        year_chunks: list[list[str] | None] = list(_chunks(year_list, MAX_IDS_PER_SEGMENT)) if year_list else [None]
        urls = []
        for kpi_chunk, municipality_chunk, year_chunk in itertools.product(
            _chunks(kpi_ids, MAX_IDS_PER_SEGMENT), _chunks(municipality_ids, MAX_IDS_PER_SEGMENT), year_chunks
        ):
            url = f"{self.base_url}/data/kpi/{','.join(kpi_chunk)}/municipality/{','.join(municipality_chunk)}"
            if year_chunk:
                url += f"/year/{','.join(year_chunk)}"
            urls.append(url)
        return urls

    # Fetching -----------------------------------------------------------------------------------

    def fetch_values(
        self,
        kpis: Iterable[str],
        municipalities: Iterable[str],
        years: Iterable[int | str] | None = None,
        *,
        from_date: dt.date | None = None,
    ) -> Iterator[KoladaValue]:
        """Every value of ``kpis`` for ``municipalities`` (and ``years``; all years when None).

        ``from_date`` asks Kolada only for values changed since that date (an incremental load).
        Records come lazily, page by page; deleted values are dropped, missing values are None.
        """
        if from_date is not None and not isinstance(from_date, dt.date):
            raise TypeError(f"from_date must be a date, not {type(from_date).__name__}")
        params: dict[str, str | int] = {"per_page": self.per_page}
        if from_date is not None:
            day = from_date.date() if isinstance(from_date, dt.datetime) else from_date
            params["from_date"] = day.isoformat()
        urls = self.data_urls(kpis, municipalities, years)
        for index, url in enumerate(urls, start=1):
            yield from self._pages(url, params, index, len(urls))

    def _pages(self, url: str, params: dict[str, str | int], request: int, requests: int) -> Iterator[KoladaValue]:
        """Follow ``next_url`` from ``url`` until there is none, yielding each page's records."""
        seen: set[str] = set()
        current: httpx.URL | None = httpx.URL(url).copy_merge_params(params)
        page = 0
        while current is not None:
            key = str(current)
            if key in seen:
                raise KoladaError(
                    f"Kolada's next_url points back to a page already read ({key}); stopped to avoid a loop"
                )
            if len(seen) >= MAX_PAGES_PER_REQUEST:
                raise KoladaError(f"more than {MAX_PAGES_PER_REQUEST} pages for {url}; stopped")
            seen.add(key)
            page += 1
            payload = self._get_json(current)
            records, deleted = parse_page(payload, key)
            info = PageProgress(key, request, requests, page, len(records), deleted)
            log.info(
                "kolada: request %d/%d page %d: %d value(s) (%d deleted dropped) from %s",
                request,
                requests,
                page,
                len(records),
                deleted,
                key,
            )
            if self._progress is not None:
                self._progress(info)
            yield from records
            next_url = payload.get("next_url")
            if next_url in (None, ""):
                current = None
            elif isinstance(next_url, str):
                current = httpx.URL(urljoin(key, next_url))
            else:
                raise KoladaResponseError(f"{key}: next_url must be a URL or null, not {next_url!r}")

    def _get_json(self, url: httpx.URL) -> Any:
        """GET ``url`` and decode its JSON, retrying 429, 5xx and connection errors with backoff."""
        attempts = self.max_retries + 1
        for attempt in range(1, attempts + 1):
            try:
                response = self._http.get(url, timeout=self.timeout)
            except httpx.TransportError as error:
                if attempt == attempts:
                    raise KoladaError(
                        f"cannot reach Kolada at {url} after {attempt} attempt(s): {type(error).__name__}: {error}"
                    ) from error
                delay = self._delay(attempt, None)
                log.warning(
                    "kolada: %s for %s; attempt %d of %d, retrying in %.1f s", error, url, attempt, attempts, delay
                )
                self._sleep(delay)
                continue
            status = response.status_code
            if 200 <= status < 300:
                try:
                    return response.json()
                except ValueError as error:
                    raise KoladaResponseError(
                        f"Kolada answered HTTP {status} for {url} but not with JSON: {response.text[:200]!r}"
                    ) from error
            retryable = status == 429 or 500 <= status < 600
            if retryable and attempt < attempts:
                delay = self._delay(attempt, response.headers.get("Retry-After"))
                log.warning(
                    "kolada: HTTP %d for %s; attempt %d of %d, retrying in %.1f s",
                    status,
                    url,
                    attempt,
                    attempts,
                    delay,
                )
                self._sleep(delay)
                continue
            raise KoladaHTTPError(
                str(url), status, response.reason_phrase, " ".join(response.text[:300].split()), attempt
            )
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        """Exponential backoff (backoff, 2×, 4×, ...), or the server's Retry-After seconds when given."""
        delay = self.backoff_seconds * 2 ** (attempt - 1)
        if retry_after is not None and retry_after.strip().isdigit():
            delay = float(retry_after.strip())
        return min(delay, MAX_BACKOFF_SECONDS)
