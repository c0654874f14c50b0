{{ config(severity='warn') }}
-- Staff placed on a unit code that has no organisation version valid at the month's end: the fact
-- points them to the unknown organisation (key '-1') and the indicator cells count them on the
-- region node only. Not an error (nothing is lost), but the region should correct its organisation
-- extract.
select
    region_id,
    period,
    organisation_id as unit_code,
    sum(headcount) as employees
from {{ ref('fct_sick_leave') }}
where organisation_key = '-1'
group by region_id, period, organisation_id
