"""The validation gate: Great Expectations suites on the KPI mart before anything is published.

``validate_marts`` reads ``marts.kpi_indicator_values`` from ``build.duckdb`` (read-only, after dbt has
exited: DuckDB takes one writer or readers), validates it with the suites defined below and the limits
in ``expectations/tolerances.yml``, stores the results and Data Docs in a GX File context under
``settings.gx_dir``, writes ``last_gate_result.json`` there, and raises :class:`GateFailed` when any
rule is broken. Publishing (``publish.snapshot.publish``) only accepts a successful :class:`GateResult`.

The suites, one per question a reader of the published table may ask:

- ``kpi_indicator_values__grain``: is every row a well-formed, unique cell of the declared grain?
- ``kpi_indicator_values__ratios``: are the figures plausible (0–100 %, numerator ≤ denominator for the
  bounded ratios, value = ratio of the sums)?
- ``kpi_indicator_values__suppression``: does a suppressed cell hide every figure, and does a published
  cell show the figures it needs? (sick leave is health data)
- ``kpi_indicator_values__additivity``: do women + men add up to the total (and the age bands to all),
  and does secondary suppression hold along those dimensions? Checked on a comparison frame built in
  pandas, one row per total cell.
- ``kpi_indicator_values__completeness``: does every region-month loaded from the ledger appear?

The gate also records a fingerprint (row count and an order-independent hash of the rows) of every
table in schema ``marts``; publish recomputes it on its copy and refuses when the build changed after
validation, so what readers get is exactly what was validated.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd
import yaml

from expectations.finance_gate import finance_frames, finance_plan
from expectations.ridership_gate import ridership_frames, ridership_plan
from regionkpi import seeds
from regionkpi.errors import RegionkpiError
from regionkpi.fsio import write_json_atomically
from regionkpi.gx import (
    ExpectationFailure,
    SuiteRun,
    build_data_docs,
    make_context,
    run_identifier,
    run_suite,
)
from regionkpi.settings import Settings

if TYPE_CHECKING:
    import pyarrow as pa
    from great_expectations.expectations import Expectation

log = logging.getLogger(__name__)

MARTS_SCHEMA = "marts"
TABLE = "kpi_indicator_values"
TOLERANCES_PATH = Path(__file__).with_name("tolerances.yml")
GATE_RESULT_FILE = "last_gate_result.json"

#: The published table's grain (docs/published_kpi_table.md) and the suppression cell (all indicators).
GRAIN = (
    "region_id",
    "organisation_id",
    "indicator_id",
    "period",
    "window",
    "gender",
    "age_band",
    "breakdown",
    "breakdown_id",
)
CELL = ("region_id", "organisation_id", "period", "window", "gender", "age_band")
COLUMNS = (
    "region_id",
    "region_name",
    "organisation_id",
    "organisation_name",
    "organisation_level",
    "indicator_id",
    "period",
    "window",
    "gender",
    "age_band",
    "value",
    "numerator",
    "denominator",
    "unit",
    "is_suppressed",
    "suppression_reason",
    "breakdown",
    "breakdown_id",
    "breakdown_name",
)
#: The code lists the gate checks beside the contract's own: the statutory groups, owned by their seeds.
SEED_GROUPS = {"gender": seeds.genders, "age_band": seeds.age_bands}

SUITE_GRAIN = f"{TABLE}__grain"
SUITE_RATIOS = f"{TABLE}__ratios"
SUITE_SUPPRESSION = f"{TABLE}__suppression"
SUITE_ADDITIVITY = f"{TABLE}__additivity"
SUITE_COMPLETENESS = f"{TABLE}__completeness"


class GateError(RegionkpiError, RuntimeError):
    """The gate could not run (no build database, no table, no ledger): nothing may be published."""


class GateFailed(GateError):
    """The gate ran and at least one rule is broken. ``result`` holds every failure."""

    def __init__(self, result: GateResult):
        self.result = result
        super().__init__(result.describe())

    def __reduce__(self) -> tuple[Any, ...]:  # picklable across processes (executors, multiprocessing)
        return (type(self), (self.result,))


@dataclass(frozen=True)
class GateResult:
    """What the gate checked and found; serialisable so an Airflow task can hand it to publish."""

    success: bool
    run_id: str
    checked_at: str
    table: str
    rows: int
    statistics: dict[str, dict[str, Any]]
    failures: list[ExpectationFailure]
    data_docs_index: str | None
    #: table in schema marts -> {"rows": int, "hash": str}; publish compares its copy against it.
    marts_fingerprint: dict[str, dict[str, Any]] = field(default_factory=dict)
    duration_seconds: float = 0.0

    def describe(self, max_rows: int = 5) -> str:
        evaluated = sum(s["evaluated_expectations"] for s in self.statistics.values())
        failed = sum(s["unsuccessful_expectations"] for s in self.statistics.values())
        verdict = "passed" if self.success else "FAILED"
        lines = [
            f"Gate {verdict} for run {self.run_id}: {failed} of {evaluated} expectations failed on "
            f"{MARTS_SCHEMA}.{self.table} ({self.rows} rows)."
        ]
        lines += [failure.describe(max_rows) for failure in self.failures]
        if self.data_docs_index:
            lines.append(f"Data Docs: {self.data_docs_index}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "success": self.success,
            "run_id": self.run_id,
            "checked_at": self.checked_at,
            "table": self.table,
            "rows": self.rows,
            "statistics": self.statistics,
            "failures": [failure.to_dict() for failure in self.failures],
            "data_docs_index": self.data_docs_index,
            "marts_fingerprint": self.marts_fingerprint,
            "duration_seconds": self.duration_seconds,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GateResult:
        values = dict(data)
        values["failures"] = [ExpectationFailure.from_dict(f) for f in values.get("failures", [])]
        return cls(**values)


# Reading ------------------------------------------------------------------------------------------


def load_tolerances(path: Path | None = None) -> dict[str, Any]:
    """The reviewed limits of the gate (expectations/tolerances.yml). An additivity rule along gender or
    age band takes its total and parts from the dimension's seed (:data:`SEED_GROUPS`), their one owner."""
    with open(path or TOLERANCES_PATH, encoding="utf-8") as handle:
        tolerances = yaml.safe_load(handle)
    for rule in tolerances.get("additivity", []):
        if "parts" not in rule:
            groups = SEED_GROUPS[rule["dimension"]]()
            rule["total"] = seeds.total(groups).code
            rule["parts"] = [group.code for group in seeds.parts(groups)]
    return tolerances


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def marts_fingerprint(con: duckdb.DuckDBPyConnection, catalog: str, schema: str) -> dict[str, dict[str, Any]]:
    """Row count and an order-independent hash of the rows of every table and view in ``catalog.schema``.

    DuckDB's ``hash`` of a row is deterministic for a given DuckDB version, so the same rows copied into
    another database give the same fingerprint.
    """
    tables = [
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = ? and table_schema = ? order by table_name",
            [catalog, schema],
        ).fetchall()
    ]
    fingerprint: dict[str, dict[str, Any]] = {}
    for name in tables:
        qualified = f"{_quote(catalog)}.{_quote(schema)}.{_quote(name)}"
        rows, digest = con.execute(
            f"select count(*), coalesce(sum(hash(t)), 0)::varchar from {qualified} as t"  # noqa: S608 - names come from the catalog
        ).fetchone()
        fingerprint[name] = {"rows": int(rows), "hash": digest}
    return fingerprint


def read_marts(
    build_db_path: Path, raw_dir: Path | None = None, *, memory_limit: str = "512MB"
) -> tuple[pd.DataFrame, dict[str, dict[str, Any]]] | tuple[pd.DataFrame, dict[str, dict[str, Any]], GateInputs]:
    """The KPI table as a DataFrame and the fingerprint of schema marts, read in one read-only session.

    With ``raw_dir`` also the finance frames and the HR indicator ids (:class:`GateInputs`), from the
    same session, so everything the gate checks belongs to the fingerprinted build. ``memory_limit``
    caps DuckDB's own memory in that session (as for dbt; unset, DuckDB may take 80 % of the RAM).
    """
    if not build_db_path.exists():
        raise GateError(f"no build database at {build_db_path}: run the dbt build before the gate")
    try:
        con = duckdb.connect(str(build_db_path), read_only=True, config={"memory_limit": memory_limit})
    except duckdb.Error as error:
        raise GateError(
            f"cannot open {build_db_path} read-only ({error}); is dbt (the only writer) still running?"
        ) from error
    with closing(con):
        catalog = con.execute("select current_database()").fetchone()[0]
        exists = con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [MARTS_SCHEMA, TABLE],
        ).fetchone()[0]
        if not exists:
            raise GateError(f"{MARTS_SCHEMA}.{TABLE} does not exist in {build_db_path}")
        query = f"select * from {MARTS_SCHEMA}.{TABLE}"  # noqa: S608 - constants
        df = _categorical_frame(con.execute(query).to_arrow_reader(FETCH_ROWS))
        fingerprint = marts_fingerprint(con, catalog, MARTS_SCHEMA)
        missing = [column for column in COLUMNS if column not in df.columns]
        if missing:
            raise GateError(f"{MARTS_SCHEMA}.{TABLE} lacks the contract columns {missing}")
        if raw_dir is None:
            return df, fingerprint
        query = "select indicator_id from marts.dim_indicator where domain = 'hr'"
        hr_indicators = {row[0] for row in con.execute(query).fetchall()}
        inputs = GateInputs(
            hr_indicators=hr_indicators, finance=finance_frames(con, raw_dir), ridership=ridership_frames(con)
        )
    return df, fingerprint, inputs


#: Rows per Arrow batch while reading the KPI table: only one batch's text is ever held undecoded.
FETCH_ROWS = 100_000


def _categorical_frame(reader: pa.RecordBatchReader) -> pd.DataFrame:
    """The batches as one DataFrame whose text columns are pandas categoricals.

    The codes repeat across 1.8 M rows (a few hundred organisations, periods and indicators), so each
    batch's text is dictionary-encoded by Arrow as it arrives and the table never holds its strings
    at once, neither as Arrow nor as Python objects. The other columns are copied out of the batch:
    a batch DuckDB hands over stays alive, strings and all, while any of its columns is referenced.
    For the demo's 1.8 M rows the frame takes 75 MB and reading it peaks at 0.6 GB (``.df()``: 2.1 GB);
    GX's null, set, regex and uniqueness checks run on the categories. Doubles and booleans keep
    ``.df()``'s dtypes.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    def own(column: pa.Array) -> pa.Array:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            return pc.dictionary_encode(column)
        return pa.concat_arrays([column])  # a copy: lets the batch go

    batches = [
        pa.RecordBatch.from_arrays([own(column) for column in batch.columns], names=batch.schema.names)
        for batch in reader
    ]
    if not batches:
        return reader.schema.empty_table().to_pandas()
    table = pa.Table.from_batches(batches)
    del batches
    return table.to_pandas(split_blocks=True, self_destruct=True)


@dataclass
class GateInputs:
    """What the gate reads beside the KPI table: the HR indicator ids, the finance and ridership frames."""

    hr_indicators: set[str]
    finance: dict[str, pd.DataFrame]
    ridership: dict[str, pd.DataFrame]


def contract_values(settings: Settings, model: str = TABLE) -> dict[str, list[str]]:
    """The code lists of ``model``'s published contract: its columns' ``accepted_values`` tests in the
    dbt YAML (the one owner: the gate reads them instead of keeping a copy), and the gender and age-band
    codes of their seeds (:data:`SEED_GROUPS`)."""
    values: dict[str, list[str]] = {}
    for path in sorted((settings.dbt_project_dir / "models").rglob("*.yml")):
        text = path.read_text(encoding="utf-8")
        if model not in text:  # parse only the files that can declare it
            continue
        document = yaml.safe_load(text) or {}
        for node in document.get("models") or []:
            if node.get("name") != model:
                continue
            for column in node.get("columns") or []:
                for test in [*(column.get("data_tests") or []), *(column.get("tests") or [])]:
                    if isinstance(test, dict) and "accepted_values" in test:
                        accepted = test["accepted_values"]
                        listed = (accepted.get("arguments") or {}).get("values", accepted.get("values"))
                        values[column["name"]] = [str(value) for value in listed]
    if not values:
        raise GateError(
            f"no accepted_values for {model} in {settings.dbt_project_dir / 'models'}: is the model's YAML there?"
        )
    return {**values, **{column: [group.code for group in groups()] for column, groups in SEED_GROUPS.items()}}


def seed_units(settings: Settings) -> list[str]:
    """Every unit an indicator may have: the ids of ``seeds/units.csv``, the one list of them."""
    from ingest.reference import seed_rows

    return [row["unit"] for row in seed_rows(settings, "units")]


def read_expected_periods(settings: Settings, source: str, status: str) -> set[tuple[str, str]]:
    """(region_id, 'YYYY-MM') of every delivery of ``source`` with ``status`` in the delivery ledger
    (read only: the gate never creates a ledger)."""
    from ingest.ledger import LedgerMissing, backend_errors, open_ledger

    try:
        ledger = open_ledger(settings, create=False)
    except LedgerMissing as missing:
        raise GateError(f"{missing}: the gate needs it to know which regions and months must be published") from None
    except backend_errors() as error:
        raise GateError(f"cannot read the delivery ledger: {error}") from error
    try:
        return ledger.periods(source, status)
    except backend_errors() as error:
        raise GateError(f"cannot read the delivery ledger {ledger.where}: {error}") from error
    finally:
        ledger.close()


# Frames to validate -------------------------------------------------------------------------------


def with_derived_columns(df: pd.DataFrame) -> pd.DataFrame:
    """The KPI table plus two derived columns the suites check:

    ``value_deviation``: value minus what the numerator and denominator say it must be (100 × n / d for
    '%', n for counts); null where there is nothing to compare. ``cell_suppression_states``: how many
    distinct ``is_suppressed`` values the indicators of the row's cell have (1 = suppressed together).
    """
    out = df.copy()
    numerator = out["numerator"].astype("float64")
    denominator = out["denominator"].astype("float64")
    value = out["value"].astype("float64")
    ratio = out["unit"].eq("%").fillna(False) & denominator.ne(0)
    count = out["unit"].eq("count").fillna(False)
    expected = (100.0 * numerator / denominator).where(ratio).where(~count, numerator)
    out["value_deviation"] = (value - expected).where(ratio | count)
    out["cell_suppression_states"] = out.groupby(list(CELL), dropna=False)["is_suppressed"].transform("nunique")
    return out


def additivity_frame(df: pd.DataFrame, rules: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per published-or-not total cell of each additivity rule, beside the sum of its parts.

    Columns: ``rule_id``, the grain columns (the rule's dimension holds the total's code), per checked
    column ``total_<c>``, ``parts_<c>`` and ``<c>_difference`` (parts − total, only where the total and
    every part that has a row are published; a part without a row has no employees and adds 0),
    ``is_total_published``, ``is_comparable`` and ``suppressed_parts``.
    """
    value_columns = sorted({column for rule in rules for column in rule["columns"]})
    columns = [
        "rule_id",
        *GRAIN,
        *(f"{prefix}_{c}" for c in value_columns for prefix in ("total", "parts")),
        *(f"{c}_difference" for c in value_columns),
        "is_total_published",
        "is_comparable",
        "suppressed_parts",
    ]
    frames = []
    for rule in rules:
        dimension, total, parts = rule["dimension"], rule["total"], list(rule["parts"])
        keys = [column for column in GRAIN if column != dimension]
        rows = df[df["indicator_id"].isin(rule["indicators"]) & df[dimension].isin([total, *parts])]
        rows = rows.drop_duplicates([*keys, dimension])  # duplicates are the grain suite's to report
        if rows.empty:
            continue
        published = rows["is_suppressed"].astype("boolean").eq(False).fillna(False)
        wide = (
            rows.assign(_published=published.astype(object))
            .set_index([*keys, dimension])[[*rule["columns"], "_published"]]
            .unstack(dimension)
        )
        wide = wide.reindex(columns=pd.MultiIndex.from_product([[*rule["columns"], "_published"], [total, *parts]]))
        state = wide["_published"]
        has_total = state[total].notna()
        total_published = state[total].eq(True)
        # A part without a row has no employees and adds nothing; a suppressed part hides its figures.
        suppressed_parts = state[parts].eq(False).sum(axis=1)
        comparable = total_published & suppressed_parts.eq(0) & state[parts].notna().any(axis=1)
        out = pd.DataFrame(index=wide.index)
        out["rule_id"] = rule["rule_id"]
        for column in rule["columns"]:
            total_values = wide[(column, total)].astype("float64")
            parts_sum = wide[column][parts].astype("float64").sum(axis=1, min_count=1)
            out[f"total_{column}"] = total_values
            out[f"parts_{column}"] = parts_sum
            out[f"{column}_difference"] = (parts_sum - total_values).where(comparable)
        out["is_total_published"] = total_published.astype(bool)
        out["is_comparable"] = comparable.astype(bool)
        out["suppressed_parts"] = suppressed_parts.astype("int64")
        out = out[has_total].reset_index()
        out[dimension] = total
        frames.append(out)
    if not frames:
        return pd.DataFrame({column: pd.Series(dtype="object") for column in columns})
    return pd.concat(frames, ignore_index=True).reindex(columns=columns)


def completeness_frame(df: pd.DataFrame, expected: set[tuple[str, str]], spec: Mapping[str, Any]) -> pd.DataFrame:
    """One row per expected (region_id, period), with ``is_present`` telling whether the table has it."""
    shown = df[
        df["window"].eq(spec["window"]).fillna(False)
        & df["organisation_level"].eq(spec["organisation_level"]).fillna(False)
        & df["indicator_id"].eq(spec["indicator_id"]).fillna(False)
    ]
    present = set(zip(shown["region_id"].astype(str), shown["period"].astype(str), strict=True))
    pairs = sorted(expected)
    return pd.DataFrame(
        {
            "region_id": pd.Series([region for region, _ in pairs], dtype="object"),
            "period": pd.Series([period for _, period in pairs], dtype="object"),
            "is_present": pd.Series([pair in present for pair in pairs], dtype="bool"),
        }
    )


# Suites -------------------------------------------------------------------------------------------


def _meta(rule_id: str, rule: str) -> dict[str, Any]:
    return {"meta": {"rule_id": rule_id, "rule": rule}, "notes": rule}


def grain_expectations(units: Sequence[str], allowed: Mapping[str, Sequence[str]]) -> list[Expectation]:
    """The grain, the keys and the code lists: ``allowed`` are the contract's (:func:`contract_values`),
    ``units`` the units of seeds/units.csv (:func:`seed_units`)."""
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    expectations: list[Expectation] = [
        gxe.ExpectTableRowCountToBeBetween(
            min_value=1, **_meta("table_not_empty", f"{TABLE} has rows: an empty mart is never published")
        ),
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=list(GRAIN),
            **_meta(
                "grain_is_unique",
                "one row per region × organisation × indicator × period × window × gender × age band × breakdown",
            ),
        ),
    ]
    for column in (*GRAIN, "organisation_level", "unit", "direction", "domain", "is_suppressed"):
        expectations.append(
            gxe.ExpectColumnValuesToNotBeNull(column=column, **_meta("keys_are_filled", f"{column} is always filled"))
        )
    for column, values in {**allowed, "unit": list(units)}.items():
        expectations.append(
            gxe.ExpectColumnValuesToBeInSet(
                column=column,
                value_set=values,
                **_meta("codes_are_known", f"{column} is one of {', '.join(values)}"),
            )
        )
    expectations += [
        gxe.ExpectColumnValuesToMatchRegex(
            column="region_id",
            regex=r"^\d{4}$",
            **_meta("codes_are_known", "region_id is a four-digit Kolada-style code kept as text"),
        ),
        gxe.ExpectColumnValuesToMatchRegex(
            column="period",
            regex=r"^\d{4}-(?:0[1-9]|1[0-2])$",
            **_meta("codes_are_known", "period is 'YYYY-MM'"),
        ),
        gxe.ExpectColumnValuesToMatchRegex(
            column="period",
            regex=r"-12$",
            row_condition=Column("window") == "year",
            **_meta("year_window_ends_in_december", "a calendar-year window has period December"),
        ),
    ]
    return expectations


def ratio_expectations(tolerances: Mapping[str, Any]) -> list[Expectation]:
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    bounds = tolerances["ratio_range"]
    consistency = tolerances["value_consistency"]
    bounded = list(tolerances["bounded_ratios"])
    is_ratio = Column("unit") == bounds["unit"]
    expectations: list[Expectation] = [
        gxe.ExpectColumnValuesToBeBetween(
            column="value",
            min_value=bounds["min_value"] - bounds["tolerance"],
            max_value=bounds["max_value"] + bounds["tolerance"],
            row_condition=is_ratio,
            **_meta(
                "ratio_within_0_100",
                f"a ratio ({bounds['unit']}) lies within {bounds['min_value']}–{bounds['max_value']} "
                f"(± {bounds['tolerance']})",
            ),
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="denominator",
            column_B="numerator",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            row_condition=Column("indicator_id").is_in(bounded),
            **_meta(
                "numerator_not_above_denominator",
                f"numerator ≤ denominator for the bounded ratios ({', '.join(bounded)})",
            ),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="value_deviation",
            min_value=-consistency["ratio_tolerance"],
            max_value=consistency["ratio_tolerance"],
            row_condition=is_ratio,
            **_meta(
                "ratio_is_ratio_of_sums",
                "a published ratio equals 100 × numerator / denominator (the ratio of the sums, "
                f"± {consistency['ratio_tolerance']} percentage points)",
            ),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="value_deviation",
            min_value=-consistency["count_tolerance"],
            max_value=consistency["count_tolerance"],
            row_condition=Column("unit") == "count",
            **_meta("count_equals_numerator", "a published count equals its numerator"),
        ),
    ]
    for column in ("value", "numerator", "denominator"):
        expectations.append(
            gxe.ExpectColumnValuesToBeBetween(
                column=column,
                min_value=0,
                **_meta("no_negative_figures", f"{column} is never negative"),
            )
        )
    return expectations


def suppression_expectations() -> list[Expectation]:
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    suppressed = Column("is_suppressed") == True  # noqa: E712 - a GX condition, not a Python comparison
    published = Column("is_suppressed") == False  # noqa: E712
    expectations: list[Expectation] = [
        gxe.ExpectColumnValuesToBeNull(
            column=column,
            row_condition=suppressed,
            **_meta(
                "suppressed_cell_has_no_figures",
                f"a suppressed cell carries no {column} (hidden, never shown as 0)",
            ),
        )
        for column in ("value", "numerator", "denominator")
    ]
    expectations += [
        gxe.ExpectColumnValuesToNotBeNull(
            column=column,
            row_condition=(Column("unit") == "%") & published,
            **_meta(
                "published_ratio_has_numerator_and_denominator",
                f"a published ratio carries its {column}",
            ),
        )
        for column in ("numerator", "denominator")
    ]
    expectations += [
        gxe.ExpectColumnValuesToNotBeNull(
            column="value",
            row_condition=(Column("unit") == "%") & published & (Column("denominator") > 0),
            **_meta("published_cell_has_value", "a published ratio with a denominator above 0 has a value"),
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="value",
            row_condition=Column("unit").is_in(["count", "FTE"]) & published,
            **_meta("published_cell_has_value", "a published count or FTE figure has a value"),
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="suppression_reason",
            row_condition=suppressed,
            **_meta("suppression_reason_matches_flag", "a suppressed cell says why"),
        ),
        gxe.ExpectColumnValuesToBeNull(
            column="suppression_reason",
            row_condition=published,
            **_meta("suppression_reason_matches_flag", "a published cell has no suppression reason"),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="cell_suppression_states",
            value_set=[1],
            **_meta(
                "cell_suppressed_as_a_whole",
                "all indicators of a cell (region × organisation × period × window × gender × age band) "
                "are suppressed together",
            ),
        ),
    ]
    return expectations


def additivity_expectations(rules: Sequence[Mapping[str, Any]]) -> list[Expectation]:
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    expectations: list[Expectation] = []
    for rule in rules:
        of_rule = Column("rule_id") == rule["rule_id"]
        parts = " + ".join(rule["parts"])
        indicators = ", ".join(rule["indicators"])
        for column in rule["columns"]:
            expectations.append(
                gxe.ExpectColumnValuesToBeBetween(
                    column=f"{column}_difference",
                    min_value=-rule["absolute_tolerance"],
                    max_value=rule["absolute_tolerance"],
                    row_condition=of_rule & (Column("is_comparable") == True),  # noqa: E712
                    **_meta(
                        rule["rule_id"],
                        f"{column}: {parts} = {rule['total']} along {rule['dimension']} where all are "
                        f"published ({indicators}; ± {rule['absolute_tolerance']})",
                    ),
                )
            )
        expectations.append(
            gxe.ExpectColumnValuesToNotBeInSet(
                column="suppressed_parts",
                value_set=[1],
                row_condition=of_rule & (Column("is_total_published") == True),  # noqa: E712
                **_meta(
                    f"secondary_suppression_{rule['dimension']}",
                    f"a published {rule['dimension']} total ({rule['total']}) never has exactly one "
                    f"suppressed part among {parts}: it could be computed by subtraction",
                ),
            )
        )
    return expectations


def completeness_expectations(spec: Mapping[str, Any], *, serves_source: bool = True) -> list[Expectation]:
    """Every delivered period is published. ``serves_source`` false - the warehouse has neither a
    delivery of the source nor a row of its indicators (a region that follows up its goals only) - lets
    the ledger list none; otherwise at least one delivery must be listed."""
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectTableRowCountToBeBetween(
            min_value=1 if serves_source else 0,
            **_meta(
                "ledger_has_loaded_deliveries",
                f"the delivery ledger lists at least one {spec['status']} {spec['source']} delivery"
                if serves_source
                else f"no {spec['source']} delivery and no {spec['source']} figure: nothing to be complete",
            ),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="is_present",
            value_set=[True],
            **_meta(
                "expected_periods_present",
                f"every region and month of a {spec['status']} {spec['source']} delivery appears as "
                f"{spec['indicator_id']}, window '{spec['window']}', at organisation level "
                f"'{spec['organisation_level']}'",
            ),
        ),
    ]


# The gate -----------------------------------------------------------------------------------------


def validate_marts(settings: Settings, run_id: str, *, tolerances_path: Path | None = None) -> GateResult:
    """Validate ``marts.kpi_indicator_values`` of ``settings.build_db_path``; raise :class:`GateFailed`
    (carrying the :class:`GateResult`) when a rule is broken, :class:`GateError` when the gate cannot
    run. Results and Data Docs go to ``settings.gx_dir``; a JSON summary to
    ``settings.gx_dir / "last_gate_result.json"`` either way.
    """
    started = time.monotonic()
    checked_at = dt.datetime.now(dt.UTC)
    tolerances = load_tolerances(tolerances_path)
    df, fingerprint, inputs = read_marts(
        settings.build_db_path, settings.raw_dir, memory_limit=settings.duckdb_memory_limit
    )
    spec = tolerances["expected_periods"]
    expected = read_expected_periods(settings, spec["source"], spec["status"])
    kept = int(tolerances["report"]["offending_rows_kept"])

    hr = df[df["indicator_id"].isin(inputs.hr_indicators)]
    table = with_derived_columns(hr)
    rules = tolerances["additivity"]
    plan: list[tuple[str, pd.DataFrame, list[Expectation], Sequence[str], str]] = [
        (SUITE_GRAIN, df, grain_expectations(seed_units(settings), contract_values(settings)), GRAIN, TABLE),
        (SUITE_RATIOS, table, ratio_expectations(tolerances), GRAIN, TABLE),
        (SUITE_SUPPRESSION, table, suppression_expectations(), GRAIN, TABLE),
        (
            SUITE_ADDITIVITY,
            additivity_frame(hr, rules),
            additivity_expectations(rules),
            ("rule_id", *GRAIN),
            f"{TABLE}__additive_totals",
        ),
        (
            SUITE_COMPLETENESS,
            completeness_frame(hr, expected, spec),
            completeness_expectations(spec, serves_source=bool(expected) or not hr.empty),
            ("region_id", "period"),
            f"{TABLE}__expected_periods",
        ),
        *finance_plan(inputs.finance, float(tolerances["finance"]["amount_tolerance"])),
        *ridership_plan(inputs.ridership, float(tolerances["ridership"]["tolerance"])),
    ]

    context = make_context(settings.gx_dir)
    gx_run = run_identifier(run_id, checked_at)
    runs: list[SuiteRun] = [
        run_suite(
            frame,
            suite,
            expectations,
            index_columns=index,
            context=context,
            asset_name=asset,
            run_id=gx_run,
            max_rows=kept,
        )
        for suite, frame, expectations, index, asset in plan
    ]
    docs = build_data_docs(context, runs)

    result = GateResult(
        success=all(run.success for run in runs),
        run_id=run_id,
        checked_at=checked_at.isoformat(),
        table=TABLE,
        rows=len(df),
        statistics={run.suite: run.statistics for run in runs},
        failures=[failure for run in runs for failure in run.failures],
        data_docs_index=str(docs) if docs else None,
        marts_fingerprint=fingerprint,
        duration_seconds=round(time.monotonic() - started, 3),
    )
    write_json_atomically(settings.gx_dir / GATE_RESULT_FILE, result.to_dict())
    log.info(
        "gate %s for run %s in %.1f s; Data Docs: %s",
        "passed" if result.success else "failed",
        run_id,
        result.duration_seconds,
        result.data_docs_index,
    )
    if not result.success:
        raise GateFailed(result)
    return result


def load_gate_result(settings: Settings, run_id: str | None = None) -> GateResult:
    """The last gate result written under ``settings.gx_dir`` (for a publish step in another process),
    checked to belong to ``run_id`` when given."""
    path = settings.gx_dir / GATE_RESULT_FILE
    if not path.exists():
        raise GateError(f"no gate result at {path}: run the gate first")
    result = GateResult.from_dict(json.loads(path.read_text(encoding="utf-8")))
    if run_id is not None and result.run_id != run_id:
        raise GateError(f"the last gate result is for run {result.run_id}, not {run_id}: run the gate")
    return result
