"""Numbers the way Swedish readers expect them in a follow-up report (uppföljningsrapport).

Swedish typography (Språkrådet, TNC; the regions' own reports): a space as the thousands separator,
here a no-break space (U+00A0) so "47 582 tkr" never breaks across lines; a decimal comma; a real
minus sign (U+2212), not a hyphen; a space before the unit ("3,3 %"). Amounts in SEK are scaled to
tkr, or to mnkr when they reach 100 mnkr, as the seed reports print them. A missing figure is an en
dash "–", never 0.

The published marts keep SEK with the ledger sign and values unscaled; scaling and words belong
here, in presentation only (docs/published_kpi_table.md).
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

from regionkpi.seeds import PRODUCT_SEEDS, seed_rows

NBSP = "\u00a0"
MINUS = "\u2212"
DASH = "\u2013"  # en dash: "no figure"

#: SEK amounts from this size are shown in mnkr (one decimal), below it in whole tkr.
MNKR_FROM = 100_000_000

_COMPARISONS = {
    "at_most": "högst",
    "at_least": "minst",
    "lower_than": "lägre än",
    "higher_than": "högre än",
    "equal_to": "lika med",
    "increase_by_pct": "ökning med",
}


#: The months as Swedish prose writes them (lower case): "januari–april 2020".
MONTHS = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)


@cache
def units() -> dict[str, tuple[str, int]]:
    """``{unit: (symbol, decimals)}`` from the units seed (seeds/units.csv, the one list of units)."""
    return {row["unit"]: (row["symbol"], int(row["decimals"])) for row in seed_rows(PRODUCT_SEEDS, "units")}


def unit_decimals(unit: str | None, decimals: Any = None) -> int:
    """The decimals a figure in ``unit`` is printed with: the indicator's own when given, else the unit's."""
    if not is_missing(decimals):
        return int(decimals)
    return units().get(unit or "", ("", 1))[1]


def is_missing(value: Any) -> bool:
    """None, NaN, pandas' NA: no figure."""
    if value is None:
        return True
    try:
        return bool(math.isnan(value))
    except (TypeError, ValueError):
        return str(value) in {"<NA>", "NaT"}


def format_number(
    value: float, decimals: int = 0, *, trim: bool = False, thousands: str = NBSP, minus: str = MINUS
) -> str:
    """1234567.891 → "1 234 567,9" (decimals=1): no-break thousands space, decimal comma, U+2212 minus.

    ``trim`` drops a fractional part of zeros ("90,0" → "90") for figures people type, such as
    targets. A value that rounds to zero is never negative ("−0,0" would be noise). A terminal table
    passes a plain space and "-" as ``thousands`` and ``minus``.
    """
    if is_missing(value):
        return DASH
    number = float(value)
    # half away from zero on the shortest decimal form, as Excel and the controllers round (3,25 → 3,3),
    # not Python's half-to-even on the binary value
    rounded = Decimal(repr(abs(number))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = f"{rounded:,.{decimals}f}"
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    text = text.replace(",", thousands).replace(".", ",")
    is_zero = not any(ch in "123456789" for ch in text)
    return f"{minus}{text}" if number < 0 and not is_zero else text


def _with_unit(number: str, unit: str) -> str:
    return f"{number}{NBSP}{unit}"


def format_sek(value: float) -> str:
    """An amount in SEK as the reports print it: whole tkr ("47 582 tkr"), mnkr from 100 mnkr ("171,4 mnkr")."""
    if is_missing(value):
        return DASH
    number = float(value)
    if abs(number) >= MNKR_FROM:
        return _with_unit(format_number(number / 1_000_000, 1), "mnkr")
    return _with_unit(format_number(number / 1_000, 0), "tkr")


def format_value(value: Any, unit: str | None, *, trim: bool = False, decimals: Any = None) -> str:
    """A figure with its unit for the report; "–" when there is none.

    ``unit`` is one of seeds/units.csv, whose symbol and decimals are used; ``decimals`` (the
    indicator's own, dim_indicator) wins over the unit's. ``trim`` drops ",0" for a value such as a
    target of 90 % ("minst 90 %"), while outcomes keep their fixed decimals ("65,0 %"). SEK is scaled
    to tkr or mnkr, km to tusen km from 100 000 km, and days and percentage points take their
    singular for one.
    """
    if is_missing(value):
        return DASH
    number = float(value)
    places = unit_decimals(unit, decimals)
    if unit == "SEK":
        return format_sek(number)
    if unit == "days":
        text = format_number(number, places, trim=trim)
        return _with_unit(text, "dag" if text in {"1", "1,0"} else "dagar")
    if unit == "km" and abs(number) >= 100_000:
        return _with_unit(format_number(number / 1_000, 0), "tusen km")
    if unit == "percentage points":
        return _points(number, trim=trim, decimals=places)
    if unit in units():
        symbol = units()[unit][0]
        text = format_number(number, places, trim=trim)
        return _with_unit(text, symbol) if symbol else text
    text = format_number(number, 0 if number.is_integer() else 1)
    return _with_unit(text, unit) if unit else text


def _points(number: float, *, trim: bool, decimals: int = 1) -> str:
    """Percentage points ("1,2 procentenheter", "1 procentenhet"): a difference between two percentages."""
    text = format_number(number, decimals, trim=trim)
    return _with_unit(text, "procentenhet" if text in {"1", "1,0"} else "procentenheter")


def format_share(value: Any) -> str:
    """A share of a count in whole percent, as the counts table of seed 002 prints it ("40 %")."""
    if is_missing(value):
        return DASH
    return _with_unit(format_number(float(value), 0), "%")


def exact_decimals(value: Any, minimum: int) -> int:
    """The decimals that show ``value`` as it was typed (at most 4), never fewer than ``minimum``: a
    target of 4,65 or a band of 0,46 is a decision, printed as decided, not rounded to the unit's."""
    if is_missing(value):
        return minimum
    text = f"{round(abs(float(value)), 4):.4f}".rstrip("0")
    return max(minimum, len(text.split(".")[1]) if "." in text else 0)


def format_tolerance(value: Any, unit: str | None, comparison: str | None = None, *, decimals: Any = None) -> str:
    """The band for "delvis uppfyllt" in words: a band on a percentage is in percentage points."""
    if is_missing(value):
        return DASH
    if unit == "%" or comparison == "increase_by_pct":
        places = exact_decimals(value, unit_decimals("percentage points", decimals))
        return _points(float(value), trim=True, decimals=places)
    return format_value(value, unit, trim=True, decimals=exact_decimals(value, unit_decimals(unit, decimals)))


def comparison_words(comparison: str | None) -> str:
    """at_most → "högst", ... ("" for an unknown comparison, so the target still shows)."""
    return _COMPARISONS.get(comparison or "", "")


def target_parts(value: Any, unit: str | None, comparison: str | None, *, decimals: Any = None) -> tuple[str, str]:
    """(the comparison in words, the figure with its unit): ("högst", "3,1 %"); ("", "–") without a target.
    The figure is printed as decided (:func:`exact_decimals`), never rounded to the unit's decimals."""
    if is_missing(value):
        return "", DASH
    shown_unit = "%" if comparison == "increase_by_pct" else unit
    places = exact_decimals(value, unit_decimals(shown_unit, None if comparison == "increase_by_pct" else decimals))
    return comparison_words(comparison), format_value(value, shown_unit, trim=True, decimals=places)


def format_target(value: Any, unit: str | None, comparison: str | None, *, decimals: Any = None) -> str:
    """Målvärde with its comparison: "högst 3,1 %", "minst 90 %", "ökning med 2 %", "minst 4,65"."""
    words, figure = target_parts(value, unit, comparison, decimals=decimals)
    return f"{words} {figure}" if words else figure


#: comparison → (where the partly-met band lies, the words before its edge): below the target for
#: minst / högre än / ökning med, above it for högst / lägre än, on both sides for lika med.
_BAND_EDGES = {
    "at_least": (-1, "från och med"),
    "higher_than": (-1, "över"),
    "increase_by_pct": (-1, "från en ökning med"),
    "at_most": (1, "till och med"),
    "lower_than": (1, "under"),
}


def format_band(
    target: Any,
    tolerance: Any,
    unit: str | None,
    comparison: str | None,
    *,
    tolerance_pct: Any = None,
    decimals: Any = None,
) -> str | None:
    """The band stated for the comparison it belongs to, with its size and where it ends:
    "tolerans 10 % av målvärdet: delvis uppfyllt från och med 4,185" (minst 4,65),
    "tolerans 0,5 procentenheter: delvis uppfyllt till och med 3,6 %" (högst 3,1 %),
    "tolerans 2: delvis uppfyllt 34–38" (lika med 36). None without a band."""
    if is_missing(tolerance) or is_missing(target):
        return None
    if not is_missing(tolerance_pct):
        size = f"{format_number(float(tolerance_pct), exact_decimals(tolerance_pct, 0), trim=True)}{NBSP}% av målvärdet"
    else:
        size = format_tolerance(tolerance, unit, comparison, decimals=decimals)
    shown_unit = "%" if comparison == "increase_by_pct" else unit
    places = exact_decimals(float(tolerance) + float(target), unit_decimals(shown_unit, decimals))

    def edge(value: float) -> str:
        return format_value(value, shown_unit, trim=True, decimals=places)

    low, high = float(target) - float(tolerance), float(target) + float(tolerance)
    if comparison == "equal_to":
        return f"tolerans {size}: delvis uppfyllt {edge(low)}–{edge(high)}"
    side, words = _BAND_EDGES.get(comparison or "", (-1, "från och med"))
    return f"tolerans {size}: delvis uppfyllt {words} {edge(high if side > 0 else low)}"
