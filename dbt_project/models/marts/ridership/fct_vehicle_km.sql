-- One row per region × month × traffic area × contract: vehicle-km in revenue service
-- (utbudskilometer) from the latest production delivery of the month. A contract code is resolved
-- to its traffic area by seeds/traffic_area_members.csv (kind contract, full-match pattern).
with

production as (

    select * from {{ ref('stg_ridership__production') }}

),

members as (

    select * from {{ ref('traffic_area_members') }}
    where member_kind = 'contract'

),

resolved as (

    select
        production.*,
        coalesce(
            production.traffic_area_code,
            (
                select min(members.traffic_area_id) from members
                where members.region_id = production.region_id
                    and regexp_full_match(production.contract, members.pattern)
            )
        ) as traffic_area_id
    from production

)

select
    cast(region_id as varchar) as region_id,
    cast(period_month as date) as period_month,
    cast(traffic_area_id as varchar) as traffic_area_id,
    cast(coalesce(contract, '') as varchar) as contract,
    cast(sum(vehicle_km) as double) as vehicle_km,
    cast(max(delivery_seq) as bigint) as delivery_seq
from resolved
group by all
