"""The sample landing area: deterministic extract files for every domain, for demos and tests.

- HR (organisation and payroll sick leave): :mod:`ingest.hr.sample`.
- Finance (ledger as CSV and SIE 4, budget, forecast, investments): :mod:`ingest.finance.sample`.
- Public transport (GTFS, boardings, service trips, production, population): :mod:`ingest.ridership.sample`.
- Goal follow-up (targets, goal structure, reported values): :mod:`ingest.goals.sample`.

Each module says what its files contain and which published figures they reproduce.
"""

from __future__ import annotations

from pathlib import Path

from ingest.finance.sample import write_finance_sample
from ingest.goals.sample import write_goals_sample
from ingest.hr.sample import write_hr_sample
from ingest.ridership.sample import write_ridership_sample


def write_sample(landing_dir: Path) -> list[Path]:
    """Write every domain's sample extracts under ``landing_dir``; returns the paths in delivery order."""
    landing_dir = Path(landing_dir)
    paths = [
        *write_hr_sample(landing_dir),
        *write_finance_sample(landing_dir),
        *write_ridership_sample(landing_dir),
        *write_goals_sample(landing_dir),
    ]
    return sorted(paths, key=lambda path: (path.stat().st_mtime_ns, path.name))
