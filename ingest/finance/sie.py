"""Reading SIE 4 files (SIE-gruppen, "SIE filformat ver 4B"): the Swedish standard ledger export.

A SIE 4 file is text in codepage 437 ("#FORMAT PC8"), one record per line. Each record starts with a
label (``#VER``, ``#TRANS``, ...) followed by fields separated by spaces or tabs; a field may be
quoted (``"Försäljning januari"``, with ``\\"`` for a quote inside) and ``{...}`` is an object list of
dimension and object code pairs. A voucher is a ``#VER`` record followed by a ``{`` line, its
transaction rows and a ``}`` line.

:class:`SieReader` streams a file: only the voucher being read is held in memory, so a region's whole
year of vouchers can be checked and loaded in constant memory. Every rule a file breaks is reported
as a :class:`SieProblem` (line, readable rule, voucher label); broken or unbalanced vouchers are
never yielded. Records the reader does not interpret are ignored, as the standard requires, and
counted per label in :attr:`SieHeader.unknown_labels`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal, Inexact, InvalidOperation
from pathlib import Path
from typing import TextIO

PC8 = "cp437"
"""Python codec of ``#FORMAT PC8`` (IBM PC 8-bit, codepage 437), the encoding SIE 4 prescribes."""

MAX_PROBLEMS_PER_RULE = 1000
"""Problems listed per kind of rule; further ones are counted in one closing problem."""

Objects = tuple[tuple[str, str], ...]
Field = str | Objects

TRANSACTION_LABELS = frozenset({"#TRANS", "#RTRANS", "#BTRANS"})
RESULT_ACCOUNT_CLASSES = frozenset("345678")

_TOKEN = re.compile(r'"([^"\\]*(?:\\.[^"\\]*)*)"|([{}])|([^\s"{}]+)|(")')
_AMOUNT = re.compile(r"[+-]?\d+(?:\.(\d+))?")
_QUANTITY = re.compile(r"[+-]?\d+(?:\.\d+)?")
_DATE = re.compile(r"\d{8}")
_PERIOD = re.compile(r"(\d{4})(0[1-9]|1[0-2])")
_INTEGER = re.compile(r"[+-]?\d+")
#: Digits an integer field (flag, SIE type, year index) may have: Python refuses to convert a string of
#: more than 4300 digits to an int (ValueError), and no such field is near even 18.
_MAX_INTEGER_DIGITS = 18
_SNIFF_BYTES = 4096
#: Sums of amounts are exact whatever their digits: Python's default context rounds at 28 digits,
#: which would let a voucher of large amounts "balance" (or not) by rounding.
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[InvalidOperation, Inexact])

# Kinds of problem, as the per-kind cap counts them and the closing "not listed" problem names them.
_MALFORMED = "malformed record"
_BAD_AMOUNT = "bad amount"
_BAD_DATE = "bad date or period"
_BLOCK = "broken voucher block"
_OUTSIDE = "transaction row outside a voucher"
_EMPTY = "voucher without rows"
_UNBALANCED = "unbalanced voucher"
_UNDECLARED = "undeclared account"
_NO_FLAG = "no #FLAGGA first"
_SIE_TYPE = "#SIETYP not 4"
_FORMAT = "#FORMAT not PC8"
_CAPPED = "problems not listed"
_LONG = "line too long"
#: The longest line read (a record is a few hundred characters; a runaway line is skipped, not read
#: whole: its tokens would take some 80 times its size in memory).
MAX_LINE_CHARS = 1 << 20


@dataclass(frozen=True, slots=True)
class SieProblem:
    """One broken rule: where (1-based line), what (a sentence) and in which voucher, if any."""

    line: int
    rule: str
    voucher: str | None = None


@dataclass(frozen=True, slots=True)
class SieTransaction:
    """One counting transaction row (``#TRANS`` or ``#RTRANS``) of a voucher."""

    account: str
    objects: Objects
    amount: Decimal
    date: dt.date
    text: str | None
    quantity: Decimal | None
    line: int


@dataclass(frozen=True, slots=True)
class SieVoucher:
    """A balanced, well-formed voucher (``#VER`` with its block of transaction rows)."""

    series: str
    number: str
    date: dt.date
    text: str | None
    registered: dt.date | None
    transactions: tuple[SieTransaction, ...]
    line: int

    @property
    def label(self) -> str:
        """Series and number as people quote a voucher: ``"A 12"``."""
        return _voucher_label(self.series, self.number)


@dataclass(frozen=True, slots=True)
class SieBalance:
    """A balance record: ``#IB``, ``#UB``, ``#OIB``, ``#OUB``, ``#RES``, ``#PSALDO`` or ``#PBUDGET``."""

    kind: str
    year_index: int
    period: str | None
    account: str
    objects: Objects
    amount: Decimal
    quantity: Decimal | None
    line: int


@dataclass
class SieHeader:
    """The file's identification, fiscal years, chart of accounts and dimensions."""

    flag: int | None = None
    program: str | None = None
    format: str | None = None
    generated: dt.date | None = None
    sie_type: int | None = None
    company: str | None = None
    org_no: str | None = None
    currency: str | None = None
    chart_type: str | None = None
    fiscal_years: dict[int, tuple[dt.date, dt.date]] = field(default_factory=dict)
    accounts: dict[str, str] = field(default_factory=dict)
    account_types: dict[str, str] = field(default_factory=dict)
    dimensions: dict[str, str] = field(default_factory=dict)
    objects: dict[tuple[str, str], str] = field(default_factory=dict)
    unknown_labels: dict[str, int] = field(default_factory=dict)


@dataclass
class SieDocument:
    """A whole SIE file in memory (see :func:`read_sie`); for large files stream with :class:`SieReader`."""

    header: SieHeader
    vouchers: list[SieVoucher]
    balances: list[SieBalance]
    problems: list[SieProblem]


class _FieldError(ValueError):
    """A field breaks the format; ``kind`` groups problems for the per-rule cap."""

    def __init__(self, rule: str, kind: str = _MALFORMED) -> None:
        super().__init__(rule)
        self.rule = rule
        self.kind = kind


@dataclass(slots=True)
class _OpenVoucher:
    """The voucher being read: its #VER fields, counting rows so far and whether it is still valid."""

    series: str
    number: str
    date: dt.date | None
    text: str | None
    registered: dt.date | None
    line: int
    block_open: bool = False
    broken: bool = False
    amounts_known: bool = True
    rows: int = 0
    total: Decimal = Decimal(0)
    transactions: list[SieTransaction] = field(default_factory=list)
    after_rtrans: list[Field] | None = None

    @property
    def label(self) -> str:
        return _voucher_label(self.series, self.number)

    @property
    def described(self) -> str:
        """``"voucher A 12 (2021-01-15)"`` for problem sentences."""
        when = self.date.isoformat() if self.date else "no valid date"
        return f"voucher {self.label} ({when})"


def _voucher_label(series: str, number: str) -> str:
    return " ".join(part for part in (series, number) if part)


# --- fields -------------------------------------------------------------------------------------


def _bounded_lines(handle: TextIO) -> Iterator[str | None]:
    """The file's lines as Python reads them; None for a line over :data:`MAX_LINE_CHARS`, whose
    rest is skipped a block at a time (never held whole)."""
    while line := handle.readline(MAX_LINE_CHARS + 1):
        if len(line) <= MAX_LINE_CHARS or line.endswith(("\n", "\r")):
            yield line
            continue
        while (rest := handle.readline(MAX_LINE_CHARS)) and not rest.endswith(("\n", "\r")):
            pass
        yield None


def _tokenize(line: str) -> list[Field]:
    """Split a record line into fields: texts (quotes removed, ``\\"`` unescaped) and object lists."""
    fields: list[Field] = []
    group: list[str] | None = None
    for match in _TOKEN.finditer(line):  # lazily: a runaway line stops at its first broken token
        quoted, brace, bare, stray = match.groups()
        if stray:
            raise _FieldError("unterminated quoted string (a '\"' without its closing '\"')")
        if brace == "{":
            if group is not None:
                raise _FieldError("an object list opens inside another object list")
            group = []
        elif brace == "}":
            if group is None:
                raise _FieldError("a '}' closes no object list on the line")
            fields.append(_pairs(group))
            group = None
        else:
            value = bare or quoted.replace('\\"', '"')
            (fields if group is None else group).append(value)
    if group is not None:
        raise _FieldError("unterminated object list (a '{' without its closing '}')")
    return fields


def _pairs(group: list[str]) -> Objects:
    if len(group) % 2:
        raise _FieldError(f"object list {{{' '.join(group)}}} is not pairs of dimension number and object code")
    return tuple(zip(group[::2], group[1::2], strict=True))


def _text(fields: list[Field], index: int, what: str) -> str:
    """A required text field."""
    value = fields[index] if index < len(fields) else None
    if not isinstance(value, str) or value == "":
        raise _FieldError(f"the {what} is missing")
    return value


def _optional(fields: list[Field], index: int) -> str | None:
    """An optional text field; absent or ``""`` is ``None``."""
    value = fields[index] if index < len(fields) else None
    return value if isinstance(value, str) and value else None


def _object_list(fields: list[Field], index: int) -> Objects:
    value = fields[index] if index < len(fields) else None
    if not isinstance(value, tuple):
        raise _FieldError("the object list {...} is missing")
    return value


def _amount(text: str) -> Decimal:
    match = _AMOUNT.fullmatch(text)
    if match is None:
        raise _FieldError(f"amount '{_shown(text)}' is not a number (decimal point, e.g. -1500.00)", _BAD_AMOUNT)
    if match.group(1) and len(match.group(1)) > 2:
        raise _FieldError(f"amount '{_shown(text)}' has more than 2 decimals", _BAD_AMOUNT)
    return Decimal(text)


def _quantity(text: str | None) -> Decimal | None:
    if text is None:
        return None
    if not _QUANTITY.fullmatch(text):
        raise _FieldError(f"quantity '{_shown(text)}' is not a number", _BAD_AMOUNT)
    return Decimal(text)


def _date(text: str) -> dt.date:
    if _DATE.fullmatch(text):
        try:
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            pass
    raise _FieldError(f"'{_shown(text)}' is not a valid date (YYYYMMDD)", _BAD_DATE)


def _optional_date(text: str | None) -> dt.date | None:
    return None if text is None else _date(text)


def _period(text: str) -> str:
    if not _PERIOD.fullmatch(text):
        raise _FieldError(f"'{_shown(text)}' is not a valid period (YYYYMM, month 01-12)", _BAD_DATE)
    return text


def _integer(text: str, what: str) -> int:
    if not _INTEGER.fullmatch(text):
        raise _FieldError(f"the {what} '{_shown(text)}' is not an integer")
    if len(text.lstrip("+-")) > _MAX_INTEGER_DIGITS:
        raise _FieldError(f"the {what} '{_shown(text)}' has more than {_MAX_INTEGER_DIGITS} digits")
    return int(text)


def _shown(text: str, limit: int = 40) -> str:
    """A field as a problem quotes it: a runaway field (a line of 100 000 digits) is cut."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


# --- the reader ---------------------------------------------------------------------------------


class SieReader:
    """Streaming reader: nothing but the current voucher is held in memory.

    :meth:`vouchers` reads the file from the start on each call and fills :attr:`header`,
    :attr:`balances` and :attr:`problems` as the stream passes; they are complete once it is
    exhausted. A file that cannot be decoded with an explicitly given ``encoding`` raises
    :class:`UnicodeDecodeError` (codepage 437, the default, decodes any byte).
    """

    def __init__(self, path: Path, encoding: str | None = None) -> None:
        self.path = Path(path)
        self.encoding = encoding
        self._handlers: dict[str, Callable[[str, list[Field], int], None]] = {
            "#FLAGGA": self._flag,
            "#PROGRAM": self._program,
            "#FORMAT": self._format,
            "#GEN": self._generated,
            "#SIETYP": self._sie_type,
            "#FNAMN": self._header_text,
            "#ORGNR": self._header_text,
            "#VALUTA": self._header_text,
            "#KPTYP": self._header_text,
            "#RAR": self._fiscal_year,
            "#KONTO": self._account,
            "#KTYP": self._account_type,
            "#DIM": self._dimension,
            "#UNDERDIM": self._dimension,
            "#OBJEKT": self._object,
            "#IB": self._balance,
            "#UB": self._balance,
            "#RES": self._balance,
            "#OIB": self._object_balance,
            "#OUB": self._object_balance,
            "#PSALDO": self._period_balance,
            "#PBUDGET": self._period_balance,
        }
        self._reset()

    def _reset(self) -> None:
        self.header = SieHeader()
        self.balances: list[SieBalance] = []
        self.problems: list[SieProblem] = []
        self._counts: dict[str, int] = {}
        self._open: _OpenVoucher | None = None
        self._records = 0
        self._period_sums: dict[tuple[str, str], Decimal] = {}
        self._voucher_periods: set[str] = set()
        self._periods: dict[dt.date, str] = {}
        self._exhausted = False

    # -- public ---------------------------------------------------------------------------------

    def vouchers(self) -> Iterator[SieVoucher]:
        """Yield every balanced, well-formed voucher in file order; the others become problems."""
        self._reset()
        last = 0
        with self.path.open(encoding=self.encoding or PC8) as handle:
            for last, raw in enumerate(_bounded_lines(handle), start=1):
                if raw is None:
                    self._report(_LONG, last, f"the line is longer than {MAX_LINE_CHARS:,} characters (not read)")
                    continue
                voucher = self._line(raw.strip(), last)
                if voucher is not None:
                    yield voucher
        self._end_of_file(last)
        self._exhausted = True

    def check_period_balances(self) -> list[SieProblem]:
        """Compare #PSALDO without objects with the yielded vouchers' sum per account and period.

        Only periods that have vouchers and result accounts (classes 3-8) are compared: for a
        balance-sheet account #PSALDO is the accumulated balance including the opening balance, not
        the period's movement. The problems are returned, not added to :attr:`problems`.
        """
        if not self._exhausted:
            raise RuntimeError("check_period_balances() needs vouchers() to have been read to the end")
        problems = []
        for balance in self.balances:
            if balance.kind != "PSALDO" or balance.objects or balance.period not in self._voucher_periods:
                continue
            if balance.account[:1] not in RESULT_ACCOUNT_CLASSES:
                continue
            total = self._period_sums.get((balance.account, balance.period), Decimal(0))
            if total != balance.amount:
                problems.append(
                    SieProblem(
                        balance.line,
                        f"#PSALDO of account {balance.account} for period {balance.period} is {balance.amount}, "
                        f"but the vouchers of that period sum to {total} on the account",
                    )
                )
        return problems

    # -- problems -------------------------------------------------------------------------------

    def _report(self, kind: str, line: int, rule: str, voucher: str | None = None) -> None:
        count = self._counts.get(kind, 0) + 1
        self._counts[kind] = count
        if count <= MAX_PROBLEMS_PER_RULE:
            self.problems.append(SieProblem(line, rule, voucher))

    def _report_capped(self, last: int) -> None:
        for kind, count in list(self._counts.items()):
            if count > MAX_PROBLEMS_PER_RULE:
                more = count - MAX_PROBLEMS_PER_RULE
                self._report(_CAPPED, last, f"{more} more problems of kind '{kind}' are not listed")

    # -- lines ----------------------------------------------------------------------------------

    def _line(self, line: str, number: int) -> SieVoucher | None:
        if not line:
            return None
        self._records += 1
        if self._records == 1 and not line.upper().startswith("#FLAGGA"):
            self._report(_NO_FLAG, number, "the first record is not #FLAGGA")
        if line == "{":
            self._open_block(number)
            return None
        if line == "}":
            return self._close_block(number)
        if line[0] != "#":
            self._not_a_record(number)
            return None
        try:
            fields = _tokenize(line)
        except _FieldError as error:
            self._broken_record(line.split(None, 1)[0].upper(), line, number, error)
            return None
        return self._record(str(fields[0]).upper(), fields[1:], number)

    def _not_a_record(self, number: int) -> None:
        voucher = self._open
        if voucher is not None:
            voucher.broken = True
        label = voucher.label if voucher else None
        self._report(_MALFORMED, number, "the line is not a SIE record (a record starts with a #label)", label)

    def _broken_record(self, label: str, line: str, number: int, error: _FieldError) -> None:
        if label == "#VER":
            self._close_unfinished(number, "#VER")
            words = [word.strip('"') for word in line.split()[1:3]] + ["", ""]
            self._open = _OpenVoucher(words[0], words[1], None, None, None, number, broken=True)
        elif self._open is not None:
            self._open.broken = True
            if label in TRANSACTION_LABELS:
                self._open.amounts_known = False
        voucher = self._open.label if self._open else None
        self._report(error.kind, number, f"{_shown(label)}: {error.rule}", voucher)

    def _record(self, label: str, fields: list[Field], number: int) -> SieVoucher | None:
        voucher = self._open
        if label in TRANSACTION_LABELS:
            self._transaction(label, fields, number)
            return None
        if label == "#VER":
            self._close_unfinished(number, "#VER")
            self._start_voucher(fields, number)
            return None
        handler = self._handlers.get(label)
        if handler is None:
            shown = _shown(label)
            self.header.unknown_labels[shown] = self.header.unknown_labels.get(shown, 0) + 1
            return None
        if voucher is not None:
            self._close_unfinished(number, label)
        try:
            handler(label, fields, number)
        except _FieldError as error:
            self._report(error.kind, number, f"{label}: {error.rule}")
        return None

    # -- voucher blocks -------------------------------------------------------------------------

    def _open_block(self, number: int) -> None:
        voucher = self._open
        if voucher is None or voucher.block_open:
            self._report(_BLOCK, number, "a '{' line that does not follow a #VER record")
            if voucher is not None:
                voucher.broken = True
            return
        voucher.block_open = True

    def _close_block(self, number: int) -> SieVoucher | None:
        voucher = self._open
        if voucher is None:
            self._report(_BLOCK, number, "a '}' line with no open voucher")
            return None
        self._open = None
        if not voucher.block_open:
            self._report(_BLOCK, number, f"'{{' missing after the #VER of {voucher.described}", voucher.label)
            return None
        return self._finish(voucher)

    def _close_unfinished(self, number: int, label: str) -> None:
        """A record that cannot be part of the open voucher ends it: its '{' or '}' is missing."""
        voucher = self._open
        if voucher is None:
            return
        self._open = None
        if voucher.block_open:
            rule = f"{voucher.described}, opened on line {voucher.line}, has no closing '}}' before this {label}"
        else:
            rule = f"'{{' missing after the #VER of {voucher.described} on line {voucher.line}"
        self._report(_BLOCK, number, rule, voucher.label)

    def _end_of_file(self, last: int) -> None:
        voucher = self._open
        if voucher is not None:
            self._open = None
            missing = "'}'" if voucher.block_open else "'{' and '}'"
            rule = (
                f"{voucher.described}, opened on line {voucher.line}, is not closed: {missing} missing at end of file"
            )
            self._report(_BLOCK, last, rule, voucher.label)
        if self._records == 0:
            self._report(_NO_FLAG, 1, "the file holds no SIE records (#FLAGGA expected first)")
        self._report_capped(last)

    def _start_voucher(self, fields: list[Field], number: int) -> None:
        series = _optional(fields, 0) or ""
        voucher_number = _optional(fields, 1) or ""
        voucher = _OpenVoucher(series, voucher_number, None, _optional(fields, 3), None, number)
        self._open = voucher
        try:
            voucher.date = _date(_text(fields, 2, "voucher date"))
            voucher.registered = _optional_date(_optional(fields, 4))
        except _FieldError as error:
            voucher.broken = True
            self._report(error.kind, number, f"#VER: {error.rule}", voucher.label)

    def _finish(self, voucher: _OpenVoucher) -> SieVoucher | None:
        if voucher.rows == 0:
            self._report(_EMPTY, voucher.line, f"{voucher.described} has no transaction rows", voucher.label)
            return None
        if voucher.amounts_known and voucher.total != 0:
            rule = f"{voucher.described} does not balance: its #TRANS rows sum to {voucher.total}, not 0"
            self._report(_UNBALANCED, voucher.line, rule, voucher.label)
            return None
        if voucher.broken or voucher.date is None:
            return None
        for transaction in voucher.transactions:
            period = self._periods.get(transaction.date) or self._period_of(transaction.date)
            key = (transaction.account, period)
            self._period_sums[key] = _EXACT.add(self._period_sums.get(key, Decimal(0)), transaction.amount)
            self._voucher_periods.add(period)
        return SieVoucher(
            voucher.series,
            voucher.number,
            voucher.date,
            voucher.text,
            voucher.registered,
            tuple(voucher.transactions),
            voucher.line,
        )

    def _period_of(self, date: dt.date) -> str:
        """``YYYYMM`` of a date, remembered: a ledger has few distinct dates and many rows."""
        period = self._periods[date] = f"{date.year:04d}{date.month:02d}"
        return period

    # -- transaction rows -----------------------------------------------------------------------

    def _transaction(self, label: str, fields: list[Field], number: int) -> None:
        voucher = self._open
        if voucher is None:
            self._report(_OUTSIDE, number, f"{label} outside a #VER {{ }} block")
            return
        if not voucher.block_open:
            self._report(_BLOCK, number, f"'{{' missing after the #VER of {voucher.described}", voucher.label)
            voucher.block_open = True
            voucher.broken = True
        if self._is_not_counted(voucher, label, fields):
            return
        voucher.rows += 1
        try:
            transaction = self._parse_transaction(voucher, fields, number)
        except _FieldError as error:
            voucher.broken = True
            self._report(error.kind, number, f"{label}: {error.rule}", voucher.label)
            return
        if transaction is not None:
            voucher.transactions.append(transaction)

    @staticmethod
    def _is_not_counted(voucher: _OpenVoucher, label: str, fields: list[Field]) -> bool:
        """#BTRANS rows (removed) never count; the #TRANS repeating an #RTRANS (added) is skipped."""
        previous, voucher.after_rtrans = voucher.after_rtrans, None
        if label == "#BTRANS":
            return True
        if label == "#RTRANS":
            voucher.after_rtrans = fields
            return False
        return previous == fields

    def _parse_transaction(self, voucher: _OpenVoucher, fields: list[Field], number: int) -> SieTransaction | None:
        """Parse ``konto {objekt} belopp [transdat] [transtext] [kvantitet]``; the object list may be absent."""
        account = _text(fields, 0, "account")
        has_objects = len(fields) > 1 and isinstance(fields[1], tuple)
        objects = _object_list(fields, 1) if has_objects else ()
        rest = 2 if has_objects else 1
        try:
            amount = _amount(_text(fields, rest, "amount"))
        except _FieldError:
            voucher.amounts_known = False
            raise
        voucher.total = _EXACT.add(voucher.total, amount)
        if self.header.accounts and account not in self.header.accounts:
            raise _FieldError(f"account {account} is not declared by a #KONTO record", _UNDECLARED)
        date = _optional_date(_optional(fields, rest + 1)) or voucher.date
        text = _optional(fields, rest + 2)
        quantity = _quantity(_optional(fields, rest + 3))
        if date is None:
            return None
        return SieTransaction(account, objects, amount, date, text, quantity, number)

    # -- header records -------------------------------------------------------------------------

    def _flag(self, label: str, fields: list[Field], number: int) -> None:
        self.header.flag = _integer(_text(fields, 0, "flag"), "flag")

    def _program(self, label: str, fields: list[Field], number: int) -> None:
        parts = [value for value in fields if isinstance(value, str) and value]
        self.header.program = " ".join(parts) or None

    def _format(self, label: str, fields: list[Field], number: int) -> None:
        value = _text(fields, 0, "format")
        self.header.format = value
        if self.encoding is None and value.upper() != "PC8":
            rule = f"#FORMAT {value} is not PC8; SIE 4 files are codepage 437 and the file was read as such"
            self._report(_FORMAT, number, rule)

    def _generated(self, label: str, fields: list[Field], number: int) -> None:
        self.header.generated = _date(_text(fields, 0, "date"))

    def _sie_type(self, label: str, fields: list[Field], number: int) -> None:
        value = _integer(_text(fields, 0, "SIE type"), "SIE type")
        self.header.sie_type = value
        if value != 4:
            self._report(_SIE_TYPE, number, f"#SIETYP is {value}, not 4: the file holds no vouchers by the standard")

    def _header_text(self, label: str, fields: list[Field], number: int) -> None:
        attribute = {"#FNAMN": "company", "#ORGNR": "org_no", "#VALUTA": "currency", "#KPTYP": "chart_type"}[label]
        setattr(self.header, attribute, _optional(fields, 0))

    def _fiscal_year(self, label: str, fields: list[Field], number: int) -> None:
        index = _integer(_text(fields, 0, "year index"), "year index")
        start = _date(_text(fields, 1, "start date"))
        end = _date(_text(fields, 2, "end date"))
        self.header.fiscal_years[index] = (start, end)

    def _account(self, label: str, fields: list[Field], number: int) -> None:
        self.header.accounts[_text(fields, 0, "account")] = _optional(fields, 1) or ""

    def _account_type(self, label: str, fields: list[Field], number: int) -> None:
        self.header.account_types[_text(fields, 0, "account")] = _text(fields, 1, "account type")

    def _dimension(self, label: str, fields: list[Field], number: int) -> None:
        self.header.dimensions[_text(fields, 0, "dimension number")] = _optional(fields, 1) or ""

    def _object(self, label: str, fields: list[Field], number: int) -> None:
        key = (_text(fields, 0, "dimension number"), _text(fields, 1, "object code"))
        self.header.objects[key] = _optional(fields, 2) or ""

    # -- balance records ------------------------------------------------------------------------

    def _balance(self, label: str, fields: list[Field], number: int) -> None:
        """``#IB``, ``#UB``, ``#RES``: ``årsnr konto saldo [kvantitet]``."""
        self._add_balance(label, fields, number, period=None, objects=(), rest=2)

    def _object_balance(self, label: str, fields: list[Field], number: int) -> None:
        """``#OIB``, ``#OUB``: ``årsnr konto {objekt} saldo [kvantitet]``."""
        self._add_balance(label, fields, number, period=None, objects=_object_list(fields, 2), rest=3)

    def _period_balance(self, label: str, fields: list[Field], number: int) -> None:
        """``#PSALDO``, ``#PBUDGET``: ``årsnr period konto {objekt} saldo [kvantitet]``."""
        period = _period(_text(fields, 1, "period"))
        fields = [fields[0], *fields[2:]]
        self._add_balance(label, fields, number, period=period, objects=_object_list(fields, 2), rest=3)

    def _add_balance(
        self, label: str, fields: list[Field], number: int, *, period: str | None, objects: Objects, rest: int
    ) -> None:
        balance = SieBalance(
            kind=label[1:],
            year_index=_integer(_text(fields, 0, "year index"), "year index"),
            period=period,
            account=_text(fields, 1, "account"),
            objects=objects,
            amount=_amount(_text(fields, rest, "amount")),
            quantity=_quantity(_optional(fields, rest + 1)),
            line=number,
        )
        self.balances.append(balance)


# --- conveniences -------------------------------------------------------------------------------


def read_sie(path: Path, encoding: str | None = None) -> SieDocument:
    """Read a whole SIE file into memory; the problems include :meth:`SieReader.check_period_balances`."""
    reader = SieReader(path, encoding)
    vouchers = list(reader.vouchers())
    problems = [*reader.problems, *reader.check_period_balances()]
    return SieDocument(reader.header, vouchers, reader.balances, problems)


def is_sie(path: Path) -> bool:
    """True when the file's first non-empty line starts with ``#FLAGGA`` (only the first bytes are read)."""
    with Path(path).open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    text = head.removeprefix(b"\xef\xbb\xbf").decode(PC8)
    for line in text.splitlines():
        if line.strip():
            return line.lstrip().upper().startswith("#FLAGGA")
    return False
