"""The production extract (trafikproduktion): vehicle-km in revenue service per month, as operators report.

Operators report utbudskilometer per contract (``Avtal``) or, where the authority has already summed
them, per traffic area (``Trafikområde``). The raw table keeps the codes as delivered: dbt resolves a
contract to its traffic area from ``seeds/traffic_area_members.csv``, so a corrected seed needs no
re-ingest. Ingest only checks that a code is known for the region. See
docs/extracts/ridership_production.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from ingest.chunked import Field
from ingest.finance.common import checked_stream, month_codes
from ingest.ridership.common import (
    PERIOD_FIELDS,
    ChunkedExtract,
    FirstSeen,
    delivery_period,
    months_outside,
    not_negative,
    null_unless_broken,
    outside_rule,
    required,
    seed_rows,
    traffic_area_of,
    traffic_area_patterns,
    with_period,
)
from ingest.sources import StreamState
from regionkpi.settings import Settings

FIELDS = [
    Field("Månad", "period_month", "period"),
    Field("Avtal", "contract", required=False),
    Field("Trafikområde", "traffic_area_code", required=False),
    Field("Fordonskm", "vehicle_km", "number", max_decimals=1),
    Field("Operatör", "operator", required=False),
]
_ONE_OF = [[["contract"], ["traffic_area_code"]]]
RAW_COLUMNS = ["period_month", "contract", "traffic_area_code", "vehicle_km", "operator"]


class ProductionSource(ChunkedExtract):
    name = "ridership_production"
    depends_on: tuple[str, ...] = ()
    contract_doc = "docs/extracts/ridership_production.md"
    schema = pa.schema(
        [
            pa.field("period_month", pa.date32(), nullable=False),
            pa.field("contract", pa.string()),
            pa.field("traffic_area_code", pa.string()),
            pa.field("vehicle_km", pa.float64(), nullable=False),
            pa.field("operator", pa.string()),
            *PERIOD_FIELDS,
        ]
    )

    def stream(
        self, path: Path, encoding: str, region_id: str, settings: Settings, state: StreamState
    ) -> Iterator[pd.DataFrame]:
        period = delivery_period(path)
        patterns = traffic_area_patterns(settings, region_id, "contract")
        areas = {row["traffic_area_id"] for row in seed_rows(settings, "traffic_areas", region_id)}
        keys = FirstSeen()

        def prepare(frame: pd.DataFrame) -> pd.DataFrame:
            for column in ("contract", "traffic_area_code", "operator"):
                if column not in frame:
                    frame[column] = None
            contract = frame["contract"].astype(object)
            area = frame["traffic_area_code"].astype(object)
            has_contract, has_area = contract.notna(), area.notna()
            frame["contract_and_area"] = ("Avtal=" + contract + "; Trafikområde=" + area).where(has_contract & has_area)
            frame["contract_or_area_missing"] = pd.Series("(empty)", index=frame.index).where(~has_contract & ~has_area)
            known = {code: traffic_area_of(code, patterns) is not None for code in contract.dropna().unique()}
            frame["contract_unknown"] = contract.where(has_contract & ~contract.map(known).fillna(True).astype(bool))
            frame["traffic_area_unknown"] = area.where(has_area & ~area.isin(areas))
            frame["month_outside_period"] = months_outside(frame["period_month"], period)
            month = pd.to_datetime(frame["period_month"]).dt.strftime("%Y-%m").astype(object)
            code = ("Avtal " + contract).where(has_contract, "Trafikområde " + area)
            frame["month_code_repeated"] = keys.repeated(month + " " + code, frame["line_no"])
            return frame

        def expectations(frame: pd.DataFrame) -> list[Any]:
            return [
                *required({"period_month": "Månad", "vehicle_km": "Fordonskm"}),
                *not_negative({"vehicle_km": "Fordonskm"}),
                null_unless_broken("contract_or_area_missing", "a row needs an Avtal or a Trafikområde"),
                null_unless_broken("contract_and_area", "a row names an Avtal or a Trafikområde, not both"),
                null_unless_broken(
                    "contract_unknown",
                    "Avtal must match a contract pattern of seeds/traffic_area_members.csv for the region",
                ),
                null_unless_broken(
                    "traffic_area_unknown",
                    "Trafikområde must be a traffic_area_id of seeds/traffic_areas.csv for the region",
                ),
                null_unless_broken("month_outside_period", outside_rule("Månad", period)),
                null_unless_broken(
                    "month_code_repeated", "a Månad and Avtal (or Trafikområde) appear twice in the delivery"
                ),
            ]

        def to_raw(frame: pd.DataFrame) -> pd.DataFrame:
            return with_period(frame[RAW_COLUMNS].copy(), period)

        return checked_stream(
            path,
            encoding,
            FIELDS,
            one_of=_ONE_OF,
            suite_name=f"contract_{self.name}",
            state=state,
            prepare=prepare,
            expectations=expectations,
            to_raw=to_raw,
            periods=lambda frame: month_codes(frame["period_month"]),
            derived_headers={
                "contract_and_area": "Avtal, Trafikområde",
                "contract_or_area_missing": "Avtal, Trafikområde",
                "contract_unknown": "Avtal",
                "traffic_area_unknown": "Trafikområde",
                "month_outside_period": "Månad",
                "month_code_repeated": "Månad, Avtal, Trafikområde",
            },
            chunk_rows=self.chunk_rows,
        )
