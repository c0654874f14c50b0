"""What the finance extracts share: code parts, the organisation check, and the checked chunk stream.

Every finance extract names a responsibility (``Ansvar``), which must be a unit of the region's
latest organisation delivery and valid in the row's month. Rules are checked per chunk with a Great
Expectations suite; derived columns hold the offending value only where a rule is broken, so GX
reports the file's line and the value (``ExpectColumnValuesToBeNull`` on the derived column).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import great_expectations.expectations as gxe
import pandas as pd

from ingest.chunked import DEFAULT_CHUNK_ROWS, Field, read_chunks
from ingest.contract import ContractViolation, Violation, check_with_gx
from ingest.sources import StreamState
from regionkpi.settings import Settings

#: Stop reading a broken file once this many violations are known: the report is long enough.
MAX_VIOLATIONS = 2000

CODE_PARTS = ("verksamhet", "aktivitet", "projekt")
CODE_FIELDS = [
    Field("Verksamhet", "verksamhet", required=False),
    Field("Aktivitet", "aktivitet", required=False),
    Field("Projekt", "projekt", required=False),
]
ACCOUNT_PATTERN = r"^[1-8]\d{3,5}$"


def ansvar_problems(
    frame: pd.DataFrame, units: pd.DataFrame | None, month_column: str, required: pd.Series | None = None
) -> pd.DataFrame:
    """Add the derived columns ``ansvar_missing``, ``ansvar_not_a_unit`` and ``ansvar_not_valid``.

    Each holds the offending value where the rule is broken and null elsewhere. A unit is valid in a
    month when one of its versions covers the month's last day (as the organisation roll-up uses it).
    ``required`` marks the rows that must have an ``Ansvar`` (all rows when None).
    """
    ansvar = frame["ansvar"]
    needed = required if required is not None else pd.Series(True, index=frame.index)
    frame["ansvar_missing"] = pd.Series("(empty)", index=frame.index).where(needed & ansvar.isna())
    if units is None:
        frame["ansvar_not_a_unit"] = ansvar
        frame["ansvar_not_valid"] = None
        return frame
    known = set(units["unit_code"])
    is_known = ansvar.isin(known).fillna(False).astype(bool)
    frame["ansvar_not_a_unit"] = ansvar.where(ansvar.notna().astype(bool) & ~is_known)
    months = pd.to_datetime(frame[month_column])
    pairs = pd.DataFrame({"ansvar": ansvar[is_known].astype(str), "month": months[is_known]}).drop_duplicates()
    if pairs.empty:
        frame["ansvar_not_valid"] = None
        return frame
    month_end = pairs["month"] + pd.offsets.MonthEnd(0)
    pairs = pairs.assign(month_end=month_end).merge(units, left_on="ansvar", right_on="unit_code")
    covered = pairs[
        (pd.to_datetime(pairs["valid_from"]) <= pairs["month_end"])
        & (pd.to_datetime(pairs["valid_to"]) >= pairs["month_end"])
    ][["ansvar", "month"]].drop_duplicates()
    looked_up = pd.DataFrame({"ansvar": ansvar.astype(object), "month": months}).merge(
        covered.assign(valid=True), on=["ansvar", "month"], how="left"
    )
    invalid = is_known & looked_up["valid"].isna().to_numpy()
    frame["ansvar_not_valid"] = None
    if invalid.any():  # the message is built for the offending rows only
        frame.loc[invalid, "ansvar_not_valid"] = ansvar[invalid] + " in " + months[invalid].dt.strftime("%Y-%m")
    return frame


def ansvar_expectations(units_known: bool) -> list[Any]:
    """The GX rules on the derived ``ansvar_*`` columns."""
    not_a_unit = (
        "Ansvar is not a unit of the region's organisation extract"
        if units_known
        else "the region's organisation extract has not been delivered yet: deliver it first, then this file again"
    )
    return [
        gxe.ExpectColumnValuesToBeNull(column="ansvar_missing", meta={"rule": "Ansvar is required"}),
        gxe.ExpectColumnValuesToBeNull(column="ansvar_not_a_unit", meta={"rule": not_a_unit}),
        gxe.ExpectColumnValuesToBeNull(
            column="ansvar_not_valid",
            meta={"rule": "Ansvar is not valid in the row's month (outside the unit's validity in the organisation)"},
        ),
    ]


def checked_stream(
    path: Path,
    encoding: str,
    fields: Sequence[Field],
    *,
    suite_name: str,
    state: StreamState,
    prepare: Callable[[pd.DataFrame], pd.DataFrame],
    expectations: Callable[[pd.DataFrame], list[Any]],
    to_raw: Callable[[pd.DataFrame], pd.DataFrame],
    periods: Callable[[pd.DataFrame], set[str]],
    one_of: Sequence[Sequence[Sequence[str]]] = (),
    derived_headers: dict[str, str] | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> Iterator[pd.DataFrame]:
    """Read, derive, GX-check and convert a CSV extract chunk by chunk.

    ``to_raw`` selects the raw columns; the chunk's ``line_no`` is added as ``source_line`` unless
    ``to_raw`` set it.

    Frames are yielded only while the file is clean; after the first violation the rest of the file
    is still checked (up to :data:`MAX_VIOLATIONS`) so the report is complete, and the stream ends
    with :class:`ContractViolation`.
    """
    violations: list[Violation] = []
    for chunk in read_chunks(path, encoding, fields, one_of=one_of, chunk_rows=chunk_rows):
        state.ignored_headers = chunk.ignored_headers
        violations += chunk.violations
        if chunk.frame.empty:
            continue
        frame = prepare(chunk.frame)
        headers = {
            **chunk.headers,
            **{c: chunk.headers.get("ansvar", "Ansvar") for c in _ANSVAR_DERIVED},
            **(derived_headers or {}),
        }
        violations += check_with_gx(frame, suite_name, expectations(frame), headers)
        if len(violations) >= MAX_VIOLATIONS:
            violations.append(Violation(f"checking stopped after {MAX_VIOLATIONS} violations"))
            break
        if violations:
            continue
        state.periods |= periods(frame)
        raw = to_raw(frame)  # every raw row keeps its line in the delivered file
        yield raw if "source_line" in raw else raw.assign(source_line=frame["line_no"].to_numpy())
    if violations:
        raise ContractViolation(path.name, violations)


_ANSVAR_DERIVED = ("ansvar_missing", "ansvar_not_a_unit", "ansvar_not_valid")


def month_codes(months: pd.Series) -> set[str]:
    """Distinct ``YYYY-MM`` codes of a column of month-start dates."""
    return {f"{month:%Y-%m}" for month in pd.to_datetime(pd.Series(months.dropna().unique()))}


@cache
def _seed_rows(path: Path) -> tuple[dict[str, str], ...]:
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple(csv.DictReader(handle))


def report_line_ids(settings: Settings, region_id: str) -> set[str]:
    """Report lines a budget or forecast row may name: the region's own and the default (`*`) set."""
    rows = _seed_rows(settings.dbt_project_dir / "seeds" / "report_lines.csv")
    return {row["report_line_id"] for row in rows if row["region_id"] in (region_id, "*")}


def result_account(konto: pd.Series) -> pd.Series:
    """True for accounts of the income statement (classes 3-8), which must carry an Ansvar."""
    return konto.fillna("").str[:1].isin(list("345678"))
