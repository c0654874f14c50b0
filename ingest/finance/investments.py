"""The investment extract: per project, the year's budget, the outcome to date and the forecast.

See docs/extracts/finance_investments.md. Amounts are spend (positive); a later delivery of the same
period replaces it.
"""

from __future__ import annotations

from ingest.extract import Field, Rule, Staged, Unique, month_code, required
from ingest.organisation.units import unit_rules, units_table
from ingest.sources import CsvSource, Delivered, Plan, RawColumn

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


class InvestmentSource(CsvSource):
    name = "finance_investments"
    depends_on: tuple[str, ...] = ("organisation",)
    contract_doc = "docs/extracts/finance_investments.md"
    schema = (
        RawColumn("period_month", "DATE", nullable=False),
        RawColumn("project_code", "VARCHAR", nullable=False),
        RawColumn("project_name", "VARCHAR", nullable=False),
        RawColumn("ansvar", "VARCHAR", nullable=False),
        *[RawColumn(name, "DOUBLE", nullable=False) for name in AMOUNTS],
    )
    fields = FIELDS

    def plan(self, delivered: Delivered, staged: Staged) -> Plan:
        known, setup = units_table(delivered.settings, delivered.region_id)
        return Plan(
            rules=[
                *required(("period_month", "project_code", "project_name", *AMOUNTS)),
                *[
                    Rule("a budget or forecast is never negative", f"{c} < 0", (c,))
                    for c in ("annual_budget", "full_year_forecast")
                ],
                Unique(
                    "a project appears twice for the same period",
                    ("period_month", "project_code"),
                    ("period_month", "project_code"),
                    later=False,
                ),
                *unit_rules("ansvar", "period_month", known=known),
            ],
            periods=month_code("period_month"),
            measure="outcome_to_date",
            setup=setup,
        )
