-- One row per service trip (layout `trip`) or month × trip type (layout `summary`) of the latest
-- delivery covering its date. Pseudonymised traveller ids only.
with

source as (

    {{ latest_covering_delivery(source('ridership', 'ridership_service_trips'), 'service_date') }}

)

select
    cast(region_id as varchar) as region_id,
    cast(service_date as date) as service_date,
    cast(date_trunc('month', service_date) as date) as period_month,
    cast(trip_type as varchar) as trip_type,
    cast(traveller_id as varchar) as traveller_id,
    cast(passengers as integer) as passengers,
    cast(trips as integer) as trips,
    cast(km as double) as km,
    cast(passenger_km as double) as passenger_km,
    cast(round(cost, 2) as decimal(18, 2)) as cost,
    cast(order_id as varchar) as order_id,
    cast(layout as varchar) as layout,
    cast(source_line as integer) as source_line,
    cast(_delivery_seq as bigint) as delivery_seq
from source
