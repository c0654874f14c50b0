-- One row per region × organisation × indicator × period × window × gender × age band × breakdown:
-- every published indicator value of every domain in one long table (docs/published_kpi_table.md,
-- contract enforced). HR: a suppressed cell keeps its row, flagged, with value, numerator and
-- denominator null: never shown as 0. Finance (docs/finance.md): amounts in SEK with the ledger
-- sign, broken down by account group, report line and finance object; never suppressed.
-- Ridership (docs/ridership.md): at the public-transport authority's unit, by traffic area and
-- service-trip type; counts of trips and km are not about persons and are never suppressed.
-- Reported values (domain goals, docs/goals.md): as the unit reported them, by gender where reported;
-- not about individuals, never suppressed. Every row carries the indicator's unit, direction and domain.
with

indicator_values as (

    select * from {{ ref('int_hr_indicator_values_computed') }}

),

cells as (

    select * from {{ ref('int_hr_window_sums_aggregated') }}

),

suppression as (

    select * from {{ ref('int_hr_cells_suppressed') }}

),

regions as (

    select * from {{ ref('dim_region') }}

),

indicators as (

    select * from {{ ref('dim_indicator') }}

),

finance_values as (

    select * from {{ ref('int_finance_indicator_values_computed') }}

),

ridership_values as (

    select * from {{ ref('int_ridership_indicator_values_computed') }}

),

-- a qualitative indicator's report is a status, not a value: it is in fct_goal_fulfilment only
reported_values as (

    select * from {{ ref('stg_goals__reported_values') }}
    where value is not null

),

-- each node's name and level as valid in the window's last month (or the latest month before it
-- for which the tree was resolved)
node_names as (

    select distinct region_id, period_month, organisation_id, organisation_name, organisation_level
    from {{ ref('int_organisation_ancestors_resolved') }}
    where ancestor_depth = 0

),

hr_rows as (

select
    cast(indicator_values.region_id as varchar) as region_id,
    cast(regions.region_name as varchar) as region_name,
    cast(indicator_values.organisation_id as varchar) as organisation_id,
    cast(cells.organisation_name as varchar) as organisation_name,
    cast(cells.organisation_level as varchar) as organisation_level,
    cast(indicator_values.indicator_id as varchar) as indicator_id,
    cast(indicator_values.period as varchar) as period,
    cast(indicator_values.window_name as varchar) as "window",
    cast(indicator_values.gender as varchar) as gender,
    cast(indicator_values.age_band as varchar) as age_band,
    cast(case when suppression.is_suppressed then null else indicator_values.value end as double) as value,
    cast(case when suppression.is_suppressed then null else indicator_values.numerator end as double)
        as numerator,
    cast(case when suppression.is_suppressed then null else indicator_values.denominator end as double)
        as denominator,
    cast(indicators.unit as varchar) as unit,
    cast(indicators.direction as varchar) as direction,
    cast(indicators.domain as varchar) as domain,
    cast(suppression.is_suppressed as boolean) as is_suppressed,
    cast(suppression.suppression_reason as varchar) as suppression_reason,
    cast('total' as varchar) as breakdown,
    cast('all' as varchar) as breakdown_id,
    cast(null as varchar) as breakdown_name
from indicator_values
inner join cells
    on cells.region_id = indicator_values.region_id
    and cells.organisation_id = indicator_values.organisation_id
    and cells.window_name = indicator_values.window_name
    and cells.period = indicator_values.period
    and cells.gender = indicator_values.gender
    and cells.age_band = indicator_values.age_band
inner join suppression
    on suppression.region_id = indicator_values.region_id
    and suppression.organisation_id = indicator_values.organisation_id
    and suppression.window_name = indicator_values.window_name
    and suppression.period = indicator_values.period
    and suppression.gender = indicator_values.gender
    and suppression.age_band = indicator_values.age_band
left join regions
    on regions.region_id = indicator_values.region_id
left join indicators
    on indicators.indicator_id = indicator_values.indicator_id
    and (indicators.region_id is null or indicators.region_id = indicator_values.region_id)

),

-- finance, ridership and reported values: never suppressed, named by their node's name
domain_values as (

    select
        region_id, organisation_id, indicator_id, period, period_end, window_name, 'T' as gender, value,
        numerator, denominator, breakdown, breakdown_id, breakdown_name
    from finance_values
    union all
    select
        region_id, organisation_id, indicator_id, period, period_end, window_name, 'T' as gender, value,
        numerator, denominator, breakdown, breakdown_id, breakdown_name
    from ridership_values
    union all
    select
        region_id, organisation_id, indicator_id, period, last_day(period_month) as period_end, window_name,
        gender, value, value as numerator, null as denominator, 'total' as breakdown, 'all' as breakdown_id,
        null as breakdown_name
    from reported_values

),

domain_rows as (

    select
        cast(domain_values.region_id as varchar) as region_id,
        cast(regions.region_name as varchar) as region_name,
        cast(domain_values.organisation_id as varchar) as organisation_id,
        cast(node_names.organisation_name as varchar) as organisation_name,
        cast(node_names.organisation_level as varchar) as organisation_level,
        cast(domain_values.indicator_id as varchar) as indicator_id,
        cast(domain_values.period as varchar) as period,
        cast(domain_values.window_name as varchar) as "window",
        cast(domain_values.gender as varchar) as gender,
        cast('all' as varchar) as age_band,
        cast(domain_values.value as double) as value,
        cast(domain_values.numerator as double) as numerator,
        cast(domain_values.denominator as double) as denominator,
        cast(indicators.unit as varchar) as unit,
        cast(indicators.direction as varchar) as direction,
        cast(indicators.domain as varchar) as domain,
        cast(false as boolean) as is_suppressed,
        cast(null as varchar) as suppression_reason,
        cast(domain_values.breakdown as varchar) as breakdown,
        cast(domain_values.breakdown_id as varchar) as breakdown_id,
        cast(domain_values.breakdown_name as varchar) as breakdown_name
    from domain_values
    asof left join node_names
        on node_names.region_id = domain_values.region_id
        and node_names.organisation_id = domain_values.organisation_id
        and node_names.period_month <= domain_values.period_end
    left join regions
        on regions.region_id = domain_values.region_id
    left join indicators
        on indicators.indicator_id = domain_values.indicator_id
        and (indicators.region_id is null or indicators.region_id = domain_values.region_id)

)

select * from hr_rows
union all
select * from domain_rows
