"""One row per HR cell (region × organisation node × period × window × gender × age band) with its
primary and secondary suppression decision (röjandeskydd).

The rules live in regionkpi.suppression (a pure, unit-tested function); this model only feeds it the
cells of int_hr_window_sums_aggregated and stores the answer.
"""

from regionkpi.suppression import suppress_cells

CELL_COLUMNS = [
    "region_id",
    "organisation_id",
    "parent_organisation_id",
    "window_name",
    "period",
    "gender",
    "age_band",
    "headcount",
    "direct_headcount",
]


def model(dbt, session):
    dbt.config(materialized="table")
    cells = dbt.ref("int_hr_window_sums_aggregated").select(*CELL_COLUMNS).df()
    decided = suppress_cells(cells)
    return decided[
        [
            "region_id",
            "organisation_id",
            "window_name",
            "period",
            "gender",
            "age_band",
            "headcount",
            "is_suppressed",
            "suppression_reason",
        ]
    ]
