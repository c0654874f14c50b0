-- One row per region × responsible unit × goal × activity × period: the activity's status in the
-- period, from the latest delivery of it. docs/extracts/goal_activities.md.
with

source as (

    {{ latest_delivery(source('goals', 'goal_activities'), ['region_id', 'unit_code', 'goal', 'activity',
        'period_month']) }}

)

select
    cast(region_id as varchar) as region_id,
    cast(structure_year as integer) as structure_year,
    cast(goal as varchar) as goal,
    cast(activity as varchar) as activity,
    cast(description as varchar) as description,
    cast(unit_code as varchar) as organisation_id,
    cast(start_date as date) as start_date,
    cast(end_date as date) as end_date,
    cast(period_month as date) as period_month,
    cast(strftime(period_month, '%Y-%m') as varchar) as period,
    cast(activity_status as varchar) as activity_status,
    cast(comment as varchar) as comment,
    cast(_delivery_seq as bigint) as delivery_seq
from source
