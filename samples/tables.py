"""The sample's literal tables: CSV files next to each domain's generator, read as typed rows.

Every table is ``samples/<domain>/tables/<name>.csv``: UTF-8, ``,``-separated, a header row that names
the fields of the dataclass its rows become, in order. :func:`table` converts each cell by the field's
type, here and nowhere else:

- ``str`` as written (an empty cell is ``""``), ``int``, ``float`` (Python's own parsing, so ``0.088``
  is the same float as the literal), ``Decimal``, ``date`` (``YYYY-MM-DD``), ``datetime``
  (``YYYY-MM-DDTHH:MM``, UTC), ``bool`` (``yes`` or empty);
- ``X | None``: an empty cell is ``None``, anything else an ``X``;
- ``tuple[str, ...]``: the cell split on ``|`` (a stop list, say).

A header that does not match the dataclass, or a cell that does not convert, raises ``ValueError``
naming the file and line: a table edited by hand fails when it is read, not later.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import types
import typing
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any, Protocol, TypeVar

Row = TypeVar("Row")


class _InRegion(Protocol):
    region_id: str


Regional = TypeVar("Regional", bound=_InRegion)

#: What separates the items of a ``tuple[str, ...]`` cell.
ITEM_SEPARATOR = "|"


def table_text(domain: str, name: str) -> str:
    """The text of ``samples/<domain>/tables/<name>.csv``."""
    return resources.files("samples").joinpath(domain, "tables", f"{name}.csv").read_text(encoding="utf-8")


def table(domain: str, name: str, row_type: type[Row]) -> tuple[Row, ...]:
    """The rows of ``samples/<domain>/tables/<name>.csv`` as ``row_type`` instances, in file order."""
    return _read(domain, name, row_type)


def grouped(rows: Iterable[Row], attribute: str) -> dict[Any, list[Row]]:
    """``rows`` grouped by the value of their ``attribute``, groups and rows in the order they come."""
    groups: dict[Any, list[Row]] = {}
    for row in rows:
        groups.setdefault(getattr(row, attribute), []).append(row)
    return groups


def by_region(rows: Iterable[Regional]) -> dict[str, list[Regional]]:
    """``rows`` grouped by their ``region_id``, regions and rows in the order they come."""
    return grouped(rows, "region_id")


@cache
def _read(domain: str, name: str, row_type: type[Row]) -> tuple[Row, ...]:
    where = f"samples/{domain}/tables/{name}.csv"
    fields = dataclasses.fields(row_type)  # type: ignore[arg-type]
    hints = typing.get_type_hints(row_type)
    reader = csv.reader(io.StringIO(table_text(domain, name), newline=""))
    header = next(reader, [])
    expected = [field.name for field in fields]
    if header != expected:
        raise ValueError(f"{where}: header {header} is not the fields of {row_type.__name__}: {expected}")
    rows = []
    for line, cells in enumerate(reader, start=2):
        if len(cells) != len(fields):
            raise ValueError(f"{where}, line {line}: {len(cells)} cells, expected {len(fields)}")
        try:
            values = [_convert(cell, hints[field.name]) for cell, field in zip(cells, fields, strict=True)]
        except ValueError as error:
            raise ValueError(f"{where}, line {line}: {error}") from None
        rows.append(row_type(*values))
    return tuple(rows)


def _convert(cell: str, kind: Any) -> Any:
    """One cell as ``kind`` (see the module docstring)."""
    arguments = typing.get_args(kind)
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        (inner,) = (a for a in arguments if a is not type(None))
        return None if cell == "" else _convert(cell, inner)
    if typing.get_origin(kind) is tuple and arguments == (str, ...):
        return tuple(cell.split(ITEM_SEPARATOR)) if cell else ()
    if kind is str:
        return cell
    if kind is bool:
        if cell not in ("yes", ""):
            raise ValueError(f"{cell!r} is not 'yes' or empty")
        return cell == "yes"
    if kind in (int, float, Decimal):
        if cell == "":
            raise ValueError(f"an empty cell where a {kind.__name__} is required")
        try:
            return kind(cell)
        except (ArithmeticError, ValueError):
            raise ValueError(f"{cell!r} is not a {kind.__name__}") from None
    if kind is date:
        return date.fromisoformat(cell)
    if kind is datetime:
        return datetime.strptime(cell, "%Y-%m-%dT%H:%M").replace(tzinfo=UTC)
    raise TypeError(f"no conversion to {kind!r}")
