"""Atomic publishing of the marts, pruning, and reading the published KPI table.

No Great Expectations here (fast): gate results are made by hand, with the same fingerprint of
build.duckdb that the gate records, so publish's "is this what was validated?" check is exercised.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from contextlib import closing
from pathlib import Path

import duckdb
import pytest

from expectations.gate import GateResult, marts_fingerprint
from publish import (
    NothingPublishedError,
    PublishError,
    format_kpi_table,
    list_snapshots,
    prune_snapshots,
    publish,
    published_kpis,
)
from publish import snapshot as snapshot_module
from publish.query import format_number
from regionkpi.gx import ExpectationFailure
from regionkpi.settings import Settings, load_settings

MARTS_SQL = """
create schema marts;
create table marts.kpi_indicator_values (
    region_id varchar, region_name varchar, organisation_id varchar, organisation_name varchar,
    organisation_level varchar, indicator_id varchar, period varchar, "window" varchar,
    gender varchar, age_band varchar, value double, numerator double, denominator double,
    unit varchar, is_suppressed boolean, suppression_reason varchar
);
insert into marts.kpi_indicator_values values
    ('0013', 'Region Halland', 'R13', 'Region Halland', 'region', 'sick_leave_rate', '2024-01',
     'month', 'T', 'all', 4.6875, 75, 1600, '%', false, null),
    ('0013', 'Region Halland', 'R13', 'Region Halland', 'region', 'average_headcount', '2024-01',
     'month', 'T', 'all', 1234.5, 1234.5, null, 'count', false, null),
    ('0013', 'Region Halland', 'U1', 'Vårdcentral Ölmevalla', 'unit', 'sick_leave_rate', '2024-01',
     'month', 'T', 'all', 6.0, 150, 2500, '%', false, null),
    ('0013', 'Region Halland', 'U1', 'Vårdcentral Ölmevalla', 'unit', 'sick_leave_rate', '2024-01',
     'month', 'M', 'all', null, null, null, '%', true, 'primary: 10 or fewer employees'),
    ('0013', 'Region Halland', 'U1', 'Vårdcentral Ölmevalla', 'unit', 'sick_leave_rate', '2024-01',
     'month', 'K', 'all', null, null, null, '%', true, 'secondary: protects a suppressed cell');
create table marts.dim_region as select '0013' as region_id, 'Region Halland' as region_name;
create schema staging;
create table staging.stg_not_published as select 1 as x;
"""


def make_settings(tmp_path: Path) -> Settings:
    return load_settings({"REGIONKPI_ROOT": str(tmp_path)})


def build_marts(settings: Settings) -> None:
    settings.build_db_path.parent.mkdir(parents=True, exist_ok=True)
    with closing(duckdb.connect(str(settings.build_db_path))) as con:
        con.execute(MARTS_SQL)


def change_build(settings: Settings) -> None:
    """What a later dbt build would do: new figures in the marts."""
    with closing(duckdb.connect(str(settings.build_db_path))) as con:
        con.execute(
            "insert into marts.kpi_indicator_values select * replace ('2024-02' as period) "
            "from marts.kpi_indicator_values"
        )


def gate_result(settings: Settings, run_id: str, success: bool = True) -> GateResult:
    """A gate result as validate_marts would return it for the current build."""
    with closing(duckdb.connect(str(settings.build_db_path), read_only=True)) as con:
        catalog = con.execute("select current_database()").fetchone()[0]
        fingerprint = marts_fingerprint(con, catalog, "marts")
    failures = (
        []
        if success
        else [
            ExpectationFailure(
                suite="kpi_indicator_values__ratios",
                expectation_type="expect_column_values_to_be_between",
                column="value",
                rule="a ratio lies within 0–100",
                rule_id="ratio_within_0_100",
                unexpected_count=1,
            )
        ]
    )
    return GateResult(
        success=success,
        run_id=run_id,
        checked_at=dt.datetime.now(dt.UTC).isoformat(),
        table="kpi_indicator_values",
        rows=fingerprint["kpi_indicator_values"]["rows"],
        statistics={"kpi_indicator_values__ratios": {"evaluated_expectations": 7}},
        failures=failures,
        data_docs_index=None,
        marts_fingerprint=fingerprint,
    )


def published(settings: Settings) -> Path:
    return settings.published_dir


def current_target(settings: Settings) -> str:
    return os.readlink(settings.published_dir / "current")


def leftovers(settings: Settings) -> list[str]:
    return sorted(p.name for p in settings.published_dir.iterdir() if p.name.startswith(".tmp-"))


def test_publish_creates_snapshot_with_manifest_and_parquet(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    build_marts(settings)

    snapshot = publish(settings, "run-1", gate_result(settings, "run-1"))

    assert snapshot.path == settings.published_dir / "run-1"
    assert current_target(settings) == "run-1"  # relative: the warehouse can move
    assert (settings.published_dir / "current" / "marts.duckdb").is_file()
    pointer = json.loads((settings.published_dir / "current.json").read_text(encoding="utf-8"))
    assert pointer["run_id"] == "run-1" and Path(pointer["path"]) == snapshot.path

    manifest = json.loads((snapshot.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest == snapshot.manifest
    assert manifest["run_id"] == "run-1"
    assert dt.datetime.fromisoformat(manifest["published_at"]).utcoffset() == dt.timedelta(0)
    assert manifest["code_version"]
    assert manifest["row_counts"] == {"dim_region": 1, "kpi_indicator_values": 5}
    assert manifest["validation"]["success"] is True and manifest["validation"]["run_id"] == "run-1"
    columns = [column["name"] for column in manifest["columns"]["kpi_indicator_values"]]
    assert columns[:3] == ["region_id", "region_name", "organisation_id"] and "is_suppressed" in columns
    assert set(manifest["files"]) == {
        "marts.duckdb",
        "parquet/kpi_indicator_values.parquet",
        "parquet/dim_region.parquet",
    }

    # Only schema marts is published, into the snapshot's main schema; Parquet has the same rows.
    with closing(duckdb.connect(str(snapshot.marts_db), read_only=True)) as con:
        tables = {name for (name,) in con.execute("select table_name from information_schema.tables").fetchall()}
        assert tables == {"kpi_indicator_values", "dim_region"}
        parquet = str(snapshot.parquet_dir / "kpi_indicator_values.parquet")
        assert con.execute("select count(*) from read_parquet(?)", [parquet]).fetchone()[0] == 5
        region_id = con.execute("select region_id from read_parquet(?) limit 1", [parquet]).fetchone()[0]
        assert region_id == "0013"  # codes stay text
    assert leftovers(settings) == []


def test_second_publish_replaces_current_and_keeps_the_first(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    build_marts(settings)
    publish(settings, "run-1", gate_result(settings, "run-1"))
    change_build(settings)

    second = publish(settings, "run-2", gate_result(settings, "run-2"))

    assert current_target(settings) == "run-2"
    assert second.manifest["row_counts"]["kpi_indicator_values"] == 10
    assert (settings.published_dir / "run-1" / "marts.duckdb").is_file()
    assert json.loads((settings.published_dir / "current.json").read_text(encoding="utf-8"))["run_id"] == "run-2"
    assert len(published_kpis(settings)) == 10


def test_publishing_the_same_run_twice_is_an_error(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    build_marts(settings)
    publish(settings, "run-1", gate_result(settings, "run-1"))
    with pytest.raises(PublishError, match="already published"):
        publish(settings, "run-1", gate_result(settings, "run-1"))
    assert current_target(settings) == "run-1"


def _run_2_killed_at(step: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """run-1 published, then run-2's publish killed (SIGKILL: no rollback) when it reaches ``step``
    of publish.snapshot; the monkeypatches are undone."""
    import publish.snapshot as snapshot

    settings = make_settings(tmp_path)
    build_marts(settings)
    publish(settings, "run-1", gate_result(settings, "run-1"))
    change_build(settings)

    def killed(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(snapshot, step, killed)
    monkeypatch.setattr(snapshot, "_roll_back", lambda *args: None)
    with pytest.raises(KeyboardInterrupt):
        publish(settings, "run-2", gate_result(settings, "run-2"))
    monkeypatch.undo()
    return settings


def test_a_publish_killed_between_rename_and_switch_is_published_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _run_2_killed_at("_write_current_json", tmp_path, monkeypatch)  # after the rename
    assert (settings.published_dir / "run-2" / "manifest.json").is_file() and current_target(settings) == "run-1"

    again = publish(settings, "run-2", gate_result(settings, "run-2"))  # the task's retry
    assert current_target(settings) == "run-2" and again.manifest["row_counts"]["kpi_indicator_values"] == 10
    with pytest.raises(PublishError, match="already published"):  # a replaced snapshot is never republished
        publish(settings, "run-1", gate_result(settings, "run-1"))


def test_failed_gate_refuses_and_leaves_current(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    build_marts(settings)
    publish(settings, "run-1", gate_result(settings, "run-1"))
    change_build(settings)

    with pytest.raises(PublishError, match="gate did not pass"):
        publish(settings, "run-2", gate_result(settings, "run-2", success=False))
    with pytest.raises(PublishError, match="gate result of run run-1"):
        publish(settings, "run-2", gate_result(settings, "run-1"))

    assert current_target(settings) == "run-1"
    assert not (settings.published_dir / "run-2").exists()
    assert len(published_kpis(settings)) == 5


def test_build_changed_after_the_gate_is_not_published(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    build_marts(settings)
    publish(settings, "run-1", gate_result(settings, "run-1"))
    validated = gate_result(settings, "run-2")
    change_build(settings)  # dbt ran again between the gate and publish

    with pytest.raises(PublishError, match="changed after the gate"):
        publish(settings, "run-2", validated)

    assert current_target(settings) == "run-1"
    assert not (settings.published_dir / "run-2").exists() and leftovers(settings) == []


@pytest.mark.parametrize(
    "step",
    ["_write_manifest", "_fsync_tree", "_point_current", "_write_current_json"],
)
def test_failure_mid_publish_leaves_previous_current(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    settings = make_settings(tmp_path)
    build_marts(settings)
    publish(settings, "run-1", gate_result(settings, "run-1"))
    pointer_before = (settings.published_dir / "current.json").read_bytes()
    change_build(settings)
    result = gate_result(settings, "run-2")

    real = getattr(snapshot_module, step)

    def broken(*args: object, **kwargs: object) -> None:
        if step == "_point_current" and args[1] != "run-2":
            return real(*args, **kwargs)  # the roll-back re-points to run-1: let that work
        raise OSError(f"disk full during {step}")

    monkeypatch.setattr(snapshot_module, step, broken)
    with pytest.raises(PublishError, match="disk full"):
        publish(settings, "run-2", result)

    assert current_target(settings) == "run-1"
    assert (settings.published_dir / "current.json").read_bytes() == pointer_before
    assert not (settings.published_dir / "run-2").exists()
    assert leftovers(settings) == []
    assert len(published_kpis(settings)) == 5

    monkeypatch.undo()  # the run id is not burnt by the failure: a retry publishes it
    publish(settings, "run-2", result)
    assert current_target(settings) == "run-2"


def test_stale_temp_dir_from_a_crash_is_cleaned(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    build_marts(settings)
    (settings.published_dir / ".tmp-run-0").mkdir(parents=True)
    (settings.published_dir / ".tmp-run-0" / "marts.duckdb").write_bytes(b"half written")
    publish(settings, "run-1", gate_result(settings, "run-1"))
    assert leftovers(settings) == []


def test_pruning_keeps_n_and_never_the_current(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = make_settings(tmp_path)
    build_marts(settings)
    monkeypatch.setenv("REGIONKPI_KEEP_SNAPSHOTS", "3")
    monkeypatch.setenv("REGIONKPI_SNAPSHOT_GRACE_SECONDS", "0")  # by count alone (the grace: test_publish_readers)
    pruned = []
    for number in range(1, 6):
        pruned += publish(settings, f"run-{number}", gate_result(settings, f"run-{number}")).pruned

    assert [path.name for path in list_snapshots(settings)] == ["run-5", "run-4", "run-3"]
    assert sorted(pruned) == ["run-1", "run-2"]
    assert current_target(settings) == "run-5"

    # Roll `current` back to the oldest kept snapshot: pruning to one keeps the newest and current.
    snapshot_module._point_current(settings.published_dir, "run-3")
    assert prune_snapshots(settings, keep=1) == ["run-4"]
    assert [path.name for path in list_snapshots(settings)] == ["run-5", "run-3"]


def test_bad_keep_setting_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = make_settings(tmp_path)
    build_marts(settings)
    monkeypatch.setenv("REGIONKPI_KEEP_SNAPSHOTS", "zero")
    with pytest.raises(Exception, match="REGIONKPI_KEEP_SNAPSHOTS"):
        publish(settings, "run-1", gate_result(settings, "run-1"))


def test_query_before_anything_is_published(tmp_path: Path) -> None:
    with pytest.raises(NothingPublishedError, match="nothing is published yet"):
        published_kpis(make_settings(tmp_path))


def test_query_and_format_show_suppressed_cells_as_dots(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    build_marts(settings)
    publish(settings, "run-1", gate_result(settings, "run-1"))

    unit = published_kpis(settings, organisation="vårdcentral", indicator="sick_leave_rate", period="2024-01")
    assert list(unit["gender"]) == ["T", "K", "M"]  # ordered T, K, M
    assert list(unit["is_suppressed"]) == [False, True, True]
    assert list(published_kpis(settings, organisation="U1", gender="M")["organisation_id"]) == ["U1"]
    assert published_kpis(settings, region_id="0006").empty
    assert published_kpis(settings, organisation="100%_").empty  # LIKE wildcards are literal
    with pytest.raises(ValueError, match="YYYY-MM"):
        published_kpis(settings, period="2024-1")

    text = format_kpi_table(unit)
    lines = text.splitlines()
    assert lines[0].split() == [
        "region",
        "organisation",
        "indicator",
        "period",
        "window",
        "gender",
        "age",
        "value",
        "unit",
    ]
    assert "6,0" in lines[2]
    for line in lines[3:]:
        assert " .. " in line and " 0 " not in line and "0,0" not in line

    region = format_kpi_table(published_kpis(settings, region_id="0013", organisation="R13"))
    assert "4,69" in region  # 4.6875 % with two decimals and a decimal comma
    assert "1 234,5" in region  # thousands separated by a space
    assert format_kpi_table(published_kpis(settings, region_id="0006")) == "(no rows)"


def test_swedish_number_format() -> None:
    assert format_number(1234567.891, 1) == "1 234 567,9"
    assert format_number(1234, 0) == "1 234"
    assert format_number(-2.25, 2) == "-2,25"
    assert format_number(-0.01, 1) == "0,0"


def test_a_publish_killed_between_current_json_and_the_link_is_finished_by_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _run_2_killed_at("_point_current", tmp_path, monkeypatch)  # after current.json
    assert current_target(settings) == "run-1"
    assert json.loads((settings.published_dir / "current.json").read_text(encoding="utf-8"))["run_id"] == "run-2"

    publish(settings, "run-3", gate_result(settings, "run-3"))  # finishes run-2's switch, then its own
    assert current_target(settings) == "run-3"
    assert (settings.published_dir / "run-2" / "manifest.json").is_file(), "a snapshot current.json named stays"
