-- One row per region × organisation node × breakdown × month: outcome, budget and the full-year
-- forecast made after that month (ledger sign) of the node and every unit below it, as the tree was
-- in that month, on result accounts only.
-- Internal postings (counterparty inside the region) are kept at every level below the region and
-- eliminated at the region node. Breakdowns: total, account_group, report_section, report_line, and
-- the finance objects (uppdrag, resultatenhet) at the object's own node.
with

amounts as (

    select
        region_id, period_month, ansvar, verksamhet, aktivitet, projekt, is_internal,
        account_group, report_section, report_line_id, report_line_name, in_net_cost,
        amount as actual_amount, cast(0 as decimal(18, 2)) as budget_amount,
        cast(0 as decimal(18, 2)) as forecast_amount, false as is_forecast
    from {{ ref('fct_ledger_balances') }}
    where in_result

    union all

    select
        region_id, period_month, ansvar, verksamhet, aktivitet, projekt, false as is_internal,
        account_group, report_section, report_line_id, report_line_name, in_net_cost,
        cast(0 as decimal(18, 2)) as actual_amount, amount as budget_amount,
        cast(0 as decimal(18, 2)) as forecast_amount, false as is_forecast
    from {{ ref('fct_budget') }}
    where in_result

    union all

    select
        region_id, vintage_month, ansvar, verksamhet, aktivitet, projekt, false as is_internal,
        account_group, report_section, report_line_id, report_line_name, in_net_cost,
        cast(0 as decimal(18, 2)) as actual_amount, cast(0 as decimal(18, 2)) as budget_amount,
        amount as forecast_amount, true as is_forecast
    from {{ ref('fct_forecast') }}
    where in_result

),

ancestors as (

    select * from {{ ref('int_organisation_ancestors_resolved') }}

),

finance_objects as (

    select * from {{ ref('finance_objects') }}

),

at_nodes as (

    select
        amounts.*,
        nodes.ancestor_organisation_id as organisation_id,
        node_levels.organisation_level as node_level
    from amounts
    inner join ancestors as nodes
        on nodes.region_id = amounts.region_id
        and nodes.period_month = amounts.period_month
        and nodes.organisation_id = amounts.ansvar
    inner join ancestors as node_levels
        on node_levels.region_id = nodes.region_id
        and node_levels.period_month = nodes.period_month
        and node_levels.organisation_id = nodes.ancestor_organisation_id
        and node_levels.ancestor_depth = 0
    -- elimination: the region's figures hold only transactions with the outside world
    where not (amounts.is_internal and node_levels.organisation_level = 'region')

),

broken_down as (

    select *, 'total' as breakdown, 'all' as breakdown_id, cast(null as varchar) as breakdown_name
    from at_nodes
    union all
    select *, 'account_group', account_group, account_group from at_nodes
    union all
    select *, 'report_section', report_section, report_section from at_nodes where report_section is not null
    union all
    select *, 'report_line', report_line_id, report_line_name from at_nodes where report_line_id is not null
    union all
    select at_nodes.*, finance_objects.object_type, finance_objects.object_id, finance_objects.object_name_sv
    from at_nodes
    inner join finance_objects
        on finance_objects.region_id = at_nodes.region_id
        and finance_objects.organisation_id = at_nodes.organisation_id
        and case finance_objects.code_part
            when 'ansvar' then {{ code_in_range('at_nodes.ansvar', 'finance_objects.code_from', 'finance_objects.code_to') }}
            when 'verksamhet' then {{ code_in_range('at_nodes.verksamhet', 'finance_objects.code_from', 'finance_objects.code_to') }}
            when 'aktivitet' then {{ code_in_range('at_nodes.aktivitet', 'finance_objects.code_from', 'finance_objects.code_to') }}
            when 'projekt' then {{ code_in_range('at_nodes.projekt', 'finance_objects.code_from', 'finance_objects.code_to') }}
        end

)

select
    region_id,
    organisation_id,
    breakdown,
    breakdown_id,
    breakdown_name,
    period_month,
    sum(actual_amount) as actual_amount,
    sum(budget_amount) as budget_amount,
    sum(case when in_net_cost then actual_amount else 0 end) as actual_net_cost,
    sum(forecast_amount) as forecast_amount,
    bool_or(is_forecast) as has_forecast
from broken_down
group by all
