{#-
    Code ranges of the finance seeds (accounts, verksamhet, ansvar, motpart): a code lies in
    [from, to] when its first digits, as many as each bound has, lie between the bounds, so the
    range 3110-3119 holds the sub-account 31105. Codes are text and compared as text.
-#}
{% macro code_in_range(code, code_from, code_to) -%}
    (
        {{ code }} is not null
        and left({{ code }}, length({{ code_from }})) >= {{ code_from }}
        and left({{ code }}, length({{ code_to }})) <= {{ code_to }}
    )
{%- endmacro %}
