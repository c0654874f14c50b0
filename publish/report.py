"""The follow-up report (uppföljningsrapport): one self-contained HTML file per region × organisation ×
period of goal follow-up, rendered from a published marts snapshot.

What the regions' controllers write by hand today (seed 002, "Måluppfyllelse"): the counts of
indicators met / partly met / not met, then the goal structure (perspektiv → strategiskt mål →
framgångsfaktor) with each indicator's target, outcome, status and analysis. The report adds what a
hand-made report rarely has: last year's outcome, a five-year trend, the national figure (Riket) when
a benchmark is loaded, and the sick-leave disclosure by gender and age with suppressed cells shown as
"–" and explained, never as 0.

Reads only a published ``marts.duckdb`` (read-only), never ``build.duckdb``. Writes::

    <out_dir>/index.html                                   every report, by region, organisation, period
    <out_dir>/<region_id>/<organisation_id>/<period>.html  one report

The whole set is written into a temporary sibling directory and then moved into place in one rename
(an atomic exchange when ``out_dir`` already exists), so a reader sees the previous set or the new one,
never half of each. Each file is standalone: inline CSS and SVG, no script, no fonts, images or links
to fetch (it can be mailed, archived or opened from a file share).

Command line: ``python -m publish.report <marts.duckdb> <out_dir> [--run-id ID] [--published-at TS]``.
"""

from __future__ import annotations

import argparse
import calendar
import ctypes
import datetime as dt
import json
import logging
import os
import shutil
import sys
import uuid
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from publish.swedish import (
    DASH,
    NBSP,
    format_band,
    format_share,
    format_value,
    is_missing,
    target_parts,
)
from regionkpi.errors import RegionkpiError
from regionkpi.fsio import fsync_dir as _fsync_dir

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).with_name("templates")
INDEX = "index.html"
TMP_MARK = ".tmp-"

MONTHS = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)

#: status → (css class, symbol, Swedish text). The symbol and the text carry the meaning; the colour
#: only repeats it (WCAG 1.4.1: never colour alone).
STATUSES = {
    "met": ("met", "✔", "Uppfyllt"),
    "partly_met": ("partly", "◐", "Delvis uppfyllt"),
    "not_met": ("not-met", "✘", "Ej uppfyllt"),
    "not_measurable": ("none", DASH, "Ej mätbart"),
}
STATUS_EXPLANATIONS = {
    "met": "utfallet når målvärdet",
    "partly_met": "utfallet når inte målvärdet men ligger inom regionens toleransintervall",
    "not_met": "utfallet når inte målvärdet",
    "not_measurable": "inget utfall: inte levererat, eller dolt för att skydda enskilda (röjandeskydd)",
}

DIRECTIONS = {"lower_is_better": "Lägre är bättre", "higher_is_better": "Högre är bättre"}
#: A ja/nej indicator's value as the regions print it: ● Ja, ■ Nej.
YES_NO = {1: "● Ja", 0: "■ Nej"}
REPORTED_NOTE = "Status rapporterad av enheten (kvalitativt mätetal), inte beräknad."

SICK_LEAVE = "sick_leave_rate"
LONG_TERM = "long_term_sick_leave_share"
#: (gender, age band, label) in the order of the statutory disclosure (lag 2018:597, 11 kap.)
SICK_LEAVE_GROUPS = (
    ("Kön", "T", "all", "Totalt"),
    ("Kön", "K", "all", "Kvinnor"),
    ("Kön", "M", "all", "Män"),
    ("Ålder", "T", "-29", "29 år och yngre"),
    ("Ålder", "T", "30-49", "30–49 år"),
    ("Ålder", "T", "50-", "50 år och äldre"),
)
SUPPRESSION_REASONS = {
    "primary": "Dold: gruppen har färre än 11 anställda (röjandeskydd).",
    "secondary": "Dold för att en annan dold uppgift inte ska kunna räknas fram ur totalen (sekundärt röjandeskydd).",
}

TREND_YEARS = 5


class ReportError(RegionkpiError, RuntimeError):
    """The reports could not be rendered; the previously written report set is left as it was."""


class ReportSet(list[Path]):
    """The paths of the written reports (a list), with the directory and its index page."""

    def __init__(self, reports: Iterable[Path], out_dir: Path) -> None:
        super().__init__(reports)
        self.out_dir = out_dir
        self.index = out_dir / INDEX


# Periods ------------------------------------------------------------------------------------------


def _year_month(period: str) -> tuple[int, int]:
    year, month = period.split("-")
    return int(year), int(month)


def period_kind(period: str, kind: str | None = None) -> str:
    """'tertial' (April), 'delår' (August), 'år' (December), else 'månad'; ``kind`` wins when given."""
    if kind:
        return kind
    return {4: "tertial", 8: "delår", 12: "år"}.get(_year_month(period)[1], "månad")


def period_label(period: str, kind: str | None = None) -> str:
    """How the report is called: "Tertial 1 2020", "Delårsrapport augusti 2020", "Årsredovisning 2020"."""
    year, month = _year_month(period)
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
    year, month = _year_month(period)
    if month == 1:
        return f"januari {year}"
    return f"januari–{MONTHS[month - 1]} {year}"


def period_end_date(period: str) -> str:
    """'2020-12' → '2020-12-31', the date the seed reports put over their columns."""
    year, month = _year_month(period)
    return f"{year:04d}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"


def shift_year(period: str, years: int) -> str:
    year, month = _year_month(period)
    return f"{year + years:04d}-{month:02d}"


def default_window(period: str) -> str:
    return "year" if _year_month(period)[1] == 12 else "ytd"


# Reading the marts --------------------------------------------------------------------------------


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


class _Marts:
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
class _Data:
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


def _load(marts: _Marts) -> _Data:
    if not marts.has("fct_goal_fulfilment"):
        raise ReportError("the marts have no fct_goal_fulfilment: is this a published marts.duckdb?")
    goals = marts.rows(
        f"select * from {marts.name('fct_goal_fulfilment')} "  # noqa: S608 - names from the catalog
        "order by region_id, organisation_id, period, sort_order nulls last, indicator_id"
    )
    counts = {}
    if marts.has("goal_fulfilment_counts"):
        for row in marts.rows(f"select * from {marts.name('goal_fulfilment_counts')}"):  # noqa: S608
            counts[(row["region_id"], row["organisation_id"], row["period"], row["goal"])] = row

    region_names: dict[str, str] = {}
    if marts.has("dim_region", "region_name"):
        region_names = {
            r["region_id"]: r["region_name"]
            for r in marts.rows(f"select region_id, region_name from {marts.name('dim_region')}")  # noqa: S608
        }
    indicators: dict[str, dict[str, Any]] = {}
    if marts.has("dim_indicator"):
        indicators = {r["indicator_id"]: r for r in marts.rows(f"select * from {marts.name('dim_indicator')}")}  # noqa: S608

    organisations = sorted({row["organisation_id"] for row in goals})
    goal_indicators = sorted({row["indicator_id"] for row in goals})
    kpi: dict[tuple[str, str, str, str, str], tuple[float | None, bool]] = {}
    sick_leave: dict[tuple[str, ...], tuple[float | None, str | None]] = {}
    if marts.has("kpi_indicator_values"):
        table = marts.name("kpi_indicator_values")
        total = "and breakdown = 'total'" if marts.has("kpi_indicator_values", "breakdown") else ""
        if not region_names and marts.has("kpi_indicator_values", "region_name"):
            region_names = {
                r["region_id"]: r["region_name"]
                for r in marts.rows(f"select distinct region_id, region_name from {table}")  # noqa: S608
            }
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
                row[c]
                for c in ("region_id", "organisation_id", "indicator_id", "window", "period", "gender", "age_band")
            )
            reason = (row["suppression_reason"] or "primary") if row["is_suppressed"] else None
            sick_leave[key] = (None if row["is_suppressed"] else row["value"], reason)

    benchmark: dict[tuple[str, int], float] | None = None
    if marts.has("kpi_benchmark_values"):
        table = marts.name("kpi_benchmark_values")
        national = (
            "(is_national or municipality_id = '0000')"
            if marts.has("kpi_benchmark_values", "is_national")
            else "municipality_id = '0000'"
        )
        # the indicator's own KPI, not an age band's (N60027 is sjukfrånvaro 29 år och yngre)
        all_ages = "coalesce(age_band, 'all') = 'all'" if marts.has("kpi_benchmark_values", "age_band") else "true"
        benchmark = {}
        for row in marts.rows(
            f"select indicator_id, period_year, value from {table} "  # noqa: S608
            f"where gender = 'T' and {national} and {all_ages} and value is not null"
        ):
            benchmark[(row["indicator_id"], int(row["period_year"]))] = float(row["value"])
    level_names: dict[str, tuple[str, ...]] = {}
    if marts.has("dim_goal_level"):
        by_region: dict[str, list[str]] = {}
        for row in marts.rows(
            f"select region_id, level_name from {marts.name('dim_goal_level')} order by region_id, level"  # noqa: S608
        ):
            by_region.setdefault(row["region_id"], []).append(row["level_name"])
        level_names = {region: tuple(names) for region, names in by_region.items()}
    goal_status: dict[tuple[str, str, str, int, str], dict[str, Any]] = {}
    if marts.has("fct_goal_status"):
        for row in marts.rows(f"select * from {marts.name('fct_goal_status')}"):  # noqa: S608
            key = (row["region_id"], row["organisation_id"], row["period"], int(row["level"]), row["node_path"])
            goal_status[key] = row
    activities: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    if marts.has("fct_goal_activities"):
        for row in marts.rows(
            f"select * from {marts.name('fct_goal_activities')} order by goal_level nulls last, goal, activity"  # noqa: S608
        ):
            activities.setdefault((row["region_id"], row["organisation_id"], row["period"]), []).append(row)
    return _Data(
        goals, counts, region_names, indicators, kpi, sick_leave, benchmark, level_names, goal_status, activities
    )


# View model ---------------------------------------------------------------------------------------


def _status(status: str | None) -> dict[str, str]:
    css, symbol, text = STATUSES.get(status or "not_measurable", STATUSES["not_measurable"])
    return {"css": css, "symbol": symbol, "text": text, "code": status or "not_measurable"}


def _outcome_note(row: dict[str, Any], comparison: str | None, unit: str | None, places: Any) -> str | None:
    """Below the outcome: what it is (a change in %), and the full-year forecast with whether the status
    was judged on it."""
    if comparison == "increase_by_pct":
        return "förändring mot föregående år"
    if is_missing(row.get("forecast")):
        return None
    forecast = format_value(row["forecast"], unit, decimals=places)
    if row.get("status_basis") == "forecast":
        return f"prognos helår {forecast}; status bedömd på prognosen"
    return f"prognos helår {forecast}"


def _kind_note(kind: str, row: dict[str, Any]) -> str | None:
    """Why a ja/nej or qualitative indicator has its status, when it is not plain."""
    if kind == "qualitative":
        return REPORTED_NOTE if row.get("status") != "not_measurable" else "Ingen status har rapporterats."
    return _no_outcome_reason(row.get("decided_by"))


def _yes_no(value: Any) -> str:
    return DASH if is_missing(value) else YES_NO.get(round(float(value)), DASH)


def _no_outcome_reason(decided_by: str | None) -> str | None:
    if not decided_by or not decided_by.startswith("no outcome"):
        return None
    if "suppressed" in decided_by:
        return "Utfallet är dolt för att skydda enskilda (röjandeskydd)."
    return "Inget utfall har levererats."


@dataclass
class _Chart:
    """An inline SVG sparkline: the outcome over the last years, the target as a dashed line."""

    id: str
    title: str
    width: int = 150
    height: int = 52
    path: str = ""
    points: list[tuple[float, float, bool]] = field(default_factory=list)
    target_y: float | None = None
    first_year: str = ""
    last_year: str = ""


def _trend_chart(
    chart_id: str,
    series: list[tuple[int, float | None]],
    target: float | None,
    unit: str | None,
    target_text: str,
    decimals: Any = None,
) -> _Chart | None:
    """Geometry for the sparkline of ``series`` (year, value); None when there is no value at all."""
    values = [value for _, value in series if value is not None]
    if not values:
        return None
    chart = _Chart(id=chart_id, title="")
    left, right, top, bottom = 8.0, chart.width - 8.0, 6.0, chart.height - 16.0
    scale = [*values, *([target] if target is not None else [])]
    low, high = min(scale), max(scale)
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    pad = (high - low) * 0.1
    low, high = low - pad, high + pad

    def y_of(value: float) -> float:
        return round(bottom - (value - low) / (high - low) * (bottom - top), 1)

    step = (right - left) / max(len(series) - 1, 1)
    commands, pen_down = [], False
    for index, (_, value) in enumerate(series):
        x = round(left + index * step, 1)
        if value is None:
            pen_down = False
            continue
        y = y_of(value)
        commands.append(f"{'L' if pen_down else 'M'}{x},{y}")
        chart.points.append((x, y, index == len(series) - 1))
        pen_down = True
    chart.path = " ".join(commands)
    chart.target_y = y_of(target) if target is not None else None
    chart.first_year, chart.last_year = str(series[0][0]), str(series[-1][0])
    described = ", ".join(f"{year}: {format_value(value, unit, decimals=decimals)}" for year, value in series)
    chart.title = f"Utfall {series[0][0]}–{series[-1][0]}: {described}" + (
        f". Målvärde {target_text}." if target is not None else "."
    )
    return chart


def _paragraphs(text: str | None) -> list[str]:
    if not text or not text.strip():
        return []
    return [part.strip() for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]


class _ReportBuilder:
    """Turns the rows of one region × organisation × period into what the template shows."""

    def __init__(self, data: _Data) -> None:
        self.data = data
        #: the goal rows by region, organisation, indicator and month: the trend's last resort
        self.goal_rows: dict[tuple[str, str, str, int], list[dict[str, Any]]] = {}
        for row in data.goals:
            key = (row["region_id"], row["organisation_id"], row["indicator_id"], _year_month(row["period"])[1])
            self.goal_rows.setdefault(key, []).append(row)

    def _series(
        self, row: dict[str, Any], indicator: str, window: str, years: int = TREND_YEARS
    ) -> list[tuple[int, float | None]]:
        """The indicator's published value (node total) for the same month and window, ``years`` back."""
        year, _ = _year_month(row["period"])
        region, organisation = row["region_id"], row["organisation_id"]
        series = []
        for offset in range(years - 1, -1, -1):
            key = (region, organisation, indicator, window, shift_year(row["period"], -offset))
            value, _ = self.data.kpi.get(key, (None, False))
            series.append((year - offset, None if is_missing(value) else float(value)))
        return series

    def _trend_series(self, row: dict[str, Any]) -> list[tuple[int, float | None]]:
        """Five years of the outcome, same month and window: from the published KPI table (for
        "increase by %" the indicator's change in %), else from the goal rows themselves."""
        window = row.get("window") or default_window(row["period"])
        indicator = row["indicator_id"]
        if row.get("comparison") == "increase_by_pct":
            series = self._series(row, f"{indicator}_change_pct", window)
            if not any(value is not None for _, value in series):
                levels = dict(self._series(row, indicator, window, TREND_YEARS + 1))
                series = [(year, _change_pct(levels.get(year), levels.get(year - 1))) for year in sorted(levels)[1:]]
        else:
            series = self._series(row, indicator, window)
        if any(value is not None for _, value in series):
            return series
        # not in the KPI table (a reported indicator before it is published there): the goal rows
        by_year: dict[int, float] = {}
        month = _year_month(row["period"])[1]
        for other in self.goal_rows.get((row["region_id"], row["organisation_id"], indicator, month), []):
            other_year = _year_month(other["period"])[0]
            if not is_missing(other["outcome"]):
                by_year[other_year] = float(other["outcome"])
            previous = other.get("outcome_previous_year")
            if row.get("comparison") != "increase_by_pct" and not is_missing(previous):
                by_year.setdefault(other_year - 1, float(previous))
        year = _year_month(row["period"])[0]
        return [(y, by_year.get(y)) for y in range(year - TREND_YEARS + 1, year + 1)]

    def _benchmark(self, row: dict[str, Any]) -> str | None:
        """Riket for the year (or the latest of the two years before, labelled with its year). Kolada's
        values are full years: a tertial or delår report compares with the last full year before it,
        never with the year it is part of (an outcome for January–April beside a whole year)."""
        if self.data.benchmark is None or row.get("comparison") == "increase_by_pct":
            return None
        year, month = _year_month(row["period"])
        last_full_year = year if month == 12 else year - 1
        for candidate in (last_full_year, last_full_year - 1, last_full_year - 2):
            value = self.data.benchmark.get((row["indicator_id"], candidate))
            if value is not None:
                text = format_value(value, row.get("unit"), decimals=row.get("decimals"))
                return text if candidate == year else f"{text} ({candidate})"
        return None

    def indicator(self, row: dict[str, Any], chart_id: str) -> dict[str, Any]:
        unit = row.get("unit")
        comparison = row.get("comparison")
        shown_unit = "%" if comparison == "increase_by_pct" else unit
        # the indicator's own decimals, except for "increase by %", which shows a change in percent
        places = None if comparison == "increase_by_pct" else row.get("decimals")
        target_words, target_figure = target_parts(row.get("target_value"), unit, comparison, decimals=places)
        target_text = f"{target_words} {target_figure}" if target_words else target_figure
        series = self._trend_series(row)
        if comparison == "increase_by_pct":
            previous = series[-2][1] if len(series) >= 2 else None
        else:
            previous = row.get("outcome_previous_year")
        target = None if is_missing(row.get("target_value")) else float(row["target_value"])
        direction = row.get("direction") or self.data.indicators.get(row["indicator_id"], {}).get("direction")
        tolerance = row.get("tolerance")
        kind = row.get("indicator_kind") or "numeric"
        comment = _paragraphs(row.get("comment")) + _paragraphs(row.get("reported_comment"))
        if kind != "numeric":  # ja/nej or qualitative: no number to chart, no band
            return {
                "id": row["indicator_id"],
                "name": row.get("indicator_name_sv") or row["indicator_id"],
                "direction": None,
                "target_words": "",
                "target_figure": _yes_no(row.get("target_value")) if kind == "yes_no" else "Kvalitativt",
                "tolerance": None,
                "outcome": _yes_no(row.get("outcome")) if kind == "yes_no" else DASH,
                "outcome_note": None,
                "previous": _yes_no(row.get("outcome_previous_year")) if kind == "yes_no" else DASH,
                "status": _status(row.get("status")),
                "status_note": _kind_note(kind, row),
                "chart": None,
                "benchmark": None,
                "comment": comment,
            }
        return {
            "id": row["indicator_id"],
            "name": row.get("indicator_name_sv")
            or self.data.indicators.get(row["indicator_id"], {}).get("name_sv")
            or row["indicator_id"],
            "direction": DIRECTIONS.get(direction or ""),
            # the comparison's words may wrap before the figure; the figure and its unit never break
            "target_words": target_words,
            "target_figure": target_figure,
            "tolerance": format_band(
                row.get("target_value"),
                tolerance,
                unit,
                comparison,
                tolerance_pct=row.get("tolerance_pct"),
                decimals=places,
            ),
            "outcome": format_value(row.get("outcome"), shown_unit, decimals=places),
            "outcome_note": _outcome_note(row, comparison, unit, places),
            "previous": format_value(previous, shown_unit, decimals=places),
            "status": _status(row.get("status")),
            "status_note": _no_outcome_reason(row.get("decided_by")),
            "chart": _trend_chart(chart_id, series, target, shown_unit, target_text, places),
            "benchmark": self._benchmark(row),
            "comment": comment,
        }

    def counts(self, region: str, organisation: str, period: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
        """The "Antal mätetal som är uppfyllda ..." table for the period and the same period last year."""
        columns = []
        for shown in (period, shift_year(period, -1)):
            record = self.data.counts.get((region, organisation, shown, "(alla)"))
            if record is None and shown == period:
                record = _count(rows)
            columns.append({"date": period_end_date(shown), "record": record})
        lines = []
        for label, key, share in (
            ("Antal mätetal som är uppfyllda", "met", "met_share"),
            ("Antal mätetal som är delvis uppfyllda", "partly_met", "partly_met_share"),
            ("Antal mätetal som inte är uppfyllda", "not_met", "not_met_share"),
            ("Antal mätetal som mäts", "measured", None),
            ("Antal mätetal som inte kan mätas", "not_measurable", None),
        ):
            cells = []
            for column in columns:
                record = column["record"]
                if record is None:
                    cells.append((DASH, DASH))
                    continue
                count = record.get(key)
                if share is not None:
                    share_text = format_share(record.get(share))
                elif key == "measured":
                    share_text = format_share(100 if record.get("measured") else None)
                else:
                    share_text = ""
                cells.append((DASH if is_missing(count) else str(int(count)), share_text))
            lines.append({"label": label, "key": key, "cells": cells})
        current = columns[0]["record"] or {}
        return {"columns": columns, "lines": lines, "current": current, "bar": _bar(current)}

    def hierarchy(self, region: str, organisation: str, period: str, rows: list[dict[str, Any]]) -> list[dict]:
        """The region's goal structure → its indicators, in the structure's order: perspektiv → mål →
        framgångsfaktor, or the region's own levels (named in dim_goal_level), each node with its status
        (fct_goal_status) where the marts have it."""
        ordered = sorted(
            rows,
            key=lambda r: (
                structure_levels(r)[0] is None,
                r.get("sort_order") if r.get("sort_order") is not None else 1 << 30,
                r.get("indicator_name_sv") or r["indicator_id"],
            ),
        )
        names = self.data.level_names.get(region, CLASSIC_LEVELS)
        depth = max([CLASSIC_DEPTH, *(structure_depth(row) for row in rows)])
        root: dict[str, Any] = {"children": {}}

        def descend(levels: Sequence[str | None], down_to: int) -> dict[str, Any]:
            node, path = root, []
            for level in range(1, down_to + 1):
                name = levels[level - 1]
                if level == 1 and name is None:
                    name = OUTSIDE_STRUCTURE
                path.append(levels[level - 1] or "")
                node = node["children"].setdefault(
                    name, self._node(region, organisation, period, level, name, names, path)
                )
            return node

        for number, row in enumerate(ordered):
            descend(structure_levels(row), depth)["rows"].append(self.indicator(row, f"trend-{number + 1}"))
        # activities under the goal they serve (at its level), those of no goal of the structure last
        for activity in self.data.activities.get((region, organisation, period), []):
            level = activity.get("goal_level")
            if level:
                node = descend(structure_levels(activity), int(level))
            else:
                node = root["children"].setdefault(
                    OUTSIDE_ACTIVITIES,
                    self._node(region, organisation, period, 1, OUTSIDE_ACTIVITIES, ("Aktiviteter",), [""]),
                )
            node["activities"].append(_activity(activity))
        return [_listed(node) for node in root["children"].values()]

    def _node(
        self, region: str, organisation: str, period: str, level: int, name: str | None, names: Sequence[str], path
    ) -> dict[str, Any]:
        label = names[level - 1] if level <= len(names) else f"Nivå {level}"
        node_path = " › ".join(part for part in path if part)
        status = self.data.goal_status.get((region, organisation, period, level, node_path))
        counts = self.goal_counts(region, organisation, period, name) if level == 2 and name else None
        if status is not None and counts is None:
            counts = _count_text(status)
        return {
            "name": name,
            "level": level,
            "label": label,
            "status": _status(status["status"]) if status is not None else None,
            "counts": counts,
            "children": {},
            "rows": [],
            "activities": [],
        }

    def goal_counts(self, region: str, organisation: str, period: str, goal: str) -> str | None:
        record = self.data.counts.get((region, organisation, period, goal))
        return None if record is None else _count_text(record)

    def sick_leave(self, region: str, organisation: str, period: str, window: str) -> dict[str, Any] | None:
        """The statutory sick-leave ratios of the organisation by gender and age, this year and last."""
        periods = (period, shift_year(period, -1))
        notes: dict[str, int] = {}
        groups: list[dict[str, Any]] = []
        found = False
        for group, gender, age_band, label in SICK_LEAVE_GROUPS:
            cells = []
            for indicator in (SICK_LEAVE, LONG_TERM):
                for shown in periods:
                    entry = self.data.sick_leave.get((region, organisation, indicator, window, shown, gender, age_band))
                    if entry is None:
                        cells.append({"text": DASH, "note": None, "suppressed": False})
                        continue
                    found = True
                    value, reason = entry
                    if reason is not None:
                        text = _suppression_text(reason)
                        number = notes.setdefault(text, len(notes) + 1)
                        cells.append({"text": DASH, "note": number, "suppressed": True})
                    else:
                        cells.append({"text": format_value(value, "%"), "note": None, "suppressed": False})
            if not groups or groups[-1]["name"] != group:
                groups.append({"name": group, "rows": []})
            groups[-1]["rows"].append({"label": label, "cells": cells})
        if not found:
            return None
        years = [str(_year_month(p)[0]) for p in periods]
        return {
            "years": years,
            "span": period_span(period) + (" (helår)" if window == "year" else " (ackumulerat)"),
            "groups": groups,
            "notes": [{"number": number, "text": text} for text, number in notes.items()],
        }


#: The classic levels of a goal structure (seed 002), for a region that has not named its own.
CLASSIC_LEVELS = ("Perspektiv", "Strategiskt mål", "Framgångsfaktor")
CLASSIC_DEPTH = len(CLASSIC_LEVELS)
OUTSIDE_STRUCTURE = "Mätetal utanför målstrukturen"
OUTSIDE_ACTIVITIES = "Aktiviteter utanför målstrukturen"
#: activity status → (symbol, Swedish text, the css class of the status it counts as)
ACTIVITY_STATUSES = {
    "done": ("✔", "Genomförd", "met"),
    "in_progress": ("◐", "Pågående", "partly"),
    "paused": ("‖", "Pausad", "not-met"),
    "not_started": ("○", "Ej påbörjad", "none"),
}


def _activity(row: dict[str, Any]) -> dict[str, Any]:
    symbol, text, css = ACTIVITY_STATUSES.get(
        row.get("activity_status") or "", ("", row.get("activity_status"), "none")
    )
    start, end = row.get("start_date"), row.get("end_date")
    span = f"{start or ''}–{end or ''}" if start or end else DASH
    return {
        "name": row.get("activity"),
        "description": row.get("description"),
        "span": span,
        "status": {"symbol": symbol, "text": text, "css": css, "code": row.get("activity_status")},
        "comment": _paragraphs(row.get("comment")),
    }


def structure_levels(row: dict[str, Any]) -> tuple[str | None, ...]:
    """The row's place in the goal structure, levels 1-5 (the classic columns when there are no levels)."""
    if "level_1" in row:
        return tuple(row.get(f"level_{n}") for n in range(1, 6))
    return (row.get("perspective"), row.get("goal"), row.get("success_factor"), None, None)


def structure_depth(row: dict[str, Any]) -> int:
    """How deep the row sits in the goal structure (its deepest named level, at least 1)."""
    levels = structure_levels(row)
    return max((n for n, name in enumerate(levels, start=1) if name is not None), default=1)


def _all_rows(nodes: list[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    for node in nodes:
        yield from node["rows"]
        yield from _all_rows(node["children"])


def _listed(node: dict[str, Any]) -> dict[str, Any]:
    return {**node, "children": [_listed(child) for child in node["children"].values()]}


def _count_text(record: dict[str, Any]) -> str:
    parts = [f"Uppfyllda: {record['met']} av {record['measured']} som mäts"]
    if record.get("partly_met"):
        parts.append(f"delvis uppfyllda: {record['partly_met']}")
    if record.get("not_measurable"):
        parts.append(f"ej mätbara: {record['not_measurable']}")
    return " · ".join(parts)


def _change_pct(value: float | None, before: float | None) -> float | None:
    if value is None or not before:
        return None
    return 100 * (value / before - 1)


def _suppression_text(reason: str) -> str:
    kind = reason.split(":", 1)[0].strip().lower()
    return SUPPRESSION_REASONS.get(kind, f"Dold (röjandeskydd): {reason}.")


def _count(rows: list[dict[str, Any]]) -> dict[str, Any]:
    statuses = [row.get("status") for row in rows]
    measured = sum(status != "not_measurable" for status in statuses)

    def share(n: int) -> float | None:
        return 100.0 * n / measured if measured else None

    met, partly, not_met = (statuses.count(s) for s in ("met", "partly_met", "not_met"))
    return {
        "met": met,
        "partly_met": partly,
        "not_met": not_met,
        "measured": measured,
        "not_measurable": statuses.count("not_measurable"),
        "met_share": share(met),
        "partly_met_share": share(partly),
        "not_met_share": share(not_met),
    }


def _bar(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Segments of the stacked bar over all indicators (measured or not), in percent of its width."""
    parts = [
        ("met", record.get("met") or 0),
        ("partly_met", record.get("partly_met") or 0),
        ("not_met", record.get("not_met") or 0),
        ("not_measurable", record.get("not_measurable") or 0),
    ]
    total = sum(n for _, n in parts)
    segments, x = [], 0.0
    for status, n in parts:
        if not n or not total:
            continue
        width = 100.0 * n / total
        segments.append({"status": _status(status), "count": int(n), "x": round(x, 3), "width": round(width, 3)})
        x += width
    return segments


# Rendering ----------------------------------------------------------------------------------------


def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    # keep "högst 3,1 %" on one line: the words and the figure belong together
    environment.filters["nbsp"] = lambda text: str(text).replace(" ", NBSP)
    return environment


def _published(marts_db: Path, run_id: str | None, published_at: str | None) -> tuple[str, str]:
    """Run id and publication time: as given, else from the snapshot's manifest.json beside the file."""
    if run_id is None or published_at is None:
        try:
            manifest = json.loads((marts_db.parent / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            manifest = {}
        run_id = run_id or manifest.get("run_id")
        published_at = published_at or manifest.get("published_at")
    return run_id or DASH, _format_time(published_at)


def _format_time(value: str | None) -> str:
    """An ISO time as Swedish readers write it, in Swedish time when the time-zone database is there."""
    if not value:
        return DASH
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M")
    try:
        from zoneinfo import ZoneInfo

        return moment.astimezone(ZoneInfo("Europe/Stockholm")).strftime("%Y-%m-%d %H:%M (svensk tid)")
    except Exception:  # no tz database: say UTC
        return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return result == 0


def _move_into_place(tmp: Path, out_dir: Path) -> None:
    """Make ``tmp`` the report directory in one step: a rename when nothing is there yet, else an
    atomic exchange with the old set (which is then removed). Without renameat2 the old set is moved
    aside first, leaving an instant in which ``out_dir`` is missing, never half-written."""
    if not out_dir.exists() and not out_dir.is_symlink():
        os.replace(tmp, out_dir)
    elif _exchange(tmp, out_dir):
        shutil.rmtree(tmp)  # now holds the previous set
    else:
        aside = out_dir.with_name(f".{out_dir.name}.old-{uuid.uuid4().hex[:8]}")
        os.replace(out_dir, aside)
        os.replace(tmp, out_dir)
        if aside.is_symlink():
            aside.unlink()
        else:
            shutil.rmtree(aside, ignore_errors=True)
    _fsync_dir(out_dir.parent)


def render_reports(
    marts_db: Path,
    out_dir: Path,
    *,
    run_id: str | None = None,
    published_at: str | None = None,
    exports: Callable[[list[Path]], object] | None = None,
    export_kinds: Sequence[str] = (),
) -> ReportSet:
    """Render one follow-up report per region × organisation × period of ``fct_goal_fulfilment`` in the
    published ``marts_db`` into ``out_dir`` (replaced as a whole), plus ``out_dir/index.html``.

    ``run_id`` and ``published_at`` go into every footer; by default they are read from the
    snapshot's manifest.json next to ``marts_db``. ``exports`` is called with the written reports'
    paths while they are still in the temporary directory (the PDFs and workbooks beside them move into
    place with the HTML, in the same rename); ``export_kinds`` (``pdf``, ``xlsx``) are linked from the
    index. Returns the report paths (index excluded) as a :class:`ReportSet`, whose ``index`` is the
    index page. On any failure the previous set is untouched.
    """
    # `current/marts.duckdb` resolved once: the manifest read for the footer is then the data's snapshot
    marts_db, out_dir = Path(marts_db).resolve(), Path(out_dir)
    if not marts_db.is_file():
        raise ReportError(f"no marts database at {marts_db}: publish first")
    try:
        with closing(duckdb.connect(str(marts_db), read_only=True)) as con:
            data = _load(_Marts(con))
    except duckdb.Error as error:
        raise ReportError(f"cannot read {marts_db}: {error}") from error
    shown_run_id, shown_time = _published(marts_db, run_id, published_at)

    by_report: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for row in data.goals:
        by_report.setdefault((row["region_id"], row["organisation_id"], row["period"]), []).append(row)
    log.info("rendering %d follow-up report(s) from %s into %s", len(by_report), marts_db, out_dir)

    environment = _environment()
    report_template = environment.get_template("report.html.j2")
    index_template = environment.get_template("index.html.j2")
    builder = _ReportBuilder(data)
    footer = {"run_id": shown_run_id, "published_at": shown_time}

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.with_name(f".{out_dir.name}{TMP_MARK}{os.getpid()}-{uuid.uuid4().hex[:8]}")
    tmp.mkdir()
    written: list[Path] = []
    index_regions: dict[str, dict[str, Any]] = {}
    try:
        for (region, organisation, period), rows in sorted(by_report.items()):
            kind = rows[0].get("period_kind")
            window = rows[0].get("window") or default_window(period)
            region_name = data.region_names.get(region) or f"Region {region}"
            organisation_name = next((r["organisation_name"] for r in rows if r.get("organisation_name")), organisation)
            counts = builder.counts(region, organisation, period, rows)
            hierarchy = builder.hierarchy(region, organisation, period, rows)
            has_benchmark = any(indicator["benchmark"] is not None for indicator in _all_rows(hierarchy))
            context = {
                "region_id": region,
                "region_name": region_name,
                "organisation_id": organisation,
                "organisation_name": organisation_name,
                "period": period,
                "label": period_label(period, kind),
                "span": period_span(period),
                "counts": counts,
                "hierarchy": hierarchy,
                "has_benchmark": has_benchmark,
                "benchmark_year": _year_month(period)[0],
                "sick_leave": builder.sick_leave(region, organisation, period, window),
                "statuses": [{**_status(code), "explanation": STATUS_EXPLANATIONS[code]} for code in STATUSES],
                "footer": footer,
                "index_href": "../../" + INDEX,
                "trend_years": TREND_YEARS,
            }
            relative = Path(region) / organisation / f"{period}.html"
            _write(tmp / relative, report_template.render(context))
            written.append(out_dir / relative)
            log.debug("wrote %s", relative)
            entry = index_regions.setdefault(region, {"id": region, "name": region_name, "organisations": {}})
            organisation_entry = entry["organisations"].setdefault(
                organisation, {"id": organisation, "name": organisation_name, "reports": []}
            )
            current = counts["current"]
            organisation_entry["reports"].append(
                {
                    "href": relative.as_posix(),
                    "label": period_label(period, kind),
                    "period": period,
                    "exports": [
                        {"kind": kind, "href": relative.with_suffix(f".{kind}").as_posix()} for kind in export_kinds
                    ],
                    "summary": (
                        f"{current.get('met', 0)} / {current.get('partly_met', 0)} / {current.get('not_met', 0)} "
                        f"av {current.get('measured', 0)}"
                    ),
                }
            )
        regions = [
            {**region, "organisations": sorted(region["organisations"].values(), key=lambda o: (o["name"], o["id"]))}
            for _, region in sorted(index_regions.items())
        ]
        for region in regions:
            for organisation_entry in region["organisations"]:
                organisation_entry["reports"].sort(key=lambda r: r["period"], reverse=True)
        _write(tmp / INDEX, index_template.render({"regions": regions, "footer": footer, "total": len(written)}))
        if exports is not None:
            exports([tmp / path.relative_to(out_dir) for path in written])
        _fsync_dir(tmp)
        _move_into_place(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("wrote %d follow-up report(s) and %s", len(written), out_dir / INDEX)
    return ReportSet(written, out_dir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m publish.report", description=__doc__.split("\n\n")[0])
    parser.add_argument("marts_db", type=Path, help="a published marts.duckdb (read-only)")
    parser.add_argument("out_dir", type=Path, help="directory for index.html and the reports (replaced)")
    parser.add_argument("--run-id", help="published run id for the footer (default: the snapshot's manifest)")
    parser.add_argument("--published-at", help="publication time, ISO 8601 (default: the snapshot's manifest)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        reports = render_reports(args.marts_db, args.out_dir, run_id=args.run_id, published_at=args.published_at)
    except ReportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {len(reports)} report(s); open {reports.index}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
