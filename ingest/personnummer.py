"""Swedish personal identity numbers: validation, and what may be derived before they are hashed.

A personnummer (``YYYYMMDD-NNNC``) encodes the birth date, the gender (the second-to-last digit, odd
for men, even for women) and a Luhn check digit over its last ten digits. A samordningsnummer adds 60
to the day. Sick leave is health data: ingest keeps only gender, age band and a keyed hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re

_FORMAT = re.compile(r"^(\d{8})-?(\d{4})$")

AGE_BANDS = (("-29", 0, 29), ("30-49", 30, 49), ("50-", 50, 200))


class PersonnummerError(ValueError):
    """The text is not a valid 12-digit personnummer; the message says which rule it breaks."""


def luhn_is_valid(digits: str) -> bool:
    """Luhn check over a string of digits whose last digit is the check digit."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def normalise(text: str) -> str:
    """Return the 12 digits of a personnummer, or raise :class:`PersonnummerError`."""
    match = _FORMAT.match(text.strip())
    if not match:
        raise PersonnummerError("personnummer must be 12 digits (YYYYMMDDNNNN, a dash before the last four allowed)")
    digits = match.group(1) + match.group(2)
    birth_date(digits)  # validates the date part
    if not luhn_is_valid(digits[2:]):
        raise PersonnummerError("personnummer check digit (Luhn) does not match")
    return digits


def birth_date(digits: str) -> dt.date:
    """Birth date from 12 digits; a samordningsnummer's day is 61-91."""
    day = int(digits[6:8])
    if day > 60:
        day -= 60
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), day)
    except ValueError as error:
        raise PersonnummerError("personnummer does not start with a valid birth date") from error


def gender(digits: str) -> str:
    """``'K'`` (kvinna) for an even second-to-last digit, ``'M'`` (man) for an odd one."""
    return "M" if int(digits[10]) % 2 else "K"


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def age_band(age: int) -> str:
    for label, low, high in AGE_BANDS:
        if low <= age <= high:
            return label
    raise ValueError(f"age {age} outside every band")


def pseudonymise(digits: str, key: bytes) -> str:
    """Keyed hash (HMAC-SHA256, hex) of a normalised personnummer: stable per key, not reversible."""
    return hmac.new(key, digits.encode("ascii"), hashlib.sha256).hexdigest()
