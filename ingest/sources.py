"""What every source package provides, and the registry of sources ingest knows.

A source is a small package in ``ingest/<domain>/``: its extract contract (columns, GX suite), its
reader (contract-checked file -> rows for the raw layer) and its sample generator. The landing area
has one folder per source name; sources are ingested in dependency order.
"""

from __future__ import annotations

from collections.abc import Iterator
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


@dataclass
class StreamState:
    """What a streamed read learns on the way; complete once its frames are exhausted."""

    periods: set[str] = field(default_factory=set)
    ignored_headers: list[str] = field(default_factory=list)


class Source(Protocol):
    name: str
    depends_on: tuple[str, ...]
    contract_doc: str
    schema: pa.Schema  # the source's own raw columns (the delivery columns are added by ingest)

    def read(self, path: Path, encoding: str, region_id: str, settings: Settings) -> Accepted:
        """Parse and contract-check ``path``; raise :class:`ingest.contract.ContractViolation` if broken."""
        ...


class StreamingSource(Protocol):
    """A source for files too large to hold in memory: it yields raw frames chunk by chunk.

    ``stream`` checks every chunk and raises :class:`ingest.contract.ContractViolation` after the last
    one if any rule was broken anywhere (ingest then discards what it wrote); ``state`` collects the
    delivery's periods and ignored headers. ``reads_own_encoding`` tells ingest that the file names
    its own encoding (SIE 4: codepage 437), so a failed UTF-8/Windows-1252 detection is not an error.
    """

    name: str
    depends_on: tuple[str, ...]
    contract_doc: str
    schema: pa.Schema

    def stream(
        self, path: Path, encoding: str, region_id: str, settings: Settings, state: StreamState
    ) -> Iterator[pd.DataFrame]: ...

    def reads_own_encoding(self, path: Path) -> bool: ...


def registry() -> dict[str, Source | StreamingSource]:
    """Every known source by landing-folder name, in dependency order."""
    from ingest.finance.investments import InvestmentSource
    from ingest.finance.ledger import LedgerSource
    from ingest.finance.plans import BudgetSource, ForecastSource
    from ingest.goals.extracts import GoalReportedValueSource, GoalStructureSource, GoalTargetSource
    from ingest.hr.organisation import OrganisationSource
    from ingest.hr.sick_leave import SickLeaveSource
    from ingest.ridership.boardings import BoardingSource
    from ingest.ridership.gtfs import GtfsSource
    from ingest.ridership.population import PopulationSource
    from ingest.ridership.production import ProductionSource
    from ingest.ridership.service_trips import ServiceTripSource

    sources: list[Source | StreamingSource] = [
        OrganisationSource(),
        SickLeaveSource(),
        LedgerSource(),
        BudgetSource(),
        ForecastSource(),
        InvestmentSource(),
        GtfsSource(),
        BoardingSource(),
        ServiceTripSource(),
        ProductionSource(),
        PopulationSource(),
        GoalStructureSource(),
        GoalTargetSource(),
        GoalReportedValueSource(),
    ]
    return {source.name: source for source in sources}
