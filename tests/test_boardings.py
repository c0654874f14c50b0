"""The boardings extract on arrival: validations and counts, checked against GTFS, products and the period.

Each test delivers the sample GTFS feed first (the lines, stops and trips a boardings file may name),
then boardings files into a fresh landing area, and checks what reaches the raw layer, what is
quarantined and what the report says: file, line, column, rule.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import shutil
from pathlib import Path

import pytest

from ingest.landing import ingest_file, ingest_landing
from ingest.ledger import open_ledger
from ingest.ridership.boardings import BoardingSource
from regionkpi.settings import load_settings
from samples.ridership.gtfs import sample_feed, write_gtfs_sample, zip_members
from tests.extract_fixtures import assert_reported, raw_rows_of

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "extracts" / "examples"
SOURCE = "ridership_boardings"

FEED = sample_feed()
TRIP_1, TRIP_1_BACK = FEED.trips_by_line["1"][:2]  # line 1: Råslätt centrum -> Huskvarna Öxnehaga and back
TRIP_101 = FEED.trips_by_line["101"][0]
RESECENTRUM_A, RESECENTRUM_B = "9022006004100001", "9022006004100002"  # Jönköping Resecentrum, lägen A and B
ESPLANADEN = "9022006004537001"  # Huskvarna Esplanaden (line 1)
HUSKVARNA = "9022006004514001"  # Huskvarna Centrum (line 101)
UNKNOWN_STOP = "9022006009999001"
UNKNOWN_TRIP = "141006000100999999"

VALIDATION_HEADER = "Tidpunkt;Linje;Tur;Hållplats;Biljettprodukt;Valideringstyp;Transaktion;Källa\n"
COUNT_HEADER = "Trafikdag;Linje;Tur;Hållplats;Biljettprodukt;Påstigande;Avstigande;Källa\n"
RAW_COLUMNS = (
    "service_date, validated_at, line, trip_id, stop_id, product, validation_type, boardings, alightings, "
    "count_source, layout, period_start, period_end, source_line"
)
DAY = (dt.date(2020, 3, 2), dt.date(2020, 3, 2))
MARCH = (dt.date(2020, 3, 1), dt.date(2020, 3, 31))


def test_the_constants_name_lines_stops_and_trips_of_the_sample_feed():
    assert {RESECENTRUM_A, RESECENTRUM_B, ESPLANADEN} <= set(FEED.stops_by_line["1"])
    assert {RESECENTRUM_A, HUSKVARNA} <= set(FEED.stops_by_line["101"])
    assert UNKNOWN_STOP not in {stop for stops in FEED.stops_by_line.values() for stop in stops}
    assert UNKNOWN_TRIP not in {trip for trips in FEED.trips_by_line.values() for trip in trips}


def local(text: str) -> dt.datetime:
    """A timestamp as the raw layer keeps it: local time, no zone."""
    return dt.datetime.fromisoformat(text)


def write(settings, name: str, text: str | bytes, encoding: str = "utf-8", source: str = SOURCE) -> Path:
    """Write a file into ``landing/<source>/0006/`` and return its path."""
    path = settings.landing_dir / source / "0006" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding=encoding, newline="")
    return path


@pytest.fixture(scope="module")
def feed_warehouse(tmp_path_factory) -> Path:
    """The sample GTFS feed delivered and ingested once: a warehouse (raw layer and ledger) to start from."""
    settings = load_settings(
        {"REGIONKPI_ROOT": str(tmp_path_factory.mktemp("feed")), "REGIONKPI_PSEUDONYM_KEY": "test-key-only-for-tests"}
    )
    write_gtfs_sample(settings.landing_dir)
    assert ingest_landing(settings).count("loaded") == 1
    return settings.warehouse_dir


@pytest.fixture
def deliver(settings, feed_warehouse):
    """A landing area where region 0006's sample GTFS feed is ingested; returns a file writer."""
    shutil.copytree(feed_warehouse, settings.warehouse_dir)
    assert [d.status for d in open_ledger(settings).deliveries("gtfs")] == ["loaded"]

    def deliver_file(name: str, text: str | bytes, encoding: str = "utf-8") -> Path:
        return write(settings, name, text, encoding)

    return deliver_file


def raw_rows(settings, columns: str = RAW_COLUMNS) -> list[tuple]:
    return raw_rows_of(settings.raw_dir, SOURCE, columns)


def report_of(delivery) -> str:
    return Path(delivery.stored_path + ".report.txt").read_text(encoding="utf-8")


def assert_nothing_loaded(settings) -> None:
    assert list((settings.raw_dir / SOURCE).rglob("0006/*")) == []


# --------------------------------------------------------------------------------------------------
# Validations: one row per validation
# --------------------------------------------------------------------------------------------------


def reference_violations(name: str, *, source: str) -> list[str]:
    """The messages of lines 3-8 that both broken-file tests share: the rows GTFS, the product seed and
    the Källa vocabulary reject (line 8 holds the unknown Källa ``source``)."""
    return [
        f"{name}, line 3, column Linje: Linje is not a line (route_short_name) of the region's GTFS feeds  "
        "[value: 555]",
        f"{name}, line 4, column Hållplats: Hållplats is not a stop_id of the region's GTFS feeds  "
        f"[value: {UNKNOWN_STOP}]",
        f"{name}, line 5, column Tur: Tur is not a trip_id of the region's GTFS feeds  [value: {UNKNOWN_TRIP}]",
        f"{name}, line 6, column Tur, Linje: Tur runs on another line than Linje (GTFS trips.txt)  "
        f"[value: Tur {TRIP_1} runs on line 1, not 2]",
        f"{name}, line 7, column Biljettprodukt: Biljettprodukt is not a product_code of seeds/ticket_products.csv "
        "for the region  [value: GULDKORT]",
        f"{name}, line 8, column Källa: Källa must be validation, counter or estimate (validering, räknare, "
        f"skattning)  [value: {source}]",
    ]


def test_a_validation_file_loads_one_boarding_per_row_on_its_traffic_day(settings, deliver):
    path = deliver(
        "valideringar_2020-03-02.csv",
        "Tidpunkt;Linje;Tur;Hållplats;Biljettprodukt;Valideringstyp;Transaktion;Källa;Fordon\n"
        f"2020-03-02 07:15:03;1;{TRIP_1};{RESECENTRUM_A};REKASSA;kortläsare;T-1;validering;5012\n"
        f"2020-03-02T16:05;101;;{HUSKVARNA};SKOLKORT;QR-kod;;Validation;5013\n"
        "\n"
        f"2020-03-03 00:40:00;1;{TRIP_1_BACK};{RESECENTRUM_B};APP;app;T-2; VALIDERING ;5012\n"
        f"2020-03-03 03:59:59;1;;{ESPLANADEN};ENKEL;;;validering;\n",
    )
    delivery = ingest_file(path, BoardingSource(), settings)
    assert delivery.status == "loaded", delivery.reason
    assert delivery.periods == ("2020-03",)
    assert delivery.rows == 4
    assert delivery.reason == "ignored columns: Fordon"
    assert raw_rows(settings) == [
        (DAY[0], local("2020-03-02 07:15:03"), "1", TRIP_1, RESECENTRUM_A, "REKASSA", "kortläsare", 1, None,
         "validation", "validation", *DAY, 2),
        (DAY[0], local("2020-03-02 16:05:00"), "101", None, HUSKVARNA, "SKOLKORT", "QR-kod", 1, None,
         "validation", "validation", *DAY, 3),
        # before 04:00 a validation belongs to the traffic day before
        (DAY[0], local("2020-03-03 00:40:00"), "1", TRIP_1_BACK, RESECENTRUM_B, "APP", "app", 1, None,
         "validation", "validation", *DAY, 5),
        (DAY[0], local("2020-03-03 03:59:59"), "1", None, ESPLANADEN, "ENKEL", None, 1, None,
         "validation", "validation", *DAY, 6),
    ]  # fmt: skip


def test_a_cp1252_validation_file_with_trafikdag_keeps_the_delivered_day(settings, deliver):
    path = deliver(
        "valideringar_202003.csv",
        "Trafikdag;Tidpunkt;Linje;Hållplats;Biljettprodukt;Valideringstyp;Källa\r\n"
        f"2020-03-02;2020-03-03 05:59:59;1;{RESECENTRUM_A};PERIOD30;kortläsare;Validering\r\n"
        f"20200331;2020-03-31 00:00:00;101;{HUSKVARNA};FRIBILJETT;kortläsare;validering\r\n"
        f";2020-03-31 23:59:59;1;{ESPLANADEN};REKASSA;kortläsare;validering\r\n",
        encoding="cp1252",
    )
    delivery = ingest_file(path, BoardingSource(), settings)
    assert delivery.status == "loaded", delivery.reason
    assert delivery.encoding == "cp1252"
    assert raw_rows(settings, "service_date, validated_at, stop_id, validation_type, period_start, period_end") == [
        (dt.date(2020, 3, 2), local("2020-03-03 05:59:59"), RESECENTRUM_A, "kortläsare", *MARCH),
        (dt.date(2020, 3, 31), local("2020-03-31 00:00:00"), HUSKVARNA, "kortläsare", *MARCH),
        (dt.date(2020, 3, 31), local("2020-03-31 23:59:59"), ESPLANADEN, "kortläsare", *MARCH),
    ]


def test_a_broken_validation_file_names_each_rule_with_file_line_column_and_value(settings, deliver):
    ok = f"1;{TRIP_1};{RESECENTRUM_A};REKASSA"  # Linje;Tur;Hållplats;Biljettprodukt
    path = deliver(
        "valideringar_2020-03-02.csv",
        "Trafikdag;Tidpunkt;Linje;Tur;Hållplats;Biljettprodukt;Transaktion;Källa\n"
        f";2020-03-02 07:00:00;{ok};T-1;validering\n"  # line 2: clean
        f";2020-03-02 07:01:00;555;;{RESECENTRUM_A};REKASSA;T-2;validering\n"
        f";2020-03-02 07:02:00;1;;{UNKNOWN_STOP};REKASSA;T-3;validering\n"
        f";2020-03-02 07:03:00;1;{UNKNOWN_TRIP};{RESECENTRUM_A};REKASSA;T-4;validering\n"
        f";2020-03-02 07:04:00;2;{TRIP_1};{RESECENTRUM_A};REKASSA;T-5;validering\n"
        f";2020-03-02 07:05:00;1;;{RESECENTRUM_A};GULDKORT;T-6;validering\n"
        f";2020-03-02 07:06:00;{ok};T-7;kassa\n"
        f";2020-03-02 00:40:00;{ok};T-8;validering\n"  # line 9: traffic day 2020-03-01
        f"2020-03-02;2020-03-03 06:00:00;{ok};T-9;validering\n"
        f"2020-03-02;2020-03-01 23:59:59;{ok};T-10;validering\n"
        f";2020-03-02 07:10:00;{ok};T-1;validering\n"  # line 12, in the second chunk of eight rows
        f";2020-03-02 07:11:00;;;{RESECENTRUM_A};REKASSA;T-12;validering\n"
        f";2020-03-02 07:12:00;1;;;REKASSA;T-13;validering\n"
        f";2020-03-02 07:13:00;1;;{RESECENTRUM_A};;T-14;validering\n"
        f";2020-03-02 07:14:00;{ok};T-15;\n"
        f"2020-03-03;2020-03-03 08:00:00;{ok};T-16;validering\n",
    )
    delivery = ingest_file(path, BoardingSource(), settings)
    assert delivery.status == "quarantined"
    assert delivery.reason.startswith("16 violation(s)"), delivery.reason
    assert_nothing_loaded(settings)
    name = "valideringar_2020-03-02.csv"
    assert_reported(
        report_of(delivery),
        *reference_violations(name, source="kassa"),
        f"{name}, line 9, column Trafikdag, Tidpunkt: the traffic day is outside the delivery's period 2020-03-02 "
        "(from the file name)  [value: traffic day 2020-03-01 is not in 2020-03-02]",
        f"{name}, line 10, column Tidpunkt: Tidpunkt is outside its traffic day (00:00 to 06:00 the next morning)  "
        "[value: 2020-03-03 06:00:00]",
        f"{name}, line 11, column Tidpunkt: Tidpunkt is outside its traffic day (00:00 to 06:00 the next morning)  "
        "[value: 2020-03-01 23:59:59]",
        f"{name}, line 12, column Transaktion: Transaktion appears more than once in the delivery  [value: T-1]",
        f"{name}, line 13, column Linje: Linje is required",
        f"{name}, line 13, column Linje, Tur: a row needs a Linje or a Tur (whose line GTFS knows)",
        f"{name}, line 14, column Hållplats: Hållplats is required",
        f"{name}, line 15, column Biljettprodukt: Biljettprodukt is required",
        f"{name}, line 16, column Källa: Källa is required",
        f"{name}, line 17, column Trafikdag, Tidpunkt: the traffic day is outside the delivery's period 2020-03-02 "
        "(from the file name)  [value: traffic day 2020-03-03 is not in 2020-03-02]",
    )


@pytest.mark.parametrize("stamp", ["2020-02-30 10:00:00", "2020-03-02 7:15", "2020-03-02 25:00:00", "02.03.2020 10:00"])
def test_an_invalid_tidpunkt_rejects_the_file(settings, deliver, stamp):
    path = deliver(
        "valideringar_2020-03.csv",
        VALIDATION_HEADER
        + f"2020-03-02 07:00:00;1;;{RESECENTRUM_A};APP;;;validering\n"
        + f"{stamp};1;;{RESECENTRUM_A};APP;;;validering\n",
    )
    delivery = ingest_file(path, BoardingSource(), settings)
    assert delivery.status == "quarantined"
    assert_nothing_loaded(settings)
    assert_reported(
        report_of(delivery),
        f"valideringar_2020-03.csv, line 3, column Tidpunkt: is not a valid timestamp (YYYY-MM-DD HH:MM:SS)  "
        f"[value: {stamp}]",
    )


def test_a_repeated_transaction_is_found_within_and_across_chunks(settings, deliver):
    rows = [f"2020-03-02 08:0{i}:00;1;;{RESECENTRUM_A};APP;;V-{i};validering\n" for i in range(5)]
    rows.insert(2, f"2020-03-02 09:00:00;1;;{RESECENTRUM_A};APP;;V-0;validering\n")  # line 4, same chunk as V-0
    rows.append(f"2020-03-02 09:01:00;1;;{RESECENTRUM_A};APP;;V-3;validering\n")  # line 8, in the second chunk
    rows.append(f"2020-03-02 09:02:00;1;;{RESECENTRUM_A};APP;;;validering\n")  # no Transaktion: never a repeat
    rows.append(f"2020-03-02 09:03:00;1;;{RESECENTRUM_A};APP;;;validering\n")
    path = deliver("valideringar_2020-03-02.csv", VALIDATION_HEADER + "".join(rows))
    delivery = ingest_file(path, BoardingSource(), settings)
    assert delivery.status == "quarantined"
    assert delivery.reason.startswith("2 violation(s)"), delivery.reason
    rule = "column Transaktion: Transaktion appears more than once in the delivery"
    assert_reported(
        report_of(delivery),
        f"valideringar_2020-03-02.csv, line 4, {rule}  [value: V-0]",
        f"valideringar_2020-03-02.csv, line 8, {rule}  [value: V-3]",
    )


# --------------------------------------------------------------------------------------------------
# Counts: boardings and alightings per stop visit or per line and day
# --------------------------------------------------------------------------------------------------


def test_a_utf8_bom_count_file_loads_the_codes_as_delivered(settings, deliver):
    path = deliver(
        "pastigande_2020-03.csv",
        COUNT_HEADER
        + f"2020-03-02;1;{TRIP_1};{RESECENTRUM_A};;12;5;räknare\n"
        + f"2020-03-02;;{TRIP_1};{ESPLANADEN};;1;8;APC\n"  # the line comes from the trip, in dbt
        + "20200331;101;;;ENKEL;40;;Skattning\n"  # a line and day
        + f"2020-03-31;101;;{HUSKVARNA};ENKEL;0;0;uppskattning\n",
        encoding="utf-8-sig",
    )
    delivery = ingest_file(path, BoardingSource(), settings)
    assert delivery.status == "loaded", delivery.reason
    assert delivery.encoding == "utf-8-sig"
    assert delivery.periods == ("2020-03",)
    assert raw_rows(settings) == [
        (dt.date(2020, 3, 2), None, "1", TRIP_1, RESECENTRUM_A, None, None, 12, 5, "counter", "count", *MARCH, 2),
        (dt.date(2020, 3, 2), None, None, TRIP_1, ESPLANADEN, None, None, 1, 8, "counter", "count", *MARCH, 3),
        (dt.date(2020, 3, 31), None, "101", None, None, "ENKEL", None, 40, None, "estimate", "count", *MARCH, 4),
        (dt.date(2020, 3, 31), None, "101", None, HUSKVARNA, "ENKEL", None, 0, 0, "estimate", "count", *MARCH, 5),
    ]


def test_every_kalla_alias_is_stored_as_its_source(settings, deliver):
    stored_as = {
        "validation": "validation",
        "Validering": "validation",
        "counter": "counter",
        "APC": "counter",
        "räknare": "counter",
        "Automatisk trafikanträkning": "counter",
        "estimate": "estimate",
        "Skattning": "estimate",
        "uppskattning": "estimate",
    }
    path = deliver(
        "pastigande_2020-03.csv",
        "Trafikdag;Linje;Påstigande;Källa\n"
        + "".join(f"2020-03-{day:02d};1;10;{alias}\n" for day, alias in enumerate(stored_as, start=1)),
    )
    delivery = ingest_file(path, BoardingSource(), settings)
    assert delivery.status == "loaded", delivery.reason
    assert [source for (source,) in raw_rows(settings, "count_source")] == list(stored_as.values())


def test_a_broken_count_file_names_each_rule_with_file_line_column_and_value(settings, deliver):
    path = deliver(
        "pastigande_2020-03.csv",
        COUNT_HEADER
        + f"2020-03-01;1;{TRIP_1};{RESECENTRUM_A};;10;8;räknare\n"  # line 2: clean
        + f"2020-03-02;555;;{RESECENTRUM_A};;1;1;räknare\n"
        + f"2020-03-03;1;;{UNKNOWN_STOP};;1;1;räknare\n"
        + f"2020-03-04;;{UNKNOWN_TRIP};{RESECENTRUM_A};;1;1;räknare\n"
        + f"2020-03-05;2;{TRIP_1};{RESECENTRUM_A};;1;1;räknare\n"
        + "2020-03-06;1;;;GULDKORT;1;1;räknare\n"
        + "2020-03-07;1;;;;1;1;gissning\n"
        + "2020-03-08;1;;;;-1;1;räknare\n"
        + "2020-03-09;1;;;;1;-2;räknare\n"
        + "2020-04-01;1;;;;1;1;räknare\n"
        + f"2020-03-10;;;{RESECENTRUM_A};;1;1;räknare\n"
        + f"2020-03-01;1;{TRIP_1};{RESECENTRUM_A};;3;0;räknare\n"  # line 13: the key of line 2, in the second chunk
        + "2020-03-12;1;;;;;1;räknare\n"
        + "2020-03-13;1;;;;1;1;\n"
        + ";1;;;;1;1;räknare\n",
    )
    delivery = ingest_file(path, BoardingSource(), settings)
    assert delivery.status == "quarantined"
    assert delivery.reason.startswith("14 violation(s)"), delivery.reason
    assert_nothing_loaded(settings)
    name = "pastigande_2020-03.csv"
    assert_reported(
        report_of(delivery),
        *reference_violations(name, source="gissning"),
        f"{name}, line 9, column Påstigande: Påstigande is a count: never negative  [value: -1]",
        f"{name}, line 10, column Avstigande: Avstigande is a count: never negative  [value: -2]",
        f"{name}, line 11, column Trafikdag, Tidpunkt: the traffic day is outside the delivery's period 2020-03 "
        "(from the file name)  [value: traffic day 2020-04-01 is not in 2020-03]",
        f"{name}, line 12, column Linje, Tur: a row needs a Linje or a Tur (whose line GTFS knows)",
        f"{name}, line 13, column Trafikdag, Linje, Tur, Hållplats, Biljettprodukt: a traffic day, line, trip, stop "
        "and product is counted twice in the delivery",
        f"{name}, line 14, column Påstigande: Påstigande is required",
        f"{name}, line 15, column Källa: Källa is required",
        f"{name}, line 16, column Trafikdag: a row needs its traffic day (Trafikdag, or Tidpunkt)",
    )


def test_a_repeated_count_key_is_found_in_one_chunk_with_or_without_a_product(settings, deliver):
    path = deliver(
        "pastigande_2020-03-02.csv",
        "Trafikdag;Linje;Biljettprodukt;Påstigande;Källa\n"
        "2020-03-02;1;APP;10;räknare\n"
        "2020-03-02;1;ENKEL;10;räknare\n"  # another product: another key
        "2020-03-02;1;APP;3;räknare\n"  # line 4: the key of line 2 again
        "2020-03-02;1;;5;räknare\n"
        "2020-03-02;1;;6;räknare\n",  # line 6: no product twice is a repeat too
    )
    delivery = ingest_file(path, BoardingSource(), settings)
    assert delivery.status == "quarantined"
    assert delivery.reason.startswith("2 violation(s)"), delivery.reason
    text = report_of(delivery)
    assert_reported(text, "pastigande_2020-03-02.csv, line 4, column Trafikdag, Linje, Tur, Hållplats, Biljettprodukt")
    assert_reported(text, "pastigande_2020-03-02.csv, line 6, column Trafikdag, Linje, Tur, Hållplats, Biljettprodukt")


# --------------------------------------------------------------------------------------------------
# The file as a whole: its name, its header, its size, its order of delivery
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "header", "expected"),
    [
        (
            "valideringar.csv",
            VALIDATION_HEADER,
            "valideringar.csv, the file name must end with the period it delivers: _YYYY-MM-DD (a day), _YYYY-MM "
            "(a month) or _YYYY (a year)",
        ),
        (
            "valideringar_2020-02-30.csv",
            VALIDATION_HEADER,
            "valideringar_2020-02-30.csv, the file name must end with the period it delivers",
        ),
        (
            "pastigande_2020-03.csv",
            "Tidpunkt;Trafikdag;Linje;Hållplats;Biljettprodukt;Påstigande;Källa\n",
            "pastigande_2020-03.csv, line 1, column Tidpunkt, Påstigande: "
            "a file has either Tidpunkt (one row per validation) or Påstigande (counts), not both",
        ),
        (
            "valideringar_2020-03-02.csv",
            "Tidpunkt;Linje;Tur;Biljettprodukt;Källa\n",
            "valideringar_2020-03-02.csv, line 1, column Hållplats: "
            "the validation layout needs the column(s) Hållplats",
        ),
        (
            "valideringar_2020-03-02.csv",
            "Tidpunkt;Linje;Tur;Hållplats\n",
            "valideringar_2020-03-02.csv, line 1, column Biljettprodukt, Källa: "
            "the validation layout needs the column(s) Biljettprodukt, Källa",
        ),
        (
            "pastigande_2020-03.csv",
            "Trafikdag;Hållplats;Biljettprodukt;Påstigande;Källa\n",
            "pastigande_2020-03.csv, line 1, column Linje: the count layout needs the column(s) Linje (Linje or Tur)",
        ),
        (
            "pastigande_2020-03.csv",
            "Linje;Påstigande;Källa\n",
            "pastigande_2020-03.csv, line 1, column Trafikdag: the count layout needs the column(s) Trafikdag",
        ),
        (
            "pastigande_2020-03.csv",
            "Trafikdag;Linje;Antal;Källa\n",
            "pastigande_2020-03.csv, line 1: one of these column sets is required: Tidpunkt or Påstigande",
        ),
    ],
)
def test_a_file_without_a_period_or_of_no_single_complete_layout_is_rejected(settings, deliver, name, header, expected):
    row = ";".join(["1"] * len(header.split(";"))) + "\n"
    delivery = ingest_file(deliver(name, header + row), BoardingSource(), settings)
    assert delivery.status == "quarantined"
    assert_nothing_loaded(settings)
    assert_reported(report_of(delivery), expected)


def test_a_violation_in_a_late_chunk_rejects_the_whole_file(settings, deliver):
    rows = [f"2020-03-{day:02d};1;{TRIP_1};{RESECENTRUM_A};;{day};0;räknare\n" for day in range(1, 10)]
    rows.append("2020-03-31;556;;;;1;0;räknare\n")  # line 11, in the second chunk of five rows; the first is clean
    path = deliver("pastigande_2020-03.csv", COUNT_HEADER + "".join(rows))
    delivery = ingest_file(path, BoardingSource(), settings)
    assert delivery.status == "quarantined"
    assert delivery.reason == (
        "1 violation(s); first: line 11, column Linje: Linje is not a line (route_short_name) of the region's GTFS "
        "feeds  [value: 556]"
    )
    assert_nothing_loaded(settings)  # no Parquet file, and no temporary file left behind
    assert [d.status for d in open_ledger(settings).deliveries(SOURCE)] == ["quarantined"]


def test_every_row_keeps_its_line_and_a_broken_last_line_rejects_the_file(settings, deliver):
    rows = [f"2020-03-02 08:{minute:02d}:00;1;;{RESECENTRUM_A};APP;;;validering\n" for minute in range(7)]
    path = deliver("valideringar_2020-03-02.csv", VALIDATION_HEADER + "".join(rows))
    assert ingest_file(path, BoardingSource(), settings).status == "loaded"
    assert [row[-1] for row in raw_rows(settings)] == [2, 3, 4, 5, 6, 7, 8]

    later_rows = "".join(rows[:6]).replace("2020-03-02", "2020-03-03")
    broken = deliver("valideringar_2020-03-03.csv", VALIDATION_HEADER + later_rows + "x;1;;;;;;\n")
    delivery = ingest_file(broken, BoardingSource(), settings)
    assert delivery.status == "quarantined"
    assert "line 8, column Tidpunkt" in delivery.reason
    assert len(raw_rows(settings)) == 7, "nothing of the broken file is loaded"


def test_a_day_and_its_redelivery_both_load_and_the_ledger_keeps_both(settings, deliver):
    first = f"2020-03-02 07:00:00;1;;{RESECENTRUM_A};APP;;;validering\n"
    second = f"2020-03-02 07:05:00;101;;{HUSKVARNA};ENKEL;;;validering\n"
    path = deliver("valideringar_2020-03-02.csv", VALIDATION_HEADER + first)
    assert ingest_file(path, BoardingSource(), settings).status == "loaded"
    path = deliver("valideringar_2020-03-02.csv", VALIDATION_HEADER + first + second)  # the corrected day
    assert ingest_file(path, BoardingSource(), settings).status == "loaded"
    deliveries = open_ledger(settings).deliveries(SOURCE)
    assert [(d.file_name, d.status, d.rows, d.periods) for d in deliveries] == [
        ("valideringar_2020-03-02.csv", "loaded", 1, ("2020-03",)),
        ("valideringar_2020-03-02.csv", "loaded", 2, ("2020-03",)),
    ]
    # both stay in raw, each with the day it covers; dbt keeps the latest delivery covering a day
    seqs = [d.seq for d in deliveries]
    assert raw_rows(settings, "_delivery_seq, line, period_start, period_end") == [
        (seqs[0], "1", *DAY),
        (seqs[1], "1", *DAY),
        (seqs[1], "101", *DAY),
    ]


def test_without_a_gtfs_feed_the_file_is_quarantined_with_the_rule_saying_so(settings):
    path = write(
        settings,
        "valideringar_2020-03-02.csv",
        VALIDATION_HEADER + f"2020-03-02 07:00:00;1;;{RESECENTRUM_A};APP;;;validering\n",
    )
    delivery = ingest_file(path, BoardingSource(), settings)
    assert delivery.status == "quarantined"
    assert_reported(
        report_of(delivery),
        "valideringar_2020-03-02.csv, the region's GTFS feed has not been delivered yet: deliver it first, then "
        "this file",
    )


def test_a_feed_delivered_after_the_boardings_file_is_still_ingested_first_in_one_scan(settings):
    path = write(
        settings,
        "valideringar_2020-03-02.csv",
        VALIDATION_HEADER + f"2020-03-02 07:00:00;1;;{RESECENTRUM_A};APP;;;validering\n",
    )
    earlier = dt.datetime(2022, 1, 1, tzinfo=dt.UTC).timestamp()
    os.utime(path, (earlier, earlier))
    (feed,) = write_gtfs_sample(settings.landing_dir)  # delivered 2022-02-20
    assert path.stat().st_mtime < feed.stat().st_mtime
    report = ingest_landing(settings)
    assert [(d.source, d.status) for d in report.deliveries] == [("gtfs", "loaded"), (SOURCE, "loaded")]


def test_lines_stops_and_trips_of_every_delivered_feed_are_accepted(settings, deliver):
    second_feed = zip_members(
        {
            "agency.txt": b"agency_id,agency_name,agency_url,agency_timezone\n1,JLT,https://jlt.se,Europe/Stockholm\n",
            "routes.txt": b"route_id,agency_id,route_short_name,route_type\nR9,1,950,715\n",
            "stops.txt": b"stop_id,stop_name,stop_lat,stop_lon\nS9,Flexzon Gnosjo,57.36,13.74\n",
            "trips.txt": b"route_id,service_id,trip_id\nR9,1,T9\n",
        }
    )
    write(settings, "flex_2021-01-01.zip", second_feed, source="gtfs")
    assert ingest_landing(settings, source_names=["gtfs"]).count("loaded") == 1
    path = deliver(
        "pastigande_2020-03.csv",
        COUNT_HEADER + f"2020-03-02;1;{TRIP_1};{RESECENTRUM_A};;3;0;räknare\n2020-03-02;950;T9;S9;;2;0;räknare\n",
    )
    delivery = ingest_file(path, BoardingSource(), settings)
    assert delivery.status == "loaded", delivery.reason
    assert raw_rows(settings, "line, trip_id, stop_id") == [("1", TRIP_1, RESECENTRUM_A), ("950", "T9", "S9")]


# --------------------------------------------------------------------------------------------------
# The documented examples
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("example", "delivered_as", "layout"),
    [
        ("ridership_boardings_validations_example.csv", "valideringar_2020-03-02.csv", "validation"),
        ("ridership_boardings_counts_example.csv", "pastigande_2020-03.csv", "count"),
    ],
)
def test_each_documented_example_loads_cleanly(settings, deliver, example, delivered_as, layout):
    text = (EXAMPLES / example).read_text(encoding="utf-8")
    delivery = ingest_file(deliver(delivered_as, text), BoardingSource(), settings)
    assert delivery.status == "loaded", delivery.reason
    assert delivery.periods == ("2020-03",)
    assert delivery.rows == len(text.splitlines()) - 1
    assert {row[0] for row in raw_rows(settings, "layout")} == {layout}


def test_the_count_example_balances_boardings_and_alightings_per_trip():
    with (EXAMPLES / "ridership_boardings_counts_example.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    balance: dict[str, list[int]] = {}
    for row in rows:
        on_off = balance.setdefault(row["Tur"], [0, 0])
        on_off[0] += int(row["Påstigande"])
        on_off[1] += int(row["Avstigande"])
    assert balance == {TRIP_1: [26, 26], TRIP_1_BACK: [24, 24], TRIP_101: [12, 12]}


# --------------------------------------------------------------------------------------------------
# Bugs found while writing these tests (each fails until fixed; see the reply to the owner)
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stamp", ["2020-03-02 10:00:61", "2020-03-02 10:00:60"])
def test_a_tidpunkt_with_an_impossible_second_is_rejected(settings, deliver, stamp):
    path = deliver("valideringar_2020-03-02.csv", VALIDATION_HEADER + f"{stamp};1;;{RESECENTRUM_A};APP;;;validering\n")
    delivery = ingest_file(path, BoardingSource(), settings)
    assert delivery.status == "quarantined", f"{stamp} was loaded as {raw_rows(settings, 'validated_at')}"
    assert_reported(report_of(delivery), "line 2, column Tidpunkt: is not a valid timestamp")


@pytest.mark.parametrize(
    "header",
    ["Tidpunkt;Linje;Hållplats;Biljettprodukt;Påstigande;Källa\n", "Tidpunkt;Linje;Biljettprodukt;Källa\n"],
)
def test_a_file_with_only_a_header_is_still_checked_for_its_layout(settings, deliver, header):
    delivery = ingest_file(deliver("valideringar_2020-03-02.csv", header), BoardingSource(), settings)
    assert delivery.status == "quarantined", "a header of no valid layout was loaded because the file has no rows"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            "Tidpunkt;Trafikdag;Linje;Hållplats;Biljettprodukt;Påstigande;Källa\n",
            "line 1, column Tidpunkt, Påstigande:",
        ),
        ("Tidpunkt;Linje;Tur;Biljettprodukt;Källa\n", "line 1, column Hållplats:"),
    ],
)
def test_a_layout_violation_points_at_the_header_line(settings, deliver, header, expected):
    row = ";".join(["1"] * len(header.split(";"))) + "\n"
    delivery = ingest_file(deliver("valideringar_2020-03-02.csv", header + row), BoardingSource(), settings)
    assert delivery.status == "quarantined"
    assert_reported(report_of(delivery), f"valideringar_2020-03-02.csv, {expected}")


def test_an_unreadable_tidpunkt_is_reported_under_the_files_own_columns(settings, deliver):
    path = deliver(
        "valideringar_2020-03-02.csv",
        VALIDATION_HEADER + f"2020-02-30 10:00:00;1;;{RESECENTRUM_A};APP;;;validering\n",
    )
    delivery = ingest_file(path, BoardingSource(), settings)
    assert delivery.status == "quarantined"
    columns = set(re.findall(r"line \d+, column ([^:]+):", report_of(delivery)))
    assert columns <= {"Tidpunkt", "Trafikdag, Tidpunkt"}, report_of(delivery)
