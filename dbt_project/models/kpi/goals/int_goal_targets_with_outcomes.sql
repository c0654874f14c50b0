-- One row per region × organisation × indicator × target period (a year, or a month of it): the
-- target and the outcome it is judged on. The outcome of an indicator a source system computes comes
-- from the published KPI table (the node's total, all genders and ages, window `year` for a year and
-- `ytd` for a part of it); a reported indicator's (domain goals) from the reported values. For
-- "increase by x %" the outcome is the change in % against the same window a year earlier. Before
-- December a target may be judged on the full-year forecast instead (status_basis), where one exists.
with

-- A target for a whole year (no period) is followed up at each of the year's report points its
-- indicator is measured at: tertial 1 (April, outcome January–April), delår (August, January–August)
-- and the year (December). A region's own indicator says how often it is measured (frequency: yearly →
-- the year only, half_yearly → delår and year, tertial or monthly → all three); the catalogue's are
-- followed up at all three. A target for a period is judged at that month only, and replaces the
-- year's target there.
follow_up_months as (

    select month as follow_up_month from {{ ref('report_periods') }}

),

indicators as (

    select * from {{ ref('int_indicators_unioned') }}

),

targets as (

    select
        targets.*,
        indicators.domain,
        indicators.unit,
        indicators.decimals,
        indicators.kind,
        indicators.direction,
        coalesce(targets.period_month, make_date(targets.target_year, months.follow_up_month, 1)) as period_end
    from {{ ref('stg_goals__targets') }} as targets
    left join indicators
        on indicators.indicator_id = targets.indicator_id
        and (indicators.region_id is null or indicators.region_id = targets.region_id)
    left join follow_up_months as months
        on targets.period_month is null
        and months.follow_up_month >= case
            when indicators.origin = 'region' and indicators.frequency = 'yearly' then 12
            when indicators.origin = 'region' and indicators.frequency = 'half_yearly' then 8
            else 4
        end
    qualify row_number() over (
        partition by targets.region_id, targets.organisation_id, targets.indicator_id, period_end
        order by targets.period_month is null
    ) = 1

),

-- The tolerance band, in the indicator's unit: the target's own (Tolerans, or Tolerans % of the
-- target), else the region's default (goal_settings: tolerans, or tolerans % of the target); none = only
-- met and not met. tolerance_pct keeps the percentage when the band is relative.
settings as (

    select * from {{ ref('stg_goals__settings') }}

),

targets_banded as (

    select
        targets.* replace (
            case
                when targets.tolerance is not null then targets.tolerance
                when targets.tolerance_pct is not null then targets.tolerance_pct / 100 * abs(targets.target_value)
                when settings.tolerance is not null then settings.tolerance
                when settings.tolerance_pct is not null then settings.tolerance_pct / 100 * abs(targets.target_value)
            end as tolerance,
            case
                when targets.tolerance is not null then null
                when targets.tolerance_pct is not null then targets.tolerance_pct
                when settings.tolerance is not null then null
                else settings.tolerance_pct
            end as tolerance_pct
        ),
        case
            when targets.tolerance is not null or targets.tolerance_pct is not null then 'target'
            when settings.tolerance is not null or settings.tolerance_pct is not null then 'region'
        end as tolerance_source,
        -- what the target is judged on before the year is over: its own Bedöms på, else the region's
        coalesce(targets.status_basis, settings.status_basis, 'outcome') as wanted_basis
    from targets
    left join settings
        on settings.region_id = targets.region_id

),

targets_windowed as (

    select
        targets_banded.*,
        case when month(period_end) = 12 then 'year' else 'ytd' end as window_name,
        report_periods.period_kind
    from targets_banded
    left join {{ ref('report_periods') }} as report_periods
        on report_periods.month = month(targets_banded.period_end)

),

kpi as (

    select region_id, organisation_id, indicator_id, period, "window" as window_name, value, is_suppressed
    from {{ ref('kpi_indicator_values') }}
    where breakdown = 'total' and gender = 'T' and age_band = 'all'

),

reported as (

    select * from {{ ref('stg_goals__reported_values') }}
    where gender = 'T'

),

-- the indicator holding a catalogue indicator's full-year forecast (seeds/forecast_indicators.csv); any
-- other indicator is its own (a region's reported forecast, window forecast_year)
forecast_indicators as (

    select * from {{ ref('forecast_indicators') }}

),

outcomes as (

    select
        targets.*,
        strftime(targets.period_end, '%Y-%m') as period,
        case
            when targets.domain = 'goals' then reported.value
            when targets.comparison = 'increase_by_pct' then change_kpi.value
            else kpi.value
        end as outcome,
        case
            when targets.domain = 'goals' then reported_before.value
            else kpi_before.value
        end as outcome_previous_year,
        case
            when targets.comparison = 'increase_by_pct' and targets.domain = 'goals'
                then 100 * (reported.value / nullif(reported_before.value, 0) - 1)
        end as reported_change_pct,
        coalesce(kpi.is_suppressed, false) as is_suppressed,
        reported.reported_status,
        reported.comment as reported_comment,
        case when targets.domain = 'goals' then reported_forecast.value else forecast_kpi.value end as forecast
    from targets_windowed as targets
    left join kpi
        on kpi.region_id = targets.region_id
        and kpi.organisation_id = targets.organisation_id
        and kpi.indicator_id = targets.indicator_id
        and kpi.period = strftime(targets.period_end, '%Y-%m')
        and kpi.window_name = targets.window_name
    left join kpi as kpi_before
        on kpi_before.region_id = targets.region_id
        and kpi_before.organisation_id = targets.organisation_id
        and kpi_before.indicator_id = targets.indicator_id
        and kpi_before.period = strftime(targets.period_end - interval 12 month, '%Y-%m')
        and kpi_before.window_name = targets.window_name
    left join kpi as change_kpi
        on change_kpi.region_id = targets.region_id
        and change_kpi.organisation_id = targets.organisation_id
        and change_kpi.indicator_id = targets.indicator_id || '_change_pct'
        and change_kpi.period = strftime(targets.period_end, '%Y-%m')
        and change_kpi.window_name = targets.window_name
    left join reported
        on reported.region_id = targets.region_id
        and reported.organisation_id = targets.organisation_id
        and reported.indicator_id = targets.indicator_id
        and reported.period_month = targets.period_end
        and reported.window_name = targets.window_name
    left join forecast_indicators
        on forecast_indicators.indicator_id = targets.indicator_id
    left join kpi as forecast_kpi
        on forecast_kpi.region_id = targets.region_id
        and forecast_kpi.organisation_id = targets.organisation_id
        and forecast_kpi.indicator_id = coalesce(forecast_indicators.forecast_indicator_id, targets.indicator_id)
        and forecast_kpi.period = strftime(targets.period_end, '%Y-%m')
        and forecast_kpi.window_name = 'forecast_year'
    left join reported as reported_forecast
        on reported_forecast.region_id = targets.region_id
        and reported_forecast.organisation_id = targets.organisation_id
        and reported_forecast.indicator_id = targets.indicator_id
        and reported_forecast.period_month = targets.period_end
        and reported_forecast.window_name = 'forecast_year'
    left join reported as reported_before
        on reported_before.region_id = targets.region_id
        and reported_before.organisation_id = targets.organisation_id
        and reported_before.indicator_id = targets.indicator_id
        and reported_before.period_month = (targets.period_end - interval 12 month)::date
        and reported_before.window_name = targets.window_name

)

select
    cast(region_id as varchar) as region_id,
    cast(organisation_id as varchar) as organisation_id,
    cast(indicator_id as varchar) as indicator_id,
    cast(domain as varchar) as domain,
    cast(unit as varchar) as unit,
    cast(decimals as integer) as decimals,
    cast(kind as varchar) as kind,
    cast(direction as varchar) as direction,
    cast(target_year as integer) as target_year,
    cast(period as varchar) as period,
    cast(period_kind as varchar) as period_kind,
    cast(window_name as varchar) as window_name,
    cast(coalesce(reported_change_pct, outcome) as double) as outcome,
    cast(outcome_previous_year as double) as outcome_previous_year,
    cast(target_value as double) as target_value,
    cast(comparison as varchar) as comparison,
    -- a band is for numbers: a ja/nej or qualitative indicator is met or not as it is
    cast(case when coalesce(kind, 'numeric') = 'numeric' then tolerance end as double) as tolerance,
    cast(case when coalesce(kind, 'numeric') = 'numeric' then tolerance_pct end as double) as tolerance_pct,
    cast(case when coalesce(kind, 'numeric') = 'numeric' then tolerance_source end as varchar) as tolerance_source,
    cast(forecast as double) as forecast,
    -- judged on the forecast when asked for, before December, and a forecast exists; else the outcome
    cast(case
        when wanted_basis = 'forecast' and month(period_end) != 12 and forecast is not null
            and comparison != 'increase_by_pct' then 'forecast'
        else 'outcome'
    end as varchar) as status_basis,
    cast(reported_status as varchar) as reported_status,
    cast(reported_comment as varchar) as reported_comment,
    cast(is_suppressed as boolean) as is_suppressed
from outcomes
