"""The CSV contract path under fuzzing: generated valid extracts, mutated, through ``ingest_file``.

Each target (:data:`TARGETS`) writes generated ``;``-separated extracts of one source into a
warehouse root that already holds what the source is checked against (the region's organisation,
or the sample GTFS feed), and ingests them with the real entry point,
:func:`ingest.landing.ingest_file`. A valid extract is generated as rows of valid values (varied
spelling: decimal comma or point, thousands spaces, quoting, column order, header case, line ends,
UTF-8 with or without BOM, Windows-1252), then, in three examples of four, mutated: cells replaced by
random text, unicode or control characters, quotes, fields added or dropped, header names changed,
rows duplicated, and byte mutations (:mod:`fuzz.mutations`: truncation, NUL bytes, long lines,
re-encoding, ...). ``sie_ingest`` does the same with SIE 4 ledgers (:mod:`fuzz.sie`).

The property (:func:`check_ingest`): ``ingest_file`` returns, never raises, and

- the delivery is ``loaded``, ``quarantined`` or ``duplicate``, and the file left landing;
- a quarantined file has its report (``.report.txt`` and ``.report.json``) and every violation in
  it is file-level (no line) or names a line of the file; nothing of it is in the raw layer;
- a loaded file's raw Parquet file holds as many rows as the ledger says, each from its own line
  of the file;
- an unmutated valid file is loaded with all its rows.

Every example gets a delivery ledger of its own (``ingest_file(..., ledger=...)``), so the same
bytes generated twice (Hypothesis replays an example while it shrinks) are ingested again instead of
being recorded as a duplicate, and a file name of its own.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
import logging
import re
import shutil
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from fuzz.engine import require
from fuzz.mutations import mutated
from fuzz.sie import Profile, SieCase, sie_cases
from ingest.hr import sick_leave

REGION = "0013"
ORGANISATION = (
    "Enhetskod;Enhetsnamn;Överordnad enhet;Nivå;Giltig från;Giltig till\r\n"
    "0013;Region Halland;;Region;2010-01-01;\r\n"
    "1000;Regionstyrelsen;0013;Nämnd/styrelse;2010-01-01;\r\n"
    "1100;Regionkontoret;1000;Förvaltning;2010-01-01;\r\n"
    "1110;HR-avdelningen;1100;Område/avdelning;2010-01-01;\r\n"
    "0111;Lön och pension;1110;Enhet;2010-01-01;\r\n"
    "0142;Ekonomi och styrning;1110;Enhet;2010-01-01;\r\n"
)
UNITS = ("0013", "1000", "1100", "1110", "0111", "0142")
#: Region-Bas accounts of classes 1-8 (4 or 6 digits) the finance extracts may name.
ACCOUNTS = ("1930", "2440", "3010", "4010", "4610", "5011", "7910", "8410", "501100")
REPORT_LINES = ("verksamhetens_intakter", "kopt_verksamhet", "personalkostnader", "ovriga_kostnader")
STATUSES = ("loaded", "quarantined", "duplicate", "empty")
#: How ingest names an exception it caught and quarantined the file for (not a contract rule).
INTERNAL_ERROR = "internal error, not a contract rule"


class _LastError(logging.Handler):
    """Keeps the traceback ingest logs with an internal error (and keeps ingest's log quiet)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.text = ""

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.text = "".join(traceback.format_exception(*record.exc_info))


LAST_ERROR = _LastError()


def quiet_ingest_log() -> None:
    """Ingest logs a warning per quarantined file and a traceback per internal error: keep them here."""
    logger = logging.getLogger("ingest")
    if LAST_ERROR not in logger.handlers:
        logger.addHandler(LAST_ERROR)
    logger.propagate = False


#: Cell values that break parsers and rules.
ODD_CELLS = (
    "",
    " ",
    '"',
    '""',
    "'",
    ";",
    "NULL",
    "NaN",
    "inf",
    "-0",
    "1e400",
    "1E5",
    "0x1F",
    "١٢٣",
    "１２",
    "1 234,5",
    "1\u00a0234,50",
    "1.234,50",
    "1,234.50",
    "12,345",
    "--5",
    "+5",
    "5-",
    "\x00",
    "\t",
    "\x0b",
    "\x1c",
    "\u2028",
    "\ufeff",
    "=1+1",
    "99999999999999999999999",
    "-99999999999999999999999,99",
    "2147483648",
    "9223372036854775808",
    "2021-02-29",
    "2020-02-30",
    "0000-00-00",
    "202113",
    "202100",
    "20210101",
    "19000101",
    "99991231",
    "x" * 5000,
)
TOKENS = (b";", b'";"', b'"\r\n"', b"\r\n;", b";;;;;;;;;;;;")


@dataclass
class Table:
    """An extract as cells: header and rows (each a list of cell texts)."""

    header: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Spelling:
    """How a table is written: line ends, encoding, which cells are quoted, a final line end."""

    newline: str = "\r\n"
    encoding: str = "utf-8"
    quote_all: bool = False


def render(table: Table, spelling: Spelling) -> bytes:
    def cell(text: str) -> str:
        if spelling.quote_all or any(c in text for c in ';"\r\n'):
            return '"' + text.replace('"', '""') + '"'
        return text

    lines = [";".join(cell(c) for c in row) for row in [table.header, *table.rows]]
    text = spelling.newline.join(lines) + spelling.newline
    try:
        return text.encode(spelling.encoding)
    except UnicodeEncodeError:  # a mutation put a character Windows-1252 lacks: write UTF-8
        return text.encode("utf-8", errors="surrogatepass")


@dataclass(frozen=True)
class CsvCase:
    """One example: the bytes to deliver, and the rows an unmutated valid file must load."""

    data: bytes
    name: str
    expected_rows: int | None  # None: mutated (any outcome but an exception)
    mutations: tuple[str, ...] = ()

    def describe(self) -> str:
        return f"file name: {self.name}\nmutations: {list(self.mutations) or 'none (a valid file)'}"


# -- values -----------------------------------------------------------------------------------------


def swedish_number(hundredths: int, style: int) -> str:
    """An exact number as Swedish extracts write it: ``1 234,50``, ``1234,5``, ``1234.50`` or ``1234``."""
    sign = "-" if hundredths < 0 else ""
    units, fraction = divmod(abs(hundredths), 100)
    if style == 1 and fraction == 0:
        return f"{sign}{units}"
    if style == 2:  # a plain decimal point, no comma
        return f"{sign}{units}.{fraction:02d}"
    if style == 3:  # thousands grouped by a space or a no-break space
        grouped = f"{units:,}".replace(",", " " if fraction % 2 else "\u00a0")
        return f"{sign}{grouped},{fraction:02d}"
    if style == 4 and fraction % 10 == 0:
        return f"{sign}{units},{fraction // 10}"
    return f"{sign}{units},{fraction:02d}"


_NUMBER_STYLE = st.integers(0, 4)
_ODD = st.one_of(
    st.sampled_from(ODD_CELLS),
    st.text(max_size=20),
    st.text(st.characters(codec="utf-8", categories=("Cc", "Cf", "Zs", "Zl", "Zp", "Nd", "No")), max_size=6),
)
_CODE = st.text(st.characters(codec="cp1252", categories=("L", "N")), min_size=1, max_size=8)
_FREE_TEXT = st.text(st.characters(codec="cp1252", exclude_categories=("Cc", "Cs")), max_size=20)


def _luhn_digit(nine: str) -> str:
    total = 0
    for index, char in enumerate(nine):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


@st.composite
def personnummer(draw: st.DrawFn) -> str:
    """A valid personnummer ``YYYYMMDD-NNNC`` or ``YYYYMMDDNNNC`` (a samordningsnummer now and then)."""
    born = draw(st.dates(dt.date(1940, 1, 1), dt.date(2004, 12, 31)))
    day = born.day + (60 if draw(st.integers(0, 9)) == 0 else 0)
    serial = f"{draw(st.integers(0, 999)):03d}"
    ten = f"{born:%y%m}{day:02d}{serial}"
    digits = f"{born.year // 100}{ten}{_luhn_digit(ten)}"
    return f"{digits[:8]}-{digits[8:]}" if draw(st.booleans()) else digits


def _date_text(day: dt.date, compact: bool) -> str:
    return day.strftime("%Y%m%d" if compact else "%Y-%m-%d")


# -- valid tables -----------------------------------------------------------------------------------

#: The payroll contract's columns (the split layout) and employment forms, from the contract's code.
SICK_HEADER = [f.header for f in sick_leave.FIELDS if f.name != "spell_start_date"]
EMPLOYMENT_FORMS = tuple(form.capitalize() for form in sick_leave.EMPLOYMENT_TYPES)


@st.composite
def sick_leave_rows(draw: st.DrawFn) -> list[list[str]]:
    keys = draw(
        st.lists(
            st.tuples(personnummer(), st.integers(2011, 2025), st.integers(1, 12)),
            min_size=1,
            max_size=12,
            unique_by=lambda key: (key[0].replace("-", ""), key[1], key[2]),
        )
    )
    rows = []
    for pnr, year, month in keys:
        start = draw(st.dates(dt.date(1990, 1, 1), dt.date(2010, 12, 31)))
        end = draw(st.one_of(st.none(), st.dates(dt.date(year, month, 1), dt.date(2035, 12, 31))))
        compact = draw(st.booleans())
        ordinary = draw(st.integers(0, 30000))
        sick = draw(st.integers(0, ordinary))
        first = draw(st.integers(0, sick))
        middle = draw(st.integers(0, sick - first))
        style = draw(_NUMBER_STYLE)
        rows.append(
            [
                pnr,
                draw(st.one_of(st.just(""), _CODE)),
                draw(st.sampled_from(UNITS)),
                f"{year}{month:02d}",
                draw(st.sampled_from(EMPLOYMENT_FORMS)),
                _date_text(start, compact),
                "" if end is None else _date_text(end, compact),
                swedish_number(ordinary, style),
                swedish_number(sick, style),
                swedish_number(first, style),
                swedish_number(middle, style),
                swedish_number(sick - first - middle, style),
            ]
        )
    return rows


BUDGET_HEADER = ["År", "Månad", "Ansvar", "Konto", "Rapportrad", "Verksamhet", "Belopp"]


@st.composite
def budget_rows(draw: st.DrawFn) -> list[list[str]]:
    rows = []
    for _ in range(draw(st.integers(1, 12))):
        account = draw(st.one_of(st.just(""), st.sampled_from(ACCOUNTS)))
        line = draw(st.sampled_from(REPORT_LINES)) if not account or draw(st.booleans()) else ""
        month = draw(st.integers(1, 12))
        rows.append(
            [
                str(draw(st.integers(2010, 2100))),  # the organisation's units are valid from 2010
                f"{month:02d}" if draw(st.booleans()) else str(month),
                draw(st.sampled_from(UNITS)),
                account,
                line,
                draw(st.one_of(st.just(""), _CODE)),
                swedish_number(draw(st.integers(-(10**13), 10**13)), draw(_NUMBER_STYLE)),
            ]
        )
    return rows


COUNT_HEADER = ["Trafikdag", "Linje", "Tur", "Hållplats", "Biljettprodukt", "Påstigande", "Avstigande", "Källa"]
PRODUCTS = ("ENKEL", "REKASSA", "APP", "PERIOD30", "PERIOD365", "SKOLKORT", "FRIBILJETT", "OKAND")
COUNT_SOURCES = ("räknare", "apc", "counter", "automatisk trafikanträkning", "skattning", "estimate", "uppskattning")
BOARDINGS_MONTH = (2020, 3)


@functools.cache
def _feed() -> Any:
    """The sample GTFS feed's lines, stops and trips (building it takes a while: once)."""
    from samples.ridership.gtfs import sample_feed

    return sample_feed()


@st.composite
def boarding_rows(draw: st.DrawFn) -> list[list[str]]:
    feed = _feed()
    lines = sorted(feed.trips_by_line)
    year, month = BOARDINGS_MONTH
    rows = []
    keys = set()
    for _ in range(draw(st.integers(1, 12))):
        line = draw(st.sampled_from(lines))
        trip = draw(st.one_of(st.just(""), st.sampled_from(feed.trips_by_line[line])))
        stop = draw(st.one_of(st.just(""), st.sampled_from(feed.stops_by_line[line])))
        product = draw(st.one_of(st.just(""), st.sampled_from(PRODUCTS)))
        day = dt.date(year, month, draw(st.integers(1, 31)))
        key = (day, line, trip, stop, product)
        if key in keys:
            continue
        keys.add(key)
        rows.append(
            [
                day.isoformat(),
                line,
                trip,
                stop,
                product,
                str(draw(st.integers(0, 5000))),
                draw(st.one_of(st.just(""), st.integers(0, 5000).map(str))),
                draw(st.sampled_from(COUNT_SOURCES)),
            ]
        )
    return rows


# -- spelling and mutations of tables ---------------------------------------------------------------


@st.composite
def spelled_tables(draw: st.DrawFn, header: list[str], rows: st.SearchStrategy) -> Table:
    """A valid table: its columns in any order, header case and blanks varied, an unknown column."""
    body = draw(rows)
    order = draw(st.permutations(range(len(header))))
    names = []
    for index in order:
        name = header[index]
        twist = draw(st.integers(0, 5))
        names.append(name.upper() if twist == 0 else f" {name} " if twist == 1 else name)
    table = Table(names, [[row[i] for i in order] for row in body])
    if draw(st.integers(0, 4)) == 0:
        table.header.append("Kommentar")
        for row in table.rows:
            row.append(draw(_FREE_TEXT))
    return table


def _mutate_table(draw: st.DrawFn, table: Table) -> str:
    kind = draw(
        st.sampled_from(
            [
                "cell",
                "cell",
                "cell",
                "extra field",
                "missing field",
                "header renamed",
                "header dropped",
                "column dropped",
                "header duplicated",
                "row duplicated",
                "empty row",
                "quote in cell",
            ]
        )
    )
    rows = table.rows
    if kind in ("header renamed", "header dropped", "header duplicated", "column dropped"):
        i = draw(st.integers(0, len(table.header) - 1))
        if kind == "header renamed":
            table.header[i] = draw(_ODD)
        elif kind == "header dropped":
            del table.header[i]
        elif kind == "column dropped":
            del table.header[i]
            for row in rows:
                if i < len(row):
                    del row[i]
        else:
            table.header.insert(i, table.header[i])
            for row in rows:
                row.insert(i, row[i] if i < len(row) else "")
        return f"{kind}: column {i + 1}"
    if not rows:
        return "no row to change"
    r = draw(st.integers(0, len(rows) - 1))
    row = rows[r]
    if kind == "row duplicated":
        rows.insert(r, list(row))
    elif kind == "empty row":
        rows.insert(r, [""] * draw(st.sampled_from([0, 1, len(table.header)])))
    elif kind == "extra field":
        row.insert(draw(st.integers(0, len(row))), draw(_ODD))
    elif kind == "missing field" and row:
        del row[draw(st.integers(0, len(row) - 1))]
    elif row:
        c = draw(st.integers(0, len(row) - 1))
        if kind == "quote in cell":
            row[c] = row[c] + '"' + draw(_ODD)
        else:
            row[c] = draw(_ODD)
        return f"{kind}: row {r + 2}, column {c + 1} = {row[c][:40]!r}"
    return f"{kind}: row {r + 2}"


_SPELLING = st.builds(
    Spelling,
    newline=st.sampled_from(["\r\n", "\n"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    quote_all=st.integers(0, 4).map(lambda n: n == 0),
)


@st.composite
def csv_cases(draw: st.DrawFn, header: list[str], rows: st.SearchStrategy, name: str) -> CsvCase:
    """A valid extract (a quarter of the examples) or one mutated in its cells and bytes."""
    table = draw(spelled_tables(header, rows))
    spelling = draw(_SPELLING)
    if draw(st.integers(0, 3)) == 0:
        return CsvCase(render(table, spelling), name, len(table.rows))
    done = [_mutate_table(draw, table) for _ in range(draw(st.integers(0, 3)))]
    data = render(table, spelling)
    if not done or draw(st.booleans()):
        data, more = draw(mutated(data, tokens=TOKENS, source_codec=spelling.encoding, max_mutations=3))
        done += more
    return CsvCase(data, name, None, tuple(done))


# -- the property -----------------------------------------------------------------------------------


def line_bound(data: bytes) -> int:
    """An upper bound of the file's lines, however they are counted (``\\r``, ``\\n``, ``\\r\\n``)."""
    return data.count(b"\n") + data.count(b"\r") + 1


class InternalError(Exception):
    """An exception inside ``ingest_file`` that it caught and quarantined the file for ("internal
    error"): a bug, reported as the exception's type and where it was raised."""

    def __init__(self, rule: str, logged: str) -> None:
        match = re.search(r"not a contract rule: (\w+): .*\(at ([^;)]+)", rule, re.DOTALL)
        self.where = f"{match[1]} at {match[2]}" if match else rule[:80]
        super().__init__(f"{rule}\n{logged}")


@dataclass
class Workspace:
    """A warehouse root where a source's extracts are ingested, one example at a time."""

    root: Path
    source: str
    region: str
    settings: Any = None
    counter: itertools.count = field(default_factory=itertools.count)

    def prepare(self, deliver: Callable[[Any], None] | None = None) -> None:
        """A fresh root; ``deliver(settings)`` writes what the source depends on into landing, ingested."""
        from ingest.landing import ingest_landing
        from regionkpi.settings import load_settings

        quiet_ingest_log()
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True)
        self.settings = load_settings({"REGIONKPI_ROOT": str(self.root), "REGIONKPI_PSEUDONYM_KEY": "fuzz"})
        if deliver is not None:
            deliver(self.settings)
            report = ingest_landing(self.settings)
            statuses = [d.status for d in report.deliveries]
            if statuses != ["loaded"] * len(statuses) or not statuses:
                raise RuntimeError(f"{self.source}: the reference data did not load: {report.summary()}")

    def check(self, data: bytes, name: str, expected_rows: int | None) -> str:
        return check_ingest(self, data, name, expected_rows)


def deliver_organisation(settings: Any) -> None:
    path = settings.landing_dir / "organisation" / REGION / "organisation.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(ORGANISATION.encode("utf-8"))


def deliver_gtfs(settings: Any) -> None:
    from samples.ridership.gtfs import write_gtfs_sample

    write_gtfs_sample(settings.landing_dir)


def check_ingest(workspace: Workspace, data: bytes, name: str, expected_rows: int | None) -> str:
    """Deliver ``data`` as ``name`` and ingest it with ``ingest_file``; check the property; the outcome."""
    import pyarrow.parquet as pq

    from ingest.landing import ingest_file, raw_path
    from ingest.ledger import SqliteLedger

    settings = workspace.settings
    number = next(workspace.counter)
    path = settings.landing_dir / workspace.source / workspace.region / f"f{number:07d}_{name}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    ledger_dir = Path(tempfile.mkdtemp(prefix="ledger-", dir=workspace.root))
    try:
        ledger = SqliteLedger(ledger_dir / "ledger.sqlite")
        delivery = ingest_file(path, workspace.source, settings, ledger=ledger)
        require(delivery.status in STATUSES, "delivery ends loaded, quarantined or duplicate", repr(delivery))
        recorded = [d for d in ledger.deliveries(workspace.source) if d.seq == delivery.seq]
        require(recorded and recorded[0].status == delivery.status, "the ledger records the delivery", repr(recorded))
        require(not path.exists(), "the file leaves landing", str(path))
        lines = line_bound(data)
        stored = Path(delivery.stored_path) if delivery.stored_path else None
        if delivery.status == "quarantined":
            require(stored is not None, "a quarantined file is stored", repr(delivery))
            assert stored is not None
            report_json = stored.with_name(stored.name + ".report.json")
            report_txt = stored.with_name(stored.name + ".report.txt")
            require(report_json.exists() and report_txt.exists(), "a quarantined file has its report", str(stored))
            violations = json.loads(report_json.read_text(encoding="utf-8"))["violations"]
            require(violations, "a quarantine report names a violation", str(report_json))
            for violation in violations:
                rule = str(violation.get("rule"))
                if rule.startswith(INTERNAL_ERROR):  # an exception ingest caught: a failure all the same
                    raise InternalError(rule, LAST_ERROR.text)
                line = violation.get("line")
                require(
                    line is None or (isinstance(line, int) and 1 <= line <= lines),
                    "a violation is file-level or names a line of the file",
                    lambda v=violation: f"{v} (the file has at most {lines} lines)",
                )
                require(violation.get("rule"), "a violation names its rule", repr(violation))
            require(
                not raw_path(settings, workspace.source, workspace.region, delivery).exists(),
                "nothing of a quarantined file is loaded",
                repr(delivery),
            )
            for extra in (report_json, report_txt, stored):
                extra.unlink(missing_ok=True)
        elif delivery.status == "loaded":
            target = raw_path(settings, workspace.source, workspace.region, delivery)
            require(target.exists(), "a loaded file has its raw Parquet file", str(target))
            table = pq.read_table(target, columns=["source_line"])
            require(
                table.num_rows == delivery.rows,
                "raw rows equal the ledger's rows",
                lambda: f"{table.num_rows} raw rows, the ledger says {delivery.rows}",
            )
            source_lines = table.column("source_line").to_pylist()
            require(
                all(isinstance(n, int) and 1 <= n <= lines for n in source_lines),
                "every raw row comes from a line of the file",
                lambda: f"{sorted(source_lines)[:5]}..{sorted(source_lines)[-5:]} (at most {lines} lines)",
            )
            require(len(set(source_lines)) == len(source_lines), "every raw row has a line of its own", "")
            target.unlink()
            if stored is not None:
                stored.unlink(missing_ok=True)
        if expected_rows is not None:
            require(
                delivery.status == "loaded",
                "a valid file is loaded",
                lambda: f"{delivery.status}: {delivery.reason}",
            )
            require(
                delivery.rows == expected_rows,
                "a valid file loads every row",
                lambda: f"{delivery.rows} rows loaded, {expected_rows} in the file",
            )
        return delivery.status
    finally:
        shutil.rmtree(ledger_dir, ignore_errors=True)


# -- targets ----------------------------------------------------------------------------------------


class CsvTarget:
    """A fuzz target: one source's extracts through ``ingest_file``."""

    timeout = 60.0
    source: str
    region = REGION
    file_name = "extract.csv"

    def __init__(self) -> None:
        self.workspace: Workspace | None = None

    @property
    def name(self) -> str:
        return self.source

    def deliver_reference(self, settings: Any) -> None:
        deliver_organisation(settings)

    def setup(self, workdir: Path) -> None:
        self.workspace = Workspace(workdir, self.source, self.region)
        self.workspace.prepare(self.deliver_reference)

    def strategy(self) -> st.SearchStrategy:
        raise NotImplementedError

    def check(self, example: CsvCase) -> str:
        if self.workspace is None:
            self.setup(Path(tempfile.mkdtemp(prefix=f"fuzz-{self.name}-")))
        assert self.workspace is not None
        return self.workspace.check(example.data, example.name, example.expected_rows)

    def size(self, example: CsvCase) -> int:
        return len(example.data)

    def reproducer(self, example: CsvCase) -> bytes:
        return example.data

    def describe(self, example: CsvCase) -> str:
        return example.describe()


class SickLeaveTarget(CsvTarget):
    source = "hr_sick_leave"
    file_name = "sjukfranvaro.csv"

    def strategy(self) -> st.SearchStrategy:
        return csv_cases(SICK_HEADER, sick_leave_rows(), self.file_name)


class BudgetTarget(CsvTarget):
    source = "finance_budget"
    file_name = "budget.csv"

    def strategy(self) -> st.SearchStrategy:
        return csv_cases(BUDGET_HEADER, budget_rows(), self.file_name)


class BoardingsTarget(CsvTarget):
    source = "ridership_boardings"
    region = "0006"
    file_name = "pastigande_{:04d}-{:02d}.csv".format(*BOARDINGS_MONTH)

    def deliver_reference(self, settings: Any) -> None:
        deliver_gtfs(settings)

    def strategy(self) -> st.SearchStrategy:
        return csv_cases(COUNT_HEADER, boarding_rows(), self.file_name)


#: SIE 4 ledgers through ingest: accounts of the plan, Ansvar units of the organisation, amounts
#: the warehouse can sum, dates when the units are valid.
SIE_LEDGER = Profile(
    accounts=ACCOUNTS,
    units=UNITS,
    max_cents=10**11,
    dates=(dt.date(2011, 1, 1), dt.date(2025, 12, 31)),
    require_ansvar=True,
    one_year=True,
)


@st.composite
def sie_ledger_cases(draw: st.DrawFn) -> CsvCase:
    case: SieCase = draw(sie_cases(SIE_LEDGER, long_line=100_000))
    expected = None
    if case.exact and case.vouchers is not None:
        expected = sum(len(v.transactions) for v in case.vouchers)
        if expected == 0:
            expected = None  # a file of no vouchers: no rows, no period (quarantined or loaded empty)
    return CsvCase(case.data, "huvudbok.se", expected, case.mutations)


class SieLedgerTarget(CsvTarget):
    """``sie_ingest``: SIE 4 ledgers through ``ingest_file`` (source ``finance_ledger``)."""

    source = "finance_ledger"

    @property
    def name(self) -> str:
        return "sie_ingest"

    def strategy(self) -> st.SearchStrategy:
        return sie_ledger_cases()


TARGETS: dict[str, type[CsvTarget]] = {
    "sie_ingest": SieLedgerTarget,
    "hr_sick_leave": SickLeaveTarget,
    "finance_budget": BudgetTarget,
    "ridership_boardings": BoardingsTarget,
}
