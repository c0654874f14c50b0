"""Budget and forecast extracts: the plan per responsibility and account (or report line).

Both are small next to the ledger but are read the same way (chunked, GX-checked per chunk). Amounts
carry the ledger sign. A budget row is a month of a year; a forecast row is a full-year amount made
after a month (its vintage). See docs/extracts/finance_budget.md and finance_forecast.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import great_expectations.expectations as gxe
import pandas as pd
import pyarrow as pa

from ingest.chunked import Field
from ingest.finance.common import (
    ACCOUNT_PATTERN,
    CODE_FIELDS,
    ansvar_expectations,
    ansvar_problems,
    checked_stream,
    month_codes,
    report_line_ids,
)
from ingest.hr.organisation import unit_intervals
from ingest.sources import StreamState
from regionkpi.settings import Settings

_PLAN_FIELDS = [
    Field("Ansvar", "ansvar"),
    Field("Konto", "konto", required=False),
    Field("Rapportrad", "report_line_id", required=False),
    *CODE_FIELDS,
]
_ONE_OF = [[["konto"], ["report_line_id"]]]
_PLAN_SCHEMA = [
    pa.field("ansvar", pa.string(), nullable=False),
    pa.field("konto", pa.string()),
    pa.field("report_line_id", pa.string()),
    pa.field("verksamhet", pa.string()),
    pa.field("aktivitet", pa.string()),
    pa.field("projekt", pa.string()),
    pa.field("amount", pa.float64(), nullable=False),
]


def _plan_expectations(frame: pd.DataFrame, units_known: bool, lines: set[str], amount_header: str) -> list[Any]:
    """Rules every plan row obeys: an account or a known report line, an amount, a valid Ansvar."""
    frame["account_or_line"] = frame["konto"].where(frame["konto"].notna(), frame["report_line_id"])
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="amount", meta={"rule": f"{amount_header} is required"}),
        gxe.ExpectColumnValuesToNotBeNull(
            column="account_or_line", meta={"rule": "a row needs a Konto or a Rapportrad"}
        ),
        gxe.ExpectColumnValuesToMatchRegex(
            column="konto",
            regex=ACCOUNT_PATTERN,
            meta={"rule": "Konto must be a Region-Bas account of 4-6 digits in classes 1-8"},
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="report_line_id",
            value_set=sorted(lines),
            meta={"rule": "Rapportrad must be a report line of seeds/report_lines.csv for the region"},
        ),
        *ansvar_expectations(units_known),
    ]


def _with_optional(frame: pd.DataFrame) -> pd.DataFrame:
    for column in ("konto", "report_line_id", "verksamhet", "aktivitet", "projekt"):
        if column not in frame:
            frame[column] = None
    return frame


class _PlanSource:
    """What budget and forecast share: code parts, an account or a report line, a month, an amount.

    A subclass names its month column, its leading fields and amount header, and adds the rules of
    its own columns (``_derive`` and ``_own_expectations``).
    """

    name: str
    contract_doc: str
    depends_on: tuple[str, ...] = ("organisation",)
    month_column: str
    amount_header: str
    derived_headers: ClassVar[dict[str, str]] = {"account_or_line": "Konto, Rapportrad"}

    @property
    def schema(self) -> pa.Schema:
        return pa.schema([pa.field(self.month_column, pa.date32(), nullable=False), *_PLAN_SCHEMA])

    def reads_own_encoding(self, path: Path) -> bool:
        return False

    def _leading_fields(self) -> list[Field]:
        raise NotImplementedError

    def _derive(self, frame: pd.DataFrame) -> pd.DataFrame:
        return frame

    def _own_expectations(self) -> list[Any]:
        return []

    def stream(
        self, path: Path, encoding: str, region_id: str, settings: Settings, state: StreamState
    ) -> Iterator[pd.DataFrame]:
        units = unit_intervals(settings, region_id)
        lines = report_line_ids(settings, region_id)
        fields = [
            *self._leading_fields(),
            *_PLAN_FIELDS,
            Field(self.amount_header, "amount", "number", max_decimals=2),
        ]

        def prepare(frame: pd.DataFrame) -> pd.DataFrame:
            return ansvar_problems(self._derive(_with_optional(frame)), units, self.month_column)

        def expectations(frame: pd.DataFrame) -> list[Any]:
            return [
                *self._own_expectations(),
                *_plan_expectations(frame, units is not None, lines, self.amount_header),
            ]

        return checked_stream(
            path,
            encoding,
            fields,
            one_of=_ONE_OF,
            suite_name=f"contract_{self.name}",
            derived_headers=self.derived_headers,
            state=state,
            prepare=prepare,
            expectations=expectations,
            to_raw=lambda frame: _plan_raw(frame, [self.month_column]),
            periods=lambda frame: month_codes(frame[self.month_column]),
        )


class BudgetSource(_PlanSource):
    name = "finance_budget"
    contract_doc = "docs/extracts/finance_budget.md"
    month_column = "period_month"
    amount_header = "Belopp"
    derived_headers: ClassVar[dict[str, str]] = {
        **_PlanSource.derived_headers,
        "year_month_invalid": "År, Månad",
    }

    def _leading_fields(self) -> list[Field]:
        return [Field("År", "year", "integer"), Field("Månad", "month", "integer")]

    def _derive(self, frame: pd.DataFrame) -> pd.DataFrame:
        valid = (frame["year"].between(2000, 2100) & frame["month"].between(1, 12)).fillna(False).astype(bool)
        parts = pd.DataFrame(
            {"year": frame["year"].where(valid, 2000), "month": frame["month"].where(valid, 1), "day": 1}
        )
        frame["period_month"] = pd.to_datetime(parts.astype("int64")).where(valid)
        frame["year_month_invalid"] = (frame["year"].astype(str) + "-" + frame["month"].astype(str)).where(~valid)
        return frame

    def _own_expectations(self) -> list[Any]:
        return [
            gxe.ExpectColumnValuesToBeNull(
                column="year_month_invalid", meta={"rule": "År must be 2000-2100 and Månad 1-12"}
            )
        ]


class ForecastSource(_PlanSource):
    name = "finance_forecast"
    contract_doc = "docs/extracts/finance_forecast.md"
    month_column = "vintage_month"
    amount_header = "Helårsprognos"

    def _leading_fields(self) -> list[Field]:
        return [Field("Prognostillfälle", "vintage_month", "period")]

    def _own_expectations(self) -> list[Any]:
        return [
            gxe.ExpectColumnValuesToNotBeNull(column="vintage_month", meta={"rule": "Prognostillfälle is required"})
        ]


def _plan_raw(frame: pd.DataFrame, first: list[str]) -> pd.DataFrame:
    columns = [*first, "ansvar", "konto", "report_line_id", *("verksamhet", "aktivitet", "projekt"), "amount"]
    return frame[columns]
