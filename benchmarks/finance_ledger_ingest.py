"""Benchmark: ingest a year of ledger postings for a large region, beside DuckDB and pandas.

Writes a realistic ledger extract (``finance_ledger``) for Region Jönköpings län (``0006``), year 2020,
in Windows-1252 with CRLF line ends: ``Period;Ansvar;Konto;Verksamhet;Aktivitet;Projekt;Motpart;
Belopp;Text;Verifikation``, amounts with decimal comma (some grouped with a space or a no-break
space), Swedish posting texts (some quoted, with ``;`` or doubled quotes inside), ``Ansvar`` codes of
the sample organisation valid in the row's month, accounts 3010-7999 and a few 1930. It then measures,
each in its own subprocess started from a small parent, so that the peak RSS is that measurement's
alone (the child's own high-water mark ``VmHWM``; ``ru_maxrss`` from ``os.wait4`` where ``/proc`` is
missing, which on Linux also counts the parent's peak at the time of the fork):

* **import** - Python start and the imports our ingest needs (GX, pandas, pyarrow, duckdb);
* **ingest** - our ingest of the file (``ingest.landing.ingest_file`` with a fresh settings root whose
  organisation extract has been ingested first), once per ``--chunk-rows`` value; the time without
  imports is shown separately;
* **duckdb** - DuckDB alone reading the same file (``read_csv(..., encoding='latin-1')``) into
  ``count(*)`` and ``sum(Belopp)``, and DuckDB writing it to Parquet;
* **pandas** - ``pandas.read_csv`` of the whole file at once (strings), for contrast.

Usage (from the repository root)::

    .venv/bin/python benchmarks/finance_ledger_ingest.py                 # 5 000 000 rows
    .venv/bin/python benchmarks/finance_ledger_ingest.py --rows 1000000 --chunk-rows 50000,250000,1000000
    .venv/bin/python benchmarks/finance_ledger_ingest.py --workdir /data/bench --keep --skip-pandas

``--workdir`` keeps the generated file between runs (it is reused when it exists with the same row
count and seed); without it everything lives in a temporary directory that is removed at the end.
This is a benchmark, not a test: it asserts nothing except that the ingest loaded every row.
"""

from __future__ import annotations

import argparse
import calendar
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from regionkpi.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

REGION = "0006"
YEAR = 2020
HEADER = "Period;Ansvar;Konto;Verksamhet;Aktivitet;Projekt;Motpart;Belopp;Text;Verifikation"
ENCODING = "cp1252"
NEWLINE = "\r\n"

#: (account, posting texts); revenue accounts (3xxx) carry negative amounts (ledger sign).
ACCOUNTS: list[tuple[str, tuple[str, ...]]] = [
    ("3010", ("Patientavgifter öppenvård", "Patientavgifter slutenvård")),
    ("3110", ("Försäljning av vård till annan region", "Utomlänsersättning")),
    ("3510", ("Försäljning av tjänster", "Måltidsförsäljning personalmatsal")),
    ("3610", ("Hyresintäkter lokaler", "Parkeringsavgifter Ryhov")),
    ("3910", ("Riktade statsbidrag", "Ersättning från Försäkringskassan")),
    ("4010", ("Läkemedel inom förmånen", "Läkemedel rekvisition")),
    ("4110", ("Köpt vård från annan region", "Köp av primärvård (vårdval)")),
    ("4510", ("Förbrukningsmaterial sjukvård", "Medicinskt förbrukningsmaterial")),
    ("4610", ("Livsmedel kök", "Kaffe och fika möten")),
    ("5010", ("Lön månadsavlönade", "Lön timavlönade")),
    ("5110", ("Övertidsersättning", "OB-tillägg och jour")),
    ("5410", ("Sociala avgifter enligt lag", "Pensionskostnader")),
    ("5710", ("Utbildning och kurser", "Konferensavgifter")),
    ("6110", ("Hyra lokaler Höglandet", "Hyra lokaler Jönköping")),
    ("6210", ("El och uppvärmning", "Vatten och avlopp")),
    ("6410", ("Städning Ryhov", "Tvätt av arbetskläder")),
    ("6510", ("Konsultarvode IT", "Licenser och programvara")),
    ("6810", ("Resor och logi", "Bilersättning tjänsteresor")),
    ("7010", ("Telefoni och data", "Porto och frakt")),
    ("7310", ("Försäkringar", "Skadeståndsärenden")),
    ("7610", ("Bankavgifter", "Kreditkortsavgifter")),
    ("7810", ("Avskrivningar byggnader", "Avskrivningar maskiner och inventarier")),
    ("7910", ("Övriga kostnader", "Representation och gåvor")),
]
BALANCE_ACCOUNT = ("1930", ("Bank, utbetalning", "Bank, inbetalning"))
SUPPLIERS = ("Apoteket AB", "Mediq Sverige", "Sodexo", "Telia Sverige", "Atea", "Vattenfall", "Jönköpings Energi")


# --------------------------------------------------------------------------------------------------
# The test file
# --------------------------------------------------------------------------------------------------


def _month_end(month: int) -> date:
    return date(YEAR, month, calendar.monthrange(YEAR, month)[1])


def units_by_month() -> list[list[str]]:
    """For each month of the year: the unit codes of the sample organisation valid at its end."""
    from ingest.hr.sample import organisation_rows

    rows = organisation_rows(REGION)
    months = []
    for month in range(1, 13):
        end = _month_end(month)
        codes = sorted({r.code for r in rows if r.valid_from <= end and (r.valid_to is None or r.valid_to >= end)})
        months.append(codes)
    return months


def write_organisation(path: Path) -> None:
    """The sample organisation extract of Jönköping, written as the HR sample delivers it (UTF-8)."""
    from ingest.hr.sample import ORGANISATION_HEADER, organisation_rows

    lines = [";".join(ORGANISATION_HEADER)]
    for r in organisation_rows(REGION):
        valid_to = r.valid_to.isoformat() if r.valid_to else ""
        lines.append(";".join([r.code, r.name, r.parent or "", r.level, r.valid_from.isoformat(), valid_to]))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _amount(ore: int, style: int) -> str:
    """Öre as the ERP writes them: decimal comma, sometimes grouped by a space or no-break space."""
    sign = "-" if ore < 0 else ""
    kronor, rest = divmod(abs(ore), 100)
    if style == 0 and rest == 0:
        return f"{sign}{kronor}"
    digits = f"{kronor:,}"
    if style == 1:
        digits = digits.replace(",", " ")
    elif style == 2:
        digits = digits.replace(",", "\u00a0")
    else:
        digits = str(kronor)
    return f"{sign}{digits},{rest:02d}"


def write_ledger(path: Path, rows: int, seed: int) -> None:
    """A year of postings, ``rows`` lines after the header, in Windows-1252 with CRLF line ends."""
    import numpy as np

    rng = np.random.default_rng(seed)
    units = units_by_month()
    per_month = [rows // 12 + (1 if m < rows % 12 else 0) for m in range(12)]
    voucher = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=ENCODING, newline="") as handle:
        handle.write(HEADER + NEWLINE)
        for month in range(12):
            remaining = per_month[month]
            period = f"{YEAR}{month + 1:02d}"
            codes = units[month]
            while remaining:
                n = min(remaining, 100_000)
                remaining -= n
                account = rng.integers(0, len(ACCOUNTS) + 1, n)  # the last index = 1930
                text_pick = rng.integers(0, 2, n)
                unit = rng.integers(0, len(codes), n)
                size = np.round(np.exp(rng.normal(7.5, 1.8, n)) * 100).astype(np.int64) + 1
                style = rng.choice(4, n, p=[0.05, 0.2, 0.05, 0.7])
                detail = rng.random(n)
                verksamhet = rng.integers(100, 990, n)
                motpart = rng.integers(0, 40, n)
                lines = []
                for i in range(n):
                    if i % 4 == 0:
                        voucher += 1
                    a = int(account[i])
                    konto, texts = ACCOUNTS[a] if a < len(ACCOUNTS) else BALANCE_ACCOUNT
                    ore = int(size[i])
                    if konto.startswith("3") or (konto == "1930" and text_pick[i]):
                        ore = -ore
                    text = texts[text_pick[i]]
                    d = detail[i]
                    if d < 0.02:
                        text = f'"{text}; {SUPPLIERS[voucher % len(SUPPLIERS)]}"'
                    elif d < 0.025:
                        text = f'"{text} ""avtal {voucher % 97}"""'
                    elif d < 0.4:
                        text = f"{text} faktura {voucher * 7 % 1_000_003}"
                    ansvar = "" if konto == "1930" else codes[unit[i]]
                    m = int(motpart[i])
                    lines.append(
                        f"{period};{ansvar};{konto};{verksamhet[i] if d > 0.1 else ''};"
                        f"{'A' + str(m) if m < 4 else ''};{'P' + str(m) if m > 36 else ''};"
                        f"{100 + m if m < 6 else ''};{_amount(ore, int(style[i]))};{text};"
                        f"{YEAR}-{voucher:07d}"
                    )
                handle.write(NEWLINE.join(lines) + NEWLINE)


# --------------------------------------------------------------------------------------------------
# Measurements, each run as a child process of this script
# --------------------------------------------------------------------------------------------------


def _settings(root: Path) -> Settings:
    from regionkpi.settings import load_settings

    return load_settings({"REGIONKPI_ROOT": str(root), "REGIONKPI_PSEUDONYM_KEY": "bench-key"})


def _imports() -> None:
    import ingest.finance.ledger
    import ingest.landing  # noqa: F401


def _own_peak_mb() -> float | None:
    """This process's own peak resident set (VmHWM), or None where /proc is missing.

    ``ru_maxrss`` of a child is not enough on Linux: exec keeps the high-water mark of the image it
    replaces, so a child started from a large parent reports at least the parent's peak.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def child_generate(args: argparse.Namespace) -> dict:
    started = time.perf_counter()
    target = Path(args.file)
    write_ledger(target.with_suffix(".tmp"), args.rows, args.seed)
    target.with_suffix(".tmp").rename(target)
    return {"work_s": time.perf_counter() - started}


def child_setup(args: argparse.Namespace) -> dict:
    root, landed = _fresh_root(Path(args.root), Path(args.file))
    return {"root": str(root), "landed": str(landed)}


def child_import(_: argparse.Namespace) -> dict:
    started = time.perf_counter()
    _imports()
    return {"import_s": time.perf_counter() - started}


def child_ingest(args: argparse.Namespace) -> dict:
    started = time.perf_counter()
    _imports()
    from ingest.finance.ledger import LedgerSource
    from ingest.landing import ingest_file

    imported = time.perf_counter()
    source = LedgerSource(chunk_rows=args.chunk_rows) if args.chunk_rows else LedgerSource()
    delivery = ingest_file(Path(args.file), source, _settings(Path(args.root)))
    done = time.perf_counter()
    return {
        "chunk_rows": source.chunk_rows,
        "import_s": imported - started,
        "work_s": done - imported,
        "status": delivery.status,
        "rows": delivery.rows,
        "reason": delivery.reason,
    }


def child_duckdb(args: argparse.Namespace) -> dict:
    started = time.perf_counter()
    import duckdb

    imported = time.perf_counter()
    source = (
        "read_csv(?, delim=';', decimal_separator=',', header=true, encoding='latin-1', all_varchar=false, "
        "types={'Period': 'VARCHAR', 'Ansvar': 'VARCHAR', 'Konto': 'VARCHAR', 'Belopp': 'VARCHAR'})"
    )
    # Grouped amounts (1 234,50) are not numbers to DuckDB's reader: strip the grouping, as our ingest does.
    amount = "cast(replace(replace(replace(Belopp, ' ', ''), chr(160), ''), ',', '.') as double)"
    with duckdb.connect() as connection:
        if args.what == "parquet":
            target = Path(args.root) / "duckdb.parquet"
            quoted_target = str(target).replace("'", "''")
            connection.execute(
                f"copy (select * replace ({amount} as Belopp) from {source}) "  # noqa: S608 - constant SQL
                f"to '{quoted_target}' (format parquet, compression zstd)",
                [args.file],
            )
            result = {"parquet_mb": target.stat().st_size / 1e6}
        else:
            query = f"select count(*), sum({amount}) from {source}"  # noqa: S608 - constant SQL, bound path
            count, total = connection.execute(query, [args.file]).fetchone()
            result = {"rows": count, "sum": total}
    result.update(import_s=imported - started, work_s=time.perf_counter() - imported)
    return result


def child_pandas(args: argparse.Namespace) -> dict:
    started = time.perf_counter()
    import pandas as pd

    imported = time.perf_counter()
    frame = pd.read_csv(args.file, sep=";", encoding=ENCODING, dtype=str, keep_default_na=False)
    return {"rows": len(frame), "import_s": imported - started, "work_s": time.perf_counter() - imported}


CHILDREN = {
    "generate": child_generate,
    "setup": child_setup,
    "import": child_import,
    "ingest": child_ingest,
    "duckdb": child_duckdb,
    "pandas": child_pandas,
}


def run_child(kind: str, **options: object) -> dict:
    """Run one measurement in a fresh interpreter; wall time and peak RSS from the kernel."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", kind]
    for key, value in options.items():
        command += [f"--{key.replace('_', '-')}", str(value)]
    env = {**os.environ, "DO_NOT_TRACK": "1", "GX_ANALYTICS_ENABLED": "false", "PYTHONPATH": str(REPO_ROOT)}
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, env=env, cwd=REPO_ROOT)
    out = process.stdout.read() if process.stdout else b""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if process.returncode:
        raise SystemExit(f"measurement {kind} failed (exit {process.returncode})")
    result = json.loads(out.decode().strip().splitlines()[-1])
    own = result.pop("own_peak_mb", None)
    result.update(wall_s=wall, peak_rss_mb=own if own is not None else usage.ru_maxrss / 1024)  # KiB on Linux
    return result


# --------------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------------


def _fresh_root(root: Path, ledger: Path) -> tuple[Path, Path]:
    """A settings root with the organisation ingested, and the ledger placed in its landing folder."""
    from ingest.landing import ingest_landing

    shutil.rmtree(root, ignore_errors=True)
    settings = _settings(root)
    write_organisation(settings.landing_dir / "organisation" / REGION / "20201231T0600_organisation.csv")
    report = ingest_landing(settings, source_names=["organisation"])
    if report.count("loaded") != 1:
        raise SystemExit(f"organisation extract not loaded: {report.summary()}")
    target = settings.landing_dir / "finance_ledger" / REGION / ledger.name
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(ledger, target)  # ingest moves the file away; the original stays
    except OSError:
        shutil.copyfile(ledger, target)
    return root, target


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5_000_000, help="ledger rows (default 5 000 000)")
    parser.add_argument("--chunk-rows", default="", help="comma-separated chunk sizes (default: the source's)")
    parser.add_argument("--workdir", type=Path, help="where files go (default: a temporary directory)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--skip-pandas", action="store_true", help="leave out the whole-file pandas read")
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement; the fastest is shown")
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    parser.add_argument("--what", default="aggregate", help=argparse.SUPPRESS)
    # (--rows and --seed also reach the generating child.)
    args = parser.parse_args(argv)
    if args.child:
        args.chunk_rows = int(args.chunk_rows or 0)
        result = CHILDREN[args.child](args)
        result["own_peak_mb"] = _own_peak_mb()
        print(json.dumps(result))
        return

    # The parent imports nothing heavy: every child starts from a small process.
    os.environ.update({"DO_NOT_TRACK": "1", "GX_ANALYTICS_ENABLED": "false"})
    chunk_sizes = [int(c) for c in args.chunk_rows.split(",") if c.strip()] or [0]  # 0: the source's default
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="ledger_bench_"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        ledger = workdir / f"ledger_{REGION}_{YEAR}_{args.rows}_{args.seed}.csv"
        if not ledger.exists():
            written = run_child("generate", file=ledger, rows=args.rows, seed=args.seed)
            print(f"wrote {ledger} in {written['wall_s']:.1f} s", flush=True)
        size_mb = ledger.stat().st_size / 1e6
        print(f"ledger: {args.rows:,} rows, {size_mb:,.1f} MB, {ENCODING}; cpus: {os.cpu_count()}", flush=True)

        # Children keep compiled bytecode as an installation has it, in the work dir (not the repository).
        pycache = workdir / "pycache"
        shutil.rmtree(pycache, ignore_errors=True)
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ["PYTHONPYCACHEPREFIX"] = str(pycache)
        results: list[tuple[str, dict]] = []
        results.append(("imports only, cold bytecode cache", run_child("import")))
        results.append(("imports only, warm bytecode cache", best_of(args.repeat, lambda: run_child("import"))))

        def ingest_once(chunk_rows: int) -> dict:
            ready = run_child("setup", root=workdir / "root", file=ledger)
            result = run_child("ingest", file=ready["landed"], root=ready["root"], chunk_rows=chunk_rows)
            shutil.rmtree(ready["root"], ignore_errors=True)
            if result["status"] != "loaded" or result["rows"] != args.rows:
                raise SystemExit(f"ingest did not load the file: {result}")
            return result

        for chunk_rows in chunk_sizes:
            result = best_of(args.repeat, lambda chunk_rows=chunk_rows: ingest_once(chunk_rows))
            results.append((f"our ingest, chunk_rows={result['chunk_rows']:,}", result))
        duck_root = workdir / "duckdb"
        duck_root.mkdir(exist_ok=True)
        aggregate = best_of(args.repeat, lambda: run_child("duckdb", file=ledger, root=duck_root, what="aggregate"))
        if aggregate["rows"] != args.rows:
            raise SystemExit(f"DuckDB read {aggregate['rows']} rows")
        results.append(("DuckDB read_csv: count + sum(Belopp)", aggregate))
        parquet = best_of(args.repeat, lambda: run_child("duckdb", file=ledger, root=duck_root, what="parquet"))
        results.append(("DuckDB read_csv -> Parquet (zstd)", parquet))
        if not args.skip_pandas:
            results.append(
                ("pandas read_csv, whole file (str)", best_of(args.repeat, lambda: run_child("pandas", file=ledger)))
            )
        print(f"\n{args.rows:,} ledger rows, {size_mb:,.1f} MB ({ENCODING}); best of {args.repeat} run(s) each")
        print_table(results, args.rows, aggregate)
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


def best_of(repeat: int, run: Callable[[], dict]) -> dict:
    """The fastest of ``repeat`` runs, with the highest peak RSS seen in any of them."""
    runs = [run() for _ in range(max(repeat, 1))]
    fastest = min(runs, key=lambda r: r["wall_s"])
    return {**fastest, "peak_rss_mb": max(r["peak_rss_mb"] for r in runs)}


def print_table(results: list[tuple[str, dict]], rows: int, duckdb: dict) -> None:
    heads = ["wall s", "work s", "rows/s (work)", "peak RSS MB", "x DuckDB wall", "x DuckDB work"]
    widths = [8, 8, 14, 12, 14, 14]
    print(f"{'measurement':<38} " + " ".join(f"{h:>{w}}" for h, w in zip(heads, widths, strict=True)))
    print("-" * (38 + sum(widths) + len(widths)))
    for label, result in results:
        wall, work = result["wall_s"], result.get("work_s")
        reads = not label.startswith("imports")
        cells = [
            f"{wall:.2f}",
            f"{work:.2f}" if work is not None else "-",
            f"{rows / work:,.0f}" if reads and work else "-",
            f"{result['peak_rss_mb']:,.0f}",
            f"{wall / duckdb['wall_s']:.1f}" if reads else "-",
            f"{work / duckdb['work_s']:.1f}" if reads and work else "-",
        ]
        print(f"{label:<38} " + " ".join(f"{c:>{w}}" for c, w in zip(cells, widths, strict=True)))
    print()
    print("wall s: the whole child process (interpreter start, imports, work).")
    print("work s: the work alone, timed inside the child after its imports; rows/s uses it.")
    print("peak RSS: the child process's own high-water mark (VmHWM), imports included.")
    print("Imports are measured with a cold, then a warm bytecode cache (PYTHONPYCACHEPREFIX in the work dir);")
    print("every later measurement runs warm, as an installed deployment does.")


if __name__ == "__main__":
    main()
