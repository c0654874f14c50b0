-- One row per gender code: T (totalt), K (kvinnor), M (män), as Kolada publishes them.
select
    cast(gender as varchar) as gender,
    gender_name_sv,
    gender_name_en,
    sort_order,
    is_total
from {{ ref('genders') }}
