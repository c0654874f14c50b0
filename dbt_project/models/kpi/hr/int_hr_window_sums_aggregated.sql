-- One row per region × organisation node × window × period × gender × age band (a *cell*): the
-- additive sums behind every HR indicator, for the statutory population, over complete windows only.
--
-- * A node's figures include every unit below it as the hierarchy was in each month
--   (int_organisation_ancestors_resolved), so sums roll up month by month.
-- * Windows: `month`, `ytd` (January to the period), `r12` (the 12 months ending with the period),
--   `year` (January to December, December only). A window is kept only when the region delivered
--   every month in it.
-- * Gender T and age band `all` are the GROUPING SETS totals, so a total is a sum over the same rows
--   as its parts, never a sum of rounded or averaged parts.
-- * headcount is the number of distinct employees in the cell over the window (for suppression);
--   direct_headcount counts those placed directly on the node (a part that is never published).
--   Both are computed without COUNT(DISTINCT) (see `placed_with_history`): an employee-month row
--   counts when it is the employee's first month inside the window for that node (and age band),
--   i.e. when the employee's previous month on the node lies before the window's start.
with

employee_months as (

    select * from {{ ref('int_employee_months_classified') }}

),

ancestors as (

    select * from {{ ref('int_organisation_ancestors_resolved') }}

),

delivered_months as (

    select distinct region_id, period_month, days_in_month, full_time_hours
    from employee_months

),

window_definitions as (

    select
        delivered_months.region_id,
        windows.window_name,
        delivered_months.period_month as end_month,
        case windows.window_name
            when 'month' then delivered_months.period_month
            when 'r12' then {{ add_months('delivered_months.period_month', -11) }}
            else date_trunc('year', delivered_months.period_month)::date
        end as start_month
    from delivered_months
    cross join (values ('month'), ('ytd'), ('r12'), ('year')) as windows (window_name)
    where windows.window_name <> 'year' or month(delivered_months.period_month) = 12

),

window_months as (

    select
        window_definitions.region_id,
        window_definitions.window_name,
        window_definitions.start_month,
        window_definitions.end_month,
        delivered_months.period_month,
        delivered_months.days_in_month,
        delivered_months.full_time_hours
    from window_definitions
    inner join delivered_months
        on delivered_months.region_id = window_definitions.region_id
        and delivered_months.period_month
            between window_definitions.start_month and window_definitions.end_month

),

complete_windows as (

    select
        region_id,
        window_name,
        start_month,
        end_month,
        count(*) as months_in_window,
        cast(sum(days_in_month) as integer) as calendar_days,
        cast(sum(full_time_hours) as integer) as full_time_hours
    from window_months
    group by region_id, window_name, start_month, end_month
    having count(*) = date_diff('month', start_month, end_month) + 1

),

population as (

    select * from employee_months
    where is_in_statutory_population

),

placed_on_known_units as (

    select
        population.*,
        ancestors.ancestor_organisation_id as organisation_id,
        ancestors.ancestor_depth = 0 as is_placed_directly
    from population
    inner join ancestors
        on ancestors.region_id = population.region_id
        and ancestors.period_month = population.period_month
        and ancestors.organisation_id = population.unit_code

),

-- A unit code without a version valid at the month's end still counts in the region total: it is
-- placed directly on the region node (fct_sick_leave gives it the unknown organisation, key -1).
placed_on_region_node as (

    select
        population.*,
        region_nodes.organisation_id,
        true as is_placed_directly
    from population
    inner join ancestors as region_nodes
        on region_nodes.region_id = population.region_id
        and region_nodes.period_month = population.period_month
        and region_nodes.ancestor_depth = 0
        and region_nodes.parent_organisation_id is null
    where not exists (
        select 1
        from ancestors
        where ancestors.region_id = population.region_id
            and ancestors.period_month = population.period_month
            and ancestors.organisation_id = population.unit_code
    )

),

placed as (

    select * from placed_on_known_units
    union all by name
    select * from placed_on_region_node

),

-- The employee's previous month on the same node: overall, within the same age band (an employee
-- can change band inside a window), and the same two among rows placed alike (directly or not).
-- Gender is fixed per employee key (derived from the personnummer), so it needs no partition.
placed_with_history as (

    select
        *,
        lag(period_month) over (
            partition by region_id, organisation_id, employee_key order by period_month
        ) as previous_month,
        lag(period_month) over (
            partition by region_id, organisation_id, employee_key, age_band order by period_month
        ) as previous_month_in_band,
        lag(period_month) over (
            partition by region_id, organisation_id, employee_key, is_placed_directly order by period_month
        ) as previous_month_placed_alike,
        lag(period_month) over (
            partition by region_id, organisation_id, employee_key, age_band, is_placed_directly
            order by period_month
        ) as previous_month_in_band_placed_alike
    from placed

),

-- The employee-month rows summed per node, month, gender, age band and previous months: the rows a
-- window joins are these cells (about 15 times fewer than employee-node-months), and a cell still
-- knows, per window, whether its employees are counted there for the first time.
monthly_cells as (

    select
        region_id,
        organisation_id,
        period_month,
        gender,
        age_band,
        is_placed_directly,
        previous_month,
        previous_month_in_band,
        previous_month_placed_alike,
        previous_month_in_band_placed_alike,
        sum(ordinary_hours) as ordinary_hours,
        sum(sick_hours) as sick_hours,
        sum(sick_hours_days_1_14) as sick_hours_days_1_14,
        sum(sick_hours_days_15_59) as sick_hours_days_15_59,
        sum(sick_hours_days_60_plus) as sick_hours_days_60_plus,
        sum(worked_hours) as worked_hours,
        sum(employed_days) as employed_days,
        count(*) filter (where is_leaver) as leavers,
        count(*) as employee_months
    from placed_with_history
    group by all

),

windowed as (

    select
        window_months.window_name,
        window_months.end_month,
        coalesce(cells.previous_month < window_months.start_month, true) as is_first_in_window,
        coalesce(cells.previous_month_in_band < window_months.start_month, true) as is_first_in_window_in_band,
        cells.is_placed_directly
            and coalesce(cells.previous_month_placed_alike < window_months.start_month, true)
            as is_first_direct_in_window,
        cells.is_placed_directly
            and coalesce(cells.previous_month_in_band_placed_alike < window_months.start_month, true)
            as is_first_direct_in_window_in_band,
        cells.*
    from monthly_cells as cells
    inner join window_months
        on window_months.region_id = cells.region_id
        and window_months.period_month = cells.period_month
    inner join complete_windows
        on complete_windows.region_id = window_months.region_id
        and complete_windows.window_name = window_months.window_name
        and complete_windows.end_month = window_months.end_month

),

aggregated as materialized (

    select
        region_id,
        organisation_id,
        window_name,
        end_month,
        case when grouping(gender) = 1 then 'T' else gender end as gender,
        case when grouping(age_band) = 1 then 'all' else age_band end as age_band,
        sum(ordinary_hours) as ordinary_hours,
        sum(sick_hours) as sick_hours,
        sum(sick_hours_days_1_14) as sick_hours_days_1_14,
        sum(sick_hours_days_15_59) as sick_hours_days_15_59,
        sum(sick_hours_days_60_plus) as sick_hours_days_60_plus,
        sum(worked_hours) as worked_hours,
        cast(sum(employed_days) as bigint) as employed_days,
        cast(sum(leavers) as bigint) as leavers,
        -- distinct employees: each counted on its first month in the window (see placed_with_history)
        cast(case
            when grouping(age_band) = 1 then coalesce(sum(employee_months) filter (where is_first_in_window), 0)
            else coalesce(sum(employee_months) filter (where is_first_in_window_in_band), 0)
        end as bigint) as headcount,
        cast(case
            when grouping(age_band) = 1 then coalesce(sum(employee_months) filter (where is_first_direct_in_window), 0)
            else coalesce(sum(employee_months) filter (where is_first_direct_in_window_in_band), 0)
        end as bigint) as direct_headcount
    from windowed
    group by grouping sets (
        (region_id, organisation_id, window_name, end_month, gender, age_band),
        (region_id, organisation_id, window_name, end_month, gender),
        (region_id, organisation_id, window_name, end_month, age_band),
        (region_id, organisation_id, window_name, end_month)
    )

),

-- The node's name, level and parent as valid in the last month of the window (for a node closed
-- before the window ends: its last version inside the window).
node_versions as (

    select
        node_windows.region_id,
        node_windows.organisation_id,
        node_windows.window_name,
        node_windows.end_month,
        arg_max(ancestors.organisation_name, ancestors.period_month) as organisation_name,
        arg_max(ancestors.organisation_level, ancestors.period_month) as organisation_level,
        arg_max(ancestors.parent_organisation_id, ancestors.period_month) as parent_organisation_id
    from (select distinct region_id, organisation_id, window_name, end_month from aggregated) as node_windows
    inner join window_months
        on window_months.region_id = node_windows.region_id
        and window_months.window_name = node_windows.window_name
        and window_months.end_month = node_windows.end_month
    inner join ancestors
        on ancestors.region_id = node_windows.region_id
        and ancestors.period_month = window_months.period_month
        and ancestors.organisation_id = node_windows.organisation_id
        and ancestors.ancestor_depth = 0
    group by all

)

select
    aggregated.region_id,
    aggregated.organisation_id,
    node_versions.organisation_name,
    node_versions.organisation_level,
    node_versions.parent_organisation_id,
    aggregated.window_name,
    {{ period_code('aggregated.end_month') }} as period,
    complete_windows.start_month,
    aggregated.end_month,
    aggregated.gender,
    aggregated.age_band,
    complete_windows.months_in_window,
    complete_windows.calendar_days,
    complete_windows.full_time_hours,
    aggregated.ordinary_hours,
    aggregated.sick_hours,
    aggregated.sick_hours_days_1_14,
    aggregated.sick_hours_days_15_59,
    aggregated.sick_hours_days_60_plus,
    aggregated.worked_hours,
    aggregated.employed_days,
    aggregated.leavers,
    aggregated.headcount,
    aggregated.direct_headcount
from aggregated
inner join complete_windows
    on complete_windows.region_id = aggregated.region_id
    and complete_windows.window_name = aggregated.window_name
    and complete_windows.end_month = aggregated.end_month
inner join node_versions
    on node_versions.region_id = aggregated.region_id
    and node_versions.organisation_id = aggregated.organisation_id
    and node_versions.window_name = aggregated.window_name
    and node_versions.end_month = aggregated.end_month
