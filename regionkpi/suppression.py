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

Each group is one equation, total = parts (+ remainder). Whenever exactly one of its members is
hidden, that member could be computed from the others:

* a hidden part under a published total (the rule of docs/published_kpi_table.md): the smallest
  other published part (fewest employees, ties broken by the key) is suppressed too; when no
  published part is left, the total is suppressed instead (a node with a single child equals it);
* a hidden total whose parts are all published (a total hidden as a part of another group would be
  their sum): the smallest part is suppressed too.

Repeated over all groups of all three dimensions until nothing changes, because each new
suppression can expose another group. Suppression only ever grows, so the loop ends.

The remainder (staff directly on a node) is never published. It counts as the hidden part that
protects a single suppressed child: total − published children = child + remainder, which does not
reveal the child. When the remainder itself has ``threshold`` or fewer employees it needs protection
like a primary cell: if it is the only hidden part of a published total, the smallest child is
suppressed. A remainder with more employees needs no protection of its own.

Limits, by design of the rule (docs/published_kpi_table.md): groups are checked one at a time, not
as one system of equations. tests/test_suppression.py checks its hand-made tables against the whole
system (a rank test) and finds nothing, but a rare combination of equations from several groups can
still pin a figure (about one generated table in 300, there a small remainder). Different windows
(month − ytd differences) and hierarchy versions (a unit that moved inside the window) are not
checked against each other.
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

    headcount = cells["headcount"].to_numpy(dtype="int64")
    primary = headcount <= threshold
    suppressed = primary.copy()

    members = _Members.of(cells, threshold)
    group_ids, cell_ids, roles = members.group_id, members.cell_id, members.role
    is_part = roles == _PART
    is_remainder = roles == _REMAINDER
    group_count = int(group_ids.max()) + 1 if len(group_ids) else 0
    totals_of_groups = np.empty(group_count, dtype="int64")
    totals_of_groups[group_ids[roles == _TOTAL]] = cell_ids[roles == _TOTAL]

    while True:
        # hidden members: suppressed cells (total or parts) and every remainder (never published)
        hidden = np.ones(len(roles), dtype=bool)
        hidden[~is_remainder] = suppressed[cell_ids[~is_remainder]]
        # hidden members that must not be derivable: suppressed cells and small remainders
        needs_protection = hidden & (~is_remainder | members.is_sensitive_remainder)

        hidden_count = np.bincount(group_ids, weights=hidden, minlength=group_count)
        protected_count = np.bincount(group_ids, weights=needs_protection, minlength=group_count)
        # total = parts + remainder: a single hidden member is that equation's only unknown
        exposed = (hidden_count == 1) & (protected_count == 1)
        if not exposed.any():
            break

        # In each exposed group, the first published part in (headcount, key) order.
        candidate = is_part & ~hidden & exposed[group_ids]
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


class _Members:
    """All (total, parts) groups of the three additive dimensions as one long member table.

    Parallel arrays, sorted by group, then headcount, then the cell key (so the first published part
    of a group is "the smallest other part", ties broken deterministically): ``group_id`` (0..n-1),
    ``cell_id`` (row position in the input; the node's own cell for a remainder), ``role`` and
    ``is_sensitive_remainder``. Only groups with one total and at least one other member are kept:
    the others constrain nothing. Keys are integer codes, so this stays fast on large tables.
    """

    def __init__(
        self, group_id: np.ndarray, cell_id: np.ndarray, role: np.ndarray, is_sensitive_remainder: np.ndarray
    ) -> None:
        self.group_id = group_id
        self.cell_id = cell_id
        self.role = role
        self.is_sensitive_remainder = is_sensitive_remainder

    @classmethod
    def of(cls, cells: pd.DataFrame, threshold: int) -> _Members:
        n = len(cells)
        cell_ids = np.arange(n, dtype="int64")
        headcount = cells["headcount"].to_numpy(dtype="int64")
        direct = (
            cells["direct_headcount"].fillna(0).to_numpy(dtype="int64")
            if "direct_headcount" in cells.columns
            else np.zeros(n, dtype="int64")
        )
        slice_code = _codes(cells, SLICE_KEY)
        node_code, nodes = pd.factorize(cells["organisation_id"], sort=True)
        parent_code = pd.Index(nodes).get_indexer(cells["parent_organisation_id"].astype("object"))
        gender = cells["gender"].astype("object").to_numpy()
        age = cells["age_band"].astype("object").to_numpy()
        gender_code, _ = pd.factorize(gender, sort=True)
        age_code, _ = pd.factorize(age, sort=True)
        # the lexicographic order of the cell key breaks ties between equally small parts
        key_codes = [pd.factorize(cells[column], sort=True)[0] for column in CELL_KEY]
        tiebreak = np.empty(n, dtype="int64")
        tiebreak[np.lexsort(key_codes[::-1])] = cell_ids

        radix = {
            "slice": int(slice_code.max(initial=0)) + 2,
            "node": len(nodes) + 2,
            "gender": int(gender_code.max(initial=0)) + 2,
            "age": int(age_code.max(initial=0)) + 2,
        }

        def key(**codes: np.ndarray) -> np.ndarray:
            """One integer per combination of codes (mixed radix; code -1 = none)."""
            combined = np.zeros(n, dtype="int64")
            for name, code in codes.items():
                combined = combined * radix[name] + (code + 1)
            return combined

        labels, cells_of, roles, sensitive = [], [], [], []

        def add(dimension: int, group: np.ndarray, rows: np.ndarray, role: np.ndarray, small: np.ndarray) -> None:
            """Members ``rows`` of the groups ``group`` (one label per row) of one dimension (0, 1, 2)."""
            labels.append(group * 3 + dimension)  # dimensions label their groups independently
            cells_of.append(rows)
            roles.append(role)
            sensitive.append(small)

        # gender: T = K + M, per node and age band
        is_total = gender == GENDER_TOTAL
        rows = np.flatnonzero(is_total | np.isin(gender, GENDER_PARTS))
        group = key(slice=slice_code, node=node_code, age=age_code)
        add(0, group[rows], rows, np.where(is_total[rows], _TOTAL, _PART), np.zeros(len(rows), bool))
        # age band: all = the three bands, per node and gender
        is_total = age == AGE_TOTAL
        rows = np.flatnonzero(is_total | np.isin(age, AGE_PARTS))
        group = key(slice=slice_code, node=node_code, gender=gender_code)
        add(1, group[rows], rows, np.where(is_total[rows], _TOTAL, _PART), np.zeros(len(rows), bool))
        # organisation: node = children + staff placed directly on it, per gender and age band; the
        # group of a node is labelled by the node's own cell
        own = pd.Index(key(slice=slice_code, node=node_code, gender=gender_code, age=age_code))
        parent_cell = own.get_indexer(key(slice=slice_code, node=parent_code, gender=gender_code, age=age_code))
        parent_cell[parent_code < 0] = -1
        children = np.flatnonzero(parent_cell >= 0)
        with_remainder = np.flatnonzero(direct > 0)
        add(2, cell_ids, cell_ids, np.full(n, _TOTAL), np.zeros(n, bool))
        add(2, parent_cell[children], children, np.full(len(children), _PART), np.zeros(len(children), bool))
        add(
            2,
            with_remainder,
            with_remainder,
            np.full(len(with_remainder), _REMAINDER),
            direct[with_remainder] <= threshold,
        )

        group_id = pd.factorize(np.concatenate(labels))[0]
        cell_id = np.concatenate(cells_of)
        role = np.concatenate(roles)
        is_sensitive_remainder = np.concatenate(sensitive)

        # Keep groups with exactly one total and at least one other member.
        totals = np.bincount(group_id, weights=role == _TOTAL)
        size = np.bincount(group_id)
        keep = (totals[group_id] == 1) & (size[group_id] > 1)
        group_id = pd.factorize(group_id[keep])[0]
        cell_id, role, is_sensitive_remainder = cell_id[keep], role[keep], is_sensitive_remainder[keep]
        part_headcount = np.where(role == _REMAINDER, direct[cell_id], headcount[cell_id])

        order = np.lexsort((tiebreak[cell_id], part_headcount, group_id))
        return cls(group_id[order], cell_id[order], role[order], is_sensitive_remainder[order])


def _codes(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """One integer code per distinct combination of ``columns``."""
    return frame.groupby(list(columns), sort=True, dropna=False).ngroup().to_numpy(dtype="int64")
