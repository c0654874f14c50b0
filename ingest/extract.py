"""Extract files checked inside DuckDB: read, type, number by line, check every rule in SQL.

A delivered ``;``-separated file is read once by DuckDB's ``read_csv`` (UTF-8, or Windows-1252 with
the pinned ``encodings`` extension) into a temporary table, in file order. Every cell arrives as the
text the file holds (VARCHAR) and is typed by one SQL expression per kind of cell (:data:`KINDS`),
because the contract accepts the spellings Swedish systems write and DuckDB's own casts do not
(grouped amounts ``1 234,50`` and ``1.234,50``, dates ``YYYYMMDD`` beside ``YYYY-MM-DD``) while
accepting others the contract forbids (``1e3`` or ``0x1F`` as integers, a time zone silently
dropped). What DuckDB cannot read at all (a row with the wrong number of fields, a broken quote)
comes back from its reject tables (``store_rejects``) with the line, and is a violation too.

Every row keeps its physical line in the file (``line_no``; header = line 1): row *k* of the table
is the file's *k*-th record, and when every line of the file is one record, no line is blank and
none holds part of a quoted value, record *k* is line *k + 1* plus the lines DuckDB rejected before
it. Otherwise Python's ``csv`` module numbers the records (:func:`_record_lines`; it parses nothing).

A source's rules are SQL predicates over the typed rows (:class:`Rule`: true where a row breaks it)
and keys that must be unique (:class:`Unique`); each broken rule becomes located violations (file,
line, the column as the file's header spells it, the value), counted in one scan. Great
Expectations then validates what DuckDB computed, once per file (:mod:`ingest.gxcheck`).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import logging
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.contract import Violation, mask, normalise_header
from ingest.textio import with_lf_line_ends
from regionkpi.fsio import temporary_for

if TYPE_CHECKING:
    import duckdb

    from ingest.textio import FileFacts

log = logging.getLogger(__name__)

#: The most columns a header may have (a contract has at most some twenty; DuckDB's reader takes
#: minutes and gigabytes for a header of thousands of empty columns).
MAX_COLUMNS = 512
#: Offending rows reported per rule; the rest are counted in one "N more row(s)" line.
MAX_REPORTED_PER_RULE = 50
#: A reject table holds at most this many cells (a file broken on every line is reported in part).
MAX_REJECTS = 2000
#: Every whitespace character Python's ``str.strip`` removes, so trimming means what it always meant.
WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())

KINDS = ("text", "number", "integer", "period", "date", "timestamp")

_NUMBER = r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?|[+-]?\d+\.\d+"
_TIMESTAMP_SHAPE = r"\d{4}-\d{2}-\d{2} (?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d"

TIMESTAMP_RULE = "is not a valid timestamp (YYYY-MM-DD HH:MM:SS)"
INCOMPLETE_LAST_LINE_RULE = (
    "incomplete last line: the file does not end with a line end, so its last line may be cut off "
    "(an interrupted transfer?); deliver the whole file again"
)
CONTROL_RULE = "holds a control character (a NUL byte, or another below 0x20 that is not a tab or a line end)"
#: Control characters no cell may hold (a regular expression; tab and line ends inside quotes are text).
CONTROL_PATTERN = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"


def not_in_future(column: str, *, today: dt.date | None = None, header: str | None = None) -> Rule:
    """An outcome (payroll, postings) cannot lie in the future: ``column``, a month's first day, must not
    be after the month following the ingest's (one month's grace for a run made early)."""
    today = today or dt.datetime.now(dt.UTC).date()
    limit = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return Rule(
        f"the period lies in the future (after {limit:%Y-%m}): an outcome is reported after it happens",
        f"{column} > DATE '{limit.isoformat()}'",
        (column,) if header is None else (),
        header=header,
        value=f"strftime({column}, '%Y-%m')",
    )


def too_large_rule(max_decimals: int) -> str:
    largest = "9" * (18 - max_decimals)
    grouped = " ".join(largest[max(0, i - 3) : i] for i in range(len(largest), 0, -3)[::-1])
    fraction = f",{'9' * max_decimals}" if max_decimals else ""
    return f"is too large: at most {grouped}{fraction} (the warehouse keeps 18 digits)"


DATE_RULE = "is not a valid date (YYYY-MM-DD)"
PERIOD_RULE = "is not a valid period (YYYYMM, month 01-12)"
INTEGER_RULE = "is not a whole number"


def number_rule(max_decimals: int | None) -> str:
    if max_decimals is None:
        return "is not a number (decimal comma expected, e.g. 7,5)"
    return f"is not a number with at most {max_decimals} decimals (decimal comma, e.g. -1 234,50)"


@dataclass(frozen=True)
class Field:
    """One column of an extract: header as delivered, name it gets, and its kind.

    Kinds: ``text`` (trimmed, empty = missing), ``number`` (decimal comma, optional grouping by
    space, no-break space or dots; a decimal point when there is no comma), ``integer``, ``period``
    (``YYYYMM`` or ``YYYY-MM`` -> first day of the month), ``date`` (``YYYY-MM-DD`` or ``YYYYMMDD``),
    ``timestamp`` (``YYYY-MM-DD HH:MM[:SS]``, a ``T`` allowed between date and time; local time, no
    zone). ``max_decimals`` limits a number's decimals (öre: 2). ``sensitive`` cells (personal
    identifiers) are masked in every report.
    """

    header: str
    name: str
    kind: str = "text"
    required: bool = True
    max_decimals: int | None = None
    sensitive: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown field kind {self.kind!r} (one of {KINDS})")

    @property
    def sql_type(self) -> str:
        return {
            "text": "VARCHAR",
            "number": "DOUBLE",
            "integer": "BIGINT",
            "period": "DATE",
            "date": "DATE",
            "timestamp": "TIMESTAMP",
        }[self.kind]

    @property
    def cast_rule(self) -> str:
        return {
            "number": number_rule(self.max_decimals),
            "integer": INTEGER_RULE,
            "period": PERIOD_RULE,
            "date": DATE_RULE,
            "timestamp": TIMESTAMP_RULE,
        }.get(self.kind, "")


def sql_string(text: str) -> str:
    """A SQL string literal (for constants the code owns; values from files are bound parameters)."""
    return "'" + text.replace("'", "''") + "'"


def trimmed(cell: str) -> str:
    """A cell's text without surrounding whitespace; NULL when nothing is left.

    Trimming with every whitespace character costs DuckDB about a second per column of a million
    cells, so a cell whose first and last characters are printable ASCII (nearly all) is taken as it
    is, and only the others are trimmed."""
    plain = f"ascii({cell}) BETWEEN 33 AND 126 AND NOT regexp_matches({cell}, '[^!-~]$')"
    return f"(CASE WHEN {plain} THEN {cell} ELSE nullif(trim({cell}, {sql_string(WHITESPACE)}), '') END)"


def typed(cell: str, kind: str, max_decimals: int | None = None) -> tuple[str, str]:
    """(SQL of the typed value, SQL that is true where the non-empty cell breaks its kind) for ``cell``,
    an expression holding the trimmed text (NULL = empty)."""
    if kind == "text":
        return cell, "false"
    if kind == "number":
        compact = f"replace(replace(replace(replace({cell}, ' ', ''), chr(160), ''), chr(8239), ''), chr(8722), '-')"
        canonical = (
            f"(CASE WHEN contains({compact}, ',') THEN replace(replace({compact}, '.', ''), ',', '.') "
            f"WHEN length({compact}) - length(replace({compact}, '.', '')) = 1 THEN {compact} "
            f"ELSE replace({compact}, '.', '') END)"
        )
        shaped = f"regexp_full_match({compact}, {sql_string(_NUMBER)})"
        ok = shaped
        if max_decimals is not None:
            ok = (
                f"({shaped} AND (NOT contains({canonical}, '.') "
                f"OR length({canonical}) - strpos({canonical}, '.') <= {int(max_decimals)}))"
            )
        return f"(CASE WHEN {ok} THEN TRY_CAST({canonical} AS DOUBLE) END)", f"NOT coalesce({ok}, false)"
    if kind == "integer":
        ok = f"regexp_full_match({cell}, '[+-]?[0-9]{{1,9}}')"
        return f"(CASE WHEN {ok} THEN CAST({cell} AS BIGINT) END)", f"NOT {ok}"
    if kind == "period":
        digits = f"replace({cell}, '-', '')"
        ok = f"regexp_full_match({digits}, '(19|20|21)[0-9]{{2}}(0[1-9]|1[0-2])')"
        value = f"make_date(CAST(left({digits}, 4) AS INTEGER), CAST(right({digits}, 2) AS INTEGER), 1)"
        return f"(CASE WHEN {ok} THEN {value} END)", f"NOT {ok}"
    if kind == "date":
        shaped = f"regexp_full_match({cell}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}|[0-9]{{8}}')"
        value = f"CAST(try_strptime(replace({cell}, '-', ''), '%Y%m%d') AS DATE)"
        return f"(CASE WHEN {shaped} THEN {value} END)", f"NOT coalesce({shaped} AND {value} IS NOT NULL, false)"
    if kind == "timestamp":
        spaced = f"regexp_replace({cell}, 'T', ' ')"
        normal = f"(CASE WHEN length({spaced}) = 16 THEN {spaced} || ':00' ELSE {spaced} END)"
        shaped = f"regexp_full_match({normal}, {sql_string(_TIMESTAMP_SHAPE)})"
        value = f"try_strptime({normal}, '%Y-%m-%d %H:%M:%S')"
        return (
            f"(CASE WHEN {shaped} THEN CAST({value} AS TIMESTAMP) END)",
            f"NOT coalesce({shaped} AND {value} IS NOT NULL, false)",
        )
    raise ValueError(f"unknown field kind {kind!r}")


# --------------------------------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One contract rule: ``where`` is a SQL predicate over the typed rows, true where a row breaks it.

    ``columns`` are field names (the report shows their headers as the file spells them) or, with
    ``header``, the column text is given as is (rules on derived values). ``value`` is the SQL shown
    as the offending value (default: the single column's value; with several, ``Header=value`` pairs).
    """

    rule: str
    where: str
    columns: tuple[str, ...] = ()
    value: str | None = None
    header: str | None = None
    sensitive: bool = False


@dataclass(frozen=True)
class Unique:
    """A key that appears once per file. ``later`` reports the rows after a key's first line (value:
    ``value``, default ``'<key> (first on line N)'``); otherwise every row of a repeated key (value:
    ``Header=value`` pairs)."""

    rule: str
    key: tuple[str, ...]
    columns: tuple[str, ...] = ()
    header: str | None = None
    later: bool = True
    value: str | None = None
    where: str = "true"
    #: False: a key with a missing part still counts (missing parts compare equal, as in GROUP BY).
    skip_missing: bool = True


@dataclass(frozen=True)
class FileRule:
    """A rule about the whole file: ``query`` returns one row whose first value is the message of the
    broken rule, or NULL when it holds; no line."""

    query: str
    columns: tuple[str, ...] = ()
    header: str | None = None


AnyRule = Rule | Unique | FileRule


def show(value: Any) -> str:
    """A value as a report shows it: empty for missing, decimal comma for fractions."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def required(columns: dict[str, str] | tuple[str, ...], rule: str = "a value is required") -> list[Rule]:
    """One not-null rule per column; ``{column: header}`` names the header in the rule itself."""
    if isinstance(columns, dict):
        return [Rule(f"{header} is required", f"{column} IS NULL", (column,)) for column, header in columns.items()]
    return [Rule(rule, f"{column} IS NULL", (column,)) for column in columns]


def not_negative(columns: dict[str, str]) -> list[Rule]:
    """``{column: header}`` -> one rule per column: never below zero."""
    return [Rule(f"{header} is never negative", f"{column} < 0", (column,)) for column, header in columns.items()]


def month_code(column: str) -> str:
    """SQL: the ``'YYYY-MM'`` of a date column."""
    return f"strftime({column}, '%Y-%m')"


@dataclass
class RuleOutcome:
    """What the rules found: located violations, and the number of rows breaking each rule."""

    violations: list[Violation] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def check_rules(
    connection: duckdb.DuckDBPyConnection,
    rules: Sequence[AnyRule],
    headers: dict[str, str],
    *,
    relation: str = "rows",
    sensitive: Iterable[str] = (),
) -> RuleOutcome:
    """Evaluate ``rules`` over ``relation`` (which has ``line_no``); one scan counts every row rule."""
    outcome = RuleOutcome()
    hidden = set(sensitive)
    row_rules = [r for r in rules if isinstance(r, Rule)]
    if row_rules:
        counts = connection.execute(
            "SELECT "  # noqa: S608 - code-owned SQL; file values are bound parameters
            + ", ".join(f"count(*) FILTER (WHERE coalesce(({r.where}), false))" for r in row_rules)
            + f" FROM {relation}"
        ).fetchone()
    else:
        counts = ()
    for rule, count in zip(row_rules, counts or (), strict=True):
        outcome.counts[rule.rule] = outcome.counts.get(rule.rule, 0) + int(count)
    for rule in rules:
        if isinstance(rule, Rule):
            count = int(counts[row_rules.index(rule)]) if counts else 0
            if count:
                outcome.violations += _row_violations(connection, rule, count, headers, relation, hidden)
        elif isinstance(rule, Unique):
            found = _unique_violations(connection, rule, headers, relation, hidden)
            outcome.counts[rule.rule] = outcome.counts.get(rule.rule, 0) + found[0]
            outcome.violations += found[1]
        else:
            message = connection.execute(rule.query).fetchone()
            broken = bool(message and message[0])
            outcome.counts[_file_rule_name(rule)] = int(broken)
            if broken:
                outcome.violations.append(Violation(str(message[0]), column=_column_text(rule, headers)))
    return outcome


def _file_rule_name(rule: FileRule) -> str:
    return f"file rule on {rule.header or ', '.join(rule.columns) or 'the file'}"


def _column_text(rule: AnyRule, headers: dict[str, str]) -> str | None:
    if rule.header is not None:
        return rule.header
    return ", ".join(headers.get(c, c) for c in rule.columns) or None


def _value_columns(rule: Rule | Unique) -> list[str]:
    """The SQL selected to show a row's offending value: the rule's own, or its columns."""
    if rule.value is not None:
        return [rule.value]
    return [_ident(c) for c in rule.columns] or ["NULL"]


def _shown(rule: Rule | Unique, values: Sequence[Any], headers: dict[str, str], hidden: set[str]) -> str:
    """The value a report shows: one value as it is, several as ``Header=value`` pairs; personal
    identifiers masked column by column."""
    sensitive = getattr(rule, "sensitive", False)
    if rule.value is not None or len(rule.columns) <= 1:
        secret = sensitive or bool(hidden & set(rule.columns))
        return _masked(values[0], secret)
    return "; ".join(
        f"{headers.get(c, c)}={_masked(v, sensitive or c in hidden)}" for c, v in zip(rule.columns, values, strict=True)
    )


def _masked(value: Any, sensitive: bool) -> str:
    text = show(value)
    return mask(text) if sensitive else text


def _row_violations(
    connection: duckdb.DuckDBPyConnection,
    rule: Rule,
    count: int,
    headers: dict[str, str],
    relation: str,
    hidden: set[str],
) -> list[Violation]:
    column = _column_text(rule, headers)
    rows = connection.execute(
        f"SELECT line_no, {', '.join(_value_columns(rule))} FROM {relation} WHERE coalesce(({rule.where}), false) "  # noqa: S608 - code-owned SQL; file values are bound parameters
        f"ORDER BY line_no LIMIT {MAX_REPORTED_PER_RULE}"
    ).fetchall()
    violations = [
        Violation(rule.rule, line=int(row[0]), column=column, value=_shown(rule, row[1:], headers, hidden))
        for row in rows
    ]
    if count > len(rows):
        violations.append(Violation(f"{rule.rule}: {count - len(rows)} more row(s)", column=column))
    return violations


def _unique_violations(
    connection: duckdb.DuckDBPyConnection,
    rule: Unique,
    headers: dict[str, str],
    relation: str,
    hidden: set[str],
) -> tuple[int, list[Violation]]:
    """Rows whose key repeats: a cheap grouped count first, the rows only when some key repeats."""
    key = ", ".join(rule.key)
    present = " AND ".join(f"({part}) IS NOT NULL" for part in rule.key) if rule.skip_missing else "true"
    scope = f"FROM {relation} WHERE {present} AND ({rule.where})"
    repeated = connection.execute(
        f"SELECT count(*) FROM (SELECT 1 {scope} GROUP BY {key} HAVING count(*) > 1)"  # noqa: S608 - code-owned SQL; file values are bound parameters
    ).fetchone()[0]
    if not repeated:
        return 0, []
    column = _column_text(rule, headers)
    joined = " || ' ' || ".join(f"coalesce(CAST(({part}) AS VARCHAR), '')" for part in rule.key)
    if rule.later:
        values = [rule.value or f"{joined} || ' (first on line ' || CAST(first_line AS VARCHAR) || ')'"]
        keep = "line_no > first_line"
        shown = rule if rule.value is not None else Unique(rule.rule, rule.key, value="")
    else:
        values = _value_columns(rule)
        keep = "true"
        shown = rule
    selected = ", ".join(f"{v} AS _v{i}" for i, v in enumerate(values))
    query = (
        f"SELECT line_no, {selected} FROM (SELECT *, min(line_no) OVER (PARTITION BY {key}) AS first_line, "  # noqa: S608 - code-owned SQL; file values are bound parameters
        f"count(*) OVER (PARTITION BY {key}) AS copies {scope}) WHERE copies > 1 AND {keep}"
    )
    count = connection.execute(f"SELECT count(*) FROM ({query})").fetchone()[0]  # noqa: S608 - code-owned SQL; file values are bound parameters
    rows = connection.execute(f"{query} ORDER BY line_no LIMIT {MAX_REPORTED_PER_RULE}").fetchall()
    violations = [
        Violation(rule.rule, line=int(row[0]), column=column, value=_shown(shown, row[1:], headers, hidden))
        for row in rows
    ]
    if count > len(rows):
        violations.append(Violation(f"{rule.rule}: {count - len(rows)} more row(s)", column=column))
    return int(count), violations


# --------------------------------------------------------------------------------------------------
# Reading a file into DuckDB
# --------------------------------------------------------------------------------------------------


@dataclass
class Staged:
    """A file read into the connection: view ``rows`` (typed columns, ``line_no``) and what was found.

    ``headers`` maps a present field's name to its header as delivered; ``violations`` holds the
    header, structure and cell-type violations; ``counts`` the rows breaking each of those rules.
    """

    headers: dict[str, str]
    ignored_headers: list[str]
    violations: list[Violation]
    counts: dict[str, int]
    rows: int

    def has(self, name: str) -> bool:
        return name in self.headers

    def header(self, name: str, default: str) -> str:
        return self.headers.get(name, default)


class HeaderProblem(Exception):
    """The header row breaks the contract: nothing of the file is read."""

    def __init__(self, violations: list[Violation], headers: dict[str, str], ignored: list[str]) -> None:
        super().__init__(str(violations[0]))
        self.violations = violations
        self.headers = headers
        self.ignored = ignored


def duckdb_encoding(facts: FileFacts | None, encoding: str) -> str:
    """The encoding DuckDB reads the file in.

    UTF-8 (with or without a byte-order mark) is DuckDB's own. Windows-1252 is read by the pinned
    ``encodings`` extension where the file holds a byte in 0x80-0x9F, the only bytes where it differs
    from ISO-8859-1; a file without one (Swedish text: å, ä, ö, é are the same bytes in both) is read
    by DuckDB's built-in Latin-1 decoder, which gives the same text five times faster.
    """
    if codecs.lookup(encoding).name in ("utf-8", "utf-8-sig"):
        return "utf-8"
    if codecs.lookup(encoding).name == "cp1252" and facts is not None and not facts.has_c1_bytes:
        return "latin-1"
    if codecs.lookup(encoding).name in ("iso8859-1", "latin-1"):
        return "latin-1"
    return "cp1252"


def read_header(path: Path, encoding: str) -> list[str] | None:
    """The header row's cells, when the first line is one clean record (None: empty file)."""
    codec = codecs.lookup(encoding).name
    head = b""
    with path.open("rb") as handle:
        while (end := head.find(b"\n")) < 0 and (more := handle.read(1 << 16)):
            head += more
            if len(head) > (4 << 20):
                raise _BadHeader("the header row is longer than 4 MB")
    if head.startswith(codecs.BOM_UTF8):
        head = head[len(codecs.BOM_UTF8) :]
    if not head:
        return None
    end = head.find(b"\n")
    line = head if end < 0 else head[: end + 1]
    try:
        text = line.decode(codec)
    except UnicodeDecodeError as error:
        raise _BadHeader(f"unreadable header row: {error.reason}") from error
    core = text[:-2] if text.endswith("\r\n") else text[:-1] if text.endswith(("\n", "\r")) else text
    if "\r" in core:
        raise _BadHeader("unreadable header row: a line ends in a lone carriage return (CR)")
    try:
        rows = list(csv.reader([core], delimiter=";", quotechar='"', strict=True))
    except csv.Error as error:
        raise _BadHeader(f"unreadable header row: {error}") from error
    if len(rows) != 1:
        raise _BadHeader("unreadable header row: the header must be one line")
    return rows[0]


class _BadHeader(Exception):
    pass


def match_header(
    header_row: list[str], fields: Sequence[Field], one_of: Sequence[Sequence[Sequence[str]]]
) -> tuple[dict[str, int], dict[str, str], list[str], list[Violation]]:
    """Positions and delivered headers of the contract's fields; ignored headers; header violations."""
    by_header = {normalise_header(f.header): f for f in fields}
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    ignored: list[str] = []
    violations: list[Violation] = []
    for index, raw in enumerate(header_row):
        column = by_header.get(normalise_header(raw))
        if column is None:
            if raw.strip():
                ignored.append(raw.replace("\ufeff", "").strip())
            continue
        if column.name in positions:
            violations.append(Violation(f"column '{column.header}' appears twice in the header", line=1))
        positions[column.name] = index
        headers[column.name] = raw.replace("\ufeff", "").strip()
    for column in fields:
        if column.required and column.name not in positions:
            violations.append(Violation(f"required column '{column.header}' is missing from the header", line=1))
    names = {f.name: f.header for f in fields}
    for group in one_of:
        if not any(all(name in positions for name in alternative) for alternative in group):
            described = " or ".join("+".join(names[n] for n in alternative) for alternative in group)
            violations.append(Violation(f"one of these column sets is required: {described}", line=1))
    return positions, headers, ignored, violations


def stage_csv(
    connection: duckdb.DuckDBPyConnection,
    path: Path,
    encoding: str,
    fields: Sequence[Field],
    *,
    facts: FileFacts | None = None,
    one_of: Sequence[Sequence[Sequence[str]]] = (),
    value_in_rule: bool = False,
    skip_empty_rows: bool = False,
    scratch_dir: Path | None = None,
) -> Staged:
    """Read ``path`` into table ``staged`` and view ``rows`` of ``connection``.

    ``rows`` holds every present field typed by its kind (absent optional fields as NULL), ``line_no``,
    and ``_bad_<name>`` (the cell as delivered where it breaks its kind, else NULL); empty lines are
    left out. Raises :class:`HeaderProblem` when the header breaks the contract. With
    ``value_in_rule`` a cell's broken rule quotes the cell (``'202113' is not a valid period ...``),
    as the HR contracts have always reported it; with ``skip_empty_rows`` a row whose every cell is
    empty (``;;;;``) is left out like a blank line, else it is a row whose required values are missing.
    A file whose lines end in more than one way (CR LF beside LF), which DuckDB's reader cannot read,
    is read from a copy with LF line ends, written in ``scratch_dir`` (default: the system's temporary
    folder) and removed after reading.
    """
    header_row, positions, headers, ignored = _checked_header(path, encoding, fields, one_of)
    width = len(header_row)
    stage = _staging_sql(width, positions, fields, duckdb_encoding(facts, encoding))
    connection.execute("SET preserve_insertion_order = true")
    _run_staging(connection, stage, path, facts, scratch_dir)
    read = connection.execute("SELECT count(*) FROM staged").fetchone()[0]
    rejected = _rejects(connection, width)
    lines = _line_numbering(connection, path, encoding, facts, read, rejected)
    where = " WHERE NOT staged._blank" if skip_empty_rows else ""
    connection.execute(f"CREATE OR REPLACE TEMP VIEW rows AS {lines}{where}")

    staged = Staged(headers, ignored, [], {}, 0)
    staged.violations += [v for v in rejected.violations]
    staged.counts["the row can be read as CSV"] = len(rejected.lines)
    cast_rules = _cast_rules(fields, positions, facts)
    cast = check_rules(connection, cast_rules, headers)
    if value_in_rule:
        cast.violations = [
            Violation(f"'{v.value}' {v.rule}", v.line, v.column, v.value) if v.line is not None else v
            for v in cast.violations
        ]
    staged.violations += cast.violations
    staged.counts.update(cast.counts)
    staged.rows = connection.execute("SELECT count(*) FROM rows").fetchone()[0]
    # a file cut off in transfer ends inside its last line (which DuckDB may also have rejected); not
    # said of a header alone: no row can be lost, the file is empty
    cut = facts is not None and not facts.ends_with_line_end and bool(staged.rows or rejected.lines)
    staged.counts["the file ends with a line end"] = int(cut)
    if cut:
        staged.violations.append(Violation(INCOMPLETE_LAST_LINE_RULE, line=facts.content_lines))
    return staged


def _checked_header(
    path: Path, encoding: str, fields: Sequence[Field], one_of: Sequence[Sequence[Sequence[str]]]
) -> tuple[list[str], dict[str, int], dict[str, str], list[str]]:
    """(the header row, each present field's position, the headers as delivered, the ignored columns);
    raises :class:`HeaderProblem` when the header breaks the contract."""
    try:
        header_row = read_header(path, encoding)
    except _BadHeader as error:
        raise HeaderProblem([Violation(str(error), line=1)], {}, []) from error
    if header_row is None:
        raise HeaderProblem([Violation("the file is empty (a header row is required)", line=1)], {}, [])
    if len(header_row) > MAX_COLUMNS:  # DuckDB's reader needs minutes and gigabytes for thousands
        raise HeaderProblem(
            [Violation(f"the header has {len(header_row)} columns; an extract has at most {MAX_COLUMNS}", line=1)],
            {},
            [],
        )
    positions, headers, ignored, violations = match_header(header_row, fields, one_of)
    if violations:
        raise HeaderProblem(violations, headers, ignored)
    return header_row, positions, headers, ignored


def _staging_sql(width: int, positions: dict[str, int], fields: Sequence[Field], encoding: str) -> str:
    """The statement creating table ``staged``: every cell read as text, each field typed by its kind,
    ``_bad_<name>`` where a cell breaks its kind, and ``_blank`` for a row of empty cells."""
    names = [f"c{i}" for i in range(width)]
    columns = "{" + ", ".join(f"{sql_string(n)}: 'VARCHAR'" for n in names) + "}"
    selects: list[str] = []
    wanted = {positions[f.name] for f in fields if f.name in positions}
    bad: list[str] = []
    for f in fields:
        if f.name not in positions:
            selects.append(f"CAST(NULL AS {f.sql_type}) AS {_ident(f.name)}")
            continue
        position = positions[f.name]
        value, _ = typed(f"_t{position}", f.kind, f.max_decimals)
        selects.append(f"{value} AS {_ident(f.name)}")
        if f.kind != "text":  # a typed value is NULL exactly where a non-empty cell breaks its kind
            selects.append(f"_t{position}")
            selects.append(f"c{position}")
            bad.append(
                f"CASE WHEN _t{position} IS NOT NULL AND {_ident(f.name)} IS NULL THEN c{position} END AS _bad_{f.name}"
            )
    blank = " AND ".join(f"_t{i} IS NULL" if i in wanted else f"{trimmed(f'c{i}')} IS NULL" for i in range(width))
    selects.append(f"({blank}) AS _blank")
    texts = ", ".join(f"{trimmed(f'c{i}')} AS _t{i}" for i in sorted(wanted))
    keep = [_ident(f.name) for f in fields] + ["_blank"]
    source = (
        f"read_csv(?, encoding = {sql_string(encoding)}, delim = ';', quote = '\"', "
        f"escape = '\"', header = true, auto_detect = false, columns = {columns}, strict_mode = true, "
        f"null_padding = false, store_rejects = true, rejects_table = 'rk_reject_errors', "
        f"rejects_scan = 'rk_reject_scans', rejects_limit = {MAX_REJECTS})"
    )
    stage = (
        f"CREATE OR REPLACE TEMP TABLE staged AS SELECT {', '.join([*keep, *bad])} "  # noqa: S608 - code-owned SQL; file values are bound parameters
        f"FROM (SELECT {', '.join(dict.fromkeys(selects))} FROM (SELECT *, {texts} FROM {source}))"
    )
    return stage


def _run_staging(
    connection: duckdb.DuckDBPyConnection, stage: str, path: Path, facts: FileFacts | None, scratch_dir: Path | None
) -> None:
    try:
        connection.execute(stage, [str(path)])
    except Exception as error:  # DuckDB's reader takes one line end per file
        if facts is None or not facts.mixed_line_ends or "state machine" not in str(error):
            raise
        scratch = scratch_dir or Path(tempfile.gettempdir())
        scratch.mkdir(parents=True, exist_ok=True)
        copy = with_lf_line_ends(path, temporary_for(scratch / path.name))
        try:
            connection.execute(stage, [str(copy)])
        finally:
            copy.unlink(missing_ok=True)


def _cast_rules(fields: Sequence[Field], positions: dict[str, int], facts: FileFacts | None) -> list[Rule]:
    """The rules on the cells as read: each kind, the size of a number, and no control bytes in text."""
    cast_rules = [
        Rule(f.cast_rule, f"_bad_{f.name} IS NOT NULL", (f.name,), value=f"_bad_{f.name}", sensitive=f.sensitive)
        for f in fields
        if f.kind != "text" and f.name in positions
    ]
    cast_rules += [
        Rule(
            too_large_rule(f.max_decimals),
            f"abs({_ident(f.name)}) >= {10 ** (18 - f.max_decimals)}",
            (f.name,),
            sensitive=f.sensitive,
        )
        for f in fields
        if f.kind == "number" and f.max_decimals is not None and f.name in positions
    ]
    if facts is not None and facts.has_control_bytes:  # a cell of a typed kind breaks its kind anyway
        cast_rules += [
            Rule(
                CONTROL_RULE,
                f"regexp_matches({_ident(f.name)}, {sql_string(CONTROL_PATTERN)})",
                (f.name,),
                value=f"regexp_replace({_ident(f.name)}, {sql_string(CONTROL_PATTERN)}, '�', 'g')",
                sensitive=f.sensitive,
            )
            for f in fields
            if f.kind == "text" and f.name in positions
        ]
    return cast_rules


@dataclass
class _Rejected:
    lines: list[int]  # every line DuckDB rejected (a record it could not read), sorted
    violations: list[Violation]


def _rejects(connection: duckdb.DuckDBPyConnection, width: int) -> _Rejected:
    """DuckDB's rejected records as violations; a line of blanks only is no violation (a blank line)."""
    rows = connection.execute(
        "SELECT line, min(error_type), list(error_message), any_value(csv_line) "
        "FROM rk_reject_errors GROUP BY line ORDER BY line"
    ).fetchall()
    lines, violations = [], []
    for line, error_type, messages, text in rows:
        lines.append(int(line))
        if error_type == "MISSING COLUMNS" and not (text or "").strip(WHITESPACE + ";"):
            continue
        # a short row gets one error per missing column, each counting the fields found so far
        counts = [int(m.group(1)) for m in (re.search(r"Found: (\d+)", text or "") for text in messages) if m]
        message = messages[0] if messages else ""
        found = re.search(r"(\d+)", str(min(counts))) if counts else None
        if error_type in ("MISSING COLUMNS", "TOO MANY COLUMNS") and found:
            violations.append(Violation(f"row has {found.group(1)} fields, the header has {width}", line=int(line)))
        elif error_type == "UNQUOTED VALUE":
            violations.append(
                Violation(
                    "unreadable CSV: a quoted value is not closed, or a quote inside it is not doubled",
                    line=int(line),
                )
            )
        elif error_type == "LINE SIZE OVER MAXIMUM":
            violations.append(Violation("unreadable CSV: the line is longer than DuckDB's maximum", line=int(line)))
        else:
            violations.append(Violation(f"unreadable CSV: {message}", line=int(line)))
    return _Rejected(lines, violations)


def _line_numbering(
    connection: duckdb.DuckDBPyConnection,
    path: Path,
    encoding: str,
    facts: FileFacts | None,
    read: int,
    rejected: _Rejected,
) -> str:
    """The SELECT giving every staged row its physical line (``line_no``)."""
    regular = (
        facts is not None and facts.lone_carriage_returns == 0 and read + len(rejected.lines) == facts.content_lines - 1
    )
    if regular and not rejected.lines:
        return "SELECT staged.*, CAST(staged.rowid + 2 AS INTEGER) AS line_no FROM staged"
    if regular:
        # good row k sits on line k + 2, plus one for every rejected line before it
        shifts = {}  # rows before a rejected line -> rejected lines so far (the last of equal keys wins)
        for index, line in enumerate(rejected.lines):
            shifts[line - 2 - index] = index + 1
        shifts = list(shifts.items())
        connection.execute("CREATE OR REPLACE TEMP TABLE _line_shift (from_row BIGINT, shift INTEGER)")
        connection.executemany("INSERT INTO _line_shift VALUES (?, ?)", shifts)
        return (
            "SELECT staged.*, CAST(staged.rowid + 2 + coalesce(_line_shift.shift, 0) AS INTEGER) AS line_no "
            "FROM staged ASOF LEFT JOIN _line_shift ON staged.rowid >= _line_shift.from_row"
        )
    starts = [line for line in _record_lines(path, encoding) if line not in set(rejected.lines)]
    if len(starts) != read:
        log.warning(
            "%s: DuckDB read %d records, Python's csv module %d: lines of later violations may be approximate",
            path.name,
            read,
            len(starts),
        )
        starts = (starts + list(range(starts[-1] + 1 if starts else 2, read + 2)))[:read]
    connection.execute("CREATE OR REPLACE TEMP TABLE _lines (row_index BIGINT, line INTEGER)")
    import pyarrow as pa

    connection.register("_lines_arrow", pa.table({"row_index": pa.array(range(read), pa.int64()), "line": starts}))
    connection.execute("INSERT INTO _lines SELECT * FROM _lines_arrow")
    connection.unregister("_lines_arrow")
    return "SELECT staged.*, _lines.line AS line_no FROM staged JOIN _lines ON _lines.row_index = staged.rowid"


def _record_lines(path: Path, encoding: str) -> list[int]:
    """The line each non-blank record starts on, as Python's csv module reads the file (header = 1).

    Only for files whose lines are not one record each (blank lines inside, values spanning lines);
    DuckDB has typed the cells already. A record the module cannot read ends the numbering.
    """
    starts: list[int] = []
    with path.open("r", encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=";", quotechar='"', strict=True)
        previous = 0
        try:
            for index, row in enumerate(reader):
                start = previous + 1
                previous = reader.line_num
                if index == 0:
                    continue
                if row:  # an empty line is no record; a line of blanks is one (DuckDB rejects it)
                    starts.append(start)
        except csv.Error:
            pass
    return starts
