-- One row per indicator × Kolada KPI × municipality × year × gender: Kolada's benchmark values (Riket
-- and regions) beside the catalogue's indicator and age band they compare with (dim_kolada_kpi: the
-- sick-leave age bands N60027, N60029, N60028 are age bands of sjukfrånvaro). A Kolada KPI the mapping
-- does not know keeps its rows with indicator_id null. docs/kolada.md.
with

kolada_values as (

    select * from {{ ref('stg_kolada__values') }}

),

indicators as (

    select kolada_kpi_id, indicator_id, age_band from {{ ref('dim_kolada_kpi') }}

),

regions as (

    select
        cast(region_id as varchar) as region_id,
        cast(region_name as varchar) as region_name
    from {{ ref('regions') }}

)

select
    indicators.indicator_id,
    indicators.age_band,
    kolada_values.kolada_kpi_id,
    kolada_values.municipality_id,
    cast(
        case when kolada_values.municipality_id = '0000' then 'Riket' else regions.region_name end as varchar
    ) as municipality_name,
    kolada_values.period_year,
    cast(kolada_values.period_year as varchar) || '-12' as period,
    kolada_values.gender,
    kolada_values.value,
    kolada_values."count",
    kolada_values.municipality_id = '0000' as is_national,
    kolada_values.fetched_at
from kolada_values
left join indicators
    on kolada_values.kolada_kpi_id = indicators.kolada_kpi_id
left join regions
    on kolada_values.municipality_id = regions.region_id
