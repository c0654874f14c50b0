"""What the ridership extracts share: the delivery period named in the file name, and seed lookups.

Ridership systems deliver per day, month or year, and say which in the file name (``..._2020-03.csv``,
``..._2020-03-14.csv``, ``..._2020.csv``; compact ``202003`` / ``20200314`` too). Every dated row
must fall inside that period: a row outside it is a contract violation, not silently moved to
another month. A later delivery of the same period replaces the earlier one (see the extract docs).
"""

from __future__ import annotations

import calendar
import csv
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import great_expectations.expectations as gxe
import pandas as pd
import pyarrow as pa

from ingest.chunked import DEFAULT_CHUNK_ROWS
from ingest.contract import ContractViolation, Violation, normalise_header
from regionkpi.settings import Settings

_PERIOD = re.compile(
    r"(?<!\d)(?P<year>(?:19|20|21)\d{2})(?:-?(?P<month>0[1-9]|1[0-2])(?:-?(?P<day>0[1-9]|[12]\d|3[01]))?)?(?!\d)"
)


#: The delivery period every ridership raw table carries (from the file name; population: its years).
PERIOD_FIELDS = (
    pa.field("period_start", pa.date32(), nullable=False),
    pa.field("period_end", pa.date32(), nullable=False),
)


class ChunkedExtract:
    """What the ridership CSV extracts share: a chunk size (rows per GX-checked chunk), and no
    encoding of their own (ingest detects UTF-8 or Windows-1252)."""

    default_chunk_rows = DEFAULT_CHUNK_ROWS

    def __init__(self, chunk_rows: int | None = None) -> None:
        self.chunk_rows = chunk_rows or self.default_chunk_rows

    def reads_own_encoding(self, path: Path) -> bool:
        return False


@dataclass(frozen=True)
class DeliveryPeriod:
    """The days a delivery covers, from its file name: a day, a month or a year."""

    start: date
    end: date
    label: str  # 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'

    @property
    def months(self) -> set[str]:
        """The ``YYYY-MM`` codes of the months the period touches."""
        out: set[str] = set()
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            out.add(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out


def delivery_period(path: Path | str) -> DeliveryPeriod:
    """The period a delivery's file name ends with; :class:`ContractViolation` when it names none.

    The last date-like group of the file name counts (``boardings_v2_2020-03.csv`` covers March 2020).
    """
    name = Path(path).name
    stem = name.split(".", 1)[0]
    matches = list(_PERIOD.finditer(stem))
    for match in reversed(matches):
        year = int(match["year"])
        if match["day"]:
            month, day = int(match["month"]), int(match["day"])
            try:
                day_date = date(year, month, day)
            except ValueError:
                continue
            return DeliveryPeriod(day_date, day_date, f"{day_date:%Y-%m-%d}")
        if match["month"]:
            month = int(match["month"])
            last = calendar.monthrange(year, month)[1]
            return DeliveryPeriod(date(year, month, 1), date(year, month, last), f"{year:04d}-{month:02d}")
        return DeliveryPeriod(date(year, 1, 1), date(year, 12, 31), f"{year:04d}")
    raise ContractViolation(
        name,
        [
            Violation(
                "the file name must end with the period it delivers: _YYYY-MM-DD (a day), _YYYY-MM (a month) "
                "or _YYYY (a year), e.g. boardings_2020-03.csv"
            )
        ],
    )


def header_texts(path: Path, encoding: str) -> dict[str, str] | None:
    """The header row as ``{normalised: as delivered}``; None when it cannot be read (the chunked
    reader then reports why)."""
    try:
        with path.open("r", encoding=encoding, newline="") as handle:
            row = next(csv.reader(handle, delimiter=";", quotechar='"', strict=True), None)
    except (csv.Error, UnicodeDecodeError):
        return None
    if row is None:
        return None
    return {normalise_header(text): text.replace("\ufeff", "").strip() for text in row if text.strip()}


@cache
def _seed_rows(path: Path) -> tuple[dict[str, str], ...]:
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple(csv.DictReader(handle))


def seed_rows(settings: Settings, seed: str, region_id: str | None = None) -> list[dict[str, str]]:
    """Rows of ``seeds/<seed>.csv``; with ``region_id``, the region's own rows and the default (``*``) rows."""
    rows = _seed_rows(settings.dbt_project_dir / "seeds" / f"{seed}.csv")
    if region_id is None:
        return list(rows)
    return [row for row in rows if row["region_id"] in (region_id, "*")]


def traffic_area_patterns(settings: Settings, region_id: str, member_kind: str) -> list[tuple[str, re.Pattern[str]]]:
    """(traffic_area_id, compiled full-match pattern) for a region's lines or contracts."""
    return [
        (row["traffic_area_id"], re.compile(row["pattern"]))
        for row in seed_rows(settings, "traffic_area_members", region_id)
        if row["member_kind"] == member_kind
    ]


def traffic_area_of(code: str, patterns: list[tuple[str, re.Pattern[str]]]) -> str | None:
    """The traffic area whose pattern matches ``code`` in full (None when none does)."""
    return next((area for area, pattern in patterns if pattern.fullmatch(code)), None)


class FirstSeen:
    """Keys of a delivery and the line each first appeared on, kept across chunks.

    A key must be unique in the whole delivery, but GX sees one chunk at a time: this remembers the
    keys of earlier chunks so a repeat in a later chunk is found too.
    """

    def __init__(self) -> None:
        self.lines: dict[str, int] = {}

    def repeated(self, keys: pd.Series, line_no: pd.Series) -> pd.Series:
        """Per row: ``"<key> (first on line N)"`` where the key appeared before, else null.

        Missing keys are never repeats (their own rule reports them).
        """
        out = pd.Series(None, index=keys.index, dtype=object)
        present = keys.notna().to_numpy(dtype=bool)
        if not present.any():
            return out
        key = keys[present].astype(object)
        lines = line_no[present].astype("int64")
        earlier = key.map(self.lines)
        first_in_chunk = ~key.duplicated(keep="first")
        first_line = earlier.fillna(lines.groupby(key).transform("first")).astype("int64")
        is_repeat = earlier.notna() | ~first_in_chunk
        new = first_in_chunk & earlier.isna()
        self.lines.update(zip(key[new], lines[new], strict=True))
        if is_repeat.any():
            repeats = key[is_repeat]
            out[repeats.index] = repeats.astype(str) + " (first on line " + first_line[is_repeat].astype(str) + ")"
        return out


def dates_outside(dates: pd.Series, period: DeliveryPeriod) -> pd.Series:
    """The date (``YYYY-MM-DD``) where it lies outside the delivery period, else null."""
    days = pd.to_datetime(dates)
    outside = (days < pd.Timestamp(period.start)) | (days > pd.Timestamp(period.end))
    return days.dt.strftime("%Y-%m-%d").where(outside.fillna(False).astype(bool))


def months_outside(months: pd.Series, period: DeliveryPeriod) -> pd.Series:
    """The month (``YYYY-MM``) where it is not wholly inside the delivery period, else null."""
    starts = pd.to_datetime(months)
    ends = starts + pd.offsets.MonthEnd(0)
    outside = (starts < pd.Timestamp(period.start)) | (ends > pd.Timestamp(period.end))
    return starts.dt.strftime("%Y-%m").where(outside.fillna(False).astype(bool))


def outside_rule(header: str, period: DeliveryPeriod) -> str:
    return f"{header} is outside the delivery's period {period.label} (from the file name)"


def with_period(raw: pd.DataFrame, period: DeliveryPeriod) -> pd.DataFrame:
    """Add the delivery period's ``period_start`` and ``period_end`` to every row."""
    raw["period_start"] = pd.Series(pd.Timestamp(period.start), index=raw.index)
    raw["period_end"] = pd.Series(pd.Timestamp(period.end), index=raw.index)
    return raw


def required(columns: dict[str, str]) -> list[Any]:
    """``{column: header}`` -> one not-null rule per column, naming the header."""
    return [
        gxe.ExpectColumnValuesToNotBeNull(column=column, meta={"rule": f"{header} is required"})
        for column, header in columns.items()
    ]


def not_negative(columns: dict[str, str]) -> list[Any]:
    """``{column: header}`` -> one rule per column: never below zero."""
    return [
        gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0, meta={"rule": f"{header} is never negative"})
        for column, header in columns.items()
    ]


def null_unless_broken(column: str, rule: str) -> Any:
    """The rule on a derived column that holds the offending value only where ``rule`` is broken."""
    return gxe.ExpectColumnValuesToBeNull(column=column, meta={"rule": rule})
