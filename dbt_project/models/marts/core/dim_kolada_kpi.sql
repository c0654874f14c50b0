-- One row per Kolada KPI the warehouse exports or compares with: the catalogue indicator and the age
-- band whose value it is (seed kolada_kpis; docs/kolada.md).
select
    cast(kolada_kpi_id as varchar) as kolada_kpi_id,
    cast(indicator_id as varchar) as indicator_id,
    cast(age_band as varchar) as age_band,
    cast(title_sv as varchar) as title_sv,
    cast(note as varchar) as note
from {{ ref('kolada_kpis') }}
