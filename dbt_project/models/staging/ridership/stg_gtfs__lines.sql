-- One row per region × line (GTFS route_short_name, or route_id without one) of any delivered
-- feed: the latest delivery's route wins. Lines are what boardings extracts and the traffic-area
-- configuration (seeds/traffic_area_members.csv) name.
with

routes as (

    select * from {{ source('ridership', 'gtfs') }}
    where entity = 'route'
    qualify row_number() over (partition by region_id, line order by _delivery_seq desc, source_line) = 1

)

select
    cast(region_id as varchar) as region_id,
    cast(line as varchar) as line,
    cast(entity_id as varchar) as route_id,
    cast(route_short_name as varchar) as route_short_name,
    cast(route_long_name as varchar) as route_long_name,
    cast(route_type as integer) as route_type,
    cast(agency_id as varchar) as agency_id,
    cast(_delivery_seq as bigint) as delivery_seq
from routes
