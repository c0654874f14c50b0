"""Small, readable extract files for ingest tests (written by hand, not by the sample generator)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from regionkpi.personnummer import luhn_is_valid

ORG_HEADER = "Enhetskod;Enhetsnamn;Överordnad enhet;Nivå;Giltig från;Giltig till"
ORG_ROWS = [
    "0013;Region Halland;;Region;2019-01-01;",
    "1000;Regionstyrelsen;0013;Nämnd/styrelse;2019-01-01;",
    "1100;Regionkontoret;1000;Förvaltning;2019-01-01;",
    "1110;HR-avdelningen;1100;Område/avdelning;2019-01-01;",
    "0111;Lön och pension;1110;Enhet;2019-01-01;2020-12-31",
    "0111;Lön, pension och förmåner;1110;Enhet;2021-01-01;",
]

SICK_HEADER = (
    "Personnummer;Anställningsnummer;Ansvar;Period;Anställningsform;Anställd från;Anställd till;"
    "Ordinarie timmar;Sjuktimmar;Sjuktimmar dag 1-14;Sjuktimmar dag 15-59;Sjuktimmar dag 60-"
)


def personnummer(birth: str, serial: str) -> str:
    """A valid personnummer 'YYYYMMDD-NNNC' for birth date YYYYMMDD and three serial digits."""
    for check in range(10):
        digits = birth + serial + str(check)
        if luhn_is_valid(digits[2:]):
            return f"{digits[:8]}-{digits[8:]}"
    raise AssertionError("unreachable")


WOMAN_1985 = personnummer("19850312", "128")  # second-to-last digit 8: woman
MAN_1960 = personnummer("19600101", "137")  # 3: man


def sick_rows() -> list[str]:
    return [
        f"{WOMAN_1985};A1;0111;202104;Månadsavlönad;2010-01-01;;168,0;16,0;8,0;8,0;0,0",
        f"{MAN_1960};A2;1110;202104;Timavlönad med schema;2015-06-01;2021-04-30;1 120,5;0;0;0;0",
    ]


def write(path: Path, header: str, rows: list[str], encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join([header, *rows]) + "\r\n").encode(encoding))
    return path


def write_org(landing: Path, region: str = "0013", name: str = "organisation.csv", **kw: str) -> Path:
    return write(landing / "organisation" / region / name, ORG_HEADER, ORG_ROWS, **kw)


def write_sick(landing: Path, rows: list[str], region: str = "0013", name: str = "sjuk.csv", **kw: str) -> Path:
    return write(landing / "hr_sick_leave" / region / name, SICK_HEADER, rows, **kw)


def raw_rows_of(raw_dir: Path, source: str, columns: str, region: str = "0006") -> list[tuple]:
    """``columns`` of every raw delivery of ``source`` for ``region``, in delivery and line order."""
    files = sorted((raw_dir / source / region).glob("*.parquet"))
    if not files:
        return []
    with duckdb.connect() as con:
        return con.execute(
            f"select {columns} from read_parquet(?) order by _delivery_seq, source_line", [[str(f) for f in files]]
        ).fetchall()


def assert_reported(text: str, *expected: str) -> None:
    """Every expected line (file, line, column, rule, value) is in the quarantine report ``text``."""
    for line in expected:
        assert line in text, f"{line!r} not in the report:\n{text}"
