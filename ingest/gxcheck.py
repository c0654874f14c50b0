"""Great Expectations on what DuckDB computed from a delivered file: once per file, one context per process.

DuckDB checks every row (:mod:`ingest.extract`); GX then validates the file's profile before
anything of it is loaded: the number of rows breaking each contract rule, and per period the rows
and the sum of the file's measure (amounts, hours, boardings). The suite is the same for every
source: every rule has zero breaking rows, every period has rows and a sum that fits the warehouse's
``DECIMAL(18, 2)``, and (where the delivery names its period) every period lies inside it.

GX 1.24 cannot validate DuckDB through SQLAlchemy, so the profile goes to GX as a small pandas frame.
Importing GX takes seconds: :func:`prefetch` starts the import on a thread when an ingest begins, so
it overlaps with DuckDB reading the first file (DuckDB releases the GIL while it works).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)

#: The largest absolute sum per period the warehouse stores (``DECIMAL(18, 2)`` in staging).
MAX_PERIOD_SUM = 10**16

_lock = threading.Lock()
_thread: threading.Thread | None = None
_import_error: BaseException | None = None


@dataclass
class GxTiming:
    """Wall time spent on GX in this process: waiting for its import, and validating."""

    import_wait_s: float = 0.0
    validate_s: float = 0.0
    files: int = 0

    @property
    def total_s(self) -> float:
        return self.import_wait_s + self.validate_s


TIMING = GxTiming()


def _import() -> None:
    global _import_error
    try:
        import great_expectations  # noqa: F401

        from regionkpi import gx as runner

        runner.shared_context()
    except BaseException as error:  # re-raised where GX is needed
        _import_error = error


def prefetch() -> None:
    """Start importing GX on a background thread (idempotent)."""
    global _thread
    with _lock:
        if _thread is None:
            _thread = threading.Thread(target=_import, name="gx-import", daemon=True)
            _thread.start()


def _ready() -> None:
    prefetch()
    started = time.perf_counter()
    assert _thread is not None
    _thread.join()
    TIMING.import_wait_s += time.perf_counter() - started
    if _import_error is not None:
        raise _import_error


@dataclass(frozen=True)
class PeriodProfile:
    period: str  # 'YYYY-MM'
    rows: int
    total: float | None


def validate_profile(
    source: str,
    rule_counts: dict[str, int],
    periods: Sequence[PeriodProfile],
    *,
    allowed_periods: Iterable[str] | None = None,
) -> list[str]:
    """Validate one file's profile with the source's GX suite; the failed expectations, described."""
    _ready()
    started = time.perf_counter()
    import great_expectations.expectations as gxe
    import pandas as pd

    from regionkpi.gx import run_suite, shared_context

    frame = pd.DataFrame(
        {
            "check": ["rule"] * len(rule_counts) + ["period"] * len(periods),
            "name": [*rule_counts, *(p.period for p in periods)],
            "violations": pd.array([*rule_counts.values(), *([None] * len(periods))], dtype="Int64"),
            "rows": pd.array([*([None] * len(rule_counts)), *(p.rows for p in periods)], dtype="Int64"),
            "total": pd.array([*([None] * len(rule_counts)), *(p.total for p in periods)], dtype="Float64"),
            "period": [*([None] * len(rule_counts)), *(p.period for p in periods)],
        }
    )
    expectations = [
        gxe.ExpectColumnValuesToBeBetween(
            column="violations", max_value=0, meta={"rule": "every contract rule holds on every row"}
        ),
        gxe.ExpectColumnValuesToBeBetween(column="rows", min_value=1, meta={"rule": "every period has rows"}),
        gxe.ExpectColumnValuesToBeBetween(
            column="total",
            min_value=-MAX_PERIOD_SUM,
            max_value=MAX_PERIOD_SUM,
            meta={"rule": f"the sum per period fits the warehouse (below {MAX_PERIOD_SUM:.0e} in absolute value)"},
        ),
        gxe.ExpectColumnValuesToBeUnique(column="period", meta={"rule": "one profile row per period"}),
    ]
    if allowed_periods is not None:
        expectations.append(
            gxe.ExpectColumnValuesToBeInSet(
                column="period",
                value_set=sorted(allowed_periods),
                meta={"rule": "every period lies inside the delivery's period"},
            )
        )
    outcome = run_suite(
        frame,
        f"extract_{source}",
        expectations,
        index_columns=["check", "name"],
        context=shared_context(),
        max_rows=20,
    )
    TIMING.validate_s += time.perf_counter() - started
    TIMING.files += 1
    return [failure.describe() for failure in outcome.failures]
