-- The region node's monthly totals in the indicator cells equal the sum of fct_sick_leave over the
-- region: no employee-month is lost or counted twice on the way up the hierarchy. A month without a
-- valid organisation tree (so without a region node) shows here with null cell figures.
with

fact as (

    select region_id, period, sum(ordinary_hours) as ordinary_hours, sum(sick_hours) as sick_hours
    from {{ ref('fct_sick_leave') }}
    group by region_id, period

),

region_cells as (

    select region_id, period, ordinary_hours, sick_hours
    from {{ ref('int_hr_window_sums_aggregated') }}
    where window_name = 'month'
        and gender = 'T'
        and age_band = 'all'
        and parent_organisation_id is null

)

select
    coalesce(fact.region_id, region_cells.region_id) as region_id,
    coalesce(fact.period, region_cells.period) as period,
    fact.ordinary_hours as fact_ordinary_hours,
    region_cells.ordinary_hours as cell_ordinary_hours,
    fact.sick_hours as fact_sick_hours,
    region_cells.sick_hours as cell_sick_hours
from fact
full outer join region_cells
    on region_cells.region_id = fact.region_id
    and region_cells.period = fact.period
where fact.region_id is null
    or region_cells.region_id is null
    or abs(fact.ordinary_hours - region_cells.ordinary_hours) > 0.001
    or abs(fact.sick_hours - region_cells.sick_hours) > 0.001
