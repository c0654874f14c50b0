-- One row per region × node × breakdown × finance indicator × window × period: the finance
-- indicator formulas (docs/finance.md), in one place. Amounts keep the ledger sign; every
-- deviation is signed so that positive = better than budget (budget − outcome in ledger sign).
with

window_sums as (

    select * from {{ ref('int_finance_window_sums_aggregated') }}

),

node_months as (

    select * from {{ ref('int_finance_node_amounts_rolled_up') }}

),

investments as (

    select * from {{ ref('fct_investments') }}

),

ancestors as (

    select * from {{ ref('int_organisation_ancestors_resolved') }}

),

amount_indicators as (

    select region_id, organisation_id, breakdown, breakdown_id, breakdown_name, window_name, period_end,
        'finance_outcome' as indicator_id, actual_amount as value, actual_amount as numerator,
        cast(null as double) as denominator
    from window_sums where actual_complete
    union all
    select region_id, organisation_id, breakdown, breakdown_id, breakdown_name, window_name, period_end,
        'finance_budget', budget_amount, budget_amount, null
    from window_sums where budget_complete
    union all
    select region_id, organisation_id, breakdown, breakdown_id, breakdown_name, window_name, period_end,
        'finance_budget_deviation', budget_amount - actual_amount, budget_amount - actual_amount, null
    from window_sums where actual_complete and budget_complete
    union all
    select region_id, organisation_id, breakdown, breakdown_id, breakdown_name, window_name, period_end,
        'finance_outcome_change', actual_amount - previous_actual_amount, actual_amount - previous_actual_amount,
        null
    from window_sums
    where actual_complete and previous_actual_complete and previous_actual_amount is not null
    union all
    select region_id, organisation_id, breakdown, breakdown_id, breakdown_name, window_name, period_end,
        'net_cost', actual_net_cost, actual_net_cost, null
    from window_sums where actual_complete and breakdown = 'total'
    union all
    select region_id, organisation_id, breakdown, breakdown_id, breakdown_name, window_name, period_end,
        'net_cost_growth',
        100 * (actual_net_cost / nullif(previous_actual_net_cost, 0) - 1),
        actual_net_cost, previous_actual_net_cost
    from window_sums
    where actual_complete and previous_actual_complete and breakdown = 'total'
        and previous_actual_net_cost is not null

),

-- cost and income development: the node's operating costs and income against a year earlier
development_inputs as (

    select
        region_id, organisation_id, window_name, period_end,
        case breakdown_id when 'operating_costs' then 'cost' else 'income' end as kind,
        actual_amount, budget_amount, previous_actual_amount,
        actual_complete and previous_actual_complete as actual_comparable,
        budget_complete and previous_actual_complete as budget_comparable
    from window_sums
    where breakdown = 'account_group' and breakdown_id in ('operating_costs', 'operating_income')
        and previous_actual_amount is not null and previous_actual_amount != 0

),

developments as (

    select
        *,
        100 * (actual_amount / previous_actual_amount - 1) as actual_development,
        100 * (budget_amount / previous_actual_amount - 1) as budgeted_development
    from development_inputs

),

development_indicators as (

    select region_id, organisation_id, 'total' as breakdown, 'all' as breakdown_id,
        cast(null as varchar) as breakdown_name, window_name, period_end,
        kind || '_development' as indicator_id, actual_development as value,
        actual_amount as numerator, previous_actual_amount as denominator
    from developments where actual_comparable
    union all
    select region_id, organisation_id, 'total', 'all', null, window_name, period_end,
        'budgeted_' || kind || '_development', budgeted_development, budget_amount, previous_actual_amount
    from developments where budget_comparable
    union all
    -- positive = better: costs growing less, income growing more than budgeted
    select region_id, organisation_id, 'total', 'all', null, window_name, period_end,
        kind || '_development_deviation',
        case kind
            when 'cost' then budgeted_development - actual_development
            else actual_development - budgeted_development
        end,
        null, null
    from developments where actual_comparable and budget_comparable

),

forecasts as (

    select * from node_months where has_forecast

),

annual_budgets as (

    select * from window_sums where window_name = 'year' and budget_complete

),

forecast_indicators as (

    select forecasts.region_id, forecasts.organisation_id, forecasts.breakdown, forecasts.breakdown_id,
        forecasts.breakdown_name, 'forecast_year' as window_name, forecasts.period_month as period_end,
        'finance_forecast' as indicator_id, forecasts.forecast_amount as value,
        forecasts.forecast_amount as numerator, cast(null as double) as denominator
    from forecasts
    union all
    select forecasts.region_id, forecasts.organisation_id, forecasts.breakdown, forecasts.breakdown_id,
        forecasts.breakdown_name, 'forecast_year', forecasts.period_month,
        'finance_forecast_deviation', annual_budgets.budget_amount - forecasts.forecast_amount,
        annual_budgets.budget_amount - forecasts.forecast_amount, null
    from forecasts
    inner join annual_budgets
        on annual_budgets.region_id = forecasts.region_id
        and annual_budgets.organisation_id = forecasts.organisation_id
        and annual_budgets.breakdown = forecasts.breakdown
        and annual_budgets.breakdown_id = forecasts.breakdown_id
        and year(annual_budgets.period_end) = year(forecasts.period_month)

),

-- investments roll up to every node above the project's responsibility, as the tree was in the period
investment_nodes as (

    select
        investments.region_id,
        ancestors.ancestor_organisation_id as organisation_id,
        breakdowns.breakdown,
        case breakdowns.breakdown when 'total' then 'all' else investments.project_code end as breakdown_id,
        case breakdowns.breakdown when 'total' then null else investments.project_name end as breakdown_name,
        investments.period_month,
        investments.investment_year,
        sum(investments.annual_budget) as annual_budget,
        sum(investments.outcome_to_date) as outcome_to_date,
        sum(investments.full_year_forecast) as full_year_forecast
    from investments
    inner join ancestors
        on ancestors.region_id = investments.region_id
        and ancestors.period_month = investments.period_month
        and ancestors.organisation_id = investments.ansvar
    cross join (values ('total'), ('investment_project')) as breakdowns (breakdown)
    group by all

),

latest_investment_periods as (

    select region_id, investment_year, max(period_month) as period_month
    from investments
    group by all

),

investment_indicators as (

    select region_id, organisation_id, breakdown, breakdown_id, breakdown_name, 'ytd' as window_name,
        period_month as period_end, 'investment_outcome' as indicator_id, outcome_to_date as value,
        outcome_to_date as numerator, cast(null as double) as denominator
    from investment_nodes
    union all
    select region_id, organisation_id, breakdown, breakdown_id, breakdown_name, 'forecast_year', period_month,
        'investment_forecast', full_year_forecast, full_year_forecast, null
    from investment_nodes
    union all
    select region_id, organisation_id, breakdown, breakdown_id, breakdown_name, 'forecast_year', period_month,
        'investment_forecast_deviation', annual_budget - full_year_forecast, annual_budget - full_year_forecast,
        null
    from investment_nodes
    union all
    -- the year's budget as the year's latest delivery states it
    select investment_nodes.region_id, investment_nodes.organisation_id, investment_nodes.breakdown,
        investment_nodes.breakdown_id, investment_nodes.breakdown_name, 'year',
        make_date(investment_nodes.investment_year, 12, 1),
        'investment_budget', investment_nodes.annual_budget, investment_nodes.annual_budget, null
    from investment_nodes
    inner join latest_investment_periods as latest
        on latest.region_id = investment_nodes.region_id
        and latest.investment_year = investment_nodes.investment_year
        and latest.period_month = investment_nodes.period_month

),

all_values as (

    select * from amount_indicators
    union all
    select * from development_indicators
    union all
    select * from forecast_indicators
    union all
    select * from investment_indicators

)

select
    region_id,
    organisation_id,
    breakdown,
    breakdown_id,
    breakdown_name,
    indicator_id,
    window_name,
    period_end,
    {{ period_code('period_end') }} as period,
    cast(value as double) as value,
    cast(numerator as double) as numerator,
    cast(denominator as double) as denominator
from all_values
