-- One row per region × month × code string (ansvar, konto, verksamhet, aktivitet, projekt,
-- motpart): the month's balance of the latest ledger delivery, in SEK with the ledger sign, with
-- the account's group, report line and whether the counterparty is internal to the region.
-- Balance-sheet accounts are kept (in_result false) so the fact sums to the delivered ledger.
with

postings as (

    select * from {{ ref('stg_finance__ledger_postings') }}

),

internal_counterparties as (

    select * from {{ ref('internal_counterparties') }}

),

balances as (

    select
        region_id,
        period_month,
        ansvar,
        konto,
        verksamhet,
        aktivitet,
        projekt,
        motpart,
        sum(amount) as amount,
        count(*) as posting_count,
        max(delivery_seq) as delivery_seq
    from postings
    group by all

)

select
    cast({{ surrogate_key(['balances.region_id', 'balances.period_month', 'balances.ansvar', 'balances.konto',
        'balances.verksamhet', 'balances.aktivitet', 'balances.projekt', 'balances.motpart']) }} as varchar)
        as ledger_balance_key,
    cast(balances.region_id as varchar) as region_id,
    cast(balances.period_month as date) as period_month,
    cast(balances.ansvar as varchar) as ansvar,
    cast(balances.konto as varchar) as konto,
    cast(balances.verksamhet as varchar) as verksamhet,
    cast(balances.aktivitet as varchar) as aktivitet,
    cast(balances.projekt as varchar) as projekt,
    cast(balances.motpart as varchar) as motpart,
    cast(exists (
        select 1 from internal_counterparties
        where internal_counterparties.region_id in (balances.region_id, '*')
            and {{ code_in_range('balances.motpart', 'internal_counterparties.motpart_from',
                'internal_counterparties.motpart_to') }}
    ) as boolean) as is_internal,
    {{ classification_columns() }},
    cast(balances.amount as decimal(18, 2)) as amount,
    cast(balances.posting_count as bigint) as posting_count,
    cast(balances.delivery_seq as bigint) as delivery_seq
from balances
{{ classification_join('balances', 'null') }}
