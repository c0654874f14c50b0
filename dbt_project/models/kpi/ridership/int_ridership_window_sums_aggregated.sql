-- One row per region × measure × breakdown × window (month, ytd, year) × period: the measure summed
-- over the window's months and over the same window a year earlier, and whether every month of each
-- window was delivered for the measure's family (a window is published only then).
with

measures as (

    select * from {{ ref('int_ridership_month_measures') }}

),

covered as (

    select * from {{ ref('int_ridership_months_covered') }}

),

period_ends as (

    select distinct region_id, period_month as period_end from covered where is_complete and family != 'finance'

),

windows as (

    select region_id, period_end, 'month' as window_name, period_end as window_start from period_ends
    union all
    select region_id, period_end, 'ytd', date_trunc('year', period_end)::date from period_ends
    union all
    select region_id, period_end, 'year', date_trunc('year', period_end)::date from period_ends
    where month(period_end) = 12

),

series as (

    select distinct region_id, organisation_id, family, measure, breakdown, breakdown_id from measures

),

window_series as (

    select
        windows.*,
        series.organisation_id,
        series.family,
        series.measure,
        series.breakdown,
        series.breakdown_id,
        date_diff('month', windows.window_start, windows.period_end) + 1 as months_in_window
    from windows
    inner join series
        on series.region_id = windows.region_id

),

sums as (

    select
        window_series.region_id,
        window_series.organisation_id,
        window_series.family,
        window_series.measure,
        window_series.breakdown,
        window_series.breakdown_id,
        window_series.window_name,
        window_series.period_end,
        window_series.months_in_window,
        (
            select sum(measures.amount) from measures
            where measures.region_id = window_series.region_id
                and measures.measure = window_series.measure
                and measures.breakdown = window_series.breakdown
                and measures.breakdown_id = window_series.breakdown_id
                and measures.period_month between window_series.window_start and window_series.period_end
        ) as amount,
        (
            select sum(measures.amount) from measures
            where measures.region_id = window_series.region_id
                and measures.measure = window_series.measure
                and measures.breakdown = window_series.breakdown
                and measures.breakdown_id = window_series.breakdown_id
                and measures.period_month between {{ add_months('window_series.window_start', -12) }}
                    and {{ add_months('window_series.period_end', -12) }}
        ) as previous_amount,
        (
            select count(*) from covered
            where covered.region_id = window_series.region_id
                and covered.family = window_series.family
                and covered.is_complete
                and covered.period_month between window_series.window_start and window_series.period_end
        ) as months_complete,
        (
            select count(*) from covered
            where covered.region_id = window_series.region_id
                and covered.family = window_series.family
                and covered.is_complete
                and covered.period_month between {{ add_months('window_series.window_start', -12) }}
                    and {{ add_months('window_series.period_end', -12) }}
        ) as previous_months_complete
    from window_series

)

select
    cast(region_id as varchar) as region_id,
    cast(organisation_id as varchar) as organisation_id,
    cast(family as varchar) as family,
    cast(measure as varchar) as measure,
    cast(breakdown as varchar) as breakdown,
    cast(breakdown_id as varchar) as breakdown_id,
    cast(window_name as varchar) as window_name,
    cast(period_end as date) as period_end,
    cast(coalesce(amount, 0) as double) as amount,
    cast(coalesce(previous_amount, 0) as double) as previous_amount,
    cast(months_complete = months_in_window as boolean) as is_complete,
    cast(previous_months_complete = months_in_window as boolean) as previous_is_complete
from sums
