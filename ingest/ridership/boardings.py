"""The boardings extract: validations from the ticketing system, or counted/estimated boardings per stop visit.

Two layouts, told apart by the header (docs/extracts/ridership_boardings.md):

- **validation**: one row per validation (``Tidpunkt``, ``Linje``, ``Hållplats``, ``Biljettprodukt``,
  ...); each row is one boarding. A large region delivers about 22 million a year, so the file is
  streamed in chunks and never held whole.
- **count**: one row per stop visit (or per line and day) with ``Påstigande`` and ``Avstigande``, as
  passenger counters (APC) or estimates deliver them; modelled on TIDES ``stop_visits`` and GTFS-ride
  ``board_alight``.

Lines, stops and trips must exist in the region's GTFS feeds (the union of all delivered feeds), the
ticket product in ``seeds/ticket_products.csv``, and every traffic day in the delivery's period
(named by the file name). The raw table keeps the codes as delivered; the line of a row that names
only a trip is resolved from GTFS in dbt.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import great_expectations.expectations as gxe
import numpy as np
import pandas as pd
import pyarrow as pa

from ingest.chunked import Field
from ingest.contract import ContractViolation, Violation, normalise_header
from ingest.finance.common import checked_stream, month_codes
from ingest.ridership.common import (
    PERIOD_FIELDS,
    ChunkedExtract,
    DeliveryPeriod,
    delivery_period,
    header_texts,
    seed_rows,
)
from ingest.ridership.gtfs import gtfs_reference
from ingest.sources import StreamState
from regionkpi.settings import Settings

FIELDS = [
    Field("Tidpunkt", "validated_at", "timestamp", required=False),
    Field("Trafikdag", "service_date", "date", required=False),
    Field("Linje", "line", required=False),
    Field("Tur", "trip_id", required=False),
    Field("Hållplats", "stop_id", required=False),
    Field("Biljettprodukt", "product", required=False),
    Field("Valideringstyp", "validation_type", required=False),
    Field("Transaktion", "transaction_id", required=False),
    Field("Påstigande", "boardings", "integer", required=False),
    Field("Avstigande", "alightings", "integer", required=False),
    Field("Källa", "count_source", required=False),
]
#: Rows per chunk: a validation row is narrow but a chunk carries a dozen rule columns; at 100 000 rows a
#: month of 1,9 million validations ingests with a peak of about 600 MB (750 MB at the default 250 000)
#: for about 15 % more time (benchmarks/ridership.py).
CHUNK_ROWS = 100_000
#: A file is one of the two layouts: validations (a timestamp per row) or counts (boardings per row).
ONE_OF = [[["validated_at"], ["boardings"]]]
LAYOUT_REQUIRED = {
    "validation": ("validated_at", "line", "stop_id", "product", "count_source"),
    "count": ("service_date", "boardings", "count_source"),
}
#: The source of a count, as delivered (Swedish or English) -> the id the warehouse keeps.
COUNT_SOURCES = {
    "validation": "validation",
    "validering": "validation",
    "counter": "counter",
    "apc": "counter",
    "räknare": "counter",
    "automatisk trafikanträkning": "counter",
    "estimate": "estimate",
    "skattning": "estimate",
    "uppskattning": "estimate",
}
#: A traffic day runs from 00:00 to 04:00 the next morning (a night trip belongs to the day it started).
DAY_CHANGE_HOURS = 4
#: A validation may lie up to this many hours after its traffic day's midnight.
MAX_HOURS_AFTER_MIDNIGHT = 30

_DERIVED_HEADERS = {
    "count_source_unknown": "Källa",
    "line_missing": "Linje, Tur",
    "line_unknown": "Linje",
    "stop_unknown": "Hållplats",
    "trip_unknown": "Tur",
    "trip_line_mismatch": "Tur, Linje",
    "product_unknown": "Biljettprodukt",
    "outside_period": "Trafikdag, Tidpunkt",
    "outside_traffic_day": "Tidpunkt",
    "duplicate_key": "Trafikdag, Linje, Tur, Hållplats, Biljettprodukt",
    "duplicate_transaction": "Transaktion",
}


class BoardingSource(ChunkedExtract):
    name = "ridership_boardings"
    depends_on: tuple[str, ...] = ("gtfs",)
    contract_doc = "docs/extracts/ridership_boardings.md"
    default_chunk_rows = CHUNK_ROWS
    schema = pa.schema(
        [
            pa.field("service_date", pa.date32(), nullable=False),
            pa.field("validated_at", pa.timestamp("us")),
            pa.field("line", pa.string()),
            pa.field("trip_id", pa.string()),
            pa.field("stop_id", pa.string()),
            pa.field("product", pa.string()),
            pa.field("validation_type", pa.string()),
            pa.field("boardings", pa.int32(), nullable=False),
            pa.field("alightings", pa.int32()),
            pa.field("count_source", pa.string(), nullable=False),
            pa.field("layout", pa.string(), nullable=False),
            *PERIOD_FIELDS,
        ]
    )

    def stream(
        self, path: Path, encoding: str, region_id: str, settings: Settings, state: StreamState
    ) -> Iterator[pd.DataFrame]:
        period = delivery_period(path)
        reference = gtfs_reference(settings, region_id)
        if reference is None:
            raise ContractViolation(
                path.name,
                [Violation("the region's GTFS feed has not been delivered yet: deliver it first, then this file")],
            )
        products = {row["product_code"] for row in seed_rows(settings, "ticket_products", region_id)}
        check = _Checker(path.name, period, reference, products)
        derived_headers = dict(_DERIVED_HEADERS)
        headers = header_texts(path, encoding)
        if headers is not None:  # the layout from the header, so a file of a header only is checked too
            by_header = {normalise_header(f.header): f.name for f in FIELDS}
            columns = {by_header[h] for h in headers if h in by_header}
            if "validated_at" in columns or "boardings" in columns:  # else the reader names what is missing
                check.layout = check.layout_of(columns)
            if "service_date" not in columns:  # the traffic day comes from Tidpunkt
                derived_headers["service_date"] = "Tidpunkt"
        return checked_stream(
            path,
            encoding,
            FIELDS,
            one_of=ONE_OF,
            suite_name="contract_ridership_boardings",
            state=state,
            prepare=check.prepare,
            expectations=check.expectations,
            to_raw=check.to_raw,
            periods=lambda frame: month_codes(frame["service_date"].dt.to_period("M").dt.to_timestamp()),
            derived_headers=derived_headers,
            chunk_rows=self.chunk_rows,
        )


class _Checker:
    """Derives the rule columns of a chunk and remembers the keys seen in earlier chunks."""

    def __init__(self, file_name: str, period: DeliveryPeriod, reference: Any, products: set[str]) -> None:
        self.file_name = file_name
        self.period = period
        self.reference = reference
        self.products = products
        self.layout: str | None = None
        self.seen_keys = np.empty(0, dtype="uint64")
        self.seen_transactions = np.empty(0, dtype="uint64")

    def layout_of(self, columns: set[str] | pd.DataFrame) -> str:
        """The layout a header's columns make; :class:`ContractViolation` (line 1) when they make none."""
        layout = "validation" if "validated_at" in columns else "count"
        if "validated_at" in columns and "boardings" in columns:
            raise ContractViolation(
                self.file_name,
                [
                    Violation(
                        "a file has either Tidpunkt (one row per validation) or Påstigande (counts), not both",
                        line=1,
                        column="Tidpunkt, Påstigande",
                    )
                ],
            )

        missing = [name for name in LAYOUT_REQUIRED[layout] if name not in columns]
        if layout == "count" and "line" not in columns and "trip_id" not in columns:
            missing.append("line")
        if missing:
            headers = {f.name: f.header for f in FIELDS}
            raise ContractViolation(
                self.file_name,
                [
                    Violation(
                        f"the {layout} layout needs the column(s) {', '.join(headers[m] for m in missing)}"
                        + (" (Linje or Tur)" if "line" in missing and layout == "count" else ""),
                        line=1,
                        column=", ".join(headers[m] for m in missing),
                    )
                ],
            )
        return layout

    def prepare(self, frame: pd.DataFrame) -> pd.DataFrame:
        self.layout = self.layout or self.layout_of(frame)
        for field in FIELDS:
            if field.name not in frame:
                frame[field.name] = pd.Series(pd.NA, index=frame.index, dtype=_EMPTY_DTYPES.get(field.kind, "string"))
        if self.layout == "validation":
            frame["boardings"] = pd.Series(1, index=frame.index, dtype="Int64")
            derived = (frame["validated_at"] - pd.Timedelta(hours=DAY_CHANGE_HOURS)).dt.normalize()
            frame["service_date"] = frame["service_date"].where(frame["service_date"].notna(), derived)
        frame["layout"] = self.layout

        source = frame["count_source"].str.strip().str.lower()
        mapped = source.map(COUNT_SOURCES)
        frame["count_source_id"] = mapped
        frame["count_source_unknown"] = frame["count_source"].where(source.notna() & mapped.isna())

        ref = self.reference
        line, trip, stop = frame["line"], frame["trip_id"], frame["stop_id"]
        frame["line_unknown"] = line.where(line.notna() & ~line.isin(ref.lines).fillna(False).astype(bool))
        frame["stop_unknown"] = stop.where(stop.notna() & ~stop.isin(ref.stops).fillna(False).astype(bool))
        trip_line = trip.map(ref.trip_lines) if trip.notna().any() else pd.Series(pd.NA, index=frame.index)
        frame["trip_unknown"] = trip.where(trip.notna() & trip_line.isna())
        mismatch = trip_line.notna() & line.notna() & (trip_line.astype("string") != line)
        frame["trip_line_mismatch"] = None
        if mismatch.any():
            frame.loc[mismatch, "trip_line_mismatch"] = (
                "Tur " + trip[mismatch] + " runs on line " + trip_line[mismatch].astype(str) + ", not " + line[mismatch]
            )
        frame["line_missing"] = pd.Series("(empty)", index=frame.index).where(line.isna() & trip.isna())
        product = frame["product"]
        frame["product_unknown"] = product.where(
            product.notna() & ~product.isin(self.products).fillna(False).astype(bool)
        )

        start, end = pd.Timestamp(self.period.start), pd.Timestamp(self.period.end)
        day = frame["service_date"]
        outside = day.notna() & ((day < start) | (day > end))
        frame["outside_period"] = None
        if outside.any():
            frame.loc[outside, "outside_period"] = (
                "traffic day " + day[outside].dt.strftime("%Y-%m-%d") + f" is not in {self.period.label}"
            )
        after_midnight = (frame["validated_at"] - day) / pd.Timedelta(hours=1)
        off_day = frame["validated_at"].notna() & ((after_midnight < 0) | (after_midnight >= MAX_HOURS_AFTER_MIDNIGHT))
        frame["outside_traffic_day"] = None
        if off_day.any():  # the message is built for the offending rows only
            frame.loc[off_day, "outside_traffic_day"] = frame.loc[off_day, "validated_at"].dt.strftime(
                "%Y-%m-%d %H:%M:%S"
            )

        frame["duplicate_key"] = None
        frame["duplicate_transaction"] = None
        if self.layout == "count":
            keys = frame[["service_date", "line", "trip_id", "stop_id", "product"]]
            self.seen_keys, repeated = _repeats(keys, self.seen_keys)
            frame.loc[repeated, "duplicate_key"] = "repeated"
        if frame["transaction_id"].notna().any():
            ids = frame[["transaction_id"]].where(frame[["transaction_id"]].notna())
            self.seen_transactions, repeated = _repeats(ids, self.seen_transactions, skip_missing=True)
            frame.loc[repeated, "duplicate_transaction"] = frame.loc[repeated, "transaction_id"]
        return frame

    def expectations(self, frame: pd.DataFrame) -> list[Any]:
        period = f"{self.period.label} (from the file name)"
        rules = [
            gxe.ExpectColumnValuesToNotBeNull(column="count_source", meta={"rule": "Källa is required"}),
            gxe.ExpectColumnValuesToBeNull(
                column="count_source_unknown",
                meta={"rule": "Källa must be validation, counter or estimate (validering, räknare, skattning)"},
            ),
            gxe.ExpectColumnValuesToNotBeNull(
                column="service_date", meta={"rule": "a row needs its traffic day (Trafikdag, or Tidpunkt)"}
            ),
            gxe.ExpectColumnValuesToBeNull(
                column="outside_period", meta={"rule": f"the traffic day is outside the delivery's period {period}"}
            ),
            gxe.ExpectColumnValuesToBeNull(
                column="line_missing", meta={"rule": "a row needs a Linje or a Tur (whose line GTFS knows)"}
            ),
            gxe.ExpectColumnValuesToBeNull(
                column="line_unknown",
                meta={"rule": "Linje is not a line (route_short_name) of the region's GTFS feeds"},
            ),
            gxe.ExpectColumnValuesToBeNull(
                column="stop_unknown", meta={"rule": "Hållplats is not a stop_id of the region's GTFS feeds"}
            ),
            gxe.ExpectColumnValuesToBeNull(
                column="trip_unknown", meta={"rule": "Tur is not a trip_id of the region's GTFS feeds"}
            ),
            gxe.ExpectColumnValuesToBeNull(
                column="trip_line_mismatch", meta={"rule": "Tur runs on another line than Linje (GTFS trips.txt)"}
            ),
            gxe.ExpectColumnValuesToBeNull(
                column="product_unknown",
                meta={"rule": "Biljettprodukt is not a product_code of seeds/ticket_products.csv for the region"},
            ),
            gxe.ExpectColumnValuesToBeNull(
                column="duplicate_transaction", meta={"rule": "Transaktion appears more than once in the delivery"}
            ),
        ]
        if self.layout == "validation":
            rules += [
                gxe.ExpectColumnValuesToNotBeNull(column="validated_at", meta={"rule": "Tidpunkt is required"}),
                gxe.ExpectColumnValuesToNotBeNull(column="line", meta={"rule": "Linje is required"}),
                gxe.ExpectColumnValuesToNotBeNull(column="stop_id", meta={"rule": "Hållplats is required"}),
                gxe.ExpectColumnValuesToNotBeNull(column="product", meta={"rule": "Biljettprodukt is required"}),
                gxe.ExpectColumnValuesToBeNull(
                    column="outside_traffic_day",
                    meta={
                        "rule": f"Tidpunkt is outside its traffic day (00:00 to {MAX_HOURS_AFTER_MIDNIGHT - 24:02d}:00 "
                        "the next morning)"
                    },
                ),
            ]
        else:
            rules += [
                gxe.ExpectColumnValuesToNotBeNull(column="boardings", meta={"rule": "Påstigande is required"}),
                gxe.ExpectColumnValuesToBeBetween(
                    column="boardings", min_value=0, meta={"rule": "Påstigande is a count: never negative"}
                ),
                gxe.ExpectColumnValuesToBeBetween(
                    column="alightings", min_value=0, meta={"rule": "Avstigande is a count: never negative"}
                ),
                gxe.ExpectColumnValuesToBeNull(
                    column="duplicate_key",
                    meta={"rule": "a traffic day, line, trip, stop and product is counted twice in the delivery"},
                ),
            ]
        return rules

    def to_raw(self, frame: pd.DataFrame) -> pd.DataFrame:
        raw = pd.DataFrame(
            {
                "service_date": frame["service_date"],
                "validated_at": frame["validated_at"],
                "line": frame["line"],
                "trip_id": frame["trip_id"],
                "stop_id": frame["stop_id"],
                "product": frame["product"],
                "validation_type": frame["validation_type"],
                "boardings": frame["boardings"].astype("int32"),
                "alightings": frame["alightings"].astype("Int32"),
                "count_source": frame["count_source_id"],
                "layout": frame["layout"],
                "period_start": pd.Timestamp(self.period.start),
                "period_end": pd.Timestamp(self.period.end),
                "source_line": frame["line_no"],
            }
        )
        return raw


_EMPTY_DTYPES = {"timestamp": "datetime64[s]", "date": "datetime64[s]", "integer": "Int64", "number": "float64"}


def _repeats(keys: pd.DataFrame, seen: np.ndarray, *, skip_missing: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose key repeats one earlier in the chunk or in an earlier chunk; the updated sorted hashes.

    Keys are kept as 64-bit hashes (8 bytes a row) so a delivery's keys stay small in memory.
    """
    hashes = pd.util.hash_pandas_object(keys, index=False).to_numpy()
    present = keys.notna().all(axis=1).to_numpy() if skip_missing else np.ones(len(keys), dtype=bool)
    repeated = pd.Series(hashes).duplicated(keep="first").to_numpy() & present
    if len(seen):
        at = np.minimum(np.searchsorted(seen, hashes), len(seen) - 1)
        repeated |= (seen[at] == hashes) & present
    new = np.unique(hashes[present & ~repeated])
    # two sorted runs: a stable sort merges them in linear time
    merged = np.sort(np.concatenate([seen, new]), kind="stable")
    return merged, repeated
