-- One row per region × stop_id (stop point or stop area) of any delivered GTFS feed: the latest
-- delivery wins. `stop_area_id` is the parent station, or the stop itself when it has none.
with

stops as (

    select * from {{ source('ridership', 'gtfs') }}
    where entity = 'stop'
    qualify row_number() over (partition by region_id, entity_id order by _delivery_seq desc, source_line) = 1

)

select
    cast(region_id as varchar) as region_id,
    cast(entity_id as varchar) as stop_id,
    cast(name as varchar) as stop_name,
    cast(coalesce(nullif(parent_station, ''), entity_id) as varchar) as stop_area_id,
    cast(location_type as integer) as location_type,
    cast(stop_lat as double) as stop_lat,
    cast(stop_lon as double) as stop_lon,
    cast(_delivery_seq as bigint) as delivery_seq
from stops
