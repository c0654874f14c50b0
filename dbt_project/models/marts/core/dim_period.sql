-- One row per calendar month from 2015-01 to 2035-12 (macro calendar_months): the base grain of every
-- period, with the attributes that derive year-to-date (ack), rolling 12 months (R12), tertial and delår
-- from it.
with

months as (

    {{ calendar_months() }}

),

-- the months the follow-up reports close (tertial, delår, år): the seed owns the rule
report_periods as (

    select * from {{ ref('report_periods') }}

)

select
    {{ period_code('period_month') }} as period,
    period_month,
    {{ month_end('period_month') }} as period_end_date,
    year(period_month) as year,
    month(period_month) as month,
    quarter(period_month) as quarter,
    cast((month(period_month) - 1) // 4 + 1 as integer) as tertial,
    report_periods.period_kind is not null as is_tertial_end,
    coalesce(report_periods.period_kind = 'delår', false) as is_interim_report_end,
    coalesce(report_periods.period_kind = 'år', false) as is_year_end,
    {{ days_in_month('period_month') }} as days_in_month,
    {{ weekdays_in_month('period_month') }} as weekdays_in_month,
    {{ full_time_hours('period_month') }} as full_time_hours,
    date_trunc('year', period_month)::date as ytd_start_month,
    {{ add_months('period_month', -11) }} as r12_start_month
from months
left join report_periods
    on report_periods.month = month(months.period_month)
