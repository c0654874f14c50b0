-- One row per region × the region's own indicator (mätetal): as the latest delivery naming it describes
-- it. A later delivery adds or revises indicators and never removes one (targets may still name it).
-- docs/extracts/goal_indicators.md.
with

source as (

    {{ latest_delivery(source('goals', 'goal_indicators'), ['region_id', 'indicator_id']) }}

)

select
    cast(region_id as varchar) as region_id,
    cast(indicator_id as varchar) as indicator_id,
    cast(name_sv as varchar) as name_sv,
    cast(name_en as varchar) as name_en,
    cast(unit as varchar) as unit,
    cast(decimals as integer) as decimals,
    cast(direction as varchar) as direction,
    cast(kind as varchar) as kind,
    cast(definition as varchar) as definition,
    cast(frequency as varchar) as frequency,
    cast(kolada_kpi_id as varchar) as kolada_kpi_id,
    cast(reporting_unit_code as varchar) as reporting_organisation_id,
    cast(_delivery_seq as bigint) as delivery_seq
from source
