{#-
    Pre-hook of an incremental fact kept per region × day (fct_boardings): before the run, delete every
    day that a delivery newer than the table's latest covers (its period from the file name), also the
    days it has no rows for. delete+insert alone would only replace the days that get rows, and a
    re-delivered month without rows for the 14th must remove the 14th. Rendered when the hook runs, so
    `is_incremental()` is the run's own.
-#}
{% macro clear_covered_days(raw_relation) -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where (region_id, service_date) in (
        -- the periods first, then their days: unnesting per row would make a month of 2 M rows 60 M
        select region_id, unnest(generate_series(period_start, period_end, interval 1 day))::date
        from (
            select distinct region_id, period_start, period_end
            from {{ raw_relation }}
            where {{ delivered_after_table() }}
        )
    )
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}

{#-
    The incremental rule of fct_boardings: a raw row whose delivery is newer than every delivery the
    table holds (sequence numbers only grow). `prefix` qualifies the column (`raw.`).
-#}
{% macro delivered_after_table(prefix='') -%}
    {{ prefix }}_delivery_seq > (select coalesce(max(delivery_seq), -1) from {{ this }})
{%- endmacro %}
