-- One row per cell (region × organisation node × window × period × gender × age band) × HR indicator.
-- The ONLY place the HR KPI formulas live (see the doc block `hr_indicator_formulas`). Every ratio is
-- computed from the cell's sums, so a ratio over a window or a parent node is the ratio of the sums,
-- never a mean of monthly or unit ratios. Suppression is applied later, in kpi_indicator_values.
with

cells as (

    select * from {{ ref('int_hr_window_sums_aggregated') }}

),

measures as (

    select
        region_id,
        organisation_id,
        window_name,
        period,
        gender,
        age_band,
        ordinary_hours,
        sick_hours,
        sick_hours_days_60_plus,
        worked_hours,
        full_time_hours,
        cast(leavers as double) as leavers,
        -- genomsnittligt antal anställda: employed person-days ÷ calendar days of the window
        employed_days / calendar_days as average_headcount
    from cells

),

-- numerator, denominator and scale per indicator; a null denominator marks a count (value = numerator)
indicator_terms as (

    select *, 'sick_leave_rate' as indicator_id,
        sick_hours as numerator, ordinary_hours as denominator, 100.0 as scale
    from measures

    union all

    select *, 'long_term_sick_leave_share' as indicator_id,
        sick_hours_days_60_plus as numerator, sick_hours as denominator, 100.0 as scale
    from measures

    union all

    select *, 'leavers' as indicator_id,
        leavers as numerator, null as denominator, null as scale
    from measures

    union all

    select *, 'average_headcount' as indicator_id,
        average_headcount as numerator, null as denominator, null as scale
    from measures

    union all

    select *, 'staff_turnover_rate' as indicator_id,
        leavers as numerator, average_headcount as denominator, 100.0 as scale
    from measures

    union all

    select *, 'full_time_equivalents' as indicator_id,
        worked_hours as numerator, full_time_hours as denominator, 1.0 as scale
    from measures

)

select
    region_id,
    organisation_id,
    window_name,
    period,
    gender,
    age_band,
    indicator_id,
    cast(numerator as double) as numerator,
    cast(denominator as double) as denominator,
    cast(
        case
            when scale is null then numerator
            when denominator = 0 then null
            else scale * numerator / denominator
        end as double
    ) as value
from indicator_terms
