"""Atomic serving of the validated marts: published snapshots with a `current` pointer, and reading them.

``publish`` is the one entry point that Airflow tasks and the CLI call after the gate has passed.
"""

from publish.query import NothingPublishedError, format_kpi_table, published_kpis
from publish.snapshot import (
    PublishedSnapshot,
    PublishError,
    list_snapshots,
    prune_snapshots,
    publish,
    resolve_current,
)

__all__ = [
    "NothingPublishedError",
    "PublishError",
    "PublishedSnapshot",
    "format_kpi_table",
    "list_snapshots",
    "prune_snapshots",
    "publish",
    "published_kpis",
    "resolve_current",
]
