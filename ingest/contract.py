"""Extract contracts: what a broken rule is, and how a report names it.

A contract is declared once per source (its fields and rules, :mod:`ingest.extract`); every broken
rule becomes a :class:`Violation` that names the line, the column (as the file's header spells it),
the rule and the offending value (personal identifiers masked). Any violation rejects the whole file
(:class:`ContractViolation`): nothing of it is loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


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


def normalise_header(text: str) -> str:
    """Header text as matched: BOM and outer blanks removed, case-folded, inner blanks collapsed."""
    return " ".join(text.replace("\ufeff", "").strip().lower().split())


class NoDataRows(Exception):
    """The file meets its contract but holds no data rows (a header only): recorded as ``empty``,
    archived, and nothing of the raw layer is replaced."""

    def __init__(self, file_name: str) -> None:
        self.file_name = file_name
        super().__init__(f"{file_name}: a header and no data rows")
