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

    select * from {{ ref('int_goal_targets_with_outcomes') }}

),

judged as (

    select
        *,
        case comparison
            when 'at_most' then outcome <= target_value
            when 'at_least' then outcome >= target_value
            when 'lower_than' then outcome < target_value
            when 'higher_than' then outcome > target_value
            when 'equal_to' then abs(outcome - target_value) <= 1e-9
            when 'increase_by_pct' then outcome >= target_value
        end as is_met,
        case comparison
            when 'at_most' then outcome <= target_value + tolerance
            when 'lower_than' then outcome < target_value + tolerance
            when 'at_least' then outcome >= target_value - tolerance
            when 'higher_than' then outcome > target_value - tolerance
            when 'equal_to' then abs(outcome - target_value) <= tolerance
            when 'increase_by_pct' then outcome >= target_value - tolerance
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
    cast(case
        when kind = 'qualitative' then coalesce(reported_status, 'not_measurable')
        when outcome is null then 'not_measurable'
        when is_met then 'met'
        when tolerance is not null and is_within_band then 'partly_met'
        else 'not_met'
    end as varchar) as status,
    cast(case when kind = 'qualitative' then 'reported' else 'computed' end as varchar) as status_source,
    cast(case
        when kind = 'qualitative' and reported_status is not null then 'reported by the unit'
        when kind = 'qualitative' then 'no status reported'
        when outcome is null and is_suppressed then 'no outcome: suppressed to protect individuals'
        when outcome is null then 'no outcome delivered'
        when is_met then comparison || ': met'
        when tolerance is not null and is_within_band then comparison || ': within the tolerance band of ' || round(tolerance, 6)
        when tolerance is not null then comparison || ': outside the tolerance band of ' || round(tolerance, 6)
        else comparison || ': not met (no tolerance band)'
    end as varchar) as decided_by,
    cast(outcome / nullif(target_value, 0) as double) as ratio_to_target
from judged
