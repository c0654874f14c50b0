"""Pure functions of ingest: encoding detection, cells, personnummer, pseudonymisation."""

from __future__ import annotations

import datetime as dt

import pytest

from ingest import personnummer as pnr
from ingest.hr.sick_leave import long_term_split
from ingest.parsing import CellError, month_end, parse_date, parse_number, parse_period, parse_text
from ingest.textio import EncodingError, inspect_file
from tests.extract_fixtures import MAN_1960, WOMAN_1985, personnummer


@pytest.mark.parametrize(
    ("content", "encoding"),
    [
        ("Enhetsnamn;Nivå\nLänstrafiken;Förvaltning\n".encode(), "utf-8"),
        (b"\xef\xbb\xbf" + "Nivå\nÖrebro\n".encode(), "utf-8-sig"),
        ("Nivå\nLänstrafiken\n".encode("cp1252"), "cp1252"),
        (b"plain ascii\n", "utf-8"),
    ],
)
def test_encoding_is_detected(tmp_path, content, encoding):
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    assert inspect_file(path).encoding == encoding


def test_encoding_detection_streams_across_chunk_boundaries(tmp_path, monkeypatch):
    import ingest.textio as textio

    monkeypatch.setattr(textio, "CHUNK_SIZE", 3)  # 'å' (2 bytes in UTF-8) straddles chunks
    path = tmp_path / "f.csv"
    path.write_bytes("aåäö;é\n".encode() * 5)
    facts = textio.inspect_file(path)
    assert facts.encoding == "utf-8"
    assert facts.size_bytes == path.stat().st_size


def test_bytes_undefined_in_cp1252_are_rejected_with_offset(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b"abc\x81def")
    with pytest.raises(EncodingError, match="offset 3"):
        inspect_file(path)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("7,5", 7.5),
        ("1 234,50", 1234.5),
        ("1\u00a0234,50", 1234.5),
        ("1.234,50", 1234.5),
        ("-3", -3.0),
        ("\u22123,25", -3.25),
        ("7.5", 7.5),
        ("0", 0.0),
        ("", None),
        ("  ", None),
    ],
)
def test_numbers_parse_swedish_style(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["7,5,1", "abc", "1,2.3", "12,", ",5x"])
def test_bad_numbers_name_the_rule(text):
    with pytest.raises(CellError, match="not a number"):
        parse_number(text)


def test_dates_and_periods():
    assert parse_date("2021-04-30") == dt.date(2021, 4, 30)
    assert parse_date("20210430") == dt.date(2021, 4, 30)
    assert parse_date("") is None
    with pytest.raises(CellError, match="not a valid date"):
        parse_date("2021-02-30")
    assert parse_period("202104") == dt.date(2021, 4, 1)
    with pytest.raises(CellError, match="month 01-12"):
        parse_period("202113")
    assert month_end(dt.date(2024, 2, 1)) == dt.date(2024, 2, 29)
    assert parse_text(" 0410 ") == "0410"


def test_personnummer_validation_and_derivation():
    digits = pnr.normalise(WOMAN_1985)
    assert digits == WOMAN_1985.replace("-", "")
    assert pnr.gender(digits) == "K"
    assert pnr.gender(pnr.normalise(MAN_1960)) == "M"
    assert pnr.birth_date(digits) == dt.date(1985, 3, 12)
    assert pnr.normalise(WOMAN_1985.replace("-", "")) == digits


def test_personnummer_rules():
    broken = WOMAN_1985[:-1] + str((int(WOMAN_1985[-1]) + 1) % 10)
    with pytest.raises(pnr.PersonnummerError, match="check digit"):
        pnr.normalise(broken)
    with pytest.raises(pnr.PersonnummerError, match="12 digits"):
        pnr.normalise("850312-1234")
    with pytest.raises(pnr.PersonnummerError, match="birth date"):
        pnr.normalise("19851332-1234")


def test_samordningsnummer_day_plus_60():
    number = personnummer("19850372", "123")  # born 12 March 1985
    assert pnr.birth_date(pnr.normalise(number)) == dt.date(1985, 3, 12)


@pytest.mark.parametrize(("age", "band"), [(18, "-29"), (29, "-29"), (30, "30-49"), (49, "30-49"), (50, "50-")])
def test_age_bands(age, band):
    assert pnr.age_band(age) == band


def test_age_is_counted_on_the_day():
    born = dt.date(1991, 4, 30)
    assert pnr.age_on(born, dt.date(2021, 4, 29)) == 29
    assert pnr.age_on(born, dt.date(2021, 4, 30)) == 30


def test_pseudonym_is_keyed_stable_and_hides_the_number():
    digits = pnr.normalise(WOMAN_1985)
    first = pnr.pseudonymise(digits, b"key-a")
    assert first == pnr.pseudonymise(digits, b"key-a")
    assert first != pnr.pseudonymise(digits, b"key-b")
    assert len(first) == 64 and digits not in first


def test_long_term_split_from_spell_start():
    april = dt.date(2021, 4, 1)
    # Spell started 1 Feb: 1 April is spell day 60, so all 30 April days are long-term.
    assert long_term_split(30.0, dt.date(2021, 2, 1), april) == (0.0, 0.0, 30.0)
    # Spell starts 17 April: 14 days in April, all within days 1-14.
    assert long_term_split(14.0, dt.date(2021, 4, 17), april) == (14.0, 0.0, 0.0)
    # Spell started 10 March: April 1 is day 23; day 60 is 8 May -> all April in 15-59.
    short, middle, long = long_term_split(60.0, dt.date(2021, 3, 10), april)
    assert (short, long) == (0.0, 0.0) and middle == pytest.approx(60.0)
    # Spell started 25 March: 1-7 April are days 8-14 (7 days), 8-30 April days 15-37 (23 days).
    short, middle, long = long_term_split(30.0, dt.date(2021, 3, 25), april)
    assert (short, middle, long) == pytest.approx((7.0, 23.0, 0.0))
