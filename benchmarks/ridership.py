"""Benchmark: a full-scale year of boardings at validation level, from files to monthly KPIs.

Writes Region Jönköpings län's (``0006``) boardings of 2019 as the new ticketing system delivers them:
one file per month, one row per validation (``Tidpunkt;Linje;Tur;Hållplats;Biljettprodukt;
Valideringstyp;Källa``), Windows-1252 with CRLF, 1.1 to 2.1 million rows a month and 22 088 050 in the
year (``ingest.ridership.sample.write_full_scale_boardings``). The issue asks that ingest and build of
the full year stream, with a peak under 1 GiB; this script measures it and says whether they do.

Each measurement runs in its own subprocess started from a small parent, so its peak RSS is its own:
the child's high-water mark ``VmHWM`` read from ``/proc`` before it exits (``ru_maxrss`` where ``/proc``
is missing). dbt runs as a subprocess of the build child (``regionkpi.pipeline.run_dbt``), so the build
child polls the ``VmHWM`` of its descendants and the build's peak is the dbt process's.

Two scenarios, in one settings root (GTFS feed ingested and seeds loaded first, not measured):

* **1 month** - our ingest of January (``regionkpi.pipeline.ingest``: contract checks against GTFS and
  the seeds, raw Parquet), then our build: ``dbt run --select +int_ridership_indicator_values_computed``
  (``fct_boardings`` and everything the boardings KPIs need; the first run builds every day);
* **12 months** (``--months``) - our ingest of February..December as one measurement, the incremental
  build (``fct_boardings`` replaces only the days of the new deliveries) and a full build of all
  months from scratch (``--full-refresh``, the worst case for memory).

Beside ours, for each scenario and the same files:

* **pandas** - a plain script: ``pandas.read_csv`` of one whole month at a time (three columns),
  traffic day = Tidpunkt - 4 h, boardings per month in total, per traffic area (line patterns of
  ``seeds/traffic_area_members.csv``, full match) and excluding school cards
  (``seeds/ticket_products.csv``); no contract checks;
* **DuckDB** - DuckDB alone reading the files (``read_csv(..., encoding='latin-1')``) into the same
  aggregates in SQL: the floor.

Ours for a scenario is ingest plus build (for 12 months: both ingests and the full build); the ratios
compare wall times and peaks with pandas and DuckDB. The three sets of monthly figures (ours from
``intermediate.int_ridership_month_measures``) must agree; the script says whether they do.

Usage (from the repository root)::

    .venv/bin/python benchmarks/ridership.py                     # 12 months, 22 088 050 rows
    .venv/bin/python benchmarks/ridership.py --months 2          # quick: January, then February
    .venv/bin/python benchmarks/ridership.py --workdir /data/bench --skip-pandas
    REGIONKPI_DUCKDB_MEMORY_LIMIT=1GB .venv/bin/python benchmarks/ridership.py

``--workdir`` keeps the generated files (reused when present) and the settings root; without it
everything lives in a temporary directory that is removed at the end unless ``--keep`` is given.
This is a benchmark, not a test: it stops only when a delivery is not loaded or a step fails.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

# The finance benchmark's settings root and the child's own peak: the same measuring, not a copy.
from benchmarks.finance_ledger_ingest import REGION, _own_peak_mb, _settings  # noqa: E402

YEAR = 2019
ENCODING = "cp1252"
SOURCE = "ridership_boardings"
#: Everything the boardings KPIs need from raw (fct_boardings, dimensions, month measures, windows).
DBT_SELECT = "+int_ridership_indicator_values_computed"
GIB_MB = 1024.0
SEEDS_DIR = REPO_ROOT / "dbt_project" / "seeds"
#: The figures compared: (month 'YYYY-MM', measure, breakdown, breakdown_id) -> boardings.
FigureKey = str


def month_file(files_dir: Path, month: int) -> Path:
    return files_dir / f"jlt_valideringar_{YEAR}-{month:02d}.csv"


def _key(month: str, measure: str, breakdown: str, breakdown_id: str) -> FigureKey:
    return f"{month}|{measure}|{breakdown}|{breakdown_id}"


# --------------------------------------------------------------------------------------------------
# Peak memory of a child's descendants (dbt runs under the build child)
# --------------------------------------------------------------------------------------------------


def _hwm_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return None


def _descendants(root: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as stat:
                    parents[int(entry.name)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


class DescendantPeak(threading.Thread):
    """Polls the ``VmHWM`` of this process's descendants until stopped; the highest is the peak.

    The high-water mark only grows, so a poll every few tens of milliseconds misses at most what a
    process adds just before it exits.
    """

    def __init__(self, interval_s: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.interval_s = interval_s
        self.peaks: dict[int, float] = {}
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(self.interval_s):
            for pid in _descendants(os.getpid()):
                peak = _hwm_mb(pid)
                if peak is not None:
                    self.peaks[pid] = max(self.peaks.get(pid, 0.0), peak)

    def stop(self) -> float | None:
        self._done.set()
        self.join()
        return max(self.peaks.values(), default=None)


# --------------------------------------------------------------------------------------------------
# Measurements, each run as a child process of this script
# --------------------------------------------------------------------------------------------------


def child_generate(args: argparse.Namespace) -> dict:
    """The month files, written beside the final ones and moved in place when complete."""
    from ingest.ridership.sample import write_full_scale_boardings

    started = time.perf_counter()
    files_dir = Path(args.files)
    partial = files_dir / ".partial"
    shutil.rmtree(partial, ignore_errors=True)
    months = range(1, args.months + 1)
    written = write_full_scale_boardings(partial, year=YEAR, months=months, encoding=ENCODING)
    rows = {}
    for path in written:
        with path.open("rb") as handle:  # data rows: line ends less the header's
            rows[path.stem[-2:]] = sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 24), b"")) - 1
        os.replace(path, files_dir / path.name)  # keeps the delivery mtime
    shutil.rmtree(partial, ignore_errors=True)
    manifest = {"year": YEAR, "rows": rows}
    (files_dir / "manifest.json").write_text(json.dumps(manifest))
    return {"work_s": time.perf_counter() - started}


def child_setup(args: argparse.Namespace) -> dict:
    """A fresh settings root: the GTFS feed ingested (boardings are checked against it), seeds loaded."""
    from ingest.landing import ingest_landing
    from ingest.ridership.sample_gtfs import write_gtfs_sample
    from regionkpi.pipeline import run_dbt

    root = Path(args.root)
    shutil.rmtree(root, ignore_errors=True)
    settings = _settings(root)
    write_gtfs_sample(settings.landing_dir)
    report = ingest_landing(settings, source_names=["gtfs"])
    if report.count("loaded") != 1:
        raise SystemExit(f"GTFS feed not loaded: {report.summary()}")
    run_dbt(settings, "seed")
    return {}


def child_ingest(args: argparse.Namespace) -> dict:
    started = time.perf_counter()
    import ingest.landing
    import ingest.ridership.boardings  # noqa: F401
    from regionkpi.pipeline import ingest as ingest_step

    imported = time.perf_counter()
    report = ingest_step(_settings(Path(args.root)), sources=[SOURCE])
    done = time.perf_counter()
    boardings = [d for d in report.deliveries if d.source == SOURCE]
    return {
        "import_s": imported - started,
        "work_s": done - imported,
        "files": len(boardings),
        "loaded": sum(d.status == "loaded" for d in boardings),
        "rows": sum(d.rows or 0 for d in boardings if d.status == "loaded"),
        "problems": [f"{d.file_name}: {d.status} ({d.reason})" for d in boardings if d.status != "loaded"],
    }


def child_build(args: argparse.Namespace) -> dict:
    from regionkpi.pipeline import run_dbt

    settings = _settings(Path(args.root))
    poller = DescendantPeak()
    poller.start()
    started = time.perf_counter()
    run_dbt(settings, "run", "--select", DBT_SELECT, *(["--full-refresh"] if args.full_refresh else []))
    work_s = time.perf_counter() - started
    dbt_peak = poller.stop()
    # ru_maxrss of the waited-for children is an upper bound: exec keeps the parent's mark (see above).
    children_max = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "work_s": work_s,
        "peak_mb": dbt_peak if dbt_peak is not None else children_max,
        "peak_source": "dbt VmHWM" if dbt_peak is not None else "ru_maxrss of children",
        "wrapper_peak_mb": _own_peak_mb(),
    }


def child_figures(args: argparse.Namespace) -> dict:
    """Our monthly boardings figures from the warehouse, and what the last build rebuilt."""
    import duckdb

    settings = _settings(Path(args.root))
    with duckdb.connect(str(settings.build_db_path), read_only=True) as connection:
        rows = connection.execute(
            "select strftime(period_month, '%Y-%m'), measure, breakdown, breakdown_id, amount "
            "from intermediate.int_ridership_month_measures where family = 'boardings' and region_id = ?",
            [REGION],
        ).fetchall()
        days, rebuilt = connection.execute(
            "select count(distinct service_date), "
            "count(distinct service_date) filter (where built_at = (select max(built_at) from marts.fct_boardings)) "
            "from marts.fct_boardings where region_id = ?",
            [REGION],
        ).fetchone()
    figures = {_key(*row[:4]): round(row[4]) for row in rows}
    return {"figures": figures, "days": days, "rebuilt_days": rebuilt}


def child_pandas(args: argparse.Namespace) -> dict:
    """What a plain pandas script does: read a month whole, group, classify; no contract checks."""
    import re

    started = time.perf_counter()
    import pandas as pd

    imported = time.perf_counter()
    members = pd.read_csv(SEEDS_DIR / "traffic_area_members.csv", dtype=str)
    members = members[(members["region_id"] == REGION) & (members["member_kind"] == "line")]
    patterns = [(area, re.compile(pattern)) for area, pattern in members[["traffic_area_id", "pattern"]].to_numpy()]
    products = pd.read_csv(SEEDS_DIR / "ticket_products.csv", dtype=str)
    products = products[products["region_id"].isin([REGION, "*"])]
    products = products.sort_values("region_id", key=lambda s: s == "*").drop_duplicates("product_code")
    school = set(products.loc[products["is_school_card"] == "true", "product_code"])

    counts = []
    rows = 0
    for path in args.files.split(os.pathsep):
        frame = pd.read_csv(
            path, sep=";", encoding=ENCODING, usecols=["Tidpunkt", "Linje", "Biljettprodukt"], dtype=str
        )
        rows += len(frame)
        at = pd.to_datetime(frame["Tidpunkt"], format="%Y-%m-%d %H:%M:%S")
        frame["month"] = (at - pd.Timedelta(hours=4)).dt.to_period("M").astype(str)
        counts.append(frame.groupby(["month", "Linje", "Biljettprodukt"]).size())
        del frame, at
    total = pd.concat(counts).groupby(level=[0, 1, 2]).sum().rename("boardings").reset_index()
    areas = {
        line: min((area for area, pattern in patterns if pattern.fullmatch(line)), default="unassigned")
        for line in total["Linje"].unique()
    }
    total["area"] = total["Linje"].map(areas)
    figures: dict[FigureKey, int] = {}
    for measure, subset in (
        ("boardings", total),
        ("boardings_excl_school_cards", total[~total["Biljettprodukt"].isin(school)]),
    ):
        for month, amount in subset.groupby("month")["boardings"].sum().items():
            figures[_key(month, measure, "total", "all")] = int(amount)
        for (month, area), amount in subset.groupby(["month", "area"])["boardings"].sum().items():
            figures[_key(month, measure, "traffic_area", area)] = int(amount)
    return {
        "rows": rows,
        "figures": figures,
        "import_s": imported - started,
        "work_s": time.perf_counter() - imported,
    }


DUCKDB_QUERY = """
with

validations as (
    select
        strftime(cast(Tidpunkt - interval 4 hour as date), '%Y-%m') as period_month,
        Linje as line,
        Biljettprodukt as product_code,
        count(*) as boardings
    from read_csv(
        $files, delim = ';', header = true, encoding = 'latin-1',
        columns = {'Tidpunkt': 'TIMESTAMP', 'Linje': 'VARCHAR', 'Tur': 'VARCHAR', 'Hallplats': 'VARCHAR',
            'Biljettprodukt': 'VARCHAR', 'Valideringstyp': 'VARCHAR', 'Kalla': 'VARCHAR'}
    )
    group by all
),

members as (
    select traffic_area_id, pattern
    from read_csv($members, all_varchar = true)
    where region_id = $region and member_kind = 'line'
),

line_areas as (
    select lines.line, coalesce(min(members.traffic_area_id), 'unassigned') as traffic_area_id
    from (select distinct line from validations) as lines
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
    select validations.period_month, line_areas.traffic_area_id, validations.boardings,
        coalesce(products.is_school_card, false) as is_school_card
    from validations
    inner join line_areas on line_areas.line = validations.line
    left join products on products.product_code = validations.product_code
),

measures as (
    select 'boardings' as measure, * from classified
    union all
    select 'boardings_excl_school_cards', * from classified where not is_school_card
)

select period_month, measure, 'total', 'all', sum(boardings) from measures group by all
union all
select period_month, measure, 'traffic_area', traffic_area_id, sum(boardings) from measures group by all
"""


def child_duckdb(args: argparse.Namespace) -> dict:
    started = time.perf_counter()
    import duckdb

    imported = time.perf_counter()
    with duckdb.connect() as connection:
        limit = connection.execute("select current_setting('memory_limit')").fetchone()[0]
        rows = connection.execute(
            DUCKDB_QUERY,
            {
                "files": args.files.split(os.pathsep),
                "members": str(SEEDS_DIR / "traffic_area_members.csv"),
                "products": str(SEEDS_DIR / "ticket_products.csv"),
                "region": REGION,
            },
        ).fetchall()
    figures = {_key(*row[:4]): int(row[4]) for row in rows}
    read = sum(amount for key, amount in figures.items() if key.endswith("|boardings|total|all"))
    return {
        "rows": read,
        "figures": figures,
        "memory_limit": limit,
        "import_s": imported - started,
        "work_s": time.perf_counter() - imported,
    }


CHILDREN = {
    "generate": child_generate,
    "setup": child_setup,
    "ingest": child_ingest,
    "build": child_build,
    "figures": child_figures,
    "pandas": child_pandas,
    "duckdb": child_duckdb,
}


def run_child(kind: str, **options: object) -> dict:
    """Run one measurement in a fresh interpreter; wall time, and the peak RSS the child reports.

    Like ``benchmarks.finance_ledger_ingest.run_child`` but starting this script; a child may report
    the peak of a process it ran (``peak_mb``: dbt) instead of its own.
    """
    command = [sys.executable, str(Path(__file__).resolve()), "--child", kind]
    for key, value in options.items():
        command += [f"--{key.replace('_', '-')}", str(value)]
    env = {**os.environ, "DO_NOT_TRACK": "1", "GX_ANALYTICS_ENABLED": "false", "PYTHONPATH": str(REPO_ROOT)}
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, env=env, cwd=REPO_ROOT)
    out = process.stdout.read() if process.stdout else b""
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"measurement {kind} failed (exit {os.waitstatus_to_exitcode(status)})")
    result = json.loads(out.decode().strip().splitlines()[-1])
    own = result.pop("own_peak_mb", None)
    peak = result.pop("peak_mb", None)
    if peak is None:
        peak = own if own is not None else usage.ru_maxrss / 1024  # KiB on Linux
    result.update(wall_s=wall, peak_rss_mb=peak)
    return result


# --------------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------------


def month_files(files_dir: Path, months: int) -> tuple[list[Path], dict[str, int]]:
    """The first ``months`` month files and their row counts; written (in a child) when missing."""
    files = [month_file(files_dir, m) for m in range(1, months + 1)]
    manifest_path = files_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    rows: dict[str, int] = manifest.get("rows", {})
    if not all(path.exists() and path.name[-6:-4] in rows for path in files):
        files_dir.mkdir(parents=True, exist_ok=True)
        manifest_path.unlink(missing_ok=True)
        written = run_child("generate", files=files_dir, months=months)
        print(f"wrote {months} month file(s) in {written['wall_s']:.0f} s", flush=True)
        rows = json.loads(manifest_path.read_text())["rows"]
    return files, {path.name: rows[path.name[-6:-4]] for path in files}


def land(root: Path, files: list[Path]) -> None:
    """Place delivered files in landing (hard links: ingest moves them away, the originals stay)."""
    target_dir = root / "landing" / SOURCE / REGION
    target_dir.mkdir(parents=True, exist_ok=True)
    for path in files:
        target = target_dir / path.name
        try:
            os.link(path, target)
        except OSError:
            shutil.copy2(path, target)


def ingest_files(root: Path, files: list[Path], rows: dict[str, int]) -> dict:
    land(root, files)
    result = run_child("ingest", root=root)
    expected = sum(rows[path.name] for path in files)
    if result["problems"] or result["loaded"] != len(files) or result["rows"] != expected:
        raise SystemExit(f"ingest did not load every row ({expected:,} expected): {result}")
    return result


def compare(label: str, figures: dict[str, dict[FigureKey, int]]) -> str:
    """One line: whether every source gives the same figures, or the first differences."""
    names = list(figures)
    reference = figures[names[0]]
    if len(names) == 1:
        return f"{label}: {len(reference)} figures of ours, nothing to compare them with (pandas and DuckDB skipped)."
    lines = []
    for name in names[1:]:
        other = figures[name]
        differing = sorted(k for k in reference.keys() | other.keys() if reference.get(k) != other.get(k))
        for key in differing[:5]:
            lines.append(f"  {key}: {names[0]} {reference.get(key)}, {name} {other.get(key)}")
        if len(differing) > 5:
            lines.append(f"  ... and {len(differing) - 5} more differences with {name}")
    months = len({key.split("|")[0] for key in reference})
    if not lines:
        return f"{label}: {', '.join(names)} agree on all {len(reference)} figures ({months} month(s))."
    return f"{label}: FIGURES DIFFER\n" + "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--months", type=int, default=12, help="months of 2019 (default 12; 2 for a quick run)")
    parser.add_argument("--workdir", type=Path, help="where files go and stay (default: a temporary directory)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary work directory")
    parser.add_argument("--skip-pandas", action="store_true", help="leave out the plain pandas script")
    parser.add_argument("--skip-duckdb", action="store_true", help="leave out DuckDB alone")
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    parser.add_argument("--files", help=argparse.SUPPRESS)
    parser.add_argument("--full-refresh", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        result = CHILDREN[args.child](args)
        result["own_peak_mb"] = _own_peak_mb()
        print(json.dumps(result))
        return
    if not 1 <= args.months <= 12:
        parser.error("--months must be 1..12")

    # The parent imports nothing heavy: every child starts from a small process.
    os.environ.update({"DO_NOT_TRACK": "1", "GX_ANALYTICS_ENABLED": "false"})
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="ridership_bench_"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        files, rows = month_files(workdir / "files", args.months)
        size_mb = sum(path.stat().st_size for path in files) / 1e6
        print(
            f"boardings {YEAR}, region {REGION}: {len(files)} month file(s), {sum(rows.values()):,} rows, "
            f"{size_mb:,.0f} MB ({ENCODING}); cpus: {os.cpu_count()}",
            flush=True,
        )
        root = workdir / "root"
        run_child("setup", root=root)
        scenarios = [("1 month", files[:1])]
        if len(files) > 1:
            scenarios.append((f"{len(files)} months", files))
        steps: list[tuple[str, str, int, dict]] = []  # (scenario, step, rows, result)
        ours: dict[str, dict] = {}
        checks: list[str] = []
        for index, (scenario, scenario_files) in enumerate(scenarios):
            first = index == 0
            new = scenario_files[:1] if first else scenario_files[1:]
            new_rows = sum(rows[path.name] for path in new)
            all_rows = sum(rows[path.name] for path in scenario_files)
            span = f"{new[0].stem[-2:]}" + (f"-{new[-1].stem[-2:]}" if len(new) > 1 else "")
            print(f"{scenario}: ingest of month(s) {span} ...", flush=True)
            ingested = ingest_files(root, new, rows)
            steps.append((scenario, f"our ingest, month(s) {span}", new_rows, ingested))
            print(f"{scenario}: build ...", flush=True)
            built = run_child("build", root=root)
            ours_figures = run_child("figures", root=root)
            if first:
                steps.append((scenario, "our build (first run: every day)", all_rows, built))
                ours_steps = [ingested, built]
            else:
                label = f"our build, incremental ({ours_figures['rebuilt_days']} days)"
                steps.append((scenario, label, new_rows, built))
                incremental = ours_figures
                print(f"{scenario}: full build ...", flush=True)
                full = run_child("build", root=root, full_refresh=1)
                steps.append((scenario, "our build, full refresh (all days)", all_rows, full))
                ours_figures = run_child("figures", root=root)
                same = incremental["figures"] == ours_figures["figures"]
                checks.append(
                    f"{scenario}: the incremental build rebuilt {incremental['rebuilt_days']} of "
                    f"{incremental['days']} days; its figures {'equal' if same else 'DIFFER FROM'} the full build's."
                )
                ours_steps = [steps[0][3], ingested, full]  # January's ingest, the rest, all days built
            total = {
                "wall_s": sum(step["wall_s"] for step in ours_steps),
                "peak_rss_mb": max(step["peak_rss_mb"] for step in ours_steps),
            }
            ours[scenario] = total
            figures = {"ours": ours_figures["figures"]}
            paths = os.pathsep.join(str(path) for path in scenario_files)
            for name, skip in (("pandas", args.skip_pandas), ("duckdb", args.skip_duckdb)):
                if skip:
                    continue
                print(f"{scenario}: {name} ...", flush=True)
                result = run_child(name, files=paths)
                steps.append(
                    (scenario, "plain pandas" if name == "pandas" else "DuckDB alone (floor)", all_rows, result)
                )
                figures[name] = result["figures"]
                if result["rows"] != all_rows:
                    checks.append(f"{scenario}: {name} read {result['rows']:,} rows, not {all_rows:,}")
            checks.append(compare(scenario, figures))
        print_tables(steps, ours)
        print()
        for kind in ("ingest", "build"):
            peak = max(r["peak_rss_mb"] for _, label, _, r in steps if label.startswith(f"our {kind}"))
            print(f"1 GiB: our {kind} peaked at {peak:,.0f} MB at most: {'under' if peak < GIB_MB else 'OVER'} 1 GiB.")
        for line in checks:
            print(line)
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        elif args.keep and not args.workdir:
            print(f"work directory kept: {workdir}")


def print_tables(steps: list[tuple[str, str, int, dict]], ours: dict[str, dict]) -> None:
    memory_limit = os.environ.get("REGIONKPI_DUCKDB_MEMORY_LIMIT", "512MB")
    threads = os.environ.get("REGIONKPI_DBT_THREADS", "4")
    duck_limit = next((r["memory_limit"] for *_, r in steps if "memory_limit" in r), "-")
    print()
    print(
        f"dbt run --select {DBT_SELECT}; dbt's DuckDB memory_limit {memory_limit} "
        f"(REGIONKPI_DUCKDB_MEMORY_LIMIT), dbt threads {threads}; DuckDB alone: memory_limit {duck_limit} (default)"
    )
    heads = ["rows", "wall s", "work s", "rows/s (work)", "peak RSS MB", "< 1 GiB"]
    widths = [12, 8, 8, 14, 12, 8]
    print(f"{'scenario':<10} {'measurement':<40} " + " ".join(f"{h:>{w}}" for h, w in zip(heads, widths, strict=True)))
    print("-" * (52 + sum(widths) + len(widths)))
    for scenario, label, rows, result in steps:
        work = result.get("work_s")
        ours_step = label.startswith("our ")
        peak = result["peak_rss_mb"]
        cells = [
            f"{rows:,}",
            f"{result['wall_s']:.1f}",
            f"{work:.1f}" if work is not None else "-",
            f"{rows / work:,.0f}" if work else "-",
            f"{peak:,.0f}",
            ("yes" if peak < GIB_MB else "NO") if ours_step else "",
        ]
        print(f"{scenario:<10} {label:<40} " + " ".join(f"{c:>{w}}" for c, w in zip(cells, widths, strict=True)))

    print()
    heads = ["ours s", "ours MB", "pandas s", "pandas MB", "DuckDB s", "DuckDB MB", "/pandas t", "/pandas m"]
    heads += ["/DuckDB t", "/DuckDB m"]
    print(f"{'scenario':<10} " + " ".join(f"{h:>10}" for h in heads))
    print("-" * (10 + 11 * len(heads)))
    for scenario, total in ours.items():
        others = {}
        for name in ("plain pandas", "DuckDB alone (floor)"):
            others[name] = next((r for s, label, _, r in steps if s == scenario and label == name), None)
        cells = [f"{total['wall_s']:.1f}", f"{total['peak_rss_mb']:,.0f}"]
        for other in others.values():
            cells += [f"{other['wall_s']:.1f}", f"{other['peak_rss_mb']:,.0f}"] if other else ["-", "-"]
        for other in others.values():
            if other:
                cells += [
                    f"{total['wall_s'] / other['wall_s']:.1f}x",
                    f"{total['peak_rss_mb'] / other['peak_rss_mb']:.1f}x",
                ]
            else:
                cells += ["-", "-"]
        print(f"{scenario:<10} " + " ".join(f"{c:>10}" for c in cells))
    print()
    print("ours: our ingest + our build (for more than one month: both ingests and the full-refresh build);")
    print("ours MB: the highest peak of those steps (they run one after the other).")
    print("wall s: the whole child process (interpreter start, imports, work); work s: after the imports.")
    print("peak RSS: the child's own high-water mark (VmHWM); for a build, the dbt process's own.")
    wrappers = [r.get("wrapper_peak_mb") for _, label, _, r in steps if label.startswith("our build")]
    wrappers = [w for w in wrappers if w is not None]
    if wrappers:
        print(f"(the Python process that starts dbt peaked at {max(wrappers):,.0f} MB beside it)")


if __name__ == "__main__":
    main()
