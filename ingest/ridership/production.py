"""The production extract (trafikproduktion): vehicle-km in revenue service per month, as operators report.

Operators report utbudskilometer per contract (``Avtal``) or, where the authority has already summed
them, per traffic area (``Trafikområde``). The raw table keeps the codes as delivered: dbt resolves a
contract to its traffic area from ``seeds/traffic_area_members.csv``, so a corrected seed needs no
re-ingest. Ingest only checks that a code is known for the region. See
docs/extracts/ridership_production.md.
"""

from __future__ import annotations

from ingest.extract import Field, Rule, Staged, Unique, month_code, not_negative, required, sql_string
from ingest.reference import seed_rows
from ingest.ridership.common import (
    PERIOD_COLUMNS,
    delivery_period,
    outside_months,
    period_raw,
)
from ingest.sources import CsvSource, Delivered, Plan, RawColumn, in_values

FIELDS = [
    Field("Månad", "period_month", "period"),
    Field("Avtal", "contract", required=False),
    Field("Trafikområde", "traffic_area_code", required=False),
    Field("Fordonskm", "vehicle_km", "number", max_decimals=1),
    Field("Operatör", "operator", required=False),
]


class ProductionSource(CsvSource):
    name = "ridership_production"
    depends_on: tuple[str, ...] = ()
    contract_doc = "docs/extracts/ridership_production.md"
    schema = (
        RawColumn("period_month", "DATE", nullable=False),
        RawColumn("contract", "VARCHAR"),
        RawColumn("traffic_area_code", "VARCHAR"),
        RawColumn("vehicle_km", "DOUBLE", nullable=False),
        RawColumn("operator", "VARCHAR"),
        *PERIOD_COLUMNS,
    )
    fields = FIELDS
    one_of = ((("contract",), ("traffic_area_code",)),)

    def before(self, delivered: Delivered) -> list:
        delivery_period(delivered.path)  # a file name without its period is rejected before it is read
        return []

    def plan(self, delivered: Delivered, staged: Staged) -> Plan:
        period = delivery_period(delivered.path)
        settings, region = delivered.settings, delivered.region_id
        patterns = [
            row["pattern"]
            for row in seed_rows(settings, "traffic_area_members", region)
            if row["member_kind"] == "contract"
        ]
        areas = sorted({row["traffic_area_id"] for row in seed_rows(settings, "traffic_areas", region)})
        matches = " OR ".join(f"regexp_full_match(contract, {sql_string(p)})" for p in patterns) or "false"
        return Plan(
            rules=[
                *required({"period_month": "Månad", "vehicle_km": "Fordonskm"}),
                *not_negative({"vehicle_km": "Fordonskm"}),
                Rule(
                    "a row needs an Avtal or a Trafikområde",
                    "contract IS NULL AND traffic_area_code IS NULL",
                    header="Avtal, Trafikområde",
                    value="'(empty)'",
                ),
                Rule(
                    "a row names an Avtal or a Trafikområde, not both",
                    "contract IS NOT NULL AND traffic_area_code IS NOT NULL",
                    header="Avtal, Trafikområde",
                    value="'Avtal=' || contract || '; Trafikområde=' || traffic_area_code",
                ),
                Rule(
                    "Avtal must match a contract pattern of seeds/traffic_area_members.csv for the region",
                    f"contract IS NOT NULL AND NOT ({matches})",
                    header="Avtal",
                    value="contract",
                ),
                Rule(
                    "Trafikområde must be a traffic_area_id of seeds/traffic_areas.csv for the region",
                    f"traffic_area_code IS NOT NULL AND NOT {in_values('traffic_area_code', areas)}",
                    header="Trafikområde",
                    value="traffic_area_code",
                ),
                outside_months("period_month", period, "Månad"),
                Unique(
                    "a Månad and Avtal (or Trafikområde) appear twice in the delivery",
                    (
                        "strftime(period_month, '%Y-%m')",
                        "CASE WHEN contract IS NOT NULL THEN 'Avtal ' || contract "
                        "ELSE 'Trafikområde ' || traffic_area_code END",
                    ),
                    header="Månad, Avtal, Trafikområde",
                ),
            ],
            raw=period_raw(period),
            periods=month_code("period_month"),
            measure="vehicle_km",
            allowed_periods=period.months,
        )
