"""The boardings fact is incremental: a new month's delivery adds its days without rebuilding earlier ones.

dbt runs on a small raw layer (tests/dbt_fixtures.py): the GTFS feed and January 2020's boardings,
then February, then a re-delivery of January. Each run must touch exactly the delivered days: rows of
other days keep their ``built_at`` (the time of the run that wrote them).
"""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from tests.dbt_fixtures import _boardings, _period, dbt_env, run_dbt, write_delivery

pytestmark = pytest.mark.slow

GTFS = [
    {"entity": "agency", "entity_id": "JLT", "name": "Länstrafiken Jönköping", "source_member": "agency.txt"},
    {
        "entity": "route",
        "entity_id": "R1",
        "name": "Linje 1",
        "route_short_name": "1",
        "line": "1",
        "route_type": 700,
        "source_member": "routes.txt",
    },
]


def _month(month: int, per_day: int) -> list[dict]:
    days = [date(2020, month, d) for d in range(1, 29)]
    return _period(
        [_boardings(day, "1", "REKASSA", per_day) for day in days],
        date(2020, month, 1),
        date(2020, month, 28 if month == 2 else 31),
    )


def _by_month(warehouse) -> dict[int, tuple]:
    with duckdb.connect(str(warehouse / "build.duckdb"), read_only=True) as connection:
        rows = connection.execute(
            "select month(service_date), sum(boardings), count(*), min(built_at), max(built_at) "
            "from marts.fct_boardings group by 1 order by 1"
        ).fetchall()
    return {month: tuple(rest) for month, *rest in rows}


def test_a_second_month_adds_without_touching_the_first(tmp_path):
    warehouse = tmp_path / "warehouse"
    env = dbt_env(warehouse, tmp_path)
    write_delivery(warehouse, "gtfs", "0006", 1, GTFS)
    write_delivery(warehouse, "ridership_boardings", "0006", 2, _month(1, 10))
    first = run_dbt(["build", "--select", "+fct_boardings"], env)
    assert first.returncode == 0, first.stdout[-3000:]
    january = _by_month(warehouse)[1]
    assert january[:2] == (280, 28)  # 28 days x 10

    write_delivery(warehouse, "ridership_boardings", "0006", 3, _month(2, 20))
    second = run_dbt(["run", "--select", "fct_boardings"], env)
    assert second.returncode == 0, second.stdout[-3000:]
    assert "incremental model marts.fct_boardings" in second.stdout
    months = _by_month(warehouse)
    assert months[1] == january, "January's rows were not rebuilt (same built_at)"
    assert months[2][:2] == (560, 28)
    assert months[2][2] > january[3], "February was written by the second run"

    # a corrected January replaces January only, also the day it has no rows for (the 5th)
    corrected = [row for row in _month(1, 11) if row["service_date"] != date(2020, 1, 5)]
    write_delivery(warehouse, "ridership_boardings", "0006", 4, corrected)
    third = run_dbt(["run", "--select", "fct_boardings"], env)
    assert third.returncode == 0, third.stdout[-3000:]
    after = _by_month(warehouse)
    assert after[1][:2] == (297, 27)  # 27 days x 11: the 5th's 10 boardings are gone
    assert after[1][2] > months[2][3]
    assert after[2] == months[2], "February untouched by January's correction"

    # nothing new: nothing rewritten
    fourth = run_dbt(["run", "--select", "fct_boardings"], env)
    assert fourth.returncode == 0, fourth.stdout[-3000:]
    assert _by_month(warehouse) == after

    # a full refresh rebuilds every day from raw, to the same figures
    full = run_dbt(["run", "--select", "fct_boardings", "--full-refresh"], env)
    assert full.returncode == 0, full.stdout[-3000:]
    rebuilt = _by_month(warehouse)
    assert {m: v[:2] for m, v in rebuilt.items()} == {m: v[:2] for m, v in after.items()}
    assert rebuilt[1][2] > after[2][3]
