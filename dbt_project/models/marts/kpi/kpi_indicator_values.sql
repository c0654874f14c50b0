-- One row per region × organisation × indicator × period × window × gender × age band: the published
-- HR indicator values (docs/published_kpi_table.md, contract enforced). A suppressed cell keeps its
-- row, flagged, with value, numerator and denominator null: never shown as 0.
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

)

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
    cast(suppression.is_suppressed as boolean) as is_suppressed,
    cast(suppression.suppression_reason as varchar) as suppression_reason
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
