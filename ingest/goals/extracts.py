"""The goal extracts: targets (målvärden), goal structure (målstruktur) and reported values.

A region's balanced scorecard (styrkort) is owned by the region, not by a source system: it says which
unit reports which indicator under which goal, what the target is, and, for indicators no extract
computes (NKI, Lyhördhet, Öppna jämförelser, counts reported by units), the value itself. Each arrives
as a small ``;``-separated extract. Every row names a unit of the region's organisation extract (any
version: a target or a goal belongs to the unit, not to one of its validity intervals) and an
indicator of ``seeds/indicators.csv``, read at run time so a new indicator needs no code change.
Rules are SQL predicates checked in DuckDB (:mod:`ingest.extract`); GX validates the file's profile.
A region's own indicators (mätetal: CO₂ from business travel, kWh/m², a survey index) arrive as the
``goal_indicators`` extract, so a region never needs a change to the repo; ids are the region's own.
See docs/extracts/goal_indicators.md, goal_targets.md, goal_structure.md and goal_reported_values.md.
"""

from __future__ import annotations

from typing import Any

from ingest.extract import (
    Field,
    Rule,
    Staged,
    Unique,
    month_code,
    not_negative,
    number_rule,
    required,
    sql_string,
    typed,
)
from ingest.organisation.units import unit_rules, units_table
from ingest.reference import delivery_files, seed_rows
from ingest.sources import CsvSource, Delivered, Plan, RawColumn, in_values
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
    "prognos": "forecast_year",
    "helårsprognos": "forecast_year",
    "forecast": "forecast_year",
}
#: Bedöms på: what a target is judged on before the year is over.
STATUS_BASES = {"utfall": "outcome", "outcome": "outcome", "prognos": "forecast", "forecast": "forecast"}
#: T = totalt, K = kvinnor, M = män (SCB's codes).
GENDERS = ("T", "K", "M")

_UNIT_RULE = "Enhet is not a unit of the region's organisation extract"
_INDICATOR_RULE = (
    "Mätetal must be an indicator_id of seeds/indicators.csv or of the region's goal_indicators extract "
    "(deliver the region's own indicator there first, then this file again)"
)
#: The table :func:`region_indicators_table` creates: the region's own indicators, latest delivery of each.
REGION_INDICATORS = "ref_region_indicators"
#: The kinds of indicator (Typ): a number compared with its target, ja/nej, or a status the unit reports.
KINDS = {
    "numeriskt": "numeric",
    "numerisk": "numeric",
    "tal": "numeric",
    "numeric": "numeric",
    "ja/nej": "yes_no",
    "yes/no": "yes_no",
    "kvalitativt": "qualitative",
    "kvalitativ": "qualitative",
    "qualitative": "qualitative",
}
DIRECTIONS = {
    "högre är bättre": "higher_is_better",
    "higher is better": "higher_is_better",
    "lägre är bättre": "lower_is_better",
    "lower is better": "lower_is_better",
    "ej tillämpligt": "not_applicable",
    "not applicable": "not_applicable",
}
#: Frekvens: how often the indicator is measured, so which report points it is followed up at.
FREQUENCIES = {
    "månad": "monthly",
    "månadsvis": "monthly",
    "monthly": "monthly",
    "tertial": "tertial",
    "tertialvis": "tertial",
    "delår": "half_yearly",
    "halvår": "half_yearly",
    "half-yearly": "half_yearly",
    "år": "yearly",
    "årsvis": "yearly",
    "helår": "yearly",
    "yearly": "yearly",
}
MAX_DECIMALS = 4
#: A region names its own levels of the goal structure (goal_settings: nivåer), two to five of them.
MAX_LEVELS = 5
LEVELS = tuple(f"level_{n}" for n in range(1, MAX_LEVELS + 1))


def indicator_domains(settings: Settings) -> dict[str, str]:
    """``{indicator_id: domain}`` from ``seeds/indicators.csv`` (read at run time, never hard-coded)."""
    return {row["indicator_id"]: row["domain"] for row in seed_rows(settings, "indicators")}


def units_by_spelling(settings: Settings) -> dict[str, str]:
    """``{spelling: unit}`` from ``seeds/units.csv``: every accepted spelling (lower case) and the id itself."""
    spellings: dict[str, str] = {}
    for row in seed_rows(settings, "units"):
        for spelling in (row["unit"], *row["accepted"].split("|")):
            spellings[spelling.strip().lower()] = row["unit"]
    return spellings


def region_indicators_table(settings: Settings, region_id: str) -> list[tuple[str, list[Any]]]:
    """Setup statements creating :data:`REGION_INDICATORS` (``indicator_id``, ``kind``, ``unit``): the
    region's own indicators, each as its latest delivery describes it (empty before any delivery)."""
    create = f"CREATE OR REPLACE TEMP TABLE {REGION_INDICATORS} (indicator_id VARCHAR, kind VARCHAR, unit VARCHAR)"
    files = delivery_files(settings, GoalIndicatorSource.name, region_id)
    if not files:
        return [(create, [])]
    fill = (
        f"INSERT INTO {REGION_INDICATORS} SELECT indicator_id, kind, unit "  # noqa: S608 - code-owned SQL
        "FROM read_parquet(?, union_by_name = true) "
        "QUALIFY row_number() OVER (PARTITION BY indicator_id ORDER BY _delivery_seq DESC) = 1"
    )
    return [(create, []), (fill, [[str(f) for f in files]])]


def _code_rules(delivered: Delivered) -> tuple[list[Rule], list[tuple[str, list]]]:
    """Enhet a unit of the region's organisation (any version), Mätetal an indicator of the catalogue
    or one of the region's own (its ``goal_indicators`` deliveries)."""
    known, setup = units_table(delivered.settings, delivered.region_id)
    indicators = sorted(indicator_domains(delivered.settings))
    units = unit_rules("unit_code", None, known=known, header="Enhet", not_a_unit=_UNIT_RULE)[1:]
    rules = [
        *[Rule(r.rule, r.where, header="Enhet", value="unit_code") for r in units],
        Rule(
            _INDICATOR_RULE,
            f"indicator_id IS NOT NULL AND NOT {in_values('indicator_id', indicators)} AND indicator_id "  # noqa: S608 - code-owned SQL
            f"NOT IN (SELECT indicator_id FROM {REGION_INDICATORS})",
            header="Mätetal",
            value="indicator_id",
        ),
    ]
    return rules, [*setup, *region_indicators_table(delivered.settings, delivered.region_id)]


def _year_rule(column: str, header: str) -> Rule:
    return Rule(
        f"{header} must be a year {FIRST_YEAR}-{LAST_YEAR}",
        f"{column} < {FIRST_YEAR} OR {column} > {LAST_YEAR}",
        (column,),
    )


def _normalised(column: str, choices: dict[str, str]) -> str:
    """SQL: the id the text maps to (case and inner spaces ignored), NULL when it maps to none."""
    key = f"lower(trim(regexp_replace({column}, '\\s+', ' ', 'g')))"
    return f"CASE {key} " + " ".join(f"WHEN {sql_string(k)} THEN {sql_string(v)}" for k, v in choices.items()) + " END"


# --------------------------------------------------------------------------------------------------
# The region's own indicators (mätetal)
# --------------------------------------------------------------------------------------------------

INDICATOR_FIELDS = [
    Field("Mätetal", "indicator_id"),
    Field("Namn", "name_sv"),
    Field("Engelskt namn", "name_en", required=False),
    Field("Måttenhet", "unit_text"),
    Field("Decimaler", "decimals", "integer", required=False),
    Field("Riktning", "direction_text", required=False),
    Field("Typ", "kind_text", required=False),
    Field("Definition", "definition", required=False),
    Field("Frekvens", "frequency_text", required=False),
    Field("Kolada-id", "kolada_kpi_id", required=False),
    Field("Rapporteras av", "reporting_unit_code", required=False),
]
#: An id the region chooses: lower-case letters a-z, digits and _, starting with a letter (used in URLs,
#: dbt and BI tools as it is).
INDICATOR_ID_PATTERN = "^[a-z][a-z0-9_]{0,63}$"


class GoalIndicatorSource(CsvSource):
    """Mätetal: the region's own indicators (name, unit, decimals, direction, kind, frequency), which the
    shared catalogue (``seeds/indicators.csv``, what the warehouse computes) does not hold."""

    name = "goal_indicators"
    depends_on: tuple[str, ...] = ("organisation",)
    contract_doc = "docs/extracts/goal_indicators.md"
    schema = (
        RawColumn("indicator_id", "VARCHAR", nullable=False),
        RawColumn("name_sv", "VARCHAR", nullable=False),
        RawColumn("name_en", "VARCHAR"),
        RawColumn("unit", "VARCHAR", nullable=False),
        RawColumn("decimals", "INTEGER", nullable=False),
        RawColumn("direction", "VARCHAR", nullable=False),
        RawColumn("kind", "VARCHAR", nullable=False),
        RawColumn("definition", "VARCHAR"),
        RawColumn("frequency", "VARCHAR", nullable=False),
        RawColumn("kolada_kpi_id", "VARCHAR"),
        RawColumn("reporting_unit_code", "VARCHAR"),
    )
    fields = INDICATOR_FIELDS

    def plan(self, delivered: Delivered, staged: Staged) -> Plan:
        settings = delivered.settings
        known, setup = units_table(settings, delivered.region_id)
        units = units_by_spelling(settings)
        default_decimals = {row["unit"]: int(row["decimals"]) for row in seed_rows(settings, "units")}
        catalogue = sorted(indicator_domains(settings))
        reporting = unit_rules(
            "reporting_unit_code",
            None,
            known=known,
            header="Rapporteras av",
            not_a_unit="Rapporteras av is not a unit of the region's organisation extract",
        )[1:]
        decimals_sql = (
            "coalesce(decimals, CASE unit "
            + " ".join(f"WHEN {sql_string(u)} THEN {d}" for u, d in default_decimals.items())
            + " END)"
        )
        return Plan(
            derived={
                "unit": _normalised("unit_text", units),
                "kind": f"coalesce({_normalised('kind_text', KINDS)}, CASE WHEN kind_text IS NULL THEN 'numeric' END)",
                "direction": f"coalesce({_normalised('direction_text', DIRECTIONS)}, "
                "CASE WHEN direction_text IS NULL THEN 'not_applicable' END)",
                "frequency": f"coalesce({_normalised('frequency_text', FREQUENCIES)}, "
                "CASE WHEN frequency_text IS NULL THEN 'yearly' END)",
            },
            raw={"decimals": decimals_sql},
            rules=[
                *required({"indicator_id": "Mätetal", "name_sv": "Namn", "unit_text": "Måttenhet"}),
                Rule(
                    "Mätetal must be lower-case letters a-z, digits and _ (starting with a letter, at most 64)",
                    "indicator_id IS NOT NULL AND NOT "
                    f"regexp_full_match(indicator_id, {sql_string(INDICATOR_ID_PATTERN)})",
                    header="Mätetal",
                    value="indicator_id",
                ),
                Rule(
                    "Mätetal is an indicator of the shared catalogue (seeds/indicators.csv), which the warehouse "
                    "computes: give the region's own indicator an id of its own",
                    f"indicator_id IS NOT NULL AND {in_values('indicator_id', catalogue)}",
                    header="Mätetal",
                    value="indicator_id",
                ),
                Rule(
                    "Måttenhet must be a unit of seeds/units.csv (e.g. %, index, antal, per 1000 invånare, kWh/m², "
                    "kg CO2e, kr, tkr, mnkr, dagar, årsarbetare)",
                    "unit_text IS NOT NULL AND unit IS NULL",
                    header="Måttenhet",
                    value="unit_text",
                ),
                Rule(
                    f"Decimaler must be 0-{MAX_DECIMALS}",
                    f"decimals < 0 OR decimals > {MAX_DECIMALS}",
                    ("decimals",),
                ),
                Rule(
                    "Typ must be numeriskt, ja/nej or kvalitativt (or numeric, yes/no, qualitative); empty = numeriskt",
                    "kind_text IS NOT NULL AND kind IS NULL",
                    header="Typ",
                    value="kind_text",
                ),
                Rule(
                    "Riktning must be högre är bättre, lägre är bättre or ej tillämpligt (or higher is better, "
                    "lower is better, not applicable)",
                    "direction_text IS NOT NULL AND direction IS NULL",
                    header="Riktning",
                    value="direction_text",
                ),
                Rule(
                    "Frekvens must be månad, tertial, delår or år (or monthly, tertial, half-yearly, yearly); "
                    "empty = år",
                    "frequency_text IS NOT NULL AND frequency IS NULL",
                    header="Frekvens",
                    value="frequency_text",
                ),
                Rule(
                    "Kolada-id must be a Kolada KPI id: N or U and five digits (N60030)",
                    "kolada_kpi_id IS NOT NULL AND NOT regexp_full_match(kolada_kpi_id, '[NU][0-9]{5}')",
                    ("kolada_kpi_id",),
                ),
                *[Rule(r.rule, r.where, header="Rapporteras av", value="reporting_unit_code") for r in reporting],
                Unique("a Mätetal appears twice in the delivery", ("indicator_id",), header="Mätetal"),
            ],
            setup=setup,
        )


def _kind(column: str = "indicator_id") -> str:
    """SQL: the kind of the row's indicator (the region's own from :data:`REGION_INDICATORS`; the
    catalogue's are numeric)."""
    own = f"SELECT indicator_id FROM {REGION_INDICATORS} WHERE kind = "  # noqa: S608 - code-owned SQL
    return (
        f"CASE WHEN {column} IN ({own}'yes_no') THEN 'yes_no' "
        f"WHEN {column} IN ({own}'qualitative') THEN 'qualitative' ELSE 'numeric' END"
    )


def _number_or_yes_no(column: str) -> tuple[str, str]:
    """(SQL of the value: ja → 1, nej → 0, else the number; SQL true where it is ja or nej)."""
    number, _ = typed(column, "number")
    words = _normalised(column, {**{k: "1" for k in ("ja", "yes")}, **{k: "0" for k in ("nej", "no")}})
    return f"coalesce(CAST({words} AS DOUBLE), {number})", f"({words} IS NOT NULL)"


def _value_rules(column: str, value: str, is_word: str, header: str, *, required_unless: str) -> list[Rule]:
    """A target's or reported value's rules by the indicator's kind: a number for a numeric indicator,
    ja or nej for a ja/nej indicator; required unless ``required_unless`` (SQL) holds."""
    return [
        Rule(
            f"{header} is required", f"{column} IS NULL AND NOT ({required_unless})", header=header, value="'(empty)'"
        ),
        Rule(
            f"{header} {number_rule(None)}",
            f"{column} IS NOT NULL AND NOT {is_word} AND {value} IS NULL",
            header=header,
            value=column,
        ),
        Rule(
            f"{header} of a ja/nej indicator must be ja or nej (or 1, 0)",
            f"kind = 'yes_no' AND {column} IS NOT NULL AND coalesce({value} NOT IN (0, 1), false)",
            header=header,
            value=column,
        ),
        Rule(
            f"{header} ja or nej is for ja/nej indicators: this indicator is numeric",
            f"kind = 'numeric' AND {is_word}",
            header=header,
            value=column,
        ),
    ]


# --------------------------------------------------------------------------------------------------
# The region's settings (inställningar)
# --------------------------------------------------------------------------------------------------

#: Inställning as delivered (lower case, single spaces) -> (setting id, kind of its value).
SETTINGS = {
    "tolerans": ("tolerance", "number"),
    "tolerance": ("tolerance", "number"),
    "tolerans %": ("tolerance_pct", "number"),
    "tolerance %": ("tolerance_pct", "number"),
    "räkna ja/nej": ("count_yes_no", "yes_no"),
    "count yes/no": ("count_yes_no", "yes_no"),
    "räkna kvalitativa": ("count_qualitative", "yes_no"),
    "count qualitative": ("count_qualitative", "yes_no"),
    "räkna aktiviteter": ("count_activities", "yes_no"),
    "count activities": ("count_activities", "yes_no"),
    "nivåer": ("levels", "levels"),
    "levels": ("levels", "levels"),
    "regionnamn": ("region_name", "text"),
    "region name": ("region_name", "text"),
    "statusbas": ("status_basis", "basis"),
    "status basis": ("status_basis", "basis"),
    "målstatus": ("goal_status_rule", "rule"),
    "goal status": ("goal_status_rule", "rule"),
}
#: målstatus: how a goal's status follows from its indicators (docs/extracts/goal_settings.md).
GOAL_STATUS_RULES = {"alla": "all", "all": "all", "majoritet": "majority", "majority": "majority"}
YES_NO = {"ja": "true", "yes": "true", "nej": "false", "no": "false"}

SETTING_FIELDS = [Field("Inställning", "setting_text"), Field("Värde", "value_text")]


class GoalSettingSource(CsvSource):
    """Inställningar: the region's choices for its goal follow-up, one per row (the default tolerance
    band, absolute or in percent of the target; whether ja/nej and qualitative indicators count)."""

    name = "goal_settings"
    contract_doc = "docs/extracts/goal_settings.md"
    schema = (
        RawColumn("setting", "VARCHAR", nullable=False),
        RawColumn("value", "VARCHAR", nullable=False),
    )
    fields = SETTING_FIELDS

    def plan(self, delivered: Delivered, staged: Staged) -> Plan:
        number, _ = typed("value_text", "number")
        kinds = {setting: kind for setting, kind in SETTINGS.values()}
        numbers = [setting for setting, kind in kinds.items() if kind == "number"]
        flags = [setting for setting, kind in kinds.items() if kind == "yes_no"]
        flag = _normalised("value_text", YES_NO)
        names = "list_transform(string_split(value_text, '|'), name -> trim(name))"
        return Plan(
            derived={
                "setting": _normalised("setting_text", {k: v for k, (v, _) in SETTINGS.items()}),
                "value": f"CASE WHEN {in_values('setting', numbers)} THEN CAST({number} AS VARCHAR) "
                f"WHEN {in_values('setting', flags)} THEN {flag} "
                f"WHEN setting = 'levels' THEN array_to_string({names}, '|') "
                f"WHEN setting = 'goal_status_rule' THEN {_normalised('value_text', GOAL_STATUS_RULES)} "
                f"WHEN setting = 'status_basis' THEN {_normalised('value_text', STATUS_BASES)} "
                "WHEN setting = 'region_name' THEN value_text END",
            },
            rules=[
                *required({"setting_text": "Inställning", "value_text": "Värde"}),
                Rule(
                    "Inställning must be regionnamn, tolerans, tolerans %, räkna ja/nej, räkna kvalitativa, "
                    "räkna aktiviteter, nivåer, målstatus or statusbas "
                    "(docs/extracts/goal_settings.md)",
                    "setting_text IS NOT NULL AND setting IS NULL",
                    header="Inställning",
                    value="setting_text",
                ),
                Rule(
                    "Värde of tolerans and tolerans % must be a number ≥ 0 (decimal comma, e.g. 0,5 or 10)",
                    f"value_text IS NOT NULL AND {in_values('setting', numbers)} AND coalesce({number} < 0, true)",
                    header="Värde",
                    value="value_text",
                ),
                Rule(
                    "Värde of räkna ja/nej, räkna kvalitativa and räkna aktiviteter must be ja or nej",
                    f"value_text IS NOT NULL AND {in_values('setting', flags)} AND value IS NULL",
                    header="Värde",
                    value="value_text",
                ),
                Rule(
                    f"Värde of nivåer must name 2-{MAX_LEVELS} levels from the top, separated by | "
                    "(Strategi|Strategiskt område|Mål)",
                    f"setting = 'levels' AND value_text IS NOT NULL AND (len({names}) NOT BETWEEN 2 AND {MAX_LEVELS} "
                    f"OR list_contains({names}, ''))",
                    header="Värde",
                    value="value_text",
                ),
                Rule(
                    "Värde of statusbas must be utfall or prognos",
                    "setting = 'status_basis' AND value_text IS NOT NULL AND value IS NULL",
                    header="Värde",
                    value="value_text",
                ),
                Rule(
                    "Värde of målstatus must be alla or majoritet",
                    "setting = 'goal_status_rule' AND value_text IS NOT NULL AND value IS NULL",
                    header="Värde",
                    value="value_text",
                ),
                Unique(
                    "tolerans and tolerans % are two ways of giving the one default band: give one of them",
                    ("'band'",),
                    header="Inställning",
                    value="setting_text",
                    where="setting IN ('tolerance', 'tolerance_pct')",
                ),
                Unique("an Inställning appears twice in the delivery", ("setting",), header="Inställning"),
            ],
        )


# --------------------------------------------------------------------------------------------------
# Targets (målvärden)
# --------------------------------------------------------------------------------------------------

TARGET_FIELDS = [
    Field("Enhet", "unit_code"),
    Field("Mätetal", "indicator_id"),
    Field("År", "target_year", "integer"),
    Field("Period", "period_month", "period", required=False),
    Field("Målvärde", "target_text", required=False),
    Field("Jämförelse", "comparison_text", required=False),
    Field("Tolerans", "tolerance", "number", required=False),
    Field("Tolerans %", "tolerance_pct", "number", required=False),
    Field("Bedöms på", "basis_text", required=False),
]


class GoalTargetSource(CsvSource):
    """Målvärden: per unit, indicator and year (or part of a year), the target and how it is compared."""

    name = "goal_targets"
    depends_on: tuple[str, ...] = ("organisation", "goal_indicators")
    contract_doc = "docs/extracts/goal_targets.md"
    schema = (
        RawColumn("unit_code", "VARCHAR", nullable=False),
        RawColumn("indicator_id", "VARCHAR", nullable=False),
        RawColumn("target_year", "INTEGER", nullable=False),
        RawColumn("period_month", "DATE"),
        RawColumn("target_value", "DOUBLE"),
        RawColumn("comparison", "VARCHAR"),
        RawColumn("tolerance", "DOUBLE"),
        RawColumn("tolerance_pct", "DOUBLE"),
        RawColumn("status_basis", "VARCHAR"),
    )
    fields = TARGET_FIELDS

    def plan(self, delivered: Delivered, staged: Staged) -> Plan:
        codes, setup = _code_rules(delivered)
        period = "coalesce(strftime(period_month, '%Y-%m'), '(whole year)')"
        value, is_word = _number_or_yes_no("target_text")
        return Plan(
            derived={
                "kind": _kind(),
                # a ja/nej indicator: Ja required unless said otherwise, compared as equal
                "target_value": f"CASE WHEN kind = 'yes_no' AND target_text IS NULL THEN 1 ELSE {value} END",
                "comparison": f"CASE WHEN kind = 'yes_no' AND comparison_text IS NULL THEN 'equal_to' "
                f"ELSE {_normalised('comparison_text', COMPARISONS)} END",
                "status_basis": _normalised("basis_text", STATUS_BASES),
            },
            rules=[
                *required({"unit_code": "Enhet", "indicator_id": "Mätetal", "target_year": "År"}),
                # a qualitative indicator's status is reported by its unit: the target row only says
                # it is followed up; a ja/nej indicator's target is Ja unless given
                *_value_rules("target_text", value, is_word, "Målvärde", required_unless="kind <> 'numeric'"),
                Rule(
                    "Jämförelse is required",
                    "comparison_text IS NULL AND kind = 'numeric'",
                    header="Jämförelse",
                    value="'(empty)'",
                ),
                Rule(
                    "Bedöms på must be utfall or prognos (or outcome, forecast); empty = the region's statusbas",
                    "basis_text IS NOT NULL AND status_basis IS NULL",
                    header="Bedöms på",
                    value="basis_text",
                ),
                Rule(
                    "Jämförelse of a ja/nej indicator is lika med (or empty)",
                    "kind = 'yes_no' AND comparison IS NOT NULL AND comparison <> 'equal_to'",
                    header="Jämförelse",
                    value="comparison_text",
                ),
                _year_rule("target_year", "År"),
                *not_negative({"tolerance": "Tolerans", "tolerance_pct": "Tolerans %"}),
                Rule(
                    "give the band as Tolerans (in the indicator's unit) or as Tolerans % (of the target), not both",
                    "tolerance IS NOT NULL AND tolerance_pct IS NOT NULL",
                    header="Tolerans, Tolerans %",
                    value="CAST(tolerance AS VARCHAR) || ' and ' || CAST(tolerance_pct AS VARCHAR) || ' %'",
                ),
                *codes,
                Rule(
                    "Jämförelse must be högst, minst, lägre än, högre än, ökning med % or lika med "
                    "(or at most, at least, lower than, higher than, increase by %, equal to)",
                    "comparison_text IS NOT NULL AND comparison IS NULL",
                    header="Jämförelse",
                    value="comparison_text",
                ),
                Rule(
                    "Period must lie in År",
                    "period_month IS NOT NULL AND target_year IS NOT NULL AND year(period_month) <> target_year",
                    header="Period",
                    value="strftime(period_month, '%Y-%m')",
                ),
                Unique(
                    "an Enhet, Mätetal, År and Period appear twice in the delivery",
                    ("unit_code", "indicator_id", "CAST(target_year AS VARCHAR)", period),
                    header="Enhet, Mätetal, År, Period",
                ),
            ],
            periods=f"CASE WHEN period_month IS NULL THEN CAST(target_year AS VARCHAR) || '-12' "
            f"ELSE {month_code('period_month')} END",
            measure="target_value",
            setup=setup,
        )


# --------------------------------------------------------------------------------------------------
# Goal structure (målstruktur)
# --------------------------------------------------------------------------------------------------

STRUCTURE_FIELDS = [
    Field("År", "structure_year", "integer"),
    Field("Perspektiv", "perspective", required=False),
    Field("Mål", "goal", required=False),
    Field("Framgångsfaktor", "success_factor", required=False),
    *[Field(f"Nivå {n}", f"given_level_{n}", required=False) for n in range(1, MAX_LEVELS + 1)],
    Field("Mätetal", "indicator_id"),
    Field("Enhet", "unit_code"),
    Field("Ordning", "sort_order", "integer", required=False),
    Field("Kommentar", "comment", required=False),
]


class GoalStructureSource(CsvSource):
    """Målstruktur: per year, which unit reports which indicator where in the region's goal structure:
    perspektiv → mål → framgångsfaktor, or the region's own levels ``Nivå 1`` … ``Nivå 5``."""

    name = "goal_structure"
    depends_on: tuple[str, ...] = ("organisation", "goal_indicators")
    contract_doc = "docs/extracts/goal_structure.md"
    schema = (
        RawColumn("structure_year", "INTEGER", nullable=False),
        RawColumn("perspective", "VARCHAR"),
        RawColumn("goal", "VARCHAR"),
        RawColumn("success_factor", "VARCHAR"),
        RawColumn("indicator_id", "VARCHAR", nullable=False),
        RawColumn("unit_code", "VARCHAR", nullable=False),
        RawColumn("sort_order", "INTEGER"),
        RawColumn("comment", "VARCHAR"),
        *[RawColumn(level, "VARCHAR") for level in LEVELS],
    )
    fields = STRUCTURE_FIELDS
    #: the classic three columns (Mål at least), or the region's own levels (Nivå 1 at least)
    one_of = ((("goal",), ("given_level_1",)),)

    def plan(self, delivered: Delivered, staged: Staged) -> Plan:
        codes, setup = _code_rules(delivered)
        classic = "coalesce(perspective, goal, success_factor) IS NOT NULL"
        given = [f"given_{level}" for level in LEVELS]
        own = f"coalesce({', '.join(given)}) IS NOT NULL"
        path = f"concat_ws(' › ', {', '.join(given)})"
        classic_columns = ("perspective", "goal", "success_factor", "NULL", "NULL")
        return Plan(
            # the classic columns are levels 1-3 (perspektiv, mål, framgångsfaktor)
            derived={
                level: f"CASE WHEN {own} THEN given_{level} ELSE {column} END"
                for level, column in zip(LEVELS, classic_columns, strict=True)
            },
            rules=[
                *required({"structure_year": "År", "indicator_id": "Mätetal", "unit_code": "Enhet"}),
                Rule("Mål is required", f"goal IS NULL AND NOT ({own})", header="Mål", value="'(empty)'"),
                Rule(
                    "give the place in the goal structure either as Perspektiv / Mål / Framgångsfaktor or as "
                    "Nivå 1-5, not both",
                    f"{classic} AND {own}",
                    header="Mål, Nivå 1",
                    value=f"coalesce(goal, perspective, success_factor) || ' and ' || {path}",
                ),
                *[
                    Rule(
                        f"Nivå {n} needs Nivå {n - 1}: the levels are filled from the top",
                        f"given_level_{n} IS NOT NULL AND given_level_{n - 1} IS NULL",
                        header=f"Nivå {n}",
                        value=f"given_level_{n}",
                    )
                    for n in range(2, MAX_LEVELS + 1)
                ],
                _year_rule("structure_year", "År"),
                *not_negative({"sort_order": "Ordning"}),
                *codes,
                Unique(
                    "an År, Enhet, Mätetal and Mål appear twice in the delivery",
                    ("CAST(structure_year AS VARCHAR)", "unit_code", "indicator_id", f"coalesce(goal, {path})"),
                    header="År, Enhet, Mätetal, Mål",
                ),
            ],
            periods="CAST(structure_year AS VARCHAR) || '-12'",
            setup=setup,
        )


# --------------------------------------------------------------------------------------------------
# Activities (aktiviteter)
# --------------------------------------------------------------------------------------------------

#: Status as delivered -> the activity status id.
ACTIVITY_STATUSES = {
    "ej påbörjad": "not_started",
    "ej startad": "not_started",
    "not started": "not_started",
    "pågående": "in_progress",
    "pågår": "in_progress",
    "in progress": "in_progress",
    "pausad": "paused",
    "paused": "paused",
    "genomförd": "done",
    "klar": "done",
    "done": "done",
}

ACTIVITY_FIELDS = [
    Field("År", "structure_year", "integer"),
    Field("Mål", "goal"),
    Field("Aktivitet", "activity"),
    Field("Beskrivning", "description", required=False),
    Field("Enhet", "unit_code"),
    Field("Start", "start_date", "date", required=False),
    Field("Slut", "end_date", "date", required=False),
    Field("Period", "period_month", "period"),
    Field("Status", "status_text"),
    Field("Kommentar", "comment", required=False),
]


class GoalActivitySource(CsvSource):
    """Aktiviteter: what a unit does for a goal of the year's structure, with a status per period."""

    name = "goal_activities"
    depends_on: tuple[str, ...] = ("organisation",)
    contract_doc = "docs/extracts/goal_activities.md"
    schema = (
        RawColumn("structure_year", "INTEGER", nullable=False),
        RawColumn("goal", "VARCHAR", nullable=False),
        RawColumn("activity", "VARCHAR", nullable=False),
        RawColumn("description", "VARCHAR"),
        RawColumn("unit_code", "VARCHAR", nullable=False),
        RawColumn("start_date", "DATE"),
        RawColumn("end_date", "DATE"),
        RawColumn("period_month", "DATE", nullable=False),
        RawColumn("activity_status", "VARCHAR", nullable=False),
        RawColumn("comment", "VARCHAR"),
    )
    fields = ACTIVITY_FIELDS

    def plan(self, delivered: Delivered, staged: Staged) -> Plan:
        known, setup = units_table(delivered.settings, delivered.region_id)
        units = unit_rules("unit_code", None, known=known, header="Enhet", not_a_unit=_UNIT_RULE)[1:]
        return Plan(
            derived={"activity_status": _normalised("status_text", ACTIVITY_STATUSES)},
            rules=[
                *required(
                    {
                        "structure_year": "År",
                        "goal": "Mål",
                        "activity": "Aktivitet",
                        "unit_code": "Enhet",
                        "period_month": "Period",
                        "status_text": "Status",
                    }
                ),
                *[Rule(r.rule, r.where, header="Enhet", value="unit_code") for r in units],
                _year_rule("structure_year", "År"),
                Rule(
                    "Status must be ej påbörjad, pågående, pausad or genomförd (or not started, in progress, "
                    "paused, done)",
                    "status_text IS NOT NULL AND activity_status IS NULL",
                    header="Status",
                    value="status_text",
                ),
                Rule(
                    "Slut must not lie before Start",
                    "start_date IS NOT NULL AND end_date IS NOT NULL AND end_date < start_date",
                    header="Start, Slut",
                    value="strftime(start_date, '%Y-%m-%d') || ' - ' || strftime(end_date, '%Y-%m-%d')",
                ),
                Rule(
                    "Period must lie in År (the status is for a period of the structure's year)",
                    "period_month IS NOT NULL AND structure_year IS NOT NULL AND year(period_month) <> structure_year",
                    header="Period",
                    value="strftime(period_month, '%Y-%m')",
                ),
                Unique(
                    "an Enhet, Mål, Aktivitet and Period appear twice in the delivery",
                    ("unit_code", "goal", "activity", "strftime(period_month, '%Y-%m')"),
                    header="Enhet, Mål, Aktivitet, Period",
                ),
            ],
            periods=month_code("period_month"),
            setup=setup,
        )


# --------------------------------------------------------------------------------------------------
# Reported values (rapporterade värden)
# --------------------------------------------------------------------------------------------------

VALUE_FIELDS = [
    Field("Enhet", "unit_code"),
    Field("Mätetal", "indicator_id"),
    Field("Period", "period_month", "period"),
    Field("Fönster", "window_text", required=False),
    Field("Värde", "value_text", required=False),
    Field("Kön", "gender_text", required=False),
    Field("Kommentar", "comment", required=False),
    Field("Status", "status_text", required=False),
]
#: Status as a unit reports it for a qualitative indicator -> the status id.
REPORTED_STATUSES = {
    "uppfyllt": "met",
    "uppfylld": "met",
    "met": "met",
    "delvis uppfyllt": "partly_met",
    "delvis uppfylld": "partly_met",
    "partly met": "partly_met",
    "ej uppfyllt": "not_met",
    "inte uppfyllt": "not_met",
    "ej uppfylld": "not_met",
    "not met": "not_met",
}


class GoalReportedValueSource(CsvSource):
    """Rapporterade värden: values of the ``goals`` indicators, which no other extract computes."""

    name = "goal_reported_values"
    depends_on: tuple[str, ...] = ("organisation", "goal_indicators")
    contract_doc = "docs/extracts/goal_reported_values.md"
    schema = (
        RawColumn("unit_code", "VARCHAR", nullable=False),
        RawColumn("indicator_id", "VARCHAR", nullable=False),
        RawColumn("period_month", "DATE", nullable=False),
        RawColumn("window_name", "VARCHAR", nullable=False),
        RawColumn("value", "DOUBLE"),
        RawColumn("gender", "VARCHAR", nullable=False),
        RawColumn("comment", "VARCHAR"),
        RawColumn("reported_status", "VARCHAR"),
    )
    fields = VALUE_FIELDS

    def plan(self, delivered: Delivered, staged: Staged) -> Plan:
        codes, setup = _code_rules(delivered)
        domains = indicator_domains(delivered.settings)
        delivered_codes = [
            row[0]
            for row in delivered.connection.execute(
                "SELECT DISTINCT indicator_id FROM rows WHERE indicator_id IS NOT NULL ORDER BY 1"
            ).fetchall()
        ]
        computed = [code for code in delivered_codes if domains.get(code, REPORTED_DOMAIN) != REPORTED_DOMAIN]
        value, is_word = _number_or_yes_no("value_text")
        return Plan(
            derived={
                "kind": _kind(),
                "value": value,
                "reported_status": _normalised("status_text", REPORTED_STATUSES),
                "window_id": _normalised("window_text", WINDOWS),
                "window_name": "CASE WHEN window_text IS NULL THEN 'year' ELSE window_id END",
                "gender": "coalesce(upper(gender_text), 'T')",
            },
            rules=[
                *required({"unit_code": "Enhet", "indicator_id": "Mätetal", "period_month": "Period"}),
                *_value_rules("value_text", value, is_word, "Värde", required_unless="kind = 'qualitative'"),
                Rule(
                    "Status is required for a qualitative indicator (uppfyllt, delvis uppfyllt or ej uppfyllt)",
                    "kind = 'qualitative' AND status_text IS NULL",
                    header="Status",
                    value="'(empty)'",
                ),
                Rule(
                    "Status must be uppfyllt, delvis uppfyllt or ej uppfyllt (or met, partly met, not met)",
                    "status_text IS NOT NULL AND reported_status IS NULL",
                    header="Status",
                    value="status_text",
                ),
                Rule(
                    "Status is reported for qualitative indicators only: the status of this one is computed",
                    "status_text IS NOT NULL AND kind <> 'qualitative'",
                    header="Status",
                    value="status_text",
                ),
                *codes,
                # One rule per indicator of another domain in the file: the rule names the indicator and domain.
                *[
                    Rule(
                        f"Mätetal {code} is computed from the {domains[code]} extracts: "
                        f"only indicators of domain {REPORTED_DOMAIN} are reported",
                        f"indicator_id = {sql_string(code)}",
                        ("indicator_id",),
                    )
                    for code in computed
                ],
                Rule(
                    "Fönster must be år, ack, månad, tertial or prognos (or year, ytd, month, forecast); empty = år",
                    "window_text IS NOT NULL AND window_id IS NULL",
                    header="Fönster",
                    value="window_text",
                ),
                Rule(
                    "Fönster år (a whole year) needs a Period in December, the year's end",
                    "window_name = 'year' AND month(period_month) <> 12",
                    header="Fönster, Period",
                    value="strftime(period_month, '%Y-%m')",
                ),
                Rule(
                    "Kön must be T (totalt), K (kvinnor) or M (män)",
                    "gender NOT IN ('T', 'K', 'M')",
                    header="Kön",
                    value="gender_text",
                ),
                Unique(
                    "an Enhet, Mätetal, Period, Fönster and Kön appear twice in the delivery",
                    ("unit_code", "indicator_id", "strftime(period_month, '%Y-%m')", "window_name", "gender"),
                    header="Enhet, Mätetal, Period, Fönster, Kön",
                ),
            ],
            periods=month_code("period_month"),
            measure="value",
            setup=setup,
        )
