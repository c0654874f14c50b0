-- A suppressed cell shows no figure (never 0) and says why; a published cell has no reason.
select *
from {{ ref('kpi_indicator_values') }}
where
    (is_suppressed and (value is not null or numerator is not null or denominator is not null))
    or (is_suppressed and suppression_reason is null)
    or (not is_suppressed and suppression_reason is not null)
    -- a published count always has its value; a published ratio lacks it only for a zero denominator
    or (not is_suppressed and value is null and denominator is distinct from 0)
