"""The ledger extract (huvudbok): CSV from the ERP, or the same ledger as a SIE 4 file.

Both shapes become the same raw rows: one posting (or one month × code string) with its accounting
month, the code parts (ansvar, konto, verksamhet, aktivitet, projekt, motpart) and the amount in SEK
with the ledger sign. A CSV ledger is read and checked by DuckDB (:mod:`ingest.extract`); a SIE 4
file is parsed by :mod:`ingest.finance.sie` and streamed into DuckDB voucher batch by voucher batch,
where the same rules check it. Either way a year of a large region's postings never sits in Python's
memory whole (docs/extracts/finance_ledger.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ingest.contract import NoDataRows, Violation
from ingest.extract import Field, Rule, Staged, month_code, not_in_future, required, too_large_rule
from ingest.finance.common import ACCOUNT_RULE, CODE_FIELDS, RESULT_ACCOUNT
from ingest.finance.sie import SieReader, SieTransaction, SieVoucher, is_sie
from ingest.organisation.units import unit_rules, units_table
from ingest.sources import Checked, CsvSource, Delivered, Plan, RawColumn, run_plan

FIELDS = [
    Field("Period", "period_month", "period", required=False),
    Field("Bokföringsdatum", "voucher_date", "date", required=False),
    Field("Ansvar", "ansvar", required=False),
    Field("Konto", "konto"),
    *CODE_FIELDS,
    Field("Motpart", "motpart", required=False),
    Field("Belopp", "amount", "number", max_decimals=2),
    Field("Text", "posting_text", required=False),
    Field("Verifikation", "voucher", required=False),
]
ONE_OF = [[["period_month"], ["voucher_date"]]]

SCHEMA = (
    RawColumn("period_month", "DATE", nullable=False),
    RawColumn("voucher_date", "DATE"),
    RawColumn("ansvar", "VARCHAR"),
    RawColumn("konto", "VARCHAR", nullable=False),
    RawColumn("verksamhet", "VARCHAR"),
    RawColumn("aktivitet", "VARCHAR"),
    RawColumn("projekt", "VARCHAR"),
    RawColumn("motpart", "VARCHAR"),
    RawColumn("amount", "DOUBLE", nullable=False),
    RawColumn("posting_text", "VARCHAR"),
    RawColumn("voucher", "VARCHAR"),
    RawColumn("source_format", "VARCHAR", nullable=False),
)
#: Postings per batch on their way from the SIE parser into DuckDB.
SIE_BATCH_ROWS = 100_000
#: File name extensions that make a ledger delivery SIE 4 whatever its first line (finance_sie4.md).
SIE_SUFFIXES = (".se", ".si", ".sie")


def is_sie_delivery(path: Path) -> bool:
    """A ledger file is SIE 4 when its name ends in ``.se``, ``.si`` or ``.sie``, or when its first
    non-empty line starts with ``#FLAGGA`` (whatever its name); every other file is a CSV ledger. A
    file named ``.se`` whose first record is not ``#FLAGGA`` is so reported by the SIE reader."""
    return path.suffix.lower() in SIE_SUFFIXES or is_sie(path)


#: The header a report names for a posting's month, by format.
PERIOD_HEADERS = {"csv": "Period, Bokföringsdatum", "sie4": "#TRANS datum"}
#: One fiscal (calendar) year, or several whole ones: when a file spans years, each year it touches
#: must hold all twelve months (a year-to-date file of one year is fine; one stray posting of the next
#: year is not).
WHOLE_YEARS_RULE = Rule(
    "the file spans several years, and this year of it is not whole (a file holds one fiscal year, "
    "or several whole ones)",
    "(SELECT count(DISTINCT year(period_month)) FROM checked WHERE period_month IS NOT NULL) > 1 "
    "AND year(period_month) IN (SELECT year(period_month) FROM checked WHERE period_month IS NOT NULL "
    "GROUP BY 1 HAVING count(DISTINCT month(period_month)) < 12)",
    header="Period, Bokföringsdatum",
    value="strftime(period_month, '%Y-%m')",
)
#: A SIE amount beyond what the warehouse keeps (a CSV amount is checked as it is typed).
SIE_AMOUNT_RULE = Rule(too_large_rule(2), "abs(amount) >= 1e16", header="#TRANS belopp", value="amount")


def ledger_plan(delivered: Delivered, source_format: str) -> Plan:
    """The ledger's rules, whatever the format: month, account and amount present, the account a
    Region-Bas account, and Ansvar on every result account, a unit valid in the posting's month."""
    known, setup = units_table(delivered.settings, delivered.region_id)
    return Plan(
        derived={"period_month": "coalesce(period_month, CAST(date_trunc('month', voucher_date) AS DATE))"},
        rules=[
            *required(("period_month", "konto", "amount")),
            not_in_future("period_month", header=PERIOD_HEADERS[source_format]),
            WHOLE_YEARS_RULE,
            *([SIE_AMOUNT_RULE] if source_format == "sie4" else []),
            ACCOUNT_RULE,
            *unit_rules("ansvar", "period_month", known=known, required_where=RESULT_ACCOUNT),
        ],
        raw={"source_format": f"'{source_format}'"},
        periods=month_code("period_month"),
        measure="amount",
        setup=setup,
    )


class LedgerSource(CsvSource):
    name = "finance_ledger"
    depends_on: tuple[str, ...] = ("organisation",)
    contract_doc = "docs/extracts/finance_ledger.md (SIE 4: docs/extracts/finance_sie4.md)"
    schema = SCHEMA
    fields = FIELDS
    one_of = ONE_OF

    def reads_own_encoding(self, path: Path) -> bool:
        return is_sie_delivery(path)

    def check(self, delivered: Delivered) -> Checked:
        if is_sie_delivery(delivered.path):
            return self._sie(delivered)
        return super().check(delivered)

    def plan(self, delivered: Delivered, staged: Staged) -> Plan:
        return ledger_plan(delivered, "csv")

    def _sie(self, delivered: Delivered) -> Checked:
        """Parse the SIE file (Python: SIE 4 is a line format of its own) into DuckDB table ``rows``,
        batch by batch, then check it with the ledger's rules like a CSV ledger."""
        import pyarrow as pa

        reader = SieReader(delivered.path)
        connection = delivered.connection
        schema = pa.schema(
            [
                *[(name, pa.string()) for name in ("ansvar", "verksamhet", "aktivitet", "projekt", "motpart")],
                ("period_month", pa.date32()),
                ("voucher_date", pa.date32()),
                ("konto", pa.string()),
                ("amount", pa.float64()),
                ("posting_text", pa.string()),
                ("voucher", pa.string()),
                ("line_no", pa.int32()),
            ]
        )
        connection.execute(
            "CREATE OR REPLACE TEMP TABLE rows (ansvar VARCHAR, verksamhet VARCHAR, aktivitet VARCHAR, "
            "projekt VARCHAR, motpart VARCHAR, period_month DATE, voucher_date DATE, konto VARCHAR, amount DOUBLE, "
            "posting_text VARCHAR, "
            "voucher VARCHAR, line_no INTEGER)"
        )
        for batch in _sie_batches(reader, SIE_BATCH_ROWS):
            connection.register("_sie_batch", pa.Table.from_pylist(batch, schema=schema))
            connection.execute("INSERT INTO rows SELECT * FROM _sie_batch")
            connection.unregister("_sie_batch")
        problems = reader.problems + reader.check_period_balances()
        early = [Violation(p.rule, line=p.line, column=f"#VER {p.voucher}" if p.voucher else None) for p in problems]
        rows = connection.execute("SELECT count(*) FROM rows").fetchone()[0]
        if rows == 0 and not early:
            raise NoDataRows(delivered.path.name)  # no #TRANS: nothing the ledger loads
        # records the reader does not interpret are listed in the delivery record, so a new one is seen
        unknown = [f"{label} ({count})" for label, count in sorted(reader.header.unknown_labels.items())]
        staged = Staged(dict(SIE_HEADERS), unknown, early, {"the SIE file is well formed": len(early)}, rows)
        return run_plan(self, delivered, staged, ledger_plan(delivered, "sie4"), FIELDS)


#: SIE dimension names (case-insensitive) and the ledger code part each one is.
SIE_DIMENSION_NAMES = {
    "ansvar": "ansvar",
    "kostnadsställe": "ansvar",
    "resultatenhet": "ansvar",
    "verksamhet": "verksamhet",
    "aktivitet": "aktivitet",
    "projekt": "projekt",
    "motpart": "motpart",
}
#: The SIE standard's own numbers, used when a dimension's name says nothing.
SIE_STANDARD_DIMENSIONS = {"1": "ansvar", "6": "projekt"}


#: How a SIE file's cells are named in a quarantine report.
SIE_HEADERS = {
    "konto": "#TRANS konto",
    "amount": "#TRANS belopp",
    "period_month": "#TRANS datum",
    "ansvar": "#TRANS objekt Ansvar",
}


def _sie_batches(reader: SieReader, size: int) -> Iterator[list[dict[str, Any]]]:
    """The postings of every balanced voucher, ``size`` rows at a time."""
    rows: list[dict[str, Any]] = []
    for voucher in reader.vouchers():
        dimensions = _dimension_parts(reader.header.dimensions)
        rows += [_sie_row(voucher, transaction, dimensions) for transaction in voucher.transactions]
        if len(rows) >= size:
            yield rows
            rows = []
    if rows:
        yield rows


def _dimension_parts(dimensions: dict[str, str]) -> dict[str, str]:
    """SIE dimension number -> ledger code part, by the #DIM name, else by the standard's numbers."""
    parts = dict(SIE_STANDARD_DIMENSIONS)
    for number, name in dimensions.items():
        part = SIE_DIMENSION_NAMES.get(name.strip().lower())
        if part:
            parts = {n: p for n, p in parts.items() if p != part}
            parts[number] = part
    return parts


def _sie_row(voucher: SieVoucher, transaction: SieTransaction, dimensions: dict[str, str]) -> dict[str, Any]:
    row: dict[str, Any] = {part: None for part in ("ansvar", "verksamhet", "aktivitet", "projekt", "motpart")}
    for number, code in transaction.objects:
        part = dimensions.get(number)
        if part:
            row[part] = code
    row.update(
        period_month=transaction.date.replace(day=1),
        voucher_date=transaction.date,
        konto=transaction.account,
        amount=float(transaction.amount),
        posting_text=transaction.text or voucher.text,
        voucher=voucher.label,
        line_no=transaction.line,
    )
    return row
