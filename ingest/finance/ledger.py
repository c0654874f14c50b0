"""The ledger extract (huvudbok): CSV from the ERP, or the same ledger as a SIE 4 file.

Both shapes become the same raw rows: one posting (or one month × code string) with its accounting
month, the code parts (ansvar, konto, verksamhet, aktivitet, projekt, motpart) and the amount in SEK
with the ledger sign. Files are streamed chunk by chunk (docs/extracts/finance_ledger.md), so a year
of a large region's postings never sits in memory whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import great_expectations.expectations as gxe
import pandas as pd
import pyarrow as pa

from ingest.chunked import DEFAULT_CHUNK_ROWS, Field
from ingest.contract import ContractViolation, Violation, check_with_gx
from ingest.finance.common import (
    ACCOUNT_PATTERN,
    CODE_FIELDS,
    MAX_VIOLATIONS,
    ansvar_expectations,
    ansvar_problems,
    checked_stream,
    month_codes,
    result_account,
)
from ingest.finance.sie import SieReader, SieTransaction, SieVoucher, is_sie
from ingest.hr.organisation import unit_intervals
from ingest.sources import StreamState
from regionkpi.settings import Settings

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

RAW_COLUMNS = [
    "period_month",
    "voucher_date",
    "ansvar",
    "konto",
    "verksamhet",
    "aktivitet",
    "projekt",
    "motpart",
    "amount",
    "posting_text",
    "voucher",
    "source_format",
]

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


class LedgerSource:
    name = "finance_ledger"
    depends_on: tuple[str, ...] = ("organisation",)
    contract_doc = "docs/extracts/finance_ledger.md (SIE 4: docs/extracts/finance_sie4.md)"
    schema = pa.schema(
        [
            pa.field("period_month", pa.date32(), nullable=False),
            pa.field("voucher_date", pa.date32()),
            pa.field("ansvar", pa.string()),
            pa.field("konto", pa.string(), nullable=False),
            pa.field("verksamhet", pa.string()),
            pa.field("aktivitet", pa.string()),
            pa.field("projekt", pa.string()),
            pa.field("motpart", pa.string()),
            pa.field("amount", pa.float64(), nullable=False),
            pa.field("posting_text", pa.string()),
            pa.field("voucher", pa.string()),
            pa.field("source_format", pa.string(), nullable=False),
        ]
    )

    def __init__(self, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> None:
        self.chunk_rows = chunk_rows

    def reads_own_encoding(self, path: Path) -> bool:
        return is_sie(path)

    def stream(
        self, path: Path, encoding: str, region_id: str, settings: Settings, state: StreamState
    ) -> Iterator[pd.DataFrame]:
        units = unit_intervals(settings, region_id)
        if is_sie(path):
            return self._sie(path, units, state)
        return checked_stream(
            path,
            encoding,
            FIELDS,
            one_of=ONE_OF,
            suite_name="contract_finance_ledger",
            state=state,
            prepare=lambda frame: _prepare(frame, units),
            expectations=lambda frame: _expectations(units is not None),
            to_raw=lambda frame: _to_raw(frame, "csv"),
            periods=lambda frame: month_codes(frame["period_month"]),
            chunk_rows=self.chunk_rows,
        )

    def _sie(self, path: Path, units: pd.DataFrame | None, state: StreamState) -> Iterator[pd.DataFrame]:
        reader = SieReader(path)
        violations: list[Violation] = []
        for rows in _sie_batches(reader, self.chunk_rows):
            frame = _prepare(pd.DataFrame(rows), units)
            violations += check_with_gx(
                frame, "contract_finance_ledger_sie4", _expectations(units is not None), SIE_HEADERS
            )
            if len(violations) >= MAX_VIOLATIONS:
                break
            if not violations:
                state.periods |= month_codes(frame["period_month"])
                yield _to_raw(frame, "sie4")
        complete = len(violations) < MAX_VIOLATIONS  # the period balances need the whole file read
        problems = reader.problems + (reader.check_period_balances() if complete else [])
        violations += [
            Violation(p.rule, line=p.line, column=f"#VER {p.voucher}" if p.voucher else None) for p in problems
        ]
        if violations:
            raise ContractViolation(path.name, violations)


#: How a SIE file's cells are named in a quarantine report.
SIE_HEADERS = {
    "konto": "#TRANS konto",
    "amount": "#TRANS belopp",
    "period_month": "#TRANS datum",
    **{c: "#TRANS objekt Ansvar" for c in ("ansvar_missing", "ansvar_not_a_unit", "ansvar_not_valid")},
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


def _prepare(frame: pd.DataFrame, units: pd.DataFrame | None) -> pd.DataFrame:
    for column in RAW_COLUMNS:
        if column not in frame and column != "source_format":
            frame[column] = None
    frame["voucher_date"] = pd.to_datetime(frame["voucher_date"])
    from_date = frame["voucher_date"].dt.to_period("M").dt.to_timestamp()
    frame["period_month"] = pd.to_datetime(frame["period_month"]).fillna(from_date)
    return ansvar_problems(frame, units, "period_month", required=result_account(frame["konto"]))


def _expectations(units_known: bool) -> list[Any]:
    return [
        *[
            gxe.ExpectColumnValuesToNotBeNull(column=c, meta={"rule": "a value is required"})
            for c in ("period_month", "konto", "amount")
        ],
        gxe.ExpectColumnValuesToMatchRegex(
            column="konto",
            regex=ACCOUNT_PATTERN,
            meta={"rule": "Konto must be a Region-Bas account of 4-6 digits in classes 1-8"},
        ),
        *ansvar_expectations(units_known),
    ]


def _to_raw(frame: pd.DataFrame, source_format: str) -> pd.DataFrame:
    raw = frame[[c for c in RAW_COLUMNS if c != "source_format"]].copy()
    raw["source_format"] = source_format
    raw["source_line"] = frame["line_no"]
    return raw
