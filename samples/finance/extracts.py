"""Deterministic sample extracts for the finance domain: ledger, budget, forecast and investments.

Three regions deliver to ``landing/`` as their ERPs would (contracts in ``docs/extracts/finance_*.md``
and ``finance_sie4.md``), with the unit codes of the HR sample's organisation trees
(:func:`samples.hr.extracts.organisation_rows`):

- **Region Halland (0013)**: the ledger as SIE 4 files (codepage 437, CRLF, one balanced ``#VER`` per
  salary run, supplier or customer invoice batch, internal invoice, depreciation and investment, with
  object lists for ansvar, projekt, verksamhet, aktivitet and motpart) for 2020 and January-April
  2021; budgets 2020 and 2021 by account and verksamhet (Regionkontoret's *uppdrag* are ranges of
  verksamhet); forecast vintages 202102 and 202104; the investment follow-up for 202102 and 202104.
  The CSV files are Windows-1252 with CRLF. Reproduces F020-F102 (Regionkontoret, node 0100).
- **Region Värmland (0017)**: the ledger as CSV (UTF-8 with BOM, every value quoted, thousands grouped
  with a space, an extra ``Kontonamn`` column) per month and code string for 2022 and January-August
  2023; budgets 2022 and 2023; forecast vintages 202304 and 202308. Reproduces F103-F106
  (Regionstyrelsen, node 11000; the region's taxes, grants and financial items are on the region unit,
  so the board's finance outcome is its net cost).
- **Region Jönköpings län (0006)**: the ledger as CSV (UTF-8 without BOM, LF), one file per year:
  per month and code string for 2016-2019 (``Period``) and per posting for 2020 (``Bokföringsdatum``,
  ``Verifikation``, ``Text``); budgets per year, by report line (``Rapportrad``) for Länstrafiken and by
  account for every other unit; forecast vintage 202008 (Länstrafiken -28,3 mnkr against budget).
  Länstrafiken's traffic costs carry the verksamhet codes of ``seeds/report_lines.csv`` (711
  Regionbuss ... 734 sjukresor). Reproduces F107-F175 (Länstrafiken 062100 per report line, section
  and resultatenhet, its deviations 2016-2020, and the Regionledningskontor 061100, whose Regionarkivet
  leaves it in September 2020).

How the amounts are made: every region has a profile of code strings (unit, account, verksamhet,
motpart) with a monthly level; months get seasonality and noise. The printed figures are then
calibrated: the rows of each disjoint *cell* (for example Regionkontoret's uppdrag Utvecklingsmedel,
operating costs, January-April 2021) are scaled so that the cell sums to a target in öre, chosen so
that every printed figure, printed sum and printed difference rounds to what the report printed.
All amounts are integer öre, so sums are exact. Where a report's own rows do not add up at tkr (seed
002's JLT table: the revenue lines sum to 367 293 but print 367 292; outcome - budget of the total is
-22 236 but the deviation prints -22 235), the sub-tkr parts of the targets make every printed cell
right. Internal postings (motpart 100-199) come in mirrored pairs, a seller's internal revenue and a
buyer's internal cost, some of them under the figures' nodes: they cancel at the region node, where
they are eliminated, and count everywhere below it.

The files carry realistic flaws: in every region a re-delivered month (Halland April 2021: a late
invoice and a grant first booked on the wrong uppdrag; Jönköping December 2020: the final settlement of
the state grant for lost fares; Värmland June 2023: an invoice booked twice) that changes printed
figures, so they come out right only if the latest delivery of a month wins; a SIE file with one
unbalanced voucher and a ledger CSV with an amount of three decimals and an Ansvar that is no unit,
both to be quarantined. Every ledger Ansvar is a unit valid in its month; budgets cover every Ansvar
with postings in the year, and each forecast vintage every Ansvar with postings up to its month.

Everything is driven by fixed seeds: the same call writes byte-identical files whose modification
times are their delivery timestamps (all after the organisation extracts of February 2022).

One printed figure cannot be reproduced because the report contradicts itself: F035, Regionkontoret's
total forecast printed -475,5 mnkr while the same report prints -475 423 tkr (F020), which rounds to
-475,4. Its :attr:`FigureRef.consistent_value` holds the value the marts publish instead.
"""

from __future__ import annotations

import dataclasses
import os
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path

from publish.swedish import MONTHS
from samples.figures import FigureRef
from samples.hr.extracts import organisation_rows
from samples.tables import by_region, grouped, table

SEED = 20210430

#: Python codec of each region's CSV files (Halland's ledger is SIE 4 and always codepage 437).
ENCODINGS: dict[str, str] = {"0013": "cp1252", "0017": "utf-8-sig", "0006": "utf-8"}
SIE_ENCODING = "cp437"

# --------------------------------------------------------------------------------------------------
# The published figures
# --------------------------------------------------------------------------------------------------


def _finance_figures() -> dict[str, FigureRef]:
    figures: dict[str, FigureRef] = {}
    number = iter(range(20, 176))

    def add(indicator: str, region: str, node: str, breakdown: str, key: str, period: str, window: str, sign: int):
        figures[f"F{next(number):03d}"] = FigureRef(indicator, region, node, breakdown, key, period, window, sign)

    halland = ("0013", "0100")
    uppdrag = [("uppdrag", "RK"), ("uppdrag", "FV"), ("uppdrag", "OR"), ("uppdrag", "UM"), ("total", "all")]
    forecast_three = [
        ("finance_forecast", "2021-04", "forecast_year", -1),
        ("finance_budget", "2021-12", "year", -1),
        ("finance_forecast_deviation", "2021-04", "forecast_year", 1),
    ]
    outcome_three = [
        ("finance_outcome", "2021-04", "ytd", -1),
        ("finance_budget", "2021-04", "ytd", -1),
        ("finance_budget_deviation", "2021-04", "ytd", 1),
    ]
    for indicator, period, window, sign in forecast_three:  # F020-F022
        add(indicator, *halland, "total", "all", period, window, sign)
    for breakdown, key in uppdrag:  # F023-F037
        for indicator, period, window, sign in forecast_three:
            add(indicator, *halland, breakdown, key, period, window, sign)
    for indicator, period, window, sign in outcome_three:  # F038-F040
        add(indicator, *halland, "total", "all", period, window, sign)
    for breakdown, key in uppdrag:  # F041-F055
        for indicator, period, window, sign in outcome_three:
            add(indicator, *halland, breakdown, key, period, window, sign)
    for group, stem in (("operating_costs", "cost"), ("operating_income", "income")):  # F056-F071
        add("finance_outcome", *halland, "account_group", group, "2020-04", "ytd", -1)
        add("finance_outcome", *halland, "account_group", group, "2021-04", "ytd", -1)
        add("finance_outcome_change", *halland, "account_group", group, "2021-04", "ytd", -1)
        add("finance_budget", *halland, "account_group", group, "2021-04", "ytd", -1)
        add("finance_budget_deviation", *halland, "account_group", group, "2021-04", "ytd", 1)
        add(f"{stem}_development", *halland, "total", "all", "2021-04", "ytd", 1)
        add(f"budgeted_{stem}_development", *halland, "total", "all", "2021-04", "ytd", 1)
        add(f"{stem}_development_deviation", *halland, "total", "all", "2021-04", "ytd", 1)
    add("investment_forecast", *halland, "total", "all", "2021-04", "forecast_year", 1)  # F072-F074
    add("investment_budget", *halland, "total", "all", "2021-12", "year", 1)
    add("investment_forecast_deviation", *halland, "total", "all", "2021-04", "forecast_year", 1)
    for code in [*(p.code for p in _HALLAND_PROJECTS if p.ansvar in _HALLAND_RK_UNITS), "all"]:  # F075-F102
        breakdown = "total" if code == "all" else "investment_project"
        add("investment_outcome", *halland, breakdown, code, "2021-02", "ytd", 1)
        add("investment_budget", *halland, breakdown, code, "2021-12", "year", 1)
        add("investment_forecast", *halland, breakdown, code, "2021-04", "forecast_year", 1)
        add("investment_forecast_deviation", *halland, breakdown, code, "2021-04", "forecast_year", 1)
    varmland = ("0017", "11000")  # F103-F106
    add("net_cost", *varmland, "total", "all", "2023-08", "ytd", 1)
    add("finance_budget", *varmland, "total", "all", "2023-08", "ytd", 1)
    add("finance_budget_deviation", *varmland, "total", "all", "2023-08", "ytd", 1)
    add("finance_forecast_deviation", *varmland, "total", "all", "2023-08", "forecast_year", 1)
    lanstrafiken = ("0006", "062100")  # F107-F166
    rows = [
        *(("report_line", line) for line in _JLT_REVENUE_LINES),
        ("report_section", "Intäkter"),
        *(("report_line", line) for line in _JLT_COST_LINES),
        ("report_section", "Kostnader"),
        ("total", "all"),
    ]
    for breakdown, key in rows:
        add("finance_outcome", *lanstrafiken, breakdown, key, "2020-12", "year", -1)
        add("finance_budget", *lanstrafiken, breakdown, key, "2020-12", "year", -1)
        add("finance_budget_deviation", *lanstrafiken, breakdown, key, "2020-12", "year", 1)
    for unit in ("STAB", "AT", "SR"):  # F167-F169
        add("finance_budget_deviation", *lanstrafiken, "resultatenhet", unit, "2020-12", "year", 1)
    for year in range(2020, 2015, -1):  # F170-F174
        add("finance_budget_deviation", *lanstrafiken, "total", "all", f"{year}-12", "year", 1)
    add("finance_budget_deviation", "0006", "061100", "total", "all", "2020-12", "year", 1)  # F175
    # The report prints -475,5 mnkr for the total forecast, but also -475 423 tkr (F020): -475,4 mnkr.
    figures["F035"] = replace(figures["F035"], consistent_value=-475.4)
    return figures


# --------------------------------------------------------------------------------------------------
# Chart of accounts, code parts and amounts
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Account:
    konto: str
    name: str


#: The chart of accounts: konto -> name (``tables/accounts.csv``).
ACCOUNT_NAMES: dict[str, str] = {a.konto: a.name for a in table("finance", "accounts", _Account)}


class _Line:
    """One amount before it is written: a ledger month × code string, a budget month or a forecast row.

    ``weight`` is the natural amount in öre (for Länstrafiken only a relative weight within its cell);
    calibration fixes ``amount`` (öre) from it. ``line`` is the report line a Länstrafiken row belongs to
    (its ``Rapportrad`` in a plan, only a label in the ledger). ``pair`` links the two rows of an
    internal invoice.
    """

    __slots__ = (
        "aktivitet",
        "amount",
        "ansvar",
        "konto",
        "line",
        "month",
        "motpart",
        "pair",
        "projekt",
        "text",
        "verksamhet",
        "voucher",
        "weight",
    )

    def __init__(
        self,
        month: str,
        ansvar: str,
        konto: str,
        weight: float,
        *,
        verksamhet: str = "",
        motpart: str = "",
        aktivitet: str = "",
        projekt: str = "",
        line: str = "",
        amount: int | None = None,
        text: str = "",
    ) -> None:
        self.month = month
        self.ansvar = ansvar
        self.konto = konto
        self.weight = weight
        self.verksamhet = verksamhet
        self.motpart = motpart
        self.aktivitet = aktivitet
        self.projekt = projekt
        self.line = line
        self.amount = amount
        self.text = text
        self.pair: int | None = None
        self.voucher: tuple[str, str] | None = None  # (series, key) of a voucher of its own in a SIE file

    def copy(self) -> _Line:
        clone = _Line(self.month, self.ansvar, self.konto, self.weight, amount=self.amount)
        for name in self.__slots__:
            setattr(clone, name, getattr(self, name))
        return clone


def _check(what: str, factor: float, low: float, high: float) -> None:
    if not low <= factor <= high:
        raise AssertionError(f"finance sample calibration of {what}: factor {factor:.3f} outside [{low}, {high}]")


def _calibrate(
    lines: Iterable[_Line],
    select: Callable[[_Line], bool],
    target: int,
    what: str,
    low: float = 0.5,
    high: float = 2.0,
) -> None:
    """Scale the selected rows without an amount so that all selected rows sum to ``target`` öre.

    Rows that already have an amount (fixed rows: internal invoices, the rows a correction is about,
    cells calibrated before) count as they are. The scaling factor must lie in [low, high], a guard
    against a target far from the profile's natural level.
    """
    chosen = [x for x in lines if select(x)]
    free = [x for x in chosen if x.amount is None]
    fixed = sum(x.amount for x in chosen if x.amount is not None)
    if not free:
        raise AssertionError(f"finance sample calibration of {what}: no free rows")
    factor = (target - fixed) / sum(x.weight for x in free)
    _check(what, factor, low, high)
    for x in free:
        x.amount = round(x.weight * factor)
    biggest = max(free, key=lambda x: abs(x.weight))
    biggest.amount += target - fixed - sum(x.amount for x in free)


#: Limits for cells whose weights are only relative (a positive factor: the rows keep their sign).
_RELATIVE = (1e-12, 1e12)


def _settle(lines: Iterable[_Line], select: Callable[[_Line], bool] = lambda x: True) -> None:
    """Give the selected rows without an amount their natural amount."""
    for x in lines:
        if x.amount is None and select(x):
            x.amount = round(x.weight)


def _sum(lines: Iterable[_Line], select: Callable[[_Line], bool] = lambda x: True) -> int:
    return sum(x.amount for x in lines if select(x))


def _months(first: str, last: str) -> list[str]:
    """'YYYY-MM' from ``first`` to ``last`` inclusive."""
    y, m = int(first[:4]), int(first[5:])
    out = []
    while f"{y}-{m:02d}" <= last:
        out.append(f"{y}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _last_day(month: str) -> int:
    y, m = int(month[:4]), int(month[5:])
    return (date(y + m // 12, m % 12 + 1, 1) - date(y, m, 1)).days


@cache
def _members(region_id: str, node: str, month: str) -> frozenset[str]:
    """Units under ``node`` (itself included) as the organisation was on the month's last day."""
    day = date(int(month[:4]), int(month[5:]), _last_day(month))
    parent = {
        r.code: r.parent
        for r in organisation_rows(region_id)
        if r.valid_from <= day and (r.valid_to is None or r.valid_to >= day)
    }
    units = set()
    for code in parent:
        walk: str | None = code
        while walk:
            if walk == node:
                units.add(code)
                break
            walk = parent.get(walk)
    return frozenset(units)


@cache
def _valid_units(region_id: str, month: str) -> frozenset[str]:
    day = date(int(month[:4]), int(month[5:]), _last_day(month))
    return frozenset(
        r.code
        for r in organisation_rows(region_id)
        if r.valid_from <= day and (r.valid_to is None or r.valid_to >= day)
    )


def _under(region_id: str, node: str) -> Callable[[_Line], bool]:
    return lambda x: x.ansvar in _members(region_id, node, x.month)


def _group(konto: str) -> str:
    """Account group as in seeds/account_classes.csv (cost, income, other result, balance)."""
    k = int(konto[:4])
    if k < 3000:
        return "balance"
    if k < 4000:
        return "income"
    if 7800 <= k <= 7899 or k >= 8000:
        return "other"
    return "cost"


def _noise(rng: random.Random, sigma: float) -> float:
    return rng.lognormvariate(0.0, sigma) if sigma else 1.0


_SALARY_SEASON = {6: 1.03, 7: 0.8, 8: 0.95, 12: 1.02}


def _season(konto: str, month: str) -> float:
    if konto[:1] == "5":
        return _SALARY_SEASON.get(int(month[5:]), 1.0)
    return 1.0


def _sigma(konto: str) -> float:
    if konto[:1] == "5":
        return 0.02
    if konto[:2] in ("78", "80", "82"):
        return 0.005
    return 0.12


@dataclass(frozen=True)
class _Item:
    """A code string of a region's profile with its monthly level in thousand SEK (ledger sign).

    A row of ``tables/profile_items.csv``.
    """

    region_id: str
    ansvar: str
    konto: str
    verksamhet: str
    motpart: str
    level: float  # tkr per month in the ledger
    budget: float | None  # tkr per month in budget and forecast (None: as the ledger; 0: not budgeted)
    aktivitet: str
    first: str  # first month with postings ('2000-01': every month)

    @property
    def planned(self) -> float:
        return self.level if self.budget is None else self.budget


@dataclass(frozen=True)
class _Pair:
    """An internal sale repeated monthly: the seller's revenue and the buyer's cost, mirrored.

    A row of ``tables/internal_pairs.csv``.
    """

    region_id: str
    seller: str
    seller_konto: str
    seller_verksamhet: str
    buyer_code: str  # the buyer's internal motpart code, on the seller's row
    buyer: str
    buyer_konto: str
    buyer_verksamhet: str
    seller_code: str  # the seller's internal motpart code, on the buyer's row
    level: float  # tkr per month
    sigma: float
    late: bool  # from 2020 only (Jönköping: Regionarkivet's rent)


#: Each region's profile (``tables/profile_items.csv``): code strings and their monthly levels.
_ITEMS: dict[str, list[_Item]] = by_region(table("finance", "profile_items", _Item))
#: Each region's internal sales (``tables/internal_pairs.csv``). The internal motpart codes: Region
#: Halland 110 Regionkontoret, 140 Regionservice, 150 Hallands sjukhus, 160 Närsjukvården; Region
#: Värmland 110 Regionstyrelsen's units, 120 Hälso- och sjukvårdsnämnden's; Region Jönköpings län 110
#: Regionstyrelsen's förvaltningar, 120 Länstrafiken (Nämnd för arbetsmarknad, näringsliv och
#: attraktivitet), 130 Nämnd för folkhälsa och sjukvård.
_PAIRS: dict[str, list[_Pair]] = by_region(table("finance", "internal_pairs", _Pair))


def _ledger_rows(
    region_id: str, items: list[_Item], months: list[str], rng: random.Random, factor: Callable[[_Item, str], float]
) -> list[_Line]:
    rows = []
    valid = {m: _valid_units(region_id, m) for m in months}
    for month in months:
        for item in items:
            if month < item.first:
                continue
            assert item.ansvar in valid[month], (region_id, item.ansvar, month)
            weight = item.level * 1000 * 100 * _season(item.konto, month) * factor(item, month)
            rows.append(
                _Line(
                    month,
                    item.ansvar,
                    item.konto,
                    weight * _noise(rng, _sigma(item.konto)),
                    verksamhet=item.verksamhet,
                    motpart=item.motpart,
                    aktivitet=item.aktivitet,
                    text=ACCOUNT_NAMES[item.konto],
                )
            )
    return rows


#: The region unit (root) of each region's organisation tree.
_ROOTS = {"0013": "0001", "0017": "10000", "0006": "060000"}


def _pair_rows(
    region_id: str, pairs: list[_Pair], months: list[str], rng: random.Random, factor: float = 1.0
) -> list[_Line]:
    """Internal invoices, month by month, while both units are in the region's tree.

    (Before 2019 Jönköping's Länstrafiken and care units hang under nämnder that are not yet in the
    organisation extract: a sale to them is not internal to the region as the tree stands.)
    """
    rows = []
    for number, pair in enumerate(pairs):
        for month in months:
            region = _members(region_id, _ROOTS[region_id], month)
            if pair.seller not in region or pair.buyer not in region:
                continue
            amount = round(pair.level * 1000 * 100 * factor * _noise(rng, pair.sigma))
            text = f"Internfaktura {ACCOUNT_NAMES[pair.buyer_konto].lower()}"
            seller = _Line(
                month,
                pair.seller,
                pair.seller_konto,
                -amount,
                amount=-amount,
                verksamhet=pair.seller_verksamhet,
                motpart=pair.buyer_code,
                text=text,
            )
            buyer = _Line(
                month,
                pair.buyer,
                pair.buyer_konto,
                amount,
                amount=amount,
                verksamhet=pair.buyer_verksamhet,
                motpart=pair.seller_code,
                text=text,
            )
            seller.pair = buyer.pair = number
            rows += [seller, buyer]
    return rows


def _plan_rows(
    items: list[_Item], pairs: list[_Pair], months: list[str], factor: Callable[[str, str], float]
) -> list[_Line]:
    """Budget rows (one per code string and month, no motpart): smooth, salaries with their season."""
    rows = []
    for month in months:
        for item in items:
            if month < item.first or not item.planned:
                continue
            weight = item.planned * 1000 * 100 * _season(item.konto, month) * factor(item.ansvar, month)
            rows.append(_Line(month, item.ansvar, item.konto, weight, verksamhet=item.verksamhet))
        for pair in pairs:
            for unit, konto, verksamhet, sign in (
                (pair.seller, pair.seller_konto, pair.seller_verksamhet, -1),
                (pair.buyer, pair.buyer_konto, pair.buyer_verksamhet, 1),
            ):
                weight = sign * pair.level * 1000 * 100 * factor(unit, month)
                rows.append(_Line(month, unit, konto, weight, verksamhet=verksamhet))
    return rows


def _forecast_rows(budget: list[_Line], vintage: str, rng: random.Random, sigma: float = 0.03) -> list[_Line]:
    """Full-year forecast rows of a vintage: the year's budget per code string, with some noise."""
    year = vintage[:4]
    annual: dict[tuple[str, str, str, str], float] = {}
    for row in budget:
        if row.month[:4] == year:
            key = (row.ansvar, row.konto, row.line, row.verksamhet)
            annual[key] = annual.get(key, 0.0) + row.amount
    rows = []
    for (ansvar, konto, line, verksamhet), amount in sorted(annual.items()):
        rows.append(_Line(vintage, ansvar, konto, amount * _noise(rng, sigma), verksamhet=verksamhet, line=line))
    return rows


# --------------------------------------------------------------------------------------------------
# Region Halland (0013): Regionkontoret and its uppdrag, SIE 4 ledger
# --------------------------------------------------------------------------------------------------

_HALLAND_RK_UNITS = frozenset({"0111", "0112", "0121", "0122", "0131", "0132", "0141", "0142", "0151", "0161", "0162"})
#: Regionkontoret's uppdrag (seeds/finance_objects.csv): ranges of verksamhet.
_UPPDRAG = {"RK": ("100", "199"), "FV": ("200", "299"), "OR": ("300", "399"), "UM": ("400", "499")}


def _uppdrag(verksamhet: str) -> str | None:
    for key, (low, high) in _UPPDRAG.items():
        if low <= verksamhet[: len(low)] <= high:
            return key
    return None


# Regionkontoret's verksamhet: 1xx uppdrag Regionkontoret, 2xx Förtroendevalda, 3xx Oförutsett, 4xx
# Utvecklingsmedel; Bevakning (6980) carries the aktivitet 9019 Covid-19 from April 2020.
_HALLAND_ITEMS = _ITEMS["0013"]

_HALLAND_PAIRS = _PAIRS["0013"]


@dataclass(frozen=True)
class _Object:
    dimension: str  # SIE dimension: 20 verksamhet, 21 aktivitet, 22 motpart
    code: str
    name: str


#: Region Halland's object names by SIE dimension (``tables/halland_objects.csv``); units and projects
#: are named by the organisation and the investment projects.
_HALLAND_OBJECTS: dict[str, dict[str, str]] = {
    dimension: {x.code: x.name for x in objects}
    for dimension, objects in grouped(table("finance", "halland_objects", _Object), "dimension").items()
}


@dataclass(frozen=True)
class _Project:
    """An investment project of the follow-up: budget, spend to February and April, forecasts.

    A row of ``tables/halland_investment_projects.csv``.
    """

    code: str
    name: str
    ansvar: str
    budget: int  # SEK, the year's investment budget
    outcome_feb: int  # öre
    outcome_apr: int  # öre
    forecast_feb: int  # SEK
    forecast_apr: int  # SEK


_HALLAND_PROJECTS = list(table("finance", "halland_investment_projects", _Project))


@dataclass(frozen=True)
class _Target:
    cell: str  # ledger_2021_ytd, ledger_2020_ytd, budget_2021_ytd, budget_2021_year or forecast_<vintage>
    uppdrag: str  # '' where the cell is all of Regionkontoret
    account_group: str  # '' where the cell is all accounts
    ore: int


# Calibration targets, öre (ledger sign). Chosen so that every printed figure of seed 004, every
# printed sum and every printed difference rounds right (see the module docstring): for example
# the income development needs budget 2021 / outcome 2020 >= 1.1155 (11,6 %) while budget − outcome
# 2021 still rounds to 1 488 tkr and outcome 2021 − outcome 2020 to 6 826 tkr.
_H_TARGETS = table("finance", "halland_targets", _Target)
#: (uppdrag, group) -> öre, January-April 2021 under Regionkontoret
_H_LEDGER_2021_YTD = {(x.uppdrag, x.account_group): x.ore for x in _H_TARGETS if x.cell == "ledger_2021_ytd"}
_H_LEDGER_2020_YTD = {x.account_group: x.ore for x in _H_TARGETS if x.cell == "ledger_2020_ytd"}
_H_BUDGET_2021_YTD = {(x.uppdrag, x.account_group): x.ore for x in _H_TARGETS if x.cell == "budget_2021_ytd"}
_H_BUDGET_2021_YEAR = {x.uppdrag: x.ore for x in _H_TARGETS if x.cell == "budget_2021_year"}
#: vintage -> uppdrag -> öre
_H_FORECAST = {
    cell.removeprefix("forecast_"): {x.uppdrag: x.ore for x in targets}
    for cell, targets in grouped(_H_TARGETS, "cell").items()
    if cell.startswith("forecast_")
}
#: A supplier invoice registered late: missing from the first delivery of April 2021.
_H_LATE_INVOICE = ("0151", "6510", "150", 61_234_560, "Licenser journalsystem, faktura registrerad i efterhand")
#: Development grant first booked on verksamhet 140 (uppdrag Regionkontoret) instead of 410 (Utvecklingsmedel).
_H_RECODED = ("0141", "4610", "410", "140", 148_000_000, "Utvecklingsmedel, bidrag projekt Nära vård")


@dataclass
class _RegionData:
    """All rows of a region, as true (final) values, plus what the flawed deliveries held instead."""

    ledger: list[_Line]
    budget: list[_Line]
    forecast: list[_Line]
    projects: list[_Project] = field(default_factory=list)
    first_versions: dict[str, list[_Line]] = field(default_factory=dict)  # month -> rows first delivered


def _halland() -> _RegionData:
    rng = random.Random(SEED + 13)
    months = _months("2020-01", "2021-04")
    in_rk = _under("0013", "0100")

    def growth(item: _Item, month: str) -> float:
        return 0.87 if month < "2021" and item.ansvar in _HALLAND_RK_UNITS else 1.0

    ledger = _ledger_rows("0013", _HALLAND_ITEMS, months, rng, growth)
    ledger += _pair_rows("0013", _HALLAND_PAIRS, months, rng)
    ansvar, konto, verksamhet, amount, text = _H_LATE_INVOICE
    late = _Line("2021-04", ansvar, konto, amount, amount=amount, verksamhet=verksamhet, motpart="900", text=text)
    late.voucher = ("A", "late")
    ansvar, konto, verksamhet, _, amount, text = _H_RECODED
    recoded = _Line("2021-04", ansvar, konto, amount, amount=amount, verksamhet=verksamhet, motpart="900", text=text)
    recoded.voucher = ("A", "recoded")
    ledger += [late, recoded]

    ytd21 = set(_months("2021-01", "2021-04"))
    for (key, group), target in _H_LEDGER_2021_YTD.items():
        _calibrate(
            ledger,
            lambda x, key=key, group=group: (
                x.month in ytd21 and in_rk(x) and _uppdrag(x.verksamhet) == key and _group(x.konto) == group
            ),
            target,
            f"Halland ledger 2021 {key} {group}",
        )
    ytd20 = set(_months("2020-01", "2020-04"))
    for group, target in _H_LEDGER_2020_YTD.items():
        _calibrate(
            ledger,
            lambda x, group=group: x.month in ytd20 and in_rk(x) and _group(x.konto) == group,
            target,
            f"Halland ledger 2020 {group}",
        )
    _settle(ledger)

    # budget 2020 and 2021 by account and verksamhet, no motpart
    budget = _plan_rows(_HALLAND_ITEMS, _HALLAND_PAIRS, _months("2020-01", "2021-12"), lambda unit, month: 1.0)
    for (key, group), target in _H_BUDGET_2021_YTD.items():
        _calibrate(
            budget,
            lambda x, key=key, group=group: (
                x.month in ytd21 and in_rk(x) and _uppdrag(x.verksamhet) == key and _group(x.konto) == group
            ),
            target,
            f"Halland budget 2021 {key} {group}",
        )
    rest21 = set(_months("2021-05", "2021-12"))
    _settle(budget, lambda x: x.month in rest21 and _group(x.konto) != "cost")
    for key, year_target in _H_BUDGET_2021_YEAR.items():
        ytd = sum(v for (k, _), v in _H_BUDGET_2021_YTD.items() if k == key)
        _calibrate(
            budget,
            lambda x, key=key: x.month in rest21 and in_rk(x) and _uppdrag(x.verksamhet) == key,
            year_target - ytd,
            f"Halland budget May-December 2021 {key}",
        )
    _settle(budget)

    forecast = []
    for vintage, targets in sorted(_H_FORECAST.items()):
        rows = _forecast_rows(budget, vintage, rng)
        _settle(rows, lambda x: _group(x.konto) != "cost" or not in_rk(x))
        for key, target in targets.items():
            _calibrate(
                rows,
                lambda x, key=key: in_rk(x) and _uppdrag(x.verksamhet) == key,
                target,
                f"Halland forecast {vintage} {key}",
            )
        _settle(rows)
        forecast += rows

    # investment spend in the ledger (balance sheet, account 1220, with ansvar and projekt)
    for project in _HALLAND_PROJECTS:
        for months_, total in (
            (("2021-01", "2021-02"), project.outcome_feb),
            (("2021-03", "2021-04"), project.outcome_apr - project.outcome_feb),
        ):
            if not total:
                continue
            first = round(total * rng.uniform(0.3, 0.7))
            for month, amount in zip(months_, (first, total - first), strict=True):
                row = _Line(
                    month,
                    project.ansvar,
                    "1220",
                    amount,
                    amount=amount,
                    projekt=project.code,
                    motpart="900",
                    text=f"Investering {project.name}",
                )
                row.voucher = ("A", f"inv{project.code}")
                ledger.append(row)

    # what the first delivery of April 2021 held: no late invoice, the grant on the wrong verksamhet
    first = []
    for row in ledger:
        if row.month != "2021-04" or row is late:
            continue
        clone = row.copy()
        if row is recoded:
            clone.verksamhet = _H_RECODED[3]
        first.append(clone)
    return _RegionData(ledger, budget, forecast, list(_HALLAND_PROJECTS), {"2021-04": first})


# --------------------------------------------------------------------------------------------------
# Region Värmland (0017): Regionstyrelsen's net cost, CSV ledger per month and code string
# --------------------------------------------------------------------------------------------------

_VARMLAND_ITEMS = _ITEMS["0017"]
_VARMLAND_PAIRS = _PAIRS["0017"]
_V_NET_COST_2023_YTD = 107_476_003_140  # 1 074,760 mnkr (F103)
_V_BUDGET_2023_YTD = 117_027_204_315  # 1 170,272 mnkr (F104); deviation 95,512 mnkr (F105)
_V_BUDGET_2023_YEAR = 175_540_806_470
_V_FORECAST = {"2023-08": _V_BUDGET_2023_YEAR - 4_941_236_175, "2023-04": _V_BUDGET_2023_YEAR - 3_165_512_000}
#: The first delivery of June 2023 booked the Värmlandstrafik invoice twice.
_V_DOUBLE_BOOKED = ("2023-06", "11142", "4580", 761_250_000)


def _varmland() -> _RegionData:
    rng = random.Random(SEED + 17)
    months = _months("2022-01", "2023-08")
    in_rs = _under("0017", "11000")
    ledger = _ledger_rows("0017", _VARMLAND_ITEMS, months, rng, lambda item, month: 0.96 if month < "2023" else 1.0)
    ledger += _pair_rows("0017", _VARMLAND_PAIRS, _months("2022-01", "2022-12"), rng, 0.97)
    ledger += _pair_rows("0017", _VARMLAND_PAIRS, _months("2023-01", "2023-08"), rng)
    ytd = set(_months("2023-01", "2023-08"))
    _settle(ledger, lambda x: _group(x.konto) != "cost")
    _calibrate(ledger, lambda x: x.month in ytd and in_rs(x), _V_NET_COST_2023_YTD, "Värmland net cost 2023")
    _settle(ledger)

    budget = _plan_rows(
        _VARMLAND_ITEMS,
        _VARMLAND_PAIRS,
        _months("2022-01", "2023-12"),
        lambda unit, month: (0.97 if month < "2023" else 1.04) if unit != "10000" else 1.0,
    )
    _settle(budget, lambda x: _group(x.konto) != "cost")
    _calibrate(budget, lambda x: x.month in ytd and in_rs(x), _V_BUDGET_2023_YTD, "Värmland budget 2023 ytd")
    rest = set(_months("2023-09", "2023-12"))
    _calibrate(
        budget,
        lambda x: x.month in rest and in_rs(x),
        _V_BUDGET_2023_YEAR - _V_BUDGET_2023_YTD,
        "Värmland budget September-December 2023",
    )
    _settle(budget)

    forecast = []
    for vintage, target in sorted(_V_FORECAST.items()):
        rows = _forecast_rows(budget, vintage, rng)
        _settle(rows, lambda x: _group(x.konto) != "cost" or not in_rs(x))
        _calibrate(rows, in_rs, target, f"Värmland forecast {vintage}")
        _settle(rows)
        forecast += rows

    month, ansvar, konto, extra = _V_DOUBLE_BOOKED
    first = [row.copy() for row in ledger if row.month == month]
    doubled = next(x for x in first if x.ansvar == ansvar and x.konto == konto)
    doubled.amount += extra
    return _RegionData(ledger, budget, forecast, first_versions={month: first})


# --------------------------------------------------------------------------------------------------
# Region Jönköpings län (0006): Länstrafiken's report lines and resultatenheter, 2016-2020
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ReportLine:
    line: str
    section: str  # Intäkter or Kostnader


#: Länstrafiken's report lines in print order (``tables/lanstrafiken_report_lines.csv``).
_JLT_REPORT_LINES = table("finance", "lanstrafiken_report_lines", _ReportLine)
_JLT_REVENUE_LINES = tuple(x.line for x in _JLT_REPORT_LINES if x.section == "Intäkter")
_JLT_COST_LINES = tuple(x.line for x in _JLT_REPORT_LINES if x.section == "Kostnader")
#: Resultatenheter (seeds/finance_objects.csv): ranges of ansvar under Länstrafiken.
_RESULTATENHETER = {"STAB": ("062130", "062149"), "AT": ("062110", "062119"), "SR": ("062120", "062129")}


def _resultatenhet(ansvar: str) -> str | None:
    return next((key for key, (low, high) in _RESULTATENHETER.items() if low <= ansvar <= high), None)


@dataclass(frozen=True)
class _JltCell:
    line: str
    resultatenhet: str
    outcome: int  # öre
    budget: int  # öre


# 2020 outcome and budget per report line and resultatenhet, öre (ledger sign). The line totals make
# every line, both section sums and the total round to the printed tkr (JLT Totalt, seed 002), although
# the printed table does not add up: the revenue lines' outcomes sum to 367 293 (printed sum 367 292)
# and their deviations to -71 510 (printed -71 511), the cost lines' outcomes to -1 368 147 (printed
# -1 368 148), and the total's outcome - budget is -22 236 while its deviation prints -22 235. The
# sub-tkr parts (found by a small linear programme maximising the distance to every rounding boundary:
# at least 0,16 tkr) reproduce all of it. The resultatenheter's deviations round to +7 137, -52 807 and
# +23 435 tkr. How the other income splits between Allmän trafik and the staff is not printed: it is
# chosen (outcome and budget moved together, so no deviation changes) so that the tax-subsidy rate of
# general traffic comes out as the printed 69,2 % (docs/ridership.md).
_JLT_2020: dict[tuple[str, str], tuple[int, int]] = {
    (x.line, x.resultatenhet): (x.outcome, x.budget) for x in table("finance", "lanstrafiken_2020", _JltCell)
}


@dataclass(frozen=True)
class _JltYear:
    """Länstrafiken's figures of a year (``tables/lanstrafiken_years.csv``); see the names below."""

    year: int
    tickets: int
    surcharges: int
    budget_deviation: int | None
    tax_subsidy_rate: float | None
    revenue_budget_factor: float | None


_JLT_YEARS = table("finance", "lanstrafiken_years", _JltYear)
#: Länstrafiken's budget deviation per year before 2020, öre (F171-F174: -7,3 / 0,6 / -34,6 / -44,1 mnkr).
_JLT_DEVIATION = {x.year: x.budget_deviation for x in _JLT_YEARS if x.budget_deviation is not None}
#: Ticket revenue (fares sold: accounts 3111-3113) per year (seed 002's multi-year table, mnkr), öre. The
#: report line Biljettintäkter (3110-3119) also holds the surcharges for invalid tickets (3119): in 2020
#: the JLT table prints 176 822 tkr for the line while the multi-year table prints 171,4 mnkr of tickets.
_JLT_TICKETS = {x.year: x.tickets for x in _JLT_YEARS}
#: Surcharges for invalid tickets (tilläggsavgifter, 3119) per year, öre ("ökade tilläggsavgifter" 2020).
_JLT_SURCHARGES = {x.year: x.surcharges for x in _JLT_YEARS}
#: Tax-subsidy rate of general traffic before 2020 (seed 002's multi-year table, %): Allmän trafik's
#: other income is calibrated so that (cost - income) / cost hits it (docs/ridership.md).
_JLT_SUBSIDY = {x.year: x.tax_subsidy_rate for x in _JLT_YEARS if x.tax_subsidy_rate is not None}


@dataclass(frozen=True)
class _YearFactor:
    line: str
    factor_2016: float
    factor_2017: float
    factor_2018: float
    factor_2019: float


#: Outcome of a line before 2020 relative to 2020.
_JLT_YEAR_FACTOR = {
    x.line: (x.factor_2016, x.factor_2017, x.factor_2018, x.factor_2019)
    for x in table("finance", "lanstrafiken_year_factors", _YearFactor)
}
_JLT_DEFAULT_FACTOR = (0.88, 0.91, 0.95, 0.98)
#: Revenue budgets before 2020 relative to the outcome (the budget expected more tickets in 2016-2017).
_JLT_REVENUE_BUDGET = {x.year: x.revenue_budget_factor for x in _JLT_YEARS if x.revenue_budget_factor is not None}
#: Länstrafiken's forecast after August 2020: a budget deviation of -28,3 mnkr (seed 002).
_JLT_FORECAST_DEVIATION = -2_831_264_000


@dataclass(frozen=True)
class _Template:
    """A code string of Länstrafiken and its share of its report line (``tables/lanstrafiken_templates.csv``)."""

    line: str
    ansvar: str
    konto: str
    verksamhet: str
    motpart: str
    share: float
    profile: str  # a column of tables/lanstrafiken_month_profiles.csv
    first: str  # first month, or '': every month


_JLT_TEMPLATES = table("finance", "lanstrafiken_templates", _Template)


@dataclass(frozen=True)
class _MonthProfile:
    month: int
    flat: float
    traffic: float
    fare: float
    fare2020: float
    school: float
    trips: float
    trips2020: float
    grant: float


_PROFILE_ROWS = table("finance", "lanstrafiken_month_profiles", _MonthProfile)
#: Month profiles (``tables/lanstrafiken_month_profiles.csv``): name -> weight of January ... December.
_PROFILES = {
    field.name: tuple(getattr(row, field.name) for row in _PROFILE_ROWS)
    for field in dataclasses.fields(_MonthProfile)
    if field.name != "month"
}
#: Statsbidrag för intäktsbortfall, final settlement: missing from the first delivery of December 2020.
_JLT_LATE_GRANT = (
    "2020-12",
    "062110",
    "3612",
    "700",
    "300",
    -325_641_000,
    "Statsbidrag intäktsbortfall, slutreglering",
)

_JONKOPING_ITEMS = _ITEMS["0006"]
#: Units with postings before 2020 (besides Länstrafiken): the sample keeps the older years small.
_JONKOPING_EARLY_UNITS = frozenset({"060000", "061111", "061211", "063111", "063211"})
_JONKOPING_PAIRS = [p for p in _PAIRS["0006"] if not p.late]
_JONKOPING_LATE_PAIRS = [p for p in _PAIRS["0006"] if p.late]


@dataclass(frozen=True)
class _UnitDeviation:
    ansvar: str
    ore: int
    note: str


#: Regionledningskontoret's budget deviation 2020 per unit, öre (F175: 47 582 tkr in total).
_RLK_DEVIATION = {x.ansvar: x.ore for x in table("finance", "regionledningskontoret_deviations_2020", _UnitDeviation)}
_RLK_TOTAL = 4_758_221_466
#: Regionarkivet's deviation September-December 2020, under Informationsförvaltning: not in F175.
_ARCHIVE_LATE_DEVIATION = -68_155_420


def _jlt_profile(name: str, year: int) -> tuple[float, ...]:
    if year == 2020 and name in ("fare", "trips"):
        name += "2020"
    if name == "grant" and year != 2020:
        name = "flat"
    return _PROFILES[name]


def _jlt_rows(year: int, rng: random.Random, plan: bool) -> list[_Line]:
    """Länstrafiken's rows of a year: ledger rows per code string, or plan rows per ansvar and report line."""
    rows: list[_Line] = []
    months = _months(f"{year}-01", f"{year}-12")
    shares: dict[tuple[str, str, str], float] = {}
    for x in _JLT_TEMPLATES:
        if x.first and (x.first[:4] > str(year)):
            continue
        if plan:
            if x.profile != "grant":  # the budget did not foresee the state grant for lost fares
                shares[(x.line, x.ansvar)] = shares.get((x.line, x.ansvar), 0.0) + x.share
            continue
        weights = _jlt_profile(x.profile, year)
        for month in months:
            if month < x.first or not weights[int(month[5:]) - 1]:
                continue
            noise = _noise(rng, 0.03 if x.profile == "traffic" else 0.08)
            weight = 1e8 * x.share * weights[int(month[5:]) - 1] * noise
            if x.konto == "7830":
                weight = 1e8 * x.share
            row = _Line(month, x.ansvar, x.konto, weight, verksamhet=x.verksamhet, motpart=x.motpart, line=x.line)
            row.text = ACCOUNT_NAMES[x.konto]
            rows.append(row)
    for (line, ansvar), share in shares.items():
        for month in months:
            if ansvar in _valid_units("0006", month):
                rows.append(_Line(month, ansvar, "", 1e8 * share, line=line))
    for row in rows:  # revenue carries the ledger sign
        if row.line in _JLT_REVENUE_LINES:
            row.weight = -row.weight
    return rows


def _subsidy_income_target(jlt: list[_Line], year: int) -> int:
    """Allmän trafik's other income (öre, ledger sign) that makes its tax-subsidy rate the printed one.

    The rate is (cost - income) / cost of the resultatenhet Allmän trafik, cost = accounts 4000-7999
    and income = accounts 3000-3999 (docs/ridership.md); every other cell of the year is set already.
    """
    general = [x for x in jlt if _resultatenhet(x.ansvar) == "AT"]
    cost = sum(x.amount for x in general if x.konto[:1] in "4567")
    other_income = -sum(x.amount for x in general if x.konto[:1] == "3" and x.line != "ovriga_intakter")
    income = round((1 - _JLT_SUBSIDY[year] / 100) * cost)
    return -(income - other_income)


def _jonkoping() -> _RegionData:
    rng = random.Random(SEED + 6)
    ledger: list[_Line] = []
    budget: list[_Line] = []
    pairs_early = [p for p in _JONKOPING_PAIRS if p.buyer in _JONKOPING_EARLY_UNITS | {"062131"}]
    other_items = _JONKOPING_ITEMS
    early_items = [i for i in _JONKOPING_ITEMS if i.ansvar in _JONKOPING_EARLY_UNITS]

    for year in range(2016, 2021):
        months = _months(f"{year}-01", f"{year}-12")
        factor = 1.0 - 0.03 * (2020 - year)
        items = other_items if year == 2020 else early_items
        pairs = _JONKOPING_PAIRS + _JONKOPING_LATE_PAIRS if year == 2020 else pairs_early
        ledger += _ledger_rows("0006", items, months, rng, lambda item, month, f=factor: f)
        ledger += _pair_rows("0006", pairs, months, rng, factor)
        # Länstrafiken budgets by report line (below), so its internal rent is not a budget row by account
        plan = _plan_rows(items, pairs, months, lambda unit, month, f=factor: f * 1.01)
        budget += [x for x in plan if _resultatenhet(x.ansvar) is None]

        jlt = _jlt_rows(year, rng, plan=False)
        jlt_plan = _jlt_rows(year, rng, plan=True)
        if year == 2020:
            month, ansvar, konto, verksamhet, motpart, amount, text = _JLT_LATE_GRANT
            grant = _Line(
                month,
                ansvar,
                konto,
                amount,
                amount=amount,
                verksamhet=verksamhet,
                motpart=motpart,
                line="ovriga_intakter",
                text=text,
            )
            jlt.append(grant)
        internal = [x for x in ledger if x.ansvar == "062131" and x.month[:4] == str(year)]
        for x in internal:
            x.line = "ovriga_kostnader"
        _calibrate(
            jlt, lambda x: x.konto == "3119", _JLT_SURCHARGES[year], f"Länstrafiken {year} surcharges", *_RELATIVE
        )
        subsidy_cell = ("ovriga_intakter", "AT")
        cells = list(_JLT_2020.items())
        if year < 2020:  # Allmän trafik's other income last: it is calibrated against the cost
            cells = [cell for cell in cells if cell[0] != subsidy_cell] + [(subsidy_cell, _JLT_2020[subsidy_cell])]
        for (line, unit), (outcome, planned) in cells:
            if year == 2020:
                target_outcome = outcome
            elif line == "biljettintakter":
                target_outcome = _JLT_TICKETS[year] + _JLT_SURCHARGES[year]
            elif (line, unit) == subsidy_cell:
                target_outcome = _subsidy_income_target(jlt, year)
            else:
                target_outcome = round(outcome * _JLT_YEAR_FACTOR.get(line, _JLT_DEFAULT_FACTOR)[year - 2016])

            def in_cell(x: _Line, line=line, unit=unit) -> bool:
                return x.line == line and _resultatenhet(x.ansvar) == unit

            _calibrate(jlt + internal, in_cell, target_outcome, f"Länstrafiken {year} {line} {unit}", *_RELATIVE)
            if year == 2020:
                _calibrate(jlt_plan, in_cell, planned, f"Länstrafiken budget 2020 {line} {unit}", *_RELATIVE)
            elif line in _JLT_REVENUE_LINES:
                budget_factor = _JLT_REVENUE_BUDGET[year] if line == "biljettintakter" else 1.0
                _calibrate(
                    jlt_plan,
                    in_cell,
                    round(target_outcome * budget_factor * _noise(rng, 0.02)),
                    f"Länstrafiken budget {year} {line} {unit}",
                    *_RELATIVE,
                )
            else:  # cost budgets: the outcome with some noise, then one scaling to the year's deviation
                cell = [x for x in jlt_plan if in_cell(x)]
                scale = target_outcome / sum(x.weight for x in cell)
                for x in cell:
                    x.weight *= scale * _noise(rng, 0.02)
        if year < 2020:
            outcome_total = _sum(jlt + internal)
            _calibrate(
                jlt_plan,
                lambda x: True,
                outcome_total + _JLT_DEVIATION[year],
                f"Länstrafiken cost budget {year}",
                0.8,
                1.25,
            )
        ledger += jlt
        budget += jlt_plan

    # Regionledningskontoret 2020: the budget per unit is the outcome plus the unit's deviation
    year_2020 = set(_months("2020-01", "2020-12"))
    _settle(ledger)
    _settle(budget, lambda x: x.month in year_2020 and x.ansvar in _RLK_DEVIATION and _group(x.konto) != "cost")
    rlk = _under("0006", "061100")
    for unit, deviation in _RLK_DEVIATION.items():
        periods = [("rlk", deviation)]
        if unit == "061132":
            periods.append(("late", _ARCHIVE_LATE_DEVIATION))
        for part, dev in periods:

            def in_part(x: _Line, unit=unit, part=part) -> bool:
                return x.ansvar == unit and x.month in year_2020 and (rlk(x) == (part == "rlk"))

            _calibrate(budget, in_part, _sum(ledger, in_part) + dev, f"Regionledningskontoret budget {unit} {part}")
    assert sum(_RLK_DEVIATION.values()) == _RLK_TOTAL
    _settle(budget)

    # forecast after August 2020: budget per code string (report line for Länstrafiken), deviation -28,3 mnkr
    vintage = "2020-08"
    forecast = _forecast_rows(budget, vintage, rng)
    jlt_node = _under("0006", "062100")
    for x in forecast:
        if x.line == "biljettintakter":
            x.weight *= 0.6
        elif x.line == "ovriga_intakter" and _resultatenhet(x.ansvar) == "AT":
            x.weight *= 1.9
    _settle(forecast, lambda x: not jlt_node(x) or x.line in _JLT_REVENUE_LINES)
    budget_jlt = _sum(budget, lambda x: x.month in year_2020 and jlt_node(x))
    _calibrate(forecast, jlt_node, budget_jlt - _JLT_FORECAST_DEVIATION, "Länstrafiken forecast 202008", 0.8, 1.25)
    _settle(forecast)

    month, *_ = _JLT_LATE_GRANT
    first = [row.copy() for row in ledger if row.month == month and row.text != _JLT_LATE_GRANT[-1]]
    return _RegionData(ledger, budget, forecast, first_versions={month: first})


# --------------------------------------------------------------------------------------------------
# Deliveries
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FinanceDelivery:
    """One delivered finance file: where it lands, when, what it covers and what is special about it."""

    source: str  # finance_ledger, finance_budget, finance_forecast, finance_investments
    region_id: str
    delivered_at: datetime
    slug: str
    months: tuple[str, ...]  # 'YYYY-MM' covered: accounting months, the forecast vintage or the investment period
    kind: str  # history, correction, broken
    note: str
    extension: str = "csv"

    @property
    def name(self) -> str:
        return f"{self.delivered_at:%Y%m%dT%H%M}_{self.slug}.{self.extension}"

    @property
    def relative_path(self) -> Path:
        return Path(self.source) / self.region_id / self.name


_LEDGER, _BUDGET = "finance_ledger", "finance_budget"
_FORECAST, _INVESTMENTS = "finance_forecast", "finance_investments"


@dataclass(frozen=True)
class _PlannedDelivery:
    """A row of ``tables/deliveries.csv``: a file and the months it covers (first to last)."""

    source: str
    region_id: str
    delivered_at: datetime
    slug: str
    first_month: str
    last_month: str
    kind: str
    note: str
    extension: str


def _plan() -> tuple[FinanceDelivery, ...]:
    deliveries = [
        FinanceDelivery(
            d.source,
            d.region_id,
            d.delivered_at,
            d.slug,
            tuple(_months(d.first_month, d.last_month)),
            d.kind,
            d.note,
            d.extension,
        )
        for d in table("finance", "deliveries", _PlannedDelivery)
    ]
    return tuple(sorted(deliveries, key=lambda d: (d.delivered_at, d.name)))


#: Every finance file the sample delivers, in delivery order.
FINANCE_DELIVERIES: tuple[FinanceDelivery, ...] = _plan()
#: Files ingest must quarantine (their months are delivered correctly by other files).
FINANCE_BROKEN_FILES: tuple[str, ...] = tuple(d.name for d in FINANCE_DELIVERIES if d.kind == "broken")
#: Re-deliveries of months: the printed figures come out right only if they replace the first delivery.
FINANCE_CORRECTION_FILES: tuple[str, ...] = tuple(d.name for d in FINANCE_DELIVERIES if d.kind == "correction")

# --------------------------------------------------------------------------------------------------
# Writing: CSV
# --------------------------------------------------------------------------------------------------


def _decimal(ore: int, grouped: bool = False) -> str:
    """Öre as a Swedish amount: decimal comma, optionally thousands grouped with a space."""
    sign = "-" if ore < 0 else ""
    kronor, cents = divmod(abs(ore), 100)
    whole = f"{kronor:,}".replace(",", " ") if grouped else str(kronor)
    return f"{sign}{whole},{cents:02d}"


def _encode_csv(region_id: str, table: list[list[str]]) -> bytes:
    if region_id == "0017":
        lines = [";".join(f'"{v}"' for v in cells) for cells in table]
    else:
        lines = [";".join(cells) for cells in table]
    newline = "\r\n" if region_id == "0013" else "\n"
    return (newline.join(lines) + newline).encode(ENCODINGS[region_id])


def _period(month: str) -> str:
    return month.replace("-", "")


def _code_key(x: _Line) -> tuple[str, ...]:
    return (x.month, x.ansvar, x.konto, x.line, x.verksamhet, x.aktivitet, x.projekt, x.motpart)


def _ledger_table(region_id: str, rows: list[_Line]) -> list[list[str]]:
    """A ledger file per month and code string (Värmland, Jönköping before 2020)."""
    rows = sorted(rows, key=_code_key)
    if region_id == "0017":
        header = ["Period", "Ansvar", "Konto", "Kontonamn", "Verksamhet", "Motpart", "Belopp"]
        body = [
            [
                _period(x.month),
                x.ansvar,
                x.konto,
                ACCOUNT_NAMES[x.konto],
                x.verksamhet,
                x.motpart,
                _decimal(x.amount, True),
            ]
            for x in rows
        ]
    else:
        header = ["Period", "Ansvar", "Konto", "Verksamhet", "Motpart", "Belopp"]
        body = [[_period(x.month), x.ansvar, x.konto, x.verksamhet, x.motpart, _decimal(x.amount)] for x in rows]
    return [header, *body]


@dataclass(frozen=True)
class _Posting:
    """One posting of a ledger per posting: part of a month × code string on a day of the month."""

    day: date
    row: _Line
    amount: int

    @property
    def key(self) -> tuple:
        return (self.day, self.row.konto, _code_key(self.row), self.amount)


def _postings(rows: list[_Line]) -> list[_Posting]:
    """Split month rows into postings on days of the month; the split depends only on the row itself.

    Salaries are paid on the 25th, traffic and service-trip invoices, depreciation, internal invoices
    and grants come once a month, everything else in one to three invoices.
    """
    postings: list[_Posting] = []
    for x in sorted(rows, key=_code_key):
        rng = random.Random("|".join((*_code_key(x), str(x.amount))))
        year, month = int(x.month[:4]), int(x.month[5:])
        if x.konto[:1] == "5":
            days, parts = [25], [x.amount]
        elif x.konto[:1] in "78" or x.pair is not None or (x.line and x.konto[:2] in ("45", "36")):
            days, parts = [28], [x.amount]
        else:
            count = rng.choice((1, 2, 2, 3))
            cuts = sorted(rng.uniform(0.15, 0.85) for _ in range(count - 1))
            shares = [b - a for a, b in zip([0.0, *cuts], [*cuts, 1.0], strict=True)]
            parts = [round(x.amount * share) for share in shares]
            parts[-1] += x.amount - sum(parts)
            days = sorted(rng.randint(2, 28) for _ in parts)
        postings += [_Posting(date(year, month, day), x, amount) for day, amount in zip(days, parts, strict=True)]
    return sorted(postings, key=lambda p: p.key)


def _posting_table(postings: list[_Posting], numbers: dict[tuple, str]) -> list[list[str]]:
    header = ["Bokföringsdatum", "Verifikation", "Ansvar", "Konto", "Verksamhet", "Motpart", "Belopp", "Text"]
    body = [
        [
            p.day.isoformat(),
            numbers[p.key],
            p.row.ansvar,
            p.row.konto,
            p.row.verksamhet,
            p.row.motpart,
            _decimal(p.amount),
            p.row.text,
        ]
        for p in postings
    ]
    return [header, *body]


def _budget_table(region_id: str, rows: list[_Line]) -> list[list[str]]:
    rows = sorted(rows, key=_code_key)
    grouped = region_id == "0017"
    if region_id == "0013":
        header = ["År", "Månad", "Ansvar", "Konto", "Verksamhet", "Aktivitet", "Belopp"]
        cells = [[x.month[:4], str(int(x.month[5:])), x.ansvar, x.konto, x.verksamhet, x.aktivitet] for x in rows]
    elif region_id == "0017":
        header = ["År", "Månad", "Ansvar", "Konto", "Verksamhet", "Belopp"]
        cells = [[x.month[:4], str(int(x.month[5:])), x.ansvar, x.konto, x.verksamhet] for x in rows]
    else:
        header = ["År", "Månad", "Ansvar", "Konto", "Rapportrad", "Verksamhet", "Belopp"]
        cells = [[x.month[:4], str(int(x.month[5:])), x.ansvar, x.konto, x.line, x.verksamhet] for x in rows]
    return [header, *([*c, _decimal(x.amount, grouped)] for c, x in zip(cells, rows, strict=True))]


def _forecast_table(region_id: str, rows: list[_Line]) -> list[list[str]]:
    rows = sorted(rows, key=_code_key)
    if region_id == "0006":
        header = ["Prognostillfälle", "Ansvar", "Konto", "Rapportrad", "Helårsprognos"]
        cells = [[_period(x.month), x.ansvar, x.konto, x.line] for x in rows]
    else:
        header = ["Prognostillfälle", "Ansvar", "Konto", "Verksamhet", "Helårsprognos"]
        cells = [[_period(x.month), x.ansvar, x.konto, x.verksamhet] for x in rows]
    grouped = region_id == "0017"
    return [header, *([*c, _decimal(x.amount, grouped)] for c, x in zip(cells, rows, strict=True))]


def _investment_table(projects: list[_Project], month: str) -> list[list[str]]:
    header = ["Period", "Projekt", "Projektnamn", "Ansvar", "Årsbudget", "Utfall ackumulerat", "Årsprognos"]
    table = [header]
    for p in projects:
        outcome, forecast = (p.outcome_feb, p.forecast_feb) if month == "2021-02" else (p.outcome_apr, p.forecast_apr)
        table.append(
            [
                _period(month),
                p.code,
                p.name,
                p.ansvar,
                _decimal(p.budget * 100),
                _decimal(outcome),
                _decimal(forecast * 100),
            ]
        )
    return table


# --------------------------------------------------------------------------------------------------
# Writing: SIE 4 (Region Halland)
# --------------------------------------------------------------------------------------------------

_SIE_DIMENSIONS = (("1", "Ansvar"), ("6", "Projekt"), ("20", "Verksamhet"), ("21", "Aktivitet"), ("22", "Motpart"))


@dataclass
class _Voucher:
    series: str
    key: str
    day: date
    text: str
    rows: list[tuple[str, tuple[tuple[str, str], ...], int, str]]  # konto, objects, öre, text
    registered: date | None = None
    number: int = 0


def _objects(x: _Line) -> tuple[tuple[str, str], ...]:
    parts = (("1", x.ansvar), ("6", x.projekt), ("20", x.verksamhet), ("21", x.aktivitet), ("22", x.motpart))
    return tuple((dim, code) for dim, code in parts if code)


def _vouchers(rows: list[_Line]) -> list[_Voucher]:
    """Group month rows into balanced vouchers: salaries, supplier and customer invoices, internal invoices."""
    groups: dict[tuple[str, str, str], list[_Line]] = {}
    for x in sorted(rows, key=_code_key):
        if x.voucher is not None:
            series, key = x.voucher
        elif x.pair is not None:
            series, key = "I", f"pair{x.pair:02d}"
        elif x.konto[:1] == "5":
            series, key = "L", "lon"
        elif x.konto[:1] in "78" and _group(x.konto) == "other":
            series, key = "M", "avskrivning" if x.konto[:2] == "78" else "finans"
        elif _group(x.konto) == "income":
            series, key = "K", x.ansvar
        else:
            series, key = "A", x.ansvar
        groups.setdefault((x.month, series, key), []).append(x)
    vouchers = []
    for (month, series, key), members in groups.items():
        year, number = int(month[:4]), int(month[5:])
        name = f"{MONTHS[number - 1]} {year}"
        rng = random.Random(f"{month}|{series}|{key}")
        total = sum(x.amount for x in members)
        trans = [(x.konto, _objects(x), x.amount, x.text) for x in members]
        registered = None
        if series == "L":
            day, text = 25, f"Löner {name}"
            tax = -round(total * 0.3)
            trans += [("2710", (), tax, "Personalens källskatt"), ("1930", (), -total - tax, "Utbetalning löner")]
        elif series == "M":
            day = _last_day(month)
            text = f"Avskrivningar {name}" if key == "avskrivning" else f"Räntor {name}"
            trans.append(("1229" if key == "avskrivning" else "1930", (), -total, text))
        elif series == "I":
            day, text = 15, f"{members[0].text} {name}"
        elif series == "K":
            day, text = rng.randint(3, 26), f"Kundfakturor {name}"
            trans.append(("1510", (), -total, "Kundfordran"))
        else:
            day = rng.randint(3, 26)
            text = members[0].text if _single_invoice(members) else f"Leverantörsfakturor {name}"
            trans.append(("2410", (), -total, "Leverantörsskuld"))
            if key == "late":  # registered after the month was first exported
                registered = date(year, number, day) + timedelta(days=24)
        vouchers.append(_Voucher(series, key, date(year, number, day), text, trans, registered))
    return vouchers


def _single_invoice(members: list[_Line]) -> bool:
    """A voucher of its own (a single invoice) is named by its row's text."""
    return len(members) == 1 and members[0].voucher is not None


def _number_vouchers(vouchers: list[_Voucher]) -> None:
    counters: dict[tuple[int, str], int] = {}
    for v in sorted(vouchers, key=lambda v: (v.day, v.series, v.key)):
        counter = (v.day.year, v.series)
        counters[counter] = counters.get(counter, 0) + 1
        v.number = counters[counter]


def _sie_amount(ore: int) -> str:
    sign = "-" if ore < 0 else ""
    return f"{sign}{abs(ore) // 100}.{abs(ore) % 100:02d}"


def _quote(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"'


def _sie_bytes(year: int, vouchers: list[_Voucher], generated: date) -> bytes:
    accounts = sorted({t[0] for v in vouchers for t in v.rows})
    objects: dict[tuple[str, str], str] = {}
    names = _unit_names("0013", date(year, 12, 31))
    lookups = _HALLAND_OBJECTS
    projects = {p.code: p.name for p in _HALLAND_PROJECTS}
    for v in vouchers:
        for _, objs, _, _ in v.rows:
            for dim, code in objs:
                if dim == "1":
                    objects[(dim, code)] = names[code]
                elif dim == "6":
                    objects[(dim, code)] = projects[code]
                else:
                    objects[(dim, code)] = lookups[dim][code]
    kinds = {"1": "T", "2": "S", "3": "I"}
    lines = [
        "#FLAGGA 0",
        '#PROGRAM "Raindance" 2021.1',
        "#FORMAT PC8",
        f'#GEN {generated:%Y%m%d} "EKONOMI"',
        "#SIETYP 4",
        '#FNAMN "Region Halland"',
        "#ORGNR 232100-0115",
        f"#RAR 0 {year}0101 {year}1231",
        "#KPTYP EUBAS97",
        "#VALUTA SEK",
        *(f"#KONTO {a} {_quote(ACCOUNT_NAMES[a])}" for a in accounts),
        *(f"#KTYP {a} {kinds.get(a[0], 'K')}" for a in accounts),
        *(f"#DIM {number} {_quote(name)}" for number, name in _SIE_DIMENSIONS),
        *(
            f"#OBJEKT {dim} {_quote(code)} {_quote(name)}"
            for (dim, code), name in sorted(objects.items(), key=lambda o: (int(o[0][0]), o[0][1]))
        ),
    ]
    for v in sorted(vouchers, key=lambda v: (v.day, v.series, v.number)):
        registered = v.registered or v.day
        lines.append(f"#VER {v.series} {v.number} {v.day:%Y%m%d} {_quote(v.text)} {registered:%Y%m%d}")
        lines.append("{")
        for konto, objs, amount, text in v.rows:
            object_list = " ".join(f"{dim} {_quote(code)}" for dim, code in objs)
            lines.append(f"#TRANS {konto} {{{object_list}}} {_sie_amount(amount)} {v.day:%Y%m%d} {_quote(text)}")
        lines.append("}")
    return ("\r\n".join(lines) + "\r\n").encode(SIE_ENCODING)


@cache
def _unit_names(region_id: str, as_of: date) -> dict[str, str]:
    return {r.code: r.name for r in organisation_rows(region_id) if r.valid_from <= as_of}


# --------------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------------


def build_finance_sample() -> dict[str, _RegionData]:
    """Build and calibrate all regions' finance rows (no files): region id -> its data."""
    return {"0013": _halland(), "0017": _varmland(), "0006": _jonkoping()}


def _month_rows(data: _RegionData, months: Iterable[str], first_version: bool) -> list[_Line]:
    rows: list[_Line] = []
    for month in months:
        if first_version and month in data.first_versions:
            rows += data.first_versions[month]
        else:
            rows += [x for x in data.ledger if x.month == month]
    return rows


def _halland_sie(data: _RegionData, delivery: FinanceDelivery, numbers: dict[tuple[str, str, str], int]) -> bytes:
    """A SIE 4 file of the delivery's months; voucher numbers as in the final ledger."""
    vouchers = _vouchers(_month_rows(data, delivery.months, first_version=delivery.kind == "history"))
    for v in vouchers:
        v.number = numbers[(f"{v.day:%Y-%m}", v.series, v.key)]
    if delivery.kind == "broken":  # a cost keyed 270,00 too high on the month's first supplier invoice
        wrong = min((v for v in vouchers if v.series == "A"), key=lambda v: (v.day, v.key))
        konto, objects, amount, text = wrong.rows[0]
        wrong.rows[0] = (konto, objects, amount + 27_000, text)
    return _sie_bytes(int(delivery.months[0][:4]), vouchers, delivery.delivered_at.date())


def _jonkoping_postings(data: _RegionData, delivery: FinanceDelivery, numbers: dict[tuple, str]) -> bytes:
    """A ledger per posting (2020); the broken delivery has a third decimal and an unknown Ansvar."""
    postings = _postings(_month_rows(data, delivery.months, first_version=delivery.kind == "history"))
    table = _posting_table(postings, numbers)
    if delivery.kind == "broken":
        table[7][6] += "5"  # line 8: an amount of three decimals
        table[12][2] = "062199"  # line 13: an Ansvar that is no unit of the organisation
    return _encode_csv(delivery.region_id, table)


def _content(delivery: FinanceDelivery, data: _RegionData, numbers: dict) -> bytes:
    region_id, months = delivery.region_id, delivery.months
    if delivery.source == _LEDGER and region_id == "0013":
        return _halland_sie(data, delivery, numbers["0013"])
    if delivery.source == _LEDGER and region_id == "0006" and months[0] >= "2020":
        return _jonkoping_postings(data, delivery, numbers["0006"])
    if delivery.source == _LEDGER:
        rows = _month_rows(data, months, first_version=delivery.kind == "history")
        return _encode_csv(region_id, _ledger_table(region_id, rows))
    if delivery.source == _BUDGET:
        return _encode_csv(region_id, _budget_table(region_id, [x for x in data.budget if x.month in months]))
    if delivery.source == _FORECAST:
        return _encode_csv(region_id, _forecast_table(region_id, [x for x in data.forecast if x.month == months[0]]))
    return _encode_csv(region_id, _investment_table(data.projects, months[0]))


def write_finance_sample(landing_dir: Path) -> list[Path]:
    """Write the finance sample (ledger, budget, forecast, investments) under ``landing_dir``.

    Returns the written paths in delivery order. Each file's modification time is its delivery
    timestamp, so sorting by (mtime, name) gives the same order.
    """
    landing_dir = Path(landing_dir)
    regions = build_finance_sample()
    # voucher numbers come from the final ledger, so a re-delivered month keeps them
    vouchers = _vouchers(regions["0013"].ledger)
    _number_vouchers(vouchers)
    postings = _postings([x for x in regions["0006"].ledger if x.month >= "2020"])
    numbers = {
        "0013": {(f"{v.day:%Y-%m}", v.series, v.key): v.number for v in vouchers},
        "0006": {p.key: f"{20_000_000 + n:08d}" for n, p in enumerate(postings)},
    }
    written: list[Path] = []
    for delivery in FINANCE_DELIVERIES:
        path = landing_dir / delivery.relative_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_content(delivery, regions[delivery.region_id], numbers))
        timestamp = delivery.delivered_at.timestamp()
        os.utime(path, (timestamp, timestamp))
        written.append(path)
    return written


#: Every finance figure of published_figures.csv (F020-F175) and where the marts publish it.
FINANCE_FIGURES: dict[str, FigureRef] = _finance_figures()
