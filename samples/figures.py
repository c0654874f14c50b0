"""Where a figure the regions printed lives in the published KPI table: shared by the domains' samples."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FigureRef:
    """Where a printed figure lives in the published KPI table.

    The printed value is ``sign * value / scale`` rounded to the decimals of the figure's ``value`` in
    published_figures.csv, where scale is 1e3 for tkr, 1e6 for mnkr and 1 for % and percentage points.
    """

    indicator_id: str  # docs/finance.md, docs/ridership.md
    region_id: str
    organisation_id: str  # unit code of the organisation node
    breakdown: (
        str  # total | account_group | report_section | report_line | uppdrag | resultatenhet | investment_project
    )
    breakdown_id: str  # 'all' for total
    period: str  # 'YYYY-MM' (= the figure's period_end)
    window: str  # ytd | year | forecast_year
    sign: int
    consistent_value: float | None = None  # only where the report is inconsistent: the value published instead
