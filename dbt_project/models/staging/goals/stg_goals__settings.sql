-- One row per region: its goal follow-up settings (the goal_settings extract; per setting, the latest
-- delivery naming it wins), typed, null where the region has not set one. docs/extracts/goal_settings.md.
with

source as (

    {{ latest_delivery(source('goals', 'goal_settings'), ['region_id', 'setting']) }}

)

select
    cast(region_id as varchar) as region_id,
    cast(max(case when setting = 'tolerance' then cast(value as double) end) as double) as tolerance,
    cast(max(case when setting = 'tolerance_pct' then cast(value as double) end) as double) as tolerance_pct,
    cast(bool_or(case when setting = 'count_yes_no' then cast(value as boolean) end) as boolean) as count_yes_no,
    cast(
        bool_or(case when setting = 'count_qualitative' then cast(value as boolean) end) as boolean
    ) as count_qualitative,
    cast(
        bool_or(case when setting = 'count_activities' then cast(value as boolean) end) as boolean
    ) as count_activities,
    cast(max(case when setting = 'levels' then value end) as varchar) as level_names,
    cast(max(case when setting = 'goal_status_rule' then value end) as varchar) as goal_status_rule,
    cast(max(case when setting = 'status_basis' then value end) as varchar) as status_basis,
    cast(max(case when setting = 'region_name' then value end) as varchar) as region_name,
    cast(max(_delivery_seq) as bigint) as delivery_seq
from source
group by region_id
