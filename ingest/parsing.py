"""Parsing the cells of Swedish extract files: decimal comma, grouped thousands, ISO dates, periods.

Each parser takes the raw cell text and returns a Python value or ``None`` for an empty cell, and
raises :class:`CellError` with a rule a controller can read when the text is not what the contract
says.
"""

from __future__ import annotations

import datetime as dt
import re


class CellError(ValueError):
    """A cell's text breaks the contract; ``rule`` says how, in words."""

    def __init__(self, rule: str) -> None:
        super().__init__(rule)
        self.rule = rule


_GROUPING = str.maketrans("", "", " \u00a0\u202f")
_NUMBER_COMMA = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+),\d+$|^[+-]?(\d{1,3}(\.\d{3})+|\d+)$")
_NUMBER_DOT = re.compile(r"^[+-]?\d+\.\d+$")
_PERIOD = re.compile(r"^(\d{4})(\d{2})$")


def parse_number(text: str) -> float | None:
    """Parse ``1 234,50`` / ``7,5`` / ``-3`` / ``7.5`` (decimal point only when no comma) to float."""
    value = text.strip().translate(_GROUPING).replace("\u2212", "-")
    if not value:
        return None
    if "," in value:
        if not _NUMBER_COMMA.match(value):
            raise CellError(f"'{text}' is not a number (decimal comma expected, e.g. 7,5)")
        return float(value.replace(".", "").replace(",", "."))
    if _NUMBER_DOT.match(value):
        return float(value)
    if not _NUMBER_COMMA.match(value):
        raise CellError(f"'{text}' is not a number (decimal comma expected, e.g. 7,5)")
    return float(value.replace(".", ""))


def parse_date(text: str) -> dt.date | None:
    """Parse ``YYYY-MM-DD`` or ``YYYYMMDD``."""
    value = text.strip()
    if not value:
        return None
    try:
        if len(value) == 8 and value.isdigit():
            return dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
        if len(value) == 10 and value[4] == "-" and value[7] == "-":
            return dt.date.fromisoformat(value)
    except ValueError:
        pass
    raise CellError(f"'{text}' is not a valid date (YYYY-MM-DD)")


def parse_period(text: str) -> dt.date | None:
    """Parse a ``YYYYMM`` period to the first day of that month."""
    value = text.strip().replace("-", "")
    if not value:
        return None
    match = _PERIOD.match(value)
    if not match or not 1 <= int(match.group(2)) <= 12 or not 1900 <= int(match.group(1)) <= 2100:
        raise CellError(f"'{text}' is not a valid period (YYYYMM, month 01-12)")
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def parse_text(text: str) -> str | None:
    """Trim a text cell; empty means missing. Codes stay text (``"0410"`` keeps its zero)."""
    value = text.strip()
    return value or None


def month_end(month_start: dt.date) -> dt.date:
    """Last day of the month that starts at ``month_start``."""
    following = (month_start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)
