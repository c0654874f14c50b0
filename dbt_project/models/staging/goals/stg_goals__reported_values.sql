-- One row per region × unit × indicator × period × window × gender: the value of the latest delivery
-- of it. Values no source system computes (surveys, Öppna jämförelser, counts reported by units): a
-- number, 1/0 for a ja/nej indicator, or null with the status a unit reports for a qualitative one.
with

source as (

    {{ latest_delivery(source('goals', 'goal_reported_values'), ['region_id', 'unit_code', 'indicator_id',
        'period_month', 'window_name', 'gender']) }}

)

select
    cast(region_id as varchar) as region_id,
    cast(unit_code as varchar) as organisation_id,
    cast(indicator_id as varchar) as indicator_id,
    cast(period_month as date) as period_month,
    cast(strftime(period_month, '%Y-%m') as varchar) as period,
    cast(window_name as varchar) as window_name,
    cast(gender as varchar) as gender,
    cast(value as double) as value,
    cast(comment as varchar) as comment,
    cast(reported_status as varchar) as reported_status,
    cast(_delivery_seq as bigint) as delivery_seq
from source
