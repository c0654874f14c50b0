{#-
    A deterministic text surrogate key: md5 of the given columns, each cast to text, null written as
    a marker so (null, 'a') and ('', 'a') differ. Deterministic keys survive a full rebuild, so a BI
    bookmark on a key stays valid as long as the natural key does.
-#}
{% macro surrogate_key(columns) -%}
    md5(concat_ws('|'
    {%- for column in columns %},
        coalesce(cast({{ column }} as varchar), '<null>')
    {%- endfor %}
    ))
{%- endmacro %}
