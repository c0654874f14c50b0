-- One row per region × traffic area (trafikområde) the region reports: configuration
-- (seeds/traffic_areas.csv), with the public-transport authority's organisation unit.
with

areas as (

    select * from {{ ref('traffic_areas') }}

),

authorities as (

    select * from {{ ref('transport_authorities') }}

)

select
    cast(areas.region_id as varchar) as region_id,
    cast(areas.traffic_area_id as varchar) as traffic_area_id,
    cast(areas.traffic_area_name_sv as varchar) as traffic_area_name_sv,
    cast(areas.service_kind as varchar) as service_kind,
    cast(areas.mode as varchar) as mode,
    cast(areas.report_order as integer) as report_order,
    cast(areas.verksamhet_from as varchar) as verksamhet_from,
    cast(areas.verksamhet_to as varchar) as verksamhet_to,
    cast(authorities.organisation_id as varchar) as organisation_id
from areas
left join authorities
    on authorities.region_id = areas.region_id
