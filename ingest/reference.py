"""What extracts are checked against: the region's loaded deliveries, and the rules people own as seeds.

:func:`delivery_files` lists a source's loaded deliveries of a region in order (the latest wins:
docs/raw_layer.md). Seeds (ticket products, report lines, traffic areas, the indicator catalogue)
are read from ``dbt_project/seeds/`` at run time, so a changed seed needs no code change. The
organisation, which every extract naming a unit checks against, is :mod:`ingest.organisation`.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from regionkpi.settings import Settings


def delivery_files(settings: Settings, source: str, region_id: str) -> list[Path]:
    """The raw files of the region's loaded deliveries of ``source``, oldest first (by sequence number;
    the schema file and temporaries are not deliveries)."""
    folder = settings.raw_dir / source / region_id
    files = [f for f in folder.glob("*.parquet") if f.name[:1].isdigit()] if folder.is_dir() else []
    return sorted(files, key=lambda f: int(f.name.split("_", 1)[0]))


@cache
def _seed_rows(path: Path) -> tuple[dict[str, str], ...]:
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple(csv.DictReader(handle))


def seed_rows(settings: Settings, seed: str, region_id: str | None = None) -> list[dict[str, str]]:
    """Rows of ``seeds/<seed>.csv``; with ``region_id``, the region's own rows and the default (``*``) rows."""
    rows = _seed_rows(settings.dbt_project_dir / "seeds" / f"{seed}.csv")
    if region_id is None:
        return list(rows)
    return [row for row in rows if row["region_id"] in (region_id, "*")]
