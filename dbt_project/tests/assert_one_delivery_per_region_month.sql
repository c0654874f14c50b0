-- Staging keeps exactly one delivery per region and month (the latest): a re-delivered month must
-- replace the earlier delivery, never be merged with it.
select region_id, period_month, count(distinct delivery_seq) as deliveries
from {{ ref('stg_hr__employee_months') }}
group by region_id, period_month
having count(distinct delivery_seq) > 1
