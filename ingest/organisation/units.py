"""The region's organisation as the other extracts check it: the units of its latest accepted delivery.

Every extract that names a unit (ansvar, kostnadsställe, enhet) checks it against the region's
latest accepted organisation delivery, read by DuckDB straight from the raw layer into a table the
rules join (:func:`units_table`, :func:`unit_rules`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.extract import Rule
from ingest.reference import delivery_files

if TYPE_CHECKING:
    from regionkpi.settings import Settings

#: The table :func:`units_table` creates: ``unit_code``, ``valid_from``, ``valid_to`` (9999-12-31 = open).
UNITS = "ref_units"
NO_ORGANISATION_RULE = (
    "the region's organisation extract has not been delivered yet: deliver it first, then this file again"
)


def latest_organisation_file(settings: Settings, region_id: str) -> Path | None:
    """The raw file of the region's latest accepted organisation delivery (None if none yet)."""
    files = delivery_files(settings, "organisation", region_id)
    return files[-1] if files else None


def units_table(settings: Settings, region_id: str) -> tuple[bool, list[tuple[str, list[Any]]]]:
    """(whether the region has an organisation, the setup statements creating :data:`UNITS`)."""
    latest = latest_organisation_file(settings, region_id)
    create = f"CREATE OR REPLACE TEMP TABLE {UNITS} (unit_code VARCHAR, valid_from DATE, valid_to DATE)"
    if latest is None:
        return False, [(create, [])]
    fill = (
        f"INSERT INTO {UNITS} SELECT unit_code, valid_from, coalesce(valid_to, DATE '9999-12-31') FROM read_parquet(?)"  # noqa: S608 - code-owned SQL; file values are bound parameters
    )
    return True, [(create, []), (fill, [str(latest)])]


def unit_rules(
    column: str,
    month: str | None,
    *,
    known: bool,
    header: str = "Ansvar",
    required_where: str = "true",
    not_a_unit: str = "Ansvar is not a unit of the region's organisation extract",
    missing: str = "Ansvar is required",
) -> list[Rule]:
    """The organisation rules on a unit column: present (where required), a unit of the region's
    organisation, and (with ``month``, a first-of-month date) valid on the month's last day."""
    rules = [
        Rule(missing, f"({required_where}) AND {column} IS NULL", (column,), value="'(empty)'"),
    ]
    if not known:
        rules.append(Rule(NO_ORGANISATION_RULE, f"{column} IS NOT NULL", (column,)))
        return rules
    rules.append(
        Rule(not_a_unit, f"{column} IS NOT NULL AND {column} NOT IN (SELECT unit_code FROM {UNITS})", (column,))  # noqa: S608 - code-owned SQL; file values are bound parameters
    )
    if month is not None:
        month_end = f"last_day({month})"
        rules.append(
            Rule(
                f"{header} is not valid in the row's month (outside the unit's validity in the organisation)",
                f"{column} IN (SELECT unit_code FROM {UNITS}) AND {month} IS NOT NULL AND NOT EXISTS "  # noqa: S608 - code-owned SQL; file values are bound parameters
                f"(SELECT 1 FROM {UNITS} u WHERE u.unit_code = {column} AND u.valid_from <= {month_end} "
                f"AND u.valid_to >= {month_end})",
                (column,),
                value=f"{column} || ' in ' || strftime({month}, '%Y-%m')",
            )
        )
    return rules
