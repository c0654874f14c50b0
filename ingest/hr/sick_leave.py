"""The payroll sick-leave extract: one row per employee and month (contract in docs/extracts).

After the contract holds, the personnummer is reduced to what the statistics need (gender, age band)
and replaced by a keyed hash; the employee number is dropped. All of it happens in DuckDB: the rules
(personnummer, units, hours) are SQL predicates and the keyed hash is HMAC-SHA256 in SQL
(:func:`regionkpi.personnummer.pseudonymise_sql`), so no personnummer passes through Python.
"""

from __future__ import annotations

import datetime as dt

from ingest.extract import (
    AnyRule,
    Field,
    FileRule,
    Rule,
    Staged,
    Unique,
    month_code,
    not_in_future,
    required,
    sql_string,
)
from ingest.organisation.units import UNITS, units_table
from ingest.sources import CsvSource, Delivered, Plan, RawColumn, in_values
from regionkpi import personnummer as pnr

EMPLOYMENT_TYPES = {
    "månadsavlönad": "monthly_paid",
    "timavlönad med schema": "hourly_scheduled",
    "timavlönad utan schema": "hourly_unscheduled",
    "uppdragstagare": "contractor",
}

SPLIT = ("sick_hours_days_1_14", "sick_hours_days_15_59", "sick_hours_days_60_plus")

FIELDS = [
    Field("Personnummer", "personnummer", sensitive=True),
    Field("Anställningsnummer", "employee_number", required=False),
    Field("Ansvar", "unit_code"),
    Field("Period", "period_month", "period"),
    Field("Anställningsform", "employment_type_text"),
    Field("Anställd från", "employment_start_date", "date"),
    Field("Anställd till", "employment_end_date", "date", required=False),
    Field("Ordinarie timmar", "ordinary_hours", "number"),
    Field("Sjuktimmar", "sick_hours", "number"),
    Field("Sjuktimmar dag 1-14", SPLIT[0], "number", required=False),
    Field("Sjuktimmar dag 15-59", SPLIT[1], "number", required=False),
    Field("Sjuktimmar dag 60-", SPLIT[2], "number", required=False),
    Field("Sjukperiod från", "spell_start_date", "date", required=False),
]

SPLIT_TOLERANCE_HOURS = 0.01


def month_end(month_start: dt.date) -> dt.date:
    """Last day of the month that starts at ``month_start``."""
    following = (month_start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def long_term_split(sick_hours: float, spell_start: dt.date, month_start: dt.date) -> tuple[float, float, float]:
    """Split a month's sick hours by spell day (1-14, 15-59, 60-) from the spell's start date.

    The hours are spread evenly over the month's calendar days from the later of the spell start and
    the first of the month to the end of the month; each day is counted in the band of its spell day.
    (:func:`long_term_split_sql` is the same rule in SQL; a test keeps them equal.)
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


def long_term_split_sql(hours: str, start: str, month: str) -> tuple[str, str, str]:
    """SQL of :func:`long_term_split`: the hours of spell days 1-14, 15-59 and 60-."""
    last, first = f"last_day({month})", f"greatest({month}, {start})"
    days = f"(date_diff('day', {first}, {last}) + 1)"

    def days_from(spell_day: int) -> str:
        begins = f"greatest({first}, CAST({start} + INTERVAL {spell_day - 1} DAY AS DATE))"
        return f"greatest(0, date_diff('day', {begins}, {last}) + 1)"

    long_days = days_from(60)
    middle_days = f"({days_from(15)} - {long_days})"
    short_days = f"({days} - {middle_days} - {long_days})"
    per_day = f"({hours} / {days})"
    nothing = f"{start} IS NULL OR {hours} = 0 OR {days} <= 0"
    return tuple(  # type: ignore[return-value]
        f"CASE WHEN {nothing} THEN 0.0 ELSE {part} * {per_day} END" for part in (short_days, middle_days, long_days)
    )


class SickLeaveSource(CsvSource):
    name = "hr_sick_leave"
    depends_on: tuple[str, ...] = ("organisation",)
    contract_doc = "docs/extracts/hr_sick_leave.md"
    schema = (
        RawColumn("period_month", "DATE", nullable=False),
        RawColumn("employee_key", "VARCHAR", nullable=False),
        RawColumn("unit_code", "VARCHAR", nullable=False),
        RawColumn("employment_type", "VARCHAR", nullable=False),
        RawColumn("employment_start_date", "DATE", nullable=False),
        RawColumn("employment_end_date", "DATE"),
        RawColumn("gender", "VARCHAR", nullable=False),
        RawColumn("age_band", "VARCHAR", nullable=False),
        RawColumn("ordinary_hours", "DOUBLE", nullable=False),
        RawColumn("sick_hours", "DOUBLE", nullable=False),
        *[RawColumn(name, "DOUBLE", nullable=False) for name in SPLIT],
    )
    fields = FIELDS
    value_in_rule = True
    skip_empty_rows = True
    one_of = ((SPLIT, ("spell_start_date",)),)

    def plan(self, delivered: Delivered, staged: Staged) -> Plan:
        region = delivered.region_id
        known, setup = units_table(delivered.settings, region)
        setup.append(_pseudonym_key_table(delivered.settings.require_pseudonym_key()))
        has_split = all(staged.has(c) for c in SPLIT)
        staged.headers.setdefault(DIGITS, staged.header("personnummer", "Personnummer"))
        rules = [not_in_future("period_month"), *required(REQUIRED)]
        if not known:
            rules.append(
                _file_violation(
                    f"no organisation extract has been loaded for region {region}: deliver "
                    f"landing/organisation/{region}/ first, then this file again"
                )
            )
        else:
            rules += _row_rules(staged, region, has_split)
        return Plan(
            derived=_derived(has_split),
            rules=rules,
            raw=_raw(has_split),
            periods=month_code("period_month"),
            measure="sick_hours",
            setup=setup,
            sensitive={"personnummer", DIGITS},
        )


#: The personnummer as 12 digits, derived once; the raw layer keeps only its keyed hash.
DIGITS = "personnummer_digits"
REQUIRED = (
    "personnummer",
    "unit_code",
    "period_month",
    "employment_type_text",
    "employment_start_date",
    "ordinary_hours",
    "sick_hours",
)


def _pseudonym_key_table(key: bytes) -> tuple[str, list[bytes]]:
    """The key's HMAC pads reach DuckDB as bound parameters of a one-row table, never as SQL text."""
    inner, outer = pnr.hmac_pads(key)
    return (
        "CREATE OR REPLACE TEMP TABLE _pseudonym AS SELECT CAST(? AS BLOB) AS inner_pad, CAST(? AS BLOB) AS outer_pad",
        [inner, outer],
    )


def _row_rules(staged: Staged, region: str, has_split: bool) -> list[AnyRule]:
    """The rules on each row once the region's organisation is known."""
    rules: list[AnyRule] = [
        Rule(
            "not a valid personnummer (12 digits, valid birth date and check digit)",
            f"personnummer IS NOT NULL AND NOT {pnr.valid_sql('personnummer')}",
            ("personnummer",),
        ),
        Rule(
            "employment type must be Månadsavlönad, Timavlönad med schema, Timavlönad utan schema or Uppdragstagare",
            "employment_type_key IS NOT NULL AND NOT " + in_values("employment_type_key", list(EMPLOYMENT_TYPES)),
            header=staged.header("employment_type_text", "Anställningsform"),
            value="employment_type_key",
        ),
        Rule(
            f"unit code is not in region {region}'s organisation extract",
            f"unit_code IS NOT NULL AND unit_code NOT IN (SELECT unit_code FROM {UNITS})",  # noqa: S608 - code-owned SQL; file values are bound parameters
            ("unit_code",),
        ),
        *[
            Rule("hours must not be negative", f"{c} < 0", (c,))
            for c in ("ordinary_hours", "sick_hours", *(SPLIT if has_split else ()))
        ],
        Rule(
            "sick-leave hours must not exceed ordinary hours",
            "ordinary_hours < sick_hours",
            ("ordinary_hours", "sick_hours"),
        ),
        Rule(
            "employment end date must not be before its start date",
            "employment_end_date < employment_start_date",
            ("employment_end_date", "employment_start_date"),
        ),
        Unique(
            "the same employee appears twice for one period",
            (DIGITS, "period_month"),
            (DIGITS, "period_month"),
            later=False,
        ),
    ]
    return rules + (_split_rules() if has_split else _spell_rules(staged))


def _split_rules() -> list[AnyRule]:
    return [
        Rule(
            "the spell-length columns must add up to Sjuktimmar (within 0,01 h; an empty one counts as 0)",
            f"abs(split_difference) > {SPLIT_TOLERANCE_HOURS}",
            header="Sjuktimmar dag 1-14/15-59/60-",
            value="split_difference",
        )
    ]


def _spell_rules(staged: Staged) -> list[AnyRule]:
    spell = staged.header("spell_start_date", "Sjukperiod från")
    return [
        Rule(
            "sick-leave hours need a spell start date",
            "sick_hours > 0 AND period_month IS NOT NULL AND spell_start_date IS NULL",
            header=spell,
            value="NULL",
        ),
        Rule(
            "spell starts after the period",
            "sick_hours > 0 AND period_month IS NOT NULL AND spell_start_date > last_day(period_month)",
            header=spell,
            value="CAST(spell_start_date AS VARCHAR)",
        ),
    ]


def _derived(has_split: bool) -> dict[str, str]:
    derived = {"employment_type_key": "lower(employment_type_text)", DIGITS: pnr.digits_sql("personnummer")}
    if has_split:
        # an empty split cell is loaded as 0 hours, so it counts as 0 here: a row of sick hours whose
        # three split cells are empty does not add up
        total = " + ".join(f"coalesce({c}, 0)" for c in SPLIT)
        derived["split_difference"] = f"sick_hours - ({total})"
    return derived


def _raw(has_split: bool) -> dict[str, str]:
    """What the raw layer keeps of a row: the hash of the personnummer, never the number, and what
    may be derived from it before it is dropped (gender and age band)."""
    split = long_term_split_sql("sick_hours", "spell_start_date", "period_month")
    born = pnr.birth_date_sql(f"left({DIGITS}, 4)", f"substr({DIGITS}, 5, 4)")
    return {
        "employee_key": pnr.pseudonymise_sql(
            DIGITS, "(SELECT inner_pad FROM _pseudonym)", "(SELECT outer_pad FROM _pseudonym)"
        ),
        "employment_type": "CASE employment_type_key "
        + " ".join(f"WHEN {sql_string(k)} THEN {sql_string(v)}" for k, v in EMPLOYMENT_TYPES.items())
        + " END",
        "gender": pnr.gender_sql(DIGITS),
        "age_band": pnr.age_band_sql(born, "last_day(period_month)"),
        **({c: f"coalesce({c}, 0.0)" for c in SPLIT} if has_split else dict(zip(SPLIT, split, strict=True))),
    }


def _file_violation(rule: str) -> FileRule:
    """A rule broken by the file as a whole (no line): reported once, whatever the rows."""
    return FileRule(f"SELECT {sql_string(rule)}")
