"""Budget and forecast extracts: the plan per responsibility and account (or report line).

Both are small next to the ledger but are read the same way (checked in DuckDB, GX once per file). Amounts
carry the ledger sign. A budget row is a month of a year; a forecast row is a full-year amount made
after a month (its vintage). See docs/extracts/finance_budget.md and finance_forecast.md.
"""

from __future__ import annotations

from typing import ClassVar

from ingest.extract import Field, Rule, Staged, month_code
from ingest.finance.common import ACCOUNT_RULE, CODE_FIELDS, report_line_ids
from ingest.organisation.units import unit_rules, units_table
from ingest.sources import CsvSource, Delivered, Plan, RawColumn, in_values

_PLAN_FIELDS = [
    Field("Ansvar", "ansvar"),
    Field("Konto", "konto", required=False),
    Field("Rapportrad", "report_line_id", required=False),
    *CODE_FIELDS,
]
_PLAN_SCHEMA = (
    RawColumn("ansvar", "VARCHAR", nullable=False),
    RawColumn("konto", "VARCHAR"),
    RawColumn("report_line_id", "VARCHAR"),
    RawColumn("verksamhet", "VARCHAR"),
    RawColumn("aktivitet", "VARCHAR"),
    RawColumn("projekt", "VARCHAR"),
    RawColumn("amount", "DOUBLE", nullable=False),
)


class _PlanSource(CsvSource):
    """What budget and forecast share: code parts, an account or a report line, a month, an amount.

    A subclass names its month column, its leading fields and amount header, and adds the rules of
    its own columns (``_derived`` and ``_own_rules``).
    """

    depends_on: ClassVar[tuple[str, ...]] = ("organisation",)
    one_of = ((("konto",), ("report_line_id",)),)
    month_column: ClassVar[str]
    amount_header: ClassVar[str]
    leading_fields: ClassVar[list[Field]]

    def fields_for(self, delivered: Delivered) -> list[Field]:
        return [*self.leading_fields, *_PLAN_FIELDS, Field(self.amount_header, "amount", "number", max_decimals=2)]

    def _derived(self) -> dict[str, str]:
        return {}

    def _own_rules(self) -> list[Rule]:
        return []

    def plan(self, delivered: Delivered, staged: Staged) -> Plan:
        known, setup = units_table(delivered.settings, delivered.region_id)
        lines = report_line_ids(delivered.settings, delivered.region_id)
        return Plan(
            derived=self._derived(),
            rules=[
                *self._own_rules(),
                Rule(f"{self.amount_header} is required", "amount IS NULL", ("amount",)),
                Rule(
                    "a row needs a Konto or a Rapportrad",
                    "konto IS NULL AND report_line_id IS NULL",
                    header="Konto, Rapportrad",
                ),
                ACCOUNT_RULE,
                Rule(
                    "Rapportrad must be a report line of seeds/report_lines.csv for the region",
                    f"report_line_id IS NOT NULL AND NOT {in_values('report_line_id', lines)}",
                    ("report_line_id",),
                ),
                *unit_rules("ansvar", self.month_column, known=known),
            ],
            periods=month_code(self.month_column),
            measure="amount",
            setup=setup,
        )


class BudgetSource(_PlanSource):
    name = "finance_budget"
    contract_doc = "docs/extracts/finance_budget.md"
    month_column = "period_month"
    amount_header = "Belopp"
    leading_fields: ClassVar[list[Field]] = [Field("År", "year", "integer"), Field("Månad", "month", "integer")]
    schema = (RawColumn("period_month", "DATE", nullable=False), *_PLAN_SCHEMA)

    def _derived(self) -> dict[str, str]:
        valid = "year BETWEEN 2000 AND 2100 AND month BETWEEN 1 AND 12"
        return {
            "year_month_valid": f"coalesce({valid}, false)",
            "period_month": "CASE WHEN year_month_valid "
            "THEN make_date(CAST(year AS INTEGER), CAST(month AS INTEGER), 1) END",
        }

    def _own_rules(self) -> list[Rule]:
        return [
            Rule(
                "År must be 2000-2100 and Månad 1-12",
                "NOT year_month_valid",
                header="År, Månad",
                value="coalesce(CAST(year AS VARCHAR), '<NA>') || '-' || coalesce(CAST(month AS VARCHAR), '<NA>')",
            )
        ]


class ForecastSource(_PlanSource):
    name = "finance_forecast"
    contract_doc = "docs/extracts/finance_forecast.md"
    month_column = "vintage_month"
    amount_header = "Helårsprognos"
    leading_fields: ClassVar[list[Field]] = [Field("Prognostillfälle", "vintage_month", "period")]
    schema = (RawColumn("vintage_month", "DATE", nullable=False), *_PLAN_SCHEMA)

    def _own_rules(self) -> list[Rule]:
        return [Rule("Prognostillfälle is required", "vintage_month IS NULL", ("vintage_month",))]
