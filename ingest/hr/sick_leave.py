"""The payroll sick-leave extract: one row per employee and month (contract in docs/extracts).

After the contract holds, the personnummer is reduced to what the statistics need (gender, age band)
and replaced by a keyed hash; the employee number is dropped.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import great_expectations.expectations as gxe
import pandas as pd
import pyarrow as pa

from expectations.custom import ExpectColumnValuesToBeValidPersonnummer
from ingest import personnummer as pnr
from ingest.contract import Column, ContractViolation, Violation, check_with_gx, read_extract
from ingest.hr.organisation import unit_intervals
from ingest.parsing import month_end, parse_date, parse_number, parse_period, parse_text
from ingest.sources import Accepted
from regionkpi.settings import Settings

EMPLOYMENT_TYPES = {
    "månadsavlönad": "monthly_paid",
    "timavlönad med schema": "hourly_scheduled",
    "timavlönad utan schema": "hourly_unscheduled",
    "uppdragstagare": "contractor",
}

SPLIT = ("sick_hours_days_1_14", "sick_hours_days_15_59", "sick_hours_days_60_plus")

COLUMNS = [
    Column("Personnummer", "personnummer", parse_text, sensitive=True),
    Column("Anställningsnummer", "employee_number", parse_text, required=False),
    Column("Ansvar", "unit_code", parse_text),
    Column("Period", "period_month", parse_period),
    Column("Anställningsform", "employment_type_text", parse_text),
    Column("Anställd från", "employment_start_date", parse_date),
    Column("Anställd till", "employment_end_date", parse_date, required=False),
    Column("Ordinarie timmar", "ordinary_hours", parse_number, dtype="float64"),
    Column("Sjuktimmar", "sick_hours", parse_number, dtype="float64"),
    Column("Sjuktimmar dag 1-14", SPLIT[0], parse_number, required=False, dtype="float64"),
    Column("Sjuktimmar dag 15-59", SPLIT[1], parse_number, required=False, dtype="float64"),
    Column("Sjuktimmar dag 60-", SPLIT[2], parse_number, required=False, dtype="float64"),
    Column("Sjukperiod från", "spell_start_date", parse_date, required=False),
]

SPLIT_TOLERANCE_HOURS = 0.01


def known_units(settings: Settings, region_id: str) -> set[str] | None:
    """Unit codes of the region's latest accepted organisation delivery (None if none yet)."""
    units = unit_intervals(settings, region_id)
    return None if units is None else set(units["unit_code"])


def long_term_split(sick_hours: float, spell_start: dt.date, month_start: dt.date) -> tuple[float, float, float]:
    """Split a month's sick hours by spell day (1-14, 15-59, 60-) from the spell's start date.

    The hours are spread evenly over the month's calendar days from the later of the spell start and
    the first of the month to the end of the month; each day is counted in the band of its spell day.
    """
    last = month_end(month_start)
    first = max(month_start, spell_start)
    days = (last - first).days + 1
    if sick_hours == 0 or days <= 0:
        return 0.0, 0.0, 0.0

    def days_from(spell_day: int) -> int:
        start = max(first, spell_start + dt.timedelta(days=spell_day - 1))
        return max(0, (last - start).days + 1)

    long_days = days_from(60)
    middle_days = days_from(15) - long_days
    short_days = days - middle_days - long_days
    per_day = sick_hours / days
    return short_days * per_day, middle_days * per_day, long_days * per_day


class SickLeaveSource:
    name = "hr_sick_leave"
    depends_on: tuple[str, ...] = ("organisation",)
    contract_doc = "docs/extracts/hr_sick_leave.md"
    schema = pa.schema(
        [
            pa.field("period_month", pa.date32(), nullable=False),
            pa.field("employee_key", pa.string(), nullable=False),
            pa.field("unit_code", pa.string(), nullable=False),
            pa.field("employment_type", pa.string(), nullable=False),
            pa.field("employment_start_date", pa.date32(), nullable=False),
            pa.field("employment_end_date", pa.date32()),
            pa.field("gender", pa.string(), nullable=False),
            pa.field("age_band", pa.string(), nullable=False),
            pa.field("ordinary_hours", pa.float64(), nullable=False),
            pa.field("sick_hours", pa.float64(), nullable=False),
            pa.field(SPLIT[0], pa.float64(), nullable=False),
            pa.field(SPLIT[1], pa.float64(), nullable=False),
            pa.field(SPLIT[2], pa.float64(), nullable=False),
        ]
    )

    def read(self, path: Path, encoding: str, region_id: str, settings: Settings) -> Accepted:
        key = settings.require_pseudonym_key()
        parsed = read_extract(path, encoding, COLUMNS, one_of=[[list(SPLIT), ["spell_start_date"]]])
        violations = list(parsed.violations)
        frame = parsed.frame
        units = known_units(settings, region_id)
        if units is None:
            violations.append(
                Violation(
                    f"no organisation extract has been loaded for region {region_id}: deliver "
                    f"landing/organisation/{region_id}/ first, then this file again"
                )
            )
        has_split = not frame.empty and all(c in frame for c in SPLIT)
        if not frame.empty and "employment_end_date" not in frame:
            frame["employment_end_date"] = None
        if not frame.empty and units is not None:
            frame["employment_type_key"] = frame["employment_type_text"].map(
                lambda t: t.lower() if isinstance(t, str) else t
            )
            frame["personnummer_digits"] = frame["personnummer"].map(
                lambda t: t.replace("-", "") if isinstance(t, str) else t
            )
            expectations = [
                *[
                    gxe.ExpectColumnValuesToNotBeNull(column=c, meta={"rule": "a value is required"})
                    for c in (
                        "personnummer",
                        "unit_code",
                        "period_month",
                        "employment_type_text",
                        "employment_start_date",
                        "ordinary_hours",
                        "sick_hours",
                    )
                ],
                ExpectColumnValuesToBeValidPersonnummer(
                    column="personnummer",
                    meta={"rule": "not a valid personnummer (12 digits, valid birth date and check digit)"},
                ),
                gxe.ExpectColumnValuesToBeInSet(
                    column="employment_type_key",
                    value_set=sorted(EMPLOYMENT_TYPES),
                    meta={
                        "rule": "employment type must be Månadsavlönad, Timavlönad med schema, "
                        "Timavlönad utan schema or Uppdragstagare"
                    },
                ),
                gxe.ExpectColumnValuesToBeInSet(
                    column="unit_code",
                    value_set=sorted(units),
                    meta={"rule": f"unit code is not in region {region_id}'s organisation extract"},
                ),
                *[
                    gxe.ExpectColumnValuesToBeBetween(
                        column=c, min_value=0, meta={"rule": "hours must not be negative"}
                    )
                    for c in ("ordinary_hours", "sick_hours", *(SPLIT if has_split else ()))
                ],
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="ordinary_hours",
                    column_B="sick_hours",
                    or_equal=True,
                    ignore_row_if="either_value_is_missing",
                    meta={"rule": "sick-leave hours must not exceed ordinary hours"},
                ),
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="employment_end_date",
                    column_B="employment_start_date",
                    or_equal=True,
                    ignore_row_if="either_value_is_missing",
                    meta={"rule": "employment end date must not be before its start date"},
                ),
                gxe.ExpectCompoundColumnsToBeUnique(
                    column_list=["personnummer_digits", "period_month"],
                    meta={"rule": "the same employee appears twice for one period"},
                ),
            ]
            if has_split:
                frame["split_difference"] = frame["sick_hours"] - frame[list(SPLIT)].sum(axis=1, min_count=1)
                expectations.append(
                    gxe.ExpectColumnValuesToBeBetween(
                        column="split_difference",
                        min_value=-SPLIT_TOLERANCE_HOURS,
                        max_value=SPLIT_TOLERANCE_HOURS,
                        meta={"rule": "the spell-length columns must add up to Sjuktimmar"},
                    )
                )
            headers = {
                **parsed.headers,
                "employment_type_key": parsed.headers.get("employment_type_text", "Anställningsform"),
                "personnummer_digits": parsed.headers.get("personnummer", "Personnummer"),
                "split_difference": "Sjuktimmar dag 1-14/15-59/60-",
            }
            violations += check_with_gx(
                frame,
                "contract_hr_sick_leave",
                expectations,
                headers,
                sensitive={"personnummer", "personnummer_digits"},
            )
            if not has_split:
                violations += _spell_start_violations(frame, parsed.headers)
        if violations:
            raise ContractViolation(path.name, violations)
        raw = self._to_raw(frame, key, has_split)
        periods = sorted({d.strftime("%Y-%m") for d in frame["period_month"]})
        return Accepted(frame=raw, periods=periods, ignored_headers=parsed.ignored_headers)

    @staticmethod
    def _to_raw(frame: pd.DataFrame, key: bytes, has_split: bool) -> pd.DataFrame:
        digits = frame["personnummer_digits"]
        born = digits.map(pnr.birth_date)
        ages = [pnr.age_on(b, month_end(m)) for b, m in zip(born, frame["period_month"], strict=True)]
        if has_split:
            split = frame[list(SPLIT)].fillna(0.0)
        else:
            split = pd.DataFrame(
                [
                    long_term_split(h, s, m) if s is not None else (0.0, 0.0, 0.0)
                    for h, s, m in zip(
                        frame["sick_hours"], frame["spell_start_date"], frame["period_month"], strict=True
                    )
                ],
                columns=list(SPLIT),
                index=frame.index,
            )
        return pd.DataFrame(
            {
                "period_month": frame["period_month"],
                "employee_key": digits.map(lambda d: pnr.pseudonymise(d, key)),
                "unit_code": frame["unit_code"],
                "employment_type": frame["employment_type_key"].map(EMPLOYMENT_TYPES),
                "employment_start_date": frame["employment_start_date"],
                "employment_end_date": frame["employment_end_date"],
                "gender": digits.map(pnr.gender),
                "age_band": [pnr.age_band(a) for a in ages],
                "ordinary_hours": frame["ordinary_hours"],
                "sick_hours": frame["sick_hours"],
                **{c: split[c].astype("float64") for c in SPLIT},
                "source_line": frame["line_no"],
            }
        )


def _spell_start_violations(frame: pd.DataFrame, headers: dict[str, str]) -> list[Violation]:
    """With the spell-start variant, sick hours need a start date on or before the month's end."""
    violations = []
    header = headers.get("spell_start_date", "Sjukperiod från")
    for line, hours, start, month in zip(
        frame["line_no"], frame["sick_hours"], frame["spell_start_date"], frame["period_month"], strict=True
    ):
        if hours and hours > 0 and month is not None:
            if start is None:
                violations.append(Violation("sick-leave hours need a spell start date", line=int(line), column=header))
            elif start > month_end(month):
                violations.append(
                    Violation("spell starts after the period", line=int(line), column=header, value=str(start))
                )
    return violations
