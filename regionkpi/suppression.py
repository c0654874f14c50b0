"""Primary and secondary suppression (röjandeskydd) of published HR cells.

Published HR figures must not point to an individual: no figure is shown for a group of 10 or fewer
employees, and a hidden figure must not be computable from a published total and its other published
parts. This module decides which cells to hide; it is pure (pandas in, pandas out) so the rules can
be tested on cells small enough to check by hand, and the dbt Python model ``int_hr_cells_suppressed``
only calls it.

A *cell* is one region × organisation node × period × window × gender × age band. All indicators of
a cell share its numerators and denominators, so they are hidden together. Cells of different
(region, period, window) never interact: each such slice is one table to protect.

**Primary.** A cell whose group has ``threshold`` (10) or fewer distinct employees in the window is
suppressed.

**Secondary.** The cells of a slice add up along three dimensions, each giving *groups* of one total
and its parts:

* gender: ``T`` = ``K`` + ``M`` (per organisation node and age band);
* age band: ``all`` = ``-29`` + ``30-49`` + ``50-`` (per node and gender);
* organisation: a node = its child nodes + the staff placed directly on it (per gender and age band).
  The directly placed staff are a part that is never published (the *remainder*).

Whenever a group's total is published and exactly one of its parts is hidden, that part could be
computed as total − published parts. So the smallest other published part (fewest employees, ties
broken by the key) is suppressed too; when no published part is left, the total is suppressed
instead (a node with a single child equals that child). Repeated over all groups of all three
dimensions until nothing changes, because each new suppression can expose another group.

The remainder (staff directly on a node) is never published. It counts as the hidden part that
protects a single suppressed child: total − published children = child + remainder, which does not
reveal the child. When the remainder itself has ``threshold`` or fewer employees it needs protection
like a primary cell: if it is the only hidden part of a published total, the smallest child is
suppressed. A remainder with more employees needs no protection of its own.

Limits, by design of the rule (as in docs/published_kpi_table.md): the three dimensions are checked
one group at a time, not as one system of equations, and different windows (month, ytd, r12) and
hierarchy versions are not checked against each other.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

#: A group of this many distinct employees or fewer is never published.
DEFAULT_THRESHOLD = 10

PRIMARY_REASON = "primary: 10 or fewer employees"
SECONDARY_REASON = "secondary: protects a suppressed cell"

#: Columns that identify a cell; ``region_id``, ``period`` and ``window_name`` identify the slice.
CELL_KEY = ("region_id", "period", "window_name", "organisation_id", "gender", "age_band")
SLICE_KEY = ("region_id", "period", "window_name")

GENDER_TOTAL, GENDER_PARTS = "T", ("K", "M")
AGE_TOTAL, AGE_PARTS = "all", ("-29", "30-49", "50-")

REQUIRED_COLUMNS = (*CELL_KEY, "parent_organisation_id", "headcount")

# Member roles inside a group.
_TOTAL, _PART, _REMAINDER = 0, 1, 2


def suppress_cells(cells: pd.DataFrame, threshold: int = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """Decide primary and secondary suppression for every cell.

    ``cells`` has one row per cell with the columns of :data:`CELL_KEY`, ``parent_organisation_id``
    (the node's parent in the hierarchy valid at the end of the window, null for the region node),
    ``headcount`` (distinct employees in the cell over the window) and optionally
    ``direct_headcount`` (distinct employees of the cell placed directly on the node; missing = 0).

    Returns a copy of ``cells`` (same row order and index) with ``is_suppressed`` (bool) and
    ``suppression_reason`` (:data:`PRIMARY_REASON`, :data:`SECONDARY_REASON` or None).
    """
    missing = [column for column in REQUIRED_COLUMNS if column not in cells.columns]
    if missing:
        raise ValueError(f"cells lack the columns {missing}")
    if cells.duplicated(list(CELL_KEY)).any():
        raise ValueError("cells must have one row per " + " × ".join(CELL_KEY))

    frame = cells.reset_index(drop=True)
    headcount = frame["headcount"].to_numpy(dtype="int64")
    primary = headcount <= threshold
    suppressed = primary.copy()

    members = _group_members(frame, threshold)
    # Part order for "the smallest other part": fewest employees, then the cell key (deterministic).
    members = members.sort_values(["group_id", "headcount", "tiebreak"], kind="stable").reset_index(drop=True)
    group_ids = members["group_id"].to_numpy()
    cell_ids = members["cell_id"].to_numpy()
    roles = members["role"].to_numpy()
    is_part = roles == _PART
    is_remainder = roles == _REMAINDER
    remainder_is_sensitive = members["is_sensitive_remainder"].to_numpy()

    # group ids are 0..n-1 and every group has exactly one total (see _group_members)
    group_count = int(group_ids.max()) + 1 if len(group_ids) else 0
    totals_of_groups = np.empty(group_count, dtype="int64")
    totals_of_groups[group_ids[roles == _TOTAL]] = cell_ids[roles == _TOTAL]

    while True:
        part_hidden = np.zeros(len(members), dtype=bool)
        part_hidden[is_part] = suppressed[cell_ids[is_part]]
        part_hidden[is_remainder] = True
        # a hidden member that must not be derivable: a suppressed cell or a small remainder
        needs_protection = np.zeros(len(members), dtype=bool)
        needs_protection[is_part] = suppressed[cell_ids[is_part]]
        needs_protection[is_remainder] = remainder_is_sensitive[is_remainder]

        hidden_count = np.bincount(group_ids, weights=part_hidden, minlength=group_count)
        protected_count = np.bincount(group_ids, weights=needs_protection, minlength=group_count)
        total_published = ~suppressed[totals_of_groups]
        exposed = total_published & (hidden_count == 1) & (protected_count == 1)
        if not exposed.any():
            break

        # In each exposed group, the first published part in (headcount, key) order.
        candidate = is_part & ~part_hidden & exposed[group_ids]
        candidate_groups, first = np.unique(group_ids[candidate], return_index=True)
        newly = cell_ids[np.flatnonzero(candidate)[first]]
        # Exposed groups without any published part left: hide the total instead.
        without_candidate = np.setdiff1d(np.flatnonzero(exposed), candidate_groups)
        newly = np.concatenate([newly, totals_of_groups[without_candidate]])
        suppressed[newly] = True

    result = cells.copy()
    result["is_suppressed"] = suppressed
    reason = np.where(primary, PRIMARY_REASON, np.where(suppressed, SECONDARY_REASON, None))
    result["suppression_reason"] = pd.Series(reason, index=cells.index, dtype="object")
    return result


def _group_members(frame: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """All (total, parts) groups of the three additive dimensions as one long member table.

    Columns: ``group_id``, ``cell_id`` (row position in ``frame``; -1 for a remainder), ``role``,
    ``headcount``, ``tiebreak`` and ``is_sensitive_remainder``. Groups without a total cell or
    without any part are left out: they constrain nothing.
    """
    cells = frame[list(CELL_KEY)].astype("object").copy()
    cells["cell_id"] = np.arange(len(frame))
    cells["headcount"] = frame["headcount"].to_numpy(dtype="int64")
    cells["parent_organisation_id"] = frame["parent_organisation_id"].astype("object")
    cells["tiebreak"] = _joined(cells, CELL_KEY)
    direct = (
        frame["direct_headcount"].fillna(0).to_numpy(dtype="int64")
        if "direct_headcount" in frame.columns
        else np.zeros(len(frame), dtype="int64")
    )

    groups: list[pd.DataFrame] = []

    # gender: T = K + M, per node and age band
    groups.append(_dimension_groups(cells, "gender", GENDER_TOTAL, GENDER_PARTS, dimension="gender"))
    # age band: all = the three bands, per node and gender
    groups.append(_dimension_groups(cells, "age_band", AGE_TOTAL, AGE_PARTS, dimension="age"))

    # organisation: node = children + staff placed directly on it, per gender and age band
    group_key = [*SLICE_KEY, "gender", "age_band"]
    totals = cells[[*group_key, "organisation_id", "cell_id", "headcount", "tiebreak"]].rename(
        columns={"organisation_id": "total_organisation_id"}
    )
    totals["group_label"] = "organisation|" + totals["tiebreak"]
    parts = cells.loc[cells["parent_organisation_id"].notna()].merge(
        totals[[*group_key, "total_organisation_id", "group_label"]],
        left_on=[*group_key, "parent_organisation_id"],
        right_on=[*group_key, "total_organisation_id"],
        how="inner",
    )
    remainder = totals.loc[direct[totals["cell_id"].to_numpy()] > 0].copy()
    remainder_headcount = direct[remainder["cell_id"].to_numpy()]
    org_members = pd.concat(
        [
            _members(totals["group_label"], totals["cell_id"], _TOTAL, totals["headcount"], totals["tiebreak"]),
            _members(parts["group_label"], parts["cell_id"], _PART, parts["headcount"], parts["tiebreak"]),
            _members(
                remainder["group_label"],
                pd.Series(-1, index=remainder.index),
                _REMAINDER,
                pd.Series(remainder_headcount, index=remainder.index),
                remainder["tiebreak"] + "|remainder",
                sensitive=pd.Series(remainder_headcount <= threshold, index=remainder.index),
            ),
        ],
        ignore_index=True,
    )
    groups.append(org_members)

    members = pd.concat(groups, ignore_index=True)
    # Keep only groups that have a total and at least one part (a cell or a remainder).
    by_group = members.assign(is_total=members["role"] == _TOTAL).groupby("group_label")["is_total"]
    totals_in_group = by_group.transform("sum")
    members_in_group = by_group.transform("size")
    members = members.loc[(totals_in_group == 1) & (members_in_group > 1)].copy()
    members["group_id"] = pd.factorize(members["group_label"])[0]
    return members.drop(columns="group_label")


def _dimension_groups(
    cells: pd.DataFrame, column: str, total_value: str, part_values: Sequence[str], dimension: str
) -> pd.DataFrame:
    """Groups where ``column`` = ``total_value`` is the total and ``part_values`` are the parts."""
    other_key = [key for key in CELL_KEY if key != column]
    relevant = cells.loc[cells[column].isin([total_value, *part_values])]
    label = dimension + "|" + _joined(relevant, other_key)
    role = np.where(relevant[column] == total_value, _TOTAL, _PART)
    return pd.DataFrame(
        {
            "group_label": label.to_numpy(),
            "cell_id": relevant["cell_id"].to_numpy(),
            "role": role,
            "headcount": relevant["headcount"].to_numpy(),
            "tiebreak": relevant["tiebreak"].to_numpy(),
            "is_sensitive_remainder": False,
        }
    )


def _members(
    label: pd.Series,
    cell_id: pd.Series,
    role: int,
    headcount: pd.Series,
    tiebreak: pd.Series,
    sensitive: pd.Series | None = None,
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group_label": label.to_numpy(),
            "cell_id": cell_id.to_numpy(dtype="int64"),
            "role": role,
            "headcount": headcount.to_numpy(dtype="int64"),
            "tiebreak": tiebreak.to_numpy(),
            "is_sensitive_remainder": False if sensitive is None else sensitive.to_numpy(dtype=bool),
        }
    )


def _joined(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    """The columns' values as one text key per row, ``|``-separated (vectorised)."""
    joined = frame[columns[0]].astype(str)
    for column in columns[1:]:
        joined = joined + "|" + frame[column].astype(str)
    return joined
