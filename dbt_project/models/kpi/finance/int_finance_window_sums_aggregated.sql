-- One row per region × node × breakdown × window (month, ytd, year) × period: outcome, budget and
-- net cost summed over the window's months, the same window a year earlier, and whether the ledger
-- and the budget were delivered for every month of both windows (a window is published only then).
with

node_months as (

    select * from {{ ref('int_finance_node_amounts_rolled_up') }}

),

ledger_months as (

    select distinct region_id, period_month from {{ ref('stg_finance__ledger_postings') }}

),

budget_months as (

    select distinct region_id, period_month from {{ ref('stg_finance__budget_rows') }}

),

period_ends as (

    select region_id, period_month as period_end from ledger_months
    union
    select region_id, period_month from budget_months

),

windows as (

    select region_id, period_end, 'month' as window_name, period_end as window_start
    from period_ends
    union all
    select region_id, period_end, 'ytd', date_trunc('year', period_end)::date
    from period_ends
    union all
    select region_id, period_end, 'year', date_trunc('year', period_end)::date
    from period_ends
    where month(period_end) = 12

),

-- how many of each window's months (and of the same window a year earlier) were delivered
window_coverage as (

    select
        windows.region_id,
        windows.period_end,
        windows.window_name,
        windows.window_start,
        date_diff('month', windows.window_start, windows.period_end) + 1 as months_in_window,
        (
            select count(*) from ledger_months
            where ledger_months.region_id = windows.region_id
                and ledger_months.period_month between windows.window_start and windows.period_end
        ) as ledger_months_delivered,
        (
            select count(*) from budget_months
            where budget_months.region_id = windows.region_id
                and budget_months.period_month between windows.window_start and windows.period_end
        ) as budget_months_delivered,
        (
            select count(*) from ledger_months
            where ledger_months.region_id = windows.region_id
                and ledger_months.period_month
                between {{ add_months('windows.window_start', -12) }} and {{ add_months('windows.period_end', -12) }}
        ) as previous_ledger_months_delivered
    from windows

),

sums as (

    select
        node_months.region_id,
        node_months.organisation_id,
        node_months.breakdown,
        node_months.breakdown_id,
        node_months.breakdown_name,
        windows.window_name,
        windows.period_end,
        sum(node_months.actual_amount) as actual_amount,
        sum(node_months.budget_amount) as budget_amount,
        sum(node_months.actual_net_cost) as actual_net_cost
    from node_months
    inner join windows
        on windows.region_id = node_months.region_id
        and node_months.period_month between windows.window_start and windows.period_end
    group by all

)

select
    sums.region_id,
    sums.organisation_id,
    sums.breakdown,
    sums.breakdown_id,
    sums.breakdown_name,
    sums.window_name,
    sums.period_end,
    sums.actual_amount,
    sums.budget_amount,
    sums.actual_net_cost,
    previous.actual_amount as previous_actual_amount,
    previous.actual_net_cost as previous_actual_net_cost,
    coverage.ledger_months_delivered = coverage.months_in_window as actual_complete,
    coverage.budget_months_delivered = coverage.months_in_window as budget_complete,
    coverage.previous_ledger_months_delivered = coverage.months_in_window as previous_actual_complete
from sums
inner join window_coverage as coverage
    on coverage.region_id = sums.region_id
    and coverage.period_end = sums.period_end
    and coverage.window_name = sums.window_name
left join sums as previous
    on previous.region_id = sums.region_id
    and previous.organisation_id = sums.organisation_id
    and previous.breakdown = sums.breakdown
    and previous.breakdown_id = sums.breakdown_id
    and previous.window_name = sums.window_name
    and previous.period_end = {{ add_months('sums.period_end', -12) }}
