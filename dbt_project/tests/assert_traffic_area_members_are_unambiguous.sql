-- Every line of the delivered GTFS feeds and every delivered production contract must belong to
-- exactly one traffic area: no pattern of seeds/traffic_area_members.csv may claim a code another
-- area's pattern also claims (a line counted twice would inflate one area's boardings).
select region_id, 'line' as member_kind, line as code, matching_areas
from {{ ref('dim_line') }}
where matching_areas > 1
union all
select production.region_id, 'contract', production.contract, count(distinct members.traffic_area_id)
from {{ ref('stg_ridership__production') }} as production
inner join {{ ref('traffic_area_members') }} as members
    on members.region_id = production.region_id
    and members.member_kind = 'contract'
    and regexp_full_match(production.contract, members.pattern)
where production.contract is not null
group by all
having count(distinct members.traffic_area_id) > 1
