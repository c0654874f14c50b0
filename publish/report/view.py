"""The view model: a report's rows turned into what the templates show (statuses, notes, counts,
the goal hierarchy, trends and the sick-leave disclosure)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from publish.report.data import LONG_TERM, SICK_LEAVE, ReportData
from publish.report.periods import default_window, period_end_date, period_label, period_span, shift_year, year_month
from publish.swedish import (
    DASH,
    format_band,
    format_share,
    format_value,
    is_missing,
    target_parts,
)
from regionkpi.seeds import age_bands, genders, parts, total

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

#: (group, gender, age band, label) in the order of the statutory disclosure (lag 2018:597, 11 kap.):
#: every gender for all ages, then every age band for both genders (seeds/genders.csv, age_bands.csv)
SICK_LEAVE_GROUPS = (
    *(("Kön", gender.code, total(age_bands()).code, gender.name_sv) for gender in genders()),
    *(("Ålder", total(genders()).code, band.code, band.name_sv) for band in parts(age_bands())),
)
SUPPRESSION_REASONS = {
    "primary": "Dold: gruppen har färre än 11 anställda (röjandeskydd).",
    "secondary": "Dold för att en annan dold uppgift inte ska kunna räknas fram ur totalen (sekundärt röjandeskydd).",
}

TREND_YEARS = 5


# View model ---------------------------------------------------------------------------------------


def status_view(status: str | None) -> dict[str, str]:
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


class ReportBuilder:
    """Turns the rows of one region × organisation × period into what the template shows."""

    def __init__(self, data: ReportData) -> None:
        self.data = data
        #: the goal rows by region, organisation, indicator and month: the trend's last resort
        self.goal_rows: dict[tuple[str, str, str, int], list[dict[str, Any]]] = {}
        for row in data.goals:
            key = (row["region_id"], row["organisation_id"], row["indicator_id"], year_month(row["period"])[1])
            self.goal_rows.setdefault(key, []).append(row)

    def _series(
        self, row: dict[str, Any], indicator: str, window: str, years: int = TREND_YEARS
    ) -> list[tuple[int, float | None]]:
        """The indicator's published value (node total) for the same month and window, ``years`` back."""
        year, _ = year_month(row["period"])
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
        month = year_month(row["period"])[1]
        for other in self.goal_rows.get((row["region_id"], row["organisation_id"], indicator, month), []):
            other_year = year_month(other["period"])[0]
            if not is_missing(other["outcome"]):
                by_year[other_year] = float(other["outcome"])
            previous = other.get("outcome_previous_year")
            if row.get("comparison") != "increase_by_pct" and not is_missing(previous):
                by_year.setdefault(other_year - 1, float(previous))
        year = year_month(row["period"])[0]
        return [(y, by_year.get(y)) for y in range(year - TREND_YEARS + 1, year + 1)]

    def _benchmark(self, row: dict[str, Any]) -> str | None:
        """Riket for the year (or the latest of the two years before, labelled with its year). Kolada's
        values are full years: a tertial or delår report compares with the last full year before it,
        never with the year it is part of (an outcome for January–April beside a whole year)."""
        if self.data.benchmark is None or row.get("comparison") == "increase_by_pct":
            return None
        year, month = year_month(row["period"])
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
                "status": status_view(row.get("status")),
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
            "status": status_view(row.get("status")),
            "status_note": _no_outcome_reason(row.get("decided_by")),
            "chart": _trend_chart(chart_id, series, target, shown_unit, target_text, places),
            "benchmark": self._benchmark(row),
            "comment": comment,
        }

    def report(self, key: ReportKey, rows: list[dict[str, Any]]) -> dict[str, Any]:
        """Everything one report's template shows, but the footer (the snapshot's) and its links."""
        region, organisation, period = key
        kind = rows[0].get("period_kind")
        window = rows[0].get("window") or default_window(period)
        hierarchy = self.hierarchy(region, organisation, period, rows)
        named = next((row["organisation_name"] for row in rows if row.get("organisation_name")), organisation)
        return {
            "region_id": region,
            "region_name": self.data.region_names.get(region) or f"Region {region}",
            "organisation_id": organisation,
            "organisation_name": named,
            "period": period,
            "label": period_label(period, kind),
            "span": period_span(period),
            "counts": self.counts(region, organisation, period, rows),
            "hierarchy": hierarchy,
            "has_benchmark": any(indicator["benchmark"] is not None for indicator in all_rows(hierarchy)),
            "benchmark_year": year_month(period)[0],
            "sick_leave": self.sick_leave(region, organisation, period, window),
            "statuses": [{**status_view(code), "explanation": STATUS_EXPLANATIONS[code]} for code in STATUSES],
            "trend_years": TREND_YEARS,
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
            "status": status_view(status["status"]) if status is not None else None,
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
        years = [str(year_month(p)[0]) for p in periods]
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


def all_rows(nodes: list[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    for node in nodes:
        yield from node["rows"]
        yield from all_rows(node["children"])


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
        segments.append({"status": status_view(status), "count": int(n), "x": round(x, 3), "width": round(width, 3)})
        x += width
    return segments


class ReportKey(NamedTuple):
    region: str
    organisation: str
    period: str


def report_rows(data: ReportData) -> dict[ReportKey, list[dict[str, Any]]]:
    """The goal rows of each report: one report per region × organisation × period."""
    reports: dict[ReportKey, list[dict[str, Any]]] = {}
    for row in data.goals:
        reports.setdefault(ReportKey(row["region_id"], row["organisation_id"], row["period"]), []).append(row)
    return reports


class ReportIndex:
    """The index page's view: every report, by region and organisation, the latest period first."""

    def __init__(self, export_kinds: Sequence[str] = ()) -> None:
        self.export_kinds = tuple(export_kinds)
        self._regions: dict[str, dict[str, Any]] = {}

    def add(self, report: dict[str, Any], relative: Path) -> None:
        region = self._regions.setdefault(
            report["region_id"], {"id": report["region_id"], "name": report["region_name"], "organisations": {}}
        )
        organisation = region["organisations"].setdefault(
            report["organisation_id"],
            {"id": report["organisation_id"], "name": report["organisation_name"], "reports": []},
        )
        current = report["counts"]["current"]
        organisation["reports"].append(
            {
                "href": relative.as_posix(),
                "label": report["label"],
                "period": report["period"],
                "exports": [
                    {"kind": kind, "href": relative.with_suffix(f".{kind}").as_posix()} for kind in self.export_kinds
                ],
                "summary": (
                    f"{current.get('met', 0)} / {current.get('partly_met', 0)} / {current.get('not_met', 0)} "
                    f"av {current.get('measured', 0)}"
                ),
            }
        )

    def regions(self) -> list[dict[str, Any]]:
        regions = [
            {**region, "organisations": sorted(region["organisations"].values(), key=lambda o: (o["name"], o["id"]))}
            for _, region in sorted(self._regions.items())
        ]
        for region in regions:
            for organisation in region["organisations"]:
                organisation["reports"].sort(key=lambda r: r["period"], reverse=True)
        return regions
