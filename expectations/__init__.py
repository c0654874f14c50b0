"""Great Expectations suites and the validation gate in front of publishing.

``validate_marts`` is the gate's one entry point (Airflow task and CLI both call it);
``regionkpi.gx`` is the small shared helper that runs any suite on a pandas DataFrame.
Importing this package does not import Great Expectations (slow); running a suite does.
"""

from expectations.gate import (
    GateError,
    GateFailed,
    GateResult,
    load_gate_result,
    validate_marts,
)
from regionkpi.gx import ExpectationFailure, SuiteRun, make_context, run_suite

__all__ = [
    "ExpectationFailure",
    "GateError",
    "GateFailed",
    "GateResult",
    "SuiteRun",
    "load_gate_result",
    "make_context",
    "run_suite",
    "validate_marts",
]
