"""Reading a published marts snapshot: the rows one report set needs, read once (read-only)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb

from regionkpi.errors import RegionkpiError

SICK_LEAVE = "sick_leave_rate"
LONG_TERM = "long_term_sick_leave_share"


class ReportError(RegionkpiError, RuntimeError):
    """The reports could not be rendered; the previously written report set is left as it was."""


# Reading the marts --------------------------------------------------------------------------------


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


class Marts:
    """The few queries the report needs, against a read-only connection to a published snapshot."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        tables: dict[str, tuple[str, set[str]]] = {}
        for schema, table, column in con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_catalog = current_database() order by table_schema = 'main' desc, table_schema"
        ).fetchall():
            entry = tables.setdefault(table, (schema, set()))
            if entry[0] == schema:
                entry[1].add(column)
        self.tables = tables

    def has(self, table: str, column: str | None = None) -> bool:
        return table in self.tables and (column is None or column in self.tables[table][1])

    def name(self, table: str) -> str:
        schema, _ = self.tables[table]
        return f"{_quote(schema)}.{_quote(table)}"

    def rows(self, sql: str, parameters: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cursor = self.con.execute(sql, list(parameters))
        columns = [description[0] for description in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


@dataclass
class ReportData:
    goals: list[dict[str, Any]]
    counts: dict[tuple[str, str, str, str], dict[str, Any]]
    region_names: dict[str, str]
    indicators: dict[str, dict[str, Any]]
    #: (region, organisation, indicator, window, period) → (value, is_suppressed)
    kpi: dict[tuple[str, str, str, str, str], tuple[float | None, bool]]
    #: (region, organisation, indicator, window, period, gender, age band) → (value, reason)
    sick_leave: dict[tuple[str, ...], tuple[float | None, str | None]]
    #: (indicator, year) → value for Riket, gender T; None when no benchmark table is loaded
    benchmark: dict[tuple[str, int], float] | None
    #: region → the names of its goal structure's levels (dim_goal_level); missing = the classic ones
    level_names: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: (region, organisation, period, level, node path) → fct_goal_status row
    goal_status: dict[tuple[str, str, str, int, str], dict[str, Any]] = field(default_factory=dict)
    #: (region, organisation, period) → fct_goal_activities rows
    activities: dict[tuple[str, str, str], list[dict[str, Any]]] = field(default_factory=dict)


def read_marts(marts: Marts) -> ReportData:
    """Everything a report set shows, read once from the published marts (tables a snapshot may lack,
    such as the benchmark values, read as empty)."""
    if not marts.has("fct_goal_fulfilment"):
        raise ReportError("the marts have no fct_goal_fulfilment: is this a published marts.duckdb?")
    goals = marts.rows(
        f"select * from {marts.name('fct_goal_fulfilment')} "  # noqa: S608 - names from the catalog
        "order by region_id, organisation_id, period, sort_order nulls last, indicator_id"
    )
    kpi, sick_leave = _kpi_values(marts, goals)
    return ReportData(
        goals=goals,
        counts=_keyed(
            marts, "goal_fulfilment_counts", lambda r: (r["region_id"], r["organisation_id"], r["period"], r["goal"])
        ),
        region_names=_region_names(marts),
        indicators=_keyed(marts, "dim_indicator", lambda r: r["indicator_id"]),
        kpi=kpi,
        sick_leave=sick_leave,
        benchmark=_benchmark(marts),
        level_names=_level_names(marts),
        goal_status=_keyed(
            marts,
            "fct_goal_status",
            lambda r: (r["region_id"], r["organisation_id"], r["period"], int(r["level"]), r["node_path"]),
        ),
        activities=_activities(marts),
    )


def _keyed(marts: Marts, table: str, key: Callable[[dict[str, Any]], Any]) -> dict[Any, dict[str, Any]]:
    """The rows of ``table`` by ``key(row)``; empty when the snapshot has no such table."""
    if not marts.has(table):
        return {}
    return {key(row): row for row in marts.rows(f"select * from {marts.name(table)}")}  # noqa: S608 - catalog names


def _region_names(marts: Marts) -> dict[str, str]:
    """region → its name: from dim_region, else (an older snapshot) from the KPI table."""
    for table in ("dim_region", "kpi_indicator_values"):
        if marts.has(table, "region_name"):
            sql = f"select distinct region_id, region_name from {marts.name(table)}"  # noqa: S608 - catalog names
            if names := {row["region_id"]: row["region_name"] for row in marts.rows(sql)}:
                return names
    return {}


def _kpi_values(
    marts: Marts, goals: list[dict[str, Any]]
) -> tuple[dict[tuple[str, ...], tuple[float | None, bool]], dict[tuple[str, ...], tuple[float | None, str | None]]]:
    """(the goal indicators' node totals and their change in %, the sick-leave disclosure's cells)."""
    kpi: dict[tuple[str, ...], tuple[float | None, bool]] = {}
    sick_leave: dict[tuple[str, ...], tuple[float | None, str | None]] = {}
    if not marts.has("kpi_indicator_values"):
        return kpi, sick_leave
    table = marts.name("kpi_indicator_values")
    total = "and breakdown = 'total'" if marts.has("kpi_indicator_values", "breakdown") else ""
    organisations = sorted({row["organisation_id"] for row in goals})
    goal_indicators = sorted({row["indicator_id"] for row in goals})
    wanted = goal_indicators + [f"{indicator}_change_pct" for indicator in goal_indicators]
    for row in marts.rows(
        f"""select region_id, organisation_id, indicator_id, "window", period, value, is_suppressed
            from {table}
            where gender = 'T' and age_band = 'all' {total}
              and organisation_id in (select unnest(?::varchar[]))
              and indicator_id in (select unnest(?::varchar[]))""",  # noqa: S608
        [organisations, wanted],
    ):
        key = (row["region_id"], row["organisation_id"], row["indicator_id"], row["window"], row["period"])
        kpi[key] = (row["value"], bool(row["is_suppressed"]))
    for row in marts.rows(
        f"""select region_id, organisation_id, indicator_id, "window", period, gender, age_band,
                   value, is_suppressed, suppression_reason
            from {table}
            where indicator_id in (?, ?) {total}
              and organisation_id in (select unnest(?::varchar[]))""",  # noqa: S608
        [SICK_LEAVE, LONG_TERM, organisations],
    ):
        key = tuple(
            row[c] for c in ("region_id", "organisation_id", "indicator_id", "window", "period", "gender", "age_band")
        )
        reason = (row["suppression_reason"] or "primary") if row["is_suppressed"] else None
        sick_leave[key] = (None if row["is_suppressed"] else row["value"], reason)
    return kpi, sick_leave


def _benchmark(marts: Marts) -> dict[tuple[str, int], float] | None:
    """(indicator, year) → Riket's value, gender T; None when the snapshot has no benchmark table."""
    if not marts.has("kpi_benchmark_values"):
        return None
    national = (
        "(is_national or municipality_id = '0000')"
        if marts.has("kpi_benchmark_values", "is_national")
        else "municipality_id = '0000'"
    )
    # the indicator's own KPI, not an age band's (N60027 is sjukfrånvaro 29 år och yngre)
    all_ages = "coalesce(age_band, 'all') = 'all'" if marts.has("kpi_benchmark_values", "age_band") else "true"
    rows = marts.rows(
        f"select indicator_id, period_year, value from {marts.name('kpi_benchmark_values')} "  # noqa: S608
        f"where gender = 'T' and {national} and {all_ages} and value is not null"
    )
    return {(row["indicator_id"], int(row["period_year"])): float(row["value"]) for row in rows}


def _level_names(marts: Marts) -> dict[str, tuple[str, ...]]:
    if not marts.has("dim_goal_level"):
        return {}
    by_region: dict[str, list[str]] = {}
    for row in marts.rows(
        f"select region_id, level_name from {marts.name('dim_goal_level')} order by region_id, level"  # noqa: S608
    ):
        by_region.setdefault(row["region_id"], []).append(row["level_name"])
    return {region: tuple(names) for region, names in by_region.items()}


def _activities(marts: Marts) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    activities: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    if marts.has("fct_goal_activities"):
        for row in marts.rows(
            f"select * from {marts.name('fct_goal_activities')} order by goal_level nulls last, goal, activity"  # noqa: S608
        ):
            activities.setdefault((row["region_id"], row["organisation_id"], row["period"]), []).append(row)
    return activities
