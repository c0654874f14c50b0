"""The goal extracts: targets (målvärden), goal structure (målstruktur) and reported values.

A region's balanced scorecard (styrkort) is owned by the region, not by a source system: it says which
unit reports which indicator under which goal, what the target is, and, for indicators no extract
computes (NKI, Lyhördhet, Öppna jämförelser, counts reported by units), the value itself. Each arrives
as a small ``;``-separated extract. Every row names a unit of the region's organisation extract (any
version: a target or a goal belongs to the unit, not to one of its validity intervals) and an
indicator of ``seeds/indicators.csv``, read at run time so a new indicator needs no code change.
Rules are checked per chunk with GX; derived columns hold the offending value only where a rule is
broken, and :class:`~ingest.ridership.common.FirstSeen` finds a repeated key across chunks.
See docs/extracts/goal_targets.md, goal_structure.md and goal_reported_values.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import great_expectations.expectations as gxe
import pandas as pd
import pyarrow as pa

from ingest.chunked import Field
from ingest.finance.common import checked_stream, month_codes
from ingest.hr.organisation import unit_intervals
from ingest.ridership.common import ChunkedExtract, FirstSeen, not_negative, null_unless_broken, required, seed_rows
from ingest.sources import StreamState
from regionkpi.settings import Settings

FIRST_YEAR, LAST_YEAR = 2000, 2100
#: The domain of indicators no extract computes: only they may be reported as values.
REPORTED_DOMAIN = "goals"

#: Jämförelse as delivered (lower case, single spaces) -> the comparison id dbt evaluates.
COMPARISONS = {
    "högst": "at_most",
    "at most": "at_most",
    "minst": "at_least",
    "at least": "at_least",
    "lägre än": "lower_than",
    "lower than": "lower_than",
    "högre än": "higher_than",
    "higher than": "higher_than",
    "ökning med %": "increase_by_pct",
    "öka med %": "increase_by_pct",
    "increase by %": "increase_by_pct",
    "lika med": "equal_to",
    "equal to": "equal_to",
}
#: Fönster as delivered -> the window id (a tertial report is year-to-date at the tertial's end).
WINDOWS = {
    "år": "year",
    "year": "year",
    "ack": "ytd",
    "ytd": "ytd",
    "tertial": "ytd",
    "månad": "month",
    "month": "month",
}
#: T = totalt, K = kvinnor, M = män (SCB's codes).
GENDERS = ("T", "K", "M")

_UNIT_RULE = "Enhet is not a unit of the region's organisation extract"
_NO_ORGANISATION_RULE = (
    "the region's organisation extract has not been delivered yet: deliver it first, then this file again"
)
_INDICATOR_RULE = "Mätetal must be an indicator_id of seeds/indicators.csv"


def indicator_domains(settings: Settings) -> dict[str, str]:
    """``{indicator_id: domain}`` from ``seeds/indicators.csv`` (read at run time, never hard-coded)."""
    return {row["indicator_id"]: row["domain"] for row in seed_rows(settings, "indicators")}


def known_units(settings: Settings, region_id: str) -> set[str] | None:
    """Unit codes of the region's latest organisation delivery, any version (None when none yet)."""
    units = unit_intervals(settings, region_id)
    return None if units is None else set(units["unit_code"])


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    """A text column as Python objects (missing = None); an optional column absent from the header is all None."""
    if column not in frame:
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    return frame[column].astype(object).where(frame[column].notna(), None)


def _add_code_checks(frame: pd.DataFrame, units: set[str] | None, indicators: dict[str, str]) -> None:
    """Derived ``unit_unknown`` and ``indicator_unknown``: the code where it is not known, else null.

    Without an organisation extract every unit is unknown (the rule then says to deliver it first).
    """
    unit = _text(frame, "unit_code")
    is_known = unit.isin(units) if units is not None else pd.Series(False, index=frame.index)
    frame["unit_unknown"] = unit.where(unit.notna() & ~is_known.astype(bool))
    indicator = _text(frame, "indicator_id")
    frame["indicator_unknown"] = indicator.where(indicator.notna() & ~indicator.isin(set(indicators)))


def _code_expectations(units_known: bool) -> list[Any]:
    return [
        null_unless_broken("unit_unknown", _UNIT_RULE if units_known else _NO_ORGANISATION_RULE),
        null_unless_broken("indicator_unknown", _INDICATOR_RULE),
    ]


def _year_rule(column: str, header: str) -> Any:
    return gxe.ExpectColumnValuesToBeBetween(
        column=column,
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        meta={"rule": f"{header} must be a year {FIRST_YEAR}-{LAST_YEAR}"},
    )


def _normalised(text: pd.Series, choices: dict[str, str]) -> tuple[pd.Series, pd.Series]:
    """(the id each text maps to, the text where it maps to none); case and inner spaces ignored."""
    key = text.map(lambda value: re.sub(r"\s+", " ", value).strip().lower() if isinstance(value, str) else None)
    ids = key.map(choices).astype(object)
    ids = ids.where(ids.notna(), None)
    return ids, text.where(text.notna() & ids.isna())


def _key(*parts: pd.Series) -> pd.Series:
    """Parts joined by a space; null where any part is missing (a missing value has its own rule)."""
    joined = parts[0].astype(object)
    missing = parts[0].isna()
    for part in parts[1:]:
        joined = joined + " " + part.astype(object)
        missing |= part.isna()
    return joined.where(~missing.astype(bool))


def _year_codes(years: pd.Series) -> set[str]:
    return {f"{int(year):04d}-12" for year in years.dropna().unique()}


def _months_text(months: pd.Series) -> pd.Series:
    return pd.to_datetime(months).dt.strftime("%Y-%m").astype(object)


# --------------------------------------------------------------------------------------------------
# Targets (målvärden)
# --------------------------------------------------------------------------------------------------

TARGET_FIELDS = [
    Field("Enhet", "unit_code"),
    Field("Mätetal", "indicator_id"),
    Field("År", "target_year", "integer"),
    Field("Period", "period_month", "period", required=False),
    Field("Målvärde", "target_value", "number"),
    Field("Jämförelse", "comparison_text"),
    Field("Tolerans", "tolerance", "number", required=False),
]


class GoalTargetSource(ChunkedExtract):
    """Målvärden: per unit, indicator and year (or part of a year), the target and how it is compared."""

    name = "goal_targets"
    depends_on: tuple[str, ...] = ("organisation",)
    contract_doc = "docs/extracts/goal_targets.md"
    schema = pa.schema(
        [
            pa.field("unit_code", pa.string(), nullable=False),
            pa.field("indicator_id", pa.string(), nullable=False),
            pa.field("target_year", pa.int32(), nullable=False),
            pa.field("period_month", pa.date32()),
            pa.field("target_value", pa.float64(), nullable=False),
            pa.field("comparison", pa.string(), nullable=False),
            pa.field("tolerance", pa.float64()),
        ]
    )

    def stream(
        self, path: Path, encoding: str, region_id: str, settings: Settings, state: StreamState
    ) -> Iterator[pd.DataFrame]:
        units = known_units(settings, region_id)
        indicators = indicator_domains(settings)
        keys = FirstSeen()

        def prepare(frame: pd.DataFrame) -> pd.DataFrame:
            for column, dtype in (("period_month", "datetime64[ns]"), ("tolerance", "float64")):
                if column not in frame:
                    frame[column] = pd.Series(None, index=frame.index, dtype=dtype)
            _add_code_checks(frame, units, indicators)
            frame["comparison"], frame["comparison_unknown"] = _normalised(_text(frame, "comparison_text"), COMPARISONS)
            year = frame["target_year"]
            month = _months_text(frame["period_month"])
            period_year = pd.to_datetime(frame["period_month"]).dt.year
            outside = frame["period_month"].notna() & year.notna() & (period_year != year)
            frame["period_outside_year"] = month.where(outside.fillna(False).astype(bool))
            period = month.where(frame["period_month"].notna(), "(whole year)")
            frame["target_repeated"] = keys.repeated(
                _key(_text(frame, "unit_code"), _text(frame, "indicator_id"), year.astype("string"), period),
                frame["line_no"],
            )
            return frame

        def expectations(frame: pd.DataFrame) -> list[Any]:
            return [
                *required(
                    {
                        "unit_code": "Enhet",
                        "indicator_id": "Mätetal",
                        "target_year": "År",
                        "target_value": "Målvärde",
                        "comparison_text": "Jämförelse",
                    }
                ),
                _year_rule("target_year", "År"),
                *not_negative({"tolerance": "Tolerans"}),
                *_code_expectations(units is not None),
                null_unless_broken(
                    "comparison_unknown",
                    "Jämförelse must be högst, minst, lägre än, högre än, ökning med % or lika med "
                    "(or at most, at least, lower than, higher than, increase by %, equal to)",
                ),
                null_unless_broken("period_outside_year", "Period must lie in År"),
                null_unless_broken("target_repeated", "an Enhet, Mätetal, År and Period appear twice in the delivery"),
            ]

        def to_raw(frame: pd.DataFrame) -> pd.DataFrame:
            return frame[self.schema.names]

        def periods(frame: pd.DataFrame) -> set[str]:
            whole_year = frame["period_month"].isna()
            return _year_codes(frame.loc[whole_year, "target_year"]) | month_codes(frame["period_month"])

        return checked_stream(
            path,
            encoding,
            TARGET_FIELDS,
            suite_name=f"contract_{self.name}",
            state=state,
            prepare=prepare,
            expectations=expectations,
            to_raw=to_raw,
            periods=periods,
            derived_headers={
                "unit_unknown": "Enhet",
                "indicator_unknown": "Mätetal",
                "comparison_unknown": "Jämförelse",
                "period_outside_year": "Period",
                "target_repeated": "Enhet, Mätetal, År, Period",
            },
            chunk_rows=self.chunk_rows,
        )


# --------------------------------------------------------------------------------------------------
# Goal structure (målstruktur)
# --------------------------------------------------------------------------------------------------

STRUCTURE_FIELDS = [
    Field("År", "structure_year", "integer"),
    Field("Perspektiv", "perspective", required=False),
    Field("Mål", "goal"),
    Field("Framgångsfaktor", "success_factor", required=False),
    Field("Mätetal", "indicator_id"),
    Field("Enhet", "unit_code"),
    Field("Ordning", "sort_order", "integer", required=False),
    Field("Kommentar", "comment", required=False),
]


class GoalStructureSource(ChunkedExtract):
    """Målstruktur: per year, which unit reports which indicator under which perspective and goal."""

    name = "goal_structure"
    depends_on: tuple[str, ...] = ("organisation",)
    contract_doc = "docs/extracts/goal_structure.md"
    schema = pa.schema(
        [
            pa.field("structure_year", pa.int32(), nullable=False),
            pa.field("perspective", pa.string()),
            pa.field("goal", pa.string(), nullable=False),
            pa.field("success_factor", pa.string()),
            pa.field("indicator_id", pa.string(), nullable=False),
            pa.field("unit_code", pa.string(), nullable=False),
            pa.field("sort_order", pa.int32()),
            pa.field("comment", pa.string()),
        ]
    )

    def stream(
        self, path: Path, encoding: str, region_id: str, settings: Settings, state: StreamState
    ) -> Iterator[pd.DataFrame]:
        units = known_units(settings, region_id)
        indicators = indicator_domains(settings)
        keys = FirstSeen()

        def prepare(frame: pd.DataFrame) -> pd.DataFrame:
            for column in ("perspective", "success_factor", "comment"):
                if column not in frame:
                    frame[column] = pd.Series(pd.NA, index=frame.index, dtype="string")
            if "sort_order" not in frame:
                frame["sort_order"] = pd.Series(pd.NA, index=frame.index, dtype="Int64")
            _add_code_checks(frame, units, indicators)
            frame["structure_repeated"] = keys.repeated(
                _key(
                    frame["structure_year"].astype("string"),
                    _text(frame, "unit_code"),
                    _text(frame, "indicator_id"),
                    _text(frame, "goal"),
                ),
                frame["line_no"],
            )
            return frame

        def expectations(frame: pd.DataFrame) -> list[Any]:
            return [
                *required({"structure_year": "År", "goal": "Mål", "indicator_id": "Mätetal", "unit_code": "Enhet"}),
                _year_rule("structure_year", "År"),
                *not_negative({"sort_order": "Ordning"}),
                *_code_expectations(units is not None),
                null_unless_broken("structure_repeated", "an År, Enhet, Mätetal and Mål appear twice in the delivery"),
            ]

        def to_raw(frame: pd.DataFrame) -> pd.DataFrame:
            return frame[self.schema.names]

        return checked_stream(
            path,
            encoding,
            STRUCTURE_FIELDS,
            suite_name=f"contract_{self.name}",
            state=state,
            prepare=prepare,
            expectations=expectations,
            to_raw=to_raw,
            periods=lambda frame: _year_codes(frame["structure_year"]),
            derived_headers={
                "unit_unknown": "Enhet",
                "indicator_unknown": "Mätetal",
                "structure_repeated": "År, Enhet, Mätetal, Mål",
            },
            chunk_rows=self.chunk_rows,
        )


# --------------------------------------------------------------------------------------------------
# Reported values (rapporterade värden)
# --------------------------------------------------------------------------------------------------

VALUE_FIELDS = [
    Field("Enhet", "unit_code"),
    Field("Mätetal", "indicator_id"),
    Field("Period", "period_month", "period"),
    Field("Fönster", "window_text", required=False),
    Field("Värde", "value", "number"),
    Field("Kön", "gender_text", required=False),
    Field("Kommentar", "comment", required=False),
]


class GoalReportedValueSource(ChunkedExtract):
    """Rapporterade värden: values of the ``goals`` indicators, which no other extract computes."""

    name = "goal_reported_values"
    depends_on: tuple[str, ...] = ("organisation",)
    contract_doc = "docs/extracts/goal_reported_values.md"
    schema = pa.schema(
        [
            pa.field("unit_code", pa.string(), nullable=False),
            pa.field("indicator_id", pa.string(), nullable=False),
            pa.field("period_month", pa.date32(), nullable=False),
            pa.field("window_name", pa.string(), nullable=False),
            pa.field("value", pa.float64(), nullable=False),
            pa.field("gender", pa.string(), nullable=False),
            pa.field("comment", pa.string()),
        ]
    )

    def stream(
        self, path: Path, encoding: str, region_id: str, settings: Settings, state: StreamState
    ) -> Iterator[pd.DataFrame]:
        units = known_units(settings, region_id)
        indicators = indicator_domains(settings)
        keys = FirstSeen()

        def prepare(frame: pd.DataFrame) -> pd.DataFrame:
            if "comment" not in frame:
                frame["comment"] = pd.Series(pd.NA, index=frame.index, dtype="string")
            _add_code_checks(frame, units, indicators)
            window_text = _text(frame, "window_text")
            window, frame["window_unknown"] = _normalised(window_text, WINDOWS)
            frame["window_name"] = window.where(window_text.notna(), "year")
            gender_text = _text(frame, "gender_text")
            gender = gender_text.str.strip().str.upper().where(gender_text.notna(), "T")
            frame["gender"] = gender
            frame["gender_unknown"] = gender_text.where(~gender.isin(GENDERS))
            month = _months_text(frame["period_month"])
            not_december = (frame["window_name"] == "year") & (pd.to_datetime(frame["period_month"]).dt.month != 12)
            frame["year_not_december"] = month.where(not_december.fillna(False).astype(bool) & month.notna())
            frame["value_repeated"] = keys.repeated(
                _key(_text(frame, "unit_code"), _text(frame, "indicator_id"), month, frame["window_name"], gender),
                frame["line_no"],
            )
            return frame

        def expectations(frame: pd.DataFrame) -> list[Any]:
            delivered = frame["indicator_id"].dropna().unique()
            computed = sorted(code for code in delivered if indicators.get(code, REPORTED_DOMAIN) != REPORTED_DOMAIN)
            return [
                *required(
                    {"unit_code": "Enhet", "indicator_id": "Mätetal", "period_month": "Period", "value": "Värde"}
                ),
                *_code_expectations(units is not None),
                # One rule per indicator of another domain in the chunk: the rule names the indicator and domain.
                *[
                    gxe.ExpectColumnValuesToNotBeInSet(
                        column="indicator_id",
                        value_set=[code],
                        meta={
                            "rule": f"Mätetal {code} is computed from the {indicators[code]} extracts: "
                            f"only indicators of domain {REPORTED_DOMAIN} are reported"
                        },
                    )
                    for code in computed
                ],
                null_unless_broken(
                    "window_unknown", "Fönster must be år, ack, månad or tertial (or year, ytd, month); empty = år"
                ),
                null_unless_broken(
                    "year_not_december", "Fönster år (a whole year) needs a Period in December, the year's end"
                ),
                null_unless_broken("gender_unknown", "Kön must be T (totalt), K (kvinnor) or M (män)"),
                null_unless_broken(
                    "value_repeated", "an Enhet, Mätetal, Period, Fönster and Kön appear twice in the delivery"
                ),
            ]

        def to_raw(frame: pd.DataFrame) -> pd.DataFrame:
            return frame[self.schema.names]

        return checked_stream(
            path,
            encoding,
            VALUE_FIELDS,
            suite_name=f"contract_{self.name}",
            state=state,
            prepare=prepare,
            expectations=expectations,
            to_raw=to_raw,
            periods=lambda frame: month_codes(frame["period_month"]),
            derived_headers={
                "unit_unknown": "Enhet",
                "indicator_unknown": "Mätetal",
                "window_unknown": "Fönster",
                "year_not_december": "Fönster, Period",
                "gender_unknown": "Kön",
                "value_repeated": "Enhet, Mätetal, Period, Fönster, Kön",
            },
            chunk_rows=self.chunk_rows,
        )
