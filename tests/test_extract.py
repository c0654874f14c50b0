"""The DuckDB extract reader: cells typed by kind, every row numbered by its physical line, every
broken rule located. Each test reads a small file by hand with :func:`ingest.extract.stage_csv`."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from ingest import duck
from ingest.contract import Violation
from ingest.extract import (
    DATE_RULE,
    INTEGER_RULE,
    PERIOD_RULE,
    WHITESPACE,
    Field,
    HeaderProblem,
    Rule,
    Unique,
    check_rules,
    duckdb_encoding,
    number_rule,
    stage_csv,
    trimmed,
    typed,
)
from ingest.textio import inspect_file

FIELDS = [
    Field("Period", "period_month", "period", required=False),
    Field("Bokföringsdatum", "voucher_date", "date", required=False),
    Field("Ansvar", "ansvar", required=False),
    Field("Konto", "konto"),
    Field("Antal", "quantity", "integer", required=False),
    Field("Belopp", "amount", "number", max_decimals=2),
    Field("Text", "posting_text", required=False),
]
ONE_OF = [[["period_month"], ["voucher_date"]]]
HEADER = "Period;Ansvar;Konto;Belopp;Text"
NUMBER_RULE = number_rule(2)
ROWS = [
    "202001;061111;4010;1 234,50;Läkemedel åäö",
    "202002;061112;3010;-12,5;Patientavgifter",
    '202003;061112;3010;1.234,56;"Faktura 12; Apoteket AB"',
    '202004;061121;5010;7;"Avtal ""Vårdval"" Q1"',
    '202005;061121;5010;-0,05;citat i mitten: 5"',
    "202006;061121;5010;1\u00a0000;",
]


def write(
    directory: Path, lines: list[str], *, encoding: str = "cp1252", newline: str = "\n", end: bool = True
) -> Path:
    path = directory / f"extract_{encoding}.csv"
    path.write_bytes((newline.join(lines) + (newline if end else "")).encode(encoding))
    return path


def read(path: Path, fields=FIELDS, one_of=ONE_OF):
    """(rows as dicts in line order, violations) of a file staged in a fresh DuckDB."""
    facts = inspect_file(path)
    needs = ("encodings",) if duckdb_encoding(facts, facts.encoding) == "cp1252" else ()
    with duck.connect(extensions=needs) as connection:
        staged = stage_csv(connection, path, facts.encoding, fields, facts=facts, one_of=one_of)
        cursor = connection.execute("SELECT * FROM rows ORDER BY line_no")
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return rows, staged


def test_a_clean_windows_1252_file_with_exact_values(tmp_path):
    rows, staged = read(write(tmp_path, [HEADER, *ROWS], newline="\r\n"))
    assert [r["line_no"] for r in rows] == [2, 3, 4, 5, 6, 7]
    assert [r["amount"] for r in rows] == [1234.5, -12.5, 1234.56, 7.0, -0.05, 1000.0]
    assert [r["posting_text"] for r in rows] == [
        "Läkemedel åäö",
        "Patientavgifter",
        "Faktura 12; Apoteket AB",
        'Avtal "Vårdval" Q1',
        'citat i mitten: 5"',
        None,
    ]
    assert [r["period_month"] for r in rows] == [dt.date(2020, m, 1) for m in range(1, 7)]
    assert staged.violations == []
    assert staged.headers["period_month"] == "Period" and staged.ignored_headers == []


def test_windows_1252_bytes_that_latin_1_reads_differently_come_out_right(tmp_path):
    """€, the en dash and curly quotes are 0x80-0x9F in cp1252: the encodings extension reads them."""
    path = write(tmp_path, [HEADER, "202001;061111;4010;5;Avgift 5 € – ”kvitto”"])
    assert inspect_file(path).has_c1_bytes
    rows, _ = read(path)
    assert rows[0]["posting_text"] == "Avgift 5 € – ”kvitto”"


@pytest.mark.parametrize("bom", [b"\xef\xbb\xbf", b""])
def test_utf8_with_or_without_a_byte_order_mark(tmp_path, bom):
    path = tmp_path / "bom.csv"
    path.write_bytes(bom + "\n".join([HEADER, *ROWS, ""]).replace("1\u00a0000", "1\u202f000").encode())
    rows, staged = read(path)
    assert staged.headers["period_month"] == "Period"
    assert rows[0]["posting_text"] == "Läkemedel åäö"
    assert rows[-1]["amount"] == 1000.0  # grouped by a narrow no-break space


def test_numbers_in_every_delivered_shape_and_the_broken_ones(tmp_path):
    amounts = ["1 234,50", "-1.234.567,89", "1.234", "1.5", "+3", "007", "12,", ",5", "12,345", "1e5", "abc", "−0,5"]
    rows, staged = read(write(tmp_path, [HEADER] + [f"202001;061111;4010;{a};x" for a in amounts], encoding="utf-8"))
    values = [r["amount"] for r in rows]
    assert [values[i] for i in (0, 1, 3, 4, 5, 11)] == [1234.5, -1234567.89, 1.5, 3.0, 7.0, -0.5]
    # "1.234" has a decimal point (one dot, no comma) and three decimals.
    assert [(v.line, v.value) for v in staged.violations] == [
        (4, "1.234"),
        (8, "12,"),
        (9, ",5"),
        (10, "12,345"),
        (11, "1e5"),
        (12, "abc"),
    ]
    assert {v.rule for v in staged.violations} == {NUMBER_RULE}
    assert all(values[i] is None for i in (2, 6, 7, 8, 9, 10))


def test_blank_lines_keep_the_physical_line_numbers(tmp_path):
    lines = [HEADER, ROWS[0], "", ROWS[1], "", "", ROWS[2].replace("1.234,56", "bad"), ROWS[3], ""]
    rows, staged = read(write(tmp_path, lines, newline="\r\n"))
    assert [r["line_no"] for r in rows] == [2, 4, 7, 8]
    assert [(v.line, v.value) for v in staged.violations] == [(7, "bad")]


def test_a_line_of_blanks_is_skipped_and_a_row_of_empty_cells_is_a_row(tmp_path):
    rows, staged = read(write(tmp_path, [HEADER, ROWS[0], "   ", ROWS[1], ";;;;", ROWS[2]]))
    # A row of empty cells with the header's width is a row (the checks then find its gaps).
    assert [r["line_no"] for r in rows] == [2, 4, 5, 6]
    assert [r["konto"] is None for r in rows] == [False, False, True, False]
    assert staged.violations == []


def test_a_quoted_newline_keeps_later_line_numbers_exact(tmp_path):
    lines = [HEADER, ROWS[0], '202001;061111;4010;5;"två\r\nrader"', ROWS[1], "202001;061111;4010;x;sist"]
    rows, staged = read(write(tmp_path, lines))
    assert [r["line_no"] for r in rows] == [2, 3, 5, 6]  # a row spanning lines 3-4 is numbered by its first
    assert rows[1]["posting_text"] == "två\r\nrader"
    assert [(v.line, v.value) for v in staged.violations] == [(6, "x")]


def test_rows_with_the_wrong_number_of_fields(tmp_path):
    lines = [HEADER, ROWS[0], "202001;061111", ROWS[1], "202001;061111;4010;5;x;extra", "  ", ROWS[2]]
    rows, staged = read(write(tmp_path, lines))
    assert [r["line_no"] for r in rows] == [2, 4, 7]
    assert staged.violations == [
        Violation("row has 2 fields, the header has 5", line=3),
        Violation("row has 6 fields, the header has 5", line=5),
    ]


def test_bad_cells_are_named_by_line_column_and_value(tmp_path):
    header = "Bokföringsdatum;Period;Konto;Antal;Belopp"
    lines = [
        header,
        "2020-01-31;202001;4010;3;10,00",
        "2021-02-30;202013;4010;1,5;10,001",
        "20200229; 2020-03 ;4010;-7;  -5 ",
        "2020-1-01;2020;4010;x;5",
    ]
    rows, staged = read(write(tmp_path, lines, encoding="utf-8"))
    assert [(v.line, v.column, v.value, v.rule) for v in staged.violations] == [  # by field, then by line
        (3, "Period", "202013", PERIOD_RULE),
        (5, "Period", "2020", PERIOD_RULE),
        (3, "Bokföringsdatum", "2021-02-30", DATE_RULE),
        (5, "Bokföringsdatum", "2020-1-01", DATE_RULE),
        (3, "Antal", "1,5", INTEGER_RULE),
        (5, "Antal", "x", INTEGER_RULE),
        (3, "Belopp", "10,001", NUMBER_RULE),
    ]
    assert rows[2]["voucher_date"] == dt.date(2020, 2, 29)
    assert rows[2]["period_month"] == dt.date(2020, 3, 1)
    assert [r["quantity"] for r in rows[:3]] == [3, None, -7]
    assert rows[2]["amount"] == -5.0


def test_a_header_only_file_reads_no_rows_and_an_empty_file_is_named(tmp_path):
    for end in (True, False):
        rows, staged = read(write(tmp_path, [HEADER], end=end))
        assert rows == [] and staged.violations == [] and staged.rows == 0

    empty = tmp_path / "empty.csv"
    for content in (b"", b"\xef\xbb\xbf"):
        empty.write_bytes(content)
        with pytest.raises(HeaderProblem) as problem:
            read(empty)
        assert problem.value.violations == [Violation("the file is empty (a header row is required)", line=1)]


def test_a_header_that_breaks_the_contract(tmp_path):
    with pytest.raises(HeaderProblem) as problem:
        read(write(tmp_path, ["Ansvar;Text;Okänd", "061111;x;y"]))
    assert [v.rule for v in problem.value.violations] == [
        "required column 'Konto' is missing from the header",
        "required column 'Belopp' is missing from the header",
        "one of these column sets is required: Period or Bokföringsdatum",
    ]
    assert problem.value.ignored == ["Okänd"]


def test_a_malformed_quote_is_named_at_its_line_and_the_other_rows_still_count(tmp_path):
    lines = [HEADER, *ROWS[:3], '202001;061111;4010;5;"x"y', *ROWS[3:]]
    rows, staged = read(write(tmp_path, lines))
    assert [r["line_no"] for r in rows] == [2, 3, 4, 6, 7, 8]
    assert [(v.line, v.rule.split(":")[0]) for v in staged.violations] == [(5, "unreadable CSV")]


def test_an_unterminated_quote_at_the_end(tmp_path):
    rows, staged = read(write(tmp_path, [HEADER, *ROWS, '202001;061111;4010;5;"open'], end=False))
    assert [r["line_no"] for r in rows] == [2, 3, 4, 5, 6, 7]
    # the quote is never closed, and the file does not end with a line end: it was cut off there
    assert [(v.line, v.rule.split(":")[0]) for v in staged.violations] == [
        (8, "unreadable CSV"),
        (8, "incomplete last line"),
    ]


def test_rows_are_numbered_in_file_order_when_duckdb_reads_in_parallel(tmp_path):
    """DuckDB reads a large file in parallel buffers; every row must still get its own line."""
    path = tmp_path / "large.csv"
    with path.open("w", encoding="cp1252", newline="") as handle:
        handle.write("Period;Konto;Antal;Belopp;Text\r\n")
        handle.writelines(
            f"2020{n % 12 + 1:02d};4010;{n + 2};{n % 9991},{n % 97:02d};Rad {n} åäö\r\n" for n in range(300_000)
        )
    facts = inspect_file(path)
    with duck.connect() as connection:
        staged = stage_csv(connection, path, facts.encoding, FIELDS, facts=facts, one_of=ONE_OF)
        misplaced = connection.execute("SELECT count(*) FROM rows WHERE quantity <> line_no").fetchone()[0]
    assert staged.rows == 300_000 and staged.violations == []
    assert misplaced == 0  # the file says which line each row is on


def test_the_sql_trim_removes_what_python_strip_removes():
    rng = random.Random(11)
    pieces = [" ", "\t", "\u00a0", "\u202f", "\u3000", "\r", "a", "å", "0", ";", "x y"]
    cells = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 6))) for _ in range(3000)]
    with duck.connect() as connection:
        connection.execute("CREATE TABLE t (cell VARCHAR)")
        connection.executemany("INSERT INTO t VALUES (?)", [[c] for c in cells])
        got = connection.execute(f"SELECT cell, {trimmed('cell')} FROM t").fetchall()
    assert all(value == (cell.strip() or None) for cell, value in got)
    assert set(WHITESPACE) >= {" ", "\t", "\u00a0", "\u202f", "\u3000"}


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [
        ("number", "7,5", 7.5),
        ("number", "1 234,50", 1234.5),
        ("number", "1\u00a0234,50", 1234.5),
        ("number", "1.234,50", 1234.5),
        ("number", "-3", -3.0),
        ("number", "\u22123,25", -3.25),
        ("number", "7.5", 7.5),
        ("number", "0", 0.0),
        ("number", "7,5,1", None),
        ("number", "1,2.3", None),
        ("number", "12,", None),
        ("number", "٣", None),  # digits are ASCII digits
        ("date", "2021-04-30", dt.date(2021, 4, 30)),
        ("date", "20210430", dt.date(2021, 4, 30)),
        ("date", "2021-02-30", None),
        ("period", "202104", dt.date(2021, 4, 1)),
        ("period", "2021-04", dt.date(2021, 4, 1)),
        ("period", "202113", None),
        ("integer", "+3", 3),
        ("integer", "1e3", None),
        ("integer", "0x1F", None),
        ("integer", "12.0", None),
        ("timestamp", "2020-03-01 06:12:33", dt.datetime.fromisoformat("2020-03-01 06:12:33")),
        ("timestamp", "2020-03-01T23:59", dt.datetime.fromisoformat("2020-03-01 23:59:00")),
        ("timestamp", "2020-02-30 10:00:00", None),
        ("timestamp", "2020-03-01 24:00:00", None),
        ("timestamp", "2020-03-01 6:12:33", None),
        ("timestamp", "2020-03-01 06:12:33.5", None),
        ("timestamp", "2020-03-01 06:12:33+01:00", None),  # local time: a zone is not silently dropped
    ],
)
def test_each_kind_accepts_the_contracts_spellings_and_nothing_else(kind, text, value):
    expression, _ = typed("cell", kind)
    with duck.connect() as connection:
        assert (
            connection.execute(f"SELECT {expression} FROM (SELECT CAST(? AS VARCHAR) AS cell)", [text]).fetchone()[0]
            == value
        )


def test_rules_report_fifty_rows_and_count_the_rest(tmp_path):
    lines = [HEADER] + [f"202001;061111;{'40' if n % 2 else '4010'};1,00;rad {n}" for n in range(130)]
    path = write(tmp_path, lines, encoding="utf-8")
    facts = inspect_file(path)
    with duck.connect() as connection:
        staged = stage_csv(connection, path, facts.encoding, FIELDS, facts=facts, one_of=ONE_OF)
        outcome = check_rules(
            connection,
            [
                Rule("Konto has four digits", "length(konto) <> 4", ("konto",)),
                Unique("a text appears twice", ("posting_text",), header="Text"),
            ],
            staged.headers,
        )
    assert outcome.counts == {"Konto has four digits": 65, "a text appears twice": 0}
    assert [v.line for v in outcome.violations[:3]] == [3, 5, 7]
    assert len(outcome.violations) == 51
    assert outcome.violations[-1] == Violation("Konto has four digits: 15 more row(s)", column="Konto")


def test_nothing_is_ever_downloaded_and_the_pinned_extensions_load_from_their_wheels():
    with duck.connect(extensions=("encodings",)) as connection:
        settings = dict(
            connection.execute(
                "SELECT name, value FROM duckdb_settings() WHERE name IN "
                "('autoinstall_known_extensions', 'autoload_known_extensions')"
            ).fetchall()
        )
        loaded = {
            name
            for (name,) in connection.execute("SELECT extension_name FROM duckdb_extensions() WHERE loaded").fetchall()
        }
    assert settings == {"autoinstall_known_extensions": "false", "autoload_known_extensions": "false"}
    assert "encodings" in loaded
    for name in duck.EXTENSION_PACKAGES:
        assert duck.extension_path(name).is_file()
