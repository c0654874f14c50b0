"""Kolada, Sweden's national KPI database (api.kolada.se/v3): national and regional benchmarks.

Unlike the other sources Kolada is not a file a region delivers but an API the warehouse reads:

- :mod:`ingest.kolada.client` reads values for KPI ids × municipality ids × years (paging, chunking,
  retries) and flattens them to :class:`KoladaValue` records;
- :mod:`ingest.kolada.load` writes one fetch as one immutable Parquet file under
  ``raw/kolada_values/`` (also from a saved API response, for the offline demo).

See docs/kolada.md.
"""

from ingest.kolada.client import (
    DEFAULT_BASE_URL,
    MAX_IDS_PER_SEGMENT,
    MAX_PER_PAGE,
    KoladaClient,
    KoladaError,
    KoladaHTTPError,
    KoladaResponseError,
    KoladaValue,
    PageProgress,
    parse_page,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "MAX_IDS_PER_SEGMENT",
    "MAX_PER_PAGE",
    "KoladaClient",
    "KoladaError",
    "KoladaHTTPError",
    "KoladaResponseError",
    "KoladaValue",
    "PageProgress",
    "parse_page",
]
