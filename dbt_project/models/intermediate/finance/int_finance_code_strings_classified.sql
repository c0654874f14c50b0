-- One row per distinct region × account × verksamhet × given report line of the ledger, budget and
-- forecast: the account group (seeds/account_classes.csv) and the report line and section
-- (seeds/report_lines.csv: the region's own rules by priority, then the default `*` rules). A plan
-- row given by report line (no account) takes the line as given and the account group of the
-- line's lowest account.
with

code_strings as (

    select distinct region_id, konto, verksamhet, cast(null as varchar) as report_line_id
    from {{ ref('stg_finance__ledger_postings') }}
    union
    select distinct region_id, konto, verksamhet, report_line_id from {{ ref('stg_finance__budget_rows') }}
    union
    select distinct region_id, konto, verksamhet, report_line_id from {{ ref('stg_finance__forecast_rows') }}

),

account_classes as (

    select * from {{ ref('account_classes') }}

),

report_lines as (

    select * from {{ ref('report_lines') }}

),

-- every rule an account-coded row matches, best first
matching_rules as (

    select
        code_strings.region_id,
        code_strings.konto,
        code_strings.verksamhet,
        report_lines.report_line_id,
        report_lines.report_line_name_sv,
        report_lines.report_section,
        report_lines.line_order,
        row_number() over (
            partition by code_strings.region_id, code_strings.konto, code_strings.verksamhet
            order by report_lines.region_id = '*', report_lines.priority, report_lines.line_order
        ) as preference
    from code_strings
    inner join report_lines
        on report_lines.region_id in (code_strings.region_id, '*')
        and {{ code_in_range('code_strings.konto', 'report_lines.account_from', 'report_lines.account_to') }}
        and (
            report_lines.verksamhet_from is null
            or {{ code_in_range('code_strings.verksamhet', 'report_lines.verksamhet_from', 'report_lines.verksamhet_to') }}
        )
    where code_strings.konto is not null

),

-- a report line named by a plan row: the region's own line of that id, else the default one
named_lines as (

    select
        code_strings.region_id,
        code_strings.report_line_id,
        report_lines.region_id as rule_region_id,
        any_value(report_lines.report_line_name_sv) as report_line_name_sv,
        any_value(report_lines.report_section) as report_section,
        min(report_lines.line_order) as line_order,
        min(report_lines.account_from) as lowest_account
    from code_strings
    inner join report_lines
        on report_lines.region_id in (code_strings.region_id, '*')
        and report_lines.report_line_id = code_strings.report_line_id
    where code_strings.konto is null
    group by code_strings.region_id, code_strings.report_line_id, report_lines.region_id
    -- the region's own line of that id wins over the default one
    qualify row_number() over (
        partition by code_strings.region_id, code_strings.report_line_id order by report_lines.region_id = '*'
    ) = 1

),

classified as (

    select
        code_strings.region_id,
        code_strings.konto,
        code_strings.verksamhet,
        code_strings.report_line_id as given_report_line_id,
        coalesce(matching_rules.report_line_id, named_lines.report_line_id) as report_line_id,
        coalesce(matching_rules.report_line_name_sv, named_lines.report_line_name_sv) as report_line_name,
        coalesce(matching_rules.report_section, named_lines.report_section) as report_section,
        coalesce(matching_rules.line_order, named_lines.line_order) as line_order,
        coalesce(code_strings.konto, named_lines.lowest_account) as classifying_account
    from code_strings
    left join matching_rules
        on matching_rules.region_id = code_strings.region_id
        and matching_rules.konto = code_strings.konto
        and matching_rules.verksamhet is not distinct from code_strings.verksamhet
        and matching_rules.preference = 1
    left join named_lines
        on named_lines.region_id = code_strings.region_id
        and named_lines.report_line_id = code_strings.report_line_id
        and code_strings.konto is null

)

select
    classified.region_id,
    classified.konto,
    classified.verksamhet,
    classified.given_report_line_id,
    classified.report_line_id,
    classified.report_line_name,
    classified.report_section,
    classified.line_order,
    account_classes.account_group,
    account_classes.account_group_name_sv,
    coalesce(account_classes.in_result, false) as in_result,
    coalesce(account_classes.in_net_cost, false) as in_net_cost
from classified
left join account_classes
    on left(classified.classifying_account, 4) between account_classes.account_from and account_classes.account_to
