-- One row per region × forecast vintage × code string: the full-year forecast made after the
-- vintage month (latest delivery of the vintage), ledger sign.
with

forecast as (

    select
        region_id, vintage_month, forecast_year, ansvar, konto, report_line_id, verksamhet, aktivitet, projekt,
        sum(amount) as amount
    from {{ ref('stg_finance__forecast_rows') }}
    group by all

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
    {{ classification_columns() }},
    cast(forecast.amount as decimal(18, 2)) as amount
from forecast
{{ classification_join('forecast', 'forecast.report_line_id') }}
