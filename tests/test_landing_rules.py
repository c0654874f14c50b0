"""Landing is a jail, one file's failure stops nothing, and what a crash or a kill leaves is resolved.

docs/reliability.md states the promises these tests prove.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import zipfile
from pathlib import Path

import duckdb
import pytest

from ingest.landing import MAX_STORED_NAME_BYTES, OutsideLanding, ingest_file, ingest_landing, raw_path, stored_name
from ingest.ledger import STATUSES, open_ledger
from regionkpi import fsio as durable
from tests.extract_fixtures import ORG_HEADER, ORG_ROWS, SICK_HEADER, sick_rows, write, write_org, write_sick


def _statuses(report) -> list[tuple[str, str]]:
    return [(d.file_name, d.status) for d in report.deliveries]


def _raw_files(settings, source: str) -> list[Path]:
    return sorted((settings.raw_dir / source).rglob("*.parquet"))


def _raw_rows(settings, source: str) -> int:
    files = _raw_files(settings, source)
    if not files:
        return 0
    return duckdb.sql(f"select count(*) from read_parquet({[str(f) for f in files]!r})").fetchone()[0]


# --------------------------------------------------------------------------------------------------
# Landing is a jail
# --------------------------------------------------------------------------------------------------


def test_a_symlink_is_refused_and_neither_it_nor_its_target_is_followed_or_moved(settings, tmp_path):
    outside = tmp_path / "outside" / "0013"
    outside.mkdir(parents=True)
    secret = write(outside / "organisation.csv", ORG_HEADER, ["0013;Region Halland;;Region;2019-01-01;"])
    before = secret.read_bytes()
    folder = settings.landing_dir / "organisation" / "0013"
    folder.mkdir(parents=True)
    (folder / "org.csv").symlink_to(secret)
    (settings.landing_dir / "organisation" / "0014").symlink_to(outside, target_is_directory=True)

    report = ingest_landing(settings)

    assert sorted(_statuses(report)) == [("0014", "refused"), ("org.csv", "refused")]
    reasons = {d.file_name: d.reason for d in report.deliveries}
    assert "symbolic link" in reasons["org.csv"] and str(secret) in reasons["org.csv"]
    assert "symbolic link" in reasons["0014"] and str(outside) in reasons["0014"]
    assert secret.read_bytes() == before and secret.exists(), "the target stays where it was, untouched"
    assert not (folder / "org.csv").exists() and not (folder / "org.csv").is_symlink()
    assert not any(settings.archive_dir.rglob("*")) and not any(settings.quarantine_dir.rglob("*.csv"))
    assert _raw_files(settings, "organisation") == []
    assert not os.path.lexists(settings.landing_dir / "organisation" / "0014"), "the link is removed, not entered"
    assert sorted(p.name for p in outside.iterdir()) == ["organisation.csv"]


def test_a_hard_link_and_a_fifo_are_refused_and_the_other_name_keeps_the_content(settings, tmp_path):
    original = write(tmp_path / "elsewhere.csv", ORG_HEADER, ["0013;Region Halland;;Region;2019-01-01;"])
    folder = settings.landing_dir / "organisation" / "0013"
    folder.mkdir(parents=True)
    os.link(original, folder / "org.csv")
    os.mkfifo(folder / "pipe.csv")

    report = ingest_landing(settings)

    assert sorted(_statuses(report)) == [("org.csv", "refused"), ("pipe.csv", "refused")]
    reasons = {d.file_name: d.reason for d in report.deliveries}
    assert "hard link" in reasons["org.csv"] and "regular file" in reasons["pipe.csv"]
    assert original.exists() and os.stat(original).st_nlink == 1
    assert not any(folder.iterdir())


def test_a_fresh_dot_file_is_an_upload_in_progress_and_an_old_one_is_refused_into_quarantine(settings):
    folder = settings.landing_dir / "organisation" / "0013"
    young = write(folder / ".org.csv.part", ORG_HEADER, ["0013;Region Halland;;Region;2019-01-01;"])
    report = ingest_landing(settings)
    assert report.deliveries == [] and young.exists()
    assert any("upload in progress" in note for note in report.skipped)

    day_ago = time.time() - 25 * 3600
    os.utime(young, (day_ago, day_ago))
    report = ingest_landing(settings)
    assert _statuses(report) == [(".org.csv.part", "refused")]
    assert not young.exists()
    (stored,) = settings.quarantine_dir.rglob("*org.csv.part")
    assert Path(report.deliveries[0].stored_path) == stored


def test_a_240_character_name_loads_and_its_stored_names_fit_the_file_system(settings):
    name = "o" * 236 + ".csv"
    write_org(settings.landing_dir, name=name)
    bad = write(
        settings.landing_dir / "hr_sick_leave" / "0013" / ("s" * 236 + ".csv"), SICK_HEADER, ["not;enough;fields"]
    )
    report = ingest_landing(settings)
    assert [d.status for d in report.deliveries] == ["loaded", "quarantined"]
    assert report.deliveries[0].file_name == name, "the ledger keeps the name as delivered"
    for stored in [*settings.archive_dir.rglob("*"), *settings.quarantine_dir.rglob("*")]:
        assert len(stored.name.encode()) <= 255
    assert not bad.exists()
    assert len(stored_name("000001", "å" * 240 + ".csv").encode()) <= MAX_STORED_NAME_BYTES
    assert stored_name("000001", "å" * 240 + ".csv").endswith(".csv")
    assert stored_name("000001", "a.csv") == "000001_a.csv"


def test_a_name_with_a_control_character_is_refused(settings):
    write_org(settings.landing_dir, name="org\x07anisation.csv")
    report = ingest_landing(settings)
    assert [d.status for d in report.deliveries] == ["refused"]
    assert "control character" in report.deliveries[0].reason


def test_a_file_outside_landing_is_not_touched_when_named_directly(settings, tmp_path):
    elsewhere = write(tmp_path / "x" / "organisation" / "0013" / "org.csv", ORG_HEADER, ["0013;R;;Region;2019-01-01;"])
    with pytest.raises(OutsideLanding):
        ingest_file(elsewhere, "organisation", settings)
    assert elsewhere.exists()
    assert not settings.ledger_path.exists() or open_ledger(settings).deliveries() == []


# --------------------------------------------------------------------------------------------------
# One file's failure stops nothing
# --------------------------------------------------------------------------------------------------


def test_header_only_files_are_empty_replace_nothing_and_do_not_block_the_next_files(settings):
    region = settings.landing_dir / "organisation" / "0013"
    write_org(settings.landing_dir, name="a_full.csv")
    report = ingest_landing(settings)
    assert [d.status for d in report.deliveries] == ["loaded"]
    loaded_files = _raw_files(settings, "organisation")

    write(region / "b_header_only.csv", ORG_HEADER, [])
    write(settings.landing_dir / "hr_sick_leave" / "0013" / "sjuk_tom.csv", SICK_HEADER, [])
    write_sick(settings.landing_dir, sick_rows())
    report = ingest_landing(settings)

    assert sorted(_statuses(report)) == [
        ("b_header_only.csv", "empty"),
        ("sjuk.csv", "loaded"),
        ("sjuk_tom.csv", "empty"),
    ]
    assert _raw_files(settings, "organisation") == loaded_files, "an empty delivery replaces nothing"
    assert _raw_rows(settings, "hr_sick_leave") == 2
    assert not any(settings.landing_dir.rglob("*.csv"))
    empty = [d for d in open_ledger(settings).deliveries() if d.status == "empty"]
    assert {d.rows for d in empty} == {0} and all(Path(d.stored_path).exists() for d in empty)


def test_an_internal_error_quarantines_the_file_with_a_report_and_the_next_file_loads(settings, monkeypatch):
    from ingest.organisation.source import OrganisationSource

    calls = {"n": 0}
    original = OrganisationSource.plan

    def plan_failing_once(self, delivered, staged):
        calls["n"] += 1
        if calls["n"] == 1:
            raise KeyError("level_key")
        return original(self, delivered, staged)

    monkeypatch.setattr(OrganisationSource, "plan", plan_failing_once)
    write_org(settings.landing_dir, name="a.csv")
    write_org(settings.landing_dir, name="b.csv", region="0014")
    report = ingest_landing(settings)

    assert [d.status for d in report.deliveries] == ["quarantined", "loaded"]
    assert "internal error" in report.deliveries[0].reason and "KeyError" in report.deliveries[0].reason
    (stored,) = settings.quarantine_dir.rglob("*a.csv")
    text = stored.with_name(stored.name + ".report.txt").read_text()
    assert "internal error, not a contract rule: KeyError: 'level_key'" in text
    assert "(at test_landing_rules.py:" in text, "the report says where the error was raised"
    assert [d.status for d in open_ledger(settings).deliveries()] == ["quarantined", "loaded"]


def test_a_configuration_error_stops_the_run_and_the_file_waits_in_landing(tmp_path):
    from regionkpi.settings import ConfigurationError, load_settings

    settings = load_settings({"REGIONKPI_ROOT": str(tmp_path)})  # no pseudonym key
    sick = write_sick(settings.landing_dir, sick_rows())
    with pytest.raises(ConfigurationError):
        ingest_landing(settings, source_names=["hr_sick_leave"])
    assert sick.exists()
    assert [d.status for d in open_ledger(settings).deliveries()] == ["loading"]


# --------------------------------------------------------------------------------------------------
# What a crash or a kill leaves
# --------------------------------------------------------------------------------------------------


def _loading_row(settings, path: Path, source: str = "organisation"):
    from ingest.textio import inspect_file

    facts = inspect_file(path)
    return open_ledger(settings).begin(
        source=source,
        region_id=path.parent.name,
        path=path,
        sha256=facts.sha256,
        size_bytes=facts.size_bytes,
        encoding=facts.encoding,
    )


def test_a_delivery_left_loading_with_its_file_in_landing_is_ingested_again_under_its_own_number(settings):
    org = write_org(settings.landing_dir)
    left = _loading_row(settings, org)
    # the kill came after the raw file was renamed into place: the rerun writes the same file again
    stale = raw_path(settings, "organisation", "0013", left)
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"not parquet: a rerun must replace it")

    report = ingest_landing(settings)

    assert [(d.seq, d.status) for d in report.deliveries] == [(left.seq, "loaded")]
    assert [d.status for d in open_ledger(settings).deliveries()] == ["loaded"]
    assert _raw_files(settings, "organisation") == [stale] and _raw_rows(settings, "organisation") == 6


def test_a_delivery_left_loading_whose_file_is_gone_is_withdrawn_and_its_raw_rows_removed(settings):
    org = write_org(settings.landing_dir)
    left = _loading_row(settings, org)
    stale = raw_path(settings, "organisation", "0013", left)
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"half")
    org.unlink()

    ingest_landing(settings)

    (delivery,) = open_ledger(settings).deliveries()
    assert delivery.status == "withdrawn" and "left landing" in delivery.reason
    assert not stale.exists()


def test_a_kill_between_the_ledger_and_the_move_is_finished_without_a_second_delivery(settings, monkeypatch):
    import ingest.landing as landing

    org = write_org(settings.landing_dir)
    real_move = landing._move

    def killed(path, target):
        raise KeyboardInterrupt  # stands in for SIGKILL right after the ledger was finished

    monkeypatch.setattr(landing, "_move", killed)
    with pytest.raises(KeyboardInterrupt):
        ingest_landing(settings)
    assert org.exists()
    assert [d.status for d in open_ledger(settings).deliveries()] == ["loaded"]

    monkeypatch.setattr(landing, "_move", real_move)
    ingest_landing(settings)
    (delivery,) = open_ledger(settings).deliveries()
    assert delivery.status == "loaded" and Path(delivery.stored_path).exists() and not org.exists()
    assert _raw_rows(settings, "organisation") == 6


def test_stale_temporary_files_are_removed_at_the_next_start_and_a_live_writers_are_kept(settings):
    folder = settings.raw_dir / "organisation" / "0013"
    folder.mkdir(parents=True)
    target = folder / "000001_abcdefabcdef.parquet"
    mine = durable.temporary_for(target)  # this process: alive
    dead = folder / f".{target.name}.{durable._HOST}.999999999.0123abcd.tmp"
    old_style = folder / f".{target.name}.{'a' * 32}.tmp"
    fresh_old_style = folder / f".{target.name}.{'b' * 32}.tmp"
    for path in (mine, dead, old_style, fresh_old_style):
        path.write_bytes(b"partial")
    week_ago = time.time() - 7 * 24 * 3600
    os.utime(old_style, (week_ago, week_ago))

    ingest_landing(settings)

    assert mine.exists() and fresh_old_style.exists()
    assert not dead.exists() and not old_style.exists()


def test_raw_rows_of_a_delivery_that_did_not_load_are_removed(settings):
    write_org(settings.landing_dir)
    ingest_landing(settings)
    (loaded,) = _raw_files(settings, "organisation")
    orphan = loaded.with_name("000099_0123456789ab.parquet")
    orphan.write_bytes(loaded.read_bytes())
    ledger = open_ledger(settings)
    with sqlite3.connect(settings.ledger_path) as connection:
        connection.execute(
            "insert into deliveries (seq, delivery_id, source, region_id, file_name, original_path, sha256, "
            "size_bytes, status, received_at) values "
            "(99, 'x', 'organisation', '0013', 'x.csv', '/nowhere/x.csv', 'ab', 1, 'quarantined', '2026-01-01')"
        )
    ingest_landing(settings)
    assert _raw_files(settings, "organisation") == [loaded]
    assert len(ledger.deliveries()) == 2


def test_an_old_ledger_gets_the_new_statuses_and_keeps_its_rows(settings):
    settings.ledger_path.parent.mkdir(parents=True)
    with sqlite3.connect(settings.ledger_path) as connection:
        connection.executescript(
            """
            create table deliveries (
                seq integer primary key autoincrement, delivery_id text not null, source text not null,
                region_id text not null, file_name text not null, original_path text not null, stored_path text,
                sha256 text not null, size_bytes integer not null, encoding text, periods text, rows integer,
                status text not null check (status in ('loading', 'loaded', 'quarantined', 'duplicate')),
                reason text, duplicate_of integer references deliveries (seq), received_at text not null,
                finished_at text);
            insert into deliveries (delivery_id, source, region_id, file_name, original_path, sha256, size_bytes,
                status, received_at) values ('d', 'organisation', '0013', 'a.csv', '/l/a.csv', 'aa', 3, 'loaded', 't');
            """
        )
    ledger = open_ledger(settings)
    (old,) = ledger.deliveries()
    assert old.seq == 1 and old.status == "loaded"
    refused = ledger.record_refused(source="organisation", region_id="0013", path=Path("/l/b.csv"), reason="r")
    assert refused.seq == 2 and refused.status == "refused"
    with sqlite3.connect(settings.ledger_path) as connection:
        (sql,) = connection.execute("select sql from sqlite_master where name = 'deliveries'").fetchone()
    assert all(f"'{status}'" in sql for status in STATUSES)


# --------------------------------------------------------------------------------------------------
# Archives
# --------------------------------------------------------------------------------------------------


def test_a_zip_bomb_is_refused_from_its_directory_before_anything_is_unpacked(settings, monkeypatch):
    import ingest.ridership.gtfs as gtfs

    folder = settings.landing_dir / "gtfs" / "0006"
    folder.mkdir(parents=True)
    bomb = folder / "gtfs_bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("agency.txt", "agency_id,agency_name,agency_url,agency_timezone\n")
        archive.writestr("stop_times.txt", b"0" * (64 << 20))  # 64 MB of zeros: about 64 KB packed
    assert bomb.stat().st_size < 1 << 20

    unpacked = []
    monkeypatch.setattr(gtfs, "_read_member", lambda *a: unpacked.append(a) or None)
    report = ingest_landing(settings)

    assert [d.status for d in report.deliveries] == ["quarantined"]
    assert unpacked == [], "no member is unpacked"
    (stored,) = settings.quarantine_dir.rglob("*gtfs_bomb.zip")
    violations = json.loads(stored.with_name(stored.name + ".report.json").read_text())["violations"]
    assert any("zip bomb" in v["rule"] and v["column"] == "stop_times.txt" for v in violations)


# --------------------------------------------------------------------------------------------------
# Two ingests at once
# --------------------------------------------------------------------------------------------------


def test_a_file_another_process_is_ingesting_is_left_to_it(settings):
    import fcntl

    org = write_org(settings.landing_dir)
    with org.open("rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # another ingest holds it
        report = ingest_landing(settings, source_names=["organisation"])  # nothing in scope depends on it
        assert report.deliveries == [] and any("another process" in note for note in report.taken)
        assert org.exists()
    assert [d.status for d in ingest_landing(settings).deliveries] == ["loaded"]


def test_a_folder_where_another_ingest_holds_a_file_is_left_to_it_whole_so_numbers_follow_names(settings):
    import fcntl

    first = write_org(settings.landing_dir, name="a_organisation.csv")
    rows = [row.replace("Region Halland", "Region Halland (rättad)") for row in ORG_ROWS]
    write(settings.landing_dir / "organisation" / "0013" / "b_organisation.csv", ORG_HEADER, rows)
    other_region = write_org(settings.landing_dir, region="0014")
    with first.open("rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # another ingest is loading a_organisation.csv
        report = ingest_landing(settings, source_names=["organisation"])
    assert _statuses(report) == [("organisation.csv", "loaded")] and not other_region.exists()
    assert len(report.taken) == 2 and "left to the ingest that is loading its folder" in report.taken[1]
    report = ingest_landing(settings, source_names=["organisation"])
    assert _statuses(report) == [("a_organisation.csv", "loaded"), ("b_organisation.csv", "loaded")]
    assert report.deliveries[0].seq < report.deliveries[1].seq, "the later name gets the later number"


def test_an_ingest_waits_for_the_organisation_file_another_ingest_holds_then_checks_against_it(settings):
    """The HR and finance DAGs both load the organisation first: one that finds the file busy waits
    for it (here the holder lets go without loading it, so the waiter loads it) before its own files."""
    import fcntl
    import threading
    import time

    org = write_org(settings.landing_dir)
    write_sick(settings.landing_dir, sick_rows())
    held = org.open("rb")
    fcntl.flock(held.fileno(), fcntl.LOCK_EX)
    threading.Timer(1.0, held.close).start()
    started = time.monotonic()
    report = ingest_landing(settings, source_names=["hr_sick_leave"])
    assert time.monotonic() - started >= 1.0, "it waited for the holder"
    assert _statuses(report) == [("organisation.csv", "loaded"), ("sjuk.csv", "loaded")]


def test_two_ingests_of_the_same_landing_at_once_take_each_file_once(settings, tmp_path):
    import subprocess
    import sys

    for index in range(12):
        rows = [r.replace("Region Halland", f"Region Halland {index}") for r in ORG_ROWS]
        write(settings.landing_dir / "organisation" / f"{13 + index:04d}" / "org.csv", ORG_HEADER, rows)
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGIONKPI_")}
    env.update(REGIONKPI_ROOT=str(settings.root), REGIONKPI_PSEUDONYM_KEY="test-key-only-for-tests")
    regionkpi = str(Path(sys.executable).with_name("regionkpi"))
    runs = [subprocess.Popen([regionkpi, "ingest"], env=env, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    errors = [run.communicate(timeout=300)[1] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], errors
    deliveries = open_ledger(settings).deliveries()
    assert sorted(d.region_id for d in deliveries) == [f"{13 + i:04d}" for i in range(12)], "each file once"
    assert {d.status for d in deliveries} == {"loaded"}
    assert _raw_rows(settings, "organisation") == 12 * len(ORG_ROWS)
    assert not any(settings.landing_dir.rglob("*.csv"))
