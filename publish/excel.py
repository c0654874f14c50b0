"""The follow-up report's figures as an Excel workbook: ``<period>.xlsx`` beside each ``<period>.html``.

For controllers who work on in Excel: the same region × organisation × period as the HTML report,
read from the same published ``marts.duckdb`` (read-only), in three sheets:

* **Måluppfyllelse**: the goal table (fct_goal_fulfilment) in the order of the goal structure;
* **Antal**: met / partly met / not met / measured / not measurable and shares, for the whole
  organisation and per goal (goal_fulfilment_counts);
* **KPI-värden**: the organisation's published KPI values for the period (kpi_indicator_values, the
  node total: breakdown total, gender T, age band all, where the marts have those columns).

Figures stay numbers, unscaled as the marts keep them (SEK in kronor), with number formats
(``#,##0``, ``#,##0.0``, ``0.0" %"``) that Excel shows with the reader's own separators ("3,3 %",
"47 582 000" in a Swedish Excel). A missing or suppressed figure is an empty cell, never 0. Each
header row is bold and frozen, with an autofilter. Each workbook is written to a temporary file
beside it and renamed into place.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import Any, NamedTuple

import duckdb
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from publish.report import CLASSIC_LEVELS, STATUSES, ReportError, period_label, structure_depth, structure_levels
from publish.swedish import comparison_words, is_missing, unit_decimals, units
from regionkpi.fsio import replace_atomically

log = logging.getLogger(__name__)

GOALS, COUNTS, KPI = "Måluppfyllelse", "Antal", "KPI-värden"
WHOLE_ORGANISATION = "(alla)"
UNIT_TEXT = {"SEK": "kr", "count": "antal", "%": "%"}
CHANGE_UNIT = "% förändring mot föregående år"
WINDOWS = {"year": "helår", "ytd": "ackumulerat"}
COUNT_FORMAT, SHARE_FORMAT = "#,##0", '0.0" %"'
MAX_WIDTH = 60


class Number(NamedTuple):
    """A figure and its Excel number format."""

    value: float | int | None
    format: str


def number_format(unit: str | None, decimals: Any = None) -> str:
    """'#,##0' / '#,##0.0' by the unit's decimals; percentages as '0.0" %"' on the value in percent."""
    places = unit_decimals(unit, decimals)
    fraction = "." + "0" * places if places else ""
    return f'0{fraction}" %"' if unit == "%" else f"#,##0{fraction}"


def _float(value: Any) -> float | None:
    return None if is_missing(value) else float(value)


def _int(value: Any) -> int | None:
    return None if is_missing(value) else int(value)


def _number(value: Any, unit: str | None, decimals: Any = None) -> Number:
    return Number(_float(value), number_format(unit, decimals))


def _table(con: duckdb.DuckDBPyConnection, table: str) -> tuple[str, set[str]]:
    """The qualified name and columns of ``table`` (schema main first); ("", set()) when there is none."""
    found: dict[str, set[str]] = {}
    for schema, column in con.execute(
        "select table_schema, column_name from information_schema.columns "
        "where table_catalog = current_database() and table_name = ? order by table_schema != 'main', table_schema",
        [table],
    ).fetchall():
        found.setdefault(schema, set()).add(column)
    if not found:
        return "", set()
    schema, columns = next(iter(found.items()))
    return f'"{schema}"."{table}"', columns


def _unit_text(unit: str | None) -> str | None:
    """The unit as a Swedish reader writes it: kr, antal, %, dagar, ..."""
    if not unit:
        return None
    return UNIT_TEXT.get(unit) or units().get(unit, ("",))[0] or unit


def _rows(con: duckdb.DuckDBPyConnection, sql: str, parameters: Sequence[Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, list(parameters))
    names = [description[0] for description in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _in_structure_order(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """perspektiv → mål → framgångsfaktor, each in the order of its first indicator, as the report."""
    ordered = sorted(
        rows,
        key=lambda r: (
            r.get("perspective") is None,
            r["sort_order"] if r.get("sort_order") is not None else 1 << 30,
            r.get("indicator_name_sv") or r["indicator_id"],
        ),
    )
    levels = [(r.get("perspective"), r.get("goal"), r.get("success_factor")) for r in ordered]
    first: dict[tuple, int] = {}
    for position, path in enumerate(levels):
        for depth in (1, 2, 3):
            first.setdefault(path[:depth], position)
    order = sorted(range(len(ordered)), key=lambda i: tuple(first[levels[i][:depth]] for depth in (1, 2, 3)))
    return [ordered[i] for i in order]


def _goal_sheet(
    rows: list[dict[str, Any]], with_comment: bool, level_names: Sequence[str] = CLASSIC_LEVELS
) -> tuple[list[str], list[list[Any]]]:
    header = [
        *level_names, "Mätetal", "Jämförelse", "Målvärde", "Tolerans",
        "Utfall", "Föregående år", "Enhet", "Status", "Prognos helår", "Bedömd på",
        *(["Analys"] if with_comment else []),
    ]  # fmt: skip
    lines = []
    for row in rows:
        unit, comparison = row.get("unit"), row.get("comparison")
        change = comparison == "increase_by_pct"  # target and outcome are a change in percent
        shown, decimals = ("%", None) if change else (unit, row.get("decimals"))
        tolerance_unit = "percentage points" if change or unit == "%" else unit
        _, symbol, text = STATUSES.get(row.get("status") or "", STATUSES["not_measurable"])
        kind = row.get("indicator_kind") or "numeric"
        status = f"{symbol} {text}" + (" (rapporterad av enheten)" if row.get("status_source") == "reported" else "")
        comment = "\n\n".join(part for part in (row.get("comment"), row.get("reported_comment")) if part) or None
        if kind == "numeric":
            figures = [
                comparison_words(comparison) or comparison,
                _number(row.get("target_value"), shown, decimals),
                _number(row.get("tolerance"), tolerance_unit, decimals),
                _number(row.get("outcome"), shown, decimals),
                _number(row.get("outcome_previous_year"), shown, decimals),
                CHANGE_UNIT if change else _unit_text(unit),
            ]
        else:  # ja/nej as the words; a qualitative indicator has no figures (its status is reported)
            words = {key: _yes_no_text(row.get(key)) if kind == "yes_no" else None for key in YES_NO_COLUMNS}
            figures = [
                None,
                words["target_value"],
                None,
                words["outcome"],
                words["outcome_previous_year"],
                "ja/nej" if kind == "yes_no" else "kvalitativt",
            ]
        lines.append(
            [
                *structure_levels(row)[: len(level_names)],
                row.get("indicator_name_sv") or row["indicator_id"],
                *figures,
                status,
                _number(row.get("forecast"), unit, row.get("decimals")) if kind == "numeric" else None,
                "prognos" if row.get("status_basis") == "forecast" else "utfall",
                *([comment] if with_comment else []),
            ]
        )
    return header, lines


YES_NO_COLUMNS = ("target_value", "outcome", "outcome_previous_year")


def _yes_no_text(value: Any) -> str | None:
    number = _float(value)
    return None if number is None else {1: "Ja", 0: "Nej"}.get(round(number))


COUNT_COLUMNS = (
    ("met", "Uppfyllda"),
    ("partly_met", "Delvis uppfyllda"),
    ("not_met", "Ej uppfyllda"),
    ("measured", "Mäts"),
    ("not_measurable", "Ej mätbara"),
)
SHARE_COLUMNS = (
    ("met_share", "Andel uppfyllda"),
    ("partly_met_share", "Andel delvis uppfyllda"),
    ("not_met_share", "Andel ej uppfyllda"),
)


def _count_sheet(
    counts: list[dict[str, Any]], goal_order: list[str], goal_label: str = CLASSIC_LEVELS[1]
) -> tuple[list[str], list[list[Any]]]:
    header = [goal_label, *(label for _, label in COUNT_COLUMNS), *(label for _, label in SHARE_COLUMNS)]
    rank = {goal: n for n, goal in enumerate([WHOLE_ORGANISATION, *goal_order])}
    lines = []
    for record in sorted(counts, key=lambda r: (rank.get(r["goal"], len(rank)), r["goal"])):
        lines.append(
            [
                "Hela organisationen" if record["goal"] == WHOLE_ORGANISATION else record["goal"],
                *(Number(_int(record.get(key)), COUNT_FORMAT) for key, _ in COUNT_COLUMNS),
                *(Number(_float(record.get(key)), SHARE_FORMAT) for key, _ in SHARE_COLUMNS),
            ]
        )
    return header, lines


def _counted(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The counts from the goal rows themselves, for marts without goal_fulfilment_counts."""
    groups: dict[str, list[str]] = {WHOLE_ORGANISATION: []}
    for row in rows:
        for goal in {WHOLE_ORGANISATION, row.get("goal") or WHOLE_ORGANISATION}:
            groups.setdefault(goal, []).append(row.get("status") or "not_measurable")
    result = []
    for goal, statuses in groups.items():
        record: dict[str, Any] = {"goal": goal, **{key: statuses.count(key) for key, _ in COUNT_COLUMNS}}
        record["measured"] = sum(status != "not_measurable" for status in statuses)
        for key, _ in SHARE_COLUMNS:
            count = record[key.removesuffix("_share")]
            record[key] = 100.0 * count / record["measured"] if record["measured"] else None
        result.append(record)
    return result


def _kpi_sheet(
    con: duckdb.DuckDBPyConnection,
    region: str,
    organisation: str,
    period: str,
    names: dict[str, tuple[str | None, int | None]],
) -> tuple[list[str], list[list[Any]]]:
    table, columns = _table(con, "kpi_indicator_values")
    wanted = [c for c in ("window", "unit", "is_suppressed", "suppression_reason") if c in columns]
    header = ["Mätetal-id", "Mätetal", "Period", "Fönster", "Värde", "Enhet", "Dold", "Skäl"]
    if not {"region_id", "organisation_id", "indicator_id", "period", "value"} <= columns:
        return header, []
    totals = [
        f"{name} = '{value}'"
        for name, value in (("breakdown", "total"), ("gender", "T"), ("age_band", "all"))
        if name in columns
    ]
    select = ", ".join(["indicator_id", "period", "value", *(f'"{c}"' for c in wanted)])
    rows = _rows(
        con,
        f"select {select} from {table} "  # noqa: S608 - names from the catalog
        f"where {' and '.join(['region_id = ?', 'organisation_id = ?', 'period = ?', *totals])} "
        "order by indicator_id, period" + (', "window"' if "window" in columns else ""),
        [region, organisation, period],
    )
    lines = []
    for row in rows:
        unit, suppressed = row.get("unit"), bool(row.get("is_suppressed"))
        name, decimals = names.get(row["indicator_id"], (None, None))
        lines.append(
            [
                row["indicator_id"],
                name,
                row["period"],
                WINDOWS.get(row.get("window") or "", row.get("window")),
                _number(None if suppressed else row["value"], unit, decimals),
                _unit_text(unit),
                "ja" if suppressed else "nej",
                row.get("suppression_reason"),
            ]
        )
    return header, lines


def _fill(sheet: Any, header: list[str], lines: list[list[Any]]) -> None:
    """Header (bold, frozen, autofilter), the rows with their number formats, and column widths."""
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(title) + 4 for title in header]  # room for the filter button
    for line in lines:
        sheet.append([item.value if isinstance(item, Number) else item for item in line])
        for column, item in enumerate(line):
            cell = sheet.cell(row=sheet.max_row, column=column + 1)
            if isinstance(item, Number):
                cell.number_format = item.format
                widths[column] = max(widths[column], 14)
            elif item is not None:
                widths[column] = max(widths[column], len(str(item)) + 2)
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(width, MAX_WIDTH)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{max(sheet.max_row, 1)}"


def _save_atomic(workbook: Workbook, path: Path) -> None:
    """Save through a temporary file beside ``path`` that is flushed and renamed into place."""
    replace_atomically(path, workbook.save)


def write_workbooks(marts_db: Path, reports: Sequence[Path]) -> list[Path]:
    """Write ``<same path>.xlsx`` beside each report ``<out_dir>/<region>/<organisation>/<period>.html``
    with the figures of that region, organisation and period from the published ``marts_db``; returns
    the workbooks' paths. Raises ReportError when ``marts_db`` is missing or has no goal table."""
    marts_db = Path(marts_db)
    if not marts_db.is_file():
        raise ReportError(f"no marts database at {marts_db}: publish first")
    written: list[Path] = []
    with closing(duckdb.connect(str(marts_db), read_only=True)) as con:
        fct, fct_columns = _table(con, "fct_goal_fulfilment")
        if not fct:
            raise ReportError(f"{marts_db} has no fct_goal_fulfilment: is it a published marts.duckdb?")
        counts_table, _ = _table(con, "goal_fulfilment_counts")
        # indicator names and decimals: the shared catalogue's, and each region's own (ids are unique per
        # region only)
        shared: dict[str, tuple[str | None, int | None]] = {}
        own: dict[str, dict[str, tuple[str | None, int | None]]] = {}
        dim_indicator, dim_columns = _table(con, "dim_indicator")
        if {"indicator_id", "name_sv"} <= dim_columns:
            region_column = "region_id" if "region_id" in dim_columns else "null"
            decimals_column = "decimals" if "decimals" in dim_columns else "null"
            for region_id, indicator_id, name, decimals in con.execute(
                f"select {region_column}, indicator_id, name_sv, {decimals_column} from {dim_indicator}"  # noqa: S608
            ).fetchall():
                (own.setdefault(region_id, {}) if region_id else shared)[indicator_id] = (name, decimals)
        levels_table, _ = _table(con, "dim_goal_level")
        level_names: dict[str, tuple[str, ...]] = {}
        if levels_table:
            for region_id, name, unused in con.execute(
                f"select region_id, level_name, coalesce(is_unused, false) from {levels_table} "  # noqa: S608
                "order by region_id, level"
            ).fetchall():
                if not unused:
                    level_names.setdefault(region_id, ())
                    level_names[region_id] += (name,)
        for report in map(Path, reports):
            region, organisation, period = report.parent.parent.name, report.parent.name, report.stem
            where, key = "where region_id = ? and organisation_id = ? and period = ?", [region, organisation, period]
            goals = _in_structure_order(_rows(con, f"select * from {fct} {where}", key))  # noqa: S608
            names = {**shared, **own.get(region, {})}
            for row in goals:
                names.setdefault(
                    row["indicator_id"], (row.get("indicator_name_sv") or row["indicator_id"], row.get("decimals"))
                )
            counts = _rows(con, f"select * from {counts_table} {where}", key) if counts_table else _counted(goals)  # noqa: S608
            goal_order = list(dict.fromkeys(row["goal"] for row in goals if row.get("goal")))

            workbook = Workbook()
            sheet = workbook.active
            sheet.title = GOALS
            names_here = level_names.get(region, CLASSIC_LEVELS)
            depth = max([len(names_here), *(structure_depth(row) for row in goals)])
            shown = (*names_here, *(f"Nivå {n}" for n in range(len(names_here) + 1, depth + 1)))
            _fill(sheet, *_goal_sheet(goals, "comment" in fct_columns, shown))
            _fill(workbook.create_sheet(COUNTS), *_count_sheet(counts, goal_order, shown[1]))
            _fill(workbook.create_sheet(KPI), *_kpi_sheet(con, region, organisation, period, names))
            kind = goals[0].get("period_kind") if goals else None
            organisation_name = next((r["organisation_name"] for r in goals if r.get("organisation_name")), None)
            workbook.properties.title = f"{period_label(period, kind)} – {organisation_name or organisation}"
            workbook.properties.creator = "regionkpi"
            path = report.with_suffix(".xlsx")
            _save_atomic(workbook, path)
            written.append(path)
            log.debug("wrote %s", path)
    log.info("wrote %d workbook(s) beside the reports", len(written))
    return written
