"""Light start-up: what a command or an Airflow task imports before it works pulls in no heavy library.

GX (seconds to import), pandas, Cosmos and dbt are imported inside the functions that use them. The
seconds themselves are measured by ``make bench`` (start-up section), not here: the machine is shared.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("great_expectations", "pandas", "cosmos", "dbt", "pyarrow", "jinja2", "sqlalchemy")


def _imported_after(statement: str) -> set[str]:
    probe = f"{statement}\nimport json, sys\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(json.loads(completed.stdout.splitlines()[-1]))


@pytest.mark.parametrize(
    "statement",
    [
        "import regionkpi.jobs.cli",
        "import regionkpi.jobs.pipeline, ingest.landing, ingest.sources, ingest.ledger",
        "from regionkpi.jobs.cli import parser; parser()",
    ],
)
def test_entry_points_import_no_heavy_library(statement):
    heavy = sorted(_imported_after(statement) & set(HEAVY))
    assert heavy == [], f"`{statement}` imports {heavy} before doing any work"


def test_the_probe_sees_a_heavy_import():
    assert "pandas" in _imported_after("import pandas")
