"""Deterministic sample extracts for the HR domain: organisation trees and payroll sick-leave files.

Three regions (0013 Region Halland, 0017 Region Värmland, 0006 Region Jönköpings län), every month
from 2019-01 to 2023-12, written as the regions would deliver them to ``landing/`` (contracts in
``docs/extracts/organisation.md`` and ``docs/extracts/hr_sick_leave.md``).

How the data is made:

1. Each region has an organisation tree (region, nämnd/styrelse, förvaltning, område/avdelning,
   enhet; ``tables/organisation.csv``) with history: units are renamed and moved on the first of a
   month (``tables/organisation_changes.csv``).
2. A month-by-month staffing simulation fills every unit's positions (seats): people leave
   (turnover, retirement at 65-67), vacancies are refilled after a lag. Department heads sit on the
   department itself; everyone else on an enhet.
3. Every statutory employee (monthly paid, hourly with a schedule) gets sick spells (short, medium
   and long, with seasonality and personal frailty); hours are 8 h per Mon-Fri weekday times the
   employment rate, sick hours per spell day band (1-14, 15-59, 60-).
4. The figures the regions printed (``published_figures.csv``, domain hr, scenario actual) are then
   calibrated by scaling the relevant hours inside exactly the affected windows, under the
   definitions of ``docs/published_kpi_table.md`` (ratios of sums, hierarchy as valid each month,
   statutory population only). Leavers and the average headcount of Region Halland's Regionkontoret
   in January-April 2021 are calibrated through the simulation and the leavers' last days.
5. The files carry realistic flaws: late corrections (a month re-delivered, latest delivery wins),
   one broken file that ingest must quarantine, an organisation extract delivered twice unchanged,
   three encodings, quoting, CRLF line ends, an unknown extra column.

Everything is driven by fixed seeds: the same call writes byte-identical files with the same
modification times (the delivery timestamps, so that sorting by (mtime, name) gives delivery order;
the names start with the timestamp and sort the same way).
"""

from __future__ import annotations

import calendar
import os
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from samples.tables import by_region, table

SEED = 20190597

REGION_NAMES: dict[str, str] = {
    "0013": "Region Halland",
    "0017": "Region Värmland",
    "0006": "Region Jönköpings län",
}
FIRST_MONTH = "2019-01"
LAST_MONTH = "2023-12"

#: (region_id, organisation as named in published_figures.csv) -> unit code of that node in the sample.
FIGURE_ORGANISATIONS: dict[tuple[str, str], str] = {
    ("0013", "Regionkontoret"): "0100",
    ("0017", "Regionledningskontoret (Regionstyrelsen)"): "11100",
    ("0017", "Region Värmland (hela regionen)"): "10000",
    ("0006", "Länstrafiken"): "062100",
    ("0006", "Regionledningskontor med verksamhetsnära funktion"): "061100",
}

#: Python codec each region's files are written in.
ENCODINGS: dict[str, str] = {"0013": "cp1252", "0017": "utf-8-sig", "0006": "utf-8"}

EMPLOYMENT_TYPES = ("Månadsavlönad", "Timavlönad med schema", "Timavlönad utan schema", "Uppdragstagare")
STATUTORY_TYPES = frozenset(EMPLOYMENT_TYPES[:2])

ORGANISATION_HEADER = ("Enhetskod", "Enhetsnamn", "Överordnad enhet", "Nivå", "Giltig från", "Giltig till")

# --------------------------------------------------------------------------------------------------
# Calendar helpers
# --------------------------------------------------------------------------------------------------

_Y0 = 2019
N_MONTHS = 60
_LAST_DAY = date(2023, 12, 31)
_SPELLS_FROM = date(2018, 7, 1)
_CAL_BASE = date(2018, 1, 1).toordinal()
_CAL_END = date(2024, 12, 31).toordinal()
_CUM_WEEKDAYS = [0]
for _ordinal in range(_CAL_BASE, _CAL_END + 1):
    _CUM_WEEKDAYS.append(_CUM_WEEKDAYS[-1] + (date.fromordinal(_ordinal).weekday() < 5))


def _weekdays(first: int, last: int) -> int:
    """Mon-Fri days in [first, last] (date ordinals, inclusive)."""
    first = max(first, _CAL_BASE)
    last = min(last, _CAL_END)
    if last < first:
        return 0
    return _CUM_WEEKDAYS[last - _CAL_BASE + 1] - _CUM_WEEKDAYS[first - _CAL_BASE]


def _month_start(index: int) -> date:
    return date(_Y0 + index // 12, index % 12 + 1, 1)


def _month_end(index: int) -> date:
    year, month = _Y0 + index // 12, index % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def _month_index(day: date) -> int:
    return (day.year - _Y0) * 12 + day.month - 1


def _period(index: int) -> str:
    return f"{_Y0 + index // 12}{index % 12 + 1:02d}"


def _window(first: str, last: str) -> range:
    """Month indexes of 'YYYY-MM'..'YYYY-MM' inclusive."""

    def idx(text: str) -> int:
        return (int(text[:4]) - _Y0) * 12 + int(text[5:7]) - 1

    return range(idx(first), idx(last) + 1)


def full_time_hours(first: str, last: str) -> float:
    """8 h times the Mon-Fri weekdays of the months 'YYYY-MM'..'YYYY-MM' (2096 h for 2020)."""
    months = _window(first, last)
    return 8.0 * _weekdays(_month_start(months[0]).toordinal(), _month_end(months[-1]).toordinal())


# --------------------------------------------------------------------------------------------------
# Personnummer
# --------------------------------------------------------------------------------------------------


def luhn_check_digit(nine_digits: str) -> int:
    """Check digit of a personnummer from the nine digits YYMMDDNNN (weights 2, 1, 2, ...)."""
    total = 0
    for position, char in enumerate(nine_digits):
        product = int(char) * (2 - position % 2)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def _personnummer(rng: random.Random, born: date, gender: str, used: set[str]) -> str:
    while True:
        serial = rng.randrange(100)
        digit = rng.choice((0, 2, 4, 6, 8) if gender == "K" else (1, 3, 5, 7, 9))
        nine = f"{born:%y%m%d}{serial:02d}{digit}"
        number = f"{born:%Y%m%d}{serial:02d}{digit}{luhn_check_digit(nine)}"
        if number not in used:
            used.add(number)
            return number


# --------------------------------------------------------------------------------------------------
# Organisation
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sector:
    """How staff of a kind of workplace look: gender mix, employment rates, turnover, sickness."""

    women: float  # share of women among the staff
    rates_women: tuple[tuple[float, int], ...]  # (employment rate, weight)
    rates_men: tuple[tuple[float, int], ...]
    turnover: float  # share of statutory staff leaving per year
    short: float  # short spells (1-14 days) per person-year
    medium: float  # spells of 15-59 days per person-year
    long: float  # spells of 60 days or more per person-year
    types: tuple[int, int, int, int]  # weights of EMPLOYMENT_TYPES among hires
    women_sickness: float = 1.3  # women's spell rates relative to the sector's
    men_sickness: float = 0.8


_FULL = ((1.0, 100),)
SECTORS: dict[str, Sector] = {
    "office": Sector(
        0.62,
        ((1.0, 86), (0.9, 5), (0.8, 6), (0.75, 3)),
        ((1.0, 94), (0.8, 6)),
        0.09,
        2.0,
        0.05,
        0.018,
        (92, 3, 3, 2),
    ),
    "office_mixed": Sector(
        0.47,
        ((1.0, 90), (0.9, 4), (0.8, 6)),
        ((1.0, 94), (0.8, 6)),
        0.08,
        2.0,
        0.05,
        0.018,
        (93, 2, 3, 2),
    ),
    "transport": Sector(
        0.55,
        ((1.0, 92), (0.8, 8)),
        ((1.0, 96), (0.75, 4)),
        0.08,
        2.2,
        0.06,
        0.02,
        (94, 3, 2, 1),
    ),
    "care": Sector(
        0.92,
        ((1.0, 50), (0.9, 16), (0.8, 16), (0.75, 18)),
        ((1.0, 80), (0.9, 10), (0.75, 10)),
        0.11,
        3.0,
        0.12,
        0.05,
        (84, 9, 6, 1),
    ),
    "service": Sector(
        0.68,
        ((1.0, 55), (0.875, 15), (0.75, 20), (0.5, 10)),
        ((1.0, 85), (0.75, 15)),
        0.12,
        3.0,
        0.13,
        0.05,
        (85, 9, 5, 1),
    ),
}


@dataclass(frozen=True)
class OrgRow:
    """One row of the organisation extract: a unit in one validity interval."""

    code: str
    name: str
    parent: str | None
    level: str  # Swedish label as in the extract
    valid_from: date
    valid_to: date | None


@dataclass(frozen=True)
class _UnitSpec:
    """A unit of a region's organisation tree as the sample first has it (``tables/organisation.csv``).

    ``level`` is the Swedish label of the extract's Nivå; ``seats`` the positions the staffing
    simulation fills (on an Område/avdelning: its head); ``sector`` the kind of workplace (:data:`SECTORS`).
    """

    region_id: str
    code: str
    name: str
    parent: str | None
    level: str
    valid_from: date
    seats: int
    sector: str | None


@dataclass(frozen=True)
class _Change:
    """A unit renamed or moved on the first day of a month (``tables/organisation_changes.csv``)."""

    region_id: str
    code: str
    on: date
    name: str | None  # the new name, or None: unchanged
    parent: str | None  # the new parent, or None: unchanged
    note: str


_SPECS: dict[str, list[_UnitSpec]] = by_region(table("hr", "organisation", _UnitSpec))
_CHANGES: dict[str, list[_Change]] = by_region(table("hr", "organisation_changes", _Change))


def organisation_rows(region_id: str, as_of: date | None = None) -> list[OrgRow]:
    """The region's organisation history; ``as_of`` gives the extract as known on that day."""
    changes: dict[str, list[tuple[date, str | None, str | None]]] = {}
    for change in _CHANGES.get(region_id, []):
        changes.setdefault(change.code, []).append((change.on, change.name, change.parent))
    rows: list[OrgRow] = []
    for unit in _SPECS[region_id]:
        name, parent, since = unit.name, unit.parent, unit.valid_from
        for on, new_name, new_parent in sorted(changes.get(unit.code, [])):
            rows.append(OrgRow(unit.code, name, parent, unit.level, since, on - timedelta(days=1)))
            name, parent, since = new_name or name, new_parent or parent, on
        rows.append(OrgRow(unit.code, name, parent, unit.level, since, None))
    if as_of is not None:
        rows = [
            OrgRow(
                r.code,
                r.name,
                r.parent,
                r.level,
                r.valid_from,
                r.valid_to if r.valid_to and r.valid_to < as_of else None,
            )
            for r in rows
            if r.valid_from <= as_of
        ]
    return sorted(rows, key=lambda r: (r.code, r.valid_from))


def _ancestors_by_month(region_id: str) -> list[dict[str, frozenset[str]]]:
    """For every month index: unit code -> the unit and all its ancestors as valid that month."""
    rows = organisation_rows(region_id)
    result = []
    for index in range(N_MONTHS):
        day = _month_start(index)
        parent = {r.code: r.parent for r in rows if r.valid_from <= day and (r.valid_to is None or r.valid_to >= day)}
        table: dict[str, frozenset[str]] = {}
        for code in parent:
            chain = [code]
            while parent.get(chain[-1]):
                chain.append(parent[chain[-1]])
            table[code] = frozenset(chain)
        result.append(table)
    return result


# --------------------------------------------------------------------------------------------------
# Staff simulation
# --------------------------------------------------------------------------------------------------


class _Employee:
    __slots__ = (
        "birth",
        "emp_no",
        "end",
        "etype",
        "frailty",
        "gender",
        "pnr",
        "rate",
        "rate_change",
        "retire",
        "spells",
        "start",
        "unit",
    )

    def __init__(self) -> None:
        self.rate_change: tuple[int, float] | None = None
        self.spells: list[tuple[int, int, float]] = []
        self.end: date | None = None

    def rate_in(self, index: int) -> float:
        if self.rate_change and index >= self.rate_change[0]:
            return self.rate_change[1]
        return self.rate


class _Row:
    """One employee and month, with the true (final, corrected) values."""

    __slots__ = ("emp", "month", "ordinary", "pnr", "rate", "s1", "s2", "s3", "spell_from", "unit")

    def __init__(self, emp: _Employee, month: int, unit: str, rate: float) -> None:
        self.emp = emp
        self.pnr = emp.pnr
        self.month = month
        self.unit = unit
        self.rate = rate
        self.ordinary = 0.0
        self.s1 = self.s2 = self.s3 = 0.0
        self.spell_from: int | None = None

    @property
    def sick(self) -> float:
        return round(self.s1 + self.s2 + self.s3, 2)

    def copy(self) -> _Row:
        clone = _Row(self.emp, self.month, self.unit, self.rate)
        clone.pnr, clone.ordinary = self.pnr, self.ordinary
        clone.s1, clone.s2, clone.s3, clone.spell_from = self.s1, self.s2, self.s3, self.spell_from
        return clone


def _weighted(rng: random.Random, options: tuple[tuple[float, int], ...]) -> float:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class _ForcedLeavers:
    """Exactly ``per_month[i]`` statutory leavers under ``node`` in month i, nobody else leaving."""

    node: str
    per_month: dict[int, int]
    retirements: int  # how many of them go into retirement


# Halland Regionkontoret, January-April 2021: 11 left, three of them retired (seed 004).
_FORCED = {"0013": _ForcedLeavers("0100", {24: 3, 25: 2, 26: 4, 27: 2}, 3)}


class _RegionSim:
    def __init__(self, region_id: str, used_pnr: set[str], emp_base: int) -> None:
        self.region_id = region_id
        self.rng = random.Random(SEED * 10_000 + int(region_id))
        self.used = used_pnr
        self.next_emp = emp_base
        self.units = {u.code: u for u in _SPECS[region_id]}
        self.anc = _ancestors_by_month(region_id)
        self.employees: list[_Employee] = []
        self.active: dict[str, list[_Employee]] = {}
        self.women: dict[str, list[int]] = {}  # unit -> [women, all] among hires so far

    # -- hiring -------------------------------------------------------------------------------------
    def hire(self, unit_code: str, start: date | None, head: bool = False) -> _Employee:
        rng = self.rng
        unit = self.units[unit_code]
        sector = SECTORS[unit.sector or "office"]
        counts = self.women.setdefault(unit_code, [0, 0])
        share = counts[0] / counts[1] if counts[1] else sector.women
        p_women = min(0.97, max(0.03, sector.women + 2.0 * (sector.women - share)))
        e = _Employee()
        e.gender = "K" if rng.random() < p_women else "M"
        counts[0] += e.gender == "K"
        counts[1] += 1
        if start is None:  # staff in place before the sample starts
            age = rng.triangular(23, 64.5, 46)
            e.birth = date(2019, 1, 1) - timedelta(days=int(age * 365.25))
            earliest = max(_add_years(e.birth, 21), date(1993, 1, 1))
            span = (date(2018, 12, 1) - earliest).days
            start = earliest + timedelta(days=rng.randrange(max(span, 1)))
            start = start.replace(day=1) if rng.random() < 0.8 else start
        else:
            age = rng.triangular(21, 61, 31)
            e.birth = start - timedelta(days=int(age * 365.25))
        e.start = start
        retire_age = rng.choices((65, 66, 67), weights=(45, 35, 20))[0]
        birthday = _add_years(e.birth, retire_age)
        e.retire = date(birthday.year, birthday.month, calendar.monthrange(birthday.year, birthday.month)[1])
        if head:
            e.etype = EMPLOYMENT_TYPES[0]
        else:
            e.etype = rng.choices(EMPLOYMENT_TYPES, weights=sector.types)[0]
        rates = sector.rates_women if e.gender == "K" else sector.rates_men
        if head:
            e.rate = 1.0
        elif e.etype == "Timavlönad med schema":
            e.rate = rng.choice((0.5, 0.6, 0.75, 0.8, 1.0))
        else:
            e.rate = _weighted(rng, rates)
        e.frailty = rng.gammavariate(1.3, 1 / 1.3)
        e.pnr = _personnummer(rng, e.birth, e.gender, self.used)
        self.next_emp += rng.randint(1, 3)
        e.emp_no = f"{self.next_emp:06d}" if self.region_id != "0017" else f"V{self.next_emp:05d}"
        e.unit = unit_code
        self.employees.append(e)
        self.active.setdefault(unit_code, []).append(e)
        return e

    def _leave_day(self, index: int) -> date:
        end = _month_end(index)
        if self.rng.random() < 0.55:
            return end
        return end.replace(day=self.rng.randint(1, end.day))

    # -- the simulation -------------------------------------------------------------------------------
    def run(self) -> None:
        rng = self.rng
        vacancies: dict[int, list[str]] = {}
        first = date(2019, 1, 1)
        for unit in self.units.values():
            if not unit.seats:
                continue
            head = unit.level == "Område/avdelning"
            if unit.valid_from <= first:
                for _ in range(unit.seats):
                    self.hire(unit.code, None, head)
            else:
                for seat in range(unit.seats):
                    vacancies.setdefault(_month_index(unit.valid_from) + seat % 3, []).append(unit.code)
        forced = _FORCED.get(self.region_id)
        retired_forced = 0
        for index in range(N_MONTHS):
            start_of_month, end_of_month = _month_start(index), _month_end(index)
            for unit_code in sorted(vacancies.pop(index, [])):
                day = start_of_month
                if rng.random() < 0.3:
                    day += timedelta(days=rng.randrange(20))
                self.hire(unit_code, day, self.units[unit_code].level == "Område/avdelning")
            forced_group = forced.node if forced and index in forced.per_month else None
            candidates: list[_Employee] = []
            leaving: list[tuple[_Employee, date]] = []
            for unit_code in sorted(self.active):
                sector = SECTORS[self.units[unit_code].sector or "office"]
                monthly = 1 - (1 - sector.turnover) ** (1 / 12)
                in_group = forced_group is not None and forced_group in self.anc[index].get(unit_code, ())
                for e in self.active[unit_code]:
                    if e.start >= start_of_month:
                        continue
                    if in_group and e.etype in STATUTORY_TYPES:
                        candidates.append(e)
                        continue
                    hazard = monthly if e.etype in STATUTORY_TYPES else 2.5 * monthly
                    if e.retire <= end_of_month:
                        leaving.append((e, e.retire))
                    elif rng.random() < hazard:
                        leaving.append((e, self._leave_day(index)))
            if forced_group is not None:
                wanted = forced.per_month[index]
                due = [e for e in candidates if e.retire <= end_of_month]
                if len(due) > wanted:
                    raise RuntimeError("more retirements due than forced leavers")
                chosen = [(e, e.retire) for e in due]
                retired_forced += len(due)
                others = [e for e in candidates if e not in due]
                old = [e for e in others if (end_of_month - e.birth).days / 365.25 >= 62.5]
                if retired_forced < forced.retirements and old and len(chosen) < wanted:
                    pick = rng.choice(old)
                    chosen.append((pick, end_of_month))
                    others.remove(pick)
                    retired_forced += 1
                chosen += [(e, self._leave_day(index)) for e in rng.sample(others, wanted - len(chosen))]
                leaving += chosen
            for e, end in leaving:
                e.end = end
                self.active[e.unit].remove(e)
                lag = rng.choice((1, 1, 1, 2, 2, 3))
                vacancies.setdefault(index + lag, []).append(e.unit)
        # some part-timers go up to full time during their employment
        for e in self.employees:
            if e.etype in STATUTORY_TYPES and e.rate < 1.0 and rng.random() < 0.25:
                first_index = max(_month_index(e.start) + 2, 0)
                last_index = _month_index(e.end) if e.end else N_MONTHS - 1
                if first_index < last_index:
                    e.rate_change = (rng.randrange(first_index, last_index), 1.0)

    # -- sick spells ----------------------------------------------------------------------------------
    def make_spells(self) -> None:
        rng = self.rng
        season = (1.35, 1.4, 1.25, 1.0, 0.85, 0.75, 0.6, 0.75, 0.95, 1.05, 1.15, 1.2)
        for e in self.employees:
            if e.etype not in STATUTORY_TYPES:
                continue
            sector = SECTORS[self.units[e.unit].sector or "office"]
            factor = e.frailty * (sector.women_sickness if e.gender == "K" else sector.men_sickness)
            short, medium, long = (sector.short * factor, sector.medium * factor, sector.long * factor)
            total = (1.4 * short + medium + long) / 365.0
            day = max(e.start, _SPELLS_FROM).toordinal()
            last = min(e.end or _LAST_DAY, _LAST_DAY).toordinal()
            while True:
                day += int(rng.expovariate(total))
                if day > last:
                    break
                pick = rng.random() * (1.4 * short + medium + long)
                if pick < 1.4 * short:
                    if rng.random() * 1.4 > season[date.fromordinal(day).month - 1]:
                        day += 1
                        continue
                    length = min(14, 1 + int(rng.expovariate(1 / 2.6)))
                    degree = 1.0
                elif pick < 1.4 * short + medium:
                    length = rng.randint(15, 59)
                    degree = 1.0 if rng.random() < 0.8 else 0.5
                else:
                    length = min(730, 60 + int(rng.expovariate(1 / 150)))
                    degree = rng.choices((1.0, 0.75, 0.5, 0.25), weights=(45, 15, 30, 10))[0]
                end = min(day + length - 1, last)
                e.spells.append((day, end, degree))
                day = end + 2

    # -- monthly rows ---------------------------------------------------------------------------------
    def make_rows(self) -> list[_Row]:
        rng = self.rng
        rows: list[_Row] = []
        for e in self.employees:
            first = max(_month_index(e.start), 0)
            last = _month_index(e.end) if e.end else N_MONTHS - 1
            start_ord = e.start.toordinal()
            end_ord = (e.end or _LAST_DAY).toordinal()
            pointer = 0
            for index in range(first, last + 1):
                a = max(_month_start(index).toordinal(), start_ord)
                b = min(_month_end(index).toordinal(), end_ord)
                row = _Row(e, index, e.unit, e.rate_in(index))
                rows.append(row)
                weekdays = _weekdays(a, b)
                if e.etype == "Uppdragstagare":
                    row.ordinary = float(rng.randrange(40, 161, 4)) * weekdays / max(_weekdays_month(index), 1)
                    row.ordinary = round(row.ordinary, 2)
                    continue
                if e.etype == "Timavlönad utan schema":
                    hours = rng.choice((0, 0, 6, 12, 18, 24, 32, 40, 48, 64, 80, 96))
                    row.ordinary = round(min(hours, 8.0 * weekdays), 2)
                    if row.ordinary >= 8 and rng.random() < 0.06:
                        row.s1 = 8.0 if row.ordinary < 16 or rng.random() < 0.5 else 16.0
                        row.spell_from = a + rng.randrange(max(b - a - 2, 1))
                    continue
                variation = 1.0 if e.etype == "Månadsavlönad" else rng.uniform(0.85, 1.05)
                hourly = 8.0 * row.rate * variation
                row.ordinary = round(hourly * weekdays, 2)
                spells = e.spells
                while pointer < len(spells) and spells[pointer][1] < a:
                    pointer += 1
                best = 0.0
                j = pointer
                while j < len(spells) and spells[j][0] <= b:
                    s, t, degree = spells[j]
                    parts = []
                    for lo, hi in ((s, s + 13), (s + 14, s + 58), (s + 59, t)):
                        lo, hi = max(lo, a), min(hi, t, b)
                        parts.append(_weekdays(lo, hi) * hourly * degree)
                    row.s1 += parts[0]
                    row.s2 += parts[1]
                    row.s3 += parts[2]
                    if sum(parts) > best:
                        best = sum(parts)
                        row.spell_from = s
                    j += 1
                row.s1, row.s2, row.s3 = round(row.s1, 2), round(row.s2, 2), round(row.s3, 2)
                _cap(row)
                if row.sick == 0:
                    row.spell_from = None
        return rows


def _weekdays_month(index: int) -> int:
    return _weekdays(_month_start(index).toordinal(), _month_end(index).toordinal())


def _cap(row: _Row) -> None:
    """Keep sick hours within ordinary hours after rounding."""
    excess = round(row.s1 + row.s2 + row.s3 - row.ordinary, 2)
    if excess > 0:
        for name in ("s3", "s2", "s1"):
            value = getattr(row, name)
            take = min(value, excess)
            setattr(row, name, round(value - take, 2))
            excess = round(excess - take, 2)


# --------------------------------------------------------------------------------------------------
# Calibration
# --------------------------------------------------------------------------------------------------


def _sums(rows: list[_Row]) -> tuple[float, float]:
    return sum(r.ordinary for r in rows), sum(r.sick for r in rows)


def _scale_sick(rows: list[_Row], target_sick: float) -> None:
    """Scale the sick hours of ``rows`` so they sum to ``target_sick`` (capped at ordinary hours)."""
    exact = {id(r): (r.s1, r.s2, r.s3) for r in rows}
    capped: set[int] = set()
    factor = 1.0
    for _ in range(50):
        fixed = sum(r.ordinary for r in rows if id(r) in capped)
        free = sum(sum(exact[id(r)]) for r in rows if id(r) not in capped)
        if free <= 0:
            raise RuntimeError("cannot calibrate sick hours: nothing left to scale")
        factor = (target_sick - fixed) / free
        newly = {id(r) for r in rows if id(r) not in capped and sum(exact[id(r)]) * factor > r.ordinary}
        if not newly:
            break
        capped |= newly
    for r in rows:
        a, b, c = exact[id(r)]
        total = a + b + c
        f = r.ordinary / total if id(r) in capped and total else factor
        r.s1, r.s2, r.s3 = round(a * f, 2), round(b * f, 2), round(c * f, 2)
        _cap(r)
        if r.sick == 0:
            r.spell_from = None
    # rounding residue: put it on the largest row so the sum lands on the target to 0.01 h
    residue = round(target_sick - sum(r.sick for r in rows), 2)
    if abs(residue) >= 0.01:
        room = [r for r in rows if r.s1 + residue >= 0 and r.sick + residue <= r.ordinary and r.sick > 0]
        biggest = max(room, key=lambda r: r.s1)
        biggest.s1 = round(biggest.s1 + residue, 2)


def _scale_hours(rows: list[_Row], factor: float) -> None:
    for r in rows:
        r.ordinary = round(r.ordinary * factor, 2)
        r.s1, r.s2, r.s3 = round(r.s1 * factor, 2), round(r.s2 * factor, 2), round(r.s3 * factor, 2)
        _cap(r)


def _check(name: str, value: float, low: float, high: float) -> float:
    if not low <= value <= high:
        raise RuntimeError(f"sample calibration failed for {name}: {value:.4f} outside [{low}, {high}]")
    return value


class _Selector:
    def __init__(self, sim: _RegionSim, rows: list[_Row]) -> None:
        self.sim = sim
        self.rows = [r for r in rows if r.emp.etype in STATUTORY_TYPES]

    def under(self, node: str, months: range, gender: str | None = None) -> list[_Row]:
        anc = self.sim.anc
        return [
            r
            for r in self.rows
            if r.month in months and node in anc[r.month][r.unit] and (gender is None or r.emp.gender == gender)
        ]


def _calibrate_halland(sim: _RegionSim, rows: list[_Row]) -> None:
    select = _Selector(sim, rows)
    for months, rate in ((_window("2019-05", "2020-04"), 2.48), (_window("2020-05", "2021-04"), 2.59)):
        group = select.under("0100", months)
        ordinary, _ = _sums(group)
        _scale_sick(group, rate / 100 * ordinary)


#: Halland Regionkontoret Jan-Apr 2021: 11 leavers over 14 602 person-days / 120 days = 9,040 %.
HALLAND_TURNOVER_PERSON_DAYS = 14602


def _calibrate_halland_headcount(sim: _RegionSim) -> None:
    """Hit Regionkontoret's average headcount in January-April 2021 through the start days of the
    window's hires (within the window), an extra hire if needed, and the last days of the leavers
    (within their month). The organisation does not change under Regionkontoret in the window."""
    months = _window("2021-01", "2021-04")
    first_day, last_day = _month_start(months[0]), _month_end(months[-1])
    office = {code for code, chain in sim.anc[months[0]].items() if "0100" in chain}
    if any({c for c, chain in sim.anc[i].items() if "0100" in chain} != office for i in months):
        raise RuntimeError("Regionkontoret must not change during January-April 2021")

    def staff() -> list[_Employee]:
        return [e for e in sim.employees if e.etype in STATUTORY_TYPES and e.unit in office]

    def days() -> int:
        total = 0
        for e in staff():
            total += max(0, (min(e.end or _LAST_DAY, last_day) - max(e.start, first_day)).days + 1)
        return total

    leavers = sorted((e for e in staff() if e.end and first_day <= e.end <= last_day), key=lambda e: e.pnr)
    if len(leavers) != 11:
        raise RuntimeError(f"expected 11 leavers at Regionkontoret, got {len(leavers)}")
    delta = HALLAND_TURNOVER_PERSON_DAYS - days()
    hires = sorted((e for e in staff() if first_day < e.start <= last_day and e not in leavers), key=lambda e: e.pnr)
    for e in hires:  # a later start means fewer person-days
        latest = min(e.end or last_day, last_day)
        step = max(min(-delta, (latest - e.start).days), -(e.start - first_day).days)
        e.start += timedelta(days=step)
        delta += step
    while delta > 0:  # a temporary reinforcement
        extra = sim.hire("0141", max(first_day, last_day - timedelta(days=delta - 1)))
        extra.etype, extra.rate = EMPLOYMENT_TYPES[0], 1.0
        delta -= (last_day - extra.start).days + 1
    for e in leavers:
        low = max(_month_start(_month_index(e.end)), e.start)
        step = max(min(delta, (_month_end(_month_index(e.end)) - e.end).days), -(e.end - low).days)
        e.end += timedelta(days=step)
        delta -= step
    if delta:
        raise RuntimeError(f"cannot calibrate Regionkontoret's average headcount ({delta} person-days left)")


def _calibrate_varmland(sim: _RegionSim, rows: list[_Row]) -> None:
    select = _Selector(sim, rows)
    months = _window("2023-01", "2023-08")
    # Regionledningskontoret: T 2,8, K 3,2, M 2,4; the whole region: T 6,1, K 6,7, M 3,9. With w the
    # women's share of ordinary hours, T = w K + (1 - w) M. The printed K and M give T0 = M + w (K - M);
    # K and M both move by half the gap to the printed T, so all three stay near their printed values.
    for node, total, women_rate, men_rate, exclude in (
        ("11100", 2.8, 3.2, 2.4, None),
        ("10000", 6.1, 6.7, 3.9, "11100"),
    ):
        women, men = select.under(node, months, "K"), select.under(node, months, "M")
        ordinary_women, ordinary_men = _sums(women)[0], _sums(men)[0]
        share = ordinary_women / (ordinary_women + ordinary_men)
        shift = (total - (men_rate + share * (women_rate - men_rate))) / 2
        rate_women, rate_men = women_rate + shift, men_rate + shift
        _check(f"{node} shift of the women's and men's rates", shift, -0.02, 0.02)
        for everyone, rate, ordinary in ((women, rate_women, ordinary_women), (men, rate_men, ordinary_men)):
            target = rate / 100 * ordinary
            scaled = everyone
            if exclude:
                inner = [r for r in everyone if exclude in sim.anc[r.month][r.unit]]
                target -= _sums(inner)[1]
                scaled = [r for r in everyone if exclude not in sim.anc[r.month][r.unit]]
            _scale_sick(scaled, target)


def _calibrate_jonkoping(sim: _RegionSim, rows: list[_Row]) -> None:
    select = _Selector(sim, rows)
    months = _window("2020-01", "2020-12")
    full_time = full_time_hours("2020-01", "2020-12")
    for node, rate, fte in (("062100", 3.0, 89.1), ("061100", 3.3, 410.0)):
        group = select.under(node, months)
        ordinary, _ = _sums(group)
        _scale_sick(group, rate / 100 * ordinary)
        worked = ordinary - _sums(group)[1]
        factor = fte * full_time / worked
        _check(f"{node} ordinary-hours factor", factor, 0.9, 1.02)
        _scale_hours(group, factor)
        ordinary = _sums(group)[0]
        _scale_sick(group, rate / 100 * ordinary)


# --------------------------------------------------------------------------------------------------
# Deliveries
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """One delivered file: where it lands, when, what it covers and what is special about it."""

    source: str  # "organisation" or "hr_sick_leave"
    region_id: str
    delivered_at: datetime
    slug: str
    months: tuple[str, ...]  # 'YYYY-MM' covered (empty for organisation)
    kind: str  # organisation, history, correction, broken
    note: str
    org_as_of: date | None = None

    @property
    def name(self) -> str:
        return f"{self.delivered_at:%Y%m%dT%H%M}_{self.slug}.csv"

    @property
    def relative_path(self) -> Path:
        return Path(self.source) / self.region_id / self.name


def _at(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def _year_months(year: int) -> tuple[str, ...]:
    return tuple(f"{year}-{m:02d}" for m in range(1, 13))


_SLUG = {"0013": "halland", "0017": "varmland", "0006": "jonkoping"}
_SYSTEM = {"0013": "heroma", "0017": "personec", "0006": "heroma"}
_CLOCK = {"0013": (1, 7), "0017": (2, 9), "0006": (3, 13)}  # (day offset, hour) of the region's batch


def _plan() -> tuple[Delivery, ...]:
    deliveries: list[Delivery] = []
    for year_of_batch, month_of_batch, years, as_of in (
        (2022, 2, (2019, 2020, 2021), date(2022, 1, 31)),
        (2023, 1, (2022,), date(2022, 12, 31)),
        (2024, 1, (2023,), None),
    ):
        for region_id in ("0013", "0017", "0006"):
            day, hour = _CLOCK[region_id]
            if year_of_batch == 2023:
                day += 15
            elif year_of_batch == 2024:
                day += 14
            slug = _SLUG[region_id]
            if as_of is not None:
                note = f"complete organisation history as known on {as_of}"
                if region_id == "0006" and year_of_batch == 2023:
                    note += "; unchanged since the previous delivery: byte-identical, a duplicate"
                deliveries.append(
                    Delivery(
                        "organisation",
                        region_id,
                        _at(year_of_batch, month_of_batch, day, hour, 0),
                        f"{slug}_organisation_{as_of:%Y%m%d}",
                        (),
                        "organisation",
                        note,
                        as_of,
                    )
                )
            for n, year in enumerate(years, start=1):
                deliveries.append(
                    Delivery(
                        "hr_sick_leave",
                        region_id,
                        _at(year_of_batch, month_of_batch, day, hour, 15 * n),
                        f"{slug}_{_SYSTEM[region_id]}_sjukfranvaro_{year}",
                        _year_months(year),
                        "history",
                        f"one year of payroll history ({year})",
                    )
                )
    deliveries += [
        Delivery(
            "hr_sick_leave",
            "0013",
            _at(2022, 2, 21, 10, 5),
            "halland_heroma_sjukfranvaro_2020-11_rattelse",
            ("2020-11",),
            "correction",
            "re-delivers 2020-11: sick leave registered late at Regionkontoret and a corrected rate",
        ),
        Delivery(
            "hr_sick_leave",
            "0006",
            _at(2022, 3, 7, 14, 20),
            "jonkoping_heroma_sjukfranvaro_2020-06_rattelse",
            ("2020-06",),
            "correction",
            "re-delivers 2020-06: late sick reports, an employee missing from the first delivery",
        ),
        Delivery(
            "hr_sick_leave",
            "0013",
            _at(2022, 4, 8, 6, 30),
            "halland_heroma_sjukfranvaro_2022-03",
            ("2022-03",),
            "broken",
            "monthly test delivery of 2022-03 with an invalid personnummer check digit and a row with "
            "more sick hours than ordinary hours: must be quarantined; 2022-03 comes again in the 2022 file",
        ),
        Delivery(
            "hr_sick_leave",
            "0017",
            _at(2024, 2, 12, 10, 40),
            "varmland_personec_sjukfranvaro_2023-03_rattelse",
            ("2023-03",),
            "correction",
            "re-delivers 2023-03: staff of Systemförvaltning were coded on Akutvårdsavdelning, late sick reports",
        ),
    ]
    return tuple(sorted(deliveries, key=lambda d: (d.delivered_at, d.name)))


#: Every file the sample delivers, in delivery order.
DELIVERIES: tuple[Delivery, ...] = _plan()
#: The file ingest must quarantine (its month is delivered correctly later).
BROKEN_FILE = next(d.name for d in DELIVERIES if d.kind == "broken")
#: Organisation deliveries that repeat the previous one byte for byte.
DUPLICATE_FILES = tuple(d.name for d in DELIVERIES if "duplicate" in d.note)

# --------------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------------


def _number(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


_HR_COLUMNS = {
    "0013": (
        "Personnummer",
        "Anställningsnummer",
        "Ansvar",
        "Period",
        "Anställningsform",
        "Anställd från",
        "Anställd till",
        "Ordinarie timmar",
        "Sjuktimmar",
        "Sjuktimmar dag 1-14",
        "Sjuktimmar dag 15-59",
        "Sjuktimmar dag 60-",
    ),
    "0017": (
        "Period",
        "Ansvar",
        "Anställningsnummer",
        "Personnummer",
        "Anställningsform",
        "Anställd från",
        "Anställd till",
        "Ordinarie timmar",
        "Sjuktimmar",
        "Sjuktimmar dag 1-14",
        "Sjuktimmar dag 15-59",
        "Sjuktimmar dag 60-",
    ),
    "0006": (
        "Personnummer",
        "Ansvar",
        "Period",
        "Anställningsform",
        "Sysselsättningsgrad",
        "Anställd från",
        "Anställd till",
        "Ordinarie timmar",
        "Sjuktimmar",
        "Sjukperiod från",
    ),
}


def _hr_cells(region_id: str, row: _Row, known_on: date) -> list[str]:
    e = row.emp
    end = e.end.isoformat() if e.end and e.end <= known_on else ""
    pnr = row.pnr if region_id != "0006" else f"{row.pnr[:8]}-{row.pnr[8:]}"
    values = {
        "Personnummer": pnr,
        "Anställningsnummer": e.emp_no,
        "Ansvar": row.unit,
        "Period": _period(row.month),
        "Anställningsform": e.etype,
        "Anställd från": e.start.isoformat(),
        "Anställd till": end,
        "Ordinarie timmar": _number(row.ordinary),
        "Sjuktimmar": _number(row.sick),
        "Sjuktimmar dag 1-14": _number(row.s1),
        "Sjuktimmar dag 15-59": _number(row.s2),
        "Sjuktimmar dag 60-": _number(row.s3),
        "Sysselsättningsgrad": f"{row.rate * 100:.1f}".replace(".", ",") if e.etype in STATUTORY_TYPES else "",
        "Sjukperiod från": date.fromordinal(row.spell_from).isoformat() if row.spell_from and row.sick else "",
    }
    return [values[c] for c in _HR_COLUMNS[region_id]]


def _encode(region_id: str, table: list[list[str]]) -> bytes:
    if region_id == "0017":
        lines = [";".join(f'"{v}"' for v in cells) for cells in table]
    else:
        lines = [";".join(cells) for cells in table]
    newline = "\r\n" if region_id == "0013" else "\n"
    return (newline.join(lines) + newline).encode(ENCODINGS[region_id])


def _org_table(region_id: str, as_of: date | None) -> list[list[str]]:
    table = [list(ORGANISATION_HEADER)]
    for r in organisation_rows(region_id, as_of):
        table.append(
            [
                r.code,
                r.name,
                r.parent or "",
                r.level,
                r.valid_from.isoformat(),
                r.valid_to.isoformat() if r.valid_to else "",
            ]
        )
    return table


def _row_key(row: _Row) -> tuple[int, str, str]:
    return (row.month, row.unit, row.pnr)


# --------------------------------------------------------------------------------------------------
# Flaws: what the first deliveries got wrong, and the broken file
# --------------------------------------------------------------------------------------------------


def _first_versions(region_id: str, sim: _RegionSim, rows: list[_Row], rng: random.Random) -> dict[int, list[_Row]]:
    """Month index -> the rows as first delivered (before the correction) for corrected months."""
    anc = sim.anc

    def statutory(r: _Row) -> bool:
        return r.emp.etype in STATUTORY_TYPES

    if region_id == "0013":
        index = _window("2020-11", "2020-11")[0]
        month = [r.copy() for r in rows if r.month == index]
        sick_at_office = [r for r in month if statutory(r) and r.sick > 0 and "0100" in anc[index][r.unit]]
        for r in rng.sample(sick_at_office, min(8, len(sick_at_office))):  # registered late
            r.s1 = r.s2 = r.s3 = 0.0
            r.spell_from = None
        healthy = [r for r in month if statutory(r) and r.sick == 0 and r.rate < 1 and "0500" in anc[index][r.unit]]
        for r in rng.sample(healthy, 2):  # rate raise registered late
            r.ordinary = round(r.ordinary / r.rate, 2)
        return {index: month}
    if region_id == "0006":
        index = _window("2020-06", "2020-06")[0]
        month = [r.copy() for r in rows if r.month == index]
        for node, count in (("062100", 5), ("061100", 6)):
            sick = [r for r in month if statutory(r) and r.sick > 0 and node in anc[index][r.unit]]
            for r in rng.sample(sick, min(count, len(sick))):
                r.s1 = r.s2 = r.s3 = 0.0
                r.spell_from = None
        missing = rng.choice([r for r in month if statutory(r) and "061100" in anc[index][r.unit] and r.sick == 0])
        month.remove(missing)
        return {index: month}
    index = _window("2023-03", "2023-03")[0]
    month = [r.copy() for r in rows if r.month == index]
    for r in month:
        if r.unit == "11132":  # whole unit on the wrong ansvar in the first delivery
            r.unit = "12111"
    sick = [r for r in month if statutory(r) and r.sick > 0 and "11100" in anc[index][r.unit]]
    for r in rng.sample(sick, min(14, len(sick))):  # late sick reports: only part of the spell registered
        r.s1, r.s2, r.s3 = round(r.s1 / 4, 2), round(r.s2 / 4, 2), round(r.s3 / 4, 2)
    return {index: month}


def _broken_rows(rows: list[_Row], rng: random.Random) -> list[_Row]:
    index = _window("2022-03", "2022-03")[0]
    month = sorted((r.copy() for r in rows if r.month == index), key=_row_key)
    statutory = [r for r in month if r.emp.etype in STATUTORY_TYPES and r.ordinary > 40]
    typo, too_sick = rng.sample(statutory, 2)
    check = int(typo.pnr[-1])
    typo.pnr = typo.pnr[:-1] + str((check + 3) % 10)
    too_sick.s1 = round(too_sick.ordinary - too_sick.s2 - too_sick.s3 + 12.5, 2)
    return month


# --------------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------------


def build_hr_sample() -> dict[str, tuple[_RegionSim, list[_Row]]]:
    """Simulate and calibrate all regions (no files): region id -> (simulation, true rows)."""
    used: set[str] = set()
    result = {}
    for region_id, base in (("0013", 1200), ("0017", 30000), ("0006", 500)):
        sim = _RegionSim(region_id, used, base)
        sim.run()
        if region_id == "0013":
            _calibrate_halland_headcount(sim)
        sim.make_spells()
        rows = sim.make_rows()
        {"0013": _calibrate_halland, "0017": _calibrate_varmland, "0006": _calibrate_jonkoping}[region_id](sim, rows)
        result[region_id] = (sim, rows)
    return result


def write_hr_sample(landing_dir: Path) -> list[Path]:
    """Write the HR sample (organisation and sick-leave extracts) under ``landing_dir``.

    Returns the written paths in delivery order. Each file's modification time is its delivery
    timestamp, so sorting by (mtime, name) gives the same order.
    """
    landing_dir = Path(landing_dir)
    regions = build_hr_sample()
    flaw_rng = random.Random(SEED + 1)
    first_versions: dict[str, dict[int, list[_Row]]] = {
        region_id: _first_versions(region_id, sim, rows, flaw_rng) for region_id, (sim, rows) in regions.items()
    }
    broken = _broken_rows(regions["0013"][1], flaw_rng)
    by_month: dict[str, dict[int, list[_Row]]] = {}
    for region_id, (_, rows) in regions.items():
        table: dict[int, list[_Row]] = {}
        for r in rows:
            table.setdefault(r.month, []).append(r)
        by_month[region_id] = table

    written: list[Path] = []
    for delivery in DELIVERIES:
        region_id = delivery.region_id
        if delivery.source == "organisation":
            table = _org_table(region_id, delivery.org_as_of)
        else:
            months = [_window(m, m)[0] for m in delivery.months]
            if delivery.kind == "broken":
                selected = broken
            else:
                selected = []
                for index in months:
                    if delivery.kind == "history" and index in first_versions[region_id]:
                        selected += first_versions[region_id][index]
                    else:
                        selected += by_month[region_id][index]
                selected.sort(key=_row_key)
            known_on = delivery.delivered_at.date()
            table = [list(_HR_COLUMNS[region_id])] + [_hr_cells(region_id, r, known_on) for r in selected]
        path = landing_dir / delivery.relative_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_encode(region_id, table))
        timestamp = delivery.delivered_at.timestamp()
        os.utime(path, (timestamp, timestamp))
        written.append(path)
    return written
