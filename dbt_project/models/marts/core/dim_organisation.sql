-- One row per region × unit × validity interval (a slowly changing dimension, type 2), plus the
-- unknown member (organisation_key '-1') that facts point to when a unit code has no version valid
-- in their month, so joins never drop rows.
with

organisation_units as (

    select * from {{ ref('stg_organisation__units') }}

),

versions as (

    select
        {{ surrogate_key(['region_id', 'unit_code', 'valid_from']) }} as organisation_key,
        region_id,
        unit_code as organisation_id,
        unit_name as organisation_name,
        organisation_level,
        parent_unit_code as parent_organisation_id,
        valid_from,
        valid_to,
        valid_to is null as is_current
    from organisation_units

),

unknown_member as (

    select
        '-1' as organisation_key,
        cast(null as varchar) as region_id,
        '-1' as organisation_id,
        'Okänd enhet (unknown unit)' as organisation_name,
        cast(null as varchar) as organisation_level,
        cast(null as varchar) as parent_organisation_id,
        date '1900-01-01' as valid_from,
        cast(null as date) as valid_to,
        true as is_current

)

select * from versions
union all
select * from unknown_member
