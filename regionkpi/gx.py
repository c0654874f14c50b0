"""Run a Great Expectations suite on a pandas DataFrame and return a result people can read.

Shared by the mart gate (``expectations.gate``) and the extract contracts in ingest: both hold their
data as a DataFrame and want the same three things from GX: did it pass, which rules failed, and which
rows broke them (by their business key, not by a pandas index nobody can look up).

Why pandas batches: GX 1.24 cannot validate DuckDB through SQLAlchemy (every expectation errors with
"list index out of range"), so tables are read with the duckdb Python API and validated in memory.

Why ``ValidationDefinition.run`` and not a ``Checkpoint``: a checkpoint runs all its validation
definitions on the same batch parameters (one DataFrame), while callers validate several different
frames in one run; and the checkpoint's Data Docs action re-renders on every call. Results are stored
by ``ValidationDefinition.run`` itself; callers render Data Docs once at the end with
:func:`build_data_docs`.

Great Expectations is imported inside the functions: importing it takes seconds, and Airflow DAG
files and the CLI import this package without always needing it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context import AbstractDataContext
    from great_expectations.expectations import Expectation

#: One pandas data source holds every frame asset; one asset per kind of frame keeps Data Docs legible.
DATA_SOURCE_NAME = "regionkpi_frames"
BATCH_DEFINITION_NAME = "whole_frame"

_TELEMETRY_OFF = {"GX_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}


@dataclass(frozen=True)
class ExpectationFailure:
    """One expectation that did not hold, described for a person reading a log or an error message."""

    suite: str
    expectation_type: str
    column: str | None
    rule: str
    rule_id: str | None = None
    unexpected_count: int | None = None
    element_count: int | None = None
    observed_value: Any = None
    unexpected_rows: list[dict[str, Any]] = field(default_factory=list)
    exception: str | None = None

    def describe(self, max_rows: int = 5) -> str:
        """A few lines: the rule, how many rows broke it, and the first offending rows by their keys."""
        name = f"[{self.suite}] {self.rule_id or self.expectation_type}"
        column = f" (column {self.column})" if self.column else ""
        lines = [f"{name}{column}: {self.rule}"]
        if self.exception:
            lines.append(f"    error while checking: {self.exception}")
        if self.unexpected_count is not None:
            total = f" of {self.element_count}" if self.element_count is not None else ""
            lines.append(f"    {self.unexpected_count}{total} rows break it")
        elif self.observed_value is not None:
            lines.append(f"    observed: {self.observed_value}")
        for row in self.unexpected_rows[:max_rows]:
            lines.append("    - " + ", ".join(f"{key}={value}" for key, value in row.items()))
        if len(self.unexpected_rows) > max_rows:
            lines.append("    ... and more (see Data Docs)")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExpectationFailure:
        return cls(**data)


@dataclass(frozen=True)
class SuiteRun:
    """The outcome of one suite on one DataFrame."""

    suite: str
    success: bool
    rows: int
    evaluated_expectations: int
    successful_expectations: int
    unsuccessful_expectations: int
    failures: list[ExpectationFailure]
    #: GX's key for the stored result (a ValidationResultIdentifier); lets callers render Data Docs
    #: for just this run's pages.
    result_identifier: Any = None

    @property
    def statistics(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "evaluated_expectations": self.evaluated_expectations,
            "successful_expectations": self.successful_expectations,
            "unsuccessful_expectations": self.unsuccessful_expectations,
            "success": self.success,
        }

    def describe(self, max_rows: int = 5) -> str:
        head = (
            f"suite {self.suite}: {'passed' if self.success else 'FAILED'} "
            f"({self.successful_expectations}/{self.evaluated_expectations} expectations, {self.rows} rows)"
        )
        return "\n".join([head, *(failure.describe(max_rows) for failure in self.failures)])


def _telemetry_off() -> None:
    for key, value in _TELEMETRY_OFF.items():
        os.environ.setdefault(key, value)


def make_context(gx_dir: Path | None = None) -> AbstractDataContext:
    """A GX context: a File context rooted at ``gx_dir`` (results and Data Docs kept there), or an
    ephemeral in-memory one when ``gx_dir`` is None (extract contracts, tests). Progress bars are off:
    they only clutter Airflow task logs."""
    _telemetry_off()
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    # GX logs every ephemeral context's temporary docs folder at INFO; that says nothing to a reader.
    logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.WARNING)
    if gx_dir is None:
        context = gx.get_context(mode="ephemeral")
    else:
        Path(gx_dir).mkdir(parents=True, exist_ok=True)
        context = gx.get_context(mode="file", context_root_dir=str(gx_dir))
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


_SHARED: list[AbstractDataContext] = []


def shared_context() -> AbstractDataContext:
    """The process's one ephemeral context for extract checks: created once, reused for every file
    (a context costs tens of milliseconds and registers its data source each time it is made)."""
    if not _SHARED:
        _SHARED.append(make_context())
    return _SHARED[0]


def run_identifier(run_name: str | None = None, run_time: dt.datetime | None = None) -> RunIdentifier:
    """A GX run identifier; give every suite of one pipeline run the same one so Data Docs group them."""
    _telemetry_off()
    from great_expectations.core.run_identifier import RunIdentifier

    return RunIdentifier(run_name=run_name, run_time=run_time or dt.datetime.now(dt.UTC))


def _batch_definition(context: AbstractDataContext, asset_name: str) -> Any:
    """Get or create data source → DataFrame asset → whole-frame batch definition (idempotent, so a
    File context can be reused across runs)."""
    try:
        source = context.data_sources.get(DATA_SOURCE_NAME)
    except (KeyError, ValueError, LookupError):
        source = context.data_sources.add_pandas(DATA_SOURCE_NAME)
    try:
        asset = source.get_asset(asset_name)
    except LookupError:
        asset = source.add_dataframe_asset(asset_name)
    try:
        return asset.get_batch_definition(BATCH_DEFINITION_NAME)
    except (KeyError, LookupError):
        return asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION_NAME)


def run_suite(
    df: pd.DataFrame,
    suite_name: str,
    expectations: Iterable[Expectation],
    *,
    index_columns: Sequence[str] = (),
    context: AbstractDataContext | None = None,
    asset_name: str | None = None,
    run_id: RunIdentifier | str | None = None,
    max_rows: int = 20,
) -> SuiteRun:
    """Validate ``df`` against a suite made of ``expectations`` and describe the outcome.

    ``index_columns`` name the columns that identify a row for people (the table's business key); every
    offending row is reported by them (GX ``unexpected_index_column_names``). ``meta["rule"]`` (or
    ``meta["notes"]``) of each expectation is its human description and ``meta["rule_id"]`` a stable
    name for it. The suite is stored (add or update) in the context under ``suite_name``, so the
    definitions in code stay the source of truth. Up to ``max_rows`` offending rows are kept per rule.
    """
    _telemetry_off()
    import great_expectations as gx

    missing = [column for column in index_columns if column not in df.columns]
    if missing:
        raise ValueError(f"index columns {missing} are not columns of the frame for suite {suite_name}")
    context = context or make_context()
    if isinstance(run_id, str) or run_id is None:
        run_id = run_identifier(run_id)

    copies = []
    for expectation in expectations:
        # A copy: GX binds an expectation to the suite it is added to, and callers may reuse theirs.
        copy = expectation.copy(deep=True)
        copy.id = None
        copies.append(copy)
    # Given to the constructor, not add_expectation(): that writes the stored suite once per expectation.
    suite = context.suites.add_or_update(gx.ExpectationSuite(name=suite_name, expectations=copies))
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=suite_name, data=_batch_definition(context, asset_name or suite_name), suite=suite)
    )
    result_format: dict[str, Any] = {
        "result_format": "SUMMARY",
        "partial_unexpected_count": max_rows,
        "return_unexpected_index_query": False,
    }
    if index_columns:
        result_format["unexpected_index_column_names"] = list(index_columns)
    result = definition.run(batch_parameters={"dataframe": df}, result_format=result_format, run_id=run_id)

    failures = [_failure(suite_name, item.to_json_dict(), max_rows) for item in result.results if not item.success]
    statistics = result.statistics
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    identifier = ValidationResultIdentifier(
        expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite_name),
        run_id=run_id,
        batch_identifier=result.batch_id,
    )
    return SuiteRun(
        suite=suite_name,
        success=bool(result.success),
        rows=len(df),
        evaluated_expectations=int(statistics.get("evaluated_expectations", 0)),
        successful_expectations=int(statistics.get("successful_expectations", 0)),
        unsuccessful_expectations=int(statistics.get("unsuccessful_expectations", 0)),
        failures=failures,
        result_identifier=identifier,
    )


def build_data_docs(context: AbstractDataContext, runs: Sequence[SuiteRun] = ()) -> Path | None:
    """Render Data Docs (only the given runs' pages, plus the index) and return the local index.html,
    or None when the context has no local site (ephemeral contexts)."""
    identifiers = [run.result_identifier for run in runs if run.result_identifier is not None]
    urls = context.build_data_docs(resource_identifiers=identifiers or None)
    for url in urls.values():
        if url.startswith("file://"):
            return Path(url.removeprefix("file://"))
    return None


def _column_of(kwargs: dict[str, Any]) -> str | None:
    if kwargs.get("column"):
        return str(kwargs["column"])
    if kwargs.get("column_A"):
        return f"{kwargs['column_A']}, {kwargs['column_B']}"
    if kwargs.get("column_list"):
        return ", ".join(map(str, kwargs["column_list"]))
    return None


def _clean(value: Any) -> Any:
    """JSON-safe and readable: NaN becomes None, numpy scalars become Python ones."""
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        with contextlib.suppress(AttributeError, ValueError):
            value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _failure(suite_name: str, item: dict[str, Any], max_rows: int) -> ExpectationFailure:
    config = item.get("expectation_config") or {}
    kwargs = config.get("kwargs") or {}
    meta = config.get("meta") or {}
    result = item.get("result") or {}
    exception_info = item.get("exception_info") or {}
    notes = config.get("notes") or meta.get("notes")
    if isinstance(notes, list):
        notes = " ".join(map(str, notes))
    rule = meta.get("rule") or notes or config.get("description") or config.get("type", "?")
    rows = result.get("partial_unexpected_index_list") or result.get("unexpected_index_list") or []
    if not rows and result.get("partial_unexpected_list"):
        # No index columns were given: show the offending values themselves.
        rows = [{"value": value} for value in result["partial_unexpected_list"]]
    exception = None
    if exception_info.get("raised_exception"):
        exception = exception_info.get("exception_message") or "unknown error"
    return ExpectationFailure(
        suite=suite_name,
        expectation_type=str(config.get("type", "?")),
        column=_column_of(kwargs),
        rule=str(rule),
        rule_id=meta.get("rule_id"),
        unexpected_count=result.get("unexpected_count"),
        element_count=result.get("element_count"),
        observed_value=_clean(result.get("observed_value")),
        unexpected_rows=[{str(key): _clean(value) for key, value in row.items()} for row in rows[:max_rows]],
        exception=exception,
    )
