-- One row per region × period × investment project: the year's budget, the spend from January to
-- the period and the full-year forecast made after it (latest delivery of the period).
select
    cast({{ surrogate_key(['region_id', 'period_month', 'project_code']) }} as varchar) as investment_key,
    cast(region_id as varchar) as region_id,
    cast(period_month as date) as period_month,
    cast(year(period_month) as integer) as investment_year,
    cast(project_code as varchar) as project_code,
    cast(project_name as varchar) as project_name,
    cast(ansvar as varchar) as ansvar,
    cast(annual_budget as decimal(18, 2)) as annual_budget,
    cast(outcome_to_date as decimal(18, 2)) as outcome_to_date,
    cast(full_year_forecast as decimal(18, 2)) as full_year_forecast
from {{ ref('stg_finance__investment_rows') }}
