"""The region's own figures in Kolada's shape: one CSV a region can compare with (or report to) Kolada.

For every Kolada KPI of the mapping ``dim_kolada_kpi`` (seed kolada_kpis: an indicator and an age band,
so the sick-leave age bands N60027, N60029 and N60028 are exported too), the region's value for full
calendar years (window ``year``, period ``YYYY-12``), total breakdown, by gender T/K/M. The region's
value is the one of its root organisation node (``organisation_level = 'region'``: the whole region, not
a nämnd or förvaltning) when the indicator is published there (every HR indicator); otherwise that of
the one node of the region that publishes it (the ridership indicators, published only at the region's
public-transport authority, e.g. Länstrafiken 062100, and region-wide by definition: the region's
boardings per inhabitant of the region). An indicator published at several nodes below the root and not
at the root is left out, with a warning: no node is the region's figure.

    kpi,municipality_id,period,gender,value,count
    N60030,0006,2020,T,6.27,1

``municipality_id`` is Kolada's id of the region ("00" + county code), ``period`` the year. A suppressed
cell (röjandeskydd) or a value that cannot be computed is exported with ``value`` and ``count`` empty,
never 0. ``count`` follows Kolada's meaning, the number of units behind the value (Kolada: members of a
municipality group that contributed to an unweighted mean, 1 for a single municipality or region): 1
for every region value, empty when there is no value. UTF-8, comma-separated, one header line.

Reads a published ``marts.duckdb`` read-only (tables in schema main); never ``build.duckdb``.
"""

from __future__ import annotations

import csv
import logging
from contextlib import closing
from pathlib import Path
from typing import Any

import duckdb

from regionkpi.errors import RegionkpiError
from regionkpi.fsio import written_atomically

log = logging.getLogger(__name__)

EXPORT_FILE = "kolada_export.csv"
COLUMNS = ("kpi", "municipality_id", "period", "gender", "value", "count")
MARTS_DB = "marts.duckdb"

_QUERY = """
with

cells as (

    select
        k.kolada_kpi_id as kpi,
        v.region_id as municipality_id,
        cast(left(v.period, 4) as integer) as period,
        v.gender,
        case when v.is_suppressed then null else v.value end as value,
        v.organisation_id,
        v.organisation_level
    from kpi_indicator_values as v
    inner join dim_kolada_kpi as k on k.indicator_id = v.indicator_id and k.age_band = v.age_band
    where v."window" = 'year'
        and v.period like '____-12'
        and v.breakdown = 'total'
        and v.gender in ('T', 'K', 'M')

),

counted as (

    select
        *,
        count(distinct organisation_id) over region_cell as nodes,
        bool_or(organisation_level = 'region') over region_cell as has_root
    from cells
    window region_cell as (partition by kpi, municipality_id, period, gender)

)

select kpi, municipality_id, period, gender, value, organisation_level = 'region' or nodes = 1 as is_region_value
from counted
where organisation_level = 'region' or not has_root
order by kpi, municipality_id, period, case gender when 'T' then 0 when 'K' then 1 else 2 end
"""


class KoladaExportError(RegionkpiError, RuntimeError):
    """The marts cannot be exported in Kolada's shape; the message says why."""


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'main'"
        ).fetchall()
    }


def _rows(marts_db: Path) -> list[tuple[Any, ...]]:
    if not Path(marts_db).is_file():
        raise KoladaExportError(f"no published marts at {marts_db}")
    with closing(duckdb.connect(str(marts_db), read_only=True)) as con:
        missing = {"kpi_indicator_values", "dim_kolada_kpi"} - _tables(con)
        if missing:
            raise KoladaExportError(f"{marts_db} lacks table(s) {', '.join(sorted(missing))}")
        try:
            found = con.execute(_QUERY).fetchall()
        except duckdb.Error as error:
            raise KoladaExportError(f"cannot read the Kolada figures from {marts_db}: {error}") from error
    rows, ambiguous, seen = [], set(), set()
    for *row, is_region_value in found:
        key = tuple(row[:4])
        if not is_region_value:
            ambiguous.add(key[:2])
            continue
        if key in seen:
            raise KoladaExportError(
                f"{marts_db}: more than one region-level value for {key} (kpi, region, year, gender); "
                "a region must have exactly one root organisation node"
            )
        seen.add(key)
        rows.append(tuple(row))
    if ambiguous:
        log.warning(
            "kolada export: left out %s: published at several nodes below the region and not at its root, so no "
            "node is the region's figure",
            ", ".join(f"{kpi} for {region}" for kpi, region in sorted(ambiguous)),
        )
    return rows


def _cell(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def export_kolada(marts_db: Path, out_path: Path) -> int:
    """Write the Kolada-shaped CSV of ``marts_db`` to ``out_path`` (atomically); return its row count."""
    rows = _rows(Path(marts_db))
    out_path = Path(out_path)
    with written_atomically(out_path) as temporary, temporary.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for kpi, municipality_id, period, gender, value in rows:
            writer.writerow([kpi, municipality_id, period, gender, _cell(value), "" if value is None else 1])
    log.info("kolada export: %d row(s) to %s", len(rows), out_path)
    return len(rows)


def snapshot_export(snapshot_dir: Path) -> dict[str, Any] | None:
    """Write ``kolada_export.csv`` into a snapshot being assembled; the manifest entry, or None when
    the marts have no Kolada mapping (``dim_kolada_kpi``) to map indicators to Kolada KPIs."""
    marts_db = Path(snapshot_dir) / MARTS_DB
    with closing(duckdb.connect(str(marts_db), read_only=True)) as con:
        has_catalogue = "dim_kolada_kpi" in _tables(con)
    if not has_catalogue:
        log.warning("kolada export skipped: %s has no dim_kolada_kpi", marts_db)
        return None
    rows = export_kolada(marts_db, Path(snapshot_dir) / EXPORT_FILE)
    return {"file": EXPORT_FILE, "rows": rows}
