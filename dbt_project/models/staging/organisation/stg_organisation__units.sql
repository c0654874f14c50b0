-- One row per region × unit × validity interval, from the region's latest organisation delivery.
-- Each delivery is the complete history, so the latest one replaces the earlier ones as a whole.
with

source as (

    {{ latest_delivery(source('organisation', 'organisation'), ['region_id']) }}

),

latest_delivery as (

    select
        cast(region_id as varchar) as region_id,
        cast(unit_code as varchar) as unit_code,
        cast(unit_name as varchar) as unit_name,
        cast(parent_unit_code as varchar) as parent_unit_code,
        cast(organisation_level as varchar) as organisation_level,
        cast(valid_from as date) as valid_from,
        cast(valid_to as date) as valid_to,
        cast(source_line as integer) as source_line,
        cast(_delivery_seq as bigint) as delivery_seq,
        cast(_delivery_id as varchar) as delivery_id,
        cast(_source_file as varchar) as source_file,
        cast(_ingested_at as timestamp) as ingested_at
    from source

)

select * from latest_delivery
