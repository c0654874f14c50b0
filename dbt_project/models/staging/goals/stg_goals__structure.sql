-- One row per region × year × reporting unit × place in the goal structure × indicator of the latest
-- structure delivery of the region and year (a new structure for a year replaces the old one as a
-- whole). The place is levels 1-5, named by the region (goal_settings: nivåer).
with

source as (

    {{ latest_delivery(source('goals', 'goal_structure'), ['region_id', 'structure_year']) }}

)

select
    cast(region_id as varchar) as region_id,
    cast(structure_year as integer) as structure_year,
    -- levels 1-5 of the region's structure; the classic perspektiv / mål / framgångsfaktor are 1-3
    cast(coalesce(level_1, perspective) as varchar) as level_1,
    cast(coalesce(level_2, goal) as varchar) as level_2,
    cast(coalesce(level_3, success_factor) as varchar) as level_3,
    cast(level_4 as varchar) as level_4,
    cast(level_5 as varchar) as level_5,
    cast(indicator_id as varchar) as indicator_id,
    cast(unit_code as varchar) as organisation_id,
    cast(sort_order as integer) as sort_order,
    cast(comment as varchar) as comment,
    cast(_delivery_seq as bigint) as delivery_seq
from source
