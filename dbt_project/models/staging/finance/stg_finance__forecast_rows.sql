-- One row per forecast row of the latest delivery of each region and vintage (the month after
-- which the forecast was made). Full-year amounts, ledger sign, exact decimals.
with

source as (

    {{ latest_delivery(source('finance', 'finance_forecast'), ['region_id', 'vintage_month']) }}

),

renamed as (

    select
        cast(region_id as varchar) as region_id,
        cast(vintage_month as date) as vintage_month,
        cast(year(vintage_month) as integer) as forecast_year,
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
