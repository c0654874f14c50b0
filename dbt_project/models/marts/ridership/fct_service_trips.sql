-- One row per service trip (serviceresa) ordered and run, or per month × trip type where a region
-- delivered its planning system's monthly statistics: trips, passenger-km (km × passengers) and the
-- operator's cost. Pseudonymised traveller ids: internal use only (schema restricted); the KPI
-- table publishes counts, km and cost per type.
{{ config(schema='restricted') }}
with

trips as (

    select * from {{ ref('stg_ridership__service_trips') }}

)

select
    cast(region_id as varchar) as region_id,
    cast(service_date as date) as service_date,
    cast(period_month as date) as period_month,
    cast(trip_type as varchar) as trip_type,
    cast(traveller_id as varchar) as traveller_id,
    cast(passengers as integer) as passengers,
    cast(trips as integer) as trips,
    cast(km as double) as km,
    cast(passenger_km as double) as passenger_km,
    cast(cost as decimal(18, 2)) as cost,
    cast(order_id as varchar) as order_id,
    cast(layout as varchar) as layout,
    cast(delivery_seq as bigint) as delivery_seq
from trips
