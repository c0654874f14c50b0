"""The delivery ledger on both backends: the same tests against SQLite (the embedded default) and the
machine's PostgreSQL (the Celery deployment, ``REGIONKPI_LEDGER_URL``).

PostgreSQL runs on every machine and in CI (127.0.0.1:5432, trust auth, user postgres); each test
gets a database of its own, dropped at the end. An unreachable server fails these tests: a ledger
backend that is never tested proves nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from ingest.ledger import Ledger, LedgerMissing, PostgresLedger, SqliteLedger, mask_url, open_ledger
from regionkpi.settings import Settings, load_settings
from tests.extract_fixtures import ORG_HEADER, ORG_ROWS, write

PG_ADMIN = os.environ.get("REGIONKPI_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = ["sqlite", "postgres"]


def _admin(sql: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=10) as connection:
        connection.execute(sql)


def _database_url(name: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=BACKENDS)
def backend_settings(request, tmp_path) -> Iterator[Settings]:
    """Settings whose ledger is SQLite under tmp_path, or a PostgreSQL database made for the test."""
    env = {"REGIONKPI_ROOT": str(tmp_path), "REGIONKPI_PSEUDONYM_KEY": "test-key-only-for-tests"}
    if request.param == "sqlite":
        yield load_settings(env)
        return
    name = f"regionkpi_ledger_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    _admin(f'create database "{name}"')
    try:
        yield load_settings({**env, "REGIONKPI_LEDGER_URL": _database_url(name)})
    finally:
        _admin(f'drop database if exists "{name}" with (force)')


@pytest.fixture
def ledger(backend_settings) -> Iterator[Ledger]:
    opened = open_ledger(backend_settings)
    yield opened
    opened.close()


def _begin(ledger: Ledger, name: str = "a.csv", sha: str = "aa" * 32, source: str = "organisation"):
    return ledger.begin(
        source=source,
        region_id="0013",
        path=Path(f"/l/{source}/0013/{name}"),
        sha256=sha,
        size_bytes=3,
        encoding="utf-8",
    )


def test_open_ledger_picks_the_backend_the_settings_name(backend_settings):
    ledger = open_ledger(backend_settings)
    try:
        expected = PostgresLedger if backend_settings.ledger_url else SqliteLedger
        assert type(ledger) is expected
    finally:
        ledger.close()


def test_a_delivery_goes_from_loading_to_loaded_with_its_periods(ledger):
    started = _begin(ledger)
    assert (started.status, started.periods, started.finished_at) == ("loading", (), None)
    assert [d.seq for d in ledger.unfinished()] == [started.seq]
    finished = ledger.finish(
        started.seq, status="loaded", stored_path=Path("/a/x.csv"), periods=["2024-02", "2024-01"], rows=7
    )
    assert (finished.status, finished.rows, finished.stored_path) == ("loaded", 7, "/a/x.csv")
    assert finished.periods == ("2024-01", "2024-02") and finished.finished_at
    assert ledger.unfinished() == []
    assert ledger.find("organisation", "0013", "aa" * 32) == finished
    assert ledger.find("organisation", "0014", "aa" * 32) is None
    assert ledger.periods("organisation", "loaded") == {("0013", "2024-01"), ("0013", "2024-02")}
    assert ledger.loaded_periods("organisation") == {"0013": {"2024-01", "2024-02"}}
    assert ledger.last_finished("/l/organisation/0013/a.csv", "aa" * 32) == finished
    assert ledger.statuses([finished.seq, 999]) == {finished.seq: "loaded"}


def test_duplicates_refusals_and_withdrawals_are_recorded_and_numbered_in_order(ledger):
    first = ledger.finish(_begin(ledger).seq, status="quarantined", reason="broken")
    duplicate = ledger.record_duplicate(
        original=first, path=Path("/l/organisation/0013/b.csv"), stored_path=None, size_bytes=3
    )
    assert (duplicate.status, duplicate.duplicate_of, duplicate.rows) == ("duplicate", first.seq, 0)
    assert f"delivery {first.seq}" in (duplicate.reason or "")
    assert ledger.find("organisation", "0013", "aa" * 32) is None, "a quarantined attempt took nothing"
    retried = ledger.finish(_begin(ledger, name="b.csv").seq, status="loaded", rows=1)
    assert ledger.find("organisation", "0013", "aa" * 32) == retried, "the attempt that loaded, never a duplicate"
    refused = ledger.record_refused(source="gtfs", region_id="0013", path=Path("/l/gtfs/0013/link"), reason="a link")
    assert (refused.status, refused.sha256, refused.delivery_id) == ("refused", "", "refused")
    loading = _begin(ledger, name="c.csv", sha="cc" * 32)
    assert ledger.withdraw(loading.seq, "gone") is True
    assert ledger.withdraw(loading.seq, "gone") is False, "only a loading delivery is withdrawn"
    seqs = {first.seq, duplicate.seq, retried.seq, refused.seq, loading.seq}
    assert [d.seq for d in ledger.deliveries()] == sorted(seqs)
    assert [d.status for d in ledger.deliveries()] == ["quarantined", "duplicate", "loaded", "refused", "withdrawn"]
    assert [d.file_name for d in ledger.deliveries("gtfs")] == ["link"]


def test_a_delivery_cannot_be_finished_as_loading_or_when_unknown(ledger):
    with pytest.raises(ValueError, match="status 'loading'"):
        ledger.finish(_begin(ledger).seq, status="loading")
    with pytest.raises(KeyError, match="no delivery 4242"):
        ledger.finish(4242, status="loaded")


def test_a_reader_that_must_not_create_a_ledger_is_told_there_is_none(backend_settings):
    with pytest.raises(LedgerMissing, match="no delivery ledger"):
        open_ledger(backend_settings, create=False)
    open_ledger(backend_settings).close()
    open_ledger(backend_settings, create=False).close()


def _hold(ledger: Ledger, content: str, entered: list[str]) -> None:
    with ledger.content_lock("organisation", "0013", content * 32):
        entered.append(content)


def test_the_content_lock_serialises_one_content_and_lets_others_through(backend_settings):
    """Three ledgers (three processes' worth of connections): the same content waits, another does not."""
    first, second, third = (open_ledger(backend_settings) for _ in range(3))
    entered: list[str] = []
    try:
        with first.content_lock("organisation", "0013", "aa" * 32):
            same = threading.Thread(target=_hold, args=(second, "aa", entered))
            same.start()
            time.sleep(0.5)
            assert entered == [], "the same content must wait for its holder"
            other = threading.Thread(target=_hold, args=(third, "bb", entered))
            other.start()
            other.join(10)
            assert entered == ["bb"], "another content goes through while the first is held"
        same.join(10)
        assert entered == ["bb", "aa"]
    finally:
        for ledger in (first, second, third):
            ledger.close()


def test_the_postgres_url_is_masked_in_messages():
    assert mask_url("postgresql://owner:s3cr%40t@db:5432/regionkpi") == "postgresql://owner:***@db:5432/regionkpi"
    assert mask_url("postgresql://postgres@127.0.0.1/x") == "postgresql://postgres@127.0.0.1/x"
    with pytest.raises(ConnectionError) as refused:
        PostgresLedger("postgresql://owner:hunter2@127.0.0.1:1/nowhere")
    assert "hunter2" not in str(refused.value) and "owner:***@" in str(refused.value)


# --------------------------------------------------------------------------------------------------
# Parallel ingest processes
# --------------------------------------------------------------------------------------------------


def test_parallel_ingests_of_different_files_and_of_one_content_twice_never_lose_or_double(backend_settings):
    """Three ``regionkpi ingest`` processes at once over: eight organisation files of different content,
    and one content delivered twice under two names (and a third time in another region, where it is
    a delivery of its own). Every file gets exactly one ledger row; the twice-delivered content is
    loaded once and recorded once as its duplicate; the raw layer holds each loaded file's rows once."""
    settings = backend_settings
    landing = settings.landing_dir / "organisation"
    for index in range(8):
        rows = [row.replace("Region Halland", f"Region Halland {index}") for row in ORG_ROWS]
        write(landing / f"{20 + index:04d}" / "org.csv", ORG_HEADER, rows)
    twice = [write(landing / "0013" / name, ORG_HEADER, ORG_ROWS) for name in ("org.csv", "org_igen.csv")]
    write(landing / "0014" / "org.csv", ORG_HEADER, ORG_ROWS)
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGIONKPI_")}
    env.update(REGIONKPI_ROOT=str(settings.root), REGIONKPI_PSEUDONYM_KEY="test-key-only-for-tests")
    if settings.ledger_url:
        env["REGIONKPI_LEDGER_URL"] = settings.ledger_url
    regionkpi = str(Path(sys.executable).with_name("regionkpi"))
    # --source organisation: no dependency to wait for, so the three take files side by side
    command = [regionkpi, "ingest", "--source", "organisation"]
    runs = [subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    errors = [run.communicate(timeout=300)[1] for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], errors
    print(*errors, sep="\n")

    ledger = open_ledger(settings)
    try:
        deliveries = ledger.deliveries()
    finally:
        ledger.close()
    by_path = Counter(d.original_path for d in deliveries)
    assert len(by_path) == 11 and set(by_path.values()) == {1}, f"each file exactly once: {by_path}"
    pair = sorted((d for d in deliveries if d.original_path in {str(p) for p in twice}), key=lambda d: d.seq)
    assert [d.status for d in pair] == ["loaded", "duplicate"], pair
    assert pair[1].duplicate_of == pair[0].seq
    assert Counter(d.status for d in deliveries) == {"loaded": 10, "duplicate": 1}
    raw = sorted((settings.raw_dir / "organisation").glob("[0-9]*/*.parquet"))
    assert len(raw) == 10, raw
    assert not any(settings.landing_dir.rglob("*.csv")), "every file left landing"
