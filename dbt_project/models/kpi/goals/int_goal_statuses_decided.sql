-- The status rules of goal fulfilment (måluppfyllelse), in one place (docs/goals.md):
--   met (uppfyllt) when the outcome meets the comparison: at_most ≤, at_least ≥, lower_than <,
--   higher_than >, equal_to =, increase_by_pct: the change in % ≥ the target;
--   partly met (delvis uppfyllt) when it does not, but lies within the region's tolerance band
--   (the target widened by `tolerance` in the indicator's unit, towards the unmet side: below the
--   target for at_least / higher_than / increase_by_pct, above it for at_most / lower_than, on both
--   sides for equal_to; a band in % of the target is already in the unit here); a region with no band
--   has only met and not met;
--   not met (ej uppfyllt) otherwise; not measurable (ej mätbart) when there is no outcome (not
--   delivered, or suppressed to protect individuals).
-- A ja/nej indicator (outcome 1 = ja, 0 = nej) is met when it equals its target (ja unless said
-- otherwise); a qualitative indicator gets the status its unit reported (status_source `reported`),
-- not measurable until one is reported.
-- `decided_by` says which rule decided; `ratio_to_target` = outcome / target (null for a target of 0).
with

inputs as (

    select
        *,
        -- the figure the status is decided on: the outcome to date, or the full-year forecast
        case when status_basis = 'forecast' then forecast else outcome end as judged_value
    from {{ ref('int_goal_targets_with_outcomes') }}

),

judged as (

    select
        *,
        case comparison
            when 'at_most' then judged_value <= target_value
            when 'at_least' then judged_value >= target_value
            when 'lower_than' then judged_value < target_value
            when 'higher_than' then judged_value > target_value
            when 'equal_to' then abs(judged_value - target_value) <= 1e-9
            when 'increase_by_pct' then judged_value >= target_value
        end as is_met,
        case comparison
            when 'at_most' then judged_value <= target_value + tolerance
            when 'lower_than' then judged_value < target_value + tolerance
            when 'at_least' then judged_value >= target_value - tolerance
            when 'higher_than' then judged_value > target_value - tolerance
            when 'equal_to' then abs(judged_value - target_value) <= tolerance
            when 'increase_by_pct' then judged_value >= target_value - tolerance
        end as is_within_band
    from inputs

)

select
    region_id,
    organisation_id,
    indicator_id,
    domain,
    unit,
    decimals,
    kind,
    direction,
    target_year,
    period,
    period_kind,
    window_name,
    outcome,
    outcome_previous_year,
    target_value,
    comparison,
    tolerance,
    tolerance_pct,
    tolerance_source,
    reported_comment,
    forecast,
    status_basis,
    cast(case
        when kind = 'qualitative' then coalesce(reported_status, 'not_measurable')
        when judged_value is null then 'not_measurable'
        when is_met then 'met'
        when tolerance is not null and is_within_band then 'partly_met'
        else 'not_met'
    end as varchar) as status,
    cast(case when kind = 'qualitative' then 'reported' else 'computed' end as varchar) as status_source,
    cast(case
        when kind = 'qualitative' and reported_status is not null then 'reported by the unit'
        when kind = 'qualitative' then 'no status reported'
        when judged_value is null and is_suppressed then 'no outcome: suppressed to protect individuals'
        when judged_value is null then 'no outcome delivered'
        when is_met then comparison || ': met'
        when tolerance is not null and is_within_band then comparison || ': within the tolerance band of ' || round(tolerance, 6)
        when tolerance is not null then comparison || ': outside the tolerance band of ' || round(tolerance, 6)
        else comparison || ': not met (no tolerance band)'
    end || case when status_basis = 'forecast' then ' (on the full-year forecast)' else '' end as varchar) as decided_by,
    cast(judged_value / nullif(target_value, 0) as double) as ratio_to_target
from judged
