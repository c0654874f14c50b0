"""The registry: the one module that knows every source (landing folder name → source), in dependency
order. The source modules never import it, so they never import each other through it."""

from __future__ import annotations

from ingest.sources import Source


def registry() -> dict[str, Source]:
    """Every known source by landing-folder name, in dependency order."""
    from ingest.finance.investments import InvestmentSource
    from ingest.finance.ledger import LedgerSource
    from ingest.finance.plans import BudgetSource, ForecastSource
    from ingest.goals.extracts import (
        GoalActivitySource,
        GoalIndicatorSource,
        GoalReportedValueSource,
        GoalSettingSource,
        GoalStructureSource,
        GoalTargetSource,
    )
    from ingest.hr.sick_leave import SickLeaveSource
    from ingest.organisation.source import OrganisationSource
    from ingest.ridership.boardings import BoardingSource
    from ingest.ridership.gtfs import GtfsSource
    from ingest.ridership.population import PopulationSource
    from ingest.ridership.production import ProductionSource
    from ingest.ridership.service_trips import ServiceTripSource

    sources: list[Source] = [
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
        GoalSettingSource(),
        GoalIndicatorSource(),
        GoalStructureSource(),
        GoalTargetSource(),
        GoalReportedValueSource(),
        GoalActivitySource(),
    ]
    return {source.name: source for source in sources}


def domain_sources(domain: str) -> list[str]:
    """The landing folders of one domain's sources, in dependency order: those whose module lives in
    ``ingest/<domain>/``. What the domain's ingest DAG reads, so a new source needs no DAG change."""
    prefix = f"ingest.{domain}."
    names = [name for name, source in registry().items() if type(source).__module__.startswith(prefix)]
    if not names:
        raise ValueError(f"no source in ingest/{domain}/: domains are {sorted(_domains())}")
    return names


def _domains() -> set[str]:
    return {type(source).__module__.split(".")[1] for source in registry().values()}
