-- One row per indicator (mätetal): the shared catalogue (seeds/indicators.csv; region_id null, every
-- region) and each region's own indicators (the goal_indicators extract; region_id set). Names, unit and
-- decimals, direction, kind (numeric, yes/no, qualitative), Kolada id, where it comes from, how it rolls
-- up and how often it is measured. Join a fact on indicator_id and (region_id is null or region_id =
-- the fact's region_id).
select
    indicator_id,
    region_id,
    name_sv,
    name_en,
    unit,
    decimals,
    direction,
    kind,
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
    reporting_organisation_id,
    origin
from {{ ref('int_indicators_unioned') }}
