-- "Antal mätetal som är uppfyllda / delvis uppfyllda / inte uppfyllda / som mäts" (seed 002): per
-- region × organisation × period, for the organisation as a whole (`goal` = '(alla)') and per goal of
-- its structure. Shares are of the indicators measured (ej mätbart is not measured). ja/nej and
-- qualitative indicators count unless the region's settings (räkna ja/nej, räkna kvalitativa) say not;
-- activities count only when they say so (räkna aktiviteter).
with

-- the indicators and activities that count (macro goal_items_counted: the region's settings decide)
counted_rows as (

    {{ goal_items_counted() }}

),

grouped as (

    select region_id, organisation_id, organisation_name, period, '(alla)' as goal, status from counted_rows
    union all
    select region_id, organisation_id, organisation_name, period, goal, status from counted_rows
    where goal is not null

),

counted as (

    select
        region_id,
        organisation_id,
        any_value(organisation_name) as organisation_name,
        period,
        goal,
        {{ status_counts() }}
    from grouped
    group by region_id, organisation_id, period, goal

)

select
    cast(region_id as varchar) as region_id,
    cast(organisation_id as varchar) as organisation_id,
    cast(organisation_name as varchar) as organisation_name,
    cast(period as varchar) as period,
    cast(goal as varchar) as goal,
    cast(met as integer) as met,
    cast(partly_met as integer) as partly_met,
    cast(not_met as integer) as not_met,
    cast(measured as integer) as measured,
    cast(not_measurable as integer) as not_measurable,
    cast(100.0 * met / nullif(measured, 0) as double) as met_share,
    cast(100.0 * partly_met / nullif(measured, 0) as double) as partly_met_share,
    cast(100.0 * not_met / nullif(measured, 0) as double) as not_met_share
from counted
