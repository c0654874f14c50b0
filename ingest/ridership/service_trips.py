"""The service-trip extract (serviceresor): färdtjänst, riksfärdtjänst, sjukresor and närtrafik.

Service trips are ordered and run one by one, so the booking system can deliver a row per ordered
trip; an older planning system exported only its monthly statistics per trip type. Both layouts land
in one raw table (``layout`` tells them apart) so the KPIs (trips, passenger-km, cost per
passenger-km) read one source. See docs/extracts/ridership_service_trips.md.

A per-trip row names the traveller by a pseudonymised id only: a value that is a valid personnummer
or samordningsnummer rejects the file, and the report shows it masked. Every row must lie inside the
period the file name delivers (:func:`ingest.ridership.common.delivery_period`).

The row helpers (:class:`~ingest.ridership.common.FirstSeen`, ``months_outside``, ...) live in
:mod:`ingest.ridership.common`, shared with the production and population extracts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import great_expectations.expectations as gxe
import pandas as pd
import pyarrow as pa

from ingest.chunked import Field
from ingest.contract import ContractViolation, Violation, mask, normalise_header
from ingest.finance.common import checked_stream, month_codes
from ingest.personnummer import PersonnummerError, birth_date, luhn_is_valid
from ingest.ridership.common import (
    PERIOD_FIELDS,
    ChunkedExtract,
    DeliveryPeriod,
    FirstSeen,
    dates_outside,
    delivery_period,
    header_texts,
    months_outside,
    not_negative,
    null_unless_broken,
    outside_rule,
    required,
    with_period,
)
from ingest.sources import StreamState
from regionkpi.settings import Settings

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
    headers = header_texts(path, encoding)
    if headers is None:
        return "trip", []
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


def _trip_types(texts: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(trip_type id or null, the delivered text where it is not a known trip type)."""
    lowered = texts.str.lower()
    ids = lowered.map(TRIP_TYPES).astype(object)
    unknown = texts.astype(object).where(texts.notna().astype(bool) & ids.isna().to_numpy())
    return ids, unknown


def _masked_identity_numbers(travellers: pd.Series) -> pd.Series:
    """The masked value where a traveller id is a personnummer or samordningsnummer, else null.

    The shape is checked column-wise first; only the few all-digit ids get the date and Luhn check.
    """
    out = pd.Series(None, index=travellers.index, dtype=object)
    shaped = travellers.str.fullmatch(_IDENTITY_NUMBER.pattern).fillna(False).astype(bool)
    if shaped.any():
        candidates = travellers[shaped].astype(object)
        numbers = candidates[candidates.map(is_personal_identity_number).astype(bool)]
        out[numbers.index] = numbers.map(mask)
    return out


class ServiceTripSource(ChunkedExtract):
    name = "ridership_service_trips"
    depends_on: tuple[str, ...] = ()
    contract_doc = "docs/extracts/ridership_service_trips.md"
    schema = pa.schema(
        [
            pa.field("service_date", pa.date32(), nullable=False),
            pa.field("trip_type", pa.string(), nullable=False),
            pa.field("traveller_id", pa.string()),
            pa.field("passengers", pa.int32()),
            pa.field("trips", pa.int32(), nullable=False),
            pa.field("km", pa.float64()),
            pa.field("passenger_km", pa.float64(), nullable=False),
            pa.field("cost", pa.float64(), nullable=False),
            pa.field("order_id", pa.string()),
            pa.field("layout", pa.string(), nullable=False),
            *PERIOD_FIELDS,
        ]
    )

    def stream(
        self, path: Path, encoding: str, region_id: str, settings: Settings, state: StreamState
    ) -> Iterator[pd.DataFrame]:
        violations: list[Violation] = []
        try:
            period = delivery_period(path)
        except ContractViolation as error:
            violations += error.violations
        layout, layout_violations = choose_layout(path, encoding)
        violations += layout_violations
        if violations:
            raise ContractViolation(path.name, violations)
        if layout == "summary":
            return self._summary(path, encoding, period, state)
        return self._trips(path, encoding, period, state)

    def _trips(self, path: Path, encoding: str, period: DeliveryPeriod, state: StreamState) -> Iterator[pd.DataFrame]:
        orders = FirstSeen()

        def prepare(frame: pd.DataFrame) -> pd.DataFrame:
            if "order_id" not in frame:
                frame["order_id"] = None
            frame["trip_type"], frame["trip_type_unknown"] = _trip_types(frame["trip_type_text"])
            frame["traveller_is_identity_number"] = _masked_identity_numbers(frame["traveller_id"])
            frame["date_outside_period"] = dates_outside(frame["service_date"], period)
            frame["order_id_repeated"] = orders.repeated(frame["order_id"], frame["line_no"])
            return frame

        def expectations(frame: pd.DataFrame) -> list[Any]:
            return [
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
                null_unless_broken("trip_type_unknown", TRIP_TYPE_RULE),
                null_unless_broken(
                    "traveller_is_identity_number",
                    "Resenär must be a pseudonymised id, not a personal identity number",
                ),
                gxe.ExpectColumnValuesToBeBetween(
                    column="passengers",
                    min_value=1,
                    meta={"rule": "Antal resenärer is at least 1 (the traveller plus co-travellers)"},
                ),
                *not_negative({"km": "Km", "cost": "Kostnad"}),
                null_unless_broken("date_outside_period", outside_rule("Resdatum", period)),
                null_unless_broken("order_id_repeated", "Beställning appears twice in the delivery"),
            ]

        def to_raw(frame: pd.DataFrame) -> pd.DataFrame:
            raw = pd.DataFrame(
                {
                    "service_date": frame["service_date"],
                    "trip_type": frame["trip_type"],
                    "traveller_id": frame["traveller_id"],
                    "passengers": frame["passengers"],
                    "trips": pd.Series(1, index=frame.index, dtype="int64"),
                    "km": frame["km"],
                    "passenger_km": (frame["km"] * frame["passengers"].astype("float64")).round(1),
                    "cost": frame["cost"],
                    "order_id": frame["order_id"],
                    "layout": "trip",
                }
            )
            return with_period(raw, period)

        return self._checked(
            path,
            encoding,
            TRIP_FIELDS,
            state,
            prepare,
            expectations,
            to_raw,
            {
                "trip_type_unknown": "Restyp",
                "traveller_is_identity_number": "Resenär",
                "date_outside_period": "Resdatum",
                "order_id_repeated": "Beställning",
            },
        )

    def _summary(self, path: Path, encoding: str, period: DeliveryPeriod, state: StreamState) -> Iterator[pd.DataFrame]:
        keys = FirstSeen()

        def prepare(frame: pd.DataFrame) -> pd.DataFrame:
            frame["trip_type"], frame["trip_type_unknown"] = _trip_types(frame["trip_type_text"])
            frame["month_outside_period"] = months_outside(frame["service_date"], period)
            month = pd.to_datetime(frame["service_date"]).dt.strftime("%Y-%m").astype(object)
            kind = frame["trip_type"].fillna(frame["trip_type_text"].str.lower().astype(object))
            frame["month_type_repeated"] = keys.repeated(month + " " + kind, frame["line_no"])
            return frame

        def expectations(frame: pd.DataFrame) -> list[Any]:
            return [
                *required(
                    {
                        "service_date": "Månad",
                        "trip_type_text": "Restyp",
                        "trips": "Antal resor",
                        "passenger_km": "Resenärkm",
                        "cost": "Kostnad",
                    }
                ),
                null_unless_broken("trip_type_unknown", TRIP_TYPE_RULE),
                *not_negative({"trips": "Antal resor", "passenger_km": "Resenärkm", "cost": "Kostnad"}),
                null_unless_broken("month_outside_period", outside_rule("Månad", period)),
                null_unless_broken("month_type_repeated", "a Månad and Restyp appear twice in the delivery"),
            ]

        def to_raw(frame: pd.DataFrame) -> pd.DataFrame:
            raw = pd.DataFrame(
                {
                    "service_date": frame["service_date"],
                    "trip_type": frame["trip_type"],
                    "traveller_id": pd.Series(None, index=frame.index, dtype=object),
                    "passengers": pd.Series(pd.NA, index=frame.index, dtype="Int64"),
                    "trips": frame["trips"],
                    "km": pd.Series(float("nan"), index=frame.index),
                    "passenger_km": frame["passenger_km"],
                    "cost": frame["cost"],
                    "order_id": pd.Series(None, index=frame.index, dtype=object),
                    "layout": "summary",
                }
            )
            return with_period(raw, period)

        return self._checked(
            path,
            encoding,
            SUMMARY_FIELDS,
            state,
            prepare,
            expectations,
            to_raw,
            {
                "trip_type_unknown": "Restyp",
                "month_outside_period": "Månad",
                "month_type_repeated": "Månad, Restyp",
            },
        )

    def _checked(
        self,
        path: Path,
        encoding: str,
        fields: Sequence[Field],
        state: StreamState,
        prepare: Callable[[pd.DataFrame], pd.DataFrame],
        expectations: Callable[[pd.DataFrame], list[Any]],
        to_raw: Callable[[pd.DataFrame], pd.DataFrame],
        derived_headers: dict[str, str],
    ) -> Iterator[pd.DataFrame]:
        return checked_stream(
            path,
            encoding,
            fields,
            suite_name=f"contract_{self.name}",
            state=state,
            prepare=prepare,
            expectations=expectations,
            to_raw=to_raw,
            periods=lambda frame: month_codes(frame["service_date"]),
            derived_headers=derived_headers,
            chunk_rows=self.chunk_rows,
        )
