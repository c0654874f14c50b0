"""A deterministic sample GTFS feed for region 0006 (Länstrafiken, Region Jönköpings län).

Shaped like a GTFS Sweden 3 feed as Samtrafiken publishes it: one agency, extended route types (700
city bus, 701 regional bus, 106 regional rail), stop areas (``location_type`` 1, ids ``9021<county>...``)
with two stop points each (``location_type`` 0, ids ``9022<county>...``, lägen A and B), trips in both
directions, ``calendar.txt`` with holiday exceptions in ``calendar_dates.txt``, and a small
``stop_times.txt`` (ingest never reads it). Stops outside the county carry their own county code.

The lines cover every general traffic area of ``seeds/traffic_areas.csv`` for 0006, each line matching
exactly one line pattern of ``seeds/traffic_area_members.csv``: city lines 1-39 (Stadstrafiken),
regional buses 100-399, Krösatåg 71-79, Västtågen 80-84, Kust till kust 85, Öpendeln 86. The ridership
sample draws its lines, stops and trips from :func:`sample_feed`; the zip is also the documented
example, ``docs/extracts/examples/ridership_gtfs_example.zip``.

Bytes are deterministic: fixed member order and timestamps, fixed compression level.
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from samples.tables import table

REGION_ID = "0006"
FEED_FILE = "jlt_gtfs_2020-12-14.zip"
DEFAULT_DELIVERED_AT = datetime(2022, 2, 20, 9, 0, tzinfo=UTC)
FEED_START, FEED_END = "20201214", "20210612"
AGENCY_ID = "505000000000000006"
_ZIP_TIME = (2020, 12, 14, 4, 0, 0)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_FEED_INFO_COLUMNS = ("feed_id", "feed_publisher_name", "feed_publisher_url", "feed_lang")


@dataclass(frozen=True)
class _StopArea:
    """A stop area of ``tables/gtfs_stop_areas.csv`` (county 006 Jönköping; rail reaches 005, 007, 014)."""

    name: str
    lat: float
    lon: float
    county: str


#: Stop areas: name -> (latitude, longitude, county code).
_AREAS: dict[str, tuple[float, float, str]] = {
    x.name: (x.lat, x.lon, x.county) for x in table("ridership", "gtfs_stop_areas", _StopArea)
}


@dataclass(frozen=True)
class _Line:
    line: str
    area: str  # traffic_area_id
    route_type: int
    long_name: str | None
    description: str
    stops: tuple[str, ...]  # stop areas in direction 0
    trips: int
    minutes: int  # between stops


#: route_type, route_desc and minutes between stops of each kind of line (a train's route_desc is its brand).
_KINDS: dict[str, tuple[int, str, int]] = {
    "city": (700, "Stadstrafiken", 4),
    "regional": (701, "Regionbuss", 14),
    "train": (106, "", 12),
}


@dataclass(frozen=True)
class _LineRow:
    """A line of ``tables/gtfs_lines.csv``: city lines 1-39, regional buses 100-399, trains 71-86."""

    line: str
    kind: str  # city, regional or train
    traffic_area: str
    brand: str  # a train's brand ('' for buses)
    trips: int
    stops: tuple[str, ...]  # stop areas in direction 0


def _line(row: _LineRow) -> _Line:
    route_type, description, minutes = _KINDS[row.kind]
    long_name = None
    if row.kind == "train":  # named after its brand and end stations
        long_name = f"{row.brand} {row.stops[0].split()[0]} - {row.stops[-1].split()[0]}"
        description = row.brand
    return _Line(row.line, row.traffic_area, route_type, long_name, description, row.stops, row.trips, minutes)


_LINES: tuple[_Line, ...] = tuple(_line(row) for row in table("ridership", "gtfs_lines", _LineRow))


@dataclass(frozen=True)
class SampleFeed:
    """The sample feed's zip and what the ridership sample needs to know of it."""

    zip_bytes: bytes
    lines_by_area: dict[str, tuple[str, ...]]  # traffic_area_id -> line ids (route_short_name)
    stops_by_line: dict[str, tuple[str, ...]]  # line -> stop_ids it serves (stop points, location_type 0)
    trips_by_line: dict[str, tuple[str, ...]]  # line -> trip_ids


def _area_ids() -> dict[str, str]:
    """Stop area name -> GTFS Sweden 3 style id: 9021 + county + a 6-digit number + 000 (16 digits)."""
    return {
        name: f"9021{county}{4100 + 23 * index:06d}000" for index, (name, (_, _, county)) in enumerate(_AREAS.items())
    }


def _point_id(area_id: str, platform: int) -> str:
    """The stop point (läge) of an area: 9022 + the area's county and number + the läge number."""
    return f"9022{area_id[4:13]}{platform:03d}"


def _route_id(line: str) -> str:
    return f"9011{REGION_ID[1:]}{int(line):04d}00000"


def _trip_id(line: str, index: int) -> str:
    return f"141{REGION_ID[1:]}{int(line):04d}{index:08d}"


def _table(header: tuple[str, ...], rows: list[tuple[object, ...]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _time(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00"


def sample_feed() -> SampleFeed:
    """The sample feed (built once; every call gets its own copies of the lookups)."""
    feed = _build()
    return SampleFeed(
        zip_bytes=feed.zip_bytes,
        lines_by_area=dict(feed.lines_by_area),
        stops_by_line=dict(feed.stops_by_line),
        trips_by_line=dict(feed.trips_by_line),
    )


@cache
def _build() -> SampleFeed:
    areas = _area_ids()
    stops = []
    for name, (lat, lon, _) in _AREAS.items():
        stops.append((areas[name], name, f"{lat:.6f}", f"{lon:.6f}", 1, "", ""))
        for platform, (dlat, dlon) in ((1, (0.00012, -0.00018)), (2, (-0.00012, 0.00018))):
            point = _point_id(areas[name], platform)
            stops.append((point, name, f"{lat + dlat:.6f}", f"{lon + dlon:.6f}", 0, areas[name], "AB"[platform - 1]))

    routes, trips, stop_times = [], [], []
    lines_by_area: dict[str, list[str]] = {}
    stops_by_line: dict[str, tuple[str, ...]] = {}
    trips_by_line: dict[str, tuple[str, ...]] = {}
    for spec in _LINES:
        route_id = _route_id(spec.line)
        routes.append((route_id, AGENCY_ID, spec.line, spec.long_name or "", spec.route_type, spec.description))
        lines_by_area.setdefault(spec.area, []).append(spec.line)
        served: set[str] = set()
        ids = []
        for index in range(spec.trips):
            direction = index % 2
            sequence = spec.stops if direction == 0 else tuple(reversed(spec.stops))
            trip_id = _trip_id(spec.line, index + 1)
            service = "1" if index < spec.trips - 2 else "2"  # the last two trips run at weekends
            trips.append((route_id, service, trip_id, sequence[-1], direction))
            ids.append(trip_id)
            start = 5 * 60 + 20 + 75 * (index // 2) + 7 * int(spec.line) % 30
            for position, area in enumerate(sequence):
                point = _point_id(areas[area], direction + 1)
                served.add(point)
                at = _time(start + position * spec.minutes)
                stop_times.append((trip_id, at, at, point, position + 1))
        stops_by_line[spec.line] = tuple(sorted(served))
        trips_by_line[spec.line] = tuple(ids)

    holidays = ("20201224", "20201225", "20201231", "20210101", "20210106", "20210402", "20210405", "20210513")
    members = {
        "agency.txt": _table(
            ("agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang", "agency_fare_url"),
            [
                (
                    AGENCY_ID,
                    "Länstrafiken Jönköping",
                    "https://www.jlt.se",
                    "Europe/Stockholm",
                    "sv",
                    "https://www.jlt.se/biljetter",
                )
            ],
        ),
        "calendar.txt": _table(
            ("service_id", *_WEEKDAYS, "start_date", "end_date"),
            [("1", 1, 1, 1, 1, 1, 0, 0, FEED_START, FEED_END), ("2", 0, 0, 0, 0, 0, 1, 1, FEED_START, FEED_END)],
        ),
        "calendar_dates.txt": _table(
            ("service_id", "date", "exception_type"),
            [row for day in holidays for row in (("1", day, 2), ("2", day, 1))],
        ),
        "feed_info.txt": _table(
            (*_FEED_INFO_COLUMNS, "feed_start_date", "feed_end_date", "feed_version"),
            [
                (
                    "jlt",
                    "Samtrafiken i Sverige AB",
                    "https://www.samtrafiken.se",
                    "sv",
                    FEED_START,
                    FEED_END,
                    "2020-12-14",
                )
            ],
        ),
        "routes.txt": _table(
            ("route_id", "agency_id", "route_short_name", "route_long_name", "route_type", "route_desc"), routes
        ),
        "stop_times.txt": _table(("trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"), stop_times),
        "stops.txt": _table(
            ("stop_id", "stop_name", "stop_lat", "stop_lon", "location_type", "parent_station", "platform_code"), stops
        ),
        "trips.txt": _table(("route_id", "service_id", "trip_id", "trip_headsign", "direction_id"), trips),
    }
    return SampleFeed(
        zip_bytes=zip_members(members),
        lines_by_area={area: tuple(lines) for area, lines in lines_by_area.items()},
        stops_by_line=stops_by_line,
        trips_by_line=trips_by_line,
    )


def zip_members(members: dict[str, bytes]) -> bytes:
    """A zip of ``members`` with deterministic bytes: sorted names, fixed timestamps, deflate level 9."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            archive.writestr(info, members[name], compresslevel=9)
    return buffer.getvalue()


def write_gtfs_sample(landing_dir: Path, delivered_at: datetime | None = None) -> list[Path]:
    """Write the sample feed to ``landing/gtfs/0006/``; its mtime is the delivery time.

    The default delivery time (2022-02-20 09:00 UTC) lies before the other ridership sample files, so
    ingest loads the feed before the extracts that are checked against it.
    """
    path = Path(landing_dir) / "gtfs" / REGION_ID / FEED_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(sample_feed().zip_bytes)
    timestamp = (delivered_at or DEFAULT_DELIVERED_AT).timestamp()
    os.utime(path, (timestamp, timestamp))
    return [path]
