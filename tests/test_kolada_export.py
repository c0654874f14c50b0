"""Kolada interop without the internet and without dbt: the Kolada-shaped export of a small published
marts database built here, the snapshot hook, and loading saved API responses into raw Parquet."""

from __future__ import annotations

import json
import logging
import os
from contextlib import closing
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from ingest.kolada import KoladaResponseError
from ingest.kolada.load import KOLADA_SCHEMA, SAMPLE_PATH, ensure_kolada_schema, load_file
from ingest.landing import ensure_raw_schemas
from publish.kolada_export import EXPORT_FILE, KoladaExportError, export_kolada, snapshot_export
from regionkpi.jobs import cli
from regionkpi.settings import Settings, load_settings

FIXTURES = Path(__file__).parent / "fixtures" / "kolada"
HEADER = "kpi,municipality_id,period,gender,value,count"

#: The published marts (schema main, as in a snapshot's marts.duckdb).
MARTS_SQL = """
create table kpi_indicator_values (
    region_id varchar, region_name varchar, organisation_id varchar, organisation_name varchar,
    organisation_level varchar, indicator_id varchar, period varchar, "window" varchar, gender varchar,
    age_band varchar, value double, numerator double, denominator double, unit varchar,
    is_suppressed boolean, suppression_reason varchar, breakdown varchar, breakdown_id varchar,
    breakdown_name varchar
);
create table dim_kolada_kpi (kolada_kpi_id varchar, indicator_id varchar, age_band varchar);
insert into dim_kolada_kpi values
    ('N60030', 'sick_leave_rate', 'all'), ('N60027', 'sick_leave_rate', '-29'),
    ('N60404', 'trips_per_inhabitant', 'all'), ('U85429', 'vehicle_km_per_inhabitant', 'all');
"""

# region, organisation, level, indicator, period, window, gender, age band, value, suppressed, breakdown
ROWS = [
    # exported: the region root, full year, total, all ages; an age band with its own Kolada KPI
    ("0006", "R06", "region", "sick_leave_rate", "2020-12", "year", "T", "-29", 5.5, False, "total"),
    ("0006", "R06", "region", "sick_leave_rate", "2020-12", "year", "T", "all", 6.27, False, "total"),
    ("0006", "R06", "region", "sick_leave_rate", "2020-12", "year", "K", "all", 7.1, False, "total"),
    # suppressed: exported empty, even though a figure is (wrongly) present
    ("0006", "R06", "region", "sick_leave_rate", "2020-12", "year", "M", "all", 4.0, True, "total"),
    # published only at the region's transport authority (one node below the root): the region's figure
    ("0013", "TA", "administration", "trips_per_inhabitant", "2019-12", "year", "T", "all", 45.2, False, "total"),
    # no value (a denominator of 0): exported empty, never 0
    ("0013", "TA", "administration", "trips_per_inhabitant", "2020-12", "year", "T", "all", None, False, "total"),
    # not exported: below the root, other windows, an age band without a Kolada KPI, breakdowns, no Kolada id
    ("0006", "R06", "region", "sick_leave_rate", "2020-12", "year", "T", "30-49", 6.5, False, "total"),
    ("0006", "LT", "administration", "sick_leave_rate", "2020-12", "year", "T", "all", 3.0, False, "total"),
    ("0006", "R06", "region", "sick_leave_rate", "2020-12", "ytd", "T", "all", 6.27, False, "total"),
    ("0006", "R06", "region", "sick_leave_rate", "2020-12", "r12", "T", "all", 6.27, False, "total"),
    ("0006", "R06", "region", "sick_leave_rate", "2020-06", "month", "T", "all", 5.0, False, "total"),
    ("0013", "TA", "administration", "trips_per_inhabitant", "2019-12", "year", "T", "all", 12, False, "traffic_area"),
    # published at two nodes below the root and not at the root: neither is the region's figure
    ("0013", "D1", "department", "vehicle_km_per_inhabitant", "2019-12", "year", "T", "all", 20.0, False, "total"),
    ("0013", "D2", "department", "vehicle_km_per_inhabitant", "2019-12", "year", "T", "all", 25.0, False, "total"),
    ("0006", "R06", "region", "leavers", "2020-12", "year", "T", "all", 120.0, False, "total"),
    ("0006", "R06", "region", "net_cost", "2020-12", "year", "T", "all", 1e9, False, "total"),
]

EXPECTED = [
    HEADER,
    "N60027,0006,2020,T,5.5,1",
    "N60030,0006,2020,T,6.27,1",
    "N60030,0006,2020,K,7.1,1",
    "N60030,0006,2020,M,,",
    "N60404,0013,2019,T,45.2,1",
    "N60404,0013,2020,T,,",
]


def build_marts(path: Path, rows: list[tuple] = ROWS, schema: str = "main") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(duckdb.connect(str(path))) as con:
        if schema != "main":
            con.execute(f"create schema {schema}; use {schema}")
        con.execute(MARTS_SQL)
        for region, organisation, level, indicator, period, window, gender, age, value, suppressed, breakdown in rows:
            con.execute(
                "insert into kpi_indicator_values values "
                "(?, 'Region', ?, 'Node', ?, ?, ?, ?, ?, ?, ?, null, null, '%', ?, null, ?, 'all', null)",
                [region, organisation, level, indicator, period, window, gender, age, value, suppressed, breakdown],
            )
    return path


def test_export_has_kolada_shape_region_root_full_years_and_empty_suppressed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    marts = build_marts(tmp_path / "marts.duckdb")
    out = tmp_path / "out" / "kolada.csv"

    with caplog.at_level(logging.WARNING, logger="publish.kolada_export"):
        rows = export_kolada(marts, out)

    assert rows == 6
    assert out.read_text(encoding="utf-8").splitlines() == EXPECTED
    assert not list(out.parent.glob(".*.tmp"))
    assert "U85429 for 0013" in caplog.text  # two department values, neither is the region's
    assert "N60030" not in caplog.text and "N60404" not in caplog.text  # a root or a single node is no doubt


def test_export_refuses_two_root_nodes_for_one_region(tmp_path: Path) -> None:
    twin = ("0006", "R06b", "region", "sick_leave_rate", "2020-12", "year", "T", "all", 6.0, False, "total")
    marts = build_marts(tmp_path / "marts.duckdb", [*ROWS, twin])
    with pytest.raises(KoladaExportError, match="more than one region-level value"):
        export_kolada(marts, tmp_path / "kolada.csv")
    assert not (tmp_path / "kolada.csv").exists()


def test_export_names_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(KoladaExportError, match="no published marts"):
        export_kolada(tmp_path / "nowhere.duckdb", tmp_path / "kolada.csv")
    with closing(duckdb.connect(str(tmp_path / "bare.duckdb"))) as con:
        con.execute("create table kpi_indicator_values (x int)")
    with pytest.raises(KoladaExportError, match="dim_kolada_kpi"):
        export_kolada(tmp_path / "bare.duckdb", tmp_path / "kolada.csv")


def test_snapshot_export_writes_the_file_or_skips_marts_without_a_catalogue(tmp_path: Path) -> None:
    with_catalogue = tmp_path / "a"
    build_marts(with_catalogue / "marts.duckdb")
    assert snapshot_export(with_catalogue) == {"file": EXPORT_FILE, "rows": 6}
    assert (with_catalogue / EXPORT_FILE).read_text(encoding="utf-8").splitlines() == EXPECTED

    without = tmp_path / "b"
    without.mkdir()
    with closing(duckdb.connect(str(without / "marts.duckdb"))) as con:
        con.execute("create table kpi_indicator_values (x int)")
    assert snapshot_export(without) is None
    assert not (without / EXPORT_FILE).exists()


def test_publish_puts_the_export_into_the_snapshot_and_the_manifest(tmp_path: Path) -> None:
    from publish import publish
    from tests.test_publish import gate_result

    settings = load_settings({"REGIONKPI_ROOT": str(tmp_path)})
    build_marts(settings.build_db_path, schema="marts")

    snapshot = publish(settings, "run-1", gate_result(settings, "run-1"))

    assert (snapshot.path / EXPORT_FILE).read_text(encoding="utf-8").splitlines() == EXPECTED
    assert snapshot.manifest["kolada_export"] == {"file": EXPORT_FILE, "rows": 6}
    assert EXPORT_FILE in snapshot.manifest["files"]


def test_cli_export_reads_the_current_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("REGIONKPI_ROOT", str(tmp_path))
    published = tmp_path / "warehouse" / "published"
    build_marts(published / "run-1" / "marts.duckdb")
    os.symlink("run-1", published / "current")
    out = tmp_path / "export.csv"

    assert cli.main(["kolada", "export", "--out", str(out)]) == 0

    assert out.read_text(encoding="utf-8").splitlines() == EXPECTED
    assert "6 row(s)" in capsys.readouterr().out


# Loading saved responses into raw -----------------------------------------------------------------


def raw_files(settings: Settings) -> list[Path]:
    return sorted((settings.raw_dir / "kolada_values").glob("*.parquet"))


def test_load_sample_writes_one_parquet_file_with_the_raw_schema(settings: Settings) -> None:
    load = load_file(settings, SAMPLE_PATH)

    assert load.rows == 100 and not load.duplicate
    assert raw_files(settings) == [load.path]
    table = pq.read_table(load.path)
    assert table.schema.equals(KOLADA_SCHEMA)
    assert [(f.name, str(f.type)) for f in table.schema] == [
        ("kpi_id", "string"),
        ("municipality_id", "string"),
        ("period_year", "int32"),
        ("gender", "string"),
        ("value", "double"),
        ("count", "int32"),
        ("status", "string"),
        ("fetched_at", "timestamp[us]"),
        ("_fetch_id", "string"),
    ]
    rows = table.to_pylist()
    assert {r["municipality_id"] for r in rows} == {"0000", "0006"}  # codes stay text
    assert {r["kpi_id"] for r in rows} == {"N60030", "N60031", "N60027", "N60029", "N60028", "N60404"}
    assert {r["period_year"] for r in rows} == {2016, 2017, 2018, 2019, 2020}
    assert {r["_fetch_id"] for r in rows} == {load.fetch_id}
    missing = [r for r in rows if r["value"] is None]
    assert [(r["kpi_id"], r["municipality_id"], r["period_year"]) for r in missing] == [("N60404", "0000", 2020)]
    national = next(
        r
        for r in rows
        if (r["kpi_id"], r["municipality_id"], r["period_year"], r["gender"]) == ("N60030", "0000", 2020, "T")
    )
    assert national["value"] == 7.8 and national["count"] == 1


def test_sample_says_its_values_are_illustrative() -> None:
    sample = json.loads(SAMPLE_PATH.read_text(encoding="utf-8"))
    assert "ILLUSTRATIVE" in sample["note"] and "NOT KOLADA'S FIGURES" in sample["note"]
    assert sample["count"] == len(sample["values"]) and sample["next_url"] is None


def test_loading_the_same_file_twice_changes_nothing(settings: Settings) -> None:
    first = load_file(settings, SAMPLE_PATH)
    before = first.path.stat().st_mtime_ns
    second = load_file(settings, SAMPLE_PATH)
    assert second.duplicate and second.fetch_id == first.fetch_id and second.rows == 100
    assert raw_files(settings) == [first.path] and first.path.stat().st_mtime_ns == before


def test_load_reads_a_list_of_pages_through_the_client_parsing(settings: Settings, tmp_path: Path) -> None:
    pages = [json.loads((FIXTURES / f"paged_{n}.json").read_text(encoding="utf-8")) for n in (1, 2, 3)]
    saved = tmp_path / "response.json"
    saved.write_text(json.dumps(pages), encoding="utf-8")

    load = load_file(settings, saved)

    assert load.rows == 9  # 4 + 2 (two deleted dropped) + 3
    values = {
        (r["municipality_id"], r["period_year"], r["gender"]): r["value"] for r in pq.read_table(load.path).to_pylist()
    }
    assert ("0006", 2019, "K") not in values and ("0006", 2020, "K") in values and values[("0006", 2020, "K")] is None


def test_a_broken_response_file_writes_nothing(settings: Settings) -> None:
    with pytest.raises(KoladaResponseError, match=r"bad_gender\.json.*gender must be one of"):
        load_file(settings, FIXTURES / "bad_gender.json")
    assert raw_files(settings) == []


def test_dbt_source_glob_reads_fetches_and_the_empty_schema_file(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What dbt's source (raw/kolada_values/**/*.parquet) sees: every fetch plus the zero-row schema file."""
    import ingest.landing

    monkeypatch.setattr(ingest.landing, "registry", dict)  # no delivered sources: only the Kolada hook runs (fast)
    ensure_raw_schemas(settings)  # the landing hook writes the Kolada schema file too
    empty = settings.raw_dir / "kolada_values" / "_schema" / "empty.parquet"
    assert pq.read_table(empty).num_rows == 0 and pq.read_schema(empty).equals(KOLADA_SCHEMA)
    glob = str(settings.raw_dir / "kolada_values" / "**" / "*.parquet")
    with closing(duckdb.connect()) as con:
        query = "select count(*) from read_parquet(?, union_by_name = true, hive_partitioning = false)"
        assert con.execute(query, [glob]).fetchone()[0] == 0
        load_file(settings, SAMPLE_PATH)
        assert con.execute(query, [glob]).fetchone()[0] == 100
    assert ensure_kolada_schema(settings) == empty


def test_cli_load_file(settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("REGIONKPI_ROOT", str(settings.root))
    assert cli.main(["kolada", "load", str(SAMPLE_PATH)]) == 0
    assert "100 value(s)" in capsys.readouterr().out
    assert cli.main(["kolada", "load", str(FIXTURES / "bad_gender.json")]) == 2
    assert "gender must be one of" in capsys.readouterr().err
    assert len(raw_files(settings)) == 1
