-- One row per region × trip_id of any delivered GTFS feed, with its line: the latest delivery wins.
with

trips as (

    select * from {{ source('ridership', 'gtfs') }}
    where entity = 'trip'
    qualify row_number() over (partition by region_id, entity_id order by _delivery_seq desc, source_line) = 1

)

select
    cast(region_id as varchar) as region_id,
    cast(entity_id as varchar) as trip_id,
    cast(line as varchar) as line,
    cast(route_id as varchar) as route_id,
    cast(direction_id as integer) as direction_id,
    cast(_delivery_seq as bigint) as delivery_seq
from trips
