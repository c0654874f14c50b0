"""The finance rules of the gate: frames computed read-only from the build database and the raw layer,
each checked by a GX suite before anything is published (docs/finance.md).

- ``ledger_reconciles``: every posting loaded sums to the ledger total per region and month. The raw
  layer (latest delivery per month, read independently of dbt) and ``fct_ledger_balances`` agree in
  rows and in amount to the öre.
- ``plan_coverage``: the budget covers every responsibility with postings in a budgeted year, and
  every forecast vintage covers every responsibility with postings in its year so far.
- ``deviations_consistent``: deviation = budget − outcome (ledger sign) holds row by row in the
  published table, likewise forecast and investment deviations.
- ``totals_add_up``: a node's total equals the sum of its report sections and of its account groups,
  a section the sum of its report lines, and (monthly outcome) a node the sum of its child nodes plus
  what is booked directly on it, less internal postings at the region node.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from ingest.reference import latest_delivery_rows

SUITE_LEDGER = "finance__ledger_reconciles"
SUITE_COVERAGE = "finance__plan_coverage"
SUITE_DEVIATIONS = "finance__deviations_consistent"
SUITE_TOTALS = "finance__totals_add_up"


_LEDGER_SQL = f"""
with delivered_rows as (
    select region_id, period_month::date as period_month, amount, _delivery_seq
    from read_parquet(?, union_by_name = true)
),
raw as ({latest_delivery_rows("delivered_rows", ["region_id", "period_month"])}),
delivered as (
    select region_id, period_month, count(*) as raw_rows, sum(round(amount, 2)::decimal(18, 2)) as raw_amount
    from raw group by all
),
built as (
    select region_id, period_month, sum(posting_count) as fact_rows, sum(amount) as fact_amount
    from marts.fct_ledger_balances group by all
)
select
    coalesce(delivered.region_id, built.region_id) as region_id,
    strftime(coalesce(delivered.period_month, built.period_month), '%Y-%m') as period,
    coalesce(delivered.raw_rows, 0) - coalesce(built.fact_rows, 0) as row_difference,
    cast(coalesce(delivered.raw_amount, 0) - coalesce(built.fact_amount, 0) as double) as amount_difference
from delivered
full join built on built.region_id = delivered.region_id and built.period_month = delivered.period_month
"""  # noqa: S608 - code-owned SQL; the files are a bound parameter

#: Stands in for the raw ledger files before any finance delivery.
_NO_DELIVERIES = (
    "(select null::varchar as region_id, null::date as period_month, null::double as amount, "
    "null::bigint as _delivery_seq where false)"
)

_COVERAGE_SQL = """
with active as (
    select distinct region_id, year(period_month) as year, period_month, ansvar
    from marts.fct_ledger_balances
    where in_result and ansvar is not null
),
budgeted_years as (select distinct region_id, year(period_month) as year from marts.fct_budget),
budgeted as (select distinct region_id, year(period_month) as year, ansvar from marts.fct_budget),
vintages as (select distinct region_id, vintage_month, forecast_year from marts.fct_forecast),
forecast as (select distinct region_id, vintage_month, ansvar from marts.fct_forecast)
select distinct
    'budget' as plan, active.region_id, cast(active.year as varchar) as plan_period, active.ansvar,
    budgeted.ansvar is not null as is_covered
from active
inner join budgeted_years on budgeted_years.region_id = active.region_id and budgeted_years.year = active.year
left join budgeted
    on budgeted.region_id = active.region_id and budgeted.year = active.year and budgeted.ansvar = active.ansvar
union all
select distinct
    'forecast', active.region_id, strftime(vintages.vintage_month, '%Y-%m'), active.ansvar,
    forecast.ansvar is not null
from vintages
inner join active
    on active.region_id = vintages.region_id
    and active.year = vintages.forecast_year
    and active.period_month <= vintages.vintage_month
left join forecast
    on forecast.region_id = vintages.region_id
    and forecast.vintage_month = vintages.vintage_month
    and forecast.ansvar = active.ansvar
"""


_DEVIATIONS_SQL = """
with wide as (
    select region_id, organisation_id, breakdown, breakdown_id, period, "window",
        max(value) filter (where indicator_id = 'finance_outcome') as outcome,
        max(value) filter (where indicator_id = 'finance_budget') as budget,
        max(value) filter (where indicator_id = 'finance_budget_deviation') as deviation
    from marts.kpi_indicator_values
    where indicator_id in ('finance_outcome', 'finance_budget', 'finance_budget_deviation')
    group by all
),
annual as (
    select region_id, organisation_id, breakdown, breakdown_id, left(period, 4) as year, value as annual_budget
    from marts.kpi_indicator_values where indicator_id = 'finance_budget' and "window" = 'year'
),
forecasts as (
    select region_id, organisation_id, breakdown, breakdown_id, period, "window",
        max(value) filter (where indicator_id = 'finance_forecast') as forecast,
        max(value) filter (where indicator_id = 'finance_forecast_deviation') as deviation
    from marts.kpi_indicator_values
    where indicator_id in ('finance_forecast', 'finance_forecast_deviation')
    group by all
)
select 'budget_deviation' as rule_id, region_id, organisation_id, breakdown, breakdown_id, period, "window",
    deviation - (budget - outcome) as difference
from wide where deviation is not null
union all
select 'forecast_deviation', forecasts.region_id, forecasts.organisation_id, forecasts.breakdown,
    forecasts.breakdown_id, forecasts.period, forecasts."window",
    forecasts.deviation - (annual.annual_budget - forecasts.forecast)
from forecasts
left join annual
    on annual.region_id = forecasts.region_id and annual.organisation_id = forecasts.organisation_id
    and annual.breakdown = forecasts.breakdown and annual.breakdown_id = forecasts.breakdown_id
    and annual.year = left(forecasts.period, 4)
where forecasts.deviation is not null
"""

_TOTALS_SQL = """
with amounts as (
    select region_id, organisation_id, breakdown, breakdown_id, period, "window", indicator_id, value
    from marts.kpi_indicator_values where indicator_id in ('finance_outcome', 'finance_budget', 'finance_forecast')
),
totals as (select * from amounts where breakdown = 'total'),
by_parts as (
    select region_id, organisation_id, breakdown as part_kind, period, "window", indicator_id, sum(value) as parts
    from amounts where breakdown in ('report_section', 'account_group')
    group by all
),
sections as (select * from amounts where breakdown = 'report_section'),
lines as (
    select region_id, organisation_id, period, "window", indicator_id, section.breakdown_id as section,
        sum(amounts.value) as lines
    from amounts
    inner join (
        select distinct region_id as r, report_line_id, report_section as breakdown_id from marts.fct_ledger_balances
        union select distinct region_id, report_line_id, report_section from marts.fct_budget
        union select distinct region_id, report_line_id, report_section from marts.fct_forecast
    ) as section
        on section.r = amounts.region_id and section.report_line_id = amounts.breakdown_id
    where amounts.breakdown = 'report_line'
    group by all
)
select 'parts_' || by_parts.part_kind || '_add_up' as rule_id,
    totals.region_id, totals.organisation_id, totals.indicator_id, totals.period, totals."window",
    by_parts.parts - totals.value as difference
from totals
inner join by_parts
    on by_parts.region_id = totals.region_id and by_parts.organisation_id = totals.organisation_id
    and by_parts.period = totals.period and by_parts."window" = totals."window"
    and by_parts.indicator_id = totals.indicator_id
union all
select 'report_lines_add_up_to_section', sections.region_id, sections.organisation_id, sections.indicator_id,
    sections.period, sections."window", lines.lines - sections.value
from sections
inner join lines
    on lines.region_id = sections.region_id and lines.organisation_id = sections.organisation_id
    and lines.period = sections.period and lines."window" = sections."window"
    and lines.indicator_id = sections.indicator_id and lines.section = sections.breakdown_id
"""

_TREE_SQL = """
with outcome as (
    select region_id, organisation_id, period, value
    from marts.kpi_indicator_values
    where indicator_id = 'finance_outcome' and breakdown = 'total' and "window" = 'month'
),
tree as (
    select distinct region_id, strftime(period_month, '%Y-%m') as period, organisation_id,
        parent_organisation_id, organisation_level
    from intermediate.int_organisation_ancestors_resolved
    where ancestor_depth = 0
),
children as (
    select tree.region_id, tree.parent_organisation_id as organisation_id, tree.period, sum(outcome.value) as children
    from tree
    inner join outcome
        on outcome.region_id = tree.region_id and outcome.organisation_id = tree.organisation_id
        and outcome.period = tree.period
    group by all
),
direct as (
    select region_id, ansvar as organisation_id, strftime(period_month, '%Y-%m') as period,
        sum(amount) as direct_amount
    from marts.fct_ledger_balances where in_result group by all
),
internal as (
    select region_id, strftime(period_month, '%Y-%m') as period, sum(amount) as internal_amount
    from marts.fct_ledger_balances where in_result and is_internal group by all
)
select 'nodes_add_up' as rule_id, outcome.region_id, outcome.organisation_id,
    'finance_outcome' as indicator_id, outcome.period, 'month' as "window",
    coalesce(children.children, 0) + coalesce(direct.direct_amount, 0)
        - case when tree.organisation_level = 'region' then coalesce(internal.internal_amount, 0) else 0 end
        - outcome.value as difference
from outcome
inner join tree
    on tree.region_id = outcome.region_id and tree.organisation_id = outcome.organisation_id
    and tree.period = outcome.period
left join children
    on children.region_id = outcome.region_id and children.organisation_id = outcome.organisation_id
    and children.period = outcome.period
left join direct
    on direct.region_id = outcome.region_id and direct.organisation_id = outcome.organisation_id
    and direct.period = outcome.period
left join internal on internal.region_id = outcome.region_id and internal.period = outcome.period
"""


def finance_frames(con: duckdb.DuckDBPyConnection, raw_dir: Path) -> dict[str, pd.DataFrame]:
    """The frames the finance suites check, computed in the gate's read-only session."""
    ledger_files = [str(p) for p in sorted((raw_dir / "finance_ledger").glob("*/*.parquet"))]
    ledger = (
        con.execute(_LEDGER_SQL, [ledger_files]).df()
        if ledger_files
        else con.execute(_LEDGER_SQL.replace("read_parquet(?, union_by_name = true)", _NO_DELIVERIES)).df()
    )
    totals = pd.concat([con.execute(_TOTALS_SQL).df(), con.execute(_TREE_SQL).df()], ignore_index=True)
    return {
        SUITE_LEDGER: ledger,
        SUITE_COVERAGE: con.execute(_COVERAGE_SQL).df(),
        SUITE_DEVIATIONS: con.execute(_DEVIATIONS_SQL).df(),
        SUITE_TOTALS: totals,
    }


def _meta(rule_id: str, rule: str) -> dict[str, Any]:
    return {"meta": {"rule_id": rule_id, "rule": rule}, "notes": rule}


def finance_plan(frames: dict[str, pd.DataFrame], tolerance: float) -> list[tuple[str, pd.DataFrame, list, tuple, str]]:
    """(suite, frame, expectations, index columns, asset name) for each finance suite."""
    import great_expectations.expectations as gxe

    def within(column: str, rule_id: str, rule: str) -> Any:
        return gxe.ExpectColumnValuesToBeBetween(
            column=column, min_value=-tolerance, max_value=tolerance, **_meta(rule_id, f"{rule} (± {tolerance} SEK)")
        )

    return [
        (
            SUITE_LEDGER,
            frames[SUITE_LEDGER],
            [
                gxe.ExpectColumnValuesToBeBetween(
                    column="row_difference",
                    min_value=0,
                    max_value=0,
                    **_meta("ledger_rows_reconcile", "every delivered ledger row of a month is in fct_ledger_balances"),
                ),
                within(
                    "amount_difference",
                    "ledger_total_reconciles",
                    "the postings loaded sum to the delivered ledger total per region and month",
                ),
            ],
            ("region_id", "period"),
            "fct_ledger_balances__reconciliation",
        ),
        (
            SUITE_COVERAGE,
            frames[SUITE_COVERAGE],
            [
                gxe.ExpectColumnValuesToBeInSet(
                    column="is_covered",
                    value_set=[True],
                    **_meta(
                        "plans_cover_active_responsibilities",
                        "every responsibility with postings in a budgeted year has a budget, and every "
                        "forecast vintage covers every responsibility with postings in its year so far",
                    ),
                )
            ],
            ("plan", "region_id", "plan_period", "ansvar"),
            "fct_budget_fct_forecast__coverage",
        ),
        (
            SUITE_DEVIATIONS,
            frames[SUITE_DEVIATIONS],
            [
                gxe.ExpectColumnValuesToNotBeNull(
                    column="difference",
                    **_meta("deviation_has_its_inputs", "every published deviation has its budget and outcome"),
                ),
                within("difference", "deviation_is_budget_minus_outcome", "deviation = budget − outcome, row by row"),
            ],
            ("rule_id", "region_id", "organisation_id", "breakdown", "breakdown_id", "period", "window"),
            "kpi_indicator_values__finance_deviations",
        ),
        (
            SUITE_TOTALS,
            frames[SUITE_TOTALS],
            [within("difference", "totals_equal_sum_of_parts", "a total equals the sum of its parts")],
            ("rule_id", "region_id", "organisation_id", "indicator_id", "period", "window"),
            "kpi_indicator_values__finance_totals",
        ),
    ]
