"""The organisation extract: the region's unit tree with validity intervals (slowly changing).

Each delivery is the region's complete history; staging keeps the latest delivery per region.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import great_expectations.expectations as gxe
import pandas as pd
import pyarrow as pa

from ingest.contract import Column, ContractViolation, Violation, check_with_gx, read_extract
from ingest.parsing import parse_date, parse_text
from ingest.sources import Accepted
from regionkpi.settings import Settings

LEVELS = {
    "region": "region",
    "nämnd/styrelse": "board",
    "förvaltning": "administration",
    "område/avdelning": "department",
    "enhet": "unit",
}

COLUMNS = [
    Column("Enhetskod", "unit_code", parse_text),
    Column("Enhetsnamn", "unit_name", parse_text),
    Column("Överordnad enhet", "parent_unit_code", parse_text, required=False),
    Column("Nivå", "level_text", parse_text),
    Column("Giltig från", "valid_from", parse_date),
    Column("Giltig till", "valid_to", parse_date, required=False),
]


class OrganisationSource:
    name = "organisation"
    depends_on: tuple[str, ...] = ()
    contract_doc = "docs/extracts/organisation.md"
    schema = pa.schema(
        [
            pa.field("unit_code", pa.string(), nullable=False),
            pa.field("unit_name", pa.string(), nullable=False),
            pa.field("parent_unit_code", pa.string()),
            pa.field("organisation_level", pa.string(), nullable=False),
            pa.field("valid_from", pa.date32(), nullable=False),
            pa.field("valid_to", pa.date32()),
        ]
    )

    def read(self, path: Path, encoding: str, region_id: str, settings: Settings) -> Accepted:
        parsed = read_extract(path, encoding, COLUMNS)
        violations = list(parsed.violations)
        frame = parsed.frame
        if not frame.empty and "parent_unit_code" not in frame:
            frame["parent_unit_code"] = None
        if not frame.empty:
            frame["level_key"] = frame["level_text"].map(lambda t: t.lower() if isinstance(t, str) else t)
            known_codes = sorted(set(frame["unit_code"].dropna()))
            expectations = [
                *[
                    gxe.ExpectColumnValuesToNotBeNull(column=c, meta={"rule": "a value is required"})
                    for c in ("unit_code", "unit_name", "level_text", "valid_from")
                ],
                gxe.ExpectColumnValuesToBeInSet(
                    column="level_key",
                    value_set=sorted(LEVELS),
                    meta={"rule": "level must be Region, Nämnd/styrelse, Förvaltning, Område/avdelning or Enhet"},
                ),
                gxe.ExpectColumnValuesToBeInSet(
                    column="parent_unit_code",
                    value_set=known_codes,
                    meta={"rule": "parent unit must be a unit code of this file"},
                ),
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="valid_to",
                    column_B="valid_from",
                    or_equal=True,
                    ignore_row_if="either_value_is_missing",
                    meta={"rule": "valid to must not be before valid from"},
                ),
                gxe.ExpectCompoundColumnsToBeUnique(
                    column_list=["unit_code", "valid_from"],
                    meta={"rule": "a unit appears twice with the same valid-from date"},
                ),
            ]
            headers = {**parsed.headers, "level_key": parsed.headers.get("level_text", "Nivå")}
            violations += check_with_gx(frame, "contract_organisation", expectations, headers)
            violations += _tree_violations(frame, parsed.headers)
        if violations:
            raise ContractViolation(path.name, violations)

        raw = pd.DataFrame(
            {
                "unit_code": frame["unit_code"],
                "unit_name": frame["unit_name"],
                "parent_unit_code": frame["parent_unit_code"],
                "organisation_level": frame["level_key"].map(LEVELS),
                "valid_from": frame["valid_from"],
                "valid_to": frame["valid_to"],
                "source_line": frame["line_no"],
            }
        )
        return Accepted(frame=raw, periods=[], ignored_headers=parsed.ignored_headers)


def _tree_violations(frame: pd.DataFrame, headers: dict[str, str]) -> list[Violation]:
    """Rules across rows: one region node, no overlapping validity of a unit."""
    violations: list[Violation] = []
    level_header = headers.get("level_text", "Nivå")
    roots = frame[frame["level_key"] == "region"]
    if roots["unit_code"].nunique() != 1:
        violations.append(
            Violation(
                f"exactly one unit of level Region is required, found {roots['unit_code'].nunique()}",
                column=level_header,
            )
        )
    far_future = pd.Timestamp("9999-12-31").date()
    for code, rows in frame.dropna(subset=["unit_code", "valid_from"]).groupby("unit_code"):
        ordered = rows.sort_values("valid_from")
        previous_end = None
        for _, row in ordered.iterrows():
            if previous_end is not None and row["valid_from"] <= previous_end:
                violations.append(
                    Violation(
                        f"validity of unit {code} overlaps its previous row",
                        line=int(row["line_no"]),
                        column=headers.get("valid_from", "Giltig från"),
                        value=str(row["valid_from"]),
                    )
                )
            previous_end = (
                row["valid_to"] if row["valid_to"] is not None and row["valid_to"] == row["valid_to"] else far_future
            )
    return violations


def unit_intervals(settings: Settings, region_id: str) -> pd.DataFrame | None:
    """Unit codes and validity of the region's latest organisation delivery (None if none yet).

    Every source that names units (sick leave, the finance extracts) checks them against this.
    """
    files = [f for f in (settings.raw_dir / "organisation" / region_id).glob("*.parquet") if f.name[:1].isdigit()]
    if not files:
        return None
    latest = max(files, key=lambda f: int(f.name.split("_", 1)[0]))
    with duckdb.connect() as connection:
        return connection.execute(
            "select unit_code, valid_from, coalesce(valid_to, date '9999-12-31') as valid_to from read_parquet(?)",
            [str(latest)],
        ).df()
