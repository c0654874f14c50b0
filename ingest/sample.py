"""The sample landing area: deterministic extract files for every domain, for demos and tests.

Only the HR domain (organisation and payroll sick leave) exists so far; the other domains add their
writers here. See :mod:`ingest.hr.sample` for what the HR files contain and which published figures
they reproduce.
"""

from __future__ import annotations

from pathlib import Path

from ingest.hr.sample import write_hr_sample


def write_sample(landing_dir: Path) -> list[Path]:
    """Write every domain's sample extracts under ``landing_dir``; returns the paths in delivery order."""
    return write_hr_sample(Path(landing_dir))
