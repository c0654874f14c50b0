"""Boardings at validation level: a full-scale year (22 M rows), and five years of history plus a new month.

The year is Region Jönköpings län's (``0006``) 2019 as the new ticketing system delivers it: one file
per month, one row per validation (``Tidpunkt;Linje;Tur;Hållplats;Biljettprodukt;Valideringstyp;
Källa``), Windows-1252 with CRLF, 1.1 to 2.1 million rows a month and 22 088 050 in the year
(``samples.ridership.extracts.write_full_scale_boardings``; slow, so the files are kept and reused).

The figure all three compute is our fact ``fct_boardings`` (one row per traffic day × line × stop ×
ticket product × count source, traffic day = Tidpunkt - 4 h) and from it the monthly boardings of
``int_ridership_month_measures``: in total and per traffic area (the line patterns of
``seeds/traffic_area_members.csv``, full match; ``unassigned`` when none matches), with and without
school cards (``seeds/ticket_products.csv``). Ours is ingest (contract checks against GTFS and the
seeds, raw Parquet) and ``dbt run --select +int_ridership_month_measures``; pandas (a month file at a
time) and DuckDB read the files, write the daily fact and the monthly measures to Parquet. They agree
when the monthly measures and the fact's rows per month are equal.

History: the year's month files relabelled into five years (2015-2019: the traffic days rewritten
into each target month, a template day repeated or left out where month lengths differ; optionally
every N-th validation only) and a new month, 2020-01, delivered after them.
"""

from __future__ import annotations

import calendar
import json
import os
import shutil
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from benchmarks import ours
from benchmarks.measure import REPO_ROOT, Runner, duckdb_settings

REGION = ours.REGION
YEAR = 2019
SOURCE = "ridership_boardings"
SELECT = "+int_ridership_month_measures"
ENCODING = "cp1252"
SEEDS_DIR = REPO_ROOT / "dbt_project" / "seeds"
FIGURES = "monthly boardings (total, per traffic area, excl. school cards) and fct_boardings' rows per month"
#: A traffic day runs from 04:00 to 04:00 the next morning (ingest.ridership.boardings).
DAY_CHANGE_HOURS = 4


def month_path(files_dir: Path, year: int, month: int) -> Path:
    return files_dir / f"jlt_valideringar_{year}-{month:02d}.csv"


def _rows_by_file(files_dir: Path) -> dict[str, int]:
    """Data rows per file name from the folder's ``manifest.json`` (also the old ``{"year", "rows"}`` shape)."""
    path = files_dir / "manifest.json"
    manifest = json.loads(path.read_text()) if path.exists() else {}
    if "year" in manifest:
        return {month_path(files_dir, manifest["year"], int(mm)).name: n for mm, n in manifest["rows"].items()}
    return manifest.get("files", {})


def _record_rows(files_dir: Path, rows: dict[str, int]) -> None:
    known = {**_rows_by_file(files_dir), **rows}
    (files_dir / "manifest.json").write_text(json.dumps({"files": dict(sorted(known.items()))}, indent=1))


def _data_rows(path: Path) -> int:
    with path.open("rb") as handle:  # line ends less the header's
        return sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 24), b"")) - 1


# --------------------------------------------------------------------------------------------------
# Files (the parent asks for them; children write what is missing)
# --------------------------------------------------------------------------------------------------


def year_files(runner: Runner, files_dir: Path, months: int) -> dict[Path, int]:
    """The first ``months`` month files of :data:`YEAR` and their rows; written (slowly) when missing."""
    files = [month_path(files_dir, YEAR, m) for m in range(1, months + 1)]
    missing = [m for m, path in enumerate(files, start=1) if not path.exists()]
    if missing:
        files_dir.mkdir(parents=True, exist_ok=True)
        print(f"writing boardings month file(s) {missing} into {files_dir} (slow) ...", flush=True)
        written = runner.run("ridership:generate", files_dir=str(files_dir), months=missing)
        print(f"  written in {written.wall_s:,.0f} s", flush=True)
    uncounted = [path for path in files if path.name not in _rows_by_file(files_dir)]
    if uncounted:
        _record_rows(files_dir, {path.name: _data_rows(path) for path in uncounted})
    rows = _rows_by_file(files_dir)
    return {path: rows[path.name] for path in files}


def history_months(years: int) -> tuple[list[tuple[int, int]], tuple[int, int]]:
    """The months of ``years`` years up to :data:`YEAR`, and the new month after them."""
    history = [(year, month) for year in range(YEAR - years + 1, YEAR + 1) for month in range(1, 13)]
    return history, (YEAR + 1, 1)


def history_files(runner: Runner, templates: dict[Path, int], out_dir: Path, years: int, every: int) -> dict:
    """Five years of month files made from the year's (``every``-th validation), and the new month's."""
    history, new = history_months(years)
    targets = [*history, new]
    paths = [month_path(out_dir, year, month) for year, month in targets]
    if not all(path.exists() and path.name in _rows_by_file(out_dir) for path in paths):
        print(f"writing {len(targets)} history month file(s) into {out_dir} ...", flush=True)
        written = runner.run(
            "ridership:relabel",
            templates=[str(path) for path in templates],
            out_dir=str(out_dir),
            months=targets,
            every=every,
        )
        print(f"  written in {written.wall_s:,.0f} s", flush=True)
    rows = _rows_by_file(out_dir)
    return {path: rows[path.name] for path in paths}


# --------------------------------------------------------------------------------------------------
# Steps, each run in a child process (benchmarks.child)
# --------------------------------------------------------------------------------------------------


def generate(files_dir: str, months: list[int]) -> dict:
    """The month files of :data:`YEAR`, written beside the final ones and moved in place when complete."""
    from samples.ridership.extracts import write_full_scale_boardings

    target_dir = Path(files_dir)
    partial = target_dir / ".partial"
    shutil.rmtree(partial, ignore_errors=True)
    written = write_full_scale_boardings(partial, year=YEAR, months=months, encoding=ENCODING)
    rows = {}
    for path in written:
        rows[path.name] = _data_rows(path)
        os.replace(path, target_dir / path.name)  # keeps the delivery mtime
    shutil.rmtree(partial, ignore_errors=True)
    _record_rows(target_dir, rows)
    return {}


def _relabel(template: Path, target: Path, year: int, month: int, every: int) -> int:
    """Write ``template``'s validations (every ``every``-th) as the month ``year-month``; the rows written.

    Template traffic day ``d`` becomes traffic day ``d`` of the target month (the first days repeated
    when the target is longer, the last left out when it is shorter), keeping every time of day, so
    each row lies in the target month. Only the first 10 bytes of a line (the date) change.
    """
    t_year, t_month = int(template.stem[-7:-3]), int(template.stem[-2:])
    t_days = calendar.monthrange(t_year, t_month)[1]
    # per template traffic day: the rows before midnight, and after (up to 04:00 the next day)
    blocks: dict[int, tuple[list[bytes], list[bytes]]] = {day: ([], []) for day in range(1, t_days + 1)}
    buckets: dict[bytes, list[bytes]] = {}  # "YYYY-MM-DD HH" -> where its rows go

    def bucket(prefix: bytes) -> list[bytes]:
        """The rows of ``YYYY-MM-DD HH`` (local time as delivered): its traffic day's, before or after midnight."""
        calendar_day = date.fromisoformat(prefix[:10].decode("ascii"))
        after_midnight = int(prefix[11:13]) < DAY_CHANGE_HOURS
        day = calendar_day - timedelta(days=1) if after_midnight else calendar_day
        if (day.year, day.month) != (t_year, t_month):
            raise ValueError(f"{template.name}: a row of traffic day {day} (Tidpunkt {prefix.decode()})")
        return blocks[day.day][1 if after_midnight else 0]

    with template.open("rb") as source:
        header = source.readline()
        seen = 0
        while lines := source.readlines(1 << 24):
            for line in lines[(-seen) % every :: every]:
                prefix = line[:13]
                rows = buckets.get(prefix)
                if rows is None:
                    rows = buckets[prefix] = bucket(prefix)
                rows.append(line[10:])
            seen += len(lines)
    written = 0
    with target.open("wb") as out:
        out.write(header)
        for day in range(1, calendar.monthrange(year, month)[1] + 1):
            same_day, next_day = blocks[(day - 1) % t_days + 1]
            service_date = date(year, month, day)
            for stamp, tails in ((service_date, same_day), (service_date + timedelta(days=1), next_day)):
                prefix = stamp.isoformat().encode("ascii")
                out.write(b"".join([prefix + tail for tail in tails]))
                written += len(tails)
    return written


def relabel(templates: list[str], out_dir: str, months: list[list[int]], every: int) -> dict:
    """History files: target month ``m`` from the template of month ``m`` (else the first template)."""
    by_month = {int(Path(path).stem[-2:]): Path(path) for path in templates}
    first = by_month[min(by_month)]
    target_dir = Path(out_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    rows = {}
    delivered = datetime(2023, 1, 1, 6, tzinfo=UTC)  # after the GTFS feed; oldest month first
    for index, (year, month) in enumerate(months):
        target = month_path(target_dir, year, month)
        partial = target.with_suffix(".partial")
        rows[target.name] = _relabel(by_month.get(month, first), partial, year, month, every)
        stamp = (delivered + timedelta(hours=index)).timestamp()
        os.utime(partial, (stamp, stamp))
        os.replace(partial, target)
    _record_rows(target_dir, rows)
    return {}


def setup(root: str) -> dict:
    """A fresh root: the GTFS feed ingested (boardings are checked against it), seeds loaded."""
    from ingest.landing import ingest_landing
    from samples.ridership.gtfs import write_gtfs_sample

    settings = ours.fresh_settings(root)
    write_gtfs_sample(settings.landing_dir)
    report = ingest_landing(settings, source_names=["gtfs"])
    if report.count("loaded") != 1:
        raise SystemExit(f"GTFS feed not loaded: {report.summary()}")
    return ours.seed(settings)


def _reference() -> tuple[list, set[str]]:
    """(traffic area, compiled line pattern) of the region, and its school-card products, from the seeds."""
    import csv
    import re

    with (SEEDS_DIR / "traffic_area_members.csv").open(encoding="utf-8") as handle:
        members = [r for r in csv.DictReader(handle) if r["region_id"] == REGION and r["member_kind"] == "line"]
    with (SEEDS_DIR / "ticket_products.csv").open(encoding="utf-8") as handle:
        products = [r for r in csv.DictReader(handle) if r["region_id"] in (REGION, "*")]
    school: dict[str, bool] = {}
    for row in sorted(products, key=lambda r: r["region_id"] != "*"):  # the region's own row wins
        school[row["product_code"]] = row["is_school_card"] == "true"
    patterns = [(r["traffic_area_id"], re.compile(r["pattern"])) for r in members]
    return patterns, {code for code, is_school in school.items() if is_school}


def pandas(files: list[str], out: str) -> dict:
    """A plain pandas script: a month file at a time, read whole, grouped; then the monthly measures."""
    started = time.perf_counter()
    import pandas as pd

    imported = time.perf_counter()
    patterns, school = _reference()
    keys = ["service_date", "Linje", "Hållplats", "Biljettprodukt", "Källa"]
    parts = []
    rows = 0
    for path in files:
        frame = pd.read_csv(path, sep=";", encoding=ENCODING, usecols=[*keys[1:], "Tidpunkt"], dtype=str)
        rows += len(frame)
        at = pd.to_datetime(frame.pop("Tidpunkt"), format="%Y-%m-%d %H:%M:%S")
        frame["service_date"] = (at - pd.Timedelta(hours=DAY_CHANGE_HOURS)).dt.normalize()
        parts.append(frame.groupby(keys, sort=False).size().rename("boardings").reset_index())
        del frame, at
    daily = pd.concat(parts, ignore_index=True)
    daily.columns = ["service_date", "line", "stop_id", "product_code", "count_source", "boardings"]
    daily.to_parquet(Path(out) / "boardings_daily.parquet", index=False)

    daily["period_month"] = daily["service_date"].dt.to_period("M").dt.to_timestamp()
    by_product = daily.groupby(["period_month", "line", "product_code"], sort=False)["boardings"].sum().reset_index()
    areas = {
        line: min((area for area, pattern in patterns if pattern.fullmatch(line)), default="unassigned")
        for line in by_product["line"].unique()
    }
    by_product["breakdown_id"] = by_product["line"].map(areas)
    measures = []
    for measure, subset in (
        ("boardings", by_product),
        ("boardings_excl_school_cards", by_product[~by_product["product_code"].isin(school)]),
    ):
        months = subset.groupby("period_month")["boardings"].sum().reset_index().assign(breakdown_id="all")
        measures.append(months.assign(measure=measure, breakdown="total"))
        per_area = subset.groupby(["period_month", "breakdown_id"])["boardings"].sum().reset_index()
        measures.append(per_area.assign(measure=measure, breakdown="traffic_area"))
    monthly = pd.concat(measures, ignore_index=True).rename(columns={"boardings": "amount"})
    monthly.to_parquet(Path(out) / "boardings_monthly.parquet", index=False)
    return {"rows": rows, "work_s": time.perf_counter() - imported, "import_s": imported - started}


DUCKDB_DAILY = """
select
    cast(Tidpunkt - interval 4 hour as date) as service_date,
    Linje as line,
    Hallplats as stop_id,
    Biljettprodukt as product_code,
    Kalla as count_source,
    count(*) as boardings
from read_csv(
    $files, delim = ';', header = true, encoding = 'latin-1',
    columns = {'Tidpunkt': 'TIMESTAMP', 'Linje': 'VARCHAR', 'Tur': 'VARCHAR', 'Hallplats': 'VARCHAR',
        'Biljettprodukt': 'VARCHAR', 'Valideringstyp': 'VARCHAR', 'Kalla': 'VARCHAR'}
)
group by all
"""

DUCKDB_MONTHLY = """
with

by_product as (
    select date_trunc('month', service_date) as period_month, line, product_code, sum(boardings) as boardings
    from read_parquet($daily)
    group by all
),

members as (
    select traffic_area_id, pattern
    from read_csv($members, all_varchar = true)
    where region_id = $region and member_kind = 'line'
),

line_areas as (
    select lines.line, coalesce(min(members.traffic_area_id), 'unassigned') as traffic_area_id
    from (select distinct line from by_product) as lines
    left join members on regexp_full_match(lines.line, members.pattern)
    group by all
),

products as (
    select product_code, is_school_card = 'true' as is_school_card
    from read_csv($products, all_varchar = true)
    where region_id in ($region, '*')
    qualify row_number() over (partition by product_code order by region_id = '*') = 1
),

classified as (
    select by_product.period_month, line_areas.traffic_area_id, by_product.boardings,
        coalesce(products.is_school_card, false) as is_school_card
    from by_product
    inner join line_areas on line_areas.line = by_product.line
    left join products on products.product_code = by_product.product_code
),

measures as (
    select 'boardings' as measure, * from classified
    union all
    select 'boardings_excl_school_cards', * from classified where not is_school_card
)

select period_month, measure, 'total' as breakdown, 'all' as breakdown_id, sum(boardings) as amount
from measures group by all
union all
select period_month, measure, 'traffic_area', traffic_area_id, sum(boardings) from measures group by all
"""


def duckdb(files: list[str], out: str) -> dict:
    """DuckDB alone: read the files, the daily fact and the monthly measures in SQL, each to Parquet."""
    started = time.perf_counter()
    import duckdb as duck

    imported = time.perf_counter()
    daily = str(Path(out) / "boardings_daily.parquet")
    with duck.connect() as connection:
        facts = duckdb_settings(connection)
        connection.sql(DUCKDB_DAILY, params={"files": files}).write_parquet(daily, compression="zstd")
        reference = {
            "members": str(SEEDS_DIR / "traffic_area_members.csv"),
            "products": str(SEEDS_DIR / "ticket_products.csv"),
            "region": REGION,
        }
        monthly = connection.sql(DUCKDB_MONTHLY, params={"daily": daily, **reference})
        monthly.write_parquet(str(Path(out) / "boardings_monthly.parquet"), compression="zstd")
    work_s = time.perf_counter() - imported
    return {"work_s": work_s, "import_s": imported - started, **facts}


FIGURES_QUERY = """
select strftime(period_month, '%Y-%m') || '|' || measure || '|' || breakdown || '|' || breakdown_id, sum(amount)
from monthly group by all
union all
select strftime(period_month, '%Y-%m') || '|fact_rows', count(*) from daily group by all
"""
#: Our figures' views (temporary: the build database is opened read-only).
OURS_VIEWS = """
create temp view monthly as
select period_month, measure, breakdown, breakdown_id, amount from intermediate.int_ridership_month_measures
where family = 'boardings' and region_id = '0006';
create temp view daily as select period_month from marts.fct_boardings where region_id = '0006';
"""


def figures(root: str | None = None, out: str | None = None) -> dict:
    """The compared figures from our warehouse (``root``) or a contender's Parquet (``out``).

    From ours also the traffic days in the fact, and how many the last build wrote.
    """
    import duckdb as duck

    database = str(ours.settings(root).build_db_path) if root else ":memory:"
    result: dict = {}
    with duck.connect(database, read_only=bool(root)) as connection:
        if root:
            connection.execute(OURS_VIEWS)
            result["days"], result["rebuilt_days"] = connection.execute(
                "select count(distinct service_date), count(distinct service_date) filter "
                "(where built_at = (select max(built_at) from marts.fct_boardings)) from marts.fct_boardings"
            ).fetchall()[0]
        else:
            connection.read_parquet(str(Path(out or "") / "boardings_monthly.parquet")).create_view("monthly")
            daily = connection.read_parquet(str(Path(out or "") / "boardings_daily.parquet"))
            daily.project("date_trunc('month', service_date) as period_month").create_view("daily")
        rows = connection.execute(FIGURES_QUERY).fetchall()
    result["figures"] = {key: int(value) for key, value in rows}
    return result
