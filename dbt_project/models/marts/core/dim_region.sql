-- One row per region (Kolada-style id '0013'): the 21 Swedish regions of the regions seed, and any
-- region that names itself in its goal_settings delivery (regionnamn) - a region onboards by files
-- alone; its own name wins over the seed's.
with

seeded as (

    select * from {{ ref('regions') }}

),

named as (

    select region_id, region_name from {{ ref('stg_goals__settings') }}
    where region_name is not null

)

select
    cast(coalesce(seeded.region_id, named.region_id) as varchar) as region_id,
    cast(coalesce(named.region_name, seeded.region_name) as varchar) as region_name,
    cast(seeded.county_code as varchar) as county_code,
    cast(seeded.county_name as varchar) as county_name
from seeded
full outer join named
    on named.region_id = seeded.region_id
