"""The SIE 4 parser under fuzzing: generated valid files, mutated, read by :func:`ingest.finance.sie.read_sie`.

A :class:`SieModel` is a valid SIE 4 file as data (header, balances, balanced vouchers with
``#TRANS``, ``#RTRANS`` and its repeated ``#TRANS``, ``#BTRANS``); :meth:`SieModel.render` writes it
in codepage 437 with varied but valid spelling (quoted or bare fields, spaces or tabs, LF or CRLF,
indentation, empty lines) and knows what the parser must read from it.

The property (:func:`check_parse`): reading never raises and never runs away, whatever the bytes:

- an unmutated file reads to exactly its model: no problem, the same vouchers (every counting row,
  its line, exact decimal amounts), balances, fiscal years, accounts, dimensions and objects;
- any file: every problem names a line of the file and a rule; every voucher read balances to zero
  exactly, has rows with at most two decimals, lines in file order inside the file;
- memory stays within a bound proportional to the file (the reader streams; a voucher is held whole).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import tempfile
import tracemalloc
from dataclasses import dataclass, field
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal
from pathlib import Path

from hypothesis import strategies as st

from fuzz.engine import require
from fuzz.mutations import mutated
from ingest.finance.sie import PC8, SieBalance, SieTransaction, SieVoucher, is_sie, read_sie

#: Labels and pieces a mutation inserts into SIE files (besides the generic ones).
SIE_TOKENS = (
    b"#VER",
    b"#TRANS",
    b"#RTRANS",
    b"#BTRANS",
    b"#FLAGGA 0",
    b"#SIETYP 3",
    b"#FORMAT PC8",
    b"#FORMAT UTF8",
    b"#KONTO 9999",
    b"#PSALDO 0 202101 3010 {} 1.00",
    b"#RAR 0 20210101",
    b"#VER A 1 20210101\n{\n",
    b"\n{\n",
    b"\n}\n",
    b'{1 "0100" 20}',
    b'{1 "0100"',
    b"{{}}",
    b" -0.001",
    b" 1.5e3",
)

#: Exact decimal sums (the default context rounds at 28 digits).
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)
#: Peak memory a read may take: a voucher is held whole, so the bound grows with the file.
MEMORY_BASE = 8 << 20
MEMORY_PER_BYTE = 64

_TEXT = st.text(st.characters(codec="cp437", exclude_characters="\r\n"), max_size=12).filter(
    lambda t: not t.endswith("\\") and '\\"' not in t
)
_TOKEN = st.text(
    st.characters(codec="cp437", categories=("L", "N"), include_characters="-_./:+"), min_size=1, max_size=8
)
_ONE_IN_20 = st.integers(0, 19)
_ONE_IN_4 = st.integers(0, 3)
_RANDOM_BYTES = st.binary(max_size=200)


@dataclass(frozen=True)
class Row:
    """A transaction row as written: ``label account [{objects}] amount [date [text [quantity]]]``."""

    label: str  # #TRANS (counts), #RTRANS (counts, followed by its repeating #TRANS) or #BTRANS
    account: str
    objects: tuple[tuple[str, str], ...] | None  # None: no object list written
    amount: str
    date: dt.date | None = None
    text: str | None = None
    quantity: str | None = None


@dataclass(frozen=True)
class Voucher:
    series: str
    number: str
    date: dt.date
    text: str | None
    registered: dt.date | None
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Style:
    """How the same content is spelled: quoting, separators, line ends, indentation, empty lines."""

    newline: str = "\n"
    separator: str = " "
    quote_all: bool = False
    indent: str = ""
    blank_every: int = 0


@dataclass
class SieModel:
    accounts: dict[str, str]  # declared by #KONTO (empty: none declared)
    dimensions: dict[str, str]
    objects: dict[tuple[str, str], str]
    fiscal_years: dict[int, tuple[dt.date, dt.date]]
    balances: list[tuple[str, int, str | None, str, tuple[tuple[str, str], ...], str]]
    vouchers: list[Voucher]
    unknown: list[str]  # labels of records the reader ignores (and counts)
    style: Style = field(default_factory=Style)
    company: str | None = None

    # -- writing --------------------------------------------------------------------------------

    def _field(self, value: str) -> str:
        bare_ok = value and all(not c.isspace() and c not in '"{}' for c in value)
        if bare_ok and not self.style.quote_all:
            return value
        return '"' + value.replace('"', '\\"') + '"'

    def _objects(self, objects: tuple[tuple[str, str], ...]) -> str:
        return "{" + " ".join(f"{self._field(d)} {self._field(o)}" for d, o in objects) + "}"

    def _record(self, label: str, *fields: str) -> str:
        return self.style.separator.join([label, *fields])

    def _row(self, row: Row) -> str:
        fields = [self._field(row.account)]
        if row.objects is not None:
            fields.append(self._objects(row.objects))
        fields.append(row.amount)
        optional = [
            row.date.strftime("%Y%m%d") if row.date else None,
            row.text,
            row.quantity,
        ]
        while optional and optional[-1] is None:
            optional.pop()
        fields += ['""' if value is None else self._field(value) for value in optional]
        return self._record(row.label, *fields)

    def render(self) -> tuple[bytes, list[SieVoucher], list[SieBalance]]:
        """The file's bytes (codepage 437) and the vouchers and balances the reader must return."""
        lines: list[str] = []
        vouchers: list[SieVoucher] = []
        balances: list[SieBalance] = []

        def add(text: str) -> int:
            if self.style.blank_every and len(lines) % self.style.blank_every == self.style.blank_every - 1:
                lines.append("")
            lines.append(self.style.indent + text)
            return len(lines)

        add(self._record("#FLAGGA", "0"))
        add(self._record("#PROGRAM", self._field("Fuzz"), "1.0"))
        add(self._record("#FORMAT", "PC8"))
        add(self._record("#GEN", "20210505"))
        add(self._record("#SIETYP", "4"))
        if self.company is not None:
            add(self._record("#FNAMN", self._field(self.company) if self.company else '""'))
        for index, (start, end) in self.fiscal_years.items():
            add(self._record("#RAR", str(index), start.strftime("%Y%m%d"), end.strftime("%Y%m%d")))
        for account, name in self.accounts.items():
            add(self._record("#KONTO", self._field(account), self._field(name) if name else '""'))
        for number, name in self.dimensions.items():
            add(self._record("#DIM", self._field(number), self._field(name) if name else '""'))
        for (number, code), name in self.objects.items():
            add(self._record("#OBJEKT", self._field(number), self._field(code), self._field(name) if name else '""'))
        for label in self.unknown:
            add(self._record(label, "1", self._field("okänd post")))
        for kind, year, period, account, objects, amount in self.balances:
            fields = [str(year)]
            if period is not None:
                fields.append(period)
            fields.append(self._field(account))
            if kind in ("OIB", "OUB", "PSALDO", "PBUDGET"):
                fields.append(self._objects(objects))
            fields.append(amount)
            line = add(self._record("#" + kind, *fields))
            balances.append(SieBalance(kind, year, period, account, objects, Decimal(amount), None, line))
        for voucher in self.vouchers:
            header = [self._field(voucher.series) if voucher.series else '""']
            header.append(self._field(voucher.number) if voucher.number else '""')
            header.append(voucher.date.strftime("%Y%m%d"))
            optional = [voucher.text, voucher.registered.strftime("%Y%m%d") if voucher.registered else None]
            while optional and optional[-1] is None:
                optional.pop()
            header += ['""' if value is None else self._field(value) for value in optional]
            first = add(self._record("#VER", *header))
            add("{")
            transactions = []
            for row in voucher.rows:
                line = add(self._row(row))
                if row.label != "#BTRANS":
                    transactions.append(
                        SieTransaction(
                            row.account,
                            row.objects or (),
                            Decimal(row.amount),
                            row.date or voucher.date,
                            row.text or None,
                            None if row.quantity is None else Decimal(row.quantity),
                            line,
                        )
                    )
                if row.label == "#RTRANS":
                    add(self._row(Row("#TRANS", *_fields_of(row))))
            add("}")
            vouchers.append(
                SieVoucher(
                    voucher.series,
                    voucher.number,
                    voucher.date,
                    voucher.text or None,
                    voucher.registered,
                    tuple(transactions),
                    first,
                )
            )
        newline = self.style.newline
        return (newline.join(lines) + newline).encode(PC8), vouchers, balances


def _fields_of(row: Row) -> tuple:
    return (row.account, row.objects, row.amount, row.date, row.text, row.quantity)


# -- strategies -------------------------------------------------------------------------------------


def amount_text(cents: int, style: int) -> str:
    """An exact amount in öre as the SIE files spell it: ``-1500.00``, ``-1500``, ``-1500.5``, ``+12.00``."""
    sign = "-" if cents < 0 else ("+" if style == 3 else "")
    units, fraction = divmod(abs(cents), 100)
    if style == 1 and fraction == 0:
        return f"{sign}{units}"
    if style == 2 and fraction % 10 == 0:
        return f"{sign}{units}.{fraction // 10}"
    return f"{sign}{units}.{fraction:02d}"


@dataclass(frozen=True)
class Profile:
    """What a generated ledger may hold: the parser takes anything valid; ingest also needs accounts of
    the Region-Bas plan, ``Ansvar`` units of the organisation and amounts the warehouse can sum."""

    accounts: tuple[str, ...] | None = None  # None: any account token
    units: tuple[str, ...] | None = None  # Ansvar (dimension 1) codes; None: any object code
    max_cents: int = 10**40
    dates: tuple[dt.date, dt.date] = (dt.date(1990, 1, 1), dt.date(2040, 12, 31))
    require_ansvar: bool = False  # result accounts (classes 3-8) always carry dimension 1
    one_year: bool = False  # every posting in one calendar year (a ledger file holds whole years)


class _Draws:
    """The strategies a profile draws from, built once (building strategies per draw is slow)."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.dates = st.dates(*profile.dates)
        self.maybe_date = st.one_of(st.none(), self.dates)
        self.maybe_text = st.one_of(st.none(), _TEXT)
        self.maybe_quantity = st.one_of(st.none(), st.integers(-999, 999).map(str))
        self.cents = st.integers(-profile.max_cents, profile.max_cents)
        self.amount_style = st.integers(0, 3)
        self.label = st.sampled_from(["#TRANS", "#TRANS", "#RTRANS"])
        self.one_in_ten = st.integers(0, 9)
        self.rows = st.integers(1, 5)
        self.series = st.one_of(st.just(""), _TOKEN)
        self.pairs = st.lists(st.tuples(st.sampled_from(["1", "6", "20"]), _TOKEN), max_size=2).map(tuple)
        units = st.sampled_from(profile.units) if profile.units else _TOKEN
        without_ansvar = self.pairs.map(lambda pairs: tuple(p for p in pairs if p[0] != "1"))
        #: result accounts (classes 3-8) with a dimension 1 (Ansvar) object, when the profile needs one
        self.with_ansvar = st.tuples(units, without_ansvar).map(lambda parts: (("1", parts[0]), *parts[1]))
        if profile.units is not None:  # dimension 1 objects only where they are Ansvar units
            self.objects = st.one_of(st.none(), without_ansvar)
        else:
            self.objects = st.one_of(st.none(), self.pairs)
        if profile.accounts is not None:
            self.accounts = st.just(list(profile.accounts))
        else:
            self.accounts = st.lists(_TOKEN, min_size=1, max_size=6, unique=True)
        if profile.units is not None:
            ansvar = st.sampled_from([{"1": "Ansvar"}, {}])
            others = st.dictionaries(st.sampled_from(["20", "30", "6"]), st.sampled_from(["Verksamhet", ""]))
            self.dimensions = st.tuples(ansvar, others).map(lambda parts: parts[0] | parts[1])
        else:
            self.dimensions = st.dictionaries(_TOKEN, _TEXT, max_size=3)
        self.header_objects = st.dictionaries(st.tuples(st.sampled_from(["1", "6", "20"]), _TOKEN), _TEXT, max_size=3)
        self.balance_kind = st.sampled_from(["IB", "UB", "RES", "OIB", "OUB", "PBUDGET"])
        self.budget_period = st.sampled_from(["202101", "202012"])
        self.year_index = st.integers(-1, 0)
        self.style = st.builds(
            Style,
            newline=st.sampled_from(["\n", "\r\n"]),
            separator=st.sampled_from([" ", "\t", "  "]),
            quote_all=st.booleans(),
            indent=st.sampled_from(["", "", " ", "\t"]),
            blank_every=st.sampled_from([0, 0, 0, 2, 5]),
        )
        self.unknown = st.lists(st.sampled_from(["#BKOD", "#ADRESS", "#TAXAR", "#SRU", "#PROSA"]), max_size=2)
        self.vouchers = st.integers(0, 5)
        self.balances = st.integers(0, 3)


@functools.cache
def _draws(profile: Profile) -> _Draws:
    return _Draws(profile)


@st.composite
def sie_models(draw: st.DrawFn, profile: Profile = Profile()) -> SieModel:
    """A valid SIE 4 file as data: balanced vouchers, true #PSALDO sums, declared accounts or none."""
    d = _draws(profile)
    account_pool = draw(d.accounts)
    declare = draw(st.booleans())
    dimensions = draw(d.dimensions)
    objects = draw(d.header_objects)
    dates, maybe_date = d.dates, d.maybe_date
    if profile.one_year:
        year = draw(st.integers(profile.dates[0].year, profile.dates[1].year))
        dates = st.dates(dt.date(year, 1, 1), dt.date(year, 12, 31))
        maybe_date = st.one_of(st.none(), dates)

    def row_objects(account: str) -> tuple[tuple[str, str], ...] | None:
        if profile.require_ansvar and account[:1] in "345678":
            return draw(d.with_ansvar)
        return draw(d.objects)

    vouchers = []
    for number in range(draw(d.vouchers)):
        date = draw(dates)
        amounts = [draw(d.cents) for _ in range(draw(d.rows) - 1)]
        amounts.append(-sum(amounts))
        rows = []
        for amount in amounts:
            account = draw(st.sampled_from(account_pool))
            rows.append(
                Row(
                    draw(d.label),
                    account,
                    row_objects(account),
                    amount_text(amount, draw(d.amount_style)),
                    draw(maybe_date),
                    draw(d.maybe_text),
                    draw(d.maybe_quantity),
                )
            )
            if draw(d.one_in_ten) == 0:  # a removed row: written, never counted
                removed = draw(st.sampled_from(account_pool))
                rows.append(Row("#BTRANS", removed, row_objects(removed) or (), amount_text(draw(d.cents), 0)))
        vouchers.append(
            Voucher(
                draw(d.series),
                draw(st.one_of(st.just(""), st.just(str(number + 1)), _TOKEN)),
                date,
                draw(d.maybe_text),
                draw(d.maybe_date),
                tuple(rows),
            )
        )
    # #PSALDO without objects is compared with the vouchers for result accounts: write the true sums
    sums: dict[tuple[str, str], Decimal] = {}
    for voucher in vouchers:
        for row in voucher.rows:
            if row.label != "#BTRANS":
                when = row.date or voucher.date
                key = (row.account, f"{when.year:04d}{when.month:02d}")
                sums[key] = _EXACT.add(sums.get(key, Decimal(0)), Decimal(row.amount))
    balances: list[tuple[str, int, str | None, str, tuple[tuple[str, str], ...], str]] = []
    for (account, period), total in sorted(sums.items()):
        if draw(st.booleans()):
            balances.append(("PSALDO", 0, period, account, (), format(total, "f")))
    for _ in range(draw(d.balances)):
        kind = draw(d.balance_kind)
        period = draw(d.budget_period) if kind == "PBUDGET" else None
        pairs = () if kind in ("IB", "UB", "RES") else draw(d.pairs)
        amount = amount_text(draw(d.cents), 0)
        balances.append((kind, draw(d.year_index), period, draw(st.sampled_from(account_pool)), pairs, amount))
    accounts = {a: draw(_TEXT) for a in account_pool} if declare else {}
    start = draw(d.dates)
    return SieModel(
        accounts=accounts,
        dimensions=dimensions,
        objects=objects,
        fiscal_years={0: (start, start + dt.timedelta(days=364))},
        balances=balances,
        vouchers=vouchers,
        unknown=draw(d.unknown),
        style=draw(d.style),
        company=draw(d.maybe_text),
    )


@dataclass(frozen=True)
class SieCase:
    """One example: the bytes to read and, when unmutated, what the reader must return."""

    data: bytes
    model: SieModel | None
    vouchers: list[SieVoucher] | None
    balances: list[SieBalance] | None
    mutations: tuple[str, ...] = ()

    @property
    def exact(self) -> bool:
        return self.model is not None and not self.mutations

    def describe(self) -> str:
        return f"mutations: {list(self.mutations) or 'none (a valid file)'}\nmodel: {self.model!r}"


@st.composite
def sie_cases(draw: st.DrawFn, profile: Profile = Profile(), *, long_line: int = 300_000) -> SieCase:
    """A valid SIE 4 file, unmutated (a quarter of the examples) or mutated; now and then random bytes."""
    if draw(_ONE_IN_20) == 0:
        data = draw(_RANDOM_BYTES)
        if draw(st.booleans()):
            data = b"#FLAGGA 0\r\n" + data
        return SieCase(data, None, None, None, ("random bytes",))
    model = draw(sie_models(profile))
    data, vouchers, balances = model.render()
    if draw(_ONE_IN_4) == 0:
        return SieCase(data, model, vouchers, balances)
    changed, done = draw(mutated(data, tokens=SIE_TOKENS, source_codec=PC8, long_line=long_line))
    return SieCase(changed, model, None, None, tuple(done))


# -- the property -----------------------------------------------------------------------------------


def line_count(data: bytes) -> int:
    """Lines as the reader numbers them (universal newlines over codepage 437)."""
    return sum(1 for _ in io.TextIOWrapper(io.BytesIO(data), encoding=PC8))


def check_parse(case: SieCase, path: Path) -> str:
    """Write ``case`` to ``path``, read it, and check the property; the outcome label."""
    path.write_bytes(case.data)
    tracemalloc.start()
    try:
        is_sie(path)
        document = read_sie(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    limit = MEMORY_BASE + MEMORY_PER_BYTE * len(case.data)
    require(peak <= limit, "bounded memory", lambda: f"peak {peak} bytes for a file of {len(case.data)} bytes")
    lines = max(1, line_count(case.data))
    for problem in document.problems:
        require(
            isinstance(problem.line, int) and 1 <= problem.line <= lines,
            "problem line inside the file",
            lambda p=problem: f"{p} (the file has {lines} lines)",
        )
        require(isinstance(problem.rule, str) and problem.rule, "problem names a rule", lambda p=problem: repr(p))
    previous = 0
    for voucher in document.vouchers:
        require(voucher.transactions, "voucher read has rows", lambda v=voucher: repr(v))
        total = functools.reduce(_EXACT.add, (t.amount for t in voucher.transactions), Decimal(0))
        require(total == 0, "voucher read balances", lambda v=voucher, t=total: f"{v.label} sums to {t}")
        require(voucher.line > previous, "vouchers in file order", lambda v=voucher: repr(v))
        previous = voucher.line
        for transaction in voucher.transactions:
            require(
                voucher.line < transaction.line <= lines,
                "transaction line inside its voucher",
                lambda v=voucher, t=transaction: f"{v.label} line {v.line}: {t}",
            )
            require(
                transaction.amount.as_tuple().exponent >= -2,  # type: ignore[operator]
                "amount with at most 2 decimals",
                lambda t=transaction: repr(t),
            )
            require(transaction.account, "transaction has an account", lambda t=transaction: repr(t))
            previous = transaction.line
    if case.exact:
        require(document.problems == [], "valid file reads without problems", lambda: repr(document.problems[:5]))
        require(document.vouchers == case.vouchers, "valid file reads to its vouchers", lambda: _diff(case, document))
        require(document.balances == case.balances, "valid file reads to its balances", lambda: repr(document.balances))
        model = case.model
        assert model is not None
        header = document.header
        require(header.accounts == model.accounts, "valid file reads to its accounts", lambda: repr(header.accounts))
        require(header.dimensions == model.dimensions, "valid file reads to its dimensions", repr(header.dimensions))
        require(
            header.objects == {k: v for k, v in model.objects.items()},
            "valid file reads to its objects",
            lambda: repr(header.objects),
        )
        require(header.fiscal_years == model.fiscal_years, "valid file reads to its fiscal years", "")
        unknown = {label: model.unknown.count(label) for label in model.unknown}
        require(header.unknown_labels == unknown, "valid file counts its unknown labels", repr(header.unknown_labels))
        require(header.company == (model.company or None), "valid file reads to its company name", repr(header))
        return "valid file read exactly"
    return "read with problems" if document.problems else "read without problems"


def _diff(case: SieCase, document: object) -> str:
    expected = case.vouchers or []
    got = getattr(document, "vouchers", [])
    for want, have in zip(expected, got, strict=False):
        if want != have:
            return f"expected {want!r}\n got {have!r}"
    return f"expected {len(expected)} vouchers, got {len(got)}"


class SieParserTarget:
    """Fuzz target ``sie``: the SIE 4 reader alone (fast: hundreds of files a second)."""

    name = "sie"
    timeout = 20.0

    def __init__(self) -> None:
        self.path: Path | None = None

    def setup(self, workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.path = workdir / "current.se"

    def strategy(self) -> st.SearchStrategy[SieCase]:
        return sie_cases()

    def check(self, example: SieCase) -> str:
        if self.path is None:
            self.setup(Path(tempfile.mkdtemp(prefix="fuzz-sie-")))
        assert self.path is not None
        return check_parse(example, self.path)

    def size(self, example: SieCase) -> int:
        return len(example.data)

    def reproducer(self, example: SieCase) -> bytes:
        return example.data

    def describe(self, example: SieCase) -> str:
        return example.describe()
