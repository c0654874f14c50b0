-- One row per region × forecast vintage × code string: the full-year forecast made after the
-- vintage month (latest delivery of the vintage), ledger sign.
with

forecast as (

    select
        region_id, vintage_month, forecast_year, ansvar, konto, report_line_id, verksamhet, aktivitet, projekt,
        sum(amount) as amount
    from {{ ref('stg_finance__forecast_rows') }}
    group by all

),

classified as (

    select * from {{ ref('int_finance_code_strings_classified') }}

)

select
    cast({{ surrogate_key(['forecast.region_id', 'forecast.vintage_month', 'forecast.ansvar', 'forecast.konto',
        'forecast.report_line_id', 'forecast.verksamhet', 'forecast.aktivitet', 'forecast.projekt']) }} as varchar)
        as forecast_key,
    cast(forecast.region_id as varchar) as region_id,
    cast(forecast.vintage_month as date) as vintage_month,
    cast(forecast.forecast_year as integer) as forecast_year,
    cast(forecast.ansvar as varchar) as ansvar,
    cast(forecast.konto as varchar) as konto,
    cast(forecast.verksamhet as varchar) as verksamhet,
    cast(forecast.aktivitet as varchar) as aktivitet,
    cast(forecast.projekt as varchar) as projekt,
    cast(classified.account_group as varchar) as account_group,
    cast(classified.report_line_id as varchar) as report_line_id,
    cast(classified.report_line_name as varchar) as report_line_name,
    cast(classified.report_section as varchar) as report_section,
    cast(classified.in_result as boolean) as in_result,
    cast(classified.in_net_cost as boolean) as in_net_cost,
    cast(forecast.amount as decimal(18, 2)) as amount
from forecast
left join classified
    on classified.region_id = forecast.region_id
    and classified.konto is not distinct from forecast.konto
    and classified.verksamhet is not distinct from forecast.verksamhet
    and classified.given_report_line_id is not distinct from forecast.report_line_id
