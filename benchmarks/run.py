"""``make bench``: our ingest + build beside a plain pandas script and DuckDB alone, and a new month.

Prints, in one run and measured back to back (the machine is shared: compare the ratios):

0. start-up: what ``regionkpi`` and an ingest task import before they work, warm, beside a bare
   interpreter and GX's own import;
1. the 5 M-row ledger (:mod:`benchmarks.ledger`) and 2. the 22 M-row year of validations
   (:mod:`benchmarks.ridership`): rows, file MB, and per contender (ours: ingest, build, both;
   pandas; DuckDB alone reading, computing the same figures and writing Parquet) wall time, peak RSS,
   rows/s and the ratios; whether the three agree on the figures; the targets of issue #11;
3. one new month on five years of boardings history: its ingest and incremental build against a
   full rebuild (``--full-refresh``) of the same models;
4. the build DAG through Airflow (:mod:`benchmarks.dag`) against one plain ``dbt build`` of the
   same project on the demo's sample.

Every step runs in a fresh interpreter (:mod:`benchmarks.measure`), so its peak RSS is its own; a
build's is dbt's. Files are generated into the work directory once and reused (``--workdir``,
default ``.bench/`` in the repository); each run recreates its settings roots under ``roots/`` and
keeps each step's log under ``logs/``.

Usage (from the repository root)::

    make bench                                   # the full run (~25 min on 2 cores, ~13 GB of files)
    make bench BENCH_ARGS=--quick                # a smoke run: 200 000 ledger rows, 1 month, thin history
    .venv/bin/python -m benchmarks --only ridership --boardings-files /data/bench/files
    REGIONKPI_DUCKDB_MEMORY_LIMIT=1GB .venv/bin/python -m benchmarks --dbt build

This is a benchmark, not a test: it reports against the targets and exits non-zero only when a
step fails or the contenders' figures differ.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import ledger, ours, ridership
from benchmarks.measure import REPO_ROOT, Measured, Runner, StepFailed
from benchmarks.report import Comparison, NewMonth, compare, print_comparison, print_new_month

SUITES = ("startup", "ledger", "ridership", "history", "dag")
FULL_YEAR_ROWS = 22_088_050


class Bench:
    """One run: the work directory, the step runner, and what the steps told about the machine."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.workdir: Path = args.workdir.resolve()
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        self.runner = Runner(self.workdir / "logs" / stamp)
        self.facts: dict = {}
        self.different_figures = False
        #: steps that failed without stopping their part (reported in its table)
        self.failed_steps: list[str] = []

    def run(self, target: str, **kwargs: object) -> Measured:
        return self.runner.run(target, **kwargs)

    def root(self, name: str) -> Path:
        return self.workdir / "roots" / name

    def out(self, *parts: str) -> str:
        """An empty folder for a contender's Parquet output."""
        path = self.workdir.joinpath("out", *parts)
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        return str(path)

    def setup(self, target: str, root: Path, **kwargs: object) -> None:
        self.facts.update(self.run(target, root=str(root), **kwargs).data)

    def agreement(self, figures: dict[str, dict[str, int]]) -> list[str]:
        agree, lines = compare(figures)
        self.different_figures |= not agree
        return lines

    def build_command(self, select: str) -> str:
        return (
            f"{ours.dbt_command_line(select, self.args.dbt)}, dbt threads {self.facts.get('dbt_threads')}, "
            f"memory_limit {self.facts.get('dbt_memory_limit')}"
        )

    # ----------------------------------------------------------------------------------------------

    def startup(self) -> None:
        """What a command or an Airflow task imports before it works (issue #11: <= 2 s warm)."""
        python = sys.executable
        cases = [
            ("bare interpreter (the floor)", [python, "-c", "pass"]),
            ("`regionkpi --help`", [str(Path(python).with_name("regionkpi")), "--help"]),
            (
                "an ingest task's own imports (pipeline, landing, sources)",
                [python, "-c", "import regionkpi.jobs.pipeline, ingest.landing, ingest.sources"],
            ),
            (
                "the same plus Airflow's task SDK (what the task process has)",
                [python, "-c", "import airflow.sdk, regionkpi.jobs.orchestration, ingest.landing, ingest.sources"],
            ),
            ("for scale: import great_expectations (only where GX runs)", [python, "-c", "import great_expectations"]),
        ]
        env = {**os.environ, "DO_NOT_TRACK": "1", "GX_ANALYTICS_ENABLED": "false"}
        print("\nStart-up, warm (best of 3 after one warm-up run; target <= 2 s)")
        for label, command in cases:
            seconds = []
            for _ in range(4):
                started = time.perf_counter()
                subprocess.run(command, env=env, cwd=REPO_ROOT, check=True, capture_output=True)
                seconds.append(time.perf_counter() - started)
            best = min(seconds[1:])
            print(f"  {label:<64} {best:6.2f} s")

    def ledger(self) -> None:
        rows = self.args.ledger_rows
        file = ledger.ledger_path(self.workdir, rows, self.args.seed)
        if not file.exists():
            file.parent.mkdir(parents=True, exist_ok=True)
            print(f"writing the ledger ({rows:,} rows) ...", flush=True)
            self.run("ledger:generate", file=str(file), rows=rows, seed=self.args.seed)
        root = self.root("ledger")
        print("ledger: setup, ingest, build, pandas, DuckDB ...", flush=True)
        self.setup("ledger:setup", root, file=str(file))
        ingest = self.run("ours:ingest", root=str(root), source=ledger.SOURCE, expected_rows=rows)
        build = self.run("ours:build", root=str(root), select=ledger.SELECT, command=self.args.dbt)
        pandas_out, duckdb_out = self.out("ledger", "pandas"), self.out("ledger", "duckdb")
        pandas = self.run("ledger:pandas", file=str(file), out=pandas_out)
        duckdb = self.run("ledger:duckdb", file=str(file), out=duckdb_out)
        figures = {
            "ours": self.run("ledger:figures", root=str(root)).data["figures"],
            "pandas": self.run("ledger:figures", out=pandas_out).data["figures"],
            "DuckDB": self.run("ledger:figures", out=duckdb_out).data["figures"],
        }
        print_comparison(
            Comparison(
                title=f"Ledger {ledger.YEAR}, region {ledger.REGION} (one file, {ledger.ENCODING})",
                rows=rows,
                size_mb=file.stat().st_size / 1e6,
                figures=ledger.FIGURES,
                build_command=self.build_command(ledger.SELECT),
                ingest=ingest,
                build=build,
                pandas=pandas,
                duckdb=duckdb,
                agreement=self.agreement(figures),
            )
        )

    def boardings_files(self) -> Path:
        return (self.args.boardings_files or self.workdir / "boardings").resolve()

    def ridership(self) -> None:
        files = ridership.year_files(self.runner, self.boardings_files(), self.args.months)
        rows = sum(files.values())
        paths = [str(path) for path in files]
        root = self.root("ridership")
        print(f"ridership: setup, ingest of {len(files)} month(s), build, pandas, DuckDB ...", flush=True)
        self.setup("ridership:setup", root)
        ours.land(root, ridership.SOURCE, list(files))
        ingest = self.run("ours:ingest", root=str(root), source=ridership.SOURCE, expected_rows=rows)
        build = self.run("ours:build", root=str(root), select=ridership.SELECT, command=self.args.dbt)
        pandas_out, duckdb_out = self.out("ridership", "pandas"), self.out("ridership", "duckdb")
        pandas = self.run("ridership:pandas", files=paths, out=pandas_out)
        duckdb = self.run("ridership:duckdb", files=paths, out=duckdb_out)
        figures = {
            "ours": self.run("ridership:figures", root=str(root)).data["figures"],
            "pandas": self.run("ridership:figures", out=pandas_out).data["figures"],
            "DuckDB": self.run("ridership:figures", out=duckdb_out).data["figures"],
        }
        print_comparison(
            Comparison(
                title=f"Boardings {ridership.YEAR}, region {ridership.REGION} ({len(files)} month file(s), "
                f"{ridership.ENCODING})",
                rows=rows,
                size_mb=sum(path.stat().st_size for path in files) / 1e6,
                figures=ridership.FIGURES,
                build_command=self.build_command(ridership.SELECT),
                ingest=ingest,
                build=build,
                pandas=pandas,
                duckdb=duckdb,
                agreement=self.agreement(figures),
                target_rows=FULL_YEAR_ROWS,
            )
        )

    def history(self) -> None:
        args = self.args
        templates = ridership.year_files(self.runner, self.boardings_files(), args.months)
        kind = f"every{args.history_every}-from{len(templates)}months"
        files = ridership.history_files(
            self.runner, templates, self.workdir / "history" / kind, args.history_years, args.history_every
        )
        *history, new = files
        history_rows = sum(files[path] for path in history)
        root = self.root("history")
        print(f"history: setup, ingest and build of {len(history)} months, then one new month ...", flush=True)
        self.setup("ridership:setup", root)
        ours.land(root, ridership.SOURCE, history)
        load = self.run("ours:ingest", root=str(root), source=ridership.SOURCE, expected_rows=history_rows)
        first = self.run("ours:build", root=str(root), select=ridership.SELECT, command=args.dbt)
        ours.land(root, ridership.SOURCE, [new])
        ingest = self.run("ours:ingest", root=str(root), source=ridership.SOURCE, expected_rows=files[new])
        # a failed incremental build is a result (reported as such); the full rebuild is still measured
        incremental: Measured | StepFailed
        try:
            incremental = self.run("ours:build", root=str(root), select=ridership.SELECT, command=args.dbt)
            after_incremental = self.run("ridership:figures", root=str(root)).data
        except StepFailed as error:
            print(f"history: the incremental build FAILED ({error.reason}); the full rebuild next", flush=True)
            incremental, after_incremental = error, {}
            self.failed_steps.append("history: the incremental build")
        full = self.run("ours:build", root=str(root), select=ridership.SELECT, command=args.dbt, full_refresh=True)
        after_full = self.run("ridership:figures", root=str(root)).data
        same = after_incremental.get("figures") == after_full["figures"] if after_incremental else None
        self.different_figures |= same is False
        sampled = "every validation" if args.history_every == 1 else f"every {args.history_every}th validation"
        print_new_month(
            NewMonth(
                title=f"One new month on {args.history_years} years of boardings history ({sampled} of "
                f"{len(templates)} {ridership.YEAR} month file(s), relabelled)",
                history_rows=history_rows,
                history_months=len(history),
                every=args.history_every,
                new_rows=files[new],
                new_month=new.stem[-7:],
                build_command=self.build_command(ridership.SELECT),
                load=load,
                first_build=first,
                ingest=ingest,
                incremental=incremental,
                full=full,
                rebuilt_days=after_incremental.get("rebuilt_days"),
                days=after_full["days"],
                same_figures=same,
            )
        )

    def dag(self) -> None:
        """The build DAG through Airflow against one plain ``dbt build`` (issue #11: <= 1.5x)."""
        root = self.root("dag")
        print("dag: setup (the demo's sample, ingested), plain dbt build, the build DAG ...", flush=True)
        facts = self.run("dag:setup", root=str(root)).data
        plain = self.run("dag:plain_build", root=str(root))
        airflow = self.run("dag:airflow_build", root=str(root))
        dbt_part = airflow.data["dbt_part_s"]
        print(
            f"\nThe build DAG against one plain dbt build (the demo's sample: {facts['sample_files']} files, "
            f"{facts['sample_rows']:,} rows loaded; both from an empty build.duckdb)"
        )
        print(f"  {'':<62} {'wall s':>8} {'peak MB':>8} {'ratio':>6}")
        print(f"  {'plain `dbt build`':<62} {plain.wall_s:8.1f} {plain.peak_mb:8.0f} {1:6.2f}")
        label = f"dbt part of the DAG (producer + {airflow.data['watcher_tasks']} watcher tasks)"
        print(f"  {label:<62} {dbt_part:8.1f} {'':>8} {dbt_part / plain.wall_s:6.2f}")
        whole = "the whole build DAG (`airflow dags test build_kpi_marts`)"
        print(f"  {whole:<62} {airflow.wall_s:8.1f} {airflow.peak_mb:8.0f} {airflow.wall_s / plain.wall_s:6.2f}")
        others = ", ".join(f"{task} {seconds:.1f} s" for task, seconds in airflow.data["other_tasks_s"].items())
        print(f"  after dbt, not in a plain dbt build: {others}")
        print("  target: the build DAG <= 1.5x a plain dbt build")


def machine_facts() -> str:
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            memory = f"{int(meminfo.readline().split()[1]) / 1024 / 1024:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        memory = "RAM unknown"
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    git = subprocess.run(["git", "-C", str(REPO_ROOT), "log", "-1", "--format=%h %cs"], capture_output=True, text=True)
    dirty = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--", ".", ":!benchmarks", ":!.bench"],
        capture_output=True,
        text=True,
    )
    code = f"{REPO_ROOT} at {git.stdout.strip() or '?'}" + (" + uncommitted changes" if dirty.stdout.strip() else "")
    return (
        f"machine: {os.cpu_count()} cpus ({usable} usable), {memory}, load average {load}; "
        f"{platform.python_implementation()} {platform.python_version()}\ncode: {code}"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: 200 000 ledger rows, 1 month, thin history")
    parser.add_argument("--workdir", type=Path, default=REPO_ROOT / ".bench", help="generated files, roots, logs")
    parser.add_argument("--boardings-files", type=Path, help="the year's month files (default WORKDIR/boardings)")
    parser.add_argument("--only", action="append", choices=SUITES, help="run only this part (repeatable)")
    parser.add_argument("--ledger-rows", type=int, help="ledger rows (default 5 000 000; --quick 200 000)")
    parser.add_argument("--months", type=int, help="months of validations (default 12; --quick 1)")
    parser.add_argument("--history-years", type=int, default=5, help="years of history before the new month")
    parser.add_argument(
        "--history-every", type=int, help="history keeps every N-th validation (default 1: full size; --quick 100)"
    )
    parser.add_argument(
        "--dbt", choices=("run", "build"), default="run", help="our build: dbt run (models) or dbt build (+ tests)"
    )
    parser.add_argument("--seed", type=int, default=2020, help="the ledger generator's seed")
    args = parser.parse_args(argv)
    args.ledger_rows = args.ledger_rows or (200_000 if args.quick else 5_000_000)
    args.months = args.months or (1 if args.quick else 12)
    args.history_every = args.history_every or (100 if args.quick else 1)
    if not 1 <= args.months <= 12:
        parser.error("--months must be 1..12")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    bench = Bench(args)
    print(machine_facts())
    print(f"work directory: {bench.workdir} (step logs in {bench.runner.log_dir})", flush=True)
    failed = []
    for suite in args.only or SUITES:
        try:
            getattr(bench, suite)()
        except StepFailed as error:
            failed.append(suite)
            print(f"\n== {suite}: FAILED: {error}", flush=True)
    if bench.facts:
        facts = bench.facts
        limit = facts.get("dbt_memory_limit")
        print(
            f"\nDuckDB {facts.get('duckdb_version')}; dbt's memory_limit {limit} (REGIONKPI_DUCKDB_MEMORY_LIMIT), "
            f"ingest's {facts.get('ingest_memory_limit')} (REGIONKPI_INGEST_MEMORY_LIMIT)"
        )
        print("wall s: the whole child process (interpreter, imports, work); work s: after its imports;")
        print("peak MB: the step's own high-water mark (VmHWM), for a build dbt's; rows/s: on wall time.")
    failed += bench.failed_steps
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed or bench.different_figures else 0


if __name__ == "__main__":
    sys.exit(main())
