-- One row per investment project of the latest delivery of each region and period.
with

source as (

    {{ latest_delivery(source('finance', 'finance_investments'), ['region_id', 'period_month']) }}

),

renamed as (

    select
        cast(region_id as varchar) as region_id,
        cast(period_month as date) as period_month,
        cast(project_code as varchar) as project_code,
        cast(project_name as varchar) as project_name,
        cast(ansvar as varchar) as ansvar,
        cast(round(annual_budget, 2) as decimal(18, 2)) as annual_budget,
        cast(round(outcome_to_date, 2) as decimal(18, 2)) as outcome_to_date,
        cast(round(full_year_forecast, 2) as decimal(18, 2)) as full_year_forecast,
        cast(source_line as integer) as source_line,
        cast(_delivery_seq as bigint) as delivery_seq
    from source

)

select * from renamed
