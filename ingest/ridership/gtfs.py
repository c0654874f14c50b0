"""The GTFS static feed (source ``gtfs``): the region's lines, stops and trips as reference data.

A region delivers its feed as published (GTFS Sverige 2 or GTFS Sweden 3 from Samtrafiken/Trafiklab:
a zip of comma-separated UTF-8 files). Ingest reads the four members that name what ridership extracts
refer to (``agency.txt``, ``routes.txt``, ``stops.txt``, ``trips.txt``) plus the feed's date range
(``feed_info.txt``, ``calendar.txt``, ``calendar_dates.txt``), and never ``stop_times.txt``: it is by
far the largest member and says nothing the boardings contract checks. See
docs/extracts/ridership_gtfs.md.

The raw table is one sparse long table (one Parquet file per delivery), one row per agency, route,
stop and trip. Every delivered feed stays: the **union** of a region's feeds is the reference, because
a boarding from 2016 names a line that a 2020 feed may no longer have (:func:`gtfs_reference`).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from ingest.contract import ContractViolation, Violation
from ingest.extract import AnyRule, Rule, check_rules
from ingest.reference import delivery_files, latest_delivery_rows
from ingest.sources import Checked, Delivered, RawColumn, in_values
from regionkpi.settings import Settings

# --------------------------------------------------------------------------------------------------
# Route types: GTFS basic types and Google's extended types (HVT codes), as seeds/gtfs_route_types.csv
# --------------------------------------------------------------------------------------------------

MODES = ("bus", "rail", "tram", "metro", "ferry", "demand_responsive", "other")

#: The GTFS basic route types: 5 cable tram, 6 aerial lift, 7 funicular, 11 trolleybus, 12 monorail.
_BASIC_MODES = {
    **{0: "tram", 1: "metro", 2: "rail", 3: "bus", 4: "ferry"},
    **{5: "tram", 6: "other", 7: "other", 11: "bus", 12: "other"},
}
#: (first, last, mode) of the extended route types; the Swedish feeds use only these.
_EXTENDED_RANGES = (
    (100, 117, "rail"),
    (200, 209, "bus"),  # coach
    (400, 404, "metro"),  # urban railway, metro, underground
    (405, 405, "other"),  # monorail
    (700, 714, "bus"),  # 700 bus, 701 regional, 702 express, ..., 714 rail replacement bus
    (715, 715, "demand_responsive"),  # demand and response bus
    (716, 716, "bus"),
    (717, 717, "demand_responsive"),  # share taxi: Trafiklab's förbeställningstrafik
    (800, 800, "bus"),  # trolleybus
    (900, 906, "tram"),
    (1000, 1000, "ferry"),  # water transport (SL Pendelbåt, Waxholmsbolaget)
    (1100, 1100, "other"),  # air
    (1200, 1200, "ferry"),
    (1300, 1307, "other"),  # aerial lift
    (1400, 1400, "other"),  # funicular
    (1500, 1507, "demand_responsive"),  # taxi; 1501 communal taxi = anropsstyrd/förbeställd trafik
    (1700, 1702, "other"),  # miscellaneous
)
ROUTE_TYPE_MODES: dict[int, str] = {
    **_BASIC_MODES,
    **{code: mode for first, last, mode in _EXTENDED_RANGES for code in range(first, last + 1)},
}


def route_mode(route_type: int) -> str:
    """The mode a GTFS route type counts as (bus, rail, tram, metro, ferry, demand_responsive, other).

    Raises ``ValueError`` for a type the contract does not accept: no loaded route has one.
    """
    try:
        return ROUTE_TYPE_MODES[int(route_type)]
    except KeyError:
        raise ValueError(f"{route_type} is not a GTFS basic or extended route type") from None


# --------------------------------------------------------------------------------------------------
# Members and their columns
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Member:
    """A member of the zip: the columns read, those required, and groups of which one is required."""

    name: str
    columns: tuple[str, ...]
    required: tuple[str, ...] = ()
    one_of: tuple[str, ...] = ()
    required_member: bool = True


MEMBERS = (
    _Member(
        "agency.txt",
        ("agency_id", "agency_name", "agency_url", "agency_timezone"),
        ("agency_name", "agency_url", "agency_timezone"),
    ),
    _Member(
        "routes.txt",
        ("route_id", "agency_id", "route_short_name", "route_long_name", "route_type"),
        ("route_id", "route_type"),
        one_of=("route_short_name", "route_long_name"),
    ),
    _Member(
        "stops.txt",
        ("stop_id", "stop_name", "stop_lat", "stop_lon", "location_type", "parent_station"),
        ("stop_id",),
    ),
    _Member(
        "trips.txt",
        ("route_id", "service_id", "trip_id", "trip_headsign", "direction_id"),
        ("route_id", "service_id", "trip_id"),
    ),
    _Member("feed_info.txt", ("feed_start_date", "feed_end_date"), required_member=False),
    _Member(
        "calendar.txt",
        ("service_id", "start_date", "end_date"),
        ("service_id", "start_date", "end_date"),
        required_member=False,
    ),
    _Member(
        "calendar_dates.txt",
        ("service_id", "date", "exception_type"),
        ("service_id", "date", "exception_type"),
        required_member=False,
    ),
)
REQUIRED_MEMBERS = tuple(m.name for m in MEMBERS if m.required_member)

#: stops.txt location_type: stop point, station (stop area), entrance, generic node, boarding area.
LOCATION_TYPES = ("0", "1", "2", "3", "4")
#: location_type values for which stop_name, stop_lat and stop_lon are required (stop, station, entrance).
_NAMED_LOCATIONS = (0, 1, 2)


@dataclass
class _Table:
    """A member's rows as text (stripped; empty = None) with ``line_no``, and the violations found."""

    member: str
    frame: pd.DataFrame
    violations: list[Violation] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.violations


class GtfsSource:
    name = "gtfs"
    depends_on: tuple[str, ...] = ()
    contract_doc = "docs/extracts/ridership_gtfs.md"
    schema = (
        RawColumn("entity", "VARCHAR", nullable=False),  # agency, route, stop, trip
        RawColumn("entity_id", "VARCHAR", nullable=False),
        RawColumn("name", "VARCHAR"),
        RawColumn("agency_id", "VARCHAR"),
        RawColumn("route_id", "VARCHAR"),
        RawColumn("route_short_name", "VARCHAR"),
        RawColumn("route_long_name", "VARCHAR"),
        RawColumn("route_type", "INTEGER"),
        RawColumn("line", "VARCHAR"),
        RawColumn("direction_id", "INTEGER"),
        RawColumn("stop_lat", "DOUBLE"),
        RawColumn("stop_lon", "DOUBLE"),
        RawColumn("location_type", "INTEGER"),
        RawColumn("parent_station", "VARCHAR"),
        RawColumn("feed_start_date", "DATE"),
        RawColumn("feed_end_date", "DATE"),
        RawColumn("source_member", "VARCHAR", nullable=False),
    )

    def reads_own_encoding(self, path: Path) -> bool:
        """A zip is binary: ingest's text-encoding detection means nothing for it (members are checked here)."""
        return path.suffix.lower() == ".zip" or zipfile.is_zipfile(path)

    def check(self, delivered: Delivered) -> Checked:
        """The zip's members are unpacked and split into cells by Python (a zip of comma-separated
        files is a format of its own); their rules run in DuckDB over the members' tables, and GX
        validates the counts once for the whole feed."""
        from ingest.gxcheck import validate_profile

        path, connection = delivered.path, delivered.connection
        tables, violations = _read_zip(path, max_expanded_bytes=delivered.settings.archive_max_expanded_mb << 20)
        counts: dict[str, int] = {"the feed's members can be read": len(violations)}
        violations += _check(tables, connection, counts)
        start, end = _feed_range(tables, violations)
        counts["the feed's dates can be read"] = sum(
            1 for v in violations if "YYYYMMDD" in v.rule or "ends (" in v.rule
        )
        failures = validate_profile(self.name, counts, [])
        if failures and not violations:
            violations = [Violation(f"the feed's profile breaks its GX suite: {text}") for text in failures]
        if violations:
            raise ContractViolation(path.name, violations)
        connection.register("_gtfs_raw", _raw_frame(tables, start, end))
        names = ", ".join(c.name for c in self.schema)
        return Checked(select=f"SELECT {names}, source_line FROM _gtfs_raw", periods=_months(start, end))  # noqa: S608 - code-owned SQL; file values are bound parameters


# --------------------------------------------------------------------------------------------------
# Reading the zip
# --------------------------------------------------------------------------------------------------


#: A member that expands more than this many times its compressed size is refused unread (text
#: compresses 5-20 times; a zip bomb thousands of times).
MAX_COMPRESSION_RATIO = 200


def _read_zip(path: Path, *, max_expanded_bytes: int) -> tuple[dict[str, _Table], list[Violation]]:
    """The members ingest reads, parsed to text; violations of structure (zip, members, headers, UTF-8).

    The zip's directory is checked first: members that would expand past ``max_expanded_bytes`` in
    all, or a member expanding more than :data:`MAX_COMPRESSION_RATIO` times, refuse the file before
    anything is unpacked (the sizes read are the directory's, and reading stops at them)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise ContractViolation(
            path.name,
            [Violation(f"the file is not a readable zip archive ({error}): a GTFS feed is delivered as published")],
        ) from None
    violations: list[Violation] = []
    tables: dict[str, _Table] = {}
    with archive:
        infos = {info.filename: info for info in archive.infolist() if not info.is_dir()}
        too_big = _expansion_problems(path.name, list(infos.values()), max_expanded_bytes)
        if too_big:
            raise ContractViolation(path.name, too_big)
        for member in MEMBERS:
            info = infos.get(member.name)
            if info is None:
                if member.required_member:
                    nested = sorted(name for name in infos if name.rsplit("/", 1)[-1] == member.name)
                    where = f" (found {nested[0]}: GTFS files lie at the root of the zip)" if nested else ""
                    violations.append(Violation(f"required member {member.name} is missing from the zip{where}"))
                continue
            table = _read_member(archive, info, member)
            violations += table.violations
            tables[member.name] = table
    return tables, violations


def _expansion_problems(name: str, infos: list[zipfile.ZipInfo], max_expanded_bytes: int) -> list[Violation]:
    """Why the zip must not be unpacked: its expanded size, or a member's compression ratio."""
    problems = []
    expanded = sum(info.file_size for info in infos)
    if expanded > max_expanded_bytes:
        problems.append(
            Violation(
                f"the zip expands to {expanded / 2**20:,.0f} MB, more than the {max_expanded_bytes / 2**20:,.0f} MB "
                "allowed (REGIONKPI_ARCHIVE_MAX_EXPANDED_MB): nothing of it was unpacked"
            )
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > (1 << 20) and ratio > MAX_COMPRESSION_RATIO:
            problems.append(
                Violation(
                    f"member {info.filename} expands {ratio:,.0f} times (at most {MAX_COMPRESSION_RATIO} allowed): "
                    "a zip bomb is not unpacked",
                    column=info.filename,
                )
            )
    return problems


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, member: _Member) -> _Table:
    name = member.name
    empty = _Table(name, pd.DataFrame())
    try:
        data = archive.read(info)
    except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, EOFError, OSError) as error:
        empty.violations.append(Violation(f"{name} cannot be unpacked from the zip ({error})"))
        return empty
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line_start = data.rfind(b"\n", 0, error.start) + 1
        line_end = data.find(b"\n", error.start)
        shown = data[line_start : line_end if line_end >= 0 else len(data)].decode("utf-8", errors="replace")
        empty.violations.append(
            Violation(
                f"{name} must be UTF-8 encoded (GTFS requires it; was it saved as Windows-1252?)",
                line=data.count(b"\n", 0, error.start) + 1,
                value=f"byte 0x{data[error.start]:02x} in {shown.strip()[:120]}",
            )
        )
        return empty

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header_row = next(reader, None)
    except csv.Error as error:
        empty.violations.append(Violation(f"{name}: unreadable header row ({error})", line=1))
        return empty
    if header_row is None:
        empty.violations.append(Violation(f"{name} is empty: a header row is required", line=1))
        return empty
    headers = [cell.replace("\ufeff", "").strip() for cell in header_row]
    positions: dict[str, int] = {}
    for index, header in enumerate(headers):
        if header in positions and header in member.columns:
            empty.violations.append(
                Violation(f"{name}: column {header} appears twice in the header", line=1, column=header)
            )
        positions.setdefault(header, index)
    for column in member.required:
        if column not in positions:
            empty.violations.append(
                Violation(f"{name}: required column {column} is missing from the header", line=1, column=column)
            )
    if member.one_of and not any(column in positions for column in member.one_of):
        empty.violations.append(
            Violation(
                f"{name}: one of the columns {' or '.join(member.one_of)} is required",
                line=1,
                column=", ".join(member.one_of),
            )
        )
    if empty.violations:
        return empty

    present = [column for column in member.columns if column in positions]
    values: dict[str, list[str | None]] = {column: [] for column in present}
    line_numbers: list[int] = []
    violations: list[Violation] = []
    width = len(header_row)
    previous = reader.line_num
    try:
        for row in reader:
            start, previous = previous + 1, reader.line_num  # a quoted cell may span lines: report the first
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != width:
                violations.append(
                    Violation(f"{name}: the row has {len(row)} fields, the header has {width}", line=start)
                )
                continue
            line_numbers.append(start)
            for column in present:
                values[column].append(row[positions[column]].strip() or None)
    except csv.Error as error:
        violations.append(Violation(f"{name}: unreadable CSV ({error})", line=reader.line_num))
    frame = pd.DataFrame(
        {column: pd.Series(values.get(column, [None] * len(line_numbers)), dtype="object") for column in member.columns}
    )
    frame["line_no"] = pd.Series(line_numbers, dtype="int64")
    return _Table(name, frame, violations)


# --------------------------------------------------------------------------------------------------
# The contract
# --------------------------------------------------------------------------------------------------


def _required(member: str, columns: Sequence[str]) -> list[Rule]:
    return [Rule(f"{member}: {c} is required", f"{c} IS NULL", (c,)) for c in columns]


def _unique(member: str, column: str) -> Rule:
    """Every row of a value that appears on more than one row (as GX's uniqueness rule reported them)."""
    return Rule(
        f"{member}: {column} must be unique (it appears on more than one row)",
        f"{column} IS NOT NULL AND count(*) OVER (PARTITION BY {column}) > 1",
        (column,),
    )


def _unknown(column: str, relation: str, key: str, member: str, rule: str, header: str | None = None) -> Rule:
    """``column`` names a ``key`` of ``relation`` (another member's table)."""
    return Rule(
        f"{member}: {rule}",
        f"{column} IS NOT NULL AND {column} NOT IN (SELECT {key} FROM {relation} WHERE {key} IS NOT NULL)",  # noqa: S608 - code-owned SQL; file values are bound parameters
        header=header or column,
        value=column,
    )


def _run(
    connection: duckdb.DuckDBPyConnection,
    name: str,
    frame: pd.DataFrame,
    rules: Sequence[AnyRule],
    counts: dict[str, int],
    derived: str = "",
) -> list[Violation]:
    """Check ``rules`` over a member's rows: registered in DuckDB, window rules evaluated in a view."""
    connection.register(f"_{name}_frame", frame)
    connection.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT *{derived} FROM _{name}_frame")  # noqa: S608 - code-owned SQL; file values are bound parameters
    windowed = [r for r in rules if isinstance(r, Rule) and " OVER " in r.where]
    plain = [r for r in rules if r not in windowed]
    outcome = check_rules(connection, plain, {}, relation=name)
    violations = outcome.violations
    for rule in windowed:  # a window function cannot stand in an aggregate's filter: flag it in a view first
        flagged = f"{name}_{len(counts)}"
        connection.execute(f"CREATE OR REPLACE TEMP VIEW {flagged} AS SELECT *, ({rule.where}) AS _broken FROM {name}")  # noqa: S608 - code-owned SQL; file values are bound parameters
        found = check_rules(
            connection, [Rule(rule.rule, "_broken", rule.columns, rule.value, rule.header)], {}, relation=flagged
        )
        violations += found.violations
        outcome.counts.update(found.counts)
    for key, value in outcome.counts.items():
        counts[key] = counts.get(key, 0) + value
    return violations


def _check(tables: dict[str, _Table], connection: duckdb.DuckDBPyConnection, counts: dict[str, int]) -> list[Violation]:
    """Row rules of the four members, in DuckDB; a reference to another member is checked only when
    that member was read cleanly (a row dropped for its structure would show up as unknown)."""
    agency, routes, stops, trips = (tables.get(m) for m in REQUIRED_MEMBERS)
    violations = [
        Violation(f"{table.member} has no rows: at least one is required", line=2)
        for table in (agency, routes, stops, trips)
        if table is not None and table.clean and table.frame.empty
    ]
    counts["every member has rows"] = len(violations)
    several_agencies = False
    if agency is not None and agency.clean:
        several_agencies = len(agency.frame) > 1
        violations += _check_agency(connection, agency.frame, counts)
    routes_clean = routes is not None and routes.clean
    if routes_clean:
        violations += _check_routes(connection, routes.frame, several_agencies, counts)
    if stops is not None and stops.clean:
        violations += _check_stops(connection, stops, counts)
    if trips is not None and trips.clean:
        violations += _check_trips(connection, trips.frame, routes_clean, counts)
    return violations


def _check_agency(
    connection: duckdb.DuckDBPyConnection, frame: pd.DataFrame, counts: dict[str, int]
) -> list[Violation]:
    rules: list[AnyRule] = [
        *_required("agency.txt", ("agency_name", "agency_url", "agency_timezone")),
        _unique("agency.txt", "agency_id"),
    ]
    if len(frame) > 1:
        rules.append(
            Rule(
                "agency.txt: agency_id is required when the feed has more than one agency",
                "agency_id IS NULL",
                ("agency_id",),
            )
        )
    return _run(connection, "gtfs_agency", frame, rules, counts)


def _check_routes(
    connection: duckdb.DuckDBPyConnection, frame: pd.DataFrame, several_agencies: bool, counts: dict[str, int]
) -> list[Violation]:
    """With several agencies in agency.txt, every route names one of them."""
    types = [str(code) for code in sorted(ROUTE_TYPE_MODES)]
    rules: list[AnyRule] = [
        *_required("routes.txt", ("route_id", "route_type")),
        _unique("routes.txt", "route_id"),
        Rule(
            "routes.txt: route_short_name or route_long_name is required",
            "route_short_name IS NULL AND route_long_name IS NULL",
            header="route_short_name, route_long_name",
        ),
        Rule(
            "routes.txt: route_type must be a GTFS route type: basic (0-7, 11, 12) or extended "
            "(100-117, 200-209, 400-405, 700-717, 800, 900-906, 1000, 1100, 1200, 1300-1307, 1400, "
            "1500-1507, 1700-1702)",
            f"route_type IS NOT NULL AND NOT {in_values('route_type', types)}",
            ("route_type",),
        ),
    ]
    if several_agencies:
        rules += [
            Rule(
                "routes.txt: agency_id is required when agency.txt has more than one agency",
                "agency_id IS NULL",
                ("agency_id",),
            ),
            _unknown(
                "agency_id", "gtfs_agency", "agency_id", "routes.txt", "agency_id must be an agency_id of agency.txt"
            ),
        ]
    return _run(connection, "gtfs_routes", frame, rules, counts)


def _check_stops(connection: duckdb.DuckDBPyConnection, stops: _Table, counts: dict[str, int]) -> list[Violation]:
    """Adds the parsed coordinates (``latitude``, ``longitude``) to the frame: the raw rows use them."""
    frame = stops.frame
    violations: list[Violation] = []
    frame["latitude"] = _parsed(stops, "stop_lat", _decimal, "a decimal number (degrees, e.g. 57.7826)", violations)
    frame["longitude"] = _parsed(stops, "stop_lon", _decimal, "a decimal number (degrees, e.g. 14.1618)", violations)
    counts["stops.txt: coordinates are decimal numbers"] = len(violations)
    kinds = in_values("location_type", list(LOCATION_TYPES))
    kind = "coalesce(location_type, '0')"  # empty = a stop point
    named = (
        f"CASE WHEN {in_values(kind, list(LOCATION_TYPES))} "
        f"THEN CAST({kind} AS INTEGER) IN {tuple(_NAMED_LOCATIONS)} ELSE false END"
    )
    rules: list[AnyRule] = [
        *_required("stops.txt", ("stop_id",)),
        _unique("stops.txt", "stop_id"),
        Rule(
            "stops.txt: location_type must be 0-4 (stop, station, entrance, node, boarding area)",
            f"location_type IS NOT NULL AND NOT {kinds}",
            ("location_type",),
        ),
        *[
            Rule(
                f"stops.txt: {column} is required for stops, stations and entrances (location_type 0-2)",
                f"{column} IS NULL AND {named}",
                (column,),
            )
            for column in ("stop_name", "stop_lat", "stop_lon")
        ],
        Rule(
            "stops.txt: stop_lat must be within -90 to 90",
            "latitude < -90 OR latitude > 90",
            header="stop_lat",
            value="latitude",
        ),
        Rule(
            "stops.txt: stop_lon must be within -180 to 180",
            "longitude < -180 OR longitude > 180",
            header="stop_lon",
            value="longitude",
        ),
        _unknown(
            "parent_station", "gtfs_stops", "stop_id", "stops.txt", "parent_station must be a stop_id of stops.txt"
        ),
    ]
    return violations + _run(connection, "gtfs_stops", frame, rules, counts)


def _check_trips(
    connection: duckdb.DuckDBPyConnection, frame: pd.DataFrame, routes_clean: bool, counts: dict[str, int]
) -> list[Violation]:
    """When routes.txt was read cleanly, every trip runs on one of its routes."""
    rules: list[AnyRule] = [
        *_required("trips.txt", ("route_id", "service_id", "trip_id")),
        _unique("trips.txt", "trip_id"),
        Rule(
            "trips.txt: direction_id must be 0 or 1",
            "direction_id IS NOT NULL AND direction_id NOT IN ('0', '1')",
            ("direction_id",),
        ),
    ]
    if routes_clean:
        rules.append(
            _unknown("route_id", "gtfs_routes", "route_id", "trips.txt", "route_id must be a route_id of routes.txt")
        )
    return _run(connection, "gtfs_trips", frame, rules, counts)


def _parsed(
    table: _Table, column: str, parse: Callable[[str], Any], expected: str, violations: list[Violation]
) -> pd.Series:
    """``column`` parsed cell by cell (missing where empty or unparsable; each unparsable cell is a violation).

    Coordinates come back as float (NaN = missing: GX compares them as numbers), dates as objects.
    """
    out: list[Any] = []
    for text, line in zip(table.frame[column], table.frame["line_no"], strict=True):
        if text is None:
            out.append(None)
            continue
        try:
            out.append(parse(text))
        except ValueError:
            out.append(None)
            violations.append(
                Violation(f"{table.member}: {column} must be {expected}", line=int(line), column=column, value=text)
            )
    return pd.Series(out, index=table.frame.index, dtype="float64" if parse is _decimal else "object")


def _decimal(text: str) -> float:
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(text)
    return value


def _gtfs_date(text: str) -> dt.date:
    """A GTFS date: ``YYYYMMDD``."""
    if len(text) != 8 or not text.isdigit():
        raise ValueError(text)
    return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))


def _feed_range(tables: dict[str, _Table], violations: list[Violation]) -> tuple[dt.date | None, dt.date | None]:
    """The days the feed covers: feed_info's dates, else the span of its calendars (None when unknown)."""
    starts: dict[str, list[dt.date]] = {}
    ends: dict[str, list[dt.date]] = {}
    for member, start_column, end_column in (
        ("feed_info.txt", "feed_start_date", "feed_end_date"),
        ("calendar.txt", "start_date", "end_date"),
    ):
        table = tables.get(member)
        if table is None or not table.clean:
            continue
        for column, found in ((start_column, starts), (end_column, ends)):
            dates = _parsed(table, column, _gtfs_date, "a date YYYYMMDD", violations)
            found[member] = [d for d in dates if d is not None]
    dates_table = tables.get("calendar_dates.txt")
    if dates_table is not None and dates_table.clean:
        dates = _parsed(dates_table, "date", _gtfs_date, "a date YYYYMMDD", violations)
        added = [d for d, kind in zip(dates, dates_table.frame["exception_type"], strict=True) if d and kind == "1"]
        starts["calendar_dates.txt"] = ends["calendar_dates.txt"] = added
    info = tables.get("feed_info.txt")
    start = (starts.get("feed_info.txt") or [None])[0] or min(
        [*starts.get("calendar.txt", []), *starts.get("calendar_dates.txt", [])], default=None
    )
    end = (ends.get("feed_info.txt") or [None])[0] or max(
        [*ends.get("calendar.txt", []), *ends.get("calendar_dates.txt", [])], default=None
    )
    if start and end and end < start:
        line = int(info.frame["line_no"].iloc[0]) if info is not None and starts.get("feed_info.txt") else None
        source = "feed_info.txt" if line else "calendar.txt"
        violations.append(
            Violation(f"{source}: the feed ends ({end:%Y%m%d}) before it starts ({start:%Y%m%d})", line=line)
        )
    return start, end


def _months(start: dt.date | None, end: dt.date | None) -> list[str]:
    """``YYYY-MM`` of every month the feed range touches (empty when the range is unknown)."""
    if start is None and end is None:
        return []
    first, last = start or end, end or start
    assert first is not None and last is not None
    months: list[str] = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


# --------------------------------------------------------------------------------------------------
# Raw rows
# --------------------------------------------------------------------------------------------------


def _raw_frame(tables: dict[str, _Table], start: dt.date | None, end: dt.date | None) -> pd.DataFrame:
    """One row per agency, route, stop and trip, as Python values (None = null)."""
    agency = tables["agency.txt"].frame
    routes = tables["routes.txt"].frame
    stops = tables["stops.txt"].frame
    trips = tables["trips.txt"].frame

    agency_key = agency["agency_id"].where(agency["agency_id"].notna(), agency["agency_name"])
    only_agency = agency_key.iloc[0] if len(agency) == 1 else None
    route_line = routes["route_short_name"].where(routes["route_short_name"].notna(), routes["route_id"])
    line_of_route = dict(zip(routes["route_id"], route_line, strict=True))

    parts = [
        _entity_rows(
            "agency",
            "agency.txt",
            agency,
            entity_id=agency_key,
            name=agency["agency_name"],
            agency_id=agency["agency_id"],
        ),
        _entity_rows(
            "route",
            "routes.txt",
            routes,
            entity_id=routes["route_id"],
            name=routes["route_long_name"].where(routes["route_long_name"].notna(), routes["route_short_name"]),
            agency_id=routes["agency_id"].where(routes["agency_id"].notna(), only_agency),
            route_id=routes["route_id"],
            route_short_name=routes["route_short_name"],
            route_long_name=routes["route_long_name"],
            route_type=routes["route_type"].map(int),
            line=route_line,
        ),
        _entity_rows(
            "stop",
            "stops.txt",
            stops,
            entity_id=stops["stop_id"],
            name=stops["stop_name"],
            stop_lat=stops["latitude"],
            stop_lon=stops["longitude"],
            location_type=stops["location_type"].fillna("0").map(int),
            parent_station=stops["parent_station"],
        ),
        _entity_rows(
            "trip",
            "trips.txt",
            trips,
            entity_id=trips["trip_id"],
            name=trips["trip_headsign"],
            route_id=trips["route_id"],
            line=trips["route_id"].map(line_of_route),
            direction_id=trips["direction_id"].map(lambda v: None if v is None else int(v)),
        ),
    ]
    frame = pd.concat(parts, ignore_index=True)
    frame["feed_start_date"] = pd.Series([start] * len(frame), dtype="object")
    frame["feed_end_date"] = pd.Series([end] * len(frame), dtype="object")
    return frame


def _entity_rows(entity: str, member: str, source: pd.DataFrame, **columns: pd.Series) -> pd.DataFrame:
    n = len(source)
    data: dict[str, pd.Series] = {}
    for name in (c.name for c in GtfsSource.schema):
        values = columns.get(name)
        data[name] = pd.Series([None] * n if values is None else [_python(v) for v in values], dtype="object")
    data["entity"] = pd.Series([entity] * n, dtype="object")
    data["source_member"] = pd.Series([member] * n, dtype="object")
    data["source_line"] = pd.Series(source["line_no"].to_numpy(), dtype="int64")
    return pd.DataFrame(data)


def _python(value: Any) -> Any:
    """A plain Python value for Arrow: NaN/NA become None, numpy scalars Python ones."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return value.item() if hasattr(value, "item") else value


# --------------------------------------------------------------------------------------------------
# The reference the ridership contracts check against
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GtfsReference:
    """What a region's delivered GTFS feeds define, united over every feed delivered.

    ``lines``: route_short_name (route_id when the short name is empty) of every route; ``stops``: every
    stop_id, stop points and stop areas alike; ``trip_lines``: trip_id -> line (a trip id in several
    feeds takes the latest delivery's line); ``stop_areas``: stop_id -> its parent_station, or itself.
    """

    lines: frozenset[str]
    stops: frozenset[str]
    trip_lines: dict[str, str]
    stop_areas: dict[str, str]


#: Tables :func:`gtfs_reference_tables` creates for the rules of the other ridership extracts.
GTFS_LINES, GTFS_STOPS, GTFS_TRIPS = "ref_gtfs_lines", "ref_gtfs_stops", "ref_gtfs_trips"


def gtfs_reference_tables(settings: Settings, region_id: str) -> tuple[bool, list[tuple[str, list[Any]]]]:
    """(whether the region has a feed, the statements creating the reference tables in DuckDB).

    The same union as :func:`gtfs_reference`: every line, every stop, and each trip's line in the
    latest delivery that names the trip.
    """
    files = _feed_files(settings, region_id)
    if not files:
        return False, []
    read = "FROM read_parquet(?, union_by_name = true)"
    trips = f"(SELECT entity_id, line, _delivery_seq {read} WHERE entity = 'trip')"
    return True, [
        (
            f"CREATE OR REPLACE TEMP TABLE {GTFS_LINES} AS SELECT DISTINCT line {read} "
            "WHERE entity = 'route' AND line IS NOT NULL",
            [files],
        ),
        (
            f"CREATE OR REPLACE TEMP TABLE {GTFS_STOPS} AS SELECT DISTINCT entity_id AS stop_id {read} "
            "WHERE entity = 'stop'",
            [files],
        ),
        (
            f"CREATE OR REPLACE TEMP TABLE {GTFS_TRIPS} AS SELECT entity_id AS trip_id, line "  # noqa: S608 - code-owned SQL
            f"FROM ({latest_delivery_rows(trips, ['entity_id'])})",
            [files],
        ),
    ]


def _feed_files(settings: Settings, region_id: str) -> list[str]:
    return [str(path) for path in delivery_files(settings, GtfsSource.name, region_id)]


def gtfs_reference(settings: Settings, region_id: str) -> GtfsReference | None:
    """The union of the region's loaded GTFS feeds (None when none was delivered).

    Cached on the raw files and their modification times: a streamed extract asks once per chunk.
    """
    files = [(path, Path(path).stat().st_mtime_ns) for path in _feed_files(settings, region_id)]
    if not files:
        return None
    return _load_reference(tuple(files))


@lru_cache(maxsize=16)
def _load_reference(files: tuple[tuple[str, int], ...]) -> GtfsReference:
    with duckdb.connect() as connection:
        connection.execute(
            "create temp table feed as select entity, entity_id, line, parent_station, _delivery_seq "
            "from read_parquet(?, union_by_name = true)",
            [[path for path, _ in files]],
        )
        lines = connection.execute(
            "select distinct line from feed where entity = 'route' and line is not null"
        ).fetchall()
        stop_areas = connection.execute(
            "select entity_id, coalesce(parent_station, entity_id) from ("  # noqa: S608 - code-owned SQL
            + latest_delivery_rows("(select * from feed where entity = 'stop')", ["entity_id"])
            + ")"
        ).fetchall()
        trip_lines = connection.execute(
            "select entity_id, line from ("  # noqa: S608 - code-owned SQL
            + latest_delivery_rows("(select * from feed where entity = 'trip')", ["entity_id"])
            + ")"
        ).fetchall()
    return GtfsReference(
        lines=frozenset(line for (line,) in lines),
        stops=frozenset(stop for stop, _ in stop_areas),
        trip_lines=dict(trip_lines),
        stop_areas=dict(stop_areas),
    )
