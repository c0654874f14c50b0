"""Pure functions of ingest: encoding detection, personnummer, pseudonymisation, and their SQL twins."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from ingest import duck
from ingest.hr.sick_leave import long_term_split, long_term_split_sql, month_end
from ingest.ridership.service_trips import identity_number_sql, is_personal_identity_number
from ingest.textio import EncodingError, inspect_file
from regionkpi import personnummer as pnr
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


def test_the_first_pass_counts_lines_and_finds_bytes_where_cp1252_is_not_latin_1(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes("H;I\r\na;b\r\n\r\nc;d\r\n\r\n\r\n".encode("cp1252"))
    facts = inspect_file(path)
    assert (facts.content_lines, facts.lone_carriage_returns, facts.has_c1_bytes) == (4, 0, False)
    path.write_bytes("H\rrad – en\n".encode("cp1252"))  # a lone CR, and an en dash (0x96)
    facts = inspect_file(path)
    assert (facts.content_lines, facts.lone_carriage_returns, facts.has_c1_bytes) == (2, 1, True)


def test_month_end():
    assert month_end(dt.date(2024, 2, 1)) == dt.date(2024, 2, 29)


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


def test_the_sql_personnummer_rules_agree_with_python():
    rng = random.Random(3)
    cells = [WOMAN_1985, MAN_1960, WOMAN_1985.replace("-", ""), "19851332-1234", "850312-1234", "abc", ""]
    for _ in range(3000):
        born = dt.date(1900, 1, 1) + dt.timedelta(days=rng.randrange(45_000))
        day = born.day + (60 if rng.random() < 0.2 else 0)  # samordningsnummer
        text = f"{born:%Y%m}{day:02d}" + "".join(rng.choice("0123456789") for _ in range(4))
        cells.append(text if rng.random() < 0.5 else f"{text[:8]}-{text[8:]}")
        cells.append(text[2:] if rng.random() < 0.5 else f"{text[2:8]}{rng.choice('-+')}{text[8:]}")
    key = b"test-key"
    inner, outer = pnr.hmac_pads(key)
    with duck.connect() as connection:
        connection.execute("CREATE TABLE t (cell VARCHAR, inner_pad BLOB, outer_pad BLOB)")
        connection.executemany("INSERT INTO t VALUES (?, ?, ?)", [[c, inner, outer] for c in cells])
        rows = connection.execute(
            f"SELECT cell, {pnr.valid_sql('cell')}, {identity_number_sql('cell')}, "
            f"CASE WHEN {pnr.valid_sql('cell')} THEN {pnr.gender_sql(pnr.digits_sql('cell'))} END, "
            f"CASE WHEN {pnr.valid_sql('cell')} THEN "
            f"{pnr.pseudonymise_sql(pnr.digits_sql('cell'), 'inner_pad', 'outer_pad')} END "
            "FROM t"
        ).fetchall()
    assert sum(valid for _, valid, *_ in rows) > 100
    for cell, valid, identity, gender, key_hash in rows:
        try:
            digits = pnr.normalise(cell)
        except pnr.PersonnummerError:
            digits = None
        assert valid == (digits is not None), cell
        assert identity == is_personal_identity_number(cell), cell
        if digits:
            assert gender == pnr.gender(digits)
            assert key_hash == pnr.pseudonymise(digits, key)


def test_the_sql_age_bands_and_long_term_split_agree_with_python():
    rng = random.Random(5)
    cases = []
    for _ in range(2000):
        born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(25_000))
        month = dt.date(rng.randrange(2016, 2024), rng.randrange(1, 13), 1)
        spell = month + dt.timedelta(days=rng.randrange(-200, 40))
        cases.append((born, month, spell, float(rng.choice([0, 8, 16.5, 100, 168]))))
    short, middle, long = long_term_split_sql("hours", "spell", "month")
    with duck.connect() as connection:
        connection.execute("CREATE TABLE t (born DATE, month DATE, spell DATE, hours DOUBLE)")
        connection.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", cases)
        rows = connection.execute(
            f"SELECT {pnr.age_band_sql('born', 'last_day(month)')}, {short}, {middle}, {long} FROM t"
        ).fetchall()
    for (born, month, spell, hours), (band, *split) in zip(cases, rows, strict=True):
        assert band == pnr.age_band(pnr.age_on(born, month_end(month)))
        assert tuple(split) == pytest.approx(long_term_split(hours, spell, month), abs=1e-9)
