"""The population extract (folkmängd den 31 december), as SCB and Kolada publish it.

Per-inhabitant KPIs (trips, vehicle-km and net cost per inhabitant) divide by it. The file name needs
no period: a delivery covers the years it holds (``period_start`` = 1 January of the first,
``period_end`` = 31 December of the last), and a later delivery of a year replaces that year.
See docs/extracts/population.md.
"""

from __future__ import annotations

from ingest.extract import Field, Rule, Staged, Unique, not_negative, required
from ingest.ridership.common import PERIOD_COLUMNS
from ingest.sources import CsvSource, Delivered, Plan, RawColumn

FIELDS = [
    Field("År", "year", "integer"),
    Field("Kön", "gender_text", required=False),
    Field("Folkmängd", "population", "integer"),
]
#: T = totalt (both), K = kvinnor, M = män: SCB's codes.
GENDERS = ("T", "K", "M")
FIRST_YEAR, LAST_YEAR = 1900, 2100


class PopulationSource(CsvSource):
    name = "population"
    depends_on: tuple[str, ...] = ()
    contract_doc = "docs/extracts/population.md"
    schema = (
        RawColumn("year", "INTEGER", nullable=False),
        RawColumn("gender", "VARCHAR", nullable=False),
        RawColumn("population", "BIGINT", nullable=False),
        *PERIOD_COLUMNS,
    )
    fields = FIELDS

    def plan(self, delivered: Delivered, staged: Staged) -> Plan:
        return Plan(
            derived={"gender": "coalesce(upper(gender_text), 'T')"},
            rules=[
                *required({"year": "År", "population": "Folkmängd"}),
                Rule(
                    f"År must be a year {FIRST_YEAR}-{LAST_YEAR}",
                    f"year < {FIRST_YEAR} OR year > {LAST_YEAR}",
                    ("year",),
                ),
                *not_negative({"population": "Folkmängd"}),
                Rule(
                    "Kön must be T (totalt), K (kvinnor) or M (män)",
                    "gender NOT IN ('T', 'K', 'M')",
                    header="Kön",
                    value="gender_text",
                ),
                Unique("an År and Kön appear twice in the file", ("CAST(year AS VARCHAR)", "gender"), header="År, Kön"),
            ],
            raw={
                # the period of the years the delivery holds
                "period_start": "make_date(CAST(min(year) OVER () AS INTEGER), 1, 1)",
                "period_end": "make_date(CAST(max(year) OVER () AS INTEGER), 12, 31)",
            },
            periods="CAST(year AS VARCHAR) || '-12'",
            measure="population",
        )
