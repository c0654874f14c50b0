-- One row per service-trip delivery: the period it covers (from the file name). Every delivery counts,
-- also one whose rows a later delivery replaced: int_ridership_months_covered needs the days delivered.
with

source as (

    select * from {{ source('ridership', 'ridership_service_trips') }}

)

select distinct
    cast(region_id as varchar) as region_id,
    cast(_delivery_seq as bigint) as delivery_seq,
    cast(period_start as date) as period_start,
    cast(period_end as date) as period_end
from source
