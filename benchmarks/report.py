"""The printed tables: each data set's contenders side by side, the new-month scenario, and the targets.

The targets (issue #11) are reported against, never asserted: a benchmark on a shared machine is a
measurement, not a test.
"""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.measure import Measured, StepFailed, total

GIB_MB = 1024.0
#: (at 22 M rows) ingest + build at least this many times faster than the plain pandas script
PANDAS_SPEEDUP = 3.0
#: (at 22 M rows) ingest + build at most this many times DuckDB alone's wall time
DUCKDB_FACTOR = 2.0
#: GX's share of the ingest's wall time at most
GX_SHARE = 0.10
#: one new month on five years of history at most this share of a full rebuild
NEW_MONTH_SHARE = 0.10


def met(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def compare(figures: dict[str, dict[str, int]]) -> tuple[bool, list[str]]:
    """Whether every contender gives the same figures as the first; a line saying so, or the differences."""
    names = list(figures)
    reference = figures[names[0]]
    if not reference:
        return False, [f"figures: {names[0]} has none: NOTHING COMPARED"]
    lines = []
    for name in names[1:]:
        other = figures[name]
        differing = sorted(k for k in reference.keys() | other.keys() if reference.get(k) != other.get(k))
        lines += [f"    {key}: {names[0]} {reference.get(key)}, {name} {other.get(key)}" for key in differing[:5]]
        if len(differing) > 5:
            lines.append(f"    ... and {len(differing) - 5} more differences with {name}")
    if lines:
        return False, ["figures: DIFFER", *lines]
    months = len({key.split("|")[0] for key in reference})
    return True, [f"figures: {', '.join(names)} agree on all {len(reference):,} figures ({months} month(s))"]


@dataclass
class Comparison:
    """One data set: our ingest and build beside the plain pandas script and DuckDB alone."""

    title: str
    rows: int
    size_mb: float
    figures: str
    build_command: str
    ingest: Measured
    build: Measured
    pandas: Measured
    duckdb: Measured
    agreement: list[str]
    target_rows: int | None = None

    @property
    def ours(self) -> Measured:
        return total(self.ingest, self.build)


def _cells(step: Measured, rows: int, pandas: Measured, duckdb: Measured) -> list[str]:
    work = step.work_s
    return [
        f"{step.wall_s:,.1f}",
        f"{work:,.1f}" if work is not None else "-",
        f"{step.peak_mb:,.0f}",
        f"{rows / step.wall_s:,.0f}",
        f"{step.wall_s / pandas.wall_s:.2f}",
        f"{step.wall_s / duckdb.wall_s:.2f}",
        f"{step.peak_mb / pandas.peak_mb:.2f}",
        f"{step.peak_mb / duckdb.peak_mb:.2f}",
    ]


HEADS = ["wall s", "work s", "peak MB", "rows/s", "t/pandas", "t/DuckDB", "RSS/pandas", "RSS/DuckDB"]
WIDTHS = [9, 9, 9, 11, 9, 9, 11, 11]
LABEL = 34


def _row(label: str, cells: list[str]) -> str:
    return f"{label:<{LABEL}}" + "".join(f"{c:>{w}}" for c, w in zip(cells, WIDTHS, strict=True))


def print_comparison(c: Comparison) -> None:
    print()
    print(f"== {c.title}: {c.rows:,} rows, {c.size_mb:,.0f} MB of files")
    print(f"   figures: {c.figures}")
    print(f"   ours = ingest + build ({c.build_command})")
    print(
        "   pandas and DuckDB alone: read the files, compute the same figures, write them to Parquet; DuckDB alone "
        f"with memory_limit {c.duckdb.data['memory_limit']}, threads {c.duckdb.data['threads']} (its defaults), "
        "reading as latin-1 (the files hold no byte 0x80-0x9F, where cp1252 differs; our ingest reads them so too)"
    )
    print(_row("contender", HEADS))
    print("-" * (LABEL + sum(WIDTHS)))
    for label, step in (
        ("ours: ingest", c.ingest),
        ("ours: build", c.build),
        ("ours: ingest + build", c.ours),
        ("plain pandas", c.pandas),
        ("DuckDB alone", c.duckdb),
    ):
        print(_row(label[:LABEL], _cells(step, c.rows, c.pandas, c.duckdb)))
    print(f"   {build_split('build', c.build)}")
    for line in c.agreement:
        print(f"   {line}")
    for line in targets(c):
        print(f"   {line}")


def build_split(label: str, build: Measured) -> str:
    """Where a build's wall time goes: our Python process, run_dbt's preparation, the dbt process."""
    before, dbt = build.data.get("before_dbt_s"), build.data.get("dbt_s")
    if before is None or dbt is None or build.work_s is None:
        return f"{label}: {build.wall_s:,.1f} s (dbt's process not seen)"
    return (
        f"{label}: {build.wall_s:,.1f} s = {build.wall_s - build.work_s:,.1f} s Python start and imports + "
        f"{before:,.1f} s run_dbt before dbt starts (raw schema files) + {dbt:,.1f} s the dbt process"
    )


def targets(c: Comparison) -> list[str]:
    ours = c.ours
    speedup = c.pandas.wall_s / ours.wall_s
    factor = ours.wall_s / c.duckdb.wall_s
    peak = max(c.ingest.peak_mb, c.build.peak_mb)
    lines = []
    if c.target_rows is None:
        lines.append("(the speed targets are set for the year of validations; shown here for comparison)")
    elif c.rows != c.target_rows:
        lines.append(f"(the speed targets are set at {c.target_rows:,} rows; this run has {c.rows:,})")
    lines += [
        f"target ingest + build >= {PANDAS_SPEEDUP:.0f}x faster than pandas: {ours.wall_s:,.1f} s vs "
        f"{c.pandas.wall_s:,.1f} s, {speedup:.2f}x as fast: {met(speedup >= PANDAS_SPEEDUP)}",
        f"target ingest + build within {DUCKDB_FACTOR:.0f}x of DuckDB alone: {ours.wall_s:,.1f} s vs "
        f"{c.duckdb.wall_s:,.1f} s, {factor:.2f}x the time: {met(factor <= DUCKDB_FACTOR)}",
        f"target peak RSS <= 1 GiB: ingest {c.ingest.peak_mb:,.0f} MB, build {c.build.peak_mb:,.0f} MB "
        f"(dbt's own; the Python process starting it {c.build.data.get('wrapper_peak_mb') or 0:,.0f} MB): "
        f"{met(peak <= GIB_MB)}",
        gx_line(c.ingest),
    ]
    return lines


def gx_line(ingest: Measured) -> str:
    gx = ingest.data.get("gx")
    if not gx:
        return f"target GX <= {GX_SHARE:.0%} of ingest wall time: n/a (no ingest.gxcheck.TIMING)"
    share = gx["total_s"] / ingest.wall_s
    return (
        f"target GX <= {GX_SHARE:.0%} of ingest wall time: {gx['total_s']:,.1f} s of {ingest.wall_s:,.1f} s = "
        f"{share:.1%} (import wait {gx['import_wait_s']:,.1f} s, validate {gx['validate_s']:,.1f} s, "
        f"{gx['files']} file(s)): {met(share <= GX_SHARE)}"
    )


@dataclass
class NewMonth:
    """One new month on five years of history: its ingest and incremental build against a full rebuild."""

    title: str
    history_rows: int
    history_months: int
    every: int
    new_rows: int
    new_month: str
    build_command: str
    load: Measured
    first_build: Measured
    ingest: Measured
    #: the incremental build, or how it failed
    incremental: Measured | StepFailed
    full: Measured
    #: traffic days the incremental build wrote (None: it failed)
    rebuilt_days: int | None
    days: int
    #: whether the incremental build's figures equal the full rebuild's (None: it failed)
    same_figures: bool | None


def print_new_month(n: NewMonth) -> None:
    heads, widths = ["rows", "wall s", "work s", "peak MB"], [13, 9, 9, 9]
    print()
    print(f"== {n.title}")
    print(
        f"   history {n.history_months} months, {n.history_rows:,} rows; new month {n.new_month}, {n.new_rows:,} rows"
    )
    print(f"   build: {n.build_command}; full rebuild: the same with --full-refresh (raw Parquet kept)")
    print(f"{'step':<44}" + "".join(f"{h:>{w}}" for h, w in zip(heads, widths, strict=True)))
    print("-" * (44 + sum(widths)))
    incremental = n.incremental
    rebuilt = f" ({n.rebuilt_days} of {n.days} days)" if n.rebuilt_days is not None else ""
    steps: list[tuple[str, int, Measured | StepFailed]] = [
        ("load history: ingest", n.history_rows, n.load),
        ("load history: first build", n.history_rows, n.first_build),
        (f"(a) ingest of {n.new_month}", n.new_rows, n.ingest),
        (f"(a) incremental build{rebuilt}", n.new_rows, incremental),
    ]
    if not isinstance(incremental, StepFailed):
        steps.append(("(a) new month: ingest + incremental build", n.new_rows, total(n.ingest, incremental)))
    steps.append(("(b) full rebuild (--full-refresh)", n.history_rows + n.new_rows, n.full))
    for label, rows, step in steps:
        if isinstance(step, StepFailed):
            cells = [f"{rows:,}", f"{step.wall_s:,.1f}", "FAILED", "-"]
        else:
            work = f"{step.work_s:,.1f}" if step.work_s is not None else "-"
            cells = [f"{rows:,}", f"{step.wall_s:,.1f}", work, f"{step.peak_mb:,.0f}"]
        print(f"{label:<44}" + "".join(f"{c:>{w}}" for c, w in zip(cells, widths, strict=True)))
    peak = max(step.peak_mb for _, _, step in steps if isinstance(step, Measured))
    if isinstance(incremental, StepFailed):
        print(f"   the incremental build FAILED after {incremental.wall_s:,.1f} s: {incremental.reason}")
        print(f"   {build_split('full rebuild', n.full)}")
        print(f"   target new month <= {NEW_MONTH_SHARE:.0%} of a full rebuild: the incremental build failed: NOT MET")
        print(f"   target peak RSS <= 1 GiB: highest step that finished {peak:,.0f} MB: {met(peak <= GIB_MB)}")
        return
    new = total(n.ingest, incremental)
    share = new.wall_s / n.full.wall_s
    print(f"   the incremental build's figures {'equal' if n.same_figures else 'DIFFER FROM'} the full rebuild's")
    print(f"   the incremental build alone took {incremental.wall_s / n.full.wall_s:.1%} of the full rebuild's time")
    print(f"   {build_split('incremental build', incremental)}")
    print(f"   {build_split('full rebuild', n.full)}")
    if n.every != 1:
        print(f"   (history thinned to every {n.every}th validation: fixed costs weigh more than at full size)")
    print(
        f"   target new month <= {NEW_MONTH_SHARE:.0%} of a full rebuild: {new.wall_s:,.1f} s vs "
        f"{n.full.wall_s:,.1f} s = {share:.1%}: {met(share <= NEW_MONTH_SHARE)}"
    )
    print(f"   target peak RSS <= 1 GiB: highest step {peak:,.0f} MB: {met(peak <= GIB_MB)}")
