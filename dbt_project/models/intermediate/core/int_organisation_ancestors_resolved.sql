-- One row per region × month × unit × ancestor: every node above a unit (the unit itself included, at
-- depth 0), using the organisation version valid on the last day of that month. A unit that moves in
-- June therefore rolls up to its old parent until May and to its new parent from June.
-- Built from the organisation's own validity ranges alone (no domain's months): the tree is resolved
-- per version, then spread over every month of the calendar (macro calendar_months, dim_period's
-- months) in which the versions it passes through are all valid at month end. A domain joins it on
-- region × month × unit, so a new domain needs no change here.
with recursive

organisation_units as (

    select * from {{ ref('stg_organisation__units') }}

),

-- each version as the months whose last day it covers: valid_from <= month end <= valid_to
unit_versions as (

    select
        region_id,
        unit_code,
        unit_name,
        parent_unit_code,
        organisation_level,
        cast(date_trunc('month', valid_from) as date) as first_month,
        case
            when valid_to is null then date '9999-12-01'
            when valid_to = {{ month_end('valid_to') }} then cast(date_trunc('month', valid_to) as date)
            else {{ add_months("cast(date_trunc('month', valid_to) as date)", -1) }}
        end as last_month
    from organisation_units

),

-- a version valid on no month end (it starts and ends inside one month) never resolves
month_versions as (

    select * from unit_versions where first_month <= last_month

),

-- walk up the tree version by version: a row holds for the months its unit's and every ancestor's
-- versions share
ancestors as (

    select
        region_id,
        unit_code as organisation_id,
        unit_name as organisation_name,
        organisation_level,
        parent_unit_code as parent_organisation_id,
        unit_code as ancestor_organisation_id,
        parent_unit_code as next_parent_id,
        0 as ancestor_depth,
        first_month,
        last_month
    from month_versions

    union all

    select
        ancestors.region_id,
        ancestors.organisation_id,
        ancestors.organisation_name,
        ancestors.organisation_level,
        ancestors.parent_organisation_id,
        parents.unit_code as ancestor_organisation_id,
        parents.parent_unit_code as next_parent_id,
        ancestors.ancestor_depth + 1 as ancestor_depth,
        greatest(ancestors.first_month, parents.first_month) as first_month,
        least(ancestors.last_month, parents.last_month) as last_month
    from ancestors
    inner join month_versions as parents
        on parents.region_id = ancestors.region_id
        and parents.unit_code = ancestors.next_parent_id
        and parents.first_month <= ancestors.last_month
        and parents.last_month >= ancestors.first_month
    -- a guard against a cycle in a delivered tree; real trees have five levels
    where ancestors.ancestor_depth < 20

),

calendar as (

    {{ calendar_months() }}

)

select
    ancestors.region_id,
    calendar.period_month,
    ancestors.organisation_id,
    ancestors.organisation_name,
    ancestors.organisation_level,
    ancestors.parent_organisation_id,
    ancestors.ancestor_organisation_id,
    ancestors.ancestor_depth
from ancestors
inner join calendar
    on calendar.period_month between ancestors.first_month and ancestors.last_month
