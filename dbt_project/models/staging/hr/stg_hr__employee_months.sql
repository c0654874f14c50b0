-- One row per region × month × employee, from the latest delivery of that region and month.
-- A re-delivered month replaces the earlier delivery as a whole (rows the new file no longer has
-- disappear too); earlier deliveries stay in the raw layer for audit.
with

source as (

    {{ latest_delivery(source('hr', 'hr_sick_leave'), ['region_id', 'period_month']) }}

),

latest_delivery as (

    select
        cast(region_id as varchar) as region_id,
        cast(period_month as date) as period_month,
        cast(employee_key as varchar) as employee_key,
        cast(unit_code as varchar) as unit_code,
        cast(employment_type as varchar) as employment_type,
        cast(employment_start_date as date) as employment_start_date,
        cast(employment_end_date as date) as employment_end_date,
        cast(gender as varchar) as gender,
        cast(age_band as varchar) as age_band,
        cast(ordinary_hours as double) as ordinary_hours,
        cast(sick_hours as double) as sick_hours,
        cast(sick_hours_days_1_14 as double) as sick_hours_days_1_14,
        cast(sick_hours_days_15_59 as double) as sick_hours_days_15_59,
        cast(sick_hours_days_60_plus as double) as sick_hours_days_60_plus,
        cast(source_line as integer) as source_line,
        cast(_delivery_seq as bigint) as delivery_seq,
        cast(_delivery_id as varchar) as delivery_id,
        cast(_source_file as varchar) as source_file,
        cast(_ingested_at as timestamp) as ingested_at
    from source

)

select * from latest_delivery
