"""What the ridership extracts share: the delivery period named in the file name, and seed lookups.

Ridership systems deliver per day, month or year, and say which in the file name (``..._2020-03.csv``,
``..._2020-03-14.csv``, ``..._2020.csv``; compact ``202003`` / ``20200314`` too). Every dated row
must fall inside that period: a row outside it is a contract violation, not silently moved to
another month. A later delivery of the same period replaces the earlier one (see the extract docs).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.contract import ContractViolation, Violation
from ingest.extract import Rule
from ingest.reference import seed_rows
from ingest.sources import RawColumn

if TYPE_CHECKING:
    from regionkpi.settings import Settings

_PERIOD = re.compile(
    r"(?<!\d)(?P<year>(?:19|20|21)\d{2})(?:-?(?P<month>0[1-9]|1[0-2])(?:-?(?P<day>0[1-9]|[12]\d|3[01]))?)?(?!\d)"
)


#: The delivery period every ridership raw table carries (from the file name; population: its years).
PERIOD_COLUMNS = (
    RawColumn("period_start", "DATE", nullable=False),
    RawColumn("period_end", "DATE", nullable=False),
)


@dataclass(frozen=True)
class DeliveryPeriod:
    """The days a delivery covers, from its file name: a day, a month or a year."""

    start: date
    end: date
    label: str  # 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'

    @property
    def months(self) -> set[str]:
        """The ``YYYY-MM`` codes of the months the period touches."""
        out: set[str] = set()
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            out.add(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out


def delivery_period(path: Path | str) -> DeliveryPeriod:
    """The period a delivery's file name ends with; :class:`ContractViolation` when it names none.

    The last date-like group of the file name counts (``boardings_v2_2020-03.csv`` covers March 2020).
    """
    name = Path(path).name
    stem = name.split(".", 1)[0]
    matches = list(_PERIOD.finditer(stem))
    for match in reversed(matches):
        year = int(match["year"])
        if match["day"]:
            month, day = int(match["month"]), int(match["day"])
            try:
                day_date = date(year, month, day)
            except ValueError:
                continue
            return DeliveryPeriod(day_date, day_date, f"{day_date:%Y-%m-%d}")
        if match["month"]:
            month = int(match["month"])
            last = calendar.monthrange(year, month)[1]
            return DeliveryPeriod(date(year, month, 1), date(year, month, last), f"{year:04d}-{month:02d}")
        return DeliveryPeriod(date(year, 1, 1), date(year, 12, 31), f"{year:04d}")
    raise ContractViolation(
        name,
        [
            Violation(
                "the file name must end with the period it delivers: _YYYY-MM-DD (a day), _YYYY-MM (a month) "
                "or _YYYY (a year), e.g. boardings_2020-03.csv"
            )
        ],
    )


def period_raw(period: DeliveryPeriod) -> dict[str, str]:
    """The raw ``period_start`` and ``period_end`` of a delivery (SQL constants)."""
    return {"period_start": f"DATE '{period.start.isoformat()}'", "period_end": f"DATE '{period.end.isoformat()}'"}


def traffic_area_patterns(settings: Settings, region_id: str, member_kind: str) -> list[tuple[str, re.Pattern[str]]]:
    """(traffic_area_id, compiled full-match pattern) for a region's lines or contracts."""
    return [
        (row["traffic_area_id"], re.compile(row["pattern"]))
        for row in seed_rows(settings, "traffic_area_members", region_id)
        if row["member_kind"] == member_kind
    ]


def outside_dates(column: str, period: DeliveryPeriod, header: str) -> Rule:
    """The rule that a date column lies inside the delivery period (value: the date)."""
    return Rule(
        outside_rule(header, period),
        f"{column} < DATE '{period.start.isoformat()}' OR {column} > DATE '{period.end.isoformat()}'",
        header=header,
        value=f"strftime({column}, '%Y-%m-%d')",
    )


def outside_months(column: str, period: DeliveryPeriod, header: str) -> Rule:
    """The rule that a month (first-of-month date) lies wholly inside the delivery period."""
    return Rule(
        outside_rule(header, period),
        f"{column} < DATE '{period.start.isoformat()}' OR last_day({column}) > DATE '{period.end.isoformat()}'",
        header=header,
        value=f"strftime({column}, '%Y-%m')",
    )


def outside_rule(header: str, period: DeliveryPeriod) -> str:
    return f"{header} is outside the delivery's period {period.label} (from the file name)"
