{#-
    The raw rows that survive "a later delivery of the same period replaces it", for extracts whose
    deliveries name a period (a day, a month or a year: `period_start` .. `period_end`, from the file
    name) rather than carrying one row per period: a row is kept unless a later delivery of the same
    region covers the row's date (`date_column`). A corrected day inside a delivered month therefore
    replaces that day only; a re-delivered month replaces the whole month, even days it has no rows for.
-#}
{% macro latest_covering_delivery(relation, date_column) -%}
    with rows_delivered as (
        select * from {{ relation }}
    ),
    deliveries as (
        select distinct region_id, _delivery_seq, period_start, period_end from rows_delivered
    )
    select rows_delivered.*
    from rows_delivered
    where not exists (
        select 1 from deliveries as later
        where later.region_id = rows_delivered.region_id
            and later._delivery_seq > rows_delivered._delivery_seq
            and rows_delivered.{{ date_column }} between later.period_start and later.period_end
    )
{%- endmacro %}
