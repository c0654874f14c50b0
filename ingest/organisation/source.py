"""The organisation extract: the region's unit tree with validity intervals (slowly changing).

Each delivery is the region's complete history; staging keeps the latest delivery per region.
"""

from __future__ import annotations

from ingest.extract import Field, FileRule, Rule, Staged, Unique, required, sql_string
from ingest.sources import CsvSource, Delivered, Plan, RawColumn, in_values

LEVELS = {
    "region": "region",
    "nämnd/styrelse": "board",
    "förvaltning": "administration",
    "område/avdelning": "department",
    "enhet": "unit",
}

FIELDS = [
    Field("Enhetskod", "unit_code"),
    Field("Enhetsnamn", "unit_name"),
    Field("Överordnad enhet", "parent_unit_code", required=False),
    Field("Nivå", "level_text"),
    Field("Giltig från", "valid_from", "date"),
    Field("Giltig till", "valid_to", "date", required=False),
]

_LEVEL = "lower(level_text)"
#: The end of a version's validity; an open version runs to the end of time.
_END = "coalesce(valid_to, DATE '9999-12-31')"


#: Rows from which the parent links, followed among the versions valid on the row's valid-from date,
#: come back to a unit already passed (a tree has no cycle; a unit is not its own parent).
CYCLES_SQL = """
CREATE OR REPLACE TEMP TABLE _org_cycles AS
WITH RECURSIVE walk (line_no, parent, as_of, depth, path) AS (
    SELECT line_no, parent_unit_code, valid_from, 0, [unit_code]
    FROM rows
    WHERE unit_code IS NOT NULL AND parent_unit_code IS NOT NULL AND valid_from IS NOT NULL
    UNION ALL
    SELECT walk.line_no, up.parent_unit_code, walk.as_of, walk.depth + 1, list_append(walk.path, up.unit_code)
    FROM walk
    JOIN rows AS up
        ON up.unit_code = walk.parent
        AND up.valid_from <= walk.as_of
        AND coalesce(up.valid_to, DATE '9999-12-31') >= walk.as_of
    WHERE NOT list_contains(walk.path, walk.parent) AND walk.depth < 10000
)
SELECT line_no, min(array_to_string(list_append(path, parent), ' -> ')) AS path
FROM walk
WHERE list_contains(path, parent)
GROUP BY line_no
"""


class OrganisationSource(CsvSource):
    name = "organisation"
    depends_on: tuple[str, ...] = ()
    contract_doc = "docs/extracts/organisation.md"
    schema = (
        RawColumn("unit_code", "VARCHAR", nullable=False),
        RawColumn("unit_name", "VARCHAR", nullable=False),
        RawColumn("parent_unit_code", "VARCHAR"),
        RawColumn("organisation_level", "VARCHAR", nullable=False),
        RawColumn("valid_from", "DATE", nullable=False),
        RawColumn("valid_to", "DATE"),
    )
    fields = FIELDS
    value_in_rule = True
    skip_empty_rows = True

    def plan(self, delivered: Delivered, staged: Staged) -> Plan:
        level_header = staged.header("level_text", "Nivå")
        overlapping = _overlaps(delivered)
        return Plan(
            setup=[(CYCLES_SQL, [])],
            derived={
                "level_key": _LEVEL,
                "previous_end": f"lag({_END}) OVER (PARTITION BY unit_code ORDER BY valid_from, line_no)",
            },
            rules=[
                *required(("unit_code", "unit_name", "level_text", "valid_from")),
                Rule(
                    "level must be Region, Nämnd/styrelse, Förvaltning, Område/avdelning or Enhet",
                    f"level_key IS NOT NULL AND NOT {in_values('level_key', list(LEVELS))}",
                    header=level_header,
                    value="level_key",
                ),
                Rule(
                    "parent unit is required: Överordnad enhet is empty only for the unit of level Region",
                    "parent_unit_code IS NULL AND level_key IS NOT NULL AND level_key <> 'region' "
                    f"AND {in_values('level_key', list(LEVELS))}",
                    ("parent_unit_code",),
                    value="'(empty) for unit ' || unit_code",
                ),
                Rule(
                    "parent unit must be a unit code of this file",
                    "parent_unit_code IS NOT NULL AND parent_unit_code NOT IN "
                    "(SELECT unit_code FROM rows WHERE unit_code IS NOT NULL)",
                    ("parent_unit_code",),
                ),
                Rule(
                    "parent links form a cycle: following Överordnad enhet from this unit comes back to it",
                    "line_no IN (SELECT line_no FROM _org_cycles)",
                    ("parent_unit_code",),
                    value="(SELECT path FROM _org_cycles WHERE _org_cycles.line_no = checked.line_no)",
                ),
                Rule(
                    "valid to must not be before valid from",
                    "valid_to < valid_from",
                    ("valid_to", "valid_from"),
                ),
                Unique(
                    "a unit appears twice with the same valid-from date",
                    ("unit_code", "valid_from"),
                    ("unit_code", "valid_from"),
                    later=False,
                ),
                FileRule(
                    "SELECT CASE WHEN count(DISTINCT unit_code) <> 1 THEN 'exactly one unit of level Region is "
                    "required, found ' || count(DISTINCT unit_code) END FROM rows WHERE lower(level_text) = 'region'",
                    header=level_header,
                ),
                *[
                    Rule(
                        f"validity of unit {code} overlaps its previous row",
                        f"unit_code = {sql_string(code)} AND valid_from <= previous_end",
                        ("valid_from",),
                    )
                    for code in overlapping
                ],
            ],
            raw={
                "organisation_level": "CASE level_key "
                + " ".join(f"WHEN {sql_string(k)} THEN {sql_string(v)}" for k, v in LEVELS.items())
                + " END"
            },
        )


def _overlaps(delivered: Delivered) -> list[str]:
    """Units with a version that starts before the previous version (by valid-from) has ended."""
    rows = delivered.connection.execute(
        f"SELECT DISTINCT unit_code FROM (SELECT unit_code, valid_from, lag({_END}) OVER "  # noqa: S608 - code-owned SQL; file values are bound parameters
        "(PARTITION BY unit_code ORDER BY valid_from, line_no) AS previous_end FROM rows "
        "WHERE unit_code IS NOT NULL AND valid_from IS NOT NULL) WHERE valid_from <= previous_end ORDER BY 1"
    ).fetchall()
    return [code for (code,) in rows]
