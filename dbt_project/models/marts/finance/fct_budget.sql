-- One row per region × month × budget row's code string (ansvar, account or report line,
-- verksamhet, aktivitet, projekt): the latest delivered budget of the month, ledger sign.
with

budget as (

    select
        region_id, period_month, ansvar, konto, report_line_id, verksamhet, aktivitet, projekt,
        sum(amount) as amount
    from {{ ref('stg_finance__budget_rows') }}
    group by all

)

select
    cast({{ surrogate_key(['budget.region_id', 'budget.period_month', 'budget.ansvar', 'budget.konto',
        'budget.report_line_id', 'budget.verksamhet', 'budget.aktivitet', 'budget.projekt']) }} as varchar)
        as budget_key,
    cast(budget.region_id as varchar) as region_id,
    cast(budget.period_month as date) as period_month,
    cast(budget.ansvar as varchar) as ansvar,
    cast(budget.konto as varchar) as konto,
    cast(budget.verksamhet as varchar) as verksamhet,
    cast(budget.aktivitet as varchar) as aktivitet,
    cast(budget.projekt as varchar) as projekt,
    {{ classification_columns() }},
    cast(budget.amount as decimal(18, 2)) as amount
from budget
{{ classification_join('budget', 'budget.report_line_id') }}
