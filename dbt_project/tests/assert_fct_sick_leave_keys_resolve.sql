-- Every key of fct_sick_leave resolves in its dimension (region, period, organisation version,
-- gender, age band). One test for all keys instead of one relationships test per key: under Cosmos
-- each test with several parents is its own task, and a dbt invocation costs seconds.
select
    fact.region_id,
    fact.period,
    fact.organisation_key,
    fact.gender,
    fact.age_band
from {{ ref('fct_sick_leave') }} as fact
left join {{ ref('dim_region') }} as regions on regions.region_id = fact.region_id
left join {{ ref('dim_period') }} as periods on periods.period = fact.period
left join {{ ref('dim_organisation') }} as organisation on organisation.organisation_key = fact.organisation_key
left join {{ ref('dim_gender') }} as genders on genders.gender = fact.gender
left join {{ ref('dim_age_band') }} as age_bands on age_bands.age_band = fact.age_band
where regions.region_id is null
    or periods.period is null
    or organisation.organisation_key is null
    or genders.gender is null
    or age_bands.age_band is null
