-- A unit's validity intervals must not overlap: two versions valid on one day would count its staff
-- twice in every node above it.
select
    earlier.region_id,
    earlier.unit_code,
    earlier.valid_from as earlier_valid_from,
    later.valid_from as later_valid_from
from {{ ref('stg_organisation__units') }} as earlier
inner join {{ ref('stg_organisation__units') }} as later
    on later.region_id = earlier.region_id
    and later.unit_code = earlier.unit_code
    and later.valid_from > earlier.valid_from
    and later.valid_from <= coalesce(earlier.valid_to, date '9999-12-31')
