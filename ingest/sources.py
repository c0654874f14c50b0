"""What every source provides, the CSV source every contract builds on, and the registry of sources.

A source is a small package in ``ingest/<domain>/``: its extract contract (columns, rules), its raw
columns, and how a delivered file becomes raw rows. Ingest hands a source a :class:`Delivered` file
and a DuckDB connection; the source stages the file in DuckDB, checks its contract (raising
:class:`ingest.contract.ContractViolation` with every broken rule) and returns a :class:`Checked`:
the SQL that selects its raw rows, which ingest writes as Parquet with DuckDB's ``COPY``.

A CSV extract is a :class:`CsvSource`: its fields and a :meth:`CsvSource.plan` of derived columns,
rules (SQL predicates), raw columns, periods and the measure its GX profile sums per period. The
landing area has one folder per source name; sources are ingested in dependency order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from ingest.contract import ContractViolation, NoDataRows, Violation
from ingest.extract import AnyRule, Field, HeaderProblem, Staged, check_rules, sql_string, stage_csv
from regionkpi.fsio import replace_atomically

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

    from ingest.textio import FileFacts
    from regionkpi.settings import Settings


@dataclass(frozen=True)
class RawColumn:
    """A column of a raw table: name, DuckDB type, and whether every row has a value."""

    name: str
    type: str
    nullable: bool = True


#: The delivery columns every raw table carries (region first, the rest after the source's own).
REGION_COLUMN = RawColumn("region_id", "VARCHAR", nullable=False)
DELIVERY_COLUMNS = (
    RawColumn("source_line", "INTEGER", nullable=False),
    RawColumn("_delivery_seq", "BIGINT", nullable=False),
    RawColumn("_delivery_id", "VARCHAR", nullable=False),
    RawColumn("_source_file", "VARCHAR", nullable=False),
    RawColumn("_ingested_at", "TIMESTAMP", nullable=False),
)


@dataclass
class Delivered:
    """One delivered file on its way in: where it lies, what the first pass learned, its region."""

    path: Path
    encoding: str
    facts: FileFacts | None
    region_id: str
    settings: Settings
    connection: duckdb.DuckDBPyConnection


@dataclass
class Checked:
    """A file that met its contract: ``select`` returns its raw rows (the source's columns and
    ``source_line``) from the delivery's DuckDB connection."""

    select: str
    periods: list[str]
    ignored_headers: list[str] = field(default_factory=list)


class Source(Protocol):
    name: str
    depends_on: tuple[str, ...]
    contract_doc: str
    schema: tuple[RawColumn, ...]  # the source's own raw columns (the delivery columns are added by ingest)

    def check(self, delivered: Delivered) -> Checked:
        """Stage and contract-check the file; raise :class:`ContractViolation` if it is broken."""
        ...

    def reads_own_encoding(self, path: Path) -> bool:
        """True when the file names its own encoding (SIE 4: codepage 437), so a failed UTF-8 or
        Windows-1252 detection is no error."""
        ...


@dataclass
class Plan:
    """How a staged CSV file is checked and what of it is loaded (all SQL over view ``checked``).

    ``derived`` adds columns to the staged rows (later ones may use earlier ones); ``rules`` are the
    contract's rules; ``raw`` maps every raw column to its SQL (a missing entry selects the column of
    the same name); ``periods`` gives a row's ``'YYYY-MM'`` and ``measure`` what the GX profile sums
    per period; ``allowed_periods`` bounds the periods when the delivery names its own.
    ``setup`` statements (SQL, parameters) run first: reference tables the rules join.
    """

    rules: list[AnyRule]
    raw: dict[str, str] = field(default_factory=dict)
    derived: dict[str, str] = field(default_factory=dict)
    periods: str | None = None
    measure: str | None = None
    allowed_periods: set[str] | None = None
    setup: list[tuple[str, list[Any]]] = field(default_factory=list)
    sensitive: set[str] = field(default_factory=set)


class CsvSource:
    """A ``;``-separated extract checked in DuckDB. Subclasses give ``name``, ``contract_doc``,
    ``schema``, ``fields`` (and ``one_of``) and :meth:`plan`; :meth:`before` may name violations
    found before the file is read (a file name without its period)."""

    name: ClassVar[str]
    depends_on: ClassVar[tuple[str, ...]] = ()
    contract_doc: ClassVar[str]
    schema: ClassVar[tuple[RawColumn, ...]]
    fields: ClassVar[Sequence[Field]]
    one_of: ClassVar[Sequence[Sequence[Sequence[str]]]] = ()
    #: Whether a cell's broken rule quotes the cell (the HR contracts' reports always have).
    value_in_rule: ClassVar[bool] = False
    #: Whether a row of empty cells only (``;;;;``) is left out like an empty line (the HR contracts).
    skip_empty_rows: ClassVar[bool] = False

    def reads_own_encoding(self, path: Path) -> bool:
        return False

    def fields_for(self, delivered: Delivered) -> Sequence[Field]:
        """The fields of this delivery (a source with several layouts picks one from the header)."""
        return self.fields

    def before(self, delivered: Delivered) -> list[Violation]:
        return []

    def plan(self, delivered: Delivered, staged: Staged) -> Plan:
        raise NotImplementedError

    def check(self, delivered: Delivered) -> Checked:
        connection = delivered.connection
        early = self.before(delivered)
        if early:
            raise ContractViolation(delivered.path.name, early)
        fields = self.fields_for(delivered)
        try:
            staged = stage_csv(
                connection,
                delivered.path,
                delivered.encoding,
                fields,
                facts=delivered.facts,
                one_of=self.one_of,
                value_in_rule=self.value_in_rule,
                skip_empty_rows=self.skip_empty_rows,
                scratch_dir=delivered.settings.warehouse_dir / "tmp",
            )
        except HeaderProblem as problem:
            raise ContractViolation(delivered.path.name, problem.violations) from None
        if staged.rows == 0:
            if staged.violations:
                raise ContractViolation(delivered.path.name, staged.violations)
            raise NoDataRows(delivered.path.name)
        plan = self.plan(delivered, staged)
        return run_plan(self, delivered, staged, plan, fields)


def run_plan(source: Any, delivered: Delivered, staged: Staged, plan: Plan, fields: Sequence[Field]) -> Checked:
    """Apply ``plan`` to the staged rows: derive, check every rule, validate the profile with GX, and
    return the raw select (or raise :class:`ContractViolation` with everything found)."""
    from ingest.gxcheck import PeriodProfile, validate_profile

    connection = delivered.connection
    for statement, parameters in plan.setup:
        connection.execute(statement, parameters)
    connection.execute(f"CREATE OR REPLACE TEMP VIEW checked AS {derive('rows', plan.derived, connection)}")
    sensitive = plan.sensitive | {f.name for f in fields if f.sensitive}
    outcome = check_rules(connection, plan.rules, staged.headers, relation="checked", sensitive=sensitive)
    violations = [*staged.violations, *outcome.violations]
    profile: list[PeriodProfile] = []
    if plan.periods:
        measure = plan.measure or "NULL"
        profile = [
            PeriodProfile(period, int(rows), None if total is None else float(total))
            for period, rows, total in connection.execute(
                f"SELECT period, count(*), sum(CAST(({measure}) AS DOUBLE)) FROM (SELECT ({plan.periods}) AS period, "  # noqa: S608 - code-owned SQL; file values are bound parameters
                f"* FROM checked) WHERE period IS NOT NULL GROUP BY period ORDER BY period"
            ).fetchall()
        ]
    failures = validate_profile(
        source.name, {**staged.counts, **outcome.counts}, profile, allowed_periods=plan.allowed_periods
    )
    if failures and not violations:  # GX saw what the located rules did not: say so, never load
        violations = [Violation(f"the file's profile breaks its GX suite: {text}") for text in failures]
    if violations:
        raise ContractViolation(delivered.path.name, violations)
    names = [c.name for c in source.schema]
    columns = ", ".join(f"{plan.raw.get(name, _quoted(name))} AS {_quoted(name)}" for name in names)
    return Checked(
        select=f"SELECT {columns}, line_no AS source_line FROM checked",  # noqa: S608 - code-owned SQL; file values are bound parameters
        periods=[p.period for p in profile],
        ignored_headers=staged.ignored_headers,
    )


def derive(relation: str, derived: dict[str, str], connection: duckdb.DuckDBPyConnection) -> str:
    """A SELECT adding (or replacing) the ``derived`` columns to ``relation``, one layer per column so
    that each may use the ones before it."""
    columns = {d[0] for d in connection.execute(f"SELECT * FROM {relation} LIMIT 0").description}  # noqa: S608 - code-owned SQL; file values are bound parameters
    query = f"SELECT * FROM {relation}"  # noqa: S608 - code-owned SQL; file values are bound parameters
    for name, sql in derived.items():
        if name in columns:
            query = f"SELECT * REPLACE (({sql}) AS {_quoted(name)}) FROM ({query})"  # noqa: S608 - code-owned SQL; file values are bound parameters
        else:
            query = f"SELECT *, ({sql}) AS {_quoted(name)} FROM ({query})"  # noqa: S608 - code-owned SQL; file values are bound parameters
            columns.add(name)
    return query


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def in_values(expression: str, values: Sequence[str]) -> str:
    """SQL: ``expression IN (...)`` over code-owned constants (seed values, allowed lists)."""
    if not values:
        return "false"
    return f"{expression} IN ({', '.join(sql_string(v) for v in values)})"


def raw_columns(source: Source) -> tuple[RawColumn, ...]:
    """Every column of the source's raw table, in file order."""
    return (REGION_COLUMN, *source.schema, *DELIVERY_COLUMNS)


_ARROW_TYPES = {
    "VARCHAR": "string",
    "DATE": "date32",
    "DOUBLE": "float64",
    "INTEGER": "int32",
    "BIGINT": "int64",
    "TIMESTAMP": "timestamp",
    "BOOLEAN": "bool_",
}


def arrow_schema(columns: Sequence[RawColumn]) -> pa.Schema:
    """The raw columns as an Arrow schema (tests and fixtures write raw files with pyarrow)."""
    import pyarrow as pa

    def arrow_type(name: str) -> pa.DataType:
        if name == "TIMESTAMP":
            return pa.timestamp("us")
        return getattr(pa, _ARROW_TYPES[name])()

    return pa.schema([pa.field(c.name, arrow_type(c.type), nullable=c.nullable) for c in columns])


def raw_schema(source: Source) -> pa.Schema:
    """The source's raw table as an Arrow schema (region, its own columns, the delivery columns)."""
    return arrow_schema(raw_columns(source))


def write_empty_schema(target: Path, schema: pa.Schema) -> Path:
    """Write a zero-row Parquet file with ``schema`` at ``target`` (atomically), unless it is there: the
    schema file a source's glob matches before anything is delivered (docs/raw_layer.md)."""
    import pyarrow.parquet as pq

    if target.exists() and pq.read_schema(target).equals(schema):
        return target
    replace_atomically(target, lambda temporary: pq.write_table(schema.empty_table(), temporary))
    return target
