-- One row per region × month × employee (latest delivery), classified for the HR indicators:
-- whether the employment counts in the statutory population, how many days of the month the person
-- was employed, and whether the employment ended in the month.
with

employee_months as (

    select * from {{ ref('stg_hr__employee_months') }}

),

classified as (

    select
        region_id,
        period_month,
        employee_key,
        unit_code,
        employment_type,
        gender,
        age_band,
        -- Monthly paid staff and hourly staff with a schedule; contractors (uppdragstagare) and
        -- hourly staff without a schedule are loaded but never counted.
        employment_type in ('monthly_paid', 'hourly_scheduled') as is_in_statutory_population,
        employment_start_date,
        employment_end_date,
        ordinary_hours,
        sick_hours,
        sick_hours_days_1_14,
        sick_hours_days_15_59,
        sick_hours_days_60_plus,
        ordinary_hours - sick_hours as worked_hours,
        greatest(
            0,
            date_diff(
                'day',
                greatest(employment_start_date, period_month),
                least(coalesce(employment_end_date, date '9999-12-31'), {{ month_end('period_month') }})
            ) + 1
        ) as employed_days,
        coalesce(
            employment_end_date between period_month and {{ month_end('period_month') }}, false
        ) as is_leaver,
        {{ days_in_month('period_month') }} as days_in_month,
        {{ full_time_hours('period_month') }} as full_time_hours
    from employee_months

)

select * from classified
