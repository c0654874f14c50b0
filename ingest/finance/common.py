"""What the finance extracts share: code parts, the account rule, report lines, and the unit rules.

Every finance extract names a responsibility (``Ansvar``), which must be a unit of the region's
latest organisation delivery and valid in the row's month (:func:`ingest.organisation.units.unit_rules`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingest.extract import Field, Rule
from ingest.reference import seed_rows

if TYPE_CHECKING:
    from regionkpi.settings import Settings

CODE_PARTS = ("verksamhet", "aktivitet", "projekt")
CODE_FIELDS = [
    Field("Verksamhet", "verksamhet", required=False),
    Field("Aktivitet", "aktivitet", required=False),
    Field("Projekt", "projekt", required=False),
]
ACCOUNT_PATTERN = "[1-8][0-9]{3,5}"
ACCOUNT_RULE = Rule(
    "Konto must be a Region-Bas account of 4-6 digits in classes 1-8",
    f"konto IS NOT NULL AND NOT regexp_full_match(konto, '{ACCOUNT_PATTERN}')",
    ("konto",),
)
#: Accounts of the income statement (classes 3-8), which must carry an Ansvar.
RESULT_ACCOUNT = "left(konto, 1) IN ('3', '4', '5', '6', '7', '8')"


def report_line_ids(settings: Settings, region_id: str) -> list[str]:
    """Report lines a budget or forecast row may name: the region's own and the default (`*`) set."""
    return sorted({row["report_line_id"] for row in seed_rows(settings, "report_lines", region_id)})
