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

REGION_ID = "0006"
FEED_FILE = "jlt_gtfs_2020-12-14.zip"
DEFAULT_DELIVERED_AT = datetime(2022, 2, 20, 9, 0, tzinfo=UTC)
FEED_START, FEED_END = "20201214", "20210612"
AGENCY_ID = "505000000000000006"
_ZIP_TIME = (2020, 12, 14, 4, 0, 0)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_FEED_INFO_COLUMNS = ("feed_id", "feed_publisher_name", "feed_publisher_url", "feed_lang")

#: Stop areas: name -> (latitude, longitude, county code). County 06 unless given.
_AREAS: dict[str, tuple[float, float, str]] = {
    # Jönköping and Huskvarna (city traffic)
    "Jönköping Resecentrum": (57.784750, 14.162150, "006"),
    "Jönköping Juneporten": (57.781900, 14.155300, "006"),
    "Jönköping Hovrättstorget": (57.783100, 14.168400, "006"),
    "Jönköping Västra torget": (57.779600, 14.145100, "006"),
    "Jönköping Ryhov": (57.765800, 14.195900, "006"),
    "Jönköping Högskolan": (57.778300, 14.161900, "006"),
    "Kungsängen": (57.772200, 14.176000, "006"),
    "Råslätt centrum": (57.739200, 14.138400, "006"),
    "Ekhagen": (57.764500, 14.212400, "006"),
    "Tokarp": (57.776400, 14.109800, "006"),
    "Bymarken": (57.771000, 14.131900, "006"),
    "Österängen": (57.771600, 14.216200, "006"),
    "Kortebo": (57.793500, 14.216800, "006"),
    "Mariebo": (57.767200, 14.131000, "006"),
    "Torpa": (57.775400, 14.198000, "006"),
    "Dalvik": (57.793200, 14.195000, "006"),
    "Ljungarum": (57.748800, 14.187100, "006"),
    "Hovslätt": (57.731100, 14.130600, "006"),
    "Huskvarna Centrum": (57.786200, 14.274600, "006"),
    "Huskvarna Esplanaden": (57.789700, 14.281400, "006"),
    "Huskvarna Öxnehaga": (57.777300, 14.254800, "006"),
    "Huskvarna Stensholm": (57.795500, 14.291000, "006"),
    "Norrahammar centrum": (57.701100, 14.106900, "006"),
    "Taberg centrum": (57.679600, 14.085800, "006"),
    # the rest of the county
    "Bankeryd centrum": (57.861300, 14.124800, "006"),
    "Habo busstation": (57.906900, 14.074500, "006"),
    "Mullsjö station": (57.916400, 13.877900, "006"),
    "Ölmstad": (57.908300, 14.393700, "006"),
    "Gränna busstation": (58.025500, 14.461500, "006"),
    "Tenhult": (57.704800, 14.320600, "006"),
    "Forserum": (57.699900, 14.473700, "006"),
    "Nässjö resecentrum": (57.652500, 14.696800, "006"),
    "Malmbäck": (57.579000, 14.462500, "006"),
    "Bodafors": (57.504300, 14.695500, "006"),
    "Sävsjö station": (57.403400, 14.663400, "006"),
    "Stockaryd": (57.316200, 14.589400, "006"),
    "Vrigstad": (57.355700, 14.470600, "006"),
    "Landsbro": (57.370000, 14.900000, "006"),
    "Vetlanda resecentrum": (57.427600, 15.085200, "006"),
    "Ekenässjön": (57.495000, 15.010000, "006"),
    "Hult": (57.645000, 14.855000, "006"),
    "Eksjö resecentrum": (57.666400, 14.970700, "006"),
    "Ingatorp": (57.636000, 15.418000, "006"),
    "Aneby station": (57.838500, 14.810000, "006"),
    "Gripenberg": (57.955000, 14.840000, "006"),
    "Frinnaryd": (57.930000, 14.810000, "006"),
    "Tranås resecentrum": (58.037200, 14.978200, "006"),
    "Vaggeryd resecentrum": (57.497600, 14.147000, "006"),
    "Skillingaryd resecentrum": (57.432500, 14.090700, "006"),
    "Värnamo resecentrum": (57.186000, 14.040000, "006"),
    "Forsheda": (57.170000, 13.830000, "006"),
    "Bredaryd": (57.170000, 13.740000, "006"),
    "Smålandsstenar": (57.163000, 13.412000, "006"),
    "Gislaved busstation": (57.304400, 13.540300, "006"),
    "Anderstorp": (57.283300, 13.633300, "006"),
    "Gnosjö busstation": (57.359000, 13.737000, "006"),
    "Hillerstorp": (57.313000, 13.880000, "006"),
    "Hestra": (57.443000, 13.595000, "006"),
    "Burseryd": (57.210000, 13.280000, "006"),
    # neighbouring counties (rail)
    "Falköping resecentrum": (58.174000, 13.552000, "014"),
    "Borås resecentrum": (57.721000, 12.940100, "014"),
    "Limmared": (57.535000, 13.355000, "014"),
    "Alvesta station": (56.899000, 14.556000, "007"),
    "Växjö resecentrum": (56.877700, 14.809100, "007"),
    "Boxholm station": (58.195000, 15.051000, "005"),
    "Mjölby resecentrum": (58.324600, 15.129000, "005"),
    "Linköping resecentrum": (58.416400, 15.625300, "005"),
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


def _city(line: str, *stops: str, trips: int = 8) -> _Line:
    return _Line(line, "stadstrafiken_jkp", 700, None, "Stadstrafiken", stops, trips, 4)


def _regional(line: str, *stops: str, trips: int = 6) -> _Line:
    return _Line(line, "regionbussar", 701, None, "Regionbuss", stops, trips, 14)


def _train(line: str, area: str, brand: str, *stops: str, trips: int = 6) -> _Line:
    long_name = f"{brand} {stops[0].split()[0]} - {stops[-1].split()[0]}"
    return _Line(line, area, 106, long_name, brand, stops, trips, 12)


_LINES: tuple[_Line, ...] = (
    # Stadstrafiken Jönköping (lines 1-39)
    _city(
        "1",
        "Råslätt centrum",
        "Jönköping Juneporten",
        "Jönköping Resecentrum",
        "Jönköping Hovrättstorget",
        "Huskvarna Esplanaden",
        "Huskvarna Öxnehaga",
        trips=10,
    ),
    _city("2", "Ekhagen", "Jönköping Ryhov", "Jönköping Resecentrum", "Jönköping Juneporten", "Norrahammar centrum"),
    _city("3", "Tokarp", "Bymarken", "Jönköping Resecentrum", "Österängen", "Kortebo", trips=10),
    _city(
        "4",
        "Jönköping Resecentrum",
        "Jönköping Hovrättstorget",
        "Jönköping Ryhov",
        "Huskvarna Centrum",
        "Huskvarna Esplanaden",
    ),
    _city("11", "Mariebo", "Jönköping Västra torget", "Jönköping Resecentrum", "Torpa"),
    _city("12", "Dalvik", "Jönköping Resecentrum", "Ljungarum", "Hovslätt"),
    _city("14", "Råslätt centrum", "Hovslätt", "Ljungarum", "Jönköping Ryhov", trips=6),
    _city("16", "Jönköping Resecentrum", "Kungsängen", "Jönköping Högskolan", "Bymarken", trips=6),
    _city("21", "Huskvarna Centrum", "Huskvarna Öxnehaga", "Huskvarna Stensholm", "Huskvarna Esplanaden", trips=6),
    _city("27", "Jönköping Resecentrum", "Jönköping Juneporten", "Mariebo", "Tokarp", trips=4),
    # Regionbussar (lines 100-399)
    _regional("101", "Jönköping Resecentrum", "Huskvarna Centrum", "Ölmstad", "Gränna busstation"),
    _regional("102", "Jönköping Resecentrum", "Bankeryd centrum", "Habo busstation", "Mullsjö station"),
    _regional("110", "Jönköping Resecentrum", "Tenhult", "Forserum", "Nässjö resecentrum", trips=8),
    _regional(
        "111",
        "Jönköping Resecentrum",
        "Norrahammar centrum",
        "Taberg centrum",
        "Vaggeryd resecentrum",
        "Skillingaryd resecentrum",
    ),
    _regional(
        "120",
        "Jönköping Resecentrum",
        "Vaggeryd resecentrum",
        "Skillingaryd resecentrum",
        "Värnamo resecentrum",
        trips=8,
    ),
    _regional("121", "Värnamo resecentrum", "Forsheda", "Bredaryd", "Smålandsstenar", "Gislaved busstation"),
    _regional("125", "Gislaved busstation", "Anderstorp", "Gnosjö busstation", "Hillerstorp", "Värnamo resecentrum"),
    _regional("130", "Nässjö resecentrum", "Hult", "Eksjö resecentrum", "Ingatorp", trips=4),
    _regional("150", "Jönköping Resecentrum", "Huskvarna Centrum", "Aneby station", "Tranås resecentrum"),
    _regional("160", "Nässjö resecentrum", "Malmbäck", "Bodafors", "Sävsjö station", trips=4),
    _regional("200", "Vetlanda resecentrum", "Ekenässjön", "Ingatorp", "Eksjö resecentrum", trips=4),
    _regional("210", "Vetlanda resecentrum", "Landsbro", "Sävsjö station", "Vrigstad", trips=4),
    _regional("301", "Gislaved busstation", "Hestra", "Burseryd", "Smålandsstenar", trips=4),
    _regional("320", "Tranås resecentrum", "Gripenberg", "Frinnaryd", "Aneby station", trips=4),
    # Krösatåg (71-79)
    _train("71", "krosatag", "Krösatåg", "Jönköping Resecentrum", "Tenhult", "Forserum", "Nässjö resecentrum", trips=8),
    _train("72", "krosatag", "Krösatåg", "Nässjö resecentrum", "Hult", "Eksjö resecentrum", "Ingatorp"),
    _train(
        "73",
        "krosatag",
        "Krösatåg",
        "Jönköping Resecentrum",
        "Vaggeryd resecentrum",
        "Skillingaryd resecentrum",
        "Värnamo resecentrum",
    ),
    _train(
        "74",
        "krosatag",
        "Krösatåg",
        "Nässjö resecentrum",
        "Bodafors",
        "Sävsjö station",
        "Stockaryd",
        "Alvesta station",
    ),
    # Västtågen (80-84), Kust till kust (85), Öpendeln (86)
    _train(
        "81",
        "vasttagen",
        "Västtågen",
        "Jönköping Resecentrum",
        "Bankeryd centrum",
        "Habo busstation",
        "Mullsjö station",
        "Falköping resecentrum",
    ),
    _train(
        "85",
        "kust_till_kust",
        "Kust till kust",
        "Borås resecentrum",
        "Limmared",
        "Värnamo resecentrum",
        "Alvesta station",
        "Växjö resecentrum",
        trips=4,
    ),
    _train(
        "86",
        "opendeln",
        "Öpendeln",
        "Tranås resecentrum",
        "Boxholm station",
        "Mjölby resecentrum",
        "Linköping resecentrum",
        trips=4,
    ),
)


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
