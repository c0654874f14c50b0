-- Nothing is lost between staging and the facts: per region and month the ledger, budget and
-- forecast facts sum to exactly what their staging models hold (exact decimals).
with

ledger as (
    select 'ledger' as fact, region_id, period_month, sum(amount) as staged, 0 as built
    from {{ ref('stg_finance__ledger_postings') }} group by all
    union all
    select 'ledger', region_id, period_month, 0, sum(amount)
    from {{ ref('fct_ledger_balances') }} group by all
),

budget as (
    select 'budget' as fact, region_id, period_month, sum(amount) as staged, 0 as built
    from {{ ref('stg_finance__budget_rows') }} group by all
    union all
    select 'budget', region_id, period_month, 0, sum(amount)
    from {{ ref('fct_budget') }} group by all
),

forecast as (
    select 'forecast' as fact, region_id, vintage_month as period_month, sum(amount) as staged, 0 as built
    from {{ ref('stg_finance__forecast_rows') }} group by all
    union all
    select 'forecast', region_id, vintage_month, 0, sum(amount)
    from {{ ref('fct_forecast') }} group by all
)

select fact, region_id, period_month, sum(staged) as staged, sum(built) as built
from (select * from ledger union all select * from budget union all select * from forecast)
group by all
having sum(staged) != sum(built)
