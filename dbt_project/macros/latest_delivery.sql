{#-
    The raw rows that survive "the latest accepted delivery wins": per `partition_by` (for example
    region and month), only the rows of the delivery with the highest ledger sequence number. Every
    staging model of a delivered extract starts here; earlier deliveries stay in the raw layer.
-#}
{% macro latest_delivery(relation, partition_by) -%}
    select *
    from {{ relation }}
    qualify _delivery_seq = max(_delivery_seq) over (partition by {{ partition_by | join(', ') }})
{%- endmacro %}
