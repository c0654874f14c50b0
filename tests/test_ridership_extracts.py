"""Ridership extracts on arrival: service trips (per trip and summary), production and population.

Each test delivers files into a fresh landing area and checks what reaches the raw layer, what is
quarantined and what the report says: file, line, column, rule.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from ingest.landing import ingest_file
from ingest.ridership.population import PopulationSource
from ingest.ridership.production import ProductionSource
from ingest.ridership.service_trips import ServiceTripSource
from tests.extract_fixtures import assert_reported, raw_rows_of

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "extracts" / "examples"
TRIP_HEADER = "Resdatum;Restyp;Resenär;Antal resenärer;Km;Kostnad;Beställning\n"
SUMMARY_HEADER = "Månad;Restyp;Antal resor;Resenärkm;Kostnad\n"
MARCH = (dt.date(2020, 3, 1), dt.date(2020, 3, 31))


@pytest.fixture
def deliver(settings):
    """Write a file into ``landing/<source>/0006/`` and return its path."""

    def write(source: str, name: str, text: str, encoding: str = "utf-8") -> Path:
        path = settings.landing_dir / source / "0006" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding=encoding, newline="")
        return path

    return write


def raw_rows(settings, source: str, columns: str) -> list[tuple]:
    return raw_rows_of(settings.raw_dir, source, columns)


def report(settings, source: str) -> str:
    (path,) = (settings.quarantine_dir / source / "0006").glob("*.report.txt")
    return path.read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------------------
# Service trips
# --------------------------------------------------------------------------------------------------

TRIP_COLUMNS = (
    "service_date, trip_type, traveller_id, passengers, trips, km, passenger_km, cost, order_id, layout, "
    "period_start, period_end, source_line"
)


def test_a_cp1252_trip_file_loads_with_passenger_km_and_the_period_of_its_name(settings, deliver):
    path = deliver(
        "ridership_service_trips",
        "serviceresor_2020-03.csv",
        TRIP_HEADER.replace("\n", "\r\n")
        + "2020-03-01;Färdtjänst;FT-1;1;12,3;386,50;B-1\r\n"
        + "2020-03-02;SJUKRESOR;FT-2;3;12,3;1 104,00;\r\n"
        + "\r\n"
        + "20200331;närtrafik;1234567890;2;0;0;B-3\r\n"
        + "2020-03-15;Riksfärdtjänst;FT-1;1;310,5;4250;B-4\r\n",
        encoding="cp1252",
    )
    delivery = ingest_file(path, ServiceTripSource(), settings)
    assert delivery.status == "loaded", delivery.reason
    assert delivery.encoding == "cp1252"
    assert delivery.periods == ("2020-03",)
    assert raw_rows(settings, "ridership_service_trips", TRIP_COLUMNS) == [
        (dt.date(2020, 3, 1), "fardtjanst", "FT-1", 1, 1, 12.3, 12.3, 386.5, "B-1", "trip", *MARCH, 2),
        (dt.date(2020, 3, 2), "sjukresa", "FT-2", 3, 1, 12.3, 36.9, 1104.0, None, "trip", *MARCH, 3),
        (dt.date(2020, 3, 31), "nartrafik", "1234567890", 2, 1, 0.0, 0.0, 0.0, "B-3", "trip", *MARCH, 5),
        (dt.date(2020, 3, 15), "riksfardtjanst", "FT-1", 1, 1, 310.5, 310.5, 4250.0, "B-4", "trip", *MARCH, 6),
    ]


def test_a_utf8_bom_summary_file_of_a_year_loads_one_row_per_month_and_trip_type(settings, deliver):
    path = deliver(
        "ridership_service_trips",
        "serviceresor_statistik_2019.csv",
        SUMMARY_HEADER + "201901;Färdtjänst;21450;245300,5;7842000,25\n2019-12;Sjukresor;0;0;0\n",
        encoding="utf-8-sig",
    )
    delivery = ingest_file(path, ServiceTripSource(), settings)
    assert delivery.status == "loaded", delivery.reason
    assert delivery.encoding == "utf-8-sig"
    assert delivery.periods == ("2019-01", "2019-12")
    year = (dt.date(2019, 1, 1), dt.date(2019, 12, 31))
    assert raw_rows(settings, "ridership_service_trips", TRIP_COLUMNS) == [
        (dt.date(2019, 1, 1), "fardtjanst", None, None, 21450, None, 245300.5, 7842000.25, None, "summary", *year, 2),
        (dt.date(2019, 12, 1), "sjukresa", None, None, 0, None, 0.0, 0.0, None, "summary", *year, 3),
    ]


def test_a_trip_file_without_order_ids_loads(settings, deliver):
    path = deliver(
        "ridership_service_trips",
        "serviceresor_20200314.csv",
        "Restyp;Resdatum;Kostnad;Km;Antal resenärer;Resenär\n"
        "Färdtjänst;2020-03-14;99,95;4,5;2;FT-1\n"
        "Färdtjänst;2020-03-14;99,95;4,5;2;FT-1\n",
    )
    delivery = ingest_file(path, ServiceTripSource(), settings)
    assert delivery.status == "loaded", delivery.reason
    day = (dt.date(2020, 3, 14), dt.date(2020, 3, 14))
    assert raw_rows(settings, "ridership_service_trips", TRIP_COLUMNS) == [
        (dt.date(2020, 3, 14), "fardtjanst", "FT-1", 2, 1, 4.5, 9.0, 99.95, None, "trip", *day, line) for line in (2, 3)
    ]


def test_a_broken_trip_file_is_quarantined_with_file_line_column_and_rule(settings, deliver):
    path = deliver(
        "ridership_service_trips",
        "serviceresor_2020-03.csv",
        TRIP_HEADER
        + "2020-03-02;Färdtjänst;FT-1;1;12,3;100;B-1\n"
        + "2020-03-02;Taxi;FT-1;1;12,3;100;B-2\n"
        + "2020-03-02;Färdtjänst;FT-1;0;-1;-5;B-3\n"
        + "2020-04-01;Färdtjänst;FT-1;1;1,25;100;B-4\n"
        + "2020-03-02;Färdtjänst;;1;1;100;B-5\n",
    )
    delivery = ingest_file(path, ServiceTripSource(), settings)
    assert delivery.status == "quarantined"
    assert raw_rows(settings, "ridership_service_trips", "*") == []
    assert_reported(
        report(settings, "ridership_service_trips"),
        "serviceresor_2020-03.csv, line 3, column Restyp: Restyp must be Färdtjänst, Riksfärdtjänst, Sjukresa or "
        "Närtrafik  [value: Taxi]",
        "serviceresor_2020-03.csv, line 4, column Antal resenärer: Antal resenärer is at least 1",
        "serviceresor_2020-03.csv, line 4, column Km: Km is never negative  [value: -1]",
        "serviceresor_2020-03.csv, line 4, column Kostnad: Kostnad is never negative  [value: -5]",
        "serviceresor_2020-03.csv, line 5, column Resdatum: Resdatum is outside the delivery's period 2020-03 "
        "(from the file name)  [value: 2020-04-01]",
        "serviceresor_2020-03.csv, line 5, column Km: is not a number with at most 1 decimals",
        "serviceresor_2020-03.csv, line 6, column Resenär: Resenär is required",
    )


def test_a_personnummer_as_traveller_rejects_the_file_and_the_report_masks_it(settings, deliver):
    numbers = ["19121212-1212", "8112189876", "701063-2391"]  # 12 digits, 10 digits, a samordningsnummer
    path = deliver(
        "ridership_service_trips",
        "serviceresor_2020-03-14.csv",
        TRIP_HEADER + "".join(f"2020-03-14;Sjukresa;{n};1;10;200;B-{i}\n" for i, n in enumerate(numbers)),
    )
    delivery = ingest_file(path, ServiceTripSource(), settings)
    assert delivery.status == "quarantined"
    rule = "column Resenär: Resenär must be a pseudonymised id, not a personal identity number"
    text = report(settings, "ridership_service_trips")
    assert_reported(
        text,
        f"serviceresor_2020-03-14.csv, line 2, {rule}  [value: 191212*******]",
        f"serviceresor_2020-03-14.csv, line 3, {rule}  [value: 811218****]",
        f"serviceresor_2020-03-14.csv, line 4, {rule}  [value: 701063*****]",
    )
    json_report = next((settings.quarantine_dir / "ridership_service_trips").rglob("*.report.json"))
    for number in numbers:
        assert number not in text
        assert number not in json_report.read_text(encoding="utf-8")
        assert number not in (delivery.reason or "")


def test_a_repeated_order_id_is_found_across_chunks(settings, deliver):
    rows = [f"2020-03-0{day};Färdtjänst;FT-1;1;5;100;B-{day}\n" for day in range(1, 6)]
    rows.append("2020-03-09;Färdtjänst;FT-1;1;5;100;B-2\n")  # line 7, in the third chunk of two rows
    path = deliver("ridership_service_trips", "serviceresor_2020-03.csv", TRIP_HEADER + "".join(rows))
    delivery = ingest_file(path, ServiceTripSource(), settings)
    assert delivery.status == "quarantined"
    assert_reported(
        report(settings, "ridership_service_trips"),
        "serviceresor_2020-03.csv, line 7, column Beställning: Beställning appears twice in the delivery  "
        "[value: B-2 (first on line 3)]",
    )
    assert list((settings.raw_dir / "ridership_service_trips").rglob("0006/*")) == []


def test_a_broken_summary_file_names_each_rule(settings, deliver):
    path = deliver(
        "ridership_service_trips",
        "serviceresor_2020.csv",
        SUMMARY_HEADER
        + "202001;Färdtjänst;10;100;1000\n"
        + "202002;Färdtjänst;-1;-100;-1000\n"
        + "201912;Närtrafik;1;1;1\n"
        + "202001;FÄRDTJÄNST;10;100;1000\n"
        + "202003;Buss;1;1;1\n",
    )
    delivery = ingest_file(path, ServiceTripSource(), settings)
    assert delivery.status == "quarantined"
    assert_reported(
        report(settings, "ridership_service_trips"),
        "serviceresor_2020.csv, line 3, column Antal resor: Antal resor is never negative  [value: -1]",
        "serviceresor_2020.csv, line 3, column Resenärkm: Resenärkm is never negative  [value: -100]",
        "serviceresor_2020.csv, line 3, column Kostnad: Kostnad is never negative  [value: -1000]",
        "serviceresor_2020.csv, line 4, column Månad: Månad is outside the delivery's period 2020 (from the file "
        "name)  [value: 2019-12]",
        "serviceresor_2020.csv, line 5, column Månad, Restyp: a Månad and Restyp appear twice in the delivery  "
        "[value: 2020-01 fardtjanst (first on line 2)]",
        "serviceresor_2020.csv, line 6, column Restyp: Restyp must be Färdtjänst, Riksfärdtjänst, Sjukresa or "
        "Närtrafik  [value: Buss]",
    )


def test_a_service_trip_file_without_a_period_in_its_name_is_rejected(settings, deliver):
    path = deliver("ridership_service_trips", "serviceresor.csv", TRIP_HEADER + "2020-03-01;Sjukresa;FT-1;1;1;1;\n")
    delivery = ingest_file(path, ServiceTripSource(), settings)
    assert delivery.status == "quarantined"
    assert_reported(
        report(settings, "ridership_service_trips"),
        "serviceresor.csv, the file name must end with the period it delivers: _YYYY-MM-DD (a day), _YYYY-MM",
    )


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            "Resdatum;Månad;Restyp;Antal resor;Resenärkm;Kostnad\n",
            "serviceresor_2020-03.csv, line 1, column Resdatum, Månad, Antal resor, Resenärkm: the header mixes the "
            "per-trip layout",
        ),
        ("Datum;Typ;Kostnad\n", "serviceresor_2020-03.csv, line 1: the header matches neither layout"),
        (
            "Resdatum;Restyp;Resenär;Km;Kostnad\n",
            "serviceresor_2020-03.csv, line 1: required column 'Antal resenärer' is missing from the header",
        ),
    ],
)
def test_a_header_of_mixed_partial_or_neither_layout_is_rejected(settings, deliver, header, expected):
    path = deliver("ridership_service_trips", "serviceresor_2020-03.csv", header + "1;2;3;4;5;6\n"[: len(header)])
    delivery = ingest_file(path, ServiceTripSource(), settings)
    assert delivery.status == "quarantined"
    assert_reported(report(settings, "ridership_service_trips"), expected)


# --------------------------------------------------------------------------------------------------
# Production
# --------------------------------------------------------------------------------------------------

PRODUCTION_COLUMNS = "period_month, contract, traffic_area_code, vehicle_km, operator, period_start, period_end"


def test_production_per_contract_or_traffic_area_keeps_the_codes_as_delivered(settings, deliver):
    path = deliver(
        "ridership_production",
        "trafikproduktion_2020.csv",
        "Månad;Avtal;Trafikområde;Fordonskm;Operatör\r\n"
        "202001;RB-2011;;1 320 450,5;Arriva\r\n"
        "2020-02;;serviceresor;402100;Samtrafik Söder\r\n"
        "202002;STAD-2014;;0;\r\n",
        encoding="cp1252",
    )
    delivery = ingest_file(path, ProductionSource(), settings)
    assert delivery.status == "loaded", delivery.reason
    assert delivery.periods == ("2020-01", "2020-02")
    year = (dt.date(2020, 1, 1), dt.date(2020, 12, 31))
    assert raw_rows(settings, "ridership_production", PRODUCTION_COLUMNS) == [
        (dt.date(2020, 1, 1), "RB-2011", None, 1320450.5, "Arriva", *year),
        (dt.date(2020, 2, 1), None, "serviceresor", 402100.0, "Samtrafik Söder", *year),
        (dt.date(2020, 2, 1), "STAD-2014", None, 0.0, None, *year),
    ]


def test_production_with_only_a_contract_column_loads(settings, deliver):
    path = deliver("ridership_production", "produktion_2020-03.csv", "Månad;Avtal;Fordonskm\n202003;KT-2017;10,5\n")
    delivery = ingest_file(path, ProductionSource(), settings)
    assert delivery.status == "loaded", delivery.reason
    assert raw_rows(settings, "ridership_production", PRODUCTION_COLUMNS) == [
        (dt.date(2020, 3, 1), "KT-2017", None, 10.5, None, *MARCH)
    ]


def test_a_broken_production_file_names_each_rule(settings, deliver):
    path = deliver(
        "ridership_production",
        "produktion_2020-02.csv",
        "Månad;Avtal;Trafikområde;Fordonskm\n"
        "202002;RB-2011;;100\n"
        "202002;XX-1;;100\n"
        "202002;;nowhere;100\n"
        "202002;RB-2020;regionbussar;100\n"
        "202002;;;100\n"
        "202002;KT-1;;-1\n"
        "202001;OP-1;;100\n"
        "202002;RB-2011;;5\n",
    )
    delivery = ingest_file(path, ProductionSource(), settings)
    assert delivery.status == "quarantined"
    assert raw_rows(settings, "ridership_production", "*") == []
    assert_reported(
        report(settings, "ridership_production"),
        "produktion_2020-02.csv, line 3, column Avtal: Avtal must match a contract pattern of "
        "seeds/traffic_area_members.csv for the region  [value: XX-1]",
        "produktion_2020-02.csv, line 4, column Trafikområde: Trafikområde must be a traffic_area_id of "
        "seeds/traffic_areas.csv for the region  [value: nowhere]",
        "produktion_2020-02.csv, line 5, column Avtal, Trafikområde: a row names an Avtal or a Trafikområde, not "
        "both  [value: Avtal=RB-2020; Trafikområde=regionbussar]",
        "produktion_2020-02.csv, line 6, column Avtal, Trafikområde: a row needs an Avtal or a Trafikområde",
        "produktion_2020-02.csv, line 7, column Fordonskm: Fordonskm is never negative  [value: -1]",
        "produktion_2020-02.csv, line 8, column Månad: Månad is outside the delivery's period 2020-02 (from the "
        "file name)  [value: 2020-01]",
        "produktion_2020-02.csv, line 9, column Månad, Avtal, Trafikområde: a Månad and Avtal (or Trafikområde) "
        "appear twice in the delivery  [value: 2020-02 Avtal RB-2011 (first on line 2)]",
    )


def test_production_without_a_contract_or_area_column_or_period_is_rejected(settings, deliver):
    path = deliver("ridership_production", "produktion_2020-03.csv", "Månad;Fordonskm\n202003;10\n")
    assert ingest_file(path, ProductionSource(), settings).status == "quarantined"
    assert_reported(
        report(settings, "ridership_production"),
        "produktion_2020-03.csv, line 1: one of these column sets is required: Avtal or Trafikområde",
    )
    shutil.rmtree(settings.quarantine_dir)
    path = deliver("ridership_production", "produktion.csv", "Månad;Avtal;Fordonskm\n202003;RB-1;10\n")
    assert ingest_file(path, ProductionSource(), settings).status == "quarantined"
    assert_reported(report(settings, "ridership_production"), "produktion.csv, the file name must end with the period")


# --------------------------------------------------------------------------------------------------
# Population
# --------------------------------------------------------------------------------------------------

POPULATION_COLUMNS = "year, gender, population, period_start, period_end, source_line"


def test_population_without_a_gender_column_counts_as_total_over_the_years_it_holds(settings, deliver):
    path = deliver("population", "folkmangd.csv", "\ufeffÅr;Folkmängd\n2018;360825\n2020;364750\n", encoding="utf-8")
    delivery = ingest_file(path, PopulationSource(), settings)
    assert delivery.status == "loaded", delivery.reason
    assert delivery.encoding == "utf-8-sig"
    assert delivery.periods == ("2018-12", "2020-12")
    span = (dt.date(2018, 1, 1), dt.date(2020, 12, 31))
    assert raw_rows(settings, "population", POPULATION_COLUMNS) == [
        (2018, "T", 360825, *span, 2),
        (2020, "T", 364750, *span, 3),
    ]


def test_population_by_gender_in_cp1252(settings, deliver):
    path = deliver(
        "population",
        "folkmangd_kon.csv",
        "År;Kön;Folkmängd\r\n2019;k;180361\r\n2019;M;183238\r\n2019;;363599\r\n",
        "cp1252",
    )
    delivery = ingest_file(path, PopulationSource(), settings)
    assert delivery.status == "loaded", delivery.reason
    assert delivery.encoding == "cp1252"
    year = (dt.date(2019, 1, 1), dt.date(2019, 12, 31))
    assert raw_rows(settings, "population", POPULATION_COLUMNS) == [
        (2019, "K", 180361, *year, 2),
        (2019, "M", 183238, *year, 3),
        (2019, "T", 363599, *year, 4),
    ]


def test_a_broken_population_file_names_each_rule(settings, deliver):
    path = deliver(
        "population",
        "folkmangd.csv",
        "År;Kön;Folkmängd\n2019;T;363599\n1899;T;1\n2020;X;1\n2020;T;-1\n2019;;363600\n2021;T;\n",
    )
    delivery = ingest_file(path, PopulationSource(), settings)
    assert delivery.status == "quarantined"
    assert raw_rows(settings, "population", "*") == []
    assert_reported(
        report(settings, "population"),
        "folkmangd.csv, line 3, column År: År must be a year 1900-2100  [value: 1899]",
        "folkmangd.csv, line 4, column Kön: Kön must be T (totalt), K (kvinnor) or M (män)  [value: X]",
        "folkmangd.csv, line 5, column Folkmängd: Folkmängd is never negative  [value: -1]",
        "folkmangd.csv, line 6, column År, Kön: an År and Kön appear twice in the file  [value: 2019 T (first on "
        "line 2)]",
        "folkmangd.csv, line 7, column Folkmängd: Folkmängd is required",
    )


# --------------------------------------------------------------------------------------------------
# The documented examples
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("example", "source", "delivered_as", "periods"),
    [
        ("ridership_service_trips_example.csv", ServiceTripSource(), "serviceresor_2020-03.csv", ("2020-03",)),
        (
            "ridership_service_trips_summary_example.csv",
            ServiceTripSource(),
            "serviceresor_2019.csv",
            ("2019-01", "2019-02"),
        ),
        ("ridership_production_example.csv", ProductionSource(), "produktion_2020-03.csv", ("2020-03",)),
        ("population_example.csv", PopulationSource(), "population_example.csv", ("2018-12", "2019-12", "2020-12")),
    ],
)
def test_each_documented_example_loads_cleanly(settings, example, source, delivered_as, periods):
    text = (EXAMPLES / example).read_text(encoding="utf-8")
    path = settings.landing_dir / source.name / "0006" / delivered_as
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8", newline="")
    delivery = ingest_file(path, source, settings)
    assert delivery.status == "loaded", delivery.reason
    assert delivery.periods == periods
    assert delivery.rows == len(text.splitlines()) - 1
