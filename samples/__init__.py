"""The sample landing area: deterministic extract files for every domain, for demos and tests.

- HR (organisation and payroll sick leave): :mod:`samples.hr.extracts`.
- Finance (ledger as CSV and SIE 4, budget, forecast, investments): :mod:`samples.finance.extracts`.
- Public transport (GTFS, boardings, service trips, production, population): :mod:`samples.ridership.extracts`.
- Goal follow-up (targets, goal structure, reported values): :mod:`samples.goals.extracts`.

Each module says what its files contain and which published figures they reproduce. Their literal
tables (organisation trees, account plans, profiles, calibration targets, lines and stops, goal
structures, ...) are CSV files in ``samples/<domain>/tables/``, read as typed rows by
:func:`samples.tables.table`; :class:`samples.figures.FigureRef` says where a printed figure lives.
"""

from __future__ import annotations

from pathlib import Path

from samples.finance.extracts import write_finance_sample
from samples.goals.extracts import write_goals_sample
from samples.hr.extracts import write_hr_sample
from samples.ridership.extracts import write_ridership_sample


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
