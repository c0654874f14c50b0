-- One row per region × authority node × breakdown × ridership indicator × window × period: the
-- ridership indicator formulas (docs/ridership.md), in one place. A value is published only when
-- every month of its window (and, for changes, of the same window a year earlier) was delivered.
with

sums as (

    select * from {{ ref('int_ridership_window_sums_aggregated') }}

),

population as (

    select * from {{ ref('stg_ridership__population') }}
    where gender = 'T'

),

-- additive indicators and their change against the same window a year earlier
counted as (

    select region_id, organisation_id, breakdown, breakdown_id, window_name, period_end,
        measure as indicator_id, amount as value, amount as numerator, cast(null as double) as denominator
    from sums
    where is_complete
        and measure in ('boardings', 'boardings_excl_school_cards', 'service_trips', 'vehicle_km')
    union all
    select region_id, organisation_id, breakdown, breakdown_id, window_name, period_end,
        measure || '_change', amount - previous_amount, amount - previous_amount, null
    from sums
    where is_complete and previous_is_complete
        and measure in ('boardings', 'boardings_excl_school_cards', 'service_trips')
    union all
    select region_id, organisation_id, breakdown, breakdown_id, window_name, period_end,
        measure || '_change_pct', 100 * (amount / previous_amount - 1), amount, previous_amount
    from sums
    where is_complete and previous_is_complete and previous_amount != 0
        and measure in ('boardings', 'boardings_excl_school_cards', 'service_trips')

),

-- boardings per 10 vehicle-km (påstigande per mil): general traffic in total, and per traffic area
per_10_km as (

    select
        boardings.region_id, boardings.organisation_id, boardings.breakdown, boardings.breakdown_id,
        boardings.window_name, boardings.period_end,
        'boardings_per_10_vehicle_km' as indicator_id,
        boardings.amount / (km.amount / 10) as value,
        boardings.amount as numerator,
        km.amount / 10 as denominator
    from sums as boardings
    inner join sums as km
        on km.region_id = boardings.region_id
        and km.measure = 'vehicle_km'
        and km.window_name = boardings.window_name
        and km.period_end = boardings.period_end
        and (
            (boardings.breakdown = 'total' and km.breakdown = 'service_kind' and km.breakdown_id = 'general')
            or (boardings.breakdown = 'traffic_area' and km.breakdown = 'traffic_area'
                and km.breakdown_id = boardings.breakdown_id)
        )
    where boardings.measure = 'boardings' and boardings.is_complete and km.is_complete and km.amount > 0

),

-- service trips: the operators' cost per passenger-km (km × passengers)
cost_per_km as (

    select
        cost.region_id, cost.organisation_id, cost.breakdown, cost.breakdown_id, cost.window_name,
        cost.period_end,
        'service_trip_cost_per_passenger_km' as indicator_id,
        cost.amount / km.amount as value,
        cost.amount as numerator,
        km.amount as denominator
    from sums as cost
    inner join sums as km
        on km.region_id = cost.region_id
        and km.measure = 'service_trip_passenger_km'
        and km.breakdown = cost.breakdown
        and km.breakdown_id = cost.breakdown_id
        and km.window_name = cost.window_name
        and km.period_end = cost.period_end
    where cost.measure = 'service_trip_cost' and cost.is_complete and km.amount > 0

),

-- finance: ticket revenue, and the tax-subsidy rate of general traffic = the share of its cost not
-- paid by its revenue (fares, school cards, grants and other income)
finance as (

    select region_id, organisation_id, breakdown, breakdown_id, window_name, period_end,
        'ticket_revenue' as indicator_id, amount as value, amount as numerator, cast(null as double) as denominator
    from sums
    where measure = 'ticket_revenue' and is_complete
    union all
    select
        cost.region_id, cost.organisation_id, cost.breakdown, cost.breakdown_id, cost.window_name,
        cost.period_end,
        'tax_subsidy_rate',
        100 * (cost.amount - revenue.amount) / cost.amount,
        cost.amount - revenue.amount,
        cost.amount
    from sums as cost
    inner join sums as revenue
        on revenue.region_id = cost.region_id
        and revenue.measure = 'general_traffic_revenue'
        and revenue.breakdown = cost.breakdown
        and revenue.window_name = cost.window_name
        and revenue.period_end = cost.period_end
    where cost.measure = 'general_traffic_cost' and cost.is_complete and cost.amount > 0

),

-- per inhabitant (Kolada N60404, U85429): a year's figure over the population on 31 December
per_inhabitant as (

    select
        sums.region_id, sums.organisation_id, sums.breakdown, sums.breakdown_id, sums.window_name,
        sums.period_end,
        case sums.measure when 'boardings' then 'trips_per_inhabitant' else 'vehicle_km_per_inhabitant' end
            as indicator_id,
        sums.amount / population.population as value,
        sums.amount as numerator,
        cast(population.population as double) as denominator
    from sums
    inner join population
        on population.region_id = sums.region_id
        and population.population_year = year(sums.period_end)
    where sums.window_name = 'year' and sums.is_complete and population.population > 0
        and (
            (sums.measure = 'boardings' and sums.breakdown = 'total')
            or (sums.measure = 'vehicle_km' and sums.breakdown = 'service_kind' and sums.breakdown_id = 'general')
        )

),

all_values as (

    select * from counted
    union all
    select * from per_10_km
    union all
    select * from cost_per_km
    union all
    select * from finance
    union all
    select * from per_inhabitant

),

areas as (

    select * from {{ ref('dim_traffic_area') }}

)

select
    cast(all_values.region_id as varchar) as region_id,
    cast(all_values.organisation_id as varchar) as organisation_id,
    cast(all_values.indicator_id as varchar) as indicator_id,
    cast(strftime(all_values.period_end, '%Y-%m') as varchar) as period,
    cast(all_values.period_end as date) as period_end,
    cast(all_values.window_name as varchar) as window_name,
    cast(case when all_values.indicator_id like '%per_inhabitant' then 'total' else all_values.breakdown end
        as varchar) as breakdown,
    cast(case when all_values.indicator_id like '%per_inhabitant' then 'all' else all_values.breakdown_id end
        as varchar) as breakdown_id,
    cast(case all_values.breakdown
        when 'traffic_area' then coalesce(areas.traffic_area_name_sv, 'Utan trafikområde')
        when 'service_kind' then case all_values.breakdown_id
            when 'general' then 'Allmän kollektivtrafik' when 'service' then 'Serviceresor' end
        when 'service_trip_type' then case all_values.breakdown_id
            when 'fardtjanst' then 'Färdtjänst' when 'riksfardtjanst' then 'Riksfärdtjänst'
            when 'sjukresa' then 'Sjukresor' when 'nartrafik' then 'Närtrafik' else all_values.breakdown_id end
        end as varchar) as breakdown_name,
    cast(all_values.value as double) as value,
    cast(all_values.numerator as double) as numerator,
    cast(all_values.denominator as double) as denominator
from all_values
left join areas
    on all_values.breakdown = 'traffic_area'
    and areas.region_id = all_values.region_id
    and areas.traffic_area_id = all_values.breakdown_id
