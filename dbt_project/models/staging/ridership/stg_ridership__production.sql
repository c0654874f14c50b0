-- One row per month × contract or traffic area of the latest delivery covering the month: vehicle-km
-- in revenue service as the operators report it, codes as delivered.
with

source as (

    {{ latest_covering_delivery(source('ridership', 'ridership_production'), 'period_month') }}

)

select
    cast(region_id as varchar) as region_id,
    cast(period_month as date) as period_month,
    cast(contract as varchar) as contract,
    cast(traffic_area_code as varchar) as traffic_area_code,
    cast(vehicle_km as double) as vehicle_km,
    cast(operator as varchar) as operator,
    cast(source_line as integer) as source_line,
    cast(_delivery_seq as bigint) as delivery_seq
from source
