"""What extracts are checked against: the region's organisation, and the rules people own as dbt seeds.

Every extract that names a unit (ansvar, kostnadsställe, enhet) checks it against the region's
latest accepted organisation delivery, read by DuckDB straight from the raw layer into a table the
rules join (:func:`units_table`). Seeds (ticket products, report lines, traffic areas, the indicator
catalogue) are read from ``dbt_project/seeds/`` at run time, so a changed seed needs no code change.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.extract import Rule

if TYPE_CHECKING:
    from regionkpi.settings import Settings

#: The table :func:`units_table` creates: ``unit_code``, ``valid_from``, ``valid_to`` (9999-12-31 = open).
UNITS = "ref_units"
NO_ORGANISATION_RULE = (
    "the region's organisation extract has not been delivered yet: deliver it first, then this file again"
)


def delivery_files(settings: Settings, source: str, region_id: str) -> list[Path]:
    """The raw files of the region's loaded deliveries of ``source``, oldest first (by sequence number;
    the schema file and temporaries are not deliveries)."""
    folder = settings.raw_dir / source / region_id
    files = [f for f in folder.glob("*.parquet") if f.name[:1].isdigit()] if folder.is_dir() else []
    return sorted(files, key=lambda f: int(f.name.split("_", 1)[0]))


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


@cache
def _seed_rows(path: Path) -> tuple[dict[str, str], ...]:
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple(csv.DictReader(handle))


def seed_rows(settings: Settings, seed: str, region_id: str | None = None) -> list[dict[str, str]]:
    """Rows of ``seeds/<seed>.csv``; with ``region_id``, the region's own rows and the default (``*``) rows."""
    rows = _seed_rows(settings.dbt_project_dir / "seeds" / f"{seed}.csv")
    if region_id is None:
        return list(rows)
    return [row for row in rows if row["region_id"] in (region_id, "*")]
