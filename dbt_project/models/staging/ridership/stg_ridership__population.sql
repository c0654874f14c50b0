-- One row per region × year × gender: the population on 31 December from the latest delivery of it.
with

source as (

    {{ latest_delivery(source('ridership', 'population'), ['region_id', 'year', 'gender']) }}

)

select
    cast(region_id as varchar) as region_id,
    cast(year as integer) as population_year,
    cast(gender as varchar) as gender,
    cast(population as bigint) as population,
    cast(_delivery_seq as bigint) as delivery_seq
from source
