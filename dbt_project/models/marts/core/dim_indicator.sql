-- One row per indicator (mätetal) of the catalogue seed: names, unit, direction, Kolada id.
select
    cast(indicator_id as varchar) as indicator_id,
    name_sv,
    name_en,
    cast(unit as varchar) as unit,
    direction,
    cast(kolada_kpi_id as varchar) as kolada_kpi_id,
    numerator_definition,
    denominator_definition,
    definition,
    cast(domain as varchar) as domain,
    cast(report_sign as integer) as report_sign
from {{ ref('indicators') }}
