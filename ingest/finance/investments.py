"""The investment extract: per project, the year's budget, the outcome to date and the forecast.

See docs/extracts/finance_investments.md. Amounts are spend (positive); a later delivery of the same
period replaces it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import great_expectations.expectations as gxe
import pandas as pd
import pyarrow as pa

from ingest.chunked import Field
from ingest.finance.common import ansvar_expectations, ansvar_problems, checked_stream, month_codes
from ingest.hr.organisation import unit_intervals
from ingest.sources import StreamState
from regionkpi.settings import Settings

FIELDS = [
    Field("Period", "period_month", "period"),
    Field("Projekt", "project_code"),
    Field("Projektnamn", "project_name"),
    Field("Ansvar", "ansvar"),
    Field("Årsbudget", "annual_budget", "number", max_decimals=2),
    Field("Utfall ackumulerat", "outcome_to_date", "number", max_decimals=2),
    Field("Årsprognos", "full_year_forecast", "number", max_decimals=2),
]
AMOUNTS = ("annual_budget", "outcome_to_date", "full_year_forecast")


class InvestmentSource:
    name = "finance_investments"
    depends_on: tuple[str, ...] = ("organisation",)
    contract_doc = "docs/extracts/finance_investments.md"
    schema = pa.schema(
        [
            pa.field("period_month", pa.date32(), nullable=False),
            pa.field("project_code", pa.string(), nullable=False),
            pa.field("project_name", pa.string(), nullable=False),
            pa.field("ansvar", pa.string(), nullable=False),
            *[pa.field(name, pa.float64(), nullable=False) for name in AMOUNTS],
        ]
    )

    def reads_own_encoding(self, path: Path) -> bool:
        return False

    def stream(
        self, path: Path, encoding: str, region_id: str, settings: Settings, state: StreamState
    ) -> Iterator[pd.DataFrame]:
        units = unit_intervals(settings, region_id)

        def expectations(frame: pd.DataFrame) -> list[Any]:
            return [
                *[
                    gxe.ExpectColumnValuesToNotBeNull(column=c, meta={"rule": "a value is required"})
                    for c in ("period_month", "project_code", "project_name", *AMOUNTS)
                ],
                *[
                    gxe.ExpectColumnValuesToBeBetween(
                        column=c, min_value=0, meta={"rule": "a budget or forecast is never negative"}
                    )
                    for c in ("annual_budget", "full_year_forecast")
                ],
                gxe.ExpectCompoundColumnsToBeUnique(
                    column_list=["period_month", "project_code"],
                    meta={"rule": "a project appears twice for the same period"},
                ),
                *ansvar_expectations(units is not None),
            ]

        def to_raw(frame: pd.DataFrame) -> pd.DataFrame:
            return frame[[f.name for f in FIELDS]]

        return checked_stream(
            path,
            encoding,
            FIELDS,
            suite_name="contract_finance_investments",
            state=state,
            prepare=lambda frame: ansvar_problems(frame, units, "period_month"),
            expectations=expectations,
            to_raw=to_raw,
            periods=lambda frame: month_codes(frame["period_month"]),
        )
