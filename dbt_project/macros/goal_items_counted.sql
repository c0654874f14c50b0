{#-
    What counts in the goal follow-up of a region, one row per counted item, in one place (docs/goals.md):
    every indicator of fct_goal_fulfilment, except ja/nej and qualitative ones when the region's settings
    say räkna ja/nej / räkna kvalitativa = nej; and the activities of fct_goal_activities when they say
    räkna aktiviteter = ja (genomförd = met, pågående = partly met, otherwise not met).
    Columns: region_id, organisation_id, organisation_name, period, status, sort_order, level_1 .. level_5,
    goal (level 2, the classic strategiskt mål; an activity's own goal when it is placed nowhere),
    status_rule (goal_settings: målstatus, default all).
    Used by goal_fulfilment_counts and fct_goal_status, which must count the same items.
-#}
{% macro goal_items_counted() -%}
    select
        fulfilment.region_id, fulfilment.organisation_id, fulfilment.organisation_name, fulfilment.period,
        fulfilment.status, fulfilment.sort_order, fulfilment.level_1, fulfilment.level_2, fulfilment.level_3,
        fulfilment.level_4, fulfilment.level_5, fulfilment.level_2 as goal,
        coalesce(settings.goal_status_rule, 'all') as status_rule
    from {{ ref('fct_goal_fulfilment') }} as fulfilment
    left join {{ ref('stg_goals__settings') }} as settings
        on settings.region_id = fulfilment.region_id
    where (fulfilment.indicator_kind != 'yes_no' or coalesce(settings.count_yes_no, true))
        and (fulfilment.indicator_kind != 'qualitative' or coalesce(settings.count_qualitative, true))
    union all
    select
        activities.region_id, activities.organisation_id, activities.organisation_name, activities.period,
        activities.counted_status as status, null as sort_order, activities.level_1, activities.level_2,
        activities.level_3, activities.level_4, activities.level_5,
        coalesce(activities.level_2, activities.goal) as goal,
        coalesce(settings.goal_status_rule, 'all') as status_rule
    from {{ ref('fct_goal_activities') }} as activities
    inner join {{ ref('stg_goals__settings') }} as settings
        on settings.region_id = activities.region_id
        and settings.count_activities
{%- endmacro %}
