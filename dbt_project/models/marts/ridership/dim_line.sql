-- One row per region × line of the delivered GTFS feeds, with the traffic area whose line pattern
-- (seeds/traffic_area_members.csv, a full-match regular expression) it matches; null when none does.
with

lines as (

    select * from {{ ref('stg_gtfs__lines') }}

),

members as (

    select * from {{ ref('traffic_area_members') }}
    where member_kind = 'line'

),

route_types as (

    select * from {{ ref('gtfs_route_types') }}

),

matched as (

    select
        lines.region_id,
        lines.line,
        min(members.traffic_area_id) as traffic_area_id,
        count(members.traffic_area_id) as matching_areas
    from lines
    left join members
        on members.region_id = lines.region_id
        and regexp_full_match(lines.line, members.pattern)
    group by all

)

select
    cast(lines.region_id as varchar) as region_id,
    cast(lines.line as varchar) as line,
    cast(lines.route_id as varchar) as route_id,
    cast(lines.route_long_name as varchar) as route_long_name,
    cast(lines.route_type as integer) as route_type,
    cast(route_types.mode as varchar) as mode,
    cast(matched.traffic_area_id as varchar) as traffic_area_id,
    cast(matched.matching_areas as integer) as matching_areas
from lines
inner join matched
    on matched.region_id = lines.region_id
    and matched.line = lines.line
left join route_types
    on route_types.route_type = lines.route_type
