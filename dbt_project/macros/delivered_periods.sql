{#-
    One row per delivery of a source whose files name their period (ridership: a day, a month or a
    year in the file name): the region, the delivery's sequence number and the days it covers. Every
    delivery counts, also one whose rows a later delivery replaced: which days were delivered at all
    is what int_ridership_months_covered asks.
-#}
{% macro delivered_periods(relation) -%}
    select distinct
        cast(region_id as varchar) as region_id,
        cast(_delivery_seq as bigint) as delivery_seq,
        cast(period_start as date) as period_start,
        cast(period_end as date) as period_end
    from {{ relation }}
{%- endmacro %}
