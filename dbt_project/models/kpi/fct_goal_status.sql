-- Målstatus: one row per region × organisation × period × node of the goal structure (every level,
-- every goal, strategiskt område, framgångsfaktor ...): how many of the indicators beneath it are met,
-- partly met, not met and measured, and the node's status by the region's rule (goal_settings:
-- målstatus): `all` (default) - every measured indicator met → met, none met and none partly met →
-- not met, otherwise partly met; `majority` - more than half met → met, none met and none partly met →
-- not met, otherwise partly met; nothing measured → not measurable. Indicators the region does not
-- count (räkna ja/nej, räkna kvalitativa = nej) are left out, as in goal_fulfilment_counts; activities
-- count when the region says so (räkna aktiviteter: genomförd = met, pågående = partly met).
with

-- the indicators and activities that count (macro goal_items_counted: the region's settings decide)
fulfilment as (

    {{ goal_items_counted() }}

),

-- each indicator row once per level it sits under
nodes as (

    select
        region_id, organisation_id, organisation_name, period, status, status_rule, sort_order, levels.level,
        case levels.level
            when 1 then level_1 when 2 then level_2 when 3 then level_3 when 4 then level_4 else level_5
        end as node_name,
        case levels.level
            when 1 then concat_ws(' › ', level_1)
            when 2 then concat_ws(' › ', level_1, level_2)
            when 3 then concat_ws(' › ', level_1, level_2, level_3)
            when 4 then concat_ws(' › ', level_1, level_2, level_3, level_4)
            else concat_ws(' › ', level_1, level_2, level_3, level_4, level_5)
        end as node_path
    from fulfilment
    cross join (select unnest(range(1, 6)) as level) as levels

),

counted as (

    select
        region_id,
        organisation_id,
        any_value(organisation_name) as organisation_name,
        period,
        level,
        node_path,
        any_value(node_name) as node_name,
        any_value(status_rule) as status_rule,
        min(sort_order) as sort_order,
        {{ status_counts() }}
    from nodes
    where node_name is not null
    group by region_id, organisation_id, period, level, node_path

)

select
    cast(region_id as varchar) as region_id,
    cast(organisation_id as varchar) as organisation_id,
    cast(organisation_name as varchar) as organisation_name,
    cast(period as varchar) as period,
    cast(level as integer) as level,
    cast(node_name as varchar) as node_name,
    cast(node_path as varchar) as node_path,
    cast(sort_order as integer) as sort_order,
    cast(met as integer) as met,
    cast(partly_met as integer) as partly_met,
    cast(not_met as integer) as not_met,
    cast(measured as integer) as measured,
    cast(not_measurable as integer) as not_measurable,
    cast(case
        when measured = 0 then 'not_measurable'
        when status_rule = 'all' and met = measured then 'met'
        when status_rule = 'majority' and 2 * met > measured then 'met'
        when met = 0 and partly_met = 0 then 'not_met'
        else 'partly_met'
    end as varchar) as status,
    cast(status_rule as varchar) as status_rule
from counted
