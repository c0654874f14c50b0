-- One row per posting (or month × code string) of the latest ledger delivery of each region and
-- month. Amounts become exact decimals (öre) with the ledger sign.
with

source as (

    {{ latest_delivery(source('finance', 'finance_ledger'), ['region_id', 'period_month']) }}

),

renamed as (

    select
        cast(region_id as varchar) as region_id,
        cast(period_month as date) as period_month,
        cast(voucher_date as date) as voucher_date,
        cast(ansvar as varchar) as ansvar,
        cast(konto as varchar) as konto,
        cast(verksamhet as varchar) as verksamhet,
        cast(aktivitet as varchar) as aktivitet,
        cast(projekt as varchar) as projekt,
        cast(motpart as varchar) as motpart,
        cast(round(amount, 2) as decimal(18, 2)) as amount,
        cast(posting_text as varchar) as posting_text,
        cast(voucher as varchar) as voucher,
        cast(source_format as varchar) as source_format,
        cast(source_line as integer) as source_line,
        cast(_delivery_seq as bigint) as delivery_seq,
        cast(_delivery_id as varchar) as delivery_id,
        cast(_source_file as varchar) as source_file,
        cast(_ingested_at as timestamp) as ingested_at
    from source

)

select * from renamed
