"""The report's periods: what a month is called in a report (tertial, delår, år) and its spans."""

from __future__ import annotations

import calendar

from publish.swedish import MONTHS
from regionkpi.seeds import report_periods

# Periods ------------------------------------------------------------------------------------------


def year_month(period: str) -> tuple[int, int]:
    year, month = period.split("-")
    return int(year), int(month)


def period_kind(period: str, kind: str | None = None) -> str:
    """'tertial' (April), 'delår' (August), 'år' (December) as seeds/report_periods.csv says, else
    'månad'; ``kind`` (the mart's own period_kind) wins when given."""
    if kind:
        return kind
    return report_periods().get(year_month(period)[1], "månad")


def period_label(period: str, kind: str | None = None) -> str:
    """How the report is called: "Tertial 1 2020", "Delårsrapport augusti 2020", "Årsredovisning 2020"."""
    year, month = year_month(period)
    kind = period_kind(period, kind)
    if kind == "år":
        return f"Årsredovisning {year}"
    if kind == "delår":
        return f"Delårsrapport {MONTHS[month - 1]} {year}"
    if kind == "tertial":
        return f"Tertial {(month + 3) // 4} {year}"
    return f"Månadsuppföljning {MONTHS[month - 1]} {year}"


def period_span(period: str) -> str:
    """The months the period covers: "januari–april 2020", "januari–december 2020", "januari 2020"."""
    year, month = year_month(period)
    if month == 1:
        return f"januari {year}"
    return f"januari–{MONTHS[month - 1]} {year}"


def period_end_date(period: str) -> str:
    """'2020-12' → '2020-12-31', the date the seed reports put over their columns."""
    year, month = year_month(period)
    return f"{year:04d}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"


def shift_year(period: str, years: int) -> str:
    year, month = year_month(period)
    return f"{year + years:04d}-{month:02d}"


def default_window(period: str) -> str:
    return "year" if year_month(period)[1] == 12 else "ytd"
