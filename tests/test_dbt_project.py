"""The dbt project end to end on the hand-made fixture of tests/dbt_fixtures.py.

One ``dbt build`` (seeds, models, data tests and the YAML unit tests) runs in a temporary warehouse
and every test reads the resulting build.duckdb. The expected figures are computed by hand from the
fixture, with the arithmetic written out next to each assertion.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.dbt_fixtures import dbt_env, run_dbt, write_hand_made_fixture

pytestmark = pytest.mark.slow

INDICATORS = (
    "sick_leave_rate",
    "long_term_sick_leave_share",
    "leavers",
    "average_headcount",
    "staff_turnover_rate",
    "full_time_equivalents",
)

#: docs/published_kpi_table.md, in order.
PUBLISHED_COLUMNS = [
    ("region_id", "VARCHAR"),
    ("region_name", "VARCHAR"),
    ("organisation_id", "VARCHAR"),
    ("organisation_name", "VARCHAR"),
    ("organisation_level", "VARCHAR"),
    ("indicator_id", "VARCHAR"),
    ("period", "VARCHAR"),
    ("window", "VARCHAR"),
    ("gender", "VARCHAR"),
    ("age_band", "VARCHAR"),
    ("value", "DOUBLE"),
    ("numerator", "DOUBLE"),
    ("denominator", "DOUBLE"),
    ("unit", "VARCHAR"),
    ("direction", "VARCHAR"),
    ("domain", "VARCHAR"),
    ("is_suppressed", "BOOLEAN"),
    ("suppression_reason", "VARCHAR"),
    ("breakdown", "VARCHAR"),
    ("breakdown_id", "VARCHAR"),
    ("breakdown_name", "VARCHAR"),
]


@dataclass(frozen=True)
class Build:
    warehouse_dir: Path
    work_dir: Path
    env: dict[str, str]
    output: str
    seconds: float

    def query(self, sql: str, parameters: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.warehouse_dir / "build.duckdb"), read_only=True) as connection:
            return connection.execute(sql, parameters or []).fetchall()

    def kpi(
        self,
        organisation_id: str,
        indicator_id: str,
        period: str,
        window: str,
        gender: str = "T",
        age_band: str = "all",
        breakdown: str = "total",
        breakdown_id: str = "all",
    ) -> dict:
        """The one published row of a cell and indicator, as a dict."""
        with duckdb.connect(str(self.warehouse_dir / "build.duckdb"), read_only=True) as connection:
            frame = connection.execute(
                "select * from marts.kpi_indicator_values where organisation_id = ? and indicator_id = ? "
                'and period = ? and "window" = ? and gender = ? and age_band = ? and breakdown = ? '
                "and breakdown_id = ?",
                [organisation_id, indicator_id, period, window, gender, age_band, breakdown, breakdown_id],
            ).df()
        assert len(frame) == 1, f"expected one row for {organisation_id} {indicator_id} {period} {window}"
        return frame.iloc[0].to_dict()


@pytest.fixture(scope="module")
def build(tmp_path_factory) -> Build:
    work_dir = tmp_path_factory.mktemp("dbt_project")
    warehouse_dir = work_dir / "warehouse"
    write_hand_made_fixture(warehouse_dir)
    env = dbt_env(warehouse_dir, work_dir)
    started = time.monotonic()
    result = run_dbt(["build"], env)
    seconds = time.monotonic() - started
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    return Build(warehouse_dir, work_dir, env, output, seconds)


def test_build_passes_with_every_data_test_and_unit_test(build: Build) -> None:
    assert "ERROR=0" in build.output
    # the one warning: Värmland's employee on the closed unit V30
    assert "WARN=1" in build.output
    assert "warn_employee_units_missing_from_organisation" in build.output
    passed_unit_tests = [line for line in build.output.splitlines() if " PASS " in line and "::test_" in line]
    assert len(passed_unit_tests) == 12, build.output[-3000:]
    assert "test_indicator_formulas_on_hand_computed_cells" in build.output
    for name in (
        "test_deviation_is_positive_when_better_for_costs_and_revenues",
        "test_cost_and_income_development_against_last_year_and_budget",
        "test_forecast_and_investment_deviations",
        "test_internal_postings_are_eliminated_only_at_the_region",
        "test_ridership_formulas_on_the_printed_2020_figures",
        "test_goal_status_rules_for_every_comparison_band_and_missing_outcome",
        "test_goal_ratio_to_target",
    ):
        assert f"::{name}" in build.output, name
    print(f"dbt build on the fixture took {build.seconds:.1f} s")


def test_schemas_are_exactly_staging_intermediate_marts_restricted(build: Build) -> None:
    schemas = {
        schema
        for (schema,) in build.query(
            "select distinct table_schema from information_schema.tables where table_catalog = 'build'"
        )
    }
    assert schemas == {"seeds", "staging", "intermediate", "marts", "restricted"}
    marts = {
        name for (name,) in build.query("select table_name from information_schema.tables where table_schema = 'marts'")
    }
    assert marts == {
        "dim_age_band",
        "dim_gender",
        "dim_indicator",
        "dim_kolada_kpi",
        "dim_organisation",
        "dim_period",
        "dim_region",
        "kpi_indicator_values",
        "fct_ledger_balances",
        "fct_budget",
        "fct_forecast",
        "fct_investments",
        "dim_traffic_area",
        "dim_line",
        "fct_boardings",
        "fct_vehicle_km",
        "fct_goal_fulfilment",
        "goal_fulfilment_counts",
        "fct_goal_status",
        "dim_goal_level",
        "fct_goal_activities",
        "kpi_benchmark_values",
    }
    # Everything in `marts` is published; the unsuppressed fact (health data) and the service trips
    # (pseudonymised travellers, some of them on their way to care) must never be there.
    restricted = {
        name
        for (name,) in build.query("select table_name from information_schema.tables where table_schema = 'restricted'")
    }
    assert restricted == {"fct_sick_leave", "fct_service_trips"}


def test_published_table_has_exactly_the_contract_columns(build: Build) -> None:
    columns = build.query(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'marts' and table_name = 'kpi_indicator_values' order by ordinal_position"
    )
    assert columns == PUBLISHED_COLUMNS


def test_codes_stay_text(build: Build) -> None:
    assert build.query("select distinct region_id from marts.kpi_indicator_values order by 1") == [
        ("0006",),
        ("0013",),
        ("0017",),
    ]
    assert build.query("select region_id, region_name from marts.dim_region where region_id = '0006'") == [
        ("0006", "Region Jönköpings län")
    ]
    assert build.query("select kolada_kpi_id from marts.dim_indicator where indicator_id = 'sick_leave_rate'") == [
        ("N60030",)
    ]


def test_parent_rate_is_the_ratio_of_the_sums(build: Build) -> None:
    # RK in March 2020 = U100 (20 × 4 h of 20 × 160 h) + U200 (12 × 8 of 12 × 80) + U300 (15 × 12 of 15 × 120);
    # the mean of the three unit rates would be (2.5 + 10 + 10) / 3 = 7.5 %.
    sick, ordinary = 20 * 4 + 12 * 8 + 15 * 12, 20 * 160 + 12 * 80 + 15 * 120
    row = build.kpi("RK", "sick_leave_rate", "2020-03", "month")
    assert (row["numerator"], row["denominator"]) == (sick, ordinary)
    assert row["value"] == pytest.approx(100 * 356 / 5960)
    assert row["organisation_name"] == "Regionkontoret"  # from the latest organisation delivery
    assert row["organisation_level"] == "administration"
    assert row["region_name"] == "Region Halland"
    assert row["unit"] == "%"


def test_rolling_twelve_months_ytd_and_year(build: Build) -> None:
    # R12 ending 2021-04 = May 2020 .. April 2021 at RK:
    #   U100: 8 months × 20 × 4 h, then Jan-Feb 2021 (19 × 4 + 160 h long-term) and Mar-Apr (18 × 4 + 160);
    #   U200: 12 × (12 × 8); U300 belongs to RK in May 2020 only: 15 × 12.
    sick = 8 * 80 + 2 * (19 * 4 + 160) + 2 * (18 * 4 + 160) + 12 * 96 + 15 * 12
    ordinary = 10 * 3200 + 2 * 3040 + 12 * 960 + 15 * 120
    r12 = build.kpi("RK", "sick_leave_rate", "2021-04", "r12")
    assert (r12["numerator"], r12["denominator"]) == (sick, ordinary) == (2908, 51400)
    assert r12["value"] == pytest.approx(100 * 2908 / 51400)
    # Year to date, January .. April 2021.
    ytd = build.kpi("RK", "sick_leave_rate", "2021-04", "ytd")
    assert (ytd["numerator"], ytd["denominator"]) == (2 * 236 + 2 * 232 + 4 * 96, 2 * 3200 + 2 * 3040 + 4 * 960)
    # Year 2020 = January .. December; U300 counts under RK January .. May; December's R12 and ytd agree.
    year = build.kpi("RK", "sick_leave_rate", "2020-12", "year")
    assert (year["numerator"], year["denominator"]) == (12 * 80 + 12 * 96 + 5 * 180, 12 * 3200 + 12 * 960 + 5 * 1800)
    for window in ("ytd", "r12"):
        same = build.kpi("RK", "sick_leave_rate", "2020-12", window)
        assert (same["numerator"], same["denominator"]) == (year["numerator"], year["denominator"])
    assert build.query(
        """select count(*) from marts.kpi_indicator_values where "window" = 'year' and period not like '%-12'"""
    ) == [(0,)]


def test_unit_that_moves_counts_under_its_parent_of_each_month(build: Build) -> None:
    # U300 moves from RK to SF on 2020-06-01.
    may = build.kpi("RK", "sick_leave_rate", "2020-05", "month")
    june = build.kpi("RK", "sick_leave_rate", "2020-06", "month")
    assert may["numerator"] == 20 * 4 + 12 * 8 + 15 * 12
    assert june["numerator"] == 20 * 4 + 12 * 8
    # SF's year 2020: U400 (14 × 160 h, no sick leave), 2 staff directly on SF, U300 from June (7 months).
    year = build.kpi("SF", "sick_leave_rate", "2020-12", "year")
    assert year["numerator"] == 7 * 180
    assert year["denominator"] == 12 * 14 * 160 + 12 * 2 * 160 + 7 * 1800
    # The region total is the same whichever parent U300 has.
    region_may = build.kpi("RH", "sick_leave_rate", "2020-05", "month")
    region_june = build.kpi("RH", "sick_leave_rate", "2020-06", "month")
    assert region_may["numerator"] == region_june["numerator"] == 80 + 96 + 180 + 0 + 0 + 11 * 8 + 3 * 16


def test_redelivered_month_replaces_the_earlier_delivery(build: Build) -> None:
    # The first delivery of 2021-03 had 100 sick hours on every row and a ghost employee eu100_99.
    march = build.kpi("U100", "sick_leave_rate", "2021-03", "month")
    assert (march["numerator"], march["denominator"]) == (18 * 4 + 160, 19 * 160)
    headcount = build.kpi("U100", "average_headcount", "2021-03", "month")
    assert headcount["value"] == 19
    assert build.query(
        "select distinct delivery_seq from staging.stg_hr__employee_months "
        "where region_id = '0013' and period_month = date '2021-03-01'"
    ) == [(5,)]
    # January and February come from delivery 3, which also held the replaced March.
    assert build.query(
        "select count(*) from staging.stg_hr__employee_months "
        "where delivery_seq = 3 and period_month = date '2021-03-01'"
    ) == [(0,)]


def test_staff_indicators_on_a_hand_computed_cell(build: Build) -> None:
    # U100, January .. April 2021 (120 days): eu100_19 leaves on 2021-02-15; eu100_20 is long-term sick.
    person_days = 20 * 31 + (19 * 28 + 15) + 19 * 31 + 19 * 30
    average = build.kpi("U100", "average_headcount", "2021-04", "ytd")
    assert average["value"] == pytest.approx(person_days / 120)
    assert average["numerator"] == pytest.approx(average["value"])
    assert pd.isna(average["denominator"])
    leavers = build.kpi("U100", "leavers", "2021-04", "ytd")
    assert leavers["value"] == leavers["numerator"] == 1
    turnover = build.kpi("U100", "staff_turnover_rate", "2021-04", "ytd")
    assert turnover["value"] == pytest.approx(100 * 1 / (person_days / 120))
    assert turnover["unit"] == "%"
    long_term = build.kpi("U100", "long_term_sick_leave_share", "2021-04", "ytd")
    assert (long_term["numerator"], long_term["denominator"]) == (4 * 160, 2 * 236 + 2 * 232)
    assert long_term["value"] == pytest.approx(100 * 640 / 936)
    # FTE in April 2021: worked hours (19 × 160 − (18 × 4 + 160)) over 8 h × 22 weekdays.
    fte = build.kpi("U100", "full_time_equivalents", "2021-04", "month")
    assert (fte["numerator"], fte["denominator"]) == (19 * 160 - 232, 8 * 22)
    assert fte["value"] == pytest.approx(2808 / 176)
    assert fte["unit"] == "FTE"


def test_population_excludes_contractors_and_staff_without_schedule(build: Build) -> None:
    # U200: 11 monthly paid + 1 hourly with a schedule count; the hourly employee without a schedule
    # (40 h, 40 h sick) does not; nor does the contractor on U100 (100 h, 50 h sick).
    headcount = build.kpi("U200", "average_headcount", "2020-02", "month")
    assert headcount["value"] == 12
    rate = build.kpi("U200", "sick_leave_rate", "2020-02", "month")
    assert (rate["numerator"], rate["denominator"]) == (12 * 8, 12 * 80)
    assert build.query(
        "select count(*) from intermediate.int_employee_months_classified "
        "where not is_in_statutory_population and period_month = date '2020-02-01'"
    ) == [(2,)]


def test_small_unit_is_suppressed_with_null_figures(build: Build) -> None:
    for indicator in INDICATORS:
        row = build.kpi("U900", indicator, "2020-06", "month")
        assert row["is_suppressed"]
        assert row["suppression_reason"] == "primary: 10 or fewer employees"
        assert all(pd.isna(row[column]) for column in ("value", "numerator", "denominator"))


def test_secondary_suppression_protects_the_small_cells(build: Build) -> None:
    # RS = RK + U800 (11) + U900 (3, primary): U800 is the smallest other part.
    u800 = build.kpi("U800", "sick_leave_rate", "2020-06", "month")
    assert u800["is_suppressed"]
    assert u800["suppression_reason"] == "secondary: protects a suppressed cell"
    # SF = U400 (14) + U300 (15) + 2 staff placed directly on SF: the 2 would be SF − U400 − U300,
    # so the smaller child U400 is hidden.
    u400 = build.kpi("U400", "sick_leave_rate", "2020-07", "month")
    assert u400["is_suppressed"]
    assert u400["suppression_reason"] == "secondary: protects a suppressed cell"
    for organisation_id in ("RH", "RS", "RK", "SN", "SF", "U100", "U200", "U300"):
        assert not build.kpi(organisation_id, "sick_leave_rate", "2020-06", "month")["is_suppressed"]
    # The region total stays published, and its parts along the organisation leave ≥ 2 hidden.
    rs = build.kpi("RS", "sick_leave_rate", "2020-06", "month")
    assert rs["numerator"] == 80 + 96 + 11 * 8 + 3 * 16


def test_no_published_total_has_exactly_one_hidden_part(build: Build) -> None:
    leaks = build.query(
        """
        with cells as (
            select distinct region_id, organisation_id, period, "window", gender, age_band, is_suppressed
            from marts.kpi_indicator_values
            where indicator_id in (select indicator_id from marts.dim_indicator where domain = 'hr')
        ),
        gender_groups as (
            select total.region_id, total.organisation_id, total.period, total."window", total.age_band,
                   count(*) filter (where part.is_suppressed) as hidden_parts
            from cells as total
            join cells as part using (region_id, organisation_id, period, "window", age_band)
            where total.gender = 'T' and part.gender in ('K', 'M') and not total.is_suppressed
            group by all
        ),
        age_groups as (
            select total.region_id, total.organisation_id, total.period, total."window", total.gender,
                   count(*) filter (where part.is_suppressed) as hidden_parts
            from cells as total
            join cells as part using (region_id, organisation_id, period, "window", gender)
            where total.age_band = 'all' and part.age_band <> 'all' and not total.is_suppressed
            group by all
        )
        select 'gender', count(*) from gender_groups where hidden_parts = 1
        union all
        select 'age', count(*) from age_groups where hidden_parts = 1
        """
    )
    assert sorted(leaks) == [("age", 0), ("gender", 0)]


def test_distinct_headcount_counts_each_employee_once_per_window(build: Build) -> None:
    # eu100_01 moves from -29 to 30-49 in July 2020: in the year 2020 U100 has 20 employees in all,
    # 7 under 30 (6 others and eu100_01 until June), 8 aged 30-49 (7 others and eu100_01 from July),
    # 6 aged 50 or more: the bands add up to 21, the total counts her once.
    rows = build.query(
        "select age_band, headcount from intermediate.int_hr_cells_suppressed "
        "where organisation_id = 'U100' and window_name = 'year' and gender = 'T' order by age_band"
    )
    assert dict(rows) == {"all": 20, "-29": 7, "30-49": 8, "50-": 6}
    # ytd 2021-04 still counts eu100_19, who left in February; the April month does not.
    ytd = build.query(
        "select window_name, headcount from intermediate.int_hr_cells_suppressed where organisation_id = 'U100' "
        "and period = '2021-04' and gender = 'T' and age_band = 'all' and window_name in ('ytd', 'month')"
    )
    assert dict(ytd) == {"ytd": 20, "month": 19}


def test_only_complete_windows_are_published(build: Build) -> None:
    # Värmland never delivered May 2023: ytd stops after April, no R12 or year, months all published.
    windows = build.query(
        """select "window", list(distinct period order by period) from marts.kpi_indicator_values
           where region_id = '0017' and organisation_id = 'R17' and indicator_id = 'sick_leave_rate'
           group by 1 order by 1"""
    )
    assert dict(windows) == {
        "month": ["2023-01", "2023-02", "2023-03", "2023-04", "2023-06", "2023-07", "2023-08"],
        "ytd": ["2023-01", "2023-02", "2023-03", "2023-04"],
    }
    halland_r12 = build.query(
        """select list(distinct period order by period) from marts.kpi_indicator_values
           where region_id = '0013' and "window" = 'r12'"""
    )
    assert halland_r12 == [(["2020-12", "2021-01", "2021-02", "2021-03", "2021-04"],)]


def test_gender_figures_at_region_level(build: Build) -> None:
    # Värmland, ytd April 2023 (4 months), region node R17: women: V10 15 × 8 h of 15 × 160 h,
    # V20 6 × 16 of 6 × 160 and the woman on the closed unit V30 (160 h, no sick leave);
    # men: V10 10 × 4 of 10 × 160, V20 5 × 16 of 5 × 160.
    women = build.kpi("R17", "sick_leave_rate", "2023-04", "ytd", gender="K")
    men = build.kpi("R17", "sick_leave_rate", "2023-04", "ytd", gender="M")
    total = build.kpi("R17", "sick_leave_rate", "2023-04", "ytd")
    assert women["value"] == pytest.approx(100 * (15 * 8 + 6 * 16) / (22 * 160))
    assert men["value"] == pytest.approx(100 * (10 * 4 + 5 * 16) / (15 * 160))
    assert total["numerator"] == women["numerator"] + men["numerator"]
    assert total["region_name"] == "Region Värmland"
    # V10's men (10) are too few; V10's women are hidden with them.
    assert build.kpi("V10", "sick_leave_rate", "2023-04", "ytd", gender="M")["suppression_reason"].startswith("primary")
    assert build.kpi("V10", "sick_leave_rate", "2023-04", "ytd", gender="K")["suppression_reason"].startswith(
        "secondary"
    )


def test_unit_without_a_valid_version_counts_on_the_region_node_only(build: Build) -> None:
    # ev30_01 sits on V30, closed at the end of 2022: R17 counts her, RSV and RLK do not.
    region = build.query(
        "select headcount, direct_headcount from intermediate.int_hr_window_sums_aggregated where "
        "organisation_id = 'R17' and window_name = 'month' and period = '2023-01' and gender = 'T' and age_band = 'all'"
    )
    board = build.query(
        "select headcount from intermediate.int_hr_window_sums_aggregated where organisation_id = 'RSV' "
        "and window_name = 'month' and period = '2023-01' and gender = 'T' and age_band = 'all'"
    )
    assert region == [(25 + 11 + 1, 1)]
    assert board == [(25 + 11,)]
    # She alone would be R17 − RSV, so RSV is hidden (and, as RSV = RLK, RLK too).
    assert build.kpi("R17", "sick_leave_rate", "2023-01", "month")["is_suppressed"] is False
    assert build.kpi("RSV", "sick_leave_rate", "2023-01", "month")["is_suppressed"]
    assert build.kpi("RLK", "sick_leave_rate", "2023-01", "month")["is_suppressed"]
    # In the fact she keeps her unit code and points to the unknown organisation.
    assert build.query(
        "select organisation_key, count(*) from restricted.fct_sick_leave where organisation_id = 'V30' group by 1"
    ) == [("-1", 7)]


def test_fact_and_dimensions(build: Build) -> None:
    # fct_sick_leave keys to the organisation version valid at the month's end.
    keys = build.query(
        """select f.period, o.parent_organisation_id from restricted.fct_sick_leave f
           join marts.dim_organisation o using (organisation_key)
           where f.organisation_id = 'U300' and f.period in ('2020-05', '2020-06') group by all order by 1"""
    )
    assert keys == [("2020-05", "RK"), ("2020-06", "SF")]
    assert build.query("select organisation_name from marts.dim_organisation where organisation_key = '-1'") == [
        ("Okänd enhet (unknown unit)",)
    ]
    assert build.query(
        "select sum(sick_hours) from restricted.fct_sick_leave where period = '2020-03' and region_id = '0013'"
    ) == [(80 + 96 + 180 + 11 * 8 + 3 * 16,)]
    period = build.query(
        "select tertial, is_tertial_end, is_interim_report_end, days_in_month, weekdays_in_month, full_time_hours, "
        "ytd_start_month::varchar, r12_start_month::varchar from marts.dim_period where period = '2021-08'"
    )
    assert period == [(2, True, True, 31, 22, 176, "2021-01-01", "2020-09-01")]
    assert build.query("select count(*), min(period), max(period) from marts.dim_period") == [
        (252, "2015-01", "2035-12")
    ]


def test_dbt_parse_writes_the_manifest_and_docs_generate(build: Build) -> None:
    result = run_dbt(["parse"], build.env)
    assert result.returncode == 0, result.stdout[-3000:]
    manifest = json.loads((build.work_dir / "dbt_target" / "manifest.json").read_text(encoding="utf-8"))
    models = {node["name"] for node in manifest["nodes"].values() if node["resource_type"] == "model"}
    assert {"kpi_indicator_values", "int_hr_cells_suppressed", "fct_sick_leave"} <= models
    docs = run_dbt(["docs", "generate"], build.env)
    assert docs.returncode == 0, docs.stdout[-3000:]
    catalog = json.loads((build.work_dir / "dbt_target" / "catalog.json").read_text(encoding="utf-8"))
    assert "model.regionkpi.kpi_indicator_values" in catalog["nodes"]
    published = [node for node in manifest["nodes"].values() if node.get("schema") == "marts"]
    assert published, "the published schema holds models"
    unenforced = [node["name"] for node in published if not node["config"]["contract"]["enforced"]]
    assert not unenforced, f"every published mart has an enforced contract; missing: {unenforced}"


# Finance (tests/dbt_fixtures.py::write_finance_fixture), figures computed by hand -----------------


def test_finance_latest_delivery_wins_and_the_ledger_reconciles(build: Build) -> None:
    # 2023-02 was re-delivered: V10 1 100 and V20 300 replace the first delivery's V10 1 000.
    assert build.kpi("RLK", "finance_outcome", "2023-02", "month")["value"] == 1400
    rows = build.query(
        "select period_month::varchar, sum(amount)::double, sum(posting_count) from marts.fct_ledger_balances "
        "where region_id = '0017' group by all order by 1"
    )
    # the bank side of January is kept (balance sheet), so January sums to zero like its vouchers
    assert rows == [
        ("2022-01-01", 1200.0, 2),
        ("2022-02-01", 1200.0, 2),
        ("2023-01-01", 0.0, 5),
        ("2023-02-01", 1400.0, 2),
    ]


def test_finance_outcome_budget_deviation_and_change(build: Build) -> None:
    assert build.kpi("RLK", "finance_outcome", "2023-02", "ytd")["value"] == 2700
    assert build.kpi("RLK", "finance_budget", "2023-02", "ytd")["value"] == 3000
    # positive = better than budget: 300 less spent
    assert build.kpi("RLK", "finance_budget_deviation", "2023-02", "ytd")["value"] == 300
    assert build.kpi("RLK", "finance_outcome_change", "2023-02", "ytd")["value"] == 300
    assert build.kpi("RLK", "net_cost", "2023-02", "ytd")["value"] == 2700
    assert build.kpi("RLK", "net_cost_growth", "2023-02", "ytd")["value"] == pytest.approx(12.5)
    costs = build.kpi("RLK", "cost_development", "2023-02", "ytd")
    assert costs["value"] == pytest.approx(100 * (2900 / 2400 - 1))
    assert build.kpi("RLK", "budgeted_cost_development", "2023-02", "ytd")["value"] == pytest.approx(25.0)
    assert build.kpi("RLK", "cost_development_deviation", "2023-02", "ytd")["value"] == pytest.approx(
        25.0 - 100 * (2900 / 2400 - 1)
    )
    assert costs["unit"] == "%"


def test_finance_report_lines_and_account_groups(build: Build) -> None:
    def part(breakdown: str, breakdown_id: str) -> float:
        return build.kpi("RLK", "finance_outcome", "2023-02", "ytd", breakdown=breakdown, breakdown_id=breakdown_id)[
            "value"
        ]

    assert part("report_line", "personalkostnader") == 2100
    assert part("report_line", "kopt_verksamhet") == 800
    assert part("report_line", "verksamhetens_intakter") == -200
    assert part("report_section", "Kostnader") == 2900
    assert part("account_group", "operating_costs") == 2900
    assert part("account_group", "operating_income") == -200
    # budget given by report line lands on that line
    budget = build.kpi(
        "RLK", "finance_budget", "2023-02", "ytd", breakdown="report_line", breakdown_id="kopt_verksamhet"
    )
    assert budget["value"] == 900


def test_finance_internal_sale_is_eliminated_at_the_region_only(build: Build) -> None:
    def group(organisation: str, account_group: str) -> list[tuple]:
        return build.query(
            "select value from marts.kpi_indicator_values where organisation_id = ? "
            "and indicator_id = 'finance_outcome' and period = '2023-01' and \"window\" = 'month' "
            "and breakdown = 'account_group' and breakdown_id = ?",
            [organisation, account_group],
        )

    assert group("RLK", "operating_income") == [(-200.0,)]
    assert group("RLK", "operating_costs") == [(1500.0,)]
    assert group("R17", "operating_income") == [], "the internal sale is gone at the region"
    assert group("R17", "operating_costs") == [(1300.0,)]
    assert build.kpi("R17", "finance_outcome", "2023-01", "month")["value"] == 1300


def test_finance_forecast_and_investments(build: Build) -> None:
    forecast = build.kpi("RLK", "finance_forecast", "2023-02", "forecast_year")
    assert forecast["value"] == 17000
    assert forecast["organisation_name"] == "Regionledningskontoret"
    # no annual budget (only January and February are budgeted): no forecast deviation is published
    assert not build.query("select 1 from marts.kpi_indicator_values where indicator_id = 'finance_forecast_deviation'")
    assert build.kpi("RLK", "investment_outcome", "2023-02", "ytd")["value"] == 100
    assert build.kpi("RLK", "investment_forecast_deviation", "2023-02", "forecast_year")["value"] == 100
    project = build.kpi(
        "V10", "investment_budget", "2023-12", "year", breakdown="investment_project", breakdown_id="P1"
    )
    assert (project["value"], project["breakdown_name"]) == (1000, "Servrar")


# Ridership (tests/dbt_fixtures.py::write_ridership_fixture), figures computed by hand ---------------

JLT = "062100"


def _value(build: Build, indicator: str, period: str = "2020-12", window: str = "year", **breakdown: str) -> float:
    return build.kpi(JLT, indicator, period, window, **breakdown)["value"]


def test_ridership_redelivered_month_replaces_every_row_of_the_month(build: Build) -> None:
    # March 2020 re-delivered with line 1 only (90): lines 101 and 999 have no March rows any more
    march = build.query(
        "select line, sum(boardings) from marts.fct_boardings where period_month = date '2020-03-01' group by 1"
    )
    assert march == [("1", 90)]
    assert _value(build, "boardings", "2020-03", "month") == 90
    # 2020: 11 x (80 + 40 + 10) + 90 = 1 520; 2019: 12 x 150 = 1 800
    assert _value(build, "boardings") == 1520
    assert _value(build, "boardings", "2019-12") == 1800


def test_ridership_trip_without_line_takes_its_line_from_gtfs(build: Build) -> None:
    lines = dict(
        build.query("select line, sum(boardings) from marts.fct_boardings where year(service_date) = 2020 group by 1")
    )
    assert lines == {"1": 970, "101": 440, "999": 110}  # T101a's rows were delivered without a line


def test_ridership_boardings_by_traffic_area_and_school_cards(build: Build) -> None:
    assert _value(build, "boardings", breakdown="traffic_area", breakdown_id="stadstrafiken_jkp") == 970
    assert _value(build, "boardings", breakdown="traffic_area", breakdown_id="regionbussar") == 440
    unassigned = build.kpi(JLT, "boardings", "2020-12", "year", breakdown="traffic_area", breakdown_id="unassigned")
    assert unassigned["value"] == 110  # line 999 matches no pattern: counted in the total, shown apart
    assert unassigned["breakdown_name"] == "Utan trafikområde"
    # school cards (SKOLKORT on line 101): 11 x 40 in 2020, 12 x 50 in 2019
    assert _value(build, "boardings_excl_school_cards") == 1520 - 440
    assert _value(build, "boardings_excl_school_cards", "2019-12") == 1800 - 600


def test_ridership_changes_against_the_year_before(build: Build) -> None:
    assert _value(build, "boardings_change") == 1520 - 1800
    assert _value(build, "boardings_change_pct") == pytest.approx(100 * (1520 / 1800 - 1))
    assert _value(build, "boardings_excl_school_cards_change_pct") == pytest.approx(-10.0)  # 1 080 / 1 200
    # 2019 has no year before it, and 2020's service trips none either: no change is published
    assert not build.query(
        "select * from marts.kpi_indicator_values where indicator_id in ('boardings_change', 'service_trips_change') "
        "and period = '2019-12' or indicator_id like 'service_trips_change%'"
    )


def test_ridership_vehicle_km_and_boardings_per_10_km(build: Build) -> None:
    # each month STAD-1 1 000 km, RB-1 500 km (general), SR-1 300 km (service): 2020 x 12
    assert _value(build, "vehicle_km") == 21_600
    assert _value(build, "vehicle_km", breakdown="service_kind", breakdown_id="general") == 18_000
    assert _value(build, "vehicle_km", breakdown="traffic_area", breakdown_id="serviceresor") == 3_600
    assert _value(build, "boardings_per_10_vehicle_km") == pytest.approx(1520 / 1800)  # general km / 10
    assert _value(
        build, "boardings_per_10_vehicle_km", breakdown="traffic_area", breakdown_id="stadstrafiken_jkp"
    ) == pytest.approx(970 / 1200)


def test_ridership_service_trips_and_cost_per_passenger_km(build: Build) -> None:
    assert _value(build, "service_trips") == 2
    assert _value(build, "service_trips", breakdown="service_trip_type", breakdown_id="sjukresa") == 1
    # (300 + 500) SEK over 2 x 10 + 1 x 40 passenger-km
    assert _value(build, "service_trip_cost_per_passenger_km") == pytest.approx(800 / 60)
    assert _value(
        build, "service_trip_cost_per_passenger_km", breakdown="service_trip_type", breakdown_id="fardtjanst"
    ) == pytest.approx(15.0)


def test_ridership_ticket_revenue_and_tax_subsidy_rate_from_the_ledger(build: Build) -> None:
    # tickets 3111: 12 x 100; the surcharges (3119) are revenue of general traffic but not tickets
    assert _value(build, "ticket_revenue") == pytest.approx(1200)
    # Allmän trafik (062110): cost 12 x 400, income 12 x (100 + 10 + 50); Serviceresor's 4550 not counted
    assert _value(build, "tax_subsidy_rate") == pytest.approx(100 * (4800 - 1920) / 4800)


def test_ridership_per_inhabitant(build: Build) -> None:
    assert _value(build, "trips_per_inhabitant") == pytest.approx(1.52)  # 1 520 / 1 000
    assert _value(build, "vehicle_km_per_inhabitant") == pytest.approx(18.0)  # 18 000 general km / 1 000
    assert not build.query(
        "select * from marts.kpi_indicator_values where indicator_id = 'trips_per_inhabitant' and period = '2019-12'"
    ), "no population delivered for 2019"


# Goal fulfilment (tests/dbt_fixtures.py::write_goals_fixture) --------------------------------------


def test_goal_fulfilment_judges_each_target_on_its_outcome(build: Build) -> None:
    rows = build.query(
        "select indicator_id, outcome, status, status_sv, goal from marts.fct_goal_fulfilment "
        "where organisation_id = '062100' and period = '2020-12' order by sort_order"
    )
    assert rows == [
        ("boardings", 1520.0, "met", "uppfyllt", "Nöjda resenärer"),
        ("tax_subsidy_rate", pytest.approx(60.0), "partly_met", "delvis uppfyllt", "Nöjda resenärer"),
        ("nki_travellers", 60.0, "not_met", "ej uppfyllt", "Nöjda resenärer"),
        ("appraisal_talks_share", None, "not_measurable", "ej mätbart", "Effektiv trafik"),
        ("boardings_excl_school_cards", pytest.approx(-10.0), "not_met", "ej uppfyllt", "Effektiv trafik"),
    ]


def test_goal_fulfilment_counts_per_organisation_and_goal(build: Build) -> None:
    counts = build.query(
        "select goal, met, partly_met, not_met, measured, not_measurable, met_share, not_met_share "
        "from marts.goal_fulfilment_counts where organisation_id = '062100' and period = '2020-12' order by goal"
    )
    assert counts == [
        ("(alla)", 1, 1, 2, 4, 1, 25.0, 50.0),  # shares of the 4 measured
        ("Effektiv trafik", 0, 0, 1, 1, 1, 0.0, 100.0),
        ("Nöjda resenärer", 1, 1, 1, 3, 0, pytest.approx(100 / 3), pytest.approx(100 / 3)),
    ]


def test_every_node_of_the_goal_structure_gets_a_status_by_the_regions_rule(build: Build) -> None:
    """Länstrafiken 2020-12: Nöjda resenärer has 1 met, 1 partly, 1 not met → partly met (rule all);
    Effektiv trafik 0 met of 1 measured → not met; the perspective Kund above both: partly met."""
    rows = build.query(
        "select level, node_name, met, partly_met, not_met, measured, status, status_rule from marts.fct_goal_status "
        "where organisation_id = '062100' and period = '2020-12' order by level, node_path"
    )
    assert rows == [
        (1, "Kund", 1, 1, 2, 4, "partly_met", "all"),
        (2, "Effektiv trafik", 0, 0, 1, 1, "not_met", "all"),
        (2, "Nöjda resenärer", 1, 1, 1, 3, "partly_met", "all"),
    ]
    levels = build.query("select level, level_name from marts.dim_goal_level where region_id = '0006' order by 1")
    assert levels == [(1, "Perspektiv"), (2, "Strategiskt mål"), (3, "Framgångsfaktor"), (4, "Nivå 4"), (5, "Nivå 5")]


def test_activities_are_placed_under_their_goal_and_not_counted_unless_the_region_says_so(build: Build) -> None:
    rows = build.query(
        "select activity, activity_status_sv, counted_status, goal_level, level_1, level_2 "
        "from marts.fct_goal_activities where organisation_id = '062100' order by activity"
    )
    assert rows == [
        ("Ny tidtabell", "Pågående", "partly_met", 2, "Kund", "Nöjda resenärer"),
        ("Städdag", "Genomförd", "met", None, None, None),
    ]
    counts = build.query(
        "select measured from marts.goal_fulfilment_counts "
        "where organisation_id = '062100' and period = '2020-12' and goal = '(alla)'"
    )
    assert counts == [(4,)], "activities are not counted without räkna aktiviteter = ja"


def test_a_years_target_is_followed_up_at_tertial_delar_and_year(build: Build) -> None:
    """An annual target is judged at each report point on the year-to-date outcome; a target set for a
    month (boardings at least 1 000 in August) replaces the year's target there."""
    rows = build.query(
        'select period, period_kind, "window", target_value from marts.fct_goal_fulfilment '
        "where organisation_id = '062100' and indicator_id = 'boardings' order by period"
    )
    assert rows == [
        ("2020-04", "tertial", "ytd", 1500.0),
        ("2020-08", "delår", "ytd", 1000.0),
        ("2020-12", "år", "year", 1500.0),
    ]
    statuses = build.query(
        "select period, status from marts.fct_goal_fulfilment "
        "where organisation_id = '062100' and indicator_id = 'nki_travellers' order by period"
    )
    assert statuses == [("2020-04", "not_measurable"), ("2020-08", "not_measurable"), ("2020-12", "not_met")]


def test_a_regions_own_indicators_are_judged_at_the_report_points_their_frequency_names(build: Build) -> None:
    rows = build.query(
        "select indicator_id, period, period_kind, outcome, target_value, status, unit, decimals, indicator_name_sv "
        "from marts.fct_goal_fulfilment where organisation_id = '062120' and indicator_kind = 'numeric' "
        "order by indicator_id, period"
    )
    assert rows == [
        ("complaints_per_1000", "2020-08", "delår", 2.1, 2.5, "not_met", "per 1000 inhabitants", 1,
         "Klagomål per 1 000 invånare"),
        ("complaints_per_1000", "2020-12", "år", 2.7, 2.5, "not_met", "per 1000 inhabitants", 1,
         "Klagomål per 1 000 invånare"),
        ("customer_index", "2020-12", "år", 4.63, 4.65, "partly_met", "index", 2, "Kundindex"),
    ]  # fmt: skip
    basis = build.query(
        "select period, outcome, forecast, status_basis, status, decided_by from marts.fct_goal_fulfilment "
        "where indicator_id = 'complaints_per_1000' order by period"
    )
    assert basis == [
        (
            "2020-08",
            2.1,
            2.8,
            "forecast",
            "not_met",
            "at_most: not met (no tolerance band) (on the full-year forecast)",
        ),
        ("2020-12", 2.7, None, "outcome", "not_met", "at_most: not met (no tolerance band)"),
    ], "met by August, but the full-year forecast says the target will not be reached"
    kinds = build.query(
        "select indicator_id, indicator_kind, outcome, target_value, comparison, status, status_source, decided_by, "
        "reported_comment from marts.fct_goal_fulfilment where organisation_id = '062120' "
        "and indicator_kind != 'numeric' order by indicator_id"
    )
    assert kinds == [
        ("dialogue", "qualitative", None, None, None, "partly_met", "reported", "reported by the unit",
         "Två av fyra möten hölls"),
        ("plan_adopted", "yes_no", 0.0, 1.0, "equal_to", "not_met", "computed", "equal_to: not met (no tolerance band)",
         "Beslutas i februari"),
    ]  # fmt: skip
    counts = build.query(
        "select met, partly_met, not_met, measured, not_measurable from marts.goal_fulfilment_counts "
        "where organisation_id = '062120' and period = '2020-12' and goal = '(alla)'"
    )
    assert counts == [(0, 1, 2, 3, 0)], "the ja/nej one counts; the qualitative one not (räkna kvalitativa = nej)"
    qualitative_values = build.query("select count(*) from marts.kpi_indicator_values where indicator_id = 'dialogue'")
    assert qualitative_values == [(0,)], "a reported status is no value of the KPI table"
    bands = build.query(
        "select indicator_id, tolerance, tolerance_pct, tolerance_source, decided_by from marts.fct_goal_fulfilment "
        "where organisation_id = '062120' and period = '2020-12' and indicator_kind = 'numeric' order by indicator_id"
    )
    assert bands == [
        ("complaints_per_1000", None, None, None, "at_most: not met (no tolerance band)"),
        ("customer_index", pytest.approx(0.465), 10.0, "target", "at_least: within the tolerance band of 0.465"),
    ]
    values = build.query(
        "select indicator_id, period, value, unit, direction, domain from marts.kpi_indicator_values "
        "where organisation_id = '062120' and domain = 'goals' and indicator_id != 'plan_adopted' "
        "and \"window\" != 'forecast_year' "
        "order by indicator_id, period"
    )
    assert values == [
        ("complaints_per_1000", "2020-08", 2.1, "per 1000 inhabitants", "lower_is_better", "goals"),
        ("complaints_per_1000", "2020-12", 2.7, "per 1000 inhabitants", "lower_is_better", "goals"),
        ("customer_index", "2020-12", 4.63, "index", "higher_is_better", "goals"),
    ]


def test_dim_indicator_holds_the_catalogue_once_and_each_regions_own_indicators(build: Build) -> None:
    own = build.query(
        "select region_id, indicator_id, name_sv, unit, decimals, origin from marts.dim_indicator "
        "where region_id is not null order by region_id, indicator_id"
    )
    assert own == [
        ("0006", "complaints_per_1000", "Klagomål per 1 000 invånare", "per 1000 inhabitants", 1, "region"),
        ("0006", "customer_index", "Kundindex", "index", 2, "region"),
        ("0006", "dialogue", "Dialog med resenärer", "count", 0, "region"),
        ("0006", "plan_adopted", "Plan antagen", "count", 0, "region"),
        ("0013", "customer_index", "Antal kundmöten", "count", 0, "region"),
    ]
    catalogue = build.query(
        "select count(*), count(distinct indicator_id), min(origin), max(origin) from marts.dim_indicator "
        "where region_id is null"
    )
    seed = build.query("select count(*) from seeds.indicators")
    assert catalogue == [(seed[0][0], seed[0][0], "catalogue", "catalogue")]
    sick = build.query("select unit, decimals from marts.dim_indicator where indicator_id = 'sick_leave_rate'")
    assert sick == [("%", 1)], "a catalogue indicator prints with its unit's decimals (seeds/units.csv)"


def test_reported_values_are_rows_of_the_published_kpi_table_with_unit_and_direction(build: Build) -> None:
    rows = build.query(
        "select gender, value, unit, direction, domain, breakdown, is_suppressed from marts.kpi_indicator_values "
        "where indicator_id = 'nki_travellers' and organisation_id = '062100' and period = '2020-12' "
        "order by gender"
    )
    assert rows == [
        ("K", 63.0, "%", "higher_is_better", "goals", "total", False),
        ("T", 60.0, "%", "higher_is_better", "goals", "total", False),
    ]
    missing = build.query(
        "select count(*) from marts.kpi_indicator_values where direction is null or domain is null or unit is null"
    )
    assert missing == [(0,)]
    domains = {domain for (domain,) in build.query("select distinct domain from marts.kpi_indicator_values")}
    assert domains == {"hr", "finance", "ridership", "goals"}, "every domain in the one long table"


def test_catalogue_names_a_source_model_with_the_measures_columns(build: Build) -> None:
    """Every indicator's source model exists in the build and has the columns its measure names."""
    catalogue = build.query("select indicator_id, source_model, source_measure from marts.dim_indicator")
    columns: dict[str, set[str]] = {}
    for table, column in build.query("select table_name, column_name from information_schema.columns"):
        columns.setdefault(table, set()).add(column)
    for indicator, model, measure in catalogue:
        assert model in columns, f"{indicator}: no model {model}"
        for part in measure.split("/"):
            assert part.strip() in columns[model], f"{indicator}: {model} has no column {part.strip()}"


def test_benchmark_values_latest_fetch_wins_and_age_bands_map_to_the_indicator(build: Build) -> None:
    rows = build.query(
        "select kolada_kpi_id, municipality_id, municipality_name, indicator_id, age_band, period, value, "
        "is_national from marts.kpi_benchmark_values order by kolada_kpi_id, municipality_id"
    )
    assert rows == [
        ("N60027", "0000", "Riket", "sick_leave_rate", "-29", "2020-12", 5.1, True),
        ("N60030", "0000", "Riket", "sick_leave_rate", "all", "2020-12", 6.3, True),  # the later fetch
        ("N60030", "0013", "Region Halland", "sick_leave_rate", "all", "2020-12", None, False),  # null stays null
    ]
