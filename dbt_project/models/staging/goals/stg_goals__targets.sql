-- One row per region × unit × indicator × year × period (null = the whole year): the target of the
-- latest delivery of it (a later delivery replaces a target). docs/extracts/goal_targets.md.
with

source as (

    {{ latest_delivery(source('goals', 'goal_targets'), ['region_id', 'unit_code', 'indicator_id', 'target_year',
        'period_month']) }}

)

select
    cast(region_id as varchar) as region_id,
    cast(unit_code as varchar) as organisation_id,
    cast(indicator_id as varchar) as indicator_id,
    cast(target_year as integer) as target_year,
    cast(period_month as date) as period_month,
    cast(target_value as double) as target_value,
    cast(comparison as varchar) as comparison,
    cast(tolerance as double) as tolerance,
    cast(tolerance_pct as double) as tolerance_pct,
    cast(status_basis as varchar) as status_basis,
    cast(_delivery_seq as bigint) as delivery_seq
from source
