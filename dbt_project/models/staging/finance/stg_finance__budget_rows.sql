-- One row per budget row of the latest budget delivery of each region and month (a revised budget
-- replaces the months it delivers). Ledger sign, exact decimals.
with

source as (

    {{ latest_delivery(source('finance', 'finance_budget'), ['region_id', 'period_month']) }}

),

renamed as (

    select
        cast(region_id as varchar) as region_id,
        cast(period_month as date) as period_month,
        cast(ansvar as varchar) as ansvar,
        cast(konto as varchar) as konto,
        cast(report_line_id as varchar) as report_line_id,
        cast(verksamhet as varchar) as verksamhet,
        cast(aktivitet as varchar) as aktivitet,
        cast(projekt as varchar) as projekt,
        cast(round(amount, 2) as decimal(18, 2)) as amount,
        cast(source_line as integer) as source_line,
        cast(_delivery_seq as bigint) as delivery_seq
    from source

)

select * from renamed
