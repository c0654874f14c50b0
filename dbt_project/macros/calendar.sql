{#-
    Month arithmetic shared by dim_period and the windowed HR sums, so the calendar (days, weekdays,
    full-time hours) has one definition. Every macro takes a SQL expression for the first day of a
    month (a DATE) and returns a SQL expression.
-#}

{#- The warehouse's calendar: one row per month (`period_month`, its first day) from 2015-01 to 2035-12.
    dim_period publishes it; the organisation tree is resolved for the same months. -#}
{% macro calendar_months() -%}
    select cast(month_start as date) as period_month
    from generate_series(date '2015-01-01', date '2035-12-01', interval 1 month) as months (month_start)
{%- endmacro %}

{% macro month_end(month_start) -%}
    last_day({{ month_start }})
{%- endmacro %}

{% macro days_in_month(month_start) -%}
    day(last_day({{ month_start }}))
{%- endmacro %}

{#- Monday to Friday; public holidays are not removed (the indicator definition uses 8 h × weekdays). -#}
{% macro weekdays_in_month(month_start) -%}
    len(list_filter(
        range({{ month_start }}::timestamp, (last_day({{ month_start }}) + 1)::timestamp, interval 1 day),
        lambda day_at: isodow(day_at) <= 5
    ))
{%- endmacro %}

{#- Full-time hours of a month: 8 hours per weekday. -#}
{% macro full_time_hours(month_start) -%}
    (8 * {{ weekdays_in_month(month_start) }})
{%- endmacro %}

{#- The first day of the month `months` months after `month_start` (negative = before), as a DATE. -#}
{% macro add_months(month_start, months) -%}
    ({{ month_start }} + to_months({{ months }}))::date
{%- endmacro %}

{#- 'YYYY-MM', the published period code. -#}
{% macro period_code(month_start) -%}
    strftime({{ month_start }}, '%Y-%m')
{%- endmacro %}
