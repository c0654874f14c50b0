-- One row per raw boardings row × delivery, every delivery kept: which delivery wins a day is decided
-- by fct_boardings, incrementally (a run reads only the deliveries newer than the fact), so this view
-- passes the raw columns through untouched (`_delivery_seq`, `period_start`, `period_end` included) and
-- the fact's filters still reach the Parquet scan.
with

source as (

    select * from {{ source('ridership', 'ridership_boardings') }}

)

select * from source
