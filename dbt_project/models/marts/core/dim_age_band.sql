-- One row per age band of the statutory sick-leave ratios (age on the last day of the month).
select
    cast(age_band as varchar) as age_band,
    age_band_name_sv,
    age_band_name_en,
    min_age,
    max_age,
    is_total,
    sort_order
from {{ ref('age_bands') }}
