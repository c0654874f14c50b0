"""Custom Great Expectations for Swedish extract contracts.

GX has no notion of a personnummer; registering a column-map expectation keeps the rule inside the
GX suite (and so in its results and Data Docs) instead of in ad-hoc Python beside it.
"""

from __future__ import annotations

from typing import ClassVar

import pandas as pd
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import ColumnMapExpectation
from great_expectations.expectations.metrics.map_metric_provider import (
    ColumnMapMetricProvider,
    column_condition_partial,
)

from ingest.personnummer import PersonnummerError, normalise


def _is_valid_personnummer(value: object) -> bool:
    try:
        normalise(str(value))
    except PersonnummerError:
        return False
    return True


class ColumnValuesValidPersonnummer(ColumnMapMetricProvider):
    condition_metric_name = "column_values.valid_personnummer"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, **kwargs: object) -> pd.Series:
        return column.map(_is_valid_personnummer)


class ExpectColumnValuesToBeValidPersonnummer(ColumnMapExpectation):
    """Every value is a 12-digit personnummer with a valid birth date and Luhn check digit."""

    map_metric = "column_values.valid_personnummer"
    success_keys: ClassVar[tuple[str, ...]] = ("mostly",)
