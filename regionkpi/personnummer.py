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

from regionkpi.seeds import age_bands, parts

_FORMAT = re.compile(r"^(\d{8})-?(\d{4})$")

#: (label, lowest age, highest age) of each age band but the total, from ``seeds/age_bands.csv``.
AGE_BANDS = tuple(
    (band.code, band.min_age or 0, 200 if band.max_age is None else band.max_age) for band in parts(age_bands())
)


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


# --------------------------------------------------------------------------------------------------
# The same rules as SQL over a DuckDB text column, so extracts are checked and pseudonymised in
# DuckDB. Each builder mirrors the Python function above it; tests check that they agree.
# --------------------------------------------------------------------------------------------------


def _digit(digits: str, position: int) -> str:
    return f"TRY_CAST(substr({digits}, {position}, 1) AS INTEGER)"


def luhn_sql(ten_digits: str) -> str:
    """SQL: true when the 10-digit text's last digit is its Luhn check digit (:func:`luhn_is_valid`)."""
    parts = []
    for index in range(10):
        digit = _digit(ten_digits, index + 1)
        # from the right, every second digit is doubled and its digits summed: the even positions here
        parts.append(f"(({digit} * 2) % 10 + ({digit} * 2) // 10)" if index % 2 == 0 else digit)
    return f"(({' + '.join(parts)}) % 10 = 0)"


def birth_date_sql(year: str, month_day: str) -> str:
    """SQL: the birth date from a 4-digit year and the ``MMDD`` text, a samordningsnummer's day less
    60 (:func:`birth_date`); NULL when it is no date."""
    day = f"TRY_CAST(substr({month_day}, 3, 2) AS INTEGER)"
    real_day = f"lpad(CAST(CASE WHEN {day} > 60 THEN {day} - 60 ELSE {day} END AS VARCHAR), 2, '0')"
    return f"CAST(try_strptime({year} || substr({month_day}, 1, 2) || {real_day}, '%Y%m%d') AS DATE)"


def digits_sql(column: str) -> str:
    """SQL: the 12 digits of a personnummer text (the optional dash removed), as :func:`normalise` keeps them."""
    return f"replace({column}, '-', '')"


def valid_sql(column: str) -> str:
    """SQL: true when the text is a valid 12-digit personnummer (:func:`normalise` accepts it)."""
    digits = digits_sql(column)
    shaped = f"regexp_full_match({column}, '[0-9]{{8}}-?[0-9]{{4}}')"
    born = birth_date_sql(f"left({digits}, 4)", f"substr({digits}, 5, 4)")
    checked = f"{born} IS NOT NULL AND {luhn_sql(f'right({digits}, 10)')}"
    return f"coalesce(CASE WHEN {shaped} THEN {checked} END, false)"


def gender_sql(digits: str) -> str:
    """SQL: ``'M'`` for an odd second-to-last digit, else ``'K'`` (:func:`gender`)."""
    return f"CASE WHEN {_digit(digits, 11)} % 2 = 1 THEN 'M' ELSE 'K' END"


def age_band_sql(born: str, day: str) -> str:
    """SQL: the age band (:data:`AGE_BANDS`) of someone born on ``born`` on ``day`` (:func:`age_on`)."""
    age = (
        f"(year({day}) - year({born}) - CASE WHEN (month({day}), day({day})) < (month({born}), day({born})) "
        "THEN 1 ELSE 0 END)"
    )
    cases = " ".join(f"WHEN {age} BETWEEN {low} AND {high} THEN '{label}'" for label, low, high in AGE_BANDS)
    return f"CASE {cases} END"


def hmac_pads(key: bytes) -> tuple[bytes, bytes]:
    """HMAC-SHA256's inner and outer padded keys (RFC 2104), so SQL can compute :func:`pseudonymise`:
    ``sha256(outer || unhex(sha256(inner || message)))``."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def pseudonymise_sql(digits: str, inner: str, outer: str) -> str:
    """SQL: :func:`pseudonymise` of ``digits`` with the pads held in BLOB expressions ``inner``/``outer``."""
    return f"sha256({outer} || unhex(sha256({inner} || CAST({digits} AS BLOB))))"
