-- One row per region × measure × breakdown × month: the additive monthly measures the ridership
-- indicators are made of (docs/ridership.md), at the public-transport authority's organisation unit
-- (seeds/transport_authorities.csv). Breakdowns: total, traffic_area, service_kind (vehicle-km),
-- service_trip_type. Boardings count general (line) traffic; a line no traffic area claims counts in
-- the total and under traffic area `unassigned`.
with

authorities as (

    select * from {{ ref('transport_authorities') }}

),

areas as (

    select * from {{ ref('dim_traffic_area') }}

),

lines as (

    select * from {{ ref('dim_line') }}

),

products as (

    select * from {{ ref('ticket_products') }}

),

boardings_by_product as (

    select region_id, period_month, line, product_code, sum(boardings) as boardings
    from {{ ref('fct_boardings') }}
    group by all

),

-- a region's own product row wins over the default (`*`) row
boardings_classified as (

    select
        boardings_by_product.*,
        coalesce(lines.traffic_area_id, 'unassigned') as traffic_area_id,
        coalesce(products.is_school_card, false) as is_school_card
    from boardings_by_product
    left join lines
        on lines.region_id = boardings_by_product.region_id
        and lines.line = boardings_by_product.line
    left join products
        on products.product_code = boardings_by_product.product_code
        and products.region_id in (boardings_by_product.region_id, '*')
    qualify row_number() over (
        partition by boardings_by_product.region_id, boardings_by_product.period_month,
            boardings_by_product.line, boardings_by_product.product_code
        order by case when products.region_id = '*' then 1 else 0 end
    ) = 1

),

boardings as (

    select region_id, period_month, 'boardings' as family, 'boardings' as measure, traffic_area_id,
        boardings as amount
    from boardings_classified
    union all
    select region_id, period_month, 'boardings', 'boardings_excl_school_cards', traffic_area_id, boardings
    from boardings_classified
    where not is_school_card

),

vehicle_km as (

    select
        fct_vehicle_km.region_id,
        fct_vehicle_km.period_month,
        fct_vehicle_km.traffic_area_id,
        areas.service_kind,
        fct_vehicle_km.vehicle_km
    from {{ ref('fct_vehicle_km') }} as fct_vehicle_km
    left join areas
        on areas.region_id = fct_vehicle_km.region_id
        and areas.traffic_area_id = fct_vehicle_km.traffic_area_id

),

service_trips as (

    select region_id, period_month, trip_type, sum(trips) as trips, sum(passenger_km) as passenger_km,
        sum(cost) as cost
    from {{ ref('fct_service_trips') }}
    group by all

),

-- finance: the authority's ticket revenue (account range of seeds/transport_authorities.csv) and the
-- revenue and cost of its general traffic (a finance object, seeds/finance_objects.csv), from the
-- ledger; revenue turned positive
ledger as (

    select * from {{ ref('fct_ledger_balances') }}
    where in_result

),

ancestors as (

    select * from {{ ref('int_organisation_ancestors_resolved') }}

),

finance_objects as (

    select * from {{ ref('finance_objects') }}

),

authority_ledger as (

    select ledger.*, authorities.ticket_account_from, authorities.ticket_account_to,
        authorities.general_traffic_object_type, authorities.general_traffic_object_id
    from ledger
    inner join authorities
        on authorities.region_id = ledger.region_id
    inner join ancestors
        on ancestors.region_id = ledger.region_id
        and ancestors.period_month = ledger.period_month
        and ancestors.organisation_id = ledger.ansvar
        and ancestors.ancestor_organisation_id = authorities.organisation_id

),

general_traffic_ledger as (

    select authority_ledger.*
    from authority_ledger
    inner join finance_objects
        on finance_objects.region_id = authority_ledger.region_id
        and finance_objects.object_type = authority_ledger.general_traffic_object_type
        and finance_objects.object_id = authority_ledger.general_traffic_object_id
        and case finance_objects.code_part
            when 'ansvar' then {{ code_in_range('authority_ledger.ansvar', 'finance_objects.code_from', 'finance_objects.code_to') }}
            when 'verksamhet' then {{ code_in_range('authority_ledger.verksamhet', 'finance_objects.code_from', 'finance_objects.code_to') }}
            when 'aktivitet' then {{ code_in_range('authority_ledger.aktivitet', 'finance_objects.code_from', 'finance_objects.code_to') }}
            when 'projekt' then {{ code_in_range('authority_ledger.projekt', 'finance_objects.code_from', 'finance_objects.code_to') }}
        end

),

finance as (

    select region_id, period_month, 'ticket_revenue' as measure, -sum(amount) as amount
    from authority_ledger
    where {{ code_in_range('konto', 'ticket_account_from', 'ticket_account_to') }}
    group by all
    union all
    select region_id, period_month, 'general_traffic_revenue', -sum(amount)
    from general_traffic_ledger
    where account_group = 'operating_income'
    group by all
    union all
    select region_id, period_month, 'general_traffic_cost', sum(amount)
    from general_traffic_ledger
    where account_group in ('operating_costs', 'depreciation')
    group by all

),

measures as (

    select region_id, period_month, family, measure, 'total' as breakdown, 'all' as breakdown_id,
        sum(amount) as amount
    from boardings group by all
    union all
    select region_id, period_month, family, measure, 'traffic_area', traffic_area_id, sum(amount)
    from boardings group by all
    union all
    select region_id, period_month, 'production', 'vehicle_km', 'total', 'all', sum(vehicle_km)
    from vehicle_km group by all
    union all
    select region_id, period_month, 'production', 'vehicle_km', 'traffic_area', traffic_area_id, sum(vehicle_km)
    from vehicle_km group by all
    union all
    select region_id, period_month, 'production', 'vehicle_km', 'service_kind', service_kind, sum(vehicle_km)
    from vehicle_km where service_kind is not null group by all
    union all
    select region_id, period_month, 'service_trips', measure, 'total', 'all', sum(amount)
    from (
        unpivot service_trips on trips, passenger_km, cost into name measure value amount
    )
    group by all
    union all
    select region_id, period_month, 'service_trips', measure, 'service_trip_type', trip_type, sum(amount)
    from (
        unpivot service_trips on trips, passenger_km, cost into name measure value amount
    )
    group by all
    union all
    select region_id, period_month, 'finance', measure, 'total', 'all', sum(amount)
    from finance group by all

)

select
    cast(measures.region_id as varchar) as region_id,
    cast(authorities.organisation_id as varchar) as organisation_id,
    cast(measures.family as varchar) as family,
    cast(case measures.measure when 'trips' then 'service_trips'
        when 'passenger_km' then 'service_trip_passenger_km'
        when 'cost' then 'service_trip_cost' else measures.measure end as varchar) as measure,
    cast(measures.breakdown as varchar) as breakdown,
    cast(measures.breakdown_id as varchar) as breakdown_id,
    cast(measures.period_month as date) as period_month,
    cast(measures.amount as double) as amount
from measures
inner join authorities
    on authorities.region_id = measures.region_id
