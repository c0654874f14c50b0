-- One row per indicator (mätetal) of the catalogue seed: names, unit, direction, Kolada id, where it
-- comes from, how it rolls up and how often it is measured.
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
    cast(source_model as varchar) as source_model,
    cast(source_measure as varchar) as source_measure,
    cast(roll_up as varchar) as roll_up,
    cast(frequency as varchar) as frequency,
    cast(domain as varchar) as domain,
    cast(report_sign as integer) as report_sign
from {{ ref('indicators') }}
