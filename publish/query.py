"""Read the published KPI table, and show it the way Swedish readers expect numbers.

Reads the current snapshot's ``marts.duckdb`` read-only, resolving ``current`` once per call so a
publish that moves the pointer mid-query cannot mix two versions. Never reads ``build.duckdb``.
"""

from __future__ import annotations

import math
import re
from contextlib import closing
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from publish.snapshot import CURRENT, MARTS_DB, NothingPublishedError
from publish.swedish import format_number as swedish_number
from regionkpi import seeds
from regionkpi.settings import Settings

TABLE = "kpi_indicator_values"
_PERIOD = re.compile(r"^\d{4}-(?:0[1-9]|1[0-2])$")

#: Shown instead of a figure. '..' is the Swedish statistics sign for "not available or hidden"
#: (a suppressed cell is never shown as 0); '.' means "cannot occur" (a ratio whose denominator is 0).
SUPPRESSED = ".."
NOT_APPLICABLE = "."

_DECIMALS = {
    "%": 2,
    "FTE": 1,
    "SEK": 0,
    "percentage points": 2,
    "km": 0,
    "boardings per 10 km": 2,
    "SEK per passenger-km": 2,
    "per inhabitant": 2,
    "days": 0,
}


def current_marts_db(settings: Settings) -> Path:
    """The marts.duckdb of the current snapshot by its versioned path (``published/<run_id>/``): `current`
    resolved once. One DuckDB file is one snapshot; a reader of several files uses
    :func:`publish.snapshot.resolve_current`, which also checks the manifest."""
    link = settings.published_dir / CURRENT
    target = link.resolve() / MARTS_DB if link.exists() else None
    if target is None or not target.is_file():
        raise NothingPublishedError(
            f"nothing is published yet in {settings.published_dir}: run the build (dbt, the gate, then publish) first"
        )
    return target


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def published_kpis(
    settings: Settings,
    region_id: str | None = None,
    organisation: str | None = None,
    period: str | None = None,
    window: str | None = None,
    indicator: str | None = None,
    gender: str | None = None,
    breakdown: str | None = "total",
) -> pd.DataFrame:
    """Rows of the current published ``kpi_indicator_values``, filtered by the given arguments.

    ``breakdown`` defaults to the nodes' totals; ``None`` returns every breakdown (report lines,
    account groups, finance objects, investment projects).

    ``organisation`` matches an organisation id exactly or a part of its name (case-insensitive);
    ``period`` is 'YYYY-MM'. Filters are bound parameters, never pasted into the SQL.
    """
    if period is not None and not _PERIOD.match(period):
        raise ValueError(f"period must be 'YYYY-MM', not {period!r}")
    conditions: list[str] = []
    parameters: list[Any] = []
    marts_db = current_marts_db(settings)  # once: the columns checked and the rows read are of one snapshot
    with closing(duckdb.connect(str(marts_db), read_only=True)) as con:
        columns = {row[0] for row in con.execute(f"describe {TABLE}").fetchall()}
    if "breakdown" not in columns:
        breakdown = None  # a snapshot published before the breakdown columns existed (contract version 1)
    for column, value in (
        ("region_id", region_id),
        ("period", period),
        ('"window"', window),
        ("indicator_id", indicator),
        ("gender", gender),
        ("breakdown", breakdown),
    ):
        if value is not None:
            conditions.append(f"{column} = ?")
            parameters.append(value)
    if organisation is not None:
        conditions.append("(organisation_id = ? or organisation_name ilike ? escape '\\')")
        parameters += [organisation, f"%{_escape_like(organisation)}%"]
    where = f"where {' and '.join(conditions)}" if conditions else ""
    sql = f"""
        select * from {TABLE} {where}
        order by region_id,
                 case organisation_level when 'region' then 1 when 'board' then 2
                      when 'administration' then 3 when 'department' then 4 else 5 end,
                 organisation_id, indicator_id, {"breakdown, breakdown_id," if "breakdown" in columns else ""} period,
                 case "window" when 'month' then 1 when 'ytd' then 2 when 'r12' then 3 else 4 end,
                 {_seed_order("gender", seeds.genders())},
                 {_seed_order("age_band", seeds.age_bands())}
    """  # noqa: S608 - only fixed column names and the seeds' codes are interpolated; values are bound
    with closing(duckdb.connect(str(marts_db), read_only=True)) as con:
        return con.execute(sql, parameters).df()


def _seed_order(column: str, groups: tuple[seeds.Group, ...]) -> str:
    """SQL: ``column``'s position in the seed's order (an unknown code last)."""
    cases = " ".join(f"when '{group.code}' then {group.sort_order}" for group in groups)
    return f"case {column} {cases} else {len(groups) + 1} end"


def format_number(value: float, decimals: int) -> str:
    """Swedish style for a terminal: space as thousands separator, decimal comma (1 234,5), "-" as the
    minus sign; rounded as the follow-up report rounds (publish.swedish)."""
    return swedish_number(value, decimals, thousands=" ", minus="-")


def _is_missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def format_value(value: Any, unit: str | None, is_suppressed: Any) -> str:
    """A figure for display: '..' when suppressed (never 0), '.' when it cannot be computed."""
    if not _is_missing(is_suppressed) and bool(is_suppressed):
        return SUPPRESSED
    if _is_missing(value):
        return NOT_APPLICABLE
    number = float(value)
    if unit in _DECIMALS:
        return format_number(number, _DECIMALS[unit])
    return format_number(number, 0 if number.is_integer() else 1)


_COLUMNS = (
    # header, column in the frame, right-aligned
    ("region", "region_id", False),
    ("organisation", "organisation_name", False),
    ("indicator", "indicator_id", False),
    ("part", "part", False),
    ("period", "period", False),
    ("window", "window", False),
    ("gender", "gender", False),
    ("age", "age_band", False),
    ("value", None, True),
    ("unit", "unit", False),
)


def _part(record: dict[str, Any]) -> str:
    """What part of the node a row covers: blank for the total, else e.g. 'report_line: Biljettintäkter'."""
    breakdown = record.get("breakdown")
    if _is_missing(breakdown) or breakdown == "total":
        return ""
    name = record.get("breakdown_name")
    return f"{breakdown}: {record.get('breakdown_id') if _is_missing(name) else name}"


def format_kpi_table(df: pd.DataFrame, extra_columns: tuple[tuple[str, str], ...] = ()) -> str:
    """A compact plain-text table of published KPI rows (as returned by :func:`published_kpis`);
    ``extra_columns`` appends (header, frame column) pairs, e.g. the figure a report printed."""
    if df.empty:
        return "(no rows)"
    df = df.assign(part=[_part(r) for r in df.to_dict("records")])
    # the breakdown column only when some row is a part of a node (finance), not for totals alone
    shown = [c for c in _COLUMNS if c[1] != "part" or df["part"].astype(bool).any()]
    columns = (*shown, *((header, column, True) for header, column in extra_columns))
    rows = []
    for record in df.to_dict("records"):
        cells = []
        for _, column, _ in columns:
            if column is None:
                cells.append(format_value(record.get("value"), record.get("unit"), record.get("is_suppressed")))
            else:
                value = record.get(column)
                cells.append("" if _is_missing(value) else str(value))
        rows.append(cells)
    headers = [header for header, _, _ in columns]
    widths = [max(len(headers[i]), *(len(row[i]) for row in rows)) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        parts = [
            cell.rjust(width) if right else cell.ljust(width)
            for cell, width, (_, _, right) in zip(cells, widths, columns, strict=True)
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])
