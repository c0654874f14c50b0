-- One row per region × level (1-5) of its goal structure: the name the region gives the level
-- (goal_settings: nivåer, e.g. Strategi | Strategiskt område | Mål), else the classic Perspektiv /
-- Strategiskt mål / Framgångsfaktor. The report heads each level with it. docs/goals.md.
with

regions as (

    select region_id from {{ ref('dim_region') }}

),

settings as (

    select region_id, string_split(level_names, '|') as names
    from {{ ref('stg_goals__settings') }}
    where level_names is not null

),

levels as (

    select * from (
        values (1, 'Perspektiv'), (2, 'Strategiskt mål'), (3, 'Framgångsfaktor'), (4, 'Nivå 4'), (5, 'Nivå 5')
    ) as levels (level, classic_name)

)

select
    cast(regions.region_id as varchar) as region_id,
    cast(levels.level as integer) as level,
    cast(
        case
            when settings.names is null then levels.classic_name
            else coalesce(settings.names[levels.level], 'Nivå ' || levels.level)
        end as varchar
    ) as level_name,
    cast(settings.names is not null and levels.level > len(settings.names) as boolean) as is_unused,
    cast(case when settings.names is null then 'classic' else 'region' end as varchar) as name_source
from regions
cross join levels
left join settings
    on settings.region_id = regions.region_id
