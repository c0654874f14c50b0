{#-
    The column holds only parts of a breakdown whose seed owns it, never its total: a raw gender is
    K or M (not T), a raw age band one of the bands (not all). The seed (`to`) marks its total row
    with `is_total`; the values are the seed's, so the list is written once.
    Usage (dbt 1.10+ YAML):
        data_tests:
          - part_of:
              arguments:
                to: ref('age_bands')
                field: age_band
-#}
{% test part_of(model, column_name, to, field) %}
    select {{ column_name }} as value_field
    from {{ model }}
    where {{ column_name }} is not null
      and {{ column_name }} not in (select {{ field }} from {{ to }} where not is_total)
{% endtest %}
