-- One row per region × measure family × month: whether the deliveries cover every day of the month.
-- Boardings and service trips name their delivery period (a day, a month or a year), so a month is
-- complete when the periods of its deliveries cover all its days; production is delivered per month;
-- the finance measures need the month's ledger.
with

periods as (

    select distinct 'boardings' as family, region_id, period_start, period_end
    from {{ ref('stg_ridership__boardings') }}
    union all
    select distinct 'service_trips', region_id, period_start, period_end
    from {{ ref('stg_ridership__service_trip_periods') }}
    union all
    select distinct 'production', region_id, period_start, period_end
    from {{ ref('stg_ridership__production_periods') }}

),

days as (

    select distinct family, region_id, unnest(generate_series(period_start, period_end, interval 1 day))::date as day
    from periods

),

delivered as (

    select
        family,
        region_id,
        cast(date_trunc('month', day) as date) as period_month,
        count(*) as days_covered
    from days
    group by all

),

ledger as (

    select distinct 'finance' as family, region_id, period_month
    from {{ ref('stg_finance__ledger_postings') }}

)

select
    cast(family as varchar) as family,
    cast(region_id as varchar) as region_id,
    cast(period_month as date) as period_month,
    cast(days_covered = {{ days_in_month('period_month') }} as boolean) as is_complete
from delivered
union all
select cast(family as varchar), cast(region_id as varchar), cast(period_month as date), true
from ledger
