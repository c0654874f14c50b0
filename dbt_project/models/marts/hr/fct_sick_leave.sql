-- One row per month × region × unit (ansvar) × gender × age band for the statutory population
-- (monthly paid staff and hourly staff with a schedule): the additive sick-leave (sjukfrånvaro) and
-- staffing measures, keyed to the conformed dimensions. Not suppressed: for analysts with access
-- to row-level HR data, never for publication (kpi_indicator_values is the published table).
with

employee_months as (

    select * from {{ ref('int_employee_months_classified') }}
    where is_in_statutory_population

),

organisation as (

    select * from {{ ref('dim_organisation') }}
    where organisation_key <> '-1'

),

aggregated as (

    select
        region_id,
        period_month,
        unit_code,
        gender,
        age_band,
        sum(ordinary_hours) as ordinary_hours,
        sum(sick_hours) as sick_hours,
        sum(sick_hours_days_1_14) as sick_hours_days_1_14,
        sum(sick_hours_days_15_59) as sick_hours_days_15_59,
        sum(sick_hours_days_60_plus) as sick_hours_days_60_plus,
        sum(worked_hours) as worked_hours,
        count(distinct employee_key) as headcount,
        cast(sum(employed_days) as bigint) as employed_days,
        count(*) filter (where is_leaver) as leavers
    from employee_months
    group by region_id, period_month, unit_code, gender, age_band

)

select
    aggregated.region_id,
    {{ period_code('aggregated.period_month') }} as period,
    aggregated.period_month,
    coalesce(organisation.organisation_key, '-1') as organisation_key,
    aggregated.unit_code as organisation_id,
    aggregated.gender,
    aggregated.age_band,
    aggregated.ordinary_hours,
    aggregated.sick_hours,
    aggregated.sick_hours_days_1_14,
    aggregated.sick_hours_days_15_59,
    aggregated.sick_hours_days_60_plus,
    aggregated.worked_hours,
    aggregated.headcount,
    aggregated.employed_days,
    aggregated.leavers
from aggregated
left join organisation
    on organisation.region_id = aggregated.region_id
    and organisation.organisation_id = aggregated.unit_code
    and organisation.valid_from <= {{ month_end('aggregated.period_month') }}
    and coalesce(organisation.valid_to, date '9999-12-31') >= {{ month_end('aggregated.period_month') }}
