"""What every source package provides, and the registry of sources ingest knows.

A source is a small package in ``ingest/<domain>/``: its extract contract (columns, GX suite), its
reader (contract-checked file -> rows for the raw layer) and its sample generator. The landing area
has one folder per source name; sources are ingested in dependency order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pandas as pd
import pyarrow as pa

from regionkpi.settings import Settings

DELIVERY_FIELDS = [
    pa.field("region_id", pa.string(), nullable=False),
    pa.field("source_line", pa.int32(), nullable=False),
    pa.field("_delivery_seq", pa.int64(), nullable=False),
    pa.field("_delivery_id", pa.string(), nullable=False),
    pa.field("_source_file", pa.string(), nullable=False),
    pa.field("_ingested_at", pa.timestamp("us"), nullable=False),
]


@dataclass
class Accepted:
    """A file that met its contract: rows for the raw layer and the months it covers."""

    frame: pd.DataFrame
    periods: list[str]
    ignored_headers: list[str] = field(default_factory=list)


class Source(Protocol):
    name: str
    depends_on: tuple[str, ...]
    contract_doc: str
    schema: pa.Schema  # the source's own raw columns (the delivery columns are added by ingest)

    def read(self, path: Path, encoding: str, region_id: str, settings: Settings) -> Accepted:
        """Parse and contract-check ``path``; raise :class:`ingest.contract.ContractViolation` if broken."""
        ...


def registry() -> dict[str, Source]:
    """Every known source by landing-folder name, in dependency order."""
    from ingest.hr.organisation import OrganisationSource
    from ingest.hr.sick_leave import SickLeaveSource

    sources: list[Source] = [OrganisationSource(), SickLeaveSource()]
    return {source.name: source for source in sources}
