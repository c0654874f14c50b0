"""Extract contracts: parse a delivered CSV cell by cell, then check it with a GX suite.

A contract is declared once per source (its columns, how each cell parses, its GX expectations);
this module turns a file into a typed DataFrame with the file's line numbers, and turns every broken
rule into a :class:`Violation` that names the file, the line, the column (as the file's header spells
it) and the rule. Any violation rejects the whole file: nothing of it is loaded.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ingest.parsing import CellError

MAX_REPORTED_PER_RULE = 50


@dataclass(frozen=True)
class Column:
    """One column of an extract: the header as delivered, the name it gets, how its cells parse."""

    header: str
    name: str
    parse: Callable[[str], Any]
    required: bool = True
    dtype: str = "object"
    sensitive: bool = False  # personal identifiers: never repeated in clear in a report


def mask(text: str) -> str:
    """Show a personal identifier in a report without disclosing it: keep the first 6 characters."""
    return text[:6] + "*" * max(0, len(text) - 6) if text else text


@dataclass(frozen=True)
class Violation:
    """One broken rule, located as precisely as the rule allows."""

    rule: str
    line: int | None = None
    column: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column:
            where.append(f"column {self.column}")
        text = (", ".join(where) + ": " if where else "") + self.rule
        if self.value not in (None, ""):
            text += f"  [value: {self.value}]"
        return text


class ContractViolation(Exception):
    """The file breaks its contract; ``violations`` lists every broken rule found."""

    def __init__(self, file_name: str, violations: Sequence[Violation]) -> None:
        self.file_name = file_name
        self.violations = list(violations)
        rules = sorted({v.rule for v in self.violations})
        super().__init__(
            f"{file_name}: {len(self.violations)} violation(s) of {len(rules)} rule(s); first: {self.violations[0]}"
        )


@dataclass
class ParsedExtract:
    frame: pd.DataFrame
    violations: list[Violation] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # name -> header as delivered
    ignored_headers: list[str] = field(default_factory=list)


def normalise_header(text: str) -> str:
    """Header text as matched: BOM and outer blanks removed, case-folded, inner blanks collapsed."""
    return " ".join(text.replace("\ufeff", "").strip().lower().split())


def read_extract(
    path: Path,
    encoding: str,
    columns: Sequence[Column],
    *,
    one_of: Sequence[Sequence[str]] = (),
) -> ParsedExtract:
    """Parse a ``;``-separated extract into a typed DataFrame (column ``line_no`` = line in the file).

    ``one_of`` lists alternatives of column names of which at least one complete group must be
    present (for example the spell-length split or the spell start date).
    """
    by_header = {normalise_header(c.header): c for c in columns}
    violations: list[Violation] = []
    with path.open("r", encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=";", quotechar='"', strict=True)
        try:
            header_row = next(reader)
        except StopIteration:
            return ParsedExtract(pd.DataFrame(), [Violation("the file is empty (a header row is required)", line=1)])
        except csv.Error as error:
            return ParsedExtract(pd.DataFrame(), [Violation(f"unreadable header row: {error}", line=1)])

        positions: dict[str, int] = {}
        headers: dict[str, str] = {}
        ignored: list[str] = []
        for index, raw in enumerate(header_row):
            column = by_header.get(normalise_header(raw))
            if column is None:
                if raw.strip():
                    ignored.append(raw.strip())
                continue
            if column.name in positions:
                violations.append(Violation(f"column '{column.header}' appears twice in the header", line=1))
            positions[column.name] = index
            headers[column.name] = raw.replace("\ufeff", "").strip()
        for column in columns:
            if column.required and column.name not in positions:
                violations.append(Violation(f"required column '{column.header}' is missing from the header", line=1))
        for group in one_of:
            if not any(all(name in positions for name in alternative) for alternative in _alternatives(group)):
                described = " or ".join(
                    "+".join(_header_of(columns, n) for n in alternative) for alternative in _alternatives(group)
                )
                violations.append(Violation(f"one of these column sets is required: {described}", line=1))
        if violations:
            return ParsedExtract(pd.DataFrame(), violations, headers, ignored)

        present = [c for c in columns if c.name in positions]
        values: dict[str, list[Any]] = {c.name: [] for c in present}
        values["line_no"] = []
        width = len(header_row)
        line_no = 1
        try:
            for row in reader:
                line_no = reader.line_num
                if not any(cell.strip() for cell in row):
                    continue  # blank lines carry nothing
                if len(row) != width:
                    violations.append(Violation(f"row has {len(row)} fields, the header has {width}", line=line_no))
                    continue
                values["line_no"].append(line_no)
                for column in present:
                    text = row[positions[column.name]]
                    try:
                        values[column.name].append(column.parse(text))
                    except CellError as error:
                        values[column.name].append(None)
                        shown = mask(text) if column.sensitive else text
                        violations.append(Violation(error.rule, line=line_no, column=headers[column.name], value=shown))
        except csv.Error as error:
            violations.append(Violation(f"unreadable CSV: {error}", line=reader.line_num or line_no))
    frame = pd.DataFrame({name: pd.Series(data, dtype="object") for name, data in values.items()})
    frame["line_no"] = frame["line_no"].astype("int64")
    for column in present:
        if column.dtype != "object":
            frame[column.name] = pd.to_numeric(frame[column.name], errors="coerce").astype(column.dtype)
    return ParsedExtract(frame, violations, headers, ignored)


def _alternatives(group: Sequence[Sequence[str]] | Sequence[str]) -> list[Sequence[str]]:
    return [alt if not isinstance(alt, str) else [alt] for alt in group]


def _header_of(columns: Iterable[Column], name: str) -> str:
    return next((c.header for c in columns if c.name == name), name)


def check_with_gx(
    frame: pd.DataFrame,
    suite_name: str,
    expectations: Sequence[Any],
    headers: dict[str, str],
    sensitive: Iterable[str] = (),
) -> list[Violation]:
    """Run a GX suite over the typed rows; every failed expectation becomes located violations.

    Each expectation carries ``meta={"rule": "..."}``: the sentence the report shows. Rows are
    identified by ``line_no`` so the report points at the line in the delivered file.
    """
    from expectations.runner import run_suite

    if frame.empty:
        return []
    outcome = run_suite(
        frame, suite_name, list(expectations), index_columns=["line_no"], max_rows=MAX_REPORTED_PER_RULE
    )
    hidden_columns = set(sensitive)
    violations: list[Violation] = []
    for failure in outcome.failures:
        columns = failure.column.split(", ") if failure.column else []
        header = ", ".join(headers.get(c, c) for c in columns) or None
        if failure.exception:
            violations.append(
                Violation(f"{failure.rule} (the check could not run: {failure.exception})", column=header)
            )
            continue
        if not failure.unexpected_rows:
            violations.append(Violation(failure.rule, column=header))
            continue
        for row in failure.unexpected_rows:
            row = {c: mask(_show(v)) if c in hidden_columns else v for c, v in row.items()}
            value = "; ".join(
                f"{headers.get(c, c)}={_show(row.get(c))}" if len(columns) > 1 else _show(row.get(c)) for c in columns
            )
            violations.append(Violation(failure.rule, line=int(row["line_no"]), column=header, value=value))
        hidden = (failure.unexpected_count or 0) - len(failure.unexpected_rows)
        if hidden > 0:
            violations.append(Violation(f"{failure.rule}: {hidden} more row(s)", column=header))
    return violations


def _show(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)
