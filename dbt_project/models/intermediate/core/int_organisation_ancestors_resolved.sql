-- One row per region × delivered month (of any domain) × unit × ancestor: every node above a unit (the unit itself
-- included, at depth 0), using the organisation version valid on the last day of that month. A unit
-- that moves in June therefore rolls up to its old parent until May and to its new parent from June.
with recursive

organisation_units as (

    select * from {{ ref('stg_hr__organisation_units') }}

),

-- every month some domain delivered figures for: the tree is resolved only where it is needed
delivered_months as (

    select region_id, period_month from {{ ref('stg_hr__employee_months') }}
    union
    select region_id, period_month from {{ ref('stg_finance__ledger_postings') }}
    union
    select region_id, period_month from {{ ref('stg_finance__budget_rows') }}
    union
    select region_id, vintage_month from {{ ref('stg_finance__forecast_rows') }}
    union
    select region_id, period_month from {{ ref('stg_finance__investment_rows') }}
    union
    select region_id, period_month from {{ ref('int_ridership_months_covered') }}
    union
    -- goal follow-up: the months units report values and activities for, and each target's year end
    select region_id, period_month from {{ ref('stg_goals__reported_values') }}
    union
    select region_id, period_month from {{ ref('stg_goals__activities') }}
    union
    select region_id, coalesce(period_month, make_date(target_year, 12, 1)) from {{ ref('stg_goals__targets') }}

),

units_at_month_end as (

    select
        delivered_months.region_id,
        delivered_months.period_month,
        organisation_units.unit_code,
        organisation_units.unit_name,
        organisation_units.parent_unit_code,
        organisation_units.organisation_level
    from delivered_months
    inner join organisation_units
        on organisation_units.region_id = delivered_months.region_id
        and organisation_units.valid_from <= {{ month_end('delivered_months.period_month') }}
        and coalesce(organisation_units.valid_to, date '9999-12-31')
            >= {{ month_end('delivered_months.period_month') }}

),

ancestors as (

    select
        region_id,
        period_month,
        unit_code as organisation_id,
        unit_code as ancestor_organisation_id,
        parent_unit_code as next_parent_id,
        0 as ancestor_depth
    from units_at_month_end

    union all

    select
        ancestors.region_id,
        ancestors.period_month,
        ancestors.organisation_id,
        parents.unit_code as ancestor_organisation_id,
        parents.parent_unit_code as next_parent_id,
        ancestors.ancestor_depth + 1 as ancestor_depth
    from ancestors
    inner join units_at_month_end as parents
        on parents.region_id = ancestors.region_id
        and parents.period_month = ancestors.period_month
        and parents.unit_code = ancestors.next_parent_id
    -- a guard against a cycle in a delivered tree; real trees have five levels
    where ancestors.ancestor_depth < 20

)

select
    ancestors.region_id,
    ancestors.period_month,
    ancestors.organisation_id,
    units_at_month_end.unit_name as organisation_name,
    units_at_month_end.organisation_level,
    units_at_month_end.parent_unit_code as parent_organisation_id,
    ancestors.ancestor_organisation_id,
    ancestors.ancestor_depth
from ancestors
inner join units_at_month_end
    on units_at_month_end.region_id = ancestors.region_id
    and units_at_month_end.period_month = ancestors.period_month
    and units_at_month_end.unit_code = ancestors.organisation_id
