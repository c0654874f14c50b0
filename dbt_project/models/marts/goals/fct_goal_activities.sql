-- Aktiviteter: one row per region × responsible unit × activity × period: its status (ej påbörjad,
-- pågående, pausad, genomförd) and comment, placed under the node of the unit's goal structure of the
-- year whose name is the activity's goal (the highest level with that name; null levels when the
-- structure has no such goal). When the region counts activities (goal_settings: räkna aktiviteter), a
-- genomförd activity counts as met, a pågående one as partly met and an ej påbörjad or pausad one as
-- not met (counted_status). docs/goals.md.
with

activities as (

    select * from {{ ref('stg_goals__activities') }}

),

structure as (

    select * from {{ ref('stg_goals__structure') }}

),

-- every node of every unit's structure, with its levels from the top
nodes as (

    select distinct
        region_id, structure_year, organisation_id, levels.level,
        [level_1, level_2, level_3, level_4, level_5][levels.level] as node_name,
        list_slice([level_1, level_2, level_3, level_4, level_5], 1, levels.level) as node_levels
    from structure
    cross join (select unnest(range(1, 6)) as level) as levels

),

placed as (

    select activities.*, nodes.level as goal_level, nodes.node_levels
    from activities
    left join nodes
        on nodes.region_id = activities.region_id
        and nodes.structure_year = activities.structure_year
        and nodes.organisation_id = activities.organisation_id
        and nodes.node_name = activities.goal
    qualify row_number() over (
        partition by activities.region_id, activities.organisation_id, activities.goal, activities.activity,
            activities.period
        order by nodes.level nulls last
    ) = 1

),

node_names as (

    select distinct region_id, period_month, organisation_id, organisation_name
    from {{ ref('int_organisation_ancestors_resolved') }}
    where ancestor_depth = 0

)

select
    cast(placed.region_id as varchar) as region_id,
    cast(placed.organisation_id as varchar) as organisation_id,
    cast(node_names.organisation_name as varchar) as organisation_name,
    cast(placed.period as varchar) as period,
    cast(placed.structure_year as integer) as structure_year,
    cast(placed.goal as varchar) as goal,
    cast(placed.activity as varchar) as activity,
    cast(placed.description as varchar) as description,
    cast(placed.start_date as date) as start_date,
    cast(placed.end_date as date) as end_date,
    cast(placed.activity_status as varchar) as activity_status,
    cast(case placed.activity_status
        when 'not_started' then 'Ej påbörjad'
        when 'in_progress' then 'Pågående'
        when 'paused' then 'Pausad'
        when 'done' then 'Genomförd'
    end as varchar) as activity_status_sv,
    cast(case placed.activity_status
        when 'done' then 'met'
        when 'in_progress' then 'partly_met'
        else 'not_met'
    end as varchar) as counted_status,
    cast(placed.comment as varchar) as comment,
    cast(placed.goal_level as integer) as goal_level,
    cast(placed.node_levels[1] as varchar) as level_1,
    cast(placed.node_levels[2] as varchar) as level_2,
    cast(placed.node_levels[3] as varchar) as level_3,
    cast(placed.node_levels[4] as varchar) as level_4,
    cast(placed.node_levels[5] as varchar) as level_5
from placed
asof left join node_names
    on node_names.region_id = placed.region_id
    and node_names.organisation_id = placed.organisation_id
    and node_names.period_month <= placed.period_month
