{#-
    The five counts of a group of goal-follow-up items by status (met, partly_met, not_met, measured,
    not_measurable): ej mätbart is not measured. Used by goal_fulfilment_counts and fct_goal_status.
-#}
{% macro status_counts(status='status') -%}
        count(*) filter (where {{ status }} = 'met') as met,
        count(*) filter (where {{ status }} = 'partly_met') as partly_met,
        count(*) filter (where {{ status }} = 'not_met') as not_met,
        count(*) filter (where {{ status }} != 'not_measurable') as measured,
        count(*) filter (where {{ status }} = 'not_measurable') as not_measurable
{%- endmacro %}
