{#-
    The one classification join of the finance facts (fct_ledger_balances, fct_budget, fct_forecast):
    a row's account group, report line and section from int_finance_code_strings_classified, matched
    on region, account, verksamhet and the report line the row was given. `rows` is the alias of the
    facts' rows; `given_report_line_id` the expression of the row's given report line (the ledger has
    none: 'null', so it matches the classification of account and verksamhet alone).
    classification_join() renders the `left join`, classification_columns() the classified columns.
-#}
{% macro classification_join(rows, given_report_line_id) -%}
    left join {{ ref('int_finance_code_strings_classified') }} as classified
        on classified.region_id = {{ rows }}.region_id
        and classified.konto is not distinct from {{ rows }}.konto
        and classified.verksamhet is not distinct from {{ rows }}.verksamhet
        and classified.given_report_line_id is not distinct from {{ given_report_line_id }}
{%- endmacro %}

{% macro classification_columns() -%}
    cast(classified.account_group as varchar) as account_group,
    cast(classified.report_line_id as varchar) as report_line_id,
    cast(classified.report_line_name as varchar) as report_line_name,
    cast(classified.report_section as varchar) as report_section,
    cast(classified.in_result as boolean) as in_result,
    cast(classified.in_net_cost as boolean) as in_net_cost
{%- endmacro %}
