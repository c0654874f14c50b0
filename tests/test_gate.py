"""The validation gate on marts.kpi_indicator_values: passes on good data, fails naming the rule on bad.

The mart is built here with DuckDB SQL from a handful of "atoms" (organisation × month × gender × age
band with hours and head counts), aggregated with GROUPING SETS the way the dbt model does, so the
good table is consistent by construction and each bad case breaks exactly one thing.
"""

from __future__ import annotations

import dataclasses
import json
import pickle
import sqlite3
from contextlib import closing
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from expectations.gate import (
    GateError,
    GateFailed,
    GateResult,
    additivity_frame,
    load_gate_result,
    load_tolerances,
    validate_marts,
)
from regionkpi.settings import Settings, load_settings

KPI_TABLE_SQL = """
create schema if not exists marts;
create table atoms (
    organisation_id varchar, period varchar, gender varchar, age_band varchar,
    ordinary_hours double, sick_hours double, long_term_hours double, employees integer
);
insert into atoms values
    ('R13', '2024-01', 'K', '-29',   1920, 96, 0,  12),
    ('R13', '2024-01', 'K', '30-49', 4800, 240, 80, 30),
    ('R13', '2024-01', 'K', '50-',   3200, 224, 120, 20),
    ('R13', '2024-01', 'M', '-29',   1760, 35, 0,  11),
    ('R13', '2024-01', 'M', '30-49', 2400, 72, 10, 15),
    ('R13', '2024-01', 'M', '50-',   1920, 96, 40, 12),
    ('R13', '2024-02', 'K', '-29',   1900, 90, 0,  12),
    ('R13', '2024-02', 'K', '30-49', 4700, 250, 90, 30),
    ('R13', '2024-02', 'K', '50-',   3100, 210, 110, 20),
    ('R13', '2024-02', 'M', '-29',   1700, 30, 0,  11),
    ('R13', '2024-02', 'M', '30-49', 2300, 70, 12, 15),
    ('R13', '2024-02', 'M', '50-',   1900, 90, 45, 12),
    ('U1',  '2024-01', 'K', '30-49', 1900, 120, 60, 12),
    ('U1',  '2024-01', 'M', '30-49', 600,  30, 0,   4),
    ('U1',  '2024-02', 'K', '30-49', 1880, 110, 50, 12),
    ('U1',  '2024-02', 'M', '30-49', 610,  20, 0,   4);

create table cells as
select organisation_id, period,
       coalesce(gender, 'T') as gender, coalesce(age_band, 'all') as age_band,
       sum(ordinary_hours) as ordinary_hours, sum(sick_hours) as sick_hours,
       sum(long_term_hours) as long_term_hours, sum(employees) as employees
from atoms
group by grouping sets ((organisation_id, period, gender), (organisation_id, period, age_band),
                        (organisation_id, period));

-- Primary: 10 or fewer employees. Secondary: U1's women, because U1's men are suppressed and the
-- total is published (T - K would reveal M).
create table flagged as
select *,
       case when employees <= 10 then 'primary: 10 or fewer employees'
            when organisation_id = 'U1' and gender = 'K' and age_band = 'all'
                then 'secondary: protects a suppressed cell'
       end as suppression_reason
from cells;

create table marts.kpi_indicator_values as
with figures as (
    select *, 'sick_leave_rate' as indicator_id, '%' as unit,
           sick_hours as numerator, ordinary_hours as denominator,
           100 * sick_hours / ordinary_hours as value
    from flagged
    union all
    select *, 'long_term_sick_leave_share', '%', long_term_hours, sick_hours,
           100 * long_term_hours / sick_hours
    from flagged
    union all
    select *, 'average_headcount', 'count', employees::double, null, employees::double
    from flagged
)
select '0013' as region_id, 'Region Halland' as region_name, organisation_id,
       case organisation_id when 'R13' then 'Region Halland' else 'Vårdcentral Ölmevalla' end
           as organisation_name,
       case organisation_id when 'R13' then 'region' else 'unit' end as organisation_level,
       indicator_id, period, 'month' as "window", gender, age_band,
       case when suppression_reason is null then value end as value,
       case when suppression_reason is null then numerator end as numerator,
       case when suppression_reason is null then denominator end as denominator,
       unit,
       case indicator_id when 'average_headcount' then 'higher_is_better' else 'lower_is_better' end as direction,
       'hr' as domain,
       suppression_reason is not null as is_suppressed,
       suppression_reason,
       'total' as breakdown, 'all' as breakdown_id, null::varchar as breakdown_name
from figures;

drop table flagged; drop table cells; drop table atoms;
"""

# The gate also reads the indicator catalogue and the finance facts; this warehouse has no finance
# deliveries, so the finance frames are empty and the finance suites have nothing to reject.
FINANCE_TABLES_SQL = """
create table marts.dim_indicator as
select * from (values ('sick_leave_rate', 'hr'), ('long_term_sick_leave_share', 'hr'), ('average_headcount', 'hr'))
    as t (indicator_id, domain);
create table marts.fct_ledger_balances (
    region_id varchar, period_month date, ansvar varchar, konto varchar, is_internal boolean,
    report_line_id varchar, report_section varchar, in_result boolean, amount decimal(18, 2), posting_count bigint
);
create table marts.fct_budget (
    region_id varchar, period_month date, ansvar varchar, report_line_id varchar, report_section varchar
);
create table marts.fct_forecast (
    region_id varchar, vintage_month date, forecast_year integer, ansvar varchar, report_line_id varchar,
    report_section varchar
);
create schema intermediate;
create table intermediate.int_ridership_months_covered (
    family varchar, region_id varchar, period_month date, is_complete boolean
);
create table intermediate.int_organisation_ancestors_resolved (
    region_id varchar, period_month date, organisation_id varchar, parent_organisation_id varchar,
    organisation_level varchar, ancestor_organisation_id varchar, ancestor_depth integer
);
"""

LEDGER_SQL = """
create table deliveries (
    seq integer primary key, delivery_id text, source text, region_id text, file_name text,
    sha256 text, periods text, rows integer, status text, reason text, received_at text,
    finished_at text
);
"""

DELIVERIES = [
    # seq, source, region, periods, status
    (1, "hr_sick_leave", "0013", "2024-01,2024-02", "loaded"),
    (2, "hr_sick_leave", "0013", "2024-01,2024-02", "duplicate"),
    (3, "hr_sick_leave", "0013", "2024-04", "quarantined"),
    (4, "organisation", "0013", "2024-05", "loaded"),
]

#: Bad cases: (rule id the gate must name, SQL that breaks it, extra ledger deliveries, an offending key)
_FINANCE_ROW = """insert into marts.kpi_indicator_values by name
select '0013' as region_id, 'Region Halland' as region_name, '{org}' as organisation_id,
       'Vårdcentral Ölmevalla' as organisation_name, 'unit' as organisation_level, '{indicator}' as indicator_id,
       '{period}' as period, 'month' as "window", 'T' as gender, 'all' as age_band, {value} as value,
       {value} as numerator, null as denominator, '{unit}' as unit, 'higher_is_better' as direction,
       'finance' as domain, false as is_suppressed,
       '{breakdown}' as breakdown, '{breakdown_id}' as breakdown_id"""


def _finance_row(
    indicator: str,
    value: float,
    org: str = "U1",
    breakdown: str = "total",
    breakdown_id: str = "all",
    period: str = "2024-01",
    unit: str = "SEK",
):
    return _FINANCE_ROW.format(
        org=org, indicator=indicator, value=value, breakdown=breakdown, breakdown_id=breakdown_id, period=period,
        unit=unit,
    )  # fmt: skip


def _ridership_row(indicator: str, value: float, **keys: str) -> str:
    return _finance_row(indicator, value, org="T1", unit=keys.pop("unit", "count"), **keys)


BAD_CASES = {
    "traffic_areas_do_not_add_up": (
        "ridership_parts_add_up",
        ";".join(
            [
                _ridership_row("boardings", 100),
                _ridership_row("boardings", 60, breakdown="traffic_area", breakdown_id="stad"),
                _ridership_row("boardings", 30, breakdown="traffic_area", breakdown_id="region"),
            ]
        ),
        [],
        "T1",
    ),
    "change_pct_not_the_two_periods": (
        "change_consistent_with_periods",
        ";".join(
            [
                _ridership_row("boardings", 110, period="2024-01"),
                _ridership_row("boardings", 100, period="2023-01"),
                _ridership_row("boardings_change", 10, period="2024-01"),
                _ridership_row("boardings_change_pct", 5, period="2024-01", unit="%"),
            ]
        ),
        [],
        "T1",
    ),
    "change_without_last_year": (
        "change_has_both_periods",
        ";".join([_ridership_row("boardings", 110), _ridership_row("boardings_change", 10)]),
        [],
        "T1",
    ),
    "month_missing_inside_the_delivered_span": (
        "no_month_missing",
        """insert into intermediate.int_ridership_months_covered values
           ('boardings', '0013', date '2024-01-01', true), ('boardings', '0013', date '2024-03-01', true),
           ('boardings', '0013', date '2024-04-01', false)""",
        [],
        "2024-02",
    ),
    "deviation_not_budget_minus_outcome": (
        "deviation_is_budget_minus_outcome",
        ";".join(
            [
                _finance_row("finance_outcome", 100),
                _finance_row("finance_budget", 150),
                _finance_row("finance_budget_deviation", 40),
            ]
        ),
        [],
        "U1",
    ),
    "report_sections_do_not_add_up": (
        "totals_equal_sum_of_parts",
        ";".join(
            [
                _finance_row("finance_outcome", 100),
                _finance_row("finance_outcome", 90, breakdown="report_section", breakdown_id="Kostnader"),
            ]
        ),
        [],
        "U1",
    ),
    "budget_misses_an_active_responsibility": (
        "plans_cover_active_responsibilities",
        """insert into marts.fct_ledger_balances by name
           select '0013' as region_id, date '2024-01-01' as period_month, 'U1' as ansvar, '4010' as konto,
                  true as in_result, false as is_internal, 10 as amount, 1 as posting_count;
           insert into marts.fct_budget by name
           select '0013' as region_id, date '2024-01-01' as period_month, 'R13' as ansvar""",
        [],
        "U1",
    ),
    "fact_holds_rows_no_delivery_has": (
        "ledger_rows_reconcile",
        """insert into marts.fct_ledger_balances by name
           select '0017' as region_id, date '2024-01-01' as period_month, 'X' as ansvar, '4010' as konto,
                  true as in_result, false as is_internal, 10 as amount, 1 as posting_count""",
        [],
        "0017",
    ),
    "ratio_120_percent": (
        "ratio_within_0_100",
        """update marts.kpi_indicator_values set value = 120
           where indicator_id = 'sick_leave_rate' and organisation_id = 'R13' and period = '2024-01'
             and gender = 'T' and age_band = 'all'""",
        [],
        "R13",
    ),
    "numerator_above_denominator": (
        "numerator_not_above_denominator",
        """update marts.kpi_indicator_values set numerator = denominator + 50
           where indicator_id = 'long_term_sick_leave_share' and organisation_id = 'U1'
             and period = '2024-02' and gender = 'T' and age_band = 'all'""",
        [],
        "U1",
    ),
    "suppressed_cell_with_value": (
        "suppressed_cell_has_no_figures",
        """update marts.kpi_indicator_values set value = 0
           where is_suppressed and organisation_id = 'U1' and gender = 'M' and period = '2024-01'
             and indicator_id = 'average_headcount'""",
        [],
        "U1",
    ),
    "women_plus_men_not_total": (
        "gender_parts_add_up",
        """update marts.kpi_indicator_values
           set numerator = numerator + 5, value = 100 * (numerator + 5) / denominator
           where indicator_id = 'sick_leave_rate' and organisation_id = 'R13' and period = '2024-02'
             and gender = 'K' and age_band = 'all'""",
        [],
        "R13",
    ),
    "value_not_ratio_of_sums": (
        "ratio_is_ratio_of_sums",
        """update marts.kpi_indicator_values set value = value + 0.5
           where indicator_id = 'sick_leave_rate' and organisation_id = 'R13' and period = '2024-02'
             and gender = 'T' and age_band = 'all'""",
        [],
        "R13",
    ),
    "missing_expected_period": (
        "expected_periods_present",
        None,
        [(5, "hr_sick_leave", "0013", "2024-03", "loaded")],
        "2024-03",
    ),
    "duplicate_key": (
        "grain_is_unique",
        """insert into marts.kpi_indicator_values
           select * from marts.kpi_indicator_values
           where indicator_id = 'sick_leave_rate' and organisation_id = 'U1' and period = '2024-01'
             and gender = 'T' and age_band = 'all'""",
        [],
        "U1",
    ),
}


def make_settings(tmp_path: Path) -> Settings:
    return load_settings({"REGIONKPI_ROOT": str(tmp_path)})


def build_warehouse(
    settings: Settings, breakage: str | None = None, extra_deliveries: list[tuple] | None = None
) -> None:
    """A tiny build.duckdb with marts.kpi_indicator_values and a delivery ledger."""
    settings.build_db_path.parent.mkdir(parents=True, exist_ok=True)
    with closing(duckdb.connect(str(settings.build_db_path))) as con:
        con.execute(KPI_TABLE_SQL)
        con.execute("create table marts.dim_region as select '0013' as region_id, 'Region Halland' as name")
        con.execute(FINANCE_TABLES_SQL)
        if breakage:
            con.execute(breakage)
    settings.ledger_path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(settings.ledger_path)) as ledger:
        ledger.executescript(LEDGER_SQL)
        for seq, source, region, periods, status in [*DELIVERIES, *(extra_deliveries or [])]:
            ledger.execute(
                "insert into deliveries values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (seq, f"d{seq:015d}", source, region, f"file{seq}.csv", "0" * 64, periods, 10, status,
                 None, "2024-03-05T08:00:00", "2024-03-05T08:00:05"),
            )  # fmt: skip
        ledger.commit()


def kpi_table(settings: Settings) -> pd.DataFrame:
    with closing(duckdb.connect(str(settings.build_db_path), read_only=True)) as con:
        return con.execute("select * from marts.kpi_indicator_values").df()


def test_good_mart_passes_and_records_results(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    build_warehouse(settings)

    result = validate_marts(settings, "run-good")

    assert result.success, result.describe()
    assert result.failures == []
    assert result.rows == len(kpi_table(settings)) > 0
    assert set(result.statistics) == {
        "kpi_indicator_values__grain",
        "kpi_indicator_values__ratios",
        "kpi_indicator_values__suppression",
        "kpi_indicator_values__additivity",
        "kpi_indicator_values__completeness",
        "finance__ledger_reconciles",
        "finance__plan_coverage",
        "finance__deviations_consistent",
        "finance__totals_add_up",
        "ridership__parts_add_up",
        "ridership__changes_consistent",
        "ridership__months_complete",
    }
    for statistics in result.statistics.values():
        assert statistics["evaluated_expectations"] > 0
        assert statistics["unsuccessful_expectations"] == 0
    # The comparison frames are not empty: the additivity and completeness rules really ran on rows.
    assert result.statistics["kpi_indicator_values__additivity"]["rows"] > 0
    assert result.statistics["kpi_indicator_values__completeness"]["rows"] == 2
    assert result.data_docs_index and Path(result.data_docs_index).is_file()
    assert Path(result.data_docs_index).is_relative_to(settings.gx_dir)
    assert set(result.marts_fingerprint) == {
        "kpi_indicator_values",
        "dim_region",
        "dim_indicator",
        "fct_ledger_balances",
        "fct_budget",
        "fct_forecast",
    }
    summary = json.loads((settings.gx_dir / "last_gate_result.json").read_text(encoding="utf-8"))
    assert summary["success"] is True and summary["run_id"] == "run-good"
    assert load_gate_result(settings, "run-good") == result


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_mart_fails_naming_the_rule(tmp_path: Path, case: str) -> None:
    rule_id, breakage, extra_deliveries, offending_key = BAD_CASES[case]
    settings = make_settings(tmp_path)
    build_warehouse(settings, breakage, extra_deliveries)

    with pytest.raises(GateFailed) as raised:
        validate_marts(settings, f"run-{case}")

    result = raised.value.result
    assert not result.success
    failed_rules = {failure.rule_id for failure in result.failures}
    assert rule_id in failed_rules, result.describe()
    failure = next(f for f in result.failures if f.rule_id == rule_id)
    assert failure.unexpected_rows, "the failure must point at the offending rows"
    assert any(offending_key in row.values() for row in failure.unexpected_rows)
    message = str(raised.value)
    assert rule_id in message and offending_key in message and "Data Docs:" in message
    summary = json.loads((settings.gx_dir / "last_gate_result.json").read_text(encoding="utf-8"))
    assert summary["success"] is False
    assert rule_id in {f["rule_id"] for f in summary["failures"]}


def test_gender_breakage_is_caught_by_additivity_alone(tmp_path: Path) -> None:
    """K + M != T with each row internally consistent: only the additivity rule can see it."""
    rule_id, breakage, _, _ = BAD_CASES["women_plus_men_not_total"]
    settings = make_settings(tmp_path)
    build_warehouse(settings, breakage)

    with pytest.raises(GateFailed) as raised:
        validate_marts(settings, "run-additivity")

    assert {f.rule_id for f in raised.value.result.failures} == {rule_id}
    row = raised.value.result.failures[0].unexpected_rows[0]
    assert row["rule_id"] == rule_id and row["period"] == "2024-02" and row["gender"] == "T"
    assert row["numerator_difference"] == pytest.approx(5.0)


def test_additivity_frame_skips_totals_with_suppressed_parts(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    build_warehouse(settings)
    rules = load_tolerances()["additivity"]

    frame = additivity_frame(kpi_table(settings), rules)

    gender = frame[(frame["rule_id"] == "gender_parts_add_up") & (frame["age_band"] == "all")]
    gender = gender.set_index(["organisation_id", "period"])
    assert bool(gender.loc[("R13", "2024-01"), "is_comparable"]) is True
    assert gender.loc[("R13", "2024-01"), "numerator_difference"] == pytest.approx(0.0)
    # U1: men primary-suppressed, women secondary-suppressed, total published: not comparable,
    # two suppressed parts (secondary suppression holds).
    assert bool(gender.loc[("U1", "2024-01"), "is_comparable"]) is False
    assert gender.loc[("U1", "2024-01"), "suppressed_parts"] == 2


def test_missing_secondary_suppression_fails(tmp_path: Path) -> None:
    """Publishing U1's women while its men are suppressed would reveal the men by subtraction."""
    settings = make_settings(tmp_path)
    build_warehouse(
        settings,
        """update marts.kpi_indicator_values k
           set is_suppressed = false, suppression_reason = null,
               value = 1, numerator = 1, denominator = 100
           where organisation_id = 'U1' and gender = 'K' and age_band = 'all'
             and indicator_id = 'sick_leave_rate'""",
    )
    with pytest.raises(GateFailed) as raised:
        validate_marts(settings, "run-secondary")
    failed = {f.rule_id for f in raised.value.result.failures}
    # ...and the cell's other indicators are still suppressed: the cell is no longer hidden as a whole.
    assert {"secondary_suppression_gender", "cell_suppressed_as_a_whole"} <= failed
    assert pickle.loads(pickle.dumps(raised.value)).result  # noqa: S301 - our own bytes == raised.value.result


def test_gate_cannot_run_without_build_or_ledger(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    with pytest.raises(GateError, match="no build database"):
        validate_marts(settings, "run-x")
    build_warehouse(settings)
    settings.ledger_path.unlink()
    with pytest.raises(GateError, match="no delivery ledger"):
        validate_marts(settings, "run-x")


def test_gate_result_round_trips_through_json(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    build_warehouse(settings, BAD_CASES["ratio_120_percent"][1])
    with pytest.raises(GateFailed) as raised:
        validate_marts(settings, "run-json")
    loaded = load_gate_result(settings)
    assert loaded == raised.value.result
    assert GateResult.from_dict(json.loads(json.dumps(loaded.to_dict()))) == loaded
    with pytest.raises(GateError, match="not run-other"):
        load_gate_result(settings, "run-other")


def test_runner_reports_failures_by_business_key() -> None:
    """The shared runner on a plain DataFrame with an ephemeral context (as extract contracts use it)."""
    import great_expectations.expectations as gxe

    from regionkpi.gx import run_suite

    frame = pd.DataFrame(
        {"employee_key": ["a1", "b2", "c3"], "sick_hours": [4.0, -2.0, 8.0], "unit_code": ["1", "2", None]}
    )
    run = run_suite(
        frame,
        "hr_sick_leave_contract",
        [
            gxe.ExpectColumnValuesToBeBetween(
                column="sick_hours", min_value=0, meta={"rule_id": "hours_not_negative", "rule": "no negative hours"}
            ),
            gxe.ExpectColumnValuesToNotBeNull(column="unit_code", meta={"rule": "every row has a unit"}),
            gxe.ExpectTableRowCountToBeBetween(min_value=5),
        ],
        index_columns=["employee_key"],
    )
    assert not run.success
    assert run.evaluated_expectations == 3 and run.unsuccessful_expectations == 3
    by_type = {failure.expectation_type: failure for failure in run.failures}
    hours = by_type["expect_column_values_to_be_between"]
    assert (hours.rule_id, hours.rule, hours.column) == ("hours_not_negative", "no negative hours", "sick_hours")
    assert hours.unexpected_rows == [{"sick_hours": -2.0, "employee_key": "b2"}]
    assert by_type["expect_column_values_to_not_be_null"].unexpected_rows[0]["employee_key"] == "c3"
    assert by_type["expect_table_row_count_to_be_between"].observed_value == 3
    assert "no negative hours" in run.describe() and "employee_key=b2" in run.describe()


def test_validated_mart_is_published(tmp_path: Path) -> None:
    """The gate's result is what publish accepts: same fingerprint of build.duckdb, same run."""
    from publish import format_kpi_table, publish, published_kpis

    settings = make_settings(tmp_path)
    build_warehouse(settings)
    result = validate_marts(settings, "run-publish")

    snapshot = publish(settings, "run-publish", load_gate_result(settings, "run-publish"))

    assert snapshot.manifest["validation"]["success"] is True
    assert snapshot.manifest["row_counts"]["kpi_indicator_values"] == result.rows
    men = published_kpis(settings, organisation="U1", gender="M", indicator="sick_leave_rate")
    assert list(men["is_suppressed"]) == [True, True]
    assert all(" .. " in line for line in format_kpi_table(men).splitlines()[2:])


def test_the_code_lists_come_from_the_contract_and_the_seeds(tmp_path):
    """The gate keeps no copy of the published contract's code lists: it reads the accepted_values of
    the model's YAML, wherever the YAML lives, and the gender and age-band codes of their seeds."""
    from expectations.gate import GateError, contract_values
    from regionkpi import seeds

    values = contract_values(load_settings())
    assert values["window"] == ["month", "ytd", "r12", "year", "forecast_year"]
    assert values["age_band"] == [group.code for group in seeds.age_bands()] == ["all", "-29", "30-49", "50-"]
    assert values["gender"] == ["T", "K", "M"] and "total" in values["breakdown"]

    moved = tmp_path / "project" / "models" / "somewhere" / "else"
    moved.mkdir(parents=True)
    (moved / "_else__models.yml").write_text(
        "version: 2\nmodels:\n  - name: kpi_indicator_values\n    columns:\n      - name: window\n"
        "        data_tests:\n          - accepted_values:\n              arguments:\n"
        "                values: [month, quarter]\n",
        encoding="utf-8",
    )
    elsewhere = dataclasses.replace(load_settings(), dbt_project_dir=tmp_path / "project")
    assert contract_values(elsewhere)["window"] == ["month", "quarter"]
    with pytest.raises(GateError, match="no accepted_values for fct_nowhere"):
        contract_values(elsewhere, "fct_nowhere")
