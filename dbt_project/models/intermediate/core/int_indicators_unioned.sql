-- Every indicator (mätetal) a region can follow up: the shared catalogue (seeds/indicators.csv, what the
-- warehouse computes or what every region reports; region_id null = every region) and each region's own
-- indicators (the goal_indicators extract; region_id set, domain goals). Ingest refuses a region's own id
-- that is a catalogue id, so (region_id or null, indicator_id) names one indicator, and a join on
-- indicator_id and (region_id is null or region_id = the fact's region) finds at most one.
-- Decimals: the region's own, else the unit's (seeds/units.csv).
with

catalogue as (

    select * from {{ ref('indicators') }}

),

own as (

    select * from {{ ref('stg_goals__indicators') }}

),

units as (

    select * from {{ ref('units') }}

),

unioned as (

    select
        cast(null as varchar) as region_id,
        indicator_id,
        name_sv,
        name_en,
        unit,
        cast(null as integer) as decimals,
        direction,
        'numeric' as kind,
        kolada_kpi_id,
        numerator_definition,
        denominator_definition,
        definition,
        source_model,
        source_measure,
        roll_up,
        frequency,
        domain,
        report_sign,
        cast(null as varchar) as reporting_organisation_id,
        'catalogue' as origin
    from catalogue
    union all
    select
        region_id,
        indicator_id,
        name_sv,
        name_en,
        unit,
        decimals,
        direction,
        kind,
        kolada_kpi_id,
        null as numerator_definition,
        null as denominator_definition,
        definition,
        'stg_goals__reported_values' as source_model,
        'value' as source_measure,
        null as roll_up,
        frequency,
        'goals' as domain,
        1 as report_sign,
        reporting_organisation_id,
        'region' as origin
    from own

)

select
    cast(unioned.region_id as varchar) as region_id,
    cast(unioned.indicator_id as varchar) as indicator_id,
    cast(unioned.name_sv as varchar) as name_sv,
    cast(unioned.name_en as varchar) as name_en,
    cast(unioned.unit as varchar) as unit,
    cast(coalesce(unioned.decimals, units.decimals) as integer) as decimals,
    cast(unioned.direction as varchar) as direction,
    cast(unioned.kind as varchar) as kind,
    cast(unioned.kolada_kpi_id as varchar) as kolada_kpi_id,
    cast(unioned.numerator_definition as varchar) as numerator_definition,
    cast(unioned.denominator_definition as varchar) as denominator_definition,
    cast(unioned.definition as varchar) as definition,
    cast(unioned.source_model as varchar) as source_model,
    cast(unioned.source_measure as varchar) as source_measure,
    cast(unioned.roll_up as varchar) as roll_up,
    cast(unioned.frequency as varchar) as frequency,
    cast(unioned.domain as varchar) as domain,
    cast(unioned.report_sign as integer) as report_sign,
    cast(unioned.reporting_organisation_id as varchar) as reporting_organisation_id,
    cast(unioned.origin as varchar) as origin
from unioned
left join units
    on units.unit = unioned.unit
