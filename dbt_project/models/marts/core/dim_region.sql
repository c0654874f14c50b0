-- One row per region (Kolada-style id '0013'), from the regions seed owned by the project.
select
    cast(region_id as varchar) as region_id,
    cast(region_name as varchar) as region_name,
    cast(county_code as varchar) as county_code,
    cast(county_name as varchar) as county_name
from {{ ref('regions') }}
