{#-
    Primary-key test for multi-column grains: fails with one row per duplicated combination.
    Column names are quoted, so reserved words such as `window` work.
    Usage (dbt 1.10+ YAML):
        data_tests:
          - unique_combination:
              arguments:
                columns: [region_id, period_month]
-#}
{% test unique_combination(model, columns) %}
    {%- set quoted = [] -%}
    {%- for column in columns -%}
        {%- do quoted.append(adapter.quote(column)) -%}
    {%- endfor %}
    select
        {{ quoted | join(', ') }},
        count(*) as duplicate_rows
    from {{ model }}
    group by {{ quoted | join(', ') }}
    having count(*) > 1
{% endtest %}
