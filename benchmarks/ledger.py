"""The 5 M-row ledger: a year of a large region's postings, ingested and built, beside pandas and DuckDB.

The file is a ``finance_ledger`` extract of Region Jönköpings län (``0006``) for 2020 in Windows-1252
with CRLF line ends: ``Period;Ansvar;Konto;Verksamhet;Aktivitet;Projekt;Motpart;Belopp;Text;
Verifikation``, amounts with decimal comma (some grouped with a space or a no-break space), Swedish
posting texts (some quoted, with ``;`` or doubled quotes inside), ``Ansvar`` codes of the sample
organisation valid in the row's month, accounts 3010-7999 and a few 1930.

The figure all three compute is our finance mart ``fct_ledger_balances``: one row per month × code
string (ansvar, konto, verksamhet, aktivitet, projekt, motpart) with the sum of the amounts and the
number of postings. Ours is ingest (contract checks, raw Parquet) and ``dbt run --select
+fct_ledger_balances``; pandas and DuckDB read the file, group it the same way and write the balances
to Parquet. They agree when the sums per month × account, the postings per month and the balances
(code strings) per month are equal.
"""

from __future__ import annotations

import calendar
import time
from datetime import date
from pathlib import Path

from benchmarks import ours
from benchmarks.measure import duckdb_settings

REGION = ours.REGION
YEAR = 2020
SOURCE = "finance_ledger"
SELECT = "+fct_ledger_balances"
HEADER = "Period;Ansvar;Konto;Verksamhet;Aktivitet;Projekt;Motpart;Belopp;Text;Verifikation"
ENCODING = "cp1252"
NEWLINE = "\r\n"
GROUP_COLUMNS = ["Period", "Ansvar", "Konto", "Verksamhet", "Aktivitet", "Projekt", "Motpart"]
FIGURES = "sums (öre) per month × account, postings and balances per month, of fct_ledger_balances' grain"

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
# The file
# --------------------------------------------------------------------------------------------------


def _month_end(month: int) -> date:
    return date(YEAR, month, calendar.monthrange(YEAR, month)[1])


def units_by_month() -> list[list[str]]:
    """For each month of the year: the unit codes of the sample organisation valid at its end."""
    from samples.hr.extracts import organisation_rows

    rows = organisation_rows(REGION)
    months = []
    for month in range(1, 13):
        end = _month_end(month)
        codes = sorted({r.code for r in rows if r.valid_from <= end and (r.valid_to is None or r.valid_to >= end)})
        months.append(codes)
    return months


def write_organisation(path: Path) -> None:
    """The sample organisation extract of Jönköping, written as the HR sample delivers it (UTF-8)."""
    from samples.hr.extracts import ORGANISATION_HEADER, organisation_rows

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


def ledger_path(workdir: Path, rows: int, seed: int) -> Path:
    return workdir / "ledger" / f"ledger_{REGION}_{YEAR}_{rows}_{seed}.csv"


# --------------------------------------------------------------------------------------------------
# Steps, each run in a child process (benchmarks.child)
# --------------------------------------------------------------------------------------------------


def generate(file: str, rows: int, seed: int) -> dict:
    target = Path(file)
    partial = target.with_suffix(".partial")
    write_ledger(partial, rows, seed)
    partial.rename(target)
    return {}


def setup(root: str, file: str) -> dict:
    """A fresh root: the organisation ingested (ansvar is checked against it), seeds loaded, the ledger landed."""
    from ingest.landing import ingest_landing

    settings = ours.fresh_settings(root)
    write_organisation(settings.landing_dir / "organisation" / REGION / "20201231T0600_organisation.csv")
    report = ingest_landing(settings, source_names=["organisation"])
    if report.count("loaded") != 1:
        raise SystemExit(f"organisation extract not loaded: {report.summary()}")
    facts = ours.seed(settings)
    ours.land(Path(root), SOURCE, [Path(file)])
    return facts


def pandas(file: str, out: str) -> dict:
    """A plain pandas script: read the file whole, parse the amounts, group, write Parquet."""
    started = time.perf_counter()
    import pandas as pd

    imported = time.perf_counter()
    frame = pd.read_csv(
        file, sep=";", encoding=ENCODING, dtype=str, keep_default_na=False, usecols=[*GROUP_COLUMNS, "Belopp"]
    )
    amount = frame.pop("Belopp").str.replace(r"[ \u00a0]", "", regex=True).str.replace(",", ".", regex=False)
    frame["amount"] = pd.to_numeric(amount)
    balances = frame.groupby(GROUP_COLUMNS, sort=False).agg(amount=("amount", "sum"), postings=("amount", "size"))
    balances = balances.reset_index()
    balances.insert(0, "period_month", pd.to_datetime(balances.pop("Period"), format="%Y%m"))
    balances.to_parquet(Path(out) / "ledger_balances.parquet", index=False)
    return {"rows": len(frame), "work_s": time.perf_counter() - imported, "import_s": imported - started}


DUCKDB_BALANCES = """
select
    cast(strptime(Period, '%Y%m') as date) as period_month,
    Ansvar, Konto, Verksamhet, Aktivitet, Projekt, Motpart,
    -- grouped amounts (1 234,50) are no numbers to DuckDB's reader: strip the grouping first
    sum(cast(replace(replace(replace(Belopp, ' ', ''), chr(160), ''), ',', '.') as decimal(18, 2))) as amount,
    count(*) as postings
from read_csv($file, delim = ';', header = true, encoding = 'latin-1', all_varchar = true)
group by all
"""


def duckdb(file: str, out: str) -> dict:
    """DuckDB alone: read the file, group it in SQL, write Parquet (the floor)."""
    started = time.perf_counter()
    import duckdb as duck

    imported = time.perf_counter()
    with duck.connect() as connection:
        facts = duckdb_settings(connection)
        balances = connection.sql(DUCKDB_BALANCES, params={"file": file})
        balances.write_parquet(str(Path(out) / "ledger_balances.parquet"), compression="zstd")
    work_s = time.perf_counter() - imported
    return {"work_s": work_s, "import_s": imported - started, **facts}


FIGURES_QUERY = """
select strftime(period_month, '%Y-%m') || '|amount|' || Konto, cast(round(sum(amount) * 100) as bigint)
from balances group by all
union all
select strftime(period_month, '%Y-%m') || '|postings', sum(postings) from balances group by all
union all
select strftime(period_month, '%Y-%m') || '|balances', count(*) from balances group by all
"""
#: Our figures' view (temporary: the build database is opened read-only).
OURS_VIEW = """
create temp view balances as
select period_month, konto as Konto, amount, posting_count as postings from marts.fct_ledger_balances
"""


def figures(root: str | None = None, out: str | None = None) -> dict:
    """The compared figures from our mart (``root``) or from a contender's Parquet (``out``)."""
    import duckdb as duck

    database = str(ours.settings(root).build_db_path) if root else ":memory:"
    with duck.connect(database, read_only=bool(root)) as connection:
        if root:
            connection.execute(OURS_VIEW)
        else:
            connection.read_parquet(str(Path(out or "") / "ledger_balances.parquet")).create_view("balances")
        rows = connection.execute(FIGURES_QUERY).fetchall()
    return {"figures": {key: int(value) for key, value in rows}}
