"""The GTFS static feed on arrival: the sample feed, the contract per member, and the reference union.

Each test delivers a zip into a fresh landing area and checks what reaches the raw layer, or what the
quarantine report says: file, line in the member, column, rule (naming the member) and value.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import duckdb
import pytest

from ingest.landing import ingest_file
from ingest.ridership.common import seed_rows, traffic_area_patterns
from ingest.ridership.gtfs import MODES, ROUTE_TYPE_MODES, GtfsSource, gtfs_reference, route_mode
from ingest.textio import EncodingError, inspect_file
from samples.ridership.gtfs import sample_feed, write_gtfs_sample, zip_members

ROOT = Path(__file__).resolve().parents[1]

AGENCY = (
    "agency_id,agency_name,agency_url,agency_timezone\n1,Länstrafiken Jönköping,https://www.jlt.se,Europe/Stockholm\n"
)
ROUTES = (
    "route_id,agency_id,route_short_name,route_long_name,route_type\n"
    "R1,1,1,,700\n"
    "R71,1,71,Krösatåg Jönköping - Nässjö,106\n"
    "R9,,,Flexlinjen,1501\n"
)
STOPS = (
    "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
    "A1,Jönköping Resecentrum,57.78475,14.16215,1,\n"
    "P1,Jönköping Resecentrum,57.78487,14.16197,0,A1\n"
    "P2,Huskvarna Centrum,57.7862,14.2746,,\n"
)
TRIPS = (
    "route_id,service_id,trip_id,trip_headsign,direction_id\n"
    "R1,1,T1,Huskvarna Centrum,0\n"
    "R71,1,T2,Nässjö resecentrum,1\n"
    "R9,1,T3,,\n"
)
CALENDAR = (
    "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
    "1,1,1,1,1,1,0,0,20200301,20200531\n"
)
#: Never read: not even valid UTF-8, and the feed still loads.
STOP_TIMES = b"trip_id,arrival_time,departure_time,stop_id,stop_sequence\nT1,06:00:00,06:00:00,P1,1\n\xff\xfe\n"


def feed(**members: str | bytes | None) -> bytes:
    """The small feed above as a zip; ``routes=...`` replaces a member, ``routes=None`` drops it."""
    content: dict[str, str | bytes | None] = {
        "agency": AGENCY,
        "routes": ROUTES,
        "stops": STOPS,
        "trips": TRIPS,
        "calendar": CALENDAR,
        "stop_times": STOP_TIMES,
    }
    content.update(members)
    return zip_members(
        {
            f"{name}.txt": text.encode("utf-8") if isinstance(text, str) else text
            for name, text in content.items()
            if text is not None
        }
    )


def deliver(settings, data: bytes, name: str = "feed_2020-03-01.zip", region_id: str = "0006") -> Path:
    path = settings.landing_dir / "gtfs" / region_id / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def load(settings, data: bytes, name: str = "feed_2020-03-01.zip"):
    return ingest_file(deliver(settings, data, name), GtfsSource(), settings)


def query(settings, sql: str) -> list[tuple]:
    """``sql`` over the table ``raw``: every loaded GTFS row of region 0006 (nothing loaded: no rows)."""
    files = sorted((settings.raw_dir / "gtfs" / "0006").glob("*.parquet"))
    if not files:
        return []
    with duckdb.connect() as connection:
        connection.execute("create table raw as select * from read_parquet(?)", [[str(f) for f in files]])
        return connection.execute(sql).fetchall()


def raw_rows(settings, columns: str = "entity, entity_id, line") -> list[tuple]:
    return query(settings, f"select {columns} from raw order by _delivery_seq, source_member, source_line")


def report_of(delivery) -> str:
    return Path(delivery.stored_path + ".report.txt").read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------------------
# The sample feed
# --------------------------------------------------------------------------------------------------


def test_the_sample_feed_loads_into_raw_with_its_rows_per_entity(settings):
    (path,) = write_gtfs_sample(settings.landing_dir)
    assert path == settings.landing_dir / "gtfs" / "0006" / "jlt_gtfs_2020-12-14.zip"
    assert path.stat().st_mtime == dt.datetime(2022, 2, 20, 9, 0, tzinfo=dt.UTC).timestamp()
    with pytest.raises(EncodingError):  # a zip is no text: the source tells ingest that is fine
        inspect_file(path)

    delivery = ingest_file(path, GtfsSource(), settings)

    assert delivery.status == "loaded", delivery.reason
    assert delivery.periods == ("2020-12", "2021-01", "2021-02", "2021-03", "2021-04", "2021-05", "2021-06")
    counts = dict(query(settings, "select entity, count(*) from raw group by entity"))
    assert counts == {"agency": 1, "route": 31, "stop": 201, "trip": 190}
    sample = sample_feed()
    assert counts["route"] == sum(len(lines) for lines in sample.lines_by_area.values())
    assert counts["trip"] == sum(len(trips) for trips in sample.trips_by_line.values())
    assert delivery.rows == sum(counts.values())

    rows = raw_rows(
        settings,
        "entity, entity_id, name, agency_id, route_type, line, direction_id, location_type, parent_station, "
        "feed_start_date, feed_end_date, source_member, source_line",
    )
    by_id = {row[1]: row for row in rows}
    krosatag = next(row for row in rows if row[0] == "route" and row[5] == "71")
    assert krosatag[2:7] == ("Krösatåg Jönköping - Nässjö", "505000000000000006", 106, "71", None)
    city = next(row for row in rows if row[0] == "route" and row[5] == "1")
    assert (city[1], city[2], city[4], city[11], city[12]) == ("9011006000100000", "1", 700, "routes.txt", 2)
    trip = by_id[sample.trips_by_line["1"][1]]
    assert (trip[0], trip[2], trip[5], trip[6]) == ("trip", "Råslätt centrum", "1", 1)
    point = by_id[sample.stops_by_line["71"][0]]
    assert point[7] == 0 and by_id[point[8]][7] == 1 and by_id[point[8]][2] == point[2]
    assert {(row[9], row[10]) for row in rows} == {(dt.date(2020, 12, 14), dt.date(2021, 6, 12))}


def test_the_sample_lines_cover_every_general_traffic_area_each_line_exactly_one(settings):
    sample = sample_feed()
    general = {
        row["traffic_area_id"]
        for row in seed_rows(settings, "traffic_areas", "0006")
        if row["region_id"] == "0006" and row["service_kind"] == "general"
    }
    assert set(sample.lines_by_area) == general
    patterns = traffic_area_patterns(settings, "0006", "line")
    for area, lines in sample.lines_by_area.items():
        for line in lines:
            matches = [a for a, pattern in patterns if pattern.fullmatch(line)]
            assert matches == [area], (line, matches)
    assert 8 <= len(sample.lines_by_area["stadstrafiken_jkp"]) <= 12
    assert 12 <= len(sample.lines_by_area["regionbussar"]) <= 16
    assert 3 <= len(sample.lines_by_area["krosatag"]) <= 5
    assert 1 <= len(sample.lines_by_area["vasttagen"]) <= 2
    assert sample.lines_by_area["kust_till_kust"] == ("85",)
    assert sample.lines_by_area["opendeln"] == ("86",)


def test_the_sample_lookups_agree_with_the_zip():
    sample = sample_feed()
    archive = zipfile.ZipFile(io.BytesIO(sample.zip_bytes))
    assert archive.namelist() == sorted(archive.namelist())
    assert {"stop_times.txt", "calendar.txt"} <= set(archive.namelist())
    members = {
        name: list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8")))) for name in archive.namelist()
    }
    route_line = {r["route_id"]: r["route_short_name"] for r in members["routes.txt"]}
    stops = {s["stop_id"]: s for s in members["stops.txt"]}
    trips = {t["trip_id"]: route_line[t["route_id"]] for t in members["trips.txt"]}
    served: dict[str, set[str]] = {}
    for stop_time in members["stop_times.txt"]:
        served.setdefault(trips[stop_time["trip_id"]], set()).add(stop_time["stop_id"])

    assert {r["agency_name"] for r in members["agency.txt"]} == {"Länstrafiken Jönköping"}
    assert {int(r["route_type"]) for r in members["routes.txt"]} == {700, 701, 106}
    assert sorted(route_line.values()) == sorted(line for lines in sample.lines_by_area.values() for line in lines)
    for line, stop_ids in sample.stops_by_line.items():
        assert 4 <= len(stop_ids) <= 12
        assert set(stop_ids) == served[line]
        for stop_id in stop_ids:
            assert re.fullmatch(r"9022\d{12}", stop_id) and stops[stop_id]["location_type"] == "0"
            assert re.fullmatch(r"9021\d{12}", stops[stop_id]["parent_station"])
    for line, trip_ids in sample.trips_by_line.items():
        assert 4 <= len(trip_ids) <= 10
        assert {trips[t] for t in trip_ids} == {line}
    assert sample_feed().zip_bytes == sample.zip_bytes


def test_the_documented_example_is_the_sample_feed():
    example = zipfile.ZipFile(ROOT / "docs" / "extracts" / "examples" / "ridership_gtfs_example.zip")
    sample = zipfile.ZipFile(io.BytesIO(sample_feed().zip_bytes))
    assert example.namelist() == sample.namelist()
    for name in sample.namelist():
        assert example.read(name) == sample.read(name), name


# --------------------------------------------------------------------------------------------------
# The contract
# --------------------------------------------------------------------------------------------------


def test_a_small_feed_loads_with_lines_from_short_name_or_route_id_and_its_calendar_range(settings):
    delivery = load(settings, feed())
    assert delivery.status == "loaded", delivery.reason
    assert delivery.periods == ("2020-03", "2020-04", "2020-05")
    assert raw_rows(settings, "entity, entity_id, name, agency_id, line, direction_id, location_type") == [
        ("agency", "1", "Länstrafiken Jönköping", "1", None, None, None),
        ("route", "R1", "1", "1", "1", None, None),
        ("route", "R71", "Krösatåg Jönköping - Nässjö", "1", "71", None, None),
        ("route", "R9", "Flexlinjen", "1", "R9", None, None),  # the only agency; no short name: route_id
        ("stop", "A1", "Jönköping Resecentrum", None, None, None, 1),
        ("stop", "P1", "Jönköping Resecentrum", None, None, None, 0),
        ("stop", "P2", "Huskvarna Centrum", None, None, None, 0),  # empty location_type = 0
        ("trip", "T1", "Huskvarna Centrum", None, "1", 0, None),
        ("trip", "T2", "Nässjö resecentrum", None, "71", 1, None),
        ("trip", "T3", None, None, "R9", None, None),
    ]
    assert query(settings, "select distinct feed_start_date, feed_end_date from raw") == [
        (dt.date(2020, 3, 1), dt.date(2020, 5, 31))
    ]


def test_a_feed_without_dates_loads_with_no_periods(settings):
    delivery = load(settings, feed(calendar=None))
    assert delivery.status == "loaded", delivery.reason
    assert delivery.periods == ()
    assert query(settings, "select distinct feed_start_date, feed_end_date from raw") == [(None, None)]


def test_bom_crlf_and_quoted_fields_are_read(settings):
    def windows(text: str) -> bytes:
        return b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8")

    stops = STOPS.replace("P2,Huskvarna Centrum,", 'P2,"Huskvarna, Centrum ""Esplanaden""",')
    info = "feed_publisher_name,feed_publisher_url,feed_lang,feed_start_date,feed_end_date\nX,https://x.se,sv,20200401,20200415\n"
    delivery = load(
        settings, feed(agency=windows(AGENCY), routes=windows(ROUTES), stops=windows(stops), feed_info=windows(info))
    )
    assert delivery.status == "loaded", delivery.reason
    assert delivery.periods == ("2020-04",)  # feed_info's range, before the calendar's
    rows = raw_rows(settings, "entity_id, name, stop_lat, source_member, source_line")
    assert ("1", "Länstrafiken Jönköping", None, "agency.txt", 2) in rows  # header found despite the BOM
    assert ("P2", 'Huskvarna, Centrum "Esplanaden"', 57.7862, "stops.txt", 4) in rows
    assert ("R9", "Flexlinjen", None, "routes.txt", 4) in rows


BAD_CASES = {
    "missing member": (
        {"trips": None},
        ["required member trips.txt is missing from the zip"],
    ),
    "member in a subfolder": (
        {"routes": None, "gtfs/routes": ROUTES},
        ["required member routes.txt is missing from the zip (found gtfs/routes.txt: GTFS files lie at the root"],
    ),
    "missing column": (
        {"routes": "route_id,agency_id,route_short_name\nR1,1,1\nR71,1,71\nR9,1,9\n"},
        ["line 1, column route_type: routes.txt: required column route_type is missing from the header"],
    ),
    "no name column": (
        {"routes": "route_id,route_type\nR1,700\n"},
        ["line 1, column route_short_name, route_long_name: routes.txt: one of the columns route_short_name or"],
    ),
    "duplicate id": (
        {"stops": STOPS + "P1,Huskvarna Esplanaden,57.7897,14.2814,0,\n"},
        [
            "line 3, column stop_id: stops.txt: stop_id must be unique (it appears on more than one row)  [value: P1]",
            "line 5, column stop_id: stops.txt: stop_id must be unique (it appears on more than one row)  [value: P1]",
        ],
    ),
    "trip with unknown route": (
        {"trips": TRIPS + "R404,1,T4,Gränna,0\n"},
        ["line 5, column route_id: trips.txt: route_id must be a route_id of routes.txt  [value: R404]"],
    ),
    "unknown parent_station": (
        {"stops": STOPS + "P3,Nässjö resecentrum,57.6525,14.6968,0,A9\n"},
        ["line 5, column parent_station: stops.txt: parent_station must be a stop_id of stops.txt  [value: A9]"],
    ),
    "bad route_type": (
        {"routes": ROUTES.replace("R71,1,71,Krösatåg Jönköping - Nässjö,106", "R71,1,71,Krösatåg,3000")},
        ["line 3, column route_type: routes.txt: route_type must be a GTFS route type: basic (0-7, 11, 12)"],
    ),
    "route without a name": (
        {"routes": ROUTES + "R10,1,,,700\n"},
        ["line 5, column route_short_name, route_long_name: routes.txt: route_short_name or route_long_name is"],
    ),
    "non-UTF-8 member": (
        {"stops": STOPS.encode("cp1252")},
        [
            "line 2: stops.txt must be UTF-8 encoded (GTFS requires it; was it saved as Windows-1252?)"
            "  [value: byte 0xf6 in A1,J\ufffdnk\ufffdping Resecentrum,57.78475"
        ],
    ),
    "stop point without a name or coordinates": (
        {"stops": STOPS + "P4,,,,0,\n"},
        [
            "line 5, column stop_name: stops.txt: stop_name is required for stops, stations and entrances",
            "line 5, column stop_lat: stops.txt: stop_lat is required for stops, stations and entrances",
        ],
    ),
    "coordinates out of range or unreadable": (
        {"stops": STOPS + 'P5,Eksjö resecentrum,97.66,14.97,0,\nP6,Tranås resecentrum,58.04,"14,98",0,\n'},
        [
            "line 5, column stop_lat: stops.txt: stop_lat must be within -90 to 90  [value: 97,66]",
            "line 6, column stop_lon: stops.txt: stop_lon must be a decimal number (degrees, e.g. 14.1618)"
            "  [value: 14,98]",
        ],
    ),
    "bad location_type and direction_id": (
        {"stops": STOPS + "P7,Vetlanda resecentrum,57.43,15.09,7,\n", "trips": TRIPS + "R1,1,T5,Råslätt,2\n"},
        [
            "line 5, column location_type: stops.txt: location_type must be 0-4",
            "line 5, column direction_id: trips.txt: direction_id must be 0 or 1  [value: 2]",
        ],
    ),
    "routes of several agencies": (
        {
            "agency": AGENCY + "2,Västtrafik,https://www.vasttrafik.se,Europe/Stockholm\n",
            "routes": ROUTES + "R81,3,81,,106\n",
        },
        [
            "line 4, column agency_id: routes.txt: agency_id is required when agency.txt has more than one agency",
            "line 5, column agency_id: routes.txt: agency_id must be an agency_id of agency.txt  [value: 3]",
        ],
    ),
    "row with too many fields": (
        {"trips": TRIPS + "R1,1,T6,Råslätt,0,extra\n"},
        ["line 5: trips.txt: the row has 6 fields, the header has 5"],
    ),
    "bad calendar date": (
        {"calendar": CALENDAR.replace("20200531", "2020-05-31")},
        ["line 2, column end_date: calendar.txt: end_date must be a date YYYYMMDD  [value: 2020-05-31]"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_a_broken_feed_is_quarantined_with_member_line_rule_and_value(settings, case):
    members, expected = BAD_CASES[case]
    delivery = load(settings, feed(**members), name="broken.zip")
    assert delivery.status == "quarantined"
    assert raw_rows(settings) == []
    text = report_of(delivery)
    for line in expected:
        assert f"broken.zip, {line}" in text, text


def test_a_file_that_is_not_a_zip_is_quarantined(settings):
    path = deliver(settings, ROUTES.encode("utf-8"), name="routes.zip")
    assert GtfsSource().reads_own_encoding(path)
    delivery = ingest_file(path, GtfsSource(), settings)
    assert delivery.status == "quarantined"
    assert "routes.zip, the file is not a readable zip archive (File is not a zip file)" in report_of(delivery)
    text_file = deliver(settings, ROUTES.encode("utf-8"), name="routes.txt")
    assert not GtfsSource().reads_own_encoding(text_file)


# --------------------------------------------------------------------------------------------------
# The reference: the union of the delivered feeds
# --------------------------------------------------------------------------------------------------


def test_gtfs_reference_is_the_union_of_the_feeds_and_the_later_delivery_names_a_trip_line(settings):
    assert gtfs_reference(settings, "0006") is None
    assert load(settings, feed()).status == "loaded"

    first = gtfs_reference(settings, "0006")
    assert first is not None
    assert first.lines == frozenset({"1", "71", "R9"})
    assert first.stops == frozenset({"A1", "P1", "P2"})
    assert first.trip_lines == {"T1": "1", "T2": "71", "T3": "R9"}
    assert first.stop_areas == {"A1": "A1", "P1": "A1", "P2": "P2"}
    assert gtfs_reference(settings, "0006") is first  # cached while the raw files are unchanged

    # A later feed: line 1 is gone, T1 now runs on the new line 3, P2 got a stop area.
    later = feed(
        routes="route_id,agency_id,route_short_name,route_long_name,route_type\nR3,1,3,,700\n",
        stops=STOPS.replace("P2,Huskvarna Centrum,57.7862,14.2746,,", "P2,Huskvarna Centrum,57.7862,14.2746,0,A2")
        + "A2,Huskvarna Centrum,57.7860,14.2745,1,\n",
        trips="route_id,service_id,trip_id\nR3,1,T1\nR3,1,T9\n",
    )
    assert load(settings, later, name="feed_2020-06-01.zip").status == "loaded"

    union = gtfs_reference(settings, "0006")
    assert union is not first
    assert union.lines == frozenset({"1", "3", "71", "R9"})  # line 1 stays: older ridership names it
    assert union.stops == frozenset({"A1", "A2", "P1", "P2"})
    assert union.trip_lines == {"T1": "3", "T2": "71", "T3": "R9", "T9": "3"}
    assert union.stop_areas["P2"] == "A2"
    assert gtfs_reference(settings, "0013") is None


# --------------------------------------------------------------------------------------------------
# Route types
# --------------------------------------------------------------------------------------------------


def test_the_route_type_seed_and_route_mode_agree():
    with (ROOT / "dbt_project" / "seeds" / "gtfs_route_types.csv").open(encoding="utf-8", newline="") as handle:
        seed = {int(row["route_type"]): row for row in csv.DictReader(handle)}
    assert set(seed) == set(ROUTE_TYPE_MODES)
    for route_type, row in seed.items():
        assert row["mode"] == route_mode(route_type), route_type
        assert row["mode"] in MODES and row["route_type_name_en"]
    assert {t for t in seed if t < 100} == {0, 1, 2, 3, 4, 5, 6, 7, 11, 12}
    swedish = {700: "bus", 701: "bus", 100: "rail", 101: "rail", 102: "rail", 106: "rail", 401: "metro"}
    swedish |= {900: "tram", 1000: "ferry", 1501: "demand_responsive", 717: "demand_responsive"}
    assert {t: route_mode(t) for t in swedish} == swedish
    for unknown in (8, 99, 118, 718, 1600, 3000):
        with pytest.raises(ValueError, match="not a GTFS basic or extended route type"):
            route_mode(unknown)
