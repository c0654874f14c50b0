"""The public-transport rules of the gate: frames computed read-only from the build database, each
checked by a GX suite before anything is published (docs/ridership.md).

- ``parts_add_up``: boardings (with and without school cards) and vehicle-km per traffic area add up
  to the total, vehicle-km per service kind too, and service trips per trip type add up to all
  service trips: the published parts explain the published total.
- ``changes_consistent``: a published change equals the window's value minus the same window a year
  earlier, both as published, and a change in % equals 100 × (value / value a year earlier − 1).
- ``months_complete``: no month is missing inside the delivered span of boardings, service trips or
  production: every month between a region's first and last delivered month is covered day by day
  (the last month may still be filling up from daily deliveries).
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

SUITE_PARTS = "ridership__parts_add_up"
SUITE_CHANGES = "ridership__changes_consistent"
SUITE_MONTHS = "ridership__months_complete"

#: (indicator, breakdown of the parts) whose parts must add up to the indicator's total.
ADDITIVE = (
    ("boardings", "traffic_area"),
    ("boardings_excl_school_cards", "traffic_area"),
    ("vehicle_km", "traffic_area"),
    ("vehicle_km", "service_kind"),
    ("service_trips", "service_trip_type"),
)
CHANGE_KEYS = (
    "rule_id",
    "region_id",
    "organisation_id",
    "indicator_id",
    "breakdown",
    "breakdown_id",
    "period",
    "window",
)
#: Indicators with published changes against the same window a year earlier.
CHANGED = ("boardings", "boardings_excl_school_cards", "service_trips")

_PARTS_SQL = """
with rules as (
    select * from (values {rules}) as rules (indicator_id, part_breakdown)
),
published as (
    select region_id, organisation_id, indicator_id, period, "window", breakdown, value
    from marts.kpi_indicator_values
    where indicator_id in (select indicator_id from rules)
),
parts as (
    select published.region_id, published.organisation_id, published.indicator_id, published.period,
        published."window", rules.part_breakdown, sum(published.value) as parts
    from published
    inner join rules
        on rules.indicator_id = published.indicator_id and rules.part_breakdown = published.breakdown
    group by all
)
select 'parts_' || parts.part_breakdown || '_add_up' as rule_id, totals.region_id, totals.organisation_id,
    totals.indicator_id, totals.period, totals."window", parts.parts - totals.value as difference
from published as totals
inner join parts
    on parts.region_id = totals.region_id and parts.organisation_id = totals.organisation_id
    and parts.indicator_id = totals.indicator_id and parts.period = totals.period
    and parts."window" = totals."window"
where totals.breakdown = 'total'
"""

_CHANGES_SQL = """
with published as (
    select region_id, organisation_id, indicator_id, breakdown, breakdown_id, period, "window", value
    from marts.kpi_indicator_values
    where indicator_id in ({indicators})
        or indicator_id in ({changes})
        or indicator_id in ({change_pcts})
),
base as (select * from published where indicator_id in ({indicators})),
changes as (
    select *, regexp_replace(indicator_id, '_change(_pct)?$', '') as base_indicator,
        indicator_id like '%_pct' as is_pct
    from published where indicator_id in ({changes}) or indicator_id in ({change_pcts})
)
select
    case when changes.is_pct then 'change_pct_is_relative_change' else 'change_is_difference' end as rule_id,
    changes.region_id, changes.organisation_id, changes.indicator_id, changes.breakdown, changes.breakdown_id,
    changes.period, changes."window",
    case
        when now_.value is null or before.value is null then null
        when changes.is_pct then changes.value - 100 * (now_.value / before.value - 1)
        else changes.value - (now_.value - before.value)
    end as difference
from changes
left join base as now_
    on now_.region_id = changes.region_id and now_.organisation_id = changes.organisation_id
    and now_.indicator_id = changes.base_indicator and now_.breakdown = changes.breakdown
    and now_.breakdown_id = changes.breakdown_id and now_.period = changes.period
    and now_."window" = changes."window"
left join base as before
    on before.region_id = changes.region_id and before.organisation_id = changes.organisation_id
    and before.indicator_id = changes.base_indicator and before.breakdown = changes.breakdown
    and before.breakdown_id = changes.breakdown_id
    and before.period = strftime(strptime(changes.period, '%Y-%m') - interval 12 month, '%Y-%m')
    and before."window" = changes."window"
"""

_MONTHS_SQL = """
with covered as (
    select family, region_id, period_month, is_complete
    from intermediate.int_ridership_months_covered
    where family != 'finance'
),
spans as (
    select family, region_id, min(period_month) as first_month, max(period_month) as last_month
    from covered group by all
),
months as (
    select family, region_id, last_month,
        unnest(generate_series(first_month, last_month, interval 1 month))::date as period_month
    from spans
)
select months.family, months.region_id, strftime(months.period_month, '%Y-%m') as period,
    coalesce(covered.is_complete, false) or months.period_month = months.last_month as is_complete
from months
left join covered
    on covered.family = months.family and covered.region_id = months.region_id
    and covered.period_month = months.period_month
"""


def _values(items: tuple[str, ...]) -> str:
    return ", ".join(f"'{item}'" for item in items)


def ridership_frames(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """The frames the ridership suites check, computed in the gate's read-only session."""
    rules = ", ".join(f"('{indicator}', '{breakdown}')" for indicator, breakdown in ADDITIVE)
    changes = _CHANGES_SQL.format(
        indicators=_values(CHANGED),
        changes=_values(tuple(f"{i}_change" for i in CHANGED)),
        change_pcts=_values(tuple(f"{i}_change_pct" for i in CHANGED)),
    )
    return {
        SUITE_PARTS: con.execute(_PARTS_SQL.format(rules=rules)).df(),
        SUITE_CHANGES: con.execute(changes).df(),
        SUITE_MONTHS: con.execute(_MONTHS_SQL).df(),
    }


def _meta(rule_id: str, rule: str) -> dict[str, Any]:
    return {"meta": {"rule_id": rule_id, "rule": rule}, "notes": rule}


def ridership_plan(
    frames: dict[str, pd.DataFrame], tolerance: float
) -> list[tuple[str, pd.DataFrame, list, tuple, str]]:
    """(suite, frame, expectations, index columns, asset name) for each ridership suite."""
    import great_expectations.expectations as gxe

    return [
        (
            SUITE_PARTS,
            frames[SUITE_PARTS],
            [
                gxe.ExpectColumnValuesToBeBetween(
                    column="difference",
                    min_value=-tolerance,
                    max_value=tolerance,
                    **_meta(
                        "ridership_parts_add_up",
                        "boardings and vehicle-km per traffic area, and service trips per type, add up to the "
                        f"total (± {tolerance})",
                    ),
                )
            ],
            ("rule_id", "region_id", "organisation_id", "indicator_id", "period", "window"),
            "kpi_indicator_values__ridership_parts",
        ),
        (
            SUITE_CHANGES,
            frames[SUITE_CHANGES],
            [
                gxe.ExpectColumnValuesToNotBeNull(
                    column="difference",
                    **_meta(
                        "change_has_both_periods",
                        "a published change has both its window and the same window a year earlier published",
                    ),
                ),
                gxe.ExpectColumnValuesToBeBetween(
                    column="difference",
                    min_value=-tolerance,
                    max_value=tolerance,
                    **_meta(
                        "change_consistent_with_periods",
                        "change = value − value a year earlier; change % = 100 × (value / value a year "
                        f"earlier − 1) (± {tolerance})",
                    ),
                ),
            ],
            CHANGE_KEYS,
            "kpi_indicator_values__ridership_changes",
        ),
        (
            SUITE_MONTHS,
            frames[SUITE_MONTHS],
            [
                gxe.ExpectColumnValuesToBeInSet(
                    column="is_complete",
                    value_set=[True],
                    **_meta(
                        "no_month_missing",
                        "every month between a region's first and last delivered month of boardings, service "
                        "trips and production is delivered for every day",
                    ),
                )
            ],
            ("family", "region_id", "period"),
            "int_ridership_months_covered__gaps",
        ),
    ]
