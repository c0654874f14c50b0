{#-
    Schemas are exactly the configured names (`staging`, `intermediate`, `marts`, `seeds`), not
    dbt's default `<target schema>_<custom schema>`: the gate, publish and BI read fixed names such as
    `marts.kpi_indicator_values`. A node without a configured schema lands in the target schema.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
