-- Every key of the published table resolves in its dimension (region, indicator, period, gender,
-- age band). region_name and unit are not null by contract, which already requires the region and
-- the indicator; this test names the offending keys and covers the others too.
select distinct
    kpi.region_id,
    kpi.indicator_id,
    kpi.period,
    kpi.gender,
    kpi.age_band
from {{ ref('kpi_indicator_values') }} as kpi
left join {{ ref('dim_region') }} as regions on regions.region_id = kpi.region_id
left join {{ ref('dim_indicator') }} as indicators
    on indicators.indicator_id = kpi.indicator_id
    and (indicators.region_id is null or indicators.region_id = kpi.region_id)
left join {{ ref('dim_period') }} as periods on periods.period = kpi.period
left join {{ ref('dim_gender') }} as genders on genders.gender = kpi.gender
left join {{ ref('dim_age_band') }} as age_bands on age_bands.age_band = kpi.age_band
where regions.region_id is null
    or indicators.indicator_id is null
    or periods.period is null
    or genders.gender is null
    or age_bands.age_band is null
