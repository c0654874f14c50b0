"""Deterministic sample extracts for public transport: Länstrafiken (Region Jönköpings län, 0006).

Reproduces every ``domain=ridership`` row of shared/domain/published_figures.csv (seed 002:
Länstrafiken's five-year table 2016-2020, the 2020 against 2019 table with färdtjänst and
sjukresor, påstigande per mil 5,1, trips excluding school cards -39 %, cost per passenger-km
26,86) together with the finance sample's ledger (ticket revenue, tax-subsidy rate), as files the
authority's systems would deliver (contracts in docs/extracts/ridership_*.md):

- **GTFS** (:mod:`samples.ridership.gtfs`): the feed the lines, stops and trips come from.
- **Boardings**: the ticketing system's daily counts per line and ticket product (layout ``count``,
  ``Källa`` validering), one file per year for 2016-2019 and one per month for 2020; November 2020 is
  delivered twice (the first file lacks Krösatåg's trains, the completion replaces the month). Plus
  one day at validation level (2021-01-04, Windows-1252, one row per validation with trip and stop),
  as the new ticketing system delivers it; January 2021 is incomplete, so nothing of 2021 is published.
- **Service trips**: the old planning system's monthly statistics (layout ``summary``) per year to
  August 2020, then one row per ordered trip from the new contract (September 2020), per month.
- **Production**: vehicle-km per month and contract as the operators report it (Västtågen by traffic
  area), one file per year for 2016-2019 and one per month for 2020. The regional-bus contract changes
  on 15 June 2020 and the service-trip contract on 1 September 2020.
- **Population** 2016-2020 (31 December).
- Broken deliveries for quarantine: a boardings file with a line GTFS does not know and a negative
  count, and a trip file whose traveller id is a personnummer.

How it is made: each year's totals are chosen so that every printed figure, difference and ratio
rounds to the print (e.g. 2020's 13 147 100 and 2019's 22 088 050 trips give -8 941 thousand and
-40,5 %); totals are apportioned to months, days, traffic areas, lines and products by largest
remainder, so every level sums exactly. Everything is driven by fixed seeds: the same call writes
byte-identical files whose modification times are their delivery timestamps.

``write_full_scale_boardings`` writes a full year at validation level (22 million rows for
Jönköping's 2019) for the benchmark (benchmarks/ridership.py).
"""

from __future__ import annotations

import calendar
import hashlib
import io
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from samples.figures import FigureRef
from samples.ridership.gtfs import SampleFeed, sample_feed, write_gtfs_sample
from samples.tables import grouped, table

REGION_ID = "0006"
AUTHORITY = "062100"  # Länstrafiken in the HR sample's organisation tree
YEARS = (2016, 2017, 2018, 2019, 2020)

# --------------------------------------------------------------------------------------------------
# The published figures
# --------------------------------------------------------------------------------------------------


def _ridership_figures() -> dict[str, FigureRef]:
    figures: dict[str, FigureRef] = {}
    number = iter(range(176, 231))

    def add(indicator: str, breakdown: str, key: str, period: str) -> None:
        ref = FigureRef(indicator, REGION_ID, AUTHORITY, breakdown, key, period, "year", 1)
        figures[f"F{next(number):03d}"] = ref

    five_years = [f"{year}-12" for year in range(2020, 2015, -1)]
    for indicator in ("boardings", "service_trips"):  # F176-F185
        for period in five_years:
            add(indicator, "total", "all", period)
    for area in ("stadstrafiken_jkp", "regionbussar", "krosatag", "serviceresor"):  # F186-F205
        for period in five_years:
            add("vehicle_km", "traffic_area", area, period)
    for indicator in ("ticket_revenue", "tax_subsidy_rate"):  # F206-F215
        for period in five_years:
            add(indicator, "total", "all", period)
    for indicator, breakdown, key in (  # F216-F227
        ("boardings", "total", "all"),
        ("service_trips", "total", "all"),
        ("service_trips", "service_trip_type", "fardtjanst"),
        ("service_trips", "service_trip_type", "sjukresa"),
    ):
        for suffix in ("", "_change", "_change_pct"):
            add(indicator + suffix, breakdown, key, "2020-12")
    add("boardings_per_10_vehicle_km", "total", "all", "2020-12")  # F228
    add("boardings_excl_school_cards_change_pct", "total", "all", "2020-12")  # F229
    add("service_trip_cost_per_passenger_km", "total", "all", "2020-12")  # F230
    return figures


#: Every ridership figure of published_figures.csv -> where it lives in the published KPI table.
RIDERSHIP_FIGURES = _ridership_figures()
#: Printed in thousands (trips, vehicle-km) or mnkr; the rest in their own unit.
FIGURE_SCALE = {"thousand trips": 1000, "thousand vehicle-km": 1000, "mnkr": 1_000_000}

# --------------------------------------------------------------------------------------------------
# Yearly totals (exact) chosen so that every printed figure rounds to the print
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Year:
    """A year's totals (``tables/years.csv``); see the names below."""

    year: int
    boardings: int
    school_card_boardings: int
    passenger_km: float
    service_cost: float  # SEK
    population: int


@dataclass(frozen=True)
class _ServiceTrips:
    year: int
    trip_type: str
    trips: int


@dataclass(frozen=True)
class _VehicleKm:
    year: int
    traffic_area: str
    vehicle_km: int


@dataclass(frozen=True)
class _TrafficArea:
    traffic_area: str
    boarding_share: float | None  # None: no boardings (service trips)
    operator: str  # who reports the area's production


@dataclass(frozen=True)
class _Product:
    product: str
    share: float


@dataclass(frozen=True)
class _MonthProfile:
    month: int
    boardings: float
    boardings_2020: float
    school_cards: float
    school_cards_2020: float
    service_trips: float
    service_trips_2020: float
    traffic: float


@dataclass(frozen=True)
class _DayWeight:
    weekday: str
    general: float
    school_cards: float


_YEARS = table("ridership", "years", _Year)
_AREAS = table("ridership", "traffic_areas", _TrafficArea)
_PROFILES = table("ridership", "month_profiles", _MonthProfile)
_DAY_WEIGHTS = table("ridership", "day_weights", _DayWeight)

#: Boardings in general traffic (F176-F180; 2020 - 2019 = -8 940 950 -> -8 941 thousand, -40,48 %).
BOARDINGS = {x.year: x.boardings for x in _YEARS}
#: Of which on school cards: upper-secondary schools taught at a distance from spring 2020, so
#: school-card trips fell more than the rest (excluding them: 12 228 400 / 20 047 050 - 1 = -39,0 %).
SCHOOL_CARD_BOARDINGS = {x.year: x.school_card_boardings for x in _YEARS}
#: Each general traffic area's share of the boardings (not printed).
AREA_SHARES = {x.traffic_area: x.boarding_share for x in _AREAS if x.boarding_share is not None}
#: School cards are used on the buses only.
SCHOOL_AREAS = ("stadstrafiken_jkp", "regionbussar")
#: Ticket products other than school cards, with their share of a line's boardings.
PRODUCT_SHARES = {x.product: x.share for x in table("ridership", "ticket_products", _Product)}

#: Service trips per type (F181-F185, F219-F227): färdtjänst and sjukresor as printed, riksfärdtjänst
#: and närtrafik small enough that "varav" färdtjänst + sjukresor make the printed total.
SERVICE_TRIPS = {
    year: {x.trip_type: x.trips for x in trips}
    for year, trips in grouped(table("ridership", "service_trips", _ServiceTrips), "year").items()
}
#: Passenger-km and the operators' cost (SEK) of all service trips per year: 2020 gives 26,86 SEK per
#: passenger-km (F230; more travellers alone and the special covid transports).
SERVICE_COST = {x.year: (x.passenger_km, x.service_cost) for x in _YEARS}
#: The traffic areas of the production reports, in their order.
VEHICLE_KM_AREAS = tuple(x.traffic_area for x in _AREAS)
#: Vehicle-km per traffic area (F186-F205 as printed, in km, plus the areas the multi-year table leaves
#: out: with them 2020's general traffic runs 25 779 300 km, and 13 147 100 / 2 577 930 = 5,1 per mil).
_KM = {(x.year, x.traffic_area): x.vehicle_km for x in table("ridership", "vehicle_km", _VehicleKm)}
VEHICLE_KM = {x.year: tuple(_KM[x.year, area] for area in VEHICLE_KM_AREAS) for x in _YEARS}
#: Population of Jönköpings län on 31 December.
POPULATION = {x.year: x.population for x in _YEARS}

#: Monthly shape of a normal year, and 2020's factors on it (the pandemic from mid-March).
MONTH_PROFILE = tuple(x.boardings for x in _PROFILES)
PANDEMIC_2020 = tuple(x.boardings_2020 for x in _PROFILES)
SCHOOL_PROFILE = tuple(x.school_cards for x in _PROFILES)
SCHOOL_2020 = tuple(x.school_cards_2020 for x in _PROFILES)
SERVICE_PROFILE = tuple(x.service_trips for x in _PROFILES)
SERVICE_2020 = tuple(x.service_trips_2020 for x in _PROFILES)
TRAFFIC_PROFILE = tuple(x.traffic for x in _PROFILES)

#: Day weights, Monday to Sunday (school cards on school days only).
DAY_WEIGHTS = tuple(x.general for x in _DAY_WEIGHTS)
SCHOOL_DAY_WEIGHTS = tuple(x.school_cards for x in _DAY_WEIGHTS)

SEED = 20201231

# --------------------------------------------------------------------------------------------------
# Apportioning
# --------------------------------------------------------------------------------------------------


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` that sum exactly (largest remainder)."""
    weight_sum = float(sum(weights))
    if total == 0 or weight_sum <= 0:
        if total != 0:
            raise ValueError(f"cannot apportion {total} over zero weights")
        return [0] * len(weights)
    exact = [total * w / weight_sum for w in weights]
    parts = [int(np.floor(x)) for x in exact]
    rest = total - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:rest]:
        parts[i] += 1
    return parts


def _month_weights(year: int, profile: Sequence[float], factors: Sequence[float] | None) -> list[float]:
    if year == 2020 and factors is not None:
        return [p * f for p, f in zip(profile, factors, strict=True)]
    return list(profile)


def _days(year: int, month: int) -> list[date]:
    return [date(year, month, d) for d in range(1, calendar.monthrange(year, month)[1] + 1)]


def _line_weights(lines: Sequence[str]) -> list[float]:
    """Fixed, uneven weights for an area's lines (the first lines carry most)."""
    return [1.0 / (1 + 0.35 * i) for i in range(len(lines))]


# --------------------------------------------------------------------------------------------------
# Boardings
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardingCount:
    day: date
    line: str
    product: str
    boardings: int


def boardings_by_day(year: int, feed: SampleFeed) -> list[BoardingCount]:
    """The year's boardings per traffic day, line and ticket product (count layout), exactly summing
    to :data:`BOARDINGS` (school cards to :data:`SCHOOL_CARD_BOARDINGS`)."""
    counts: list[BoardingCount] = []
    school_total = SCHOOL_CARD_BOARDINGS[year]
    other_total = BOARDINGS[year] - school_total
    areas = list(AREA_SHARES)
    other_by_area = dict(zip(areas, apportion(other_total, [AREA_SHARES[a] for a in areas]), strict=True))
    school_by_area = dict(
        zip(SCHOOL_AREAS, apportion(school_total, [AREA_SHARES[a] for a in SCHOOL_AREAS]), strict=True)
    )
    products = list(PRODUCT_SHARES)
    for area in areas:
        lines = feed.lines_by_area[area]
        line_weights = _line_weights(lines)
        kinds = [("other", other_by_area[area], MONTH_PROFILE, PANDEMIC_2020, DAY_WEIGHTS)]
        if area in school_by_area:
            kinds.append(("school", school_by_area[area], SCHOOL_PROFILE, SCHOOL_2020, SCHOOL_DAY_WEIGHTS))
        for kind, total, profile, factors, day_weights in kinds:
            by_month = apportion(total, _month_weights(year, profile, factors))
            for month, month_total in enumerate(by_month, start=1):
                days = _days(year, month)
                by_day = apportion(month_total, [day_weights[d.weekday()] for d in days])
                for day, day_total in zip(days, by_day, strict=True):
                    if not day_total:
                        continue
                    if kind == "school":
                        cells = [(line, "SKOLKORT") for line in lines]
                        weights = line_weights
                    else:
                        cells = [(line, product) for line in lines for product in products]
                        weights = [w * PRODUCT_SHARES[p] for w in line_weights for p in products]
                    for (line, product), n in zip(cells, apportion(day_total, weights), strict=True):
                        if n:
                            counts.append(BoardingCount(day, line, product, n))
    return counts


def _count_table(counts: Iterable[BoardingCount]) -> str:
    lines = ["Trafikdag;Linje;Biljettprodukt;Påstigande;Källa"]
    merged: dict[tuple[date, str, str], int] = {}
    for c in counts:
        key = (c.day, c.line, c.product)
        merged[key] = merged.get(key, 0) + c.boardings
    for (day, line, product), n in sorted(merged.items()):
        lines.append(f"{day:%Y-%m-%d};{line};{product};{n};validering")
    return "\n".join(lines) + "\n"


def validation_rows(
    day: date, total: int, feed: SampleFeed, rng: np.random.Generator, *, school: bool = True
) -> pd.DataFrame:
    """``total`` validations of one traffic day, one row each (trip, stop, product, time).

    Areas, lines and products get their shares exactly (apportioned); trips, stops and times are
    drawn. Used for the demo's validation-level day and for the full-scale benchmark year.
    """
    areas = list(AREA_SHARES)
    school_share = 0.09 if school else 0.0
    school_total = round(total * school_share)
    frames = []
    for kind, kind_total in (("other", total - school_total), ("school", school_total)):
        chosen = [a for a in areas if kind == "other" or a in SCHOOL_AREAS]
        for area, area_total in zip(chosen, apportion(kind_total, [AREA_SHARES[a] for a in chosen]), strict=True):
            lines = feed.lines_by_area[area]
            for line, n in zip(lines, apportion(area_total, _line_weights(lines)), strict=True):
                if not n:
                    continue
                if kind == "school":
                    products = np.full(n, "SKOLKORT", dtype=object)
                else:
                    names = list(PRODUCT_SHARES)
                    counts = apportion(n, [PRODUCT_SHARES[p] for p in names])
                    products = np.repeat(np.array(names, dtype=object), counts)
                trips = np.array(feed.trips_by_line[line], dtype=object)
                stops = np.array(feed.stops_by_line[line], dtype=object)
                # traffic from 05:00 to 00:30, morning and afternoon peaks
                minutes = np.clip(
                    np.where(rng.random(n) < 0.5, rng.normal(7.5 * 60, 70, n), rng.normal(16 * 60, 110, n)),
                    5 * 60,
                    24 * 60 + 30,
                ).astype(int)
                seconds = rng.integers(0, 60, n)
                frames.append(
                    pd.DataFrame(
                        {
                            "minute": minutes,
                            "second": seconds,
                            "line": line,
                            "trip": trips[rng.integers(0, len(trips), n)],
                            "stop": stops[rng.integers(0, len(stops), n)],
                            "product": products,
                            "kind": rng.choice(
                                np.array(["kortläsare", "app", "QR-kod"], dtype=object), n, p=[0.6, 0.3, 0.1]
                            ),
                        }
                    )
                )
    rows = pd.concat(frames, ignore_index=True)
    at = pd.Timestamp(day) + pd.to_timedelta(rows["minute"] * 60 + rows["second"], unit="s")
    table = pd.DataFrame(
        {
            "Tidpunkt": at.dt.strftime("%Y-%m-%d %H:%M:%S"),
            "Linje": rows["line"],
            "Tur": rows["trip"],
            "Hållplats": rows["stop"],
            "Biljettprodukt": rows["product"],
            "Valideringstyp": rows["kind"],
            "Källa": "validering",
        }
    )
    order = np.argsort(at.to_numpy(), kind="stable")
    return table.iloc[order].reset_index(drop=True)


def _csv_bytes(table: pd.DataFrame, encoding: str) -> bytes:
    buffer = io.StringIO()
    table.to_csv(buffer, sep=";", index=False, lineterminator="\r\n" if encoding == "cp1252" else "\n")
    return buffer.getvalue().encode(encoding)


# --------------------------------------------------------------------------------------------------
# Service trips
# --------------------------------------------------------------------------------------------------

TRIP_TYPE_NAMES = {
    "fardtjanst": "Färdtjänst",
    "riksfardtjanst": "Riksfärdtjänst",
    "sjukresa": "Sjukresa",
    "nartrafik": "Närtrafik",
}
#: Mean trip length (km) and price per km by type (the operators' tariff, roughly).
TRIP_KM = {"fardtjanst": 11.0, "sjukresa": 26.0, "riksfardtjanst": 220.0, "nartrafik": 14.0}
NEW_CONTRACT = date(2020, 9, 1)


def _trips_by_month(year: int) -> dict[str, list[int]]:
    weights = _month_weights(year, SERVICE_PROFILE, SERVICE_2020)
    return {kind: apportion(n, weights) for kind, n in SERVICE_TRIPS[year].items()}


def service_trip_rows(year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(monthly summary rows, per-trip rows) of a year; per-trip rows from the new contract (Sep 2020).

    The year's trips per type, passenger-km and cost are exactly :data:`SERVICE_TRIPS` and
    :data:`SERVICE_COST`: the per-trip rows are drawn, the summary months take the remainder.
    """
    rng = np.random.default_rng(SEED + year)
    by_month = _trips_by_month(year)
    trip_frames = []
    for kind, months in by_month.items():
        for month, n in enumerate(months, start=1):
            if date(year, month, 1) < NEW_CONTRACT or not n:
                continue
            days = _days(year, month)
            per_day = apportion(n, [DAY_WEIGHTS[d.weekday()] for d in days])
            dates = np.repeat(np.array(days, dtype=object), per_day)
            passengers = rng.choice([1, 2, 3], n, p=[0.86, 0.12, 0.02])
            km = np.maximum(1.0, np.round(rng.gamma(2.2, TRIP_KM[kind] / 2.2, n), 1))
            trip_frames.append(pd.DataFrame({"date": dates, "type": kind, "passengers": passengers, "km": km}))
    trips = pd.concat(trip_frames, ignore_index=True) if trip_frames else pd.DataFrame()
    passenger_km_total, cost_total = SERVICE_COST[year]
    summary_rows = []
    if not trips.empty:
        trips["passenger_km"] = (trips["km"] * trips["passengers"]).round(1)
        # the price of a trip: a start fee plus a price per km, scaled so the year's cost per passenger-km holds
        raw_price = 60 + 9.5 * trips["km"]
        trips_pkm = trips["passenger_km"].sum()
        trips_cost_target = round(cost_total * trips_pkm / passenger_km_total * 1.02, 2)
        cents = apportion(round(trips_cost_target * 100), raw_price.tolist())
        trips["cost"] = np.array(cents) / 100
        trips = trips.sort_values(["date", "type"], kind="stable").reset_index(drop=True)
        digest = [hashlib.sha256(f"resenar-{year}-{i % 9000}".encode()).hexdigest()[:12] for i in range(len(trips))]
        trips["traveller"] = ["R" + d.upper() for d in digest]
        trips["order"] = [f"B{year}{i:07d}" for i in range(1, len(trips) + 1)]
    summary_months = [m for m in range(1, 13) if date(year, m, 1) < NEW_CONTRACT]
    trip_pkm = float(trips["passenger_km"].sum()) if not trips.empty else 0.0
    trip_cost = float(trips["cost"].sum()) if not trips.empty else 0.0
    # the summary's passenger-km and cost: the rest of the year's, per month and type by trips
    summary_trips = [(kind, m, by_month[kind][m - 1]) for kind in by_month for m in summary_months]
    tenths = apportion(round((passenger_km_total - trip_pkm) * 10), [n * TRIP_KM[k] for k, _, n in summary_trips])
    cents = apportion(round((cost_total - trip_cost) * 100), [n * TRIP_KM[k] for k, _, n in summary_trips])
    for (kind, month, n), pkm, cost in zip(summary_trips, tenths, cents, strict=True):
        summary_rows.append(
            {"month": f"{year}{month:02d}", "type": kind, "trips": n, "pkm": pkm / 10, "cost": cost / 100}
        )
    return pd.DataFrame(summary_rows), trips


def _decimal(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}".replace(".", ",")


def _summary_table(rows: pd.DataFrame) -> str:
    lines = ["Månad;Restyp;Antal resor;Resenärkm;Kostnad"]
    for row in rows.itertuples(index=False):
        lines.append(
            f"{row.month};{TRIP_TYPE_NAMES[row.type]};{row.trips};{_decimal(row.pkm, 1)};{_decimal(row.cost, 2)}"
        )
    return "\n".join(lines) + "\n"


def _trip_table(trips: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Resdatum": [f"{d:%Y-%m-%d}" for d in trips["date"]],
            "Restyp": trips["type"].map(TRIP_TYPE_NAMES),
            "Resenär": trips["traveller"],
            "Antal resenärer": trips["passengers"],
            "Km": trips["km"].map(lambda x: _decimal(x, 1)),
            "Kostnad": trips["cost"].map(lambda x: _decimal(x, 2)),
            "Beställning": trips["order"],
        }
    )


# --------------------------------------------------------------------------------------------------
# Production and population
# --------------------------------------------------------------------------------------------------


def _contracts(area: str, day: date) -> str:
    if area == "regionbussar":
        return "RB-2020" if day >= date(2020, 6, 15) else "RB-2011"
    if area == "serviceresor":
        return "SR-2020" if day >= NEW_CONTRACT else "SR-2012"
    return {
        "stadstrafiken_jkp": "STAD-2012",
        "krosatag": "KT-2014",
        "kust_till_kust": "KTK-2015",
        "opendeln": "OP-2016",
    }.get(area, "")


def production_rows(year: int) -> list[tuple[str, str, str, int, str]]:
    """(month YYYYMM, Avtal, Trafikområde, vehicle-km, operator) per month and contract; Västtågen's
    operator reports by traffic area. A contract change mid-month splits the month by days."""
    rows = []
    operators = {x.traffic_area: x.operator for x in _AREAS}
    for area, total in zip(VEHICLE_KM_AREAS, VEHICLE_KM[year], strict=True):
        for month, km in enumerate(apportion(total, list(TRAFFIC_PROFILE)), start=1):
            days = _days(year, month)
            by_contract: dict[str, int] = {}
            for day, share in zip(days, apportion(km, [1.0] * len(days)), strict=True):
                contract = _contracts(area, day)
                by_contract[contract] = by_contract.get(contract, 0) + share
            for contract, value in by_contract.items():
                code_area = "" if contract else area
                rows.append((f"{year}{month:02d}", contract, code_area, value, operators[area]))
    return rows


def _production_table(rows: Iterable[tuple[str, str, str, int, str]]) -> str:
    lines = ["Månad;Avtal;Trafikområde;Fordonskm;Operatör"]
    lines += [f"{m};{c};{a};{km};{op}" for m, c, a, km, op in rows]
    return "\r\n".join(lines) + "\r\n"


# --------------------------------------------------------------------------------------------------
# Deliveries
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RidershipFile:
    source: str
    name: str
    delivered_at: datetime
    content: bytes


def _at(year: int, month: int, day: int, hour: int = 8, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


#: Files ingest must quarantine (nothing of them is loaded).
RIDERSHIP_BROKEN_FILES = ("jlt_pastigande_kontroll_2020-06.csv", "serviceresor_felexport_2020-10.csv")


def _broken_files(feed: SampleFeed) -> list[RidershipFile]:
    line = feed.lines_by_area["stadstrafiken_jkp"][0]
    boardings = (
        "Trafikdag;Linje;Biljettprodukt;Påstigande;Källa\n"
        f"2020-06-01;{line};REKASSA;120;validering\n"
        "2020-06-01;555;REKASSA;40;validering\n"
        f"2020-06-02;{line};APP;-3;validering\n"
    )
    trips = (
        "Resdatum;Restyp;Resenär;Antal resenärer;Km;Kostnad;Beställning\n"
        "2020-10-01;Färdtjänst;RA1B2C3D4E5F6;1;8,5;190,00;X1\n"
        "2020-10-01;Sjukresa;19121212-1212;1;31,0;410,00;X2\n"
    )
    return [
        RidershipFile("ridership_boardings", RIDERSHIP_BROKEN_FILES[0], _at(2022, 3, 21, 9), boardings.encode()),
        RidershipFile(
            "ridership_service_trips", RIDERSHIP_BROKEN_FILES[1], _at(2022, 3, 21, 9, 5), trips.encode("cp1252")
        ),
    ]


def ridership_files() -> list[RidershipFile]:
    """Every sample delivery but the GTFS feed, in delivery order."""
    feed = sample_feed()
    files: list[RidershipFile] = []
    for year in YEARS:
        counts = boardings_by_day(year, feed)
        if year < 2020:
            files.append(
                RidershipFile(
                    "ridership_boardings",
                    f"jlt_pastigande_{year}.csv",
                    _at(2022, 3, 20, 8, year - 2016),
                    _count_table(counts).encode(),
                )
            )
            continue
        for month in range(1, 13):
            in_month = [c for c in counts if c.day.month == month]
            name = f"jlt_pastigande_{year}-{month:02d}.csv"
            if month == 11:  # first delivered without Krösatåg's trains, then completed
                trains = set(feed.lines_by_area["krosatag"])
                partial = [c for c in in_month if c.line not in trains]
                files.append(
                    RidershipFile(
                        "ridership_boardings", name, _at(2022, 3, 20, 9, month), _count_table(partial).encode()
                    )
                )
                name = f"jlt_pastigande_komplettering_{year}-{month:02d}.csv"
                files.append(
                    RidershipFile("ridership_boardings", name, _at(2022, 3, 20, 10), _count_table(in_month).encode())
                )
                continue
            files.append(
                RidershipFile("ridership_boardings", name, _at(2022, 3, 20, 9, month), _count_table(in_month).encode())
            )
    day = date(2021, 1, 4)
    validations = validation_rows(day, 41_000, feed, np.random.default_rng(SEED))
    files.append(
        RidershipFile(
            "ridership_boardings",
            f"jlt_valideringar_{day:%Y-%m-%d}.csv",
            _at(2022, 3, 20, 11),
            _csv_bytes(validations, "cp1252"),
        )
    )
    for year in YEARS:
        summary, trips = service_trip_rows(year)
        files.append(
            RidershipFile(
                "ridership_service_trips",
                f"serviceresor_statistik_{year}.csv",
                _at(2022, 3, 20, 12, year - 2016),
                _summary_table(summary).encode("utf-8-sig"),
            )
        )
        if trips.empty:
            continue
        for month in sorted({d.month for d in trips["date"]}):
            in_month = trips[[d.month == month for d in trips["date"]]]
            files.append(
                RidershipFile(
                    "ridership_service_trips",
                    f"serviceresor_{year}-{month:02d}.csv",
                    _at(2022, 3, 20, 13, month),
                    _csv_bytes(_trip_table(in_month), "cp1252"),
                )
            )
    for year in YEARS:
        rows = production_rows(year)
        if year < 2020:
            files.append(
                RidershipFile(
                    "ridership_production",
                    f"trafikproduktion_{year}.csv",
                    _at(2022, 3, 20, 14, year - 2016),
                    _production_table(rows).encode("cp1252"),
                )
            )
            continue
        for month in range(1, 13):
            in_month = [r for r in rows if r[0] == f"{year}{month:02d}"]
            files.append(
                RidershipFile(
                    "ridership_production",
                    f"trafikproduktion_{year}-{month:02d}.csv",
                    _at(2022, 3, 20, 15, month),
                    _production_table(in_month).encode("cp1252"),
                )
            )
    population = "År;Kön;Folkmängd\n" + "".join(f"{y};T;{n}\n" for y, n in POPULATION.items())
    files.append(RidershipFile("population", "folkmangd_2016-2020.csv", _at(2022, 3, 20, 16), population.encode()))
    files += _broken_files(feed)
    return sorted(files, key=lambda f: (f.delivered_at, f.name))


def write_ridership_sample(landing_dir: Path) -> list[Path]:
    """Write the GTFS feed and every ridership delivery under ``landing_dir``; mtimes = delivery times."""
    landing_dir = Path(landing_dir)
    paths = write_gtfs_sample(landing_dir)
    for file in ridership_files():
        path = landing_dir / file.source / REGION_ID / file.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(file.content)
        timestamp = file.delivered_at.timestamp()
        os.utime(path, (timestamp, timestamp))
        paths.append(path)
    return paths


# --------------------------------------------------------------------------------------------------
# Full scale (benchmark)
# --------------------------------------------------------------------------------------------------


def write_full_scale_boardings(
    landing_dir: Path, *, year: int = 2019, months: Iterable[int] = range(1, 13), encoding: str = "cp1252"
) -> list[Path]:
    """One file per month of ``year`` at validation level: :data:`BOARDINGS` of the year (22 088 050
    rows for 2019), one row per validation, Windows-1252 with CRLF, written a day at a time."""
    feed = sample_feed()
    landing_dir = Path(landing_dir)
    rng = np.random.default_rng(SEED + year)
    total = BOARDINGS[year]
    by_month = apportion(total, _month_weights(year, MONTH_PROFILE, PANDEMIC_2020))
    paths = []
    for month in months:
        path = landing_dir / "ridership_boardings" / REGION_ID / f"jlt_valideringar_{year}-{month:02d}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        days = _days(year, month)
        by_day = apportion(by_month[month - 1], [DAY_WEIGHTS[d.weekday()] for d in days])
        with path.open("wb") as handle:
            for index, (day, n) in enumerate(zip(days, by_day, strict=True)):
                table = validation_rows(day, n, feed, rng)
                data = _csv_bytes(table, encoding)
                if index:  # the header once
                    data = data.split(b"\r\n" if encoding == "cp1252" else b"\n", 1)[1]
                handle.write(data)
        stamp = (datetime(2022, 4, 1, tzinfo=UTC) + timedelta(minutes=month)).timestamp()
        os.utime(path, (stamp, stamp))
        paths.append(path)
    return paths
