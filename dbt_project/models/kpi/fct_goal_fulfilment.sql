-- Måluppfyllelse: one row per region × organisation × indicator × period with a target: outcome,
-- target, status (uppfyllt / delvis uppfyllt / ej uppfyllt / ej mätbart), the rule that decided it,
-- the ratio to the target, last year's outcome, and where the indicator sits in the region's goal
-- structure of the year. docs/goals.md.
with

statuses as (

    select * from {{ ref('int_goal_statuses_decided') }}

),

structure as (

    select * from {{ ref('stg_goals__structure') }}

),

indicators as (

    select * from {{ ref('int_indicators_unioned') }}

),

node_names as (

    select distinct region_id, period_month, organisation_id, organisation_name
    from {{ ref('int_organisation_ancestors_resolved') }}
    where ancestor_depth = 0

)

select
    cast(statuses.region_id as varchar) as region_id,
    cast(statuses.organisation_id as varchar) as organisation_id,
    cast(node_names.organisation_name as varchar) as organisation_name,
    cast(statuses.indicator_id as varchar) as indicator_id,
    cast(indicators.name_sv as varchar) as indicator_name_sv,
    cast(statuses.domain as varchar) as domain,
    cast(statuses.unit as varchar) as unit,
    cast(statuses.decimals as integer) as decimals,
    cast(statuses.kind as varchar) as indicator_kind,
    cast(statuses.direction as varchar) as direction,
    cast(statuses.target_year as integer) as target_year,
    cast(statuses.period as varchar) as period,
    cast(statuses.period_kind as varchar) as period_kind,
    cast(statuses.window_name as varchar) as "window",
    cast(structure.level_1 as varchar) as perspective,
    cast(structure.level_2 as varchar) as goal,
    cast(structure.level_3 as varchar) as success_factor,
    cast(structure.level_1 as varchar) as level_1,
    cast(structure.level_2 as varchar) as level_2,
    cast(structure.level_3 as varchar) as level_3,
    cast(structure.level_4 as varchar) as level_4,
    cast(structure.level_5 as varchar) as level_5,
    cast(structure.sort_order as integer) as sort_order,
    cast(structure.comment as varchar) as comment,
    cast(statuses.outcome as double) as outcome,
    cast(statuses.outcome_previous_year as double) as outcome_previous_year,
    cast(statuses.target_value as double) as target_value,
    cast(statuses.comparison as varchar) as comparison,
    cast(statuses.tolerance as double) as tolerance,
    cast(statuses.tolerance_pct as double) as tolerance_pct,
    cast(statuses.tolerance_source as varchar) as tolerance_source,
    cast(statuses.status as varchar) as status,
    cast(case statuses.status
        when 'met' then 'uppfyllt'
        when 'partly_met' then 'delvis uppfyllt'
        when 'not_met' then 'ej uppfyllt'
        else 'ej mätbart'
    end as varchar) as status_sv,
    cast(statuses.forecast as double) as forecast,
    cast(statuses.status_basis as varchar) as status_basis,
    cast(statuses.status_source as varchar) as status_source,
    cast(statuses.decided_by as varchar) as decided_by,
    cast(statuses.reported_comment as varchar) as reported_comment,
    cast(statuses.ratio_to_target as double) as ratio_to_target
from statuses
left join indicators
    on indicators.indicator_id = statuses.indicator_id
    and (indicators.region_id is null or indicators.region_id = statuses.region_id)
left join structure
    on structure.region_id = statuses.region_id
    and structure.structure_year = statuses.target_year
    and structure.organisation_id = statuses.organisation_id
    and structure.indicator_id = statuses.indicator_id
asof left join node_names
    on node_names.region_id = statuses.region_id
    and node_names.organisation_id = statuses.organisation_id
    and node_names.period_month <= strptime(statuses.period, '%Y-%m')::date
