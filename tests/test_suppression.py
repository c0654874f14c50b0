"""Primary and secondary suppression (regionkpi.suppression) on cells small enough to check by hand.

Each case builds the cells of one region × period × window; ``audit`` re-derives, with plain loops
and independently of the implementation, whether any hidden figure can still be computed as a
published total minus its published parts.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

import numpy as np
import pandas as pd
import pytest

from regionkpi.suppression import (
    PRIMARY_REASON,
    SECONDARY_REASON,
    suppress_cells,
)

SLICE = {"region_id": "0013", "period": "2021-04", "window_name": "month"}


def cell(
    organisation_id: str,
    headcount: int,
    *,
    parent: str | None = None,
    gender: str = "T",
    age_band: str = "all",
    direct: int = 0,
    **slice_overrides: str,
) -> dict[str, object]:
    return {
        **SLICE,
        **slice_overrides,
        "organisation_id": organisation_id,
        "parent_organisation_id": parent,
        "gender": gender,
        "age_band": age_band,
        "headcount": headcount,
        "direct_headcount": direct,
    }


def decide(cells: Iterable[dict[str, object]]) -> pd.DataFrame:
    return suppress_cells(pd.DataFrame(list(cells)))


def suppressed(result: pd.DataFrame) -> set[tuple[str, str, str]]:
    """(organisation, gender, age band) of every hidden cell."""
    hidden = result.loc[result["is_suppressed"]]
    return set(zip(hidden["organisation_id"], hidden["gender"], hidden["age_band"], strict=True))


def audit(result: pd.DataFrame, threshold: int = 10) -> list[str]:
    """Every group (total = parts + remainder) with exactly one hidden figure, which it would reveal.

    Checked one group at a time, as the rule promises. A hidden figure is a suppressed cell (total
    or part) or the staff placed directly on a node with ``threshold`` or fewer employees (never
    published, but derivable as total minus children); larger remainders hide without needing
    protection.
    """
    rows = result.to_dict("records")
    by_key = {
        (r["region_id"], r["period"], r["window_name"], r["organisation_id"], r["gender"], r["age_band"]): r
        for r in rows
    }
    leaks = []
    for total in rows:
        slice_key = (total["region_id"], total["period"], total["window_name"])
        node, gender, age = total["organisation_id"], total["gender"], total["age_band"]
        groups: dict[str, list[tuple[str, bool, bool]]] = {}  # member, is hidden, needs protection
        if gender == "T":
            parts = [by_key.get((*slice_key, node, g, age)) for g in ("K", "M")]
            groups["gender"] = [(p["gender"], p["is_suppressed"], True) for p in parts if p]
        if age == "all":
            parts = [by_key.get((*slice_key, node, gender, a)) for a in ("-29", "30-49", "50-")]
            groups["age"] = [(p["age_band"], p["is_suppressed"], True) for p in parts if p]
        children = [
            r
            for r in rows
            if (r["region_id"], r["period"], r["window_name"]) == slice_key
            and r["parent_organisation_id"] == node
            and (r["gender"], r["age_band"]) == (gender, age)
        ]
        organisation_parts = [(c["organisation_id"], c["is_suppressed"], True) for c in children]
        if total.get("direct_headcount", 0):
            organisation_parts.append(("remainder", True, total["direct_headcount"] <= threshold))
        groups["organisation"] = organisation_parts
        for dimension, parts in groups.items():
            if not parts:
                continue
            members = [("total", total["is_suppressed"], True), *parts]
            hidden = [(name, protect) for name, is_hidden, protect in members if is_hidden]
            if len(hidden) == 1 and hidden[0][1]:
                leaks.append(f"{dimension}: {node}/{gender}/{age} reveals {hidden[0][0]}")
    return leaks


def derivable_hidden_cells(result: pd.DataFrame, threshold: int = 10) -> set[str]:
    """Hidden figures that a reader can compute from ALL published figures at once.

    Every group gives one linear equation: total = parts (+ the staff placed directly on the node).
    Unknowns are the hidden cells and the never-published remainders; a hidden figure is derivable
    exactly when its unit vector lies in the row space of the equations restricted to the unknowns
    (rank test). Small remainders (``threshold`` or fewer staff) must not be derivable either.
    """
    rows = result.to_dict("records")
    key = {
        (r["region_id"], r["period"], r["window_name"], r["organisation_id"], r["gender"], r["age_band"]): r
        for r in rows
    }
    unknowns: dict[str, int] = {}
    sensitive: set[str] = set()

    def unknown(name: str) -> int:
        return unknowns.setdefault(name, len(unknowns))

    equations: list[dict[int, float]] = []

    def label(r: dict) -> str:
        return f"{r['organisation_id']}/{r['gender']}/{r['age_band']}"

    def add(total: dict, parts: list[dict], remainder: str | None = None) -> None:
        if not parts and remainder is None:
            return
        coefficients: dict[int, float] = {}
        for member, sign in [(total, 1.0), *[(p, -1.0) for p in parts]]:
            if member["is_suppressed"]:
                index = unknown(label(member))
                coefficients[index] = coefficients.get(index, 0.0) + sign
        if remainder is not None:
            coefficients[unknown(remainder)] = -1.0
        if coefficients:
            equations.append(coefficients)

    for r in rows:
        if r["is_suppressed"]:
            unknown(label(r))
        slice_key = (r["region_id"], r["period"], r["window_name"])
        node, gender, age = r["organisation_id"], r["gender"], r["age_band"]
        if gender == "T":
            add(r, [p for g in ("K", "M") if (p := key.get((*slice_key, node, g, age)))])
        if age == "all":
            add(r, [p for a in ("-29", "30-49", "50-") if (p := key.get((*slice_key, node, gender, a)))])
        children = [c for c in rows if c["parent_organisation_id"] == node
                    and (c["region_id"], c["period"], c["window_name"], c["gender"], c["age_band"])
                    == (*slice_key, gender, age)]  # fmt: skip
        remainder = None
        if r.get("direct_headcount", 0):
            remainder = f"remainder {label(r)}"
            if r["direct_headcount"] <= threshold:
                sensitive.add(remainder)
        if children or remainder:
            add(r, children, remainder)

    if not unknowns:
        return set()
    matrix = np.zeros((len(equations), len(unknowns)))
    for row, coefficients in enumerate(equations):
        for column, value in coefficients.items():
            matrix[row, column] = value
    rank = np.linalg.matrix_rank(matrix) if len(equations) else 0
    hidden = {name for name in unknowns if not name.startswith("remainder")} | sensitive
    derivable = set()
    for name in hidden:
        probe = np.zeros((1, len(unknowns)))
        probe[0, unknowns[name]] = 1.0
        if np.linalg.matrix_rank(np.vstack([matrix, probe])) == rank:
            derivable.add(name)
    return derivable


def test_primary_hides_ten_or_fewer_and_keeps_eleven() -> None:
    result = decide([cell("A", 10), cell("B", 11)])
    assert result["is_suppressed"].tolist() == [True, False]
    assert result["suppression_reason"].tolist() == [PRIMARY_REASON, None]


def test_output_keeps_rows_order_and_index() -> None:
    frame = pd.DataFrame([cell("B", 30), cell("A", 3)], index=[7, 4])
    result = suppress_cells(frame)
    assert result.index.tolist() == [7, 4]
    assert result["organisation_id"].tolist() == ["B", "A"]
    assert result["headcount"].tolist() == [30, 3]
    assert frame.columns.tolist() == [*SLICE, "organisation_id", "parent_organisation_id", "gender",
                                      "age_band", "headcount", "direct_headcount"]  # fmt: skip


def test_gender_total_with_one_small_part_hides_the_other_part() -> None:
    # T 30 = K 25 + M 5: M is primary; publishing T and K would give M = 30 - 25.
    result = decide([cell("A", 30), cell("A", 25, gender="K"), cell("A", 5, gender="M")])
    assert suppressed(result) == {("A", "K", "all"), ("A", "M", "all")}
    reasons = dict(zip(result["gender"], result["suppression_reason"], strict=True))
    assert reasons == {"T": None, "K": SECONDARY_REASON, "M": PRIMARY_REASON}
    assert audit(result) == []


def test_age_total_hides_the_smallest_other_band() -> None:
    # all 40 = 3 + 20 + 17: -29 is primary, 50- (17) is the smallest other band.
    result = decide(
        [
            cell("A", 40),
            cell("A", 3, age_band="-29"),
            cell("A", 20, age_band="30-49"),
            cell("A", 17, age_band="50-"),
        ]
    )
    assert suppressed(result) == {("A", "T", "-29"), ("A", "T", "50-")}
    assert audit(result) == []


def test_two_small_parts_protect_each_other() -> None:
    result = decide(
        [
            cell("A", 40),
            cell("A", 4, age_band="-29"),
            cell("A", 30, age_band="30-49"),
            cell("A", 6, age_band="50-"),
        ]
    )
    assert suppressed(result) == {("A", "T", "-29"), ("A", "T", "50-")}
    assert set(result.loc[result["is_suppressed"], "suppression_reason"]) == {PRIMARY_REASON}


def test_organisation_hides_the_smallest_sibling() -> None:
    # P 40 = A 25 + B 12 + C 3: C is primary; B (12) is smaller than A (25).
    result = decide([cell("P", 40), cell("A", 25, parent="P"), cell("B", 12, parent="P"), cell("C", 3, parent="P")])
    assert suppressed(result) == {("B", "T", "all"), ("C", "T", "all")}
    assert audit(result) == []


def test_suppressed_value_cannot_be_derived_from_total_and_other_parts() -> None:
    # Without secondary suppression, C would be P - A - B. The rank test shows it is not derivable
    # after suppression, while the same test does find C when only primary suppression is applied.
    cells = [cell("P", 40), cell("A", 25, parent="P"), cell("B", 12, parent="P"), cell("C", 3, parent="P")]
    result = decide(cells)
    assert derivable_hidden_cells(result) == set()
    primary_only = result.assign(is_suppressed=result["headcount"] <= 10)
    assert derivable_hidden_cells(primary_only) == {"C/T/all"}


def test_two_dimensional_table_hides_no_derivable_cell() -> None:
    # Gender × organisation: P = U1 + U2 and T = K + M at every node (cells also checked by the
    # rank test over all equations at once, not one group at a time).
    cells = [
        cell("P", 60),
        cell("P", 30, gender="K"),
        cell("P", 30, gender="M"),
        cell("U1", 35, parent="P"),
        cell("U1", 14, parent="P", gender="K"),
        cell("U1", 21, parent="P", gender="M"),
        cell("U2", 25, parent="P"),
        cell("U2", 16, parent="P", gender="K"),
        cell("U2", 9, parent="P", gender="M"),
    ]
    result = decide(cells)
    assert derivable_hidden_cells(result) == set()
    assert derivable_hidden_cells(result.assign(is_suppressed=result["headcount"] <= 10)) == {"U2/M/all"}


def test_hidden_total_with_published_parts_hides_a_part() -> None:
    # D1/T/-29 is hidden to protect D2 (R = D1 + D2). Its gender parts K 15 and M 15 are
    # published, so D1/T/-29 would be K + M: the smaller part by key (K) is hidden too.
    cells = [
        cell("R", 35, age_band="-29"),
        cell("D1", 30, parent="R", age_band="-29"),
        cell("D2", 5, parent="R", age_band="-29"),
        cell("D1", 15, parent="R", gender="K", age_band="-29"),
        cell("D1", 15, parent="R", gender="M", age_band="-29"),
    ]
    result = decide(cells)
    assert suppressed(result) == {("D2", "T", "-29"), ("D1", "T", "-29"), ("D1", "K", "-29")}
    assert audit(result) == []
    assert derivable_hidden_cells(result) == set()


def test_small_staff_placed_directly_on_a_node_is_protected() -> None:
    # SF 30 = U400 14 + U300 13 + 3 placed directly on SF. The 3 are never published but would be
    # SF - U400 - U300; hiding the smallest child (U300) protects them.
    result = decide([cell("SF", 30, direct=3), cell("U400", 14, parent="SF"), cell("U300", 13, parent="SF")])
    assert suppressed(result) == {("U300", "T", "all")}
    assert audit(result) == []


def test_large_direct_staff_protect_a_suppressed_child() -> None:
    # P 40 = A 25 + C 4 + 11 placed directly on P: P - A = C + remainder, so C stays hidden alone.
    result = decide([cell("P", 40, direct=11), cell("A", 25, parent="P"), cell("C", 4, parent="P")])
    assert suppressed(result) == {("C", "T", "all")}
    assert audit(result) == []


def test_large_direct_staff_alone_need_no_protection() -> None:
    result = decide([cell("P", 40, direct=15), cell("A", 25, parent="P")])
    assert suppressed(result) == set()


def test_single_remaining_part_hides_the_total() -> None:
    # B employs only men, so B/T = B/M and a hidden B/M would be revealed by a published B/T: with
    # no other part left to hide, the total B/T is hidden. The cascade, step by step:
    #   A/M 5 primary -> gender at A hides A/K; organisation P/M = A/M + B/M hides B/M
    #   B/T has B/M as its only part -> B/T hidden; P/T = A/T + B/T then hides A/T
    #   P/K = A/K alone (B has no women) -> P/K hidden; gender at P then hides P/M.
    cells = [
        cell("P", 40),
        cell("P", 15, gender="K"),
        cell("P", 25, gender="M"),
        cell("A", 20, parent="P"),
        cell("A", 15, parent="P", gender="K"),
        cell("A", 5, parent="P", gender="M"),
        cell("B", 20, parent="P"),
        cell("B", 20, parent="P", gender="M"),
    ]
    result = decide(cells)
    assert suppressed(result) == {
        ("A", "M", "all"),
        ("A", "K", "all"),
        ("A", "T", "all"),
        ("B", "M", "all"),
        ("B", "T", "all"),
        ("P", "K", "all"),
        ("P", "M", "all"),
    }
    assert audit(result) == []
    assert derivable_hidden_cells(result) == set()
    reasons = result.set_index(["organisation_id", "gender"])["suppression_reason"]
    assert reasons[("B", "T")] == SECONDARY_REASON
    assert reasons[("A", "M")] == PRIMARY_REASON


def test_secondary_suppression_iterates_across_dimensions() -> None:
    # Gender hides U2/K (protecting U2/M); along the organisation P/K = U1/K + U2/K then exposes
    # U2/K, so U1/K is hidden; along gender at U1 that exposes U1/K, so U1/M is hidden.
    cells = [
        cell("P", 60),
        cell("P", 30, gender="K"),
        cell("P", 30, gender="M"),
        cell("U1", 35, parent="P"),
        cell("U1", 14, parent="P", gender="K"),
        cell("U1", 21, parent="P", gender="M"),
        cell("U2", 25, parent="P"),
        cell("U2", 16, parent="P", gender="K"),
        cell("U2", 9, parent="P", gender="M"),
    ]
    result = decide(cells)
    assert suppressed(result) == {("U2", "M", "all"), ("U2", "K", "all"), ("U1", "K", "all"), ("U1", "M", "all")}
    assert audit(result) == []


def test_slices_do_not_interact() -> None:
    cells = [
        cell("P", 40),
        cell("A", 30, parent="P"),
        cell("C", 10, parent="P"),
        cell("P", 40, period="2021-05"),
        cell("A", 30, parent="P", period="2021-05"),
        cell("C", 11, parent="P", period="2021-05"),
    ]
    result = decide(cells)
    hidden = result.loc[result["is_suppressed"], ["period", "organisation_id"]].values.tolist()
    assert hidden == [["2021-04", "A"], ["2021-04", "C"]]


def test_ties_are_broken_deterministically() -> None:
    cells = [cell("P", 40), cell("B", 15, parent="P"), cell("A", 15, parent="P"), cell("C", 10, parent="P")]
    first = suppressed(decide(cells))
    second = suppressed(decide(list(reversed(cells))))
    assert first == second == {("A", "T", "all"), ("C", "T", "all")}


def random_tree_cells(rng: random.Random) -> list[dict[str, object]]:
    """A region R with departments D1, D2 and five units; staff on the units and directly on D1."""
    units = {f"U{number}": ("D1" if number % 2 else "D2") for number in range(1, 6)}
    tree = {"R": None, "D1": "R", "D2": "R", **units}
    below = {node: [node] for node in tree}
    for unit, department in units.items():
        below[department].append(unit)
    below["R"] = list(tree)
    staff = {
        (node, gender, age): rng.choice([0, 1, 2, 4, 6, 9, 12, 20])
        for node in [*units, "D1"]
        for gender in ("K", "M")
        for age in ("-29", "30-49", "50-")
    }

    def count(nodes: list[str], gender: str, age: str) -> int:
        genders = ("K", "M") if gender == "T" else (gender,)
        ages = ("-29", "30-49", "50-") if age == "all" else (age,)
        return sum(staff.get((node, g, a), 0) for node in nodes for g in genders for a in ages)

    cells = []
    for node, parent in tree.items():
        for gender in ("T", "K", "M"):
            for age in ("all", "-29", "30-49", "50-"):
                headcount = count(below[node], gender, age)
                if headcount:
                    direct = count([node], gender, age)
                    cells.append(cell(node, headcount, parent=parent, gender=gender, age_band=age, direct=direct))
    return cells


def test_random_tables_leave_no_single_hidden_part() -> None:
    """Property check on generated trees with every gender × age band cell present."""
    rng = random.Random(20240101)
    for _ in range(40):
        result = decide(random_tree_cells(rng))
        assert audit(result) == []
        primary = result["headcount"] <= 10
        assert (result.loc[primary, "suppression_reason"] == PRIMARY_REASON).all()
        assert result.loc[~primary & result["is_suppressed"], "suppression_reason"].eq(SECONDARY_REASON).all()


def test_rejects_duplicate_cells_and_missing_columns() -> None:
    with pytest.raises(ValueError, match="one row per"):
        decide([cell("A", 20), cell("A", 30)])
    with pytest.raises(ValueError, match="headcount"):
        suppress_cells(pd.DataFrame([cell("A", 20)]).drop(columns="headcount"))
