-- A posting must never match two report lines of equal rank: two rules of the same region set and
-- priority for different lines whose account ranges (and verksamhet ranges, where both set one)
-- overlap are a configuration error in seeds/report_lines.csv.
select
    a.region_id,
    a.priority,
    a.report_line_id as line_a,
    b.report_line_id as line_b,
    a.account_from || '-' || a.account_to as accounts_a,
    b.account_from || '-' || b.account_to as accounts_b
from {{ ref('report_lines') }} as a
inner join {{ ref('report_lines') }} as b
    on a.region_id = b.region_id
    and a.priority = b.priority
    and a.report_line_id < b.report_line_id
    and a.account_from <= b.account_to
    and b.account_from <= a.account_to
    and (
        a.verksamhet_from is null
        or b.verksamhet_from is null
        or (a.verksamhet_from <= b.verksamhet_to and b.verksamhet_from <= a.verksamhet_to)
    )
