-- One row per Kolada KPI × municipality (or region; '0000' = Riket) × year × gender: the value of the
-- latest fetch that brought it (fetched_at, then fetch id). An incremental fetch (from_date) replaces
-- only the values it brings; earlier fetches stay in the raw layer. docs/kolada.md.
with

source as (

    select *
    from {{ source('kolada', 'kolada_values') }}
    qualify row_number() over (
        partition by kpi_id, municipality_id, period_year, gender
        order by fetched_at desc, _fetch_id desc
    ) = 1

)

select
    cast(kpi_id as varchar) as kolada_kpi_id,
    cast(municipality_id as varchar) as municipality_id,
    cast(period_year as integer) as period_year,
    cast(gender as varchar) as gender,
    cast(value as double) as value,
    cast("count" as integer) as "count",
    cast(status as varchar) as status,
    cast(fetched_at as timestamp) as fetched_at,
    cast(_fetch_id as varchar) as fetch_id
from source
