"""The service-trip extract (serviceresor): färdtjänst, riksfärdtjänst, sjukresor and närtrafik.

Service trips are ordered and run one by one, so the booking system can deliver a row per ordered
trip; an older planning system exported only its monthly statistics per trip type. Both layouts land
in one raw table (``layout`` tells them apart) so the KPIs (trips, passenger-km, cost per
passenger-km) read one source. See docs/extracts/ridership_service_trips.md.

A per-trip row names the traveller by a pseudonymised id only: a value that is a valid personnummer
or samordningsnummer rejects the file, and the report shows it masked. Every row must lie inside the
period the file name delivers (:func:`ingest.ridership.common.delivery_period`).

The period rules (``outside_dates``, ``outside_months``) live in :mod:`ingest.ridership.common`,
shared with the production and population extracts.
"""

from __future__ import annotations

import re
from pathlib import Path

from ingest.contract import ContractViolation, Violation, normalise_header
from ingest.extract import Field, Rule, Staged, Unique, month_code, not_negative, read_header, required, sql_string
from ingest.ridership.common import (
    PERIOD_COLUMNS,
    delivery_period,
    outside_dates,
    outside_months,
    period_raw,
)
from ingest.sources import CsvSource, Delivered, Plan, RawColumn
from regionkpi import personnummer as pnr
from regionkpi.personnummer import PersonnummerError, birth_date, luhn_is_valid

#: Trip types as delivered (case-insensitive) -> trip_type id. The ASCII ids are accepted as well.
TRIP_TYPES = {
    "färdtjänst": "fardtjanst",
    "riksfärdtjänst": "riksfardtjanst",
    "sjukresa": "sjukresa",
    "sjukresor": "sjukresa",
    "närtrafik": "nartrafik",
    "fardtjanst": "fardtjanst",
    "riksfardtjanst": "riksfardtjanst",
    "nartrafik": "nartrafik",
}
TRIP_TYPE_RULE = "Restyp must be Färdtjänst, Riksfärdtjänst, Sjukresa or Närtrafik"

TRIP_FIELDS = [
    Field("Resdatum", "service_date", "date"),
    Field("Restyp", "trip_type_text"),
    Field("Resenär", "traveller_id"),
    Field("Antal resenärer", "passengers", "integer"),
    Field("Km", "km", "number", max_decimals=1),
    Field("Kostnad", "cost", "number", max_decimals=2),
    Field("Beställning", "order_id", required=False),
]
SUMMARY_FIELDS = [
    Field("Månad", "service_date", "period"),
    Field("Restyp", "trip_type_text"),
    Field("Antal resor", "trips", "integer"),
    Field("Resenärkm", "passenger_km", "number"),
    Field("Kostnad", "cost", "number", max_decimals=2),
]
_SHARED = {normalise_header(f.header) for f in TRIP_FIELDS} & {normalise_header(f.header) for f in SUMMARY_FIELDS}
_TRIP_ONLY = {normalise_header(f.header) for f in TRIP_FIELDS} - _SHARED
_SUMMARY_ONLY = {normalise_header(f.header) for f in SUMMARY_FIELDS} - _SHARED

#: 12 digits (YYYYMMDD) or 10 (YYMMDD), a dash or plus before the last four allowed.
_IDENTITY_NUMBER = re.compile(r"(?:\d{2})?\d{6}[-+]?\d{4}")


def is_personal_identity_number(text: str) -> bool:
    """True when ``text`` is a valid personnummer or samordningsnummer (10 or 12 digits, Luhn).

    A 10-digit number has no century; it counts when its date part is a valid date in either.
    """
    if not _IDENTITY_NUMBER.fullmatch(text):
        return False
    digits = text.replace("-", "").replace("+", "")
    if not luhn_is_valid(digits[-10:]):
        return False
    candidates = [digits] if len(digits) == 12 else ["19" + digits, "20" + digits]
    for candidate in candidates:
        try:
            birth_date(candidate)
        except PersonnummerError:
            continue
        return True
    return False


def choose_layout(path: Path, encoding: str) -> tuple[str, list[Violation]]:
    """``'trip'`` or ``'summary'`` from the header, and the violations when it is neither or both."""
    try:
        row = read_header(path, encoding)
    except Exception:  # the reader names what is wrong with the header
        return "trip", []
    if row is None:
        return "trip", []
    headers = {normalise_header(text): text.replace("\ufeff", "").strip() for text in row if text.strip()}
    trip = [text for header, text in headers.items() if header in _TRIP_ONLY]
    summary = [text for header, text in headers.items() if header in _SUMMARY_ONLY]
    if trip and summary:
        rule = (
            "the header mixes the per-trip layout (Resdatum, Resenär, Antal resenärer, Km, Beställning) and the "
            "summary layout (Månad, Antal resor, Resenärkm): deliver one layout per file"
        )
        mixed = [text for header, text in headers.items() if header in _TRIP_ONLY | _SUMMARY_ONLY]
        return "trip", [Violation(rule, line=1, column=", ".join(mixed))]
    if summary:
        return "summary", []
    if trip:
        return "trip", []
    rule = (
        "the header matches neither layout: per trip Resdatum;Restyp;Resenär;Antal resenärer;Km;Kostnad"
        "[;Beställning], or per month Månad;Restyp;Antal resor;Resenärkm;Kostnad"
    )
    return "trip", [Violation(rule, line=1)]


def _trip_type_sql() -> str:
    return (
        "CASE lower(trip_type_text) "
        + " ".join(f"WHEN {sql_string(text)} THEN {sql_string(code)}" for text, code in TRIP_TYPES.items())
        + " END"
    )


#: A traveller id shaped like a personnummer or samordningsnummer (the date and Luhn check follow).
_IDENTITY_SHAPE = "([0-9]{2})?[0-9]{6}[-+]?[0-9]{4}"


def identity_number_sql(column: str) -> str:
    """SQL: true where ``column`` is a valid personnummer or samordningsnummer, as
    :func:`is_personal_identity_number` decides: the shape, the Luhn digit over the last ten digits,
    and a birth date valid in the 1900s or the 2000s when the number has no century."""
    digits = f"regexp_replace({column}, '[-+]', '', 'g')"
    ten = f"right({digits}, 10)"
    month_day = f"substr({ten}, 3, 4)"
    century_19, century_20 = f"'19' || left({ten}, 2)", f"'20' || left({ten}, 2)"
    born = (
        f"CASE WHEN length({digits}) = 12 THEN {pnr.birth_date_sql(f'left({digits}, 4)', month_day)} IS NOT NULL "
        f"ELSE {pnr.birth_date_sql(century_19, month_day)} IS NOT NULL "
        f"OR {pnr.birth_date_sql(century_20, month_day)} IS NOT NULL END"
    )
    checked = f"{pnr.luhn_sql(ten)} AND ({born})"
    return f"coalesce(CASE WHEN regexp_full_match({column}, '{_IDENTITY_SHAPE}') THEN {checked} END, false)"


class ServiceTripSource(CsvSource):
    name = "ridership_service_trips"
    depends_on: tuple[str, ...] = ()
    contract_doc = "docs/extracts/ridership_service_trips.md"
    schema = (
        RawColumn("service_date", "DATE", nullable=False),
        RawColumn("trip_type", "VARCHAR", nullable=False),
        RawColumn("traveller_id", "VARCHAR"),
        RawColumn("passengers", "INTEGER"),
        RawColumn("trips", "INTEGER", nullable=False),
        RawColumn("km", "DOUBLE"),
        RawColumn("passenger_km", "DOUBLE", nullable=False),
        RawColumn("cost", "DOUBLE", nullable=False),
        RawColumn("order_id", "VARCHAR"),
        RawColumn("layout", "VARCHAR", nullable=False),
        *PERIOD_COLUMNS,
    )

    def before(self, delivered: Delivered) -> list[Violation]:
        violations: list[Violation] = []
        try:
            delivery_period(delivered.path)
        except ContractViolation as error:
            violations += error.violations
        violations += choose_layout(delivered.path, delivered.encoding)[1]
        return violations

    def fields_for(self, delivered: Delivered) -> list[Field]:
        layout, _ = choose_layout(delivered.path, delivered.encoding)
        return SUMMARY_FIELDS if layout == "summary" else TRIP_FIELDS

    def plan(self, delivered: Delivered, staged: Staged) -> Plan:
        period = delivery_period(delivered.path)
        layout, _ = choose_layout(delivered.path, delivered.encoding)
        derived = {"trip_type": _trip_type_sql()}
        trip_type_unknown = Rule(
            TRIP_TYPE_RULE, "trip_type_text IS NOT NULL AND trip_type IS NULL", header="Restyp", value="trip_type_text"
        )
        if layout == "summary":
            rules = [
                *required(
                    {
                        "service_date": "Månad",
                        "trip_type_text": "Restyp",
                        "trips": "Antal resor",
                        "passenger_km": "Resenärkm",
                        "cost": "Kostnad",
                    }
                ),
                trip_type_unknown,
                *not_negative({"trips": "Antal resor", "passenger_km": "Resenärkm", "cost": "Kostnad"}),
                outside_months("service_date", period, "Månad"),
                Unique(
                    "a Månad and Restyp appear twice in the delivery",
                    ("strftime(service_date, '%Y-%m')", "coalesce(trip_type, lower(trip_type_text))"),
                    header="Månad, Restyp",
                ),
            ]
            raw = {
                "traveller_id": "NULL",
                "passengers": "NULL",
                "km": "NULL",
                "order_id": "NULL",
                "layout": "'summary'",
            }
        else:
            rules = [
                *required(
                    {
                        "service_date": "Resdatum",
                        "trip_type_text": "Restyp",
                        "traveller_id": "Resenär",
                        "passengers": "Antal resenärer",
                        "km": "Km",
                        "cost": "Kostnad",
                    }
                ),
                trip_type_unknown,
                Rule(
                    "Resenär must be a pseudonymised id, not a personal identity number",
                    identity_number_sql("traveller_id"),
                    header="Resenär",
                    value="traveller_id",
                    sensitive=True,
                ),
                Rule(
                    "Antal resenärer is at least 1 (the traveller plus co-travellers)",
                    "passengers < 1",
                    ("passengers",),
                ),
                *not_negative({"km": "Km", "cost": "Kostnad"}),
                outside_dates("service_date", period, "Resdatum"),
                Unique("Beställning appears twice in the delivery", ("order_id",), header="Beställning"),
            ]
            raw = {
                "trips": "1",
                "passenger_km": "round(km * passengers, 1)",
                "layout": "'trip'",
            }
        return Plan(
            rules=rules,
            derived=derived,
            raw={**raw, **period_raw(period)},
            periods=month_code("service_date"),
            measure="cost",
            allowed_periods=period.months,
        )
