-- One row per region × year × reporting unit × goal × indicator of the latest structure delivery of
-- the region and year (a new structure for a year replaces the old one as a whole).
with

source as (

    {{ latest_delivery(source('goals', 'goal_structure'), ['region_id', 'structure_year']) }}

)

select
    cast(region_id as varchar) as region_id,
    cast(structure_year as integer) as structure_year,
    cast(perspective as varchar) as perspective,
    cast(goal as varchar) as goal,
    cast(success_factor as varchar) as success_factor,
    cast(indicator_id as varchar) as indicator_id,
    cast(unit_code as varchar) as organisation_id,
    cast(sort_order as integer) as sort_order,
    cast(comment as varchar) as comment,
    cast(_delivery_seq as bigint) as delivery_seq
from source
