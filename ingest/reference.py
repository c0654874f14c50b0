"""What extracts are checked against: the region's loaded deliveries, and the rules people own as seeds.

:func:`delivery_files` lists a source's loaded deliveries of a region in order (the latest wins:
docs/raw_layer.md). Seeds (ticket products, report lines, traffic areas, the indicator catalogue)
are read from ``dbt_project/seeds/`` at run time, so a changed seed needs no code change. The
organisation, which every extract naming a unit checks against, is :mod:`ingest.organisation`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from regionkpi import seeds

if TYPE_CHECKING:
    from regionkpi.settings import Settings


def delivery_files(settings: Settings, source: str, region_id: str) -> list[Path]:
    """The raw files of the region's loaded deliveries of ``source``, oldest first (by sequence number;
    the schema file and temporaries are not deliveries)."""
    folder = settings.raw_dir / source / region_id
    files = [f for f in folder.glob("*.parquet") if f.name[:1].isdigit()] if folder.is_dir() else []
    return sorted(files, key=lambda f: int(f.name.split("_", 1)[0]))


def latest_delivery_rows(relation: str, partition_by: Sequence[str]) -> str:
    """SQL: the rows of ``relation`` that "the latest accepted delivery wins" keeps: per ``partition_by``
    (for example region and month), only those of the delivery with the highest ledger sequence number
    (``_delivery_seq``). The rule's one owner in Python; dbt's models use the macro ``latest_delivery``,
    which writes the same clause."""
    return (
        f"select * from {relation} "  # noqa: S608 - code-owned SQL: relation and columns are identifiers
        f"qualify _delivery_seq = max(_delivery_seq) over (partition by {', '.join(partition_by)})"
    )


def seed_rows(settings: Settings, seed: str, region_id: str | None = None) -> list[dict[str, str]]:
    """Rows of the configured project's ``seeds/<seed>.csv``; with ``region_id``, the region's own rows
    and the default (``*``) rows (:func:`regionkpi.seeds.seed_rows`)."""
    return seeds.seed_rows(settings.dbt_project_dir / "seeds", seed, region_id)
