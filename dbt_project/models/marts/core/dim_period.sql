-- One row per calendar month from 2015-01 to 2035-12 (macro calendar_months): the base grain of every
-- period, with the attributes that derive year-to-date (ack), rolling 12 months (R12), tertial and delår
-- from it.
with

months as (

    {{ calendar_months() }}

)

select
    {{ period_code('period_month') }} as period,
    period_month,
    {{ month_end('period_month') }} as period_end_date,
    year(period_month) as year,
    month(period_month) as month,
    quarter(period_month) as quarter,
    cast((month(period_month) - 1) // 4 + 1 as integer) as tertial,
    month(period_month) in (4, 8, 12) as is_tertial_end,
    month(period_month) = 8 as is_interim_report_end,
    month(period_month) = 12 as is_year_end,
    {{ days_in_month('period_month') }} as days_in_month,
    {{ weekdays_in_month('period_month') }} as weekdays_in_month,
    {{ full_time_hours('period_month') }} as full_time_hours,
    date_trunc('year', period_month)::date as ytd_start_month,
    {{ add_months('period_month', -11) }} as r12_start_month
from months
