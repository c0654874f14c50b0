"""The chunked reader: the Arrow fast path gives exactly the chunks of the csv-module reader.

Every test reads a file both ways (``read_chunks`` and the reference ``_read_exact``) and compares
frames, dtypes and violations; line numbers are checked against the physical lines of the file.
"""

from __future__ import annotations

import logging
import random
import re
import tracemalloc
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from ingest import chunked
from ingest.chunked import TEXT, Chunk, Field, _parse_series_reference, _read_exact, parse_series, read_chunks
from ingest.contract import Violation

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
NUMBER_RULE = "is not a number with at most 2 decimals (decimal comma, e.g. -1 234,50)"


def write(
    directory: Path, lines: list[str], *, encoding: str = "cp1252", newline: str = "\n", end: bool = True
) -> Path:
    path = directory / f"extract_{encoding}.csv"
    path.write_bytes((newline.join(lines) + (newline if end else "")).encode(encoding))
    return path


def read_both(path: Path, encoding: str = "cp1252", *, chunk_rows: int = 1000, fields=FIELDS) -> list[Chunk]:
    """The fast reader's chunks, after checking that they equal the exact reader's."""
    fast = list(read_chunks(path, encoding, fields, one_of=ONE_OF, chunk_rows=chunk_rows))
    exact = list(_read_exact(path, encoding, fields, one_of=ONE_OF, chunk_rows=chunk_rows))
    assert len(fast) == len(exact)
    for ours, reference in zip(fast, exact, strict=True):
        pd.testing.assert_frame_equal(ours.frame, reference.frame, check_exact=True)
        assert list(ours.frame.dtypes) == list(reference.frame.dtypes)
        assert ours.violations == reference.violations
        assert (ours.headers, ours.ignored_headers) == (reference.headers, reference.ignored_headers)
    return fast


def frame_of(chunks: list[Chunk]) -> pd.DataFrame:
    return pd.concat([c.frame for c in chunks if len(c.frame)], ignore_index=True)


def violations_of(chunks: list[Chunk]) -> list[Violation]:
    return [v for c in chunks for v in c.violations]


@pytest.fixture
def paths(caplog):
    """How the last fast read went: blocks parsed by Arrow, by the csv module, and where the exact
    reader took over (None if it did not)."""
    caplog.set_level(logging.DEBUG, logger="ingest.chunked")

    def stats() -> tuple[int, int, int | None]:
        found = [
            re.search(r"(\d+) block\(s\) parsed by Arrow, (\d+) by the csv module(?:.* from line (\d+))?", r.message)
            for r in caplog.records
        ]
        last = [m for m in found if m][-1]
        return int(last[1]), int(last[2]), int(last[3]) if last[3] else None

    return stats


ROWS = [
    "202001;061111;4010;1 234,50;Läkemedel åäö",
    "202002;061112;3010;-12,5;Patientavgifter",
    '202003;061112;3010;1.234,56;"Faktura 12; Apoteket AB"',
    '202004;061121;5010;7;"Avtal ""Vårdval"" Q1"',
    '202005;061121;5010;-0,05;citat i mitten: 5"',
    "202006;061121;5010;1\u00a0000;",
]


def test_a_clean_windows_1252_file_is_read_by_arrow_with_exact_values(tmp_path, paths):
    path = write(tmp_path, [HEADER, *ROWS], newline="\r\n")
    chunks = read_both(path)
    assert paths() == (1, 0, None)
    frame = frame_of(chunks)
    assert list(frame["line_no"]) == [2, 3, 4, 5, 6, 7]
    assert list(frame["amount"]) == [1234.5, -12.5, 1234.56, 7.0, -0.05, 1000.0]
    assert list(frame["posting_text"].fillna("<NA>")) == [
        "Läkemedel åäö",
        "Patientavgifter",
        "Faktura 12; Apoteket AB",
        'Avtal "Vårdval" Q1',
        'citat i mitten: 5"',
        "<NA>",
    ]
    assert list(frame["period_month"].dt.strftime("%Y-%m")) == [f"2020-{m:02d}" for m in range(1, 7)]
    assert str(frame["posting_text"].dtype) == "string" and frame["posting_text"].dtype == TEXT
    assert violations_of(chunks) == []


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8"])
def test_utf8_with_a_byte_order_mark(tmp_path, paths, encoding):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join([HEADER, *ROWS, ""]).replace("1\u00a0000", "1\u202f000").encode())
    chunks = read_both(path, encoding)
    assert paths() == (1, 0, None)
    assert chunks[0].headers["period_month"] == "Period" and chunks[0].ignored_headers == []
    frame = frame_of(chunks)
    assert frame["posting_text"][0] == "Läkemedel åäö"
    assert frame["amount"].iloc[-1] == 1000.0  # grouped by a narrow no-break space


def test_numbers_in_every_delivered_shape_and_the_broken_ones(tmp_path, paths):
    amounts = ["1 234,50", "-1.234.567,89", "1.234", "1.5", "+3", "007", "12,", ",5", "12,345", "1e5", "abc", "−0,5"]
    path = write(tmp_path, [HEADER] + [f"202001;061111;4010;{a};x" for a in amounts], encoding="utf-8")
    chunks = read_both(path, "utf-8")
    assert paths() == (1, 0, None)
    values = frame_of(chunks)["amount"].tolist()
    assert [values[i] for i in (0, 1, 3, 4, 5, 11)] == [1234.5, -1234567.89, 1.5, 3.0, 7.0, -0.5]
    bad = [(v.line, v.value) for v in violations_of(chunks)]
    # "1.234" has a decimal point (one dot, no comma) and three decimals.
    assert bad == [(4, "1.234"), (8, "12,"), (9, ",5"), (10, "12,345"), (11, "1e5"), (12, "abc")]
    assert {v.rule for v in violations_of(chunks)} == {NUMBER_RULE}
    assert all(pd.isna(values[i]) for i in (2, 6, 7, 8, 9, 10))


def test_blank_lines_keep_the_physical_line_numbers(tmp_path, paths):
    lines = [HEADER, ROWS[0], "", ROWS[1], "", "", ROWS[2].replace("1.234,56", "bad"), ROWS[3], ""]
    path = write(tmp_path, lines, newline="\r\n")
    chunks = read_both(path, chunk_rows=2)
    assert paths() == (1, 0, None)  # empty lines need no help from the csv module
    assert list(frame_of(chunks)["line_no"]) == [2, 4, 7, 8]
    assert [(v.line, v.value) for v in violations_of(chunks)] == [(7, "bad")]


def test_a_line_of_blanks_goes_to_the_csv_module_and_is_skipped(tmp_path, paths):
    path = write(tmp_path, [HEADER, ROWS[0], "   ", ROWS[1], ";;;;", ROWS[2]])
    chunks = read_both(path)
    assert paths() == (0, 1, None)
    frame = frame_of(chunks)
    # A row of empty cells with the header's width is a row (the checks then find its gaps).
    assert list(frame["line_no"]) == [2, 4, 5, 6]
    assert frame["konto"].isna().tolist() == [False, False, True, False]
    assert violations_of(chunks) == []


def test_a_quoted_newline_keeps_later_line_numbers_exact(tmp_path, paths):
    lines = [HEADER, ROWS[0], '202001;061111;4010;5;"två\r\nrader"', ROWS[1], "202001;061111;4010;x;sist"]
    path = write(tmp_path, lines)
    chunks = read_both(path)
    assert paths() == (0, 1, None)
    frame = frame_of(chunks)
    assert list(frame["line_no"]) == [2, 4, 5, 6]  # a row spanning lines 3-4 is numbered by its last line
    assert frame["posting_text"][1] == "två\r\nrader"
    assert [(v.line, v.value) for v in violations_of(chunks)] == [(6, "x")]


def test_rows_with_the_wrong_number_of_fields(tmp_path, paths):
    lines = [HEADER, ROWS[0], "202001;061111", ROWS[1], "202001;061111;4010;5;x;extra", "  ", ROWS[2]]
    chunks = read_both(write(tmp_path, lines))
    assert paths() == (0, 1, None)
    assert list(frame_of(chunks)["line_no"]) == [2, 4, 7]
    assert violations_of(chunks) == [
        Violation("row has 2 fields, the header has 5", line=3),
        Violation("row has 6 fields, the header has 5", line=5),
    ]


def test_bad_cells_are_named_by_line_column_and_value(tmp_path, paths):
    header = "Bokföringsdatum;Period;Konto;Antal;Belopp"
    lines = [
        header,
        "2020-01-31;202001;4010;3;10,00",
        "2021-02-30;202013;4010;1,5;10,001",
        "20200229; 2020-03 ;4010;-7;  -5 ",
        "2020-1-01;2020;4010;x;5",
    ]
    chunks = read_both(write(tmp_path, lines, encoding="utf-8"), "utf-8")
    assert paths() == (1, 0, None)
    found = [(v.line, v.column, v.value) for v in violations_of(chunks)]
    assert found == [  # by field, then by line
        (3, "Period", "202013"),
        (5, "Period", "2020"),
        (3, "Bokföringsdatum", "2021-02-30"),
        (5, "Bokföringsdatum", "2020-1-01"),
        (3, "Antal", "1,5"),
        (5, "Antal", "x"),
        (3, "Belopp", "10,001"),
    ]
    frame = frame_of(chunks)
    assert frame["voucher_date"][2] == pd.Timestamp("2020-02-29")
    assert frame["period_month"][2] == pd.Timestamp("2020-03-01")
    assert frame["quantity"].tolist()[:3] == [3, pd.NA, -7]
    assert frame["amount"][2] == -5.0


def test_many_rows_make_several_chunks_and_violations_stay_with_their_chunk(tmp_path, paths):
    lines = [HEADER] + [f"2020{m % 12 + 1:02d};061111;4010;{m},25;rad {m}" for m in range(23)]
    lines.insert(12, "1;2")  # after 11 rows: found while the third chunk of 5 is being filled
    chunks = read_both(write(tmp_path, lines), chunk_rows=5)
    assert [len(c.frame) for c in chunks] == [5, 5, 5, 5, 3]
    assert frame_of(chunks)["line_no"].tolist() == [n for n in range(2, 26) if n != 13]
    assert [c.violations for c in chunks][2] == [Violation("row has 2 fields, the header has 5", line=13)]

    fourteen = [line for line in lines if line != "1;2"][:15]
    exact_multiple = read_both(write(tmp_path, fourteen), chunk_rows=7)
    assert [len(c.frame) for c in exact_multiple] == [7, 7, 0]  # as the csv-module reader always did


def test_a_header_only_file_and_an_empty_file(tmp_path, paths):
    for end in (True, False):
        chunks = read_both(write(tmp_path, [HEADER], end=end))
        assert len(chunks) == 1 and len(chunks[0].frame) == 0 and chunks[0].violations == []
        assert list(chunks[0].frame.columns) == ["line_no", "period_month", "ansvar", "konto", "amount", "posting_text"]
        assert str(chunks[0].frame["amount"].dtype) == "float64"

    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    for encoding, content in (("cp1252", b""), ("utf-8-sig", b"\xef\xbb\xbf")):
        empty.write_bytes(content)
        chunks = read_both(empty, encoding)
        assert chunks[0].violations == [Violation("the file is empty (a header row is required)", line=1)]


def test_a_header_that_breaks_the_contract(tmp_path):
    chunks = read_both(write(tmp_path, ["Ansvar;Text;Okänd", "061111;x;y"]))
    assert len(chunks) == 1 and chunks[0].frame.empty
    assert [v.rule for v in chunks[0].violations] == [
        "required column 'Konto' is missing from the header",
        "required column 'Belopp' is missing from the header",
        "one of these column sets is required: Period or Bokföringsdatum",
    ]
    assert chunks[0].ignored_headers == ["Okänd"]


def test_a_malformed_quote_stops_the_reading_at_its_line(tmp_path, paths):
    lines = [HEADER, *ROWS[:3], '202001;061111;4010;5;"x"y', *ROWS[3:]]
    chunks = read_both(write(tmp_path, lines), chunk_rows=2)
    assert paths() == (0, 0, 2)
    assert list(frame_of(chunks)["line_no"]) == [2, 3, 4]
    assert violations_of(chunks) == [Violation("unreadable CSV: ';' expected after '\"'", line=5)]


def test_an_unterminated_quote_at_the_end(tmp_path, paths):
    chunks = read_both(write(tmp_path, [HEADER, *ROWS, '202001;061111;4010;5;"open'], end=False))
    assert list(frame_of(chunks)["line_no"]) == [2, 3, 4, 5, 6, 7]
    assert violations_of(chunks) == [Violation("unreadable CSV: unexpected end of data", line=8)]


def test_a_lone_carriage_return_ends_a_line(tmp_path, paths):
    path = tmp_path / "mac.csv"
    path.write_bytes(f"{HEADER}\n{ROWS[0]}\r{ROWS[1]}\n202001;1;4010;x;y\n".encode("cp1252"))
    chunks = read_both(path)
    assert list(frame_of(chunks)["line_no"]) == [2, 3, 4]
    assert [v.line for v in violations_of(chunks)] == [4]


@pytest.mark.parametrize("block_bytes", [16, 61, 200, 4096])
def test_block_boundaries_anywhere(tmp_path, monkeypatch, paths, block_bytes):
    """Tiny blocks cut rows, CRLF pairs and quoted newlines at every position."""
    monkeypatch.setattr(chunked, "BLOCK_BYTES", block_bytes)
    clean = [HEADER] + [f"2020{m % 12 + 1:02d};061111;4010;{m},5;Rad {m} åäö" for m in range(40)]
    read_both(write(tmp_path, clean, newline="\r\n"), chunk_rows=7)
    arrow, by_csv, exact_from = paths()
    assert arrow >= 1 and by_csv == 0 and exact_from is None

    messy = list(clean)
    messy[5] = '202001;061111;4010;5;"en\r\nlång\r\ntext med ""citat"" och ; semikolon"'
    messy[9] = ""
    messy[14] = "1;2;3"
    messy[20] = "202001;061111;4010;fel;x"
    messy[30] = '202001;061111;4010;5;"rad\nbrytning"'
    frame = frame_of(read_both(write(tmp_path, messy, newline="\r\n"), chunk_rows=7))
    assert 6 not in set(frame["line_no"]) and 8 in set(frame["line_no"])  # the quoted row ends on line 8


def _random_file(rng: random.Random) -> str:
    cells = {
        "period": ["202001", "202012", "2020-03", " 202004 ", "202013", "20201", "", "abc", "１２３４５６"],
        "date": ["2020-01-31", "20200229", "2020-02-30", "", "x", "2021-13-01"],
        "amount": ["1 234,50", "-12,5", "−7", "1.234", "1.5", "12,345", "-0", "abc", "", "1\u00a0000", "+3", "٣"],
        "text": ["Läkemedel åäö", "", "  x  ", '"q;uoted"', '"a ""b"""', '"två\nrader"', 'in"side', "€", "x\x00y"],
        "int": ["3", "-7", "1,5", "", "1234567890"],
    }
    header = "Bokföringsdatum;Period;Ansvar;Konto;Antal;Belopp;Text;Extra"
    kinds = ["date", "period", "text", "text", "int", "amount", "text", "text"]
    lines = [header]
    for _ in range(rng.randint(0, 40)):
        if rng.random() < 0.06:
            lines.append(rng.choice(["", "   ", "1;2", ";;;;;;;", '"open', 'x;"bad"q;y', "\r"]))
        else:
            lines.append(";".join(rng.choice(cells[kind]) for kind in kinds))
    newline = rng.choice(["\n", "\r\n"])
    return newline.join(lines) + rng.choice([newline, "", newline * 2])


def test_random_files_read_the_same_both_ways(tmp_path, monkeypatch):
    rng = random.Random(20200101)
    for index in range(30):
        text = _random_file(rng)
        encoding = rng.choice(["cp1252", "utf-8", "utf-8-sig"])
        if encoding == "cp1252":
            text = text.translate({0x2212: "-", 0x00A0: " "}).replace("１２３４５６", "123456").replace("٣", "3")
        path = tmp_path / f"random_{index}.csv"
        path.write_bytes(text.encode(encoding))
        monkeypatch.setattr(chunked, "BLOCK_BYTES", rng.choice([32, 128, 1 << 20]))
        read_both(path, encoding, chunk_rows=rng.choice([3, 8, 100]))


@pytest.mark.parametrize(
    "field",
    [
        Field("Belopp", "amount", "number", max_decimals=2),
        Field("Belopp", "amount", "number"),
        Field("Period", "period_month", "period"),
        Field("Datum", "voucher_date", "date"),
        Field("Antal", "quantity", "integer"),
        Field("Text", "posting_text"),
        Field("Tidpunkt", "validated_at", "timestamp"),
    ],
    ids=lambda f: f"{f.kind}-{f.max_decimals}",
)
def test_vectorised_parse_equals_the_reference(field):
    rng = random.Random(7)
    pieces = ["0", "1", "2", "9", ",", ".", " ", "-", "+", "−", "\u00a0", "\u202f", "٣", "５", "e", "x", "\t", "2020"]
    cells = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 9))) for _ in range(4000)]
    cells += ["1 234,50", "-0", "-0,00", "1.234.567", "1.234", "12,345", "202001", "2020-02-29", "20200230"]
    # validation timestamps: seconds optional, a T allowed, impossible dates and times rejected
    cells += ["2020-03-01 06:12:33", "2020-03-01T23:59", " 2020-12-31 04:00:00 ", "2020-02-29 00:00:00"]
    cells += ["2020-02-30 10:00:00", "2021-02-29 00:00:00", "2020-13-01 00:00:00", "2020-03-01 24:00:00"]
    cells += ["2020-03-01 6:12:33", "2020-03-01  06:12", "2020-03-01 06:12:33.5"]
    texts = pd.Series(pd.array(pa.array(cells, pa.large_string()), dtype=TEXT), index=range(5, 5 + len(cells)))
    values, bad, rule = parse_series(texts, field)
    expected_values, expected_bad, expected_rule = _parse_series_reference(texts, field)
    pd.testing.assert_series_equal(values, expected_values, check_exact=True)
    pd.testing.assert_series_equal(bad, expected_bad)
    assert rule == expected_rule


def test_timestamps_accept_the_delivered_shapes_and_name_the_broken_ones():
    cells = ["2020-03-01 06:12:33", "2020-03-01T23:59", "", "2020-02-30 10:00:00", "2020-03-01 25:00:00", "x"]
    texts = pd.Series(pd.array(pa.array(cells, pa.large_string()), dtype=TEXT))
    values, bad, rule = parse_series(texts, Field("Tidpunkt", "validated_at", "timestamp"))
    assert values[:2].tolist() == [pd.Timestamp("2020-03-01 06:12:33"), pd.Timestamp("2020-03-01 23:59:00")]
    assert values[2:].isna().all()
    assert bad.tolist() == [False, False, False, True, True, True]  # empty is missing, not broken
    assert rule == "is not a valid timestamp (YYYY-MM-DD HH:MM:SS)"


def _large_file(path: Path, rows: int) -> Path:
    texts = ["Läkemedel inom förmånen {}", "Lön månadsavlönade {}", '"Hyra; lokaler {}"', "Städning Ryhov {}"]
    with path.open("w", encoding="cp1252", newline="") as handle:
        handle.write(HEADER + "\r\n")
        handle.writelines(
            f"2020{n % 12 + 1:02d};06{n % 7}111;{4010 + n % 50};{n % 9991} {n % 89:03d},{n % 97:02d};"
            f"{texts[n % 4].format(n)}\r\n"
            for n in range(rows)
        )
    return path


def _read_measured(path: Path, chunk_rows: int) -> tuple[int, int, int, int]:
    """Rows read, the largest chunk frame, the Python/numpy peak, and the most Arrow memory held."""
    rows = largest_frame = arrow_live = 0
    tracemalloc.start()
    try:
        for chunk in read_chunks(path, "cp1252", FIELDS, one_of=ONE_OF, chunk_rows=chunk_rows):
            assert chunk.violations == []
            rows += len(chunk.frame)
            largest_frame = max(largest_frame, int(chunk.frame.memory_usage(deep=True).sum()))
            arrow_live = max(arrow_live, pa.total_allocated_bytes())
        _, python_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return rows, largest_frame, python_peak, arrow_live


def test_memory_stays_bounded_by_the_chunk_size(tmp_path):
    """300 000 rows read 50 000 at a time need no more memory than 100 000 rows do."""
    small = _read_measured(_large_file(tmp_path / "small.csv", 100_000), 50_000)
    large_path = _large_file(tmp_path / "large.csv", 300_000)
    size = large_path.stat().st_size
    rows, largest_frame, python_peak, arrow_live = _read_measured(large_path, 50_000)
    assert (small[0], rows) == (100_000, 300_000)
    assert largest_frame < size / 3  # a chunk holds a sixth of the rows
    assert python_peak < size / 1.5  # blocks of 1 MB and one chunk, not the file's bytes and text
    assert python_peak < small[2] * 1.25  # independent of the file's size
    assert arrow_live < size / 2
