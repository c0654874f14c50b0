"""The SIE 4 reader on real-shaped files: written here in codepage 437, as ERP systems export them."""

from __future__ import annotations

import collections
import datetime as dt
import gc
import itertools
import textwrap
import tracemalloc
from decimal import Decimal
from pathlib import Path

import pytest

from ingest.finance.sie import (
    MAX_PROBLEMS_PER_RULE,
    SieBalance,
    SieProblem,
    SieReader,
    SieTransaction,
    SieVoucher,
    is_sie,
    read_sie,
)


def write_sie(directory: Path, text: str, *, newline: str = "\n", name: str = "huvudbok.se") -> Path:
    """Write ``text`` (dedented) as a SIE file in codepage 437 with the given line ends."""
    path = directory / name
    path.write_bytes(textwrap.dedent(text).lstrip("\n").replace("\n", newline).encode("cp437"))
    return path


REALISTIC = """
    #FLAGGA 0
    #PROGRAM "Raindance" 2021.1
    #FORMAT PC8
    #GEN 20210505 "EKONOMI"
    #SIETYP 4
    #FNAMN "Region Halland"
    #ORGNR 232100-0115
    #RAR 0 20210101 20211231
    #RAR -1 20200101 20201231
    #KPTYP EUBAS97
    #VALUTA SEK
    #KONTO 1930 "Bank"
    #KONTO 2440 "Leverantörsskulder"
    #KONTO 3010 "Försäljning"
    #KONTO 4010 "Läkemedel inom förmånen"
    #KTYP 3010 I
    #KTYP 4010 K
    #DIM 1 "Ansvar"
    #DIM 6 "Projekt"
    #DIM 20 "Verksamhet"
    #OBJEKT 1 "0100" "Regionkontoret"
    #OBJEKT 1 "0142" "Expertstöd"
    #OBJEKT 6 "P17" "Nära vård"
    #OBJEKT 20 "110" "Primärvård"
    #IB 0 1930 12345.00
    #IB -1 1930 10000.00
    #UB 0 1930 100.00 2
    #OIB 0 1930 {1 "0100"} 12345.00
    #RES 0 3010 -5000.00
    #PSALDO 0 202101 3010 {1 "0100"} -1500.00
    #PSALDO 0 202101 3010 {} -3000.00
    #PBUDGET 0 202101 3010 {} -1000.00
    #VER A 12 20210115 "Fakturor januari" 20210120
    {
    #TRANS 3010 {1 "0100" 20 "110"} -1500.00 20210115 "Försäljning ÅÄÖ åäö"
    #TRANS 3010 {1 "0142"} -1500.00
    #TRANS 1930 {} 3000.00 20210116 "Inbetalning"
    }
    #VER B 7 20210203 "Läkemedel februari"
    {
    #TRANS 4010 {1 "0142" 6 "P17"} 812.25 20210203 "Apoteket" 3
    #TRANS 2440 {} -812.25
    }
"""

EXPECTED_VOUCHERS = [
    SieVoucher(
        series="A",
        number="12",
        date=dt.date(2021, 1, 15),
        text="Fakturor januari",
        registered=dt.date(2021, 1, 20),
        transactions=(
            SieTransaction(
                "3010", (("1", "0100"), ("20", "110")), Decimal("-1500.00"), dt.date(2021, 1, 15),
                "Försäljning ÅÄÖ åäö", None, 35,
            ),
            SieTransaction("3010", (("1", "0142"),), Decimal("-1500.00"), dt.date(2021, 1, 15), None, None, 36),
            SieTransaction("1930", (), Decimal("3000.00"), dt.date(2021, 1, 16), "Inbetalning", None, 37),
        ),
        line=33,
    ),
    SieVoucher(
        series="B",
        number="7",
        date=dt.date(2021, 2, 3),
        text="Läkemedel februari",
        registered=None,
        transactions=(
            SieTransaction(
                "4010", (("1", "0142"), ("6", "P17")), Decimal("812.25"), dt.date(2021, 2, 3), "Apoteket",
                Decimal(3), 41,
            ),
            SieTransaction("2440", (), Decimal("-812.25"), dt.date(2021, 2, 3), None, None, 42),
        ),
        line=39,
    ),
]  # fmt: skip

EXPECTED_BALANCES = [
    SieBalance("IB", 0, None, "1930", (), Decimal("12345.00"), None, 25),
    SieBalance("IB", -1, None, "1930", (), Decimal("10000.00"), None, 26),
    SieBalance("UB", 0, None, "1930", (), Decimal("100.00"), Decimal(2), 27),
    SieBalance("OIB", 0, None, "1930", (("1", "0100"),), Decimal("12345.00"), None, 28),
    SieBalance("RES", 0, None, "3010", (), Decimal("-5000.00"), None, 29),
    SieBalance("PSALDO", 0, "202101", "3010", (("1", "0100"),), Decimal("-1500.00"), None, 30),
    SieBalance("PSALDO", 0, "202101", "3010", (), Decimal("-3000.00"), None, 31),
    SieBalance("PBUDGET", 0, "202101", "3010", (), Decimal("-1000.00"), None, 32),
]


EXAMPLE = Path(__file__).parents[1] / "docs" / "extracts" / "examples" / "finance_sie4_example.se"


def test_documented_example_reads_without_problems():
    document = read_sie(EXAMPLE)

    assert document.problems == []
    assert [v.label for v in document.vouchers] == ["A 1", "A 2", "B 1"]
    assert document.vouchers[1].text == "Löner januari"
    assert document.header.dimensions == {"1": "Ansvar", "6": "Projekt", "20": "Verksamhet", "30": "Motpart"}


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["LF", "CRLF"])
def test_realistic_file_reads_to_exact_vouchers_and_balances(tmp_path, newline):
    path = write_sie(tmp_path, REALISTIC, newline=newline)
    assert "Försäljning".encode("cp437") in path.read_bytes()  # really PC8: ö is byte 0x94

    document = read_sie(path)

    assert document.problems == []
    assert document.vouchers == EXPECTED_VOUCHERS
    assert [v.label for v in document.vouchers] == ["A 12", "B 7"]
    assert str(document.vouchers[1].transactions[0].amount) == "812.25"
    assert document.balances == EXPECTED_BALANCES
    header = document.header
    assert (header.flag, header.program, header.format, header.generated, header.sie_type) == (
        0,
        "Raindance 2021.1",
        "PC8",
        dt.date(2021, 5, 5),
        4,
    )
    assert (header.company, header.org_no, header.currency, header.chart_type) == (
        "Region Halland",
        "232100-0115",
        "SEK",
        "EUBAS97",
    )
    assert header.fiscal_years == {
        0: (dt.date(2021, 1, 1), dt.date(2021, 12, 31)),
        -1: (dt.date(2020, 1, 1), dt.date(2020, 12, 31)),
    }
    assert header.accounts["4010"] == "Läkemedel inom förmånen"
    assert header.account_types == {"3010": "I", "4010": "K"}
    assert header.dimensions == {"1": "Ansvar", "6": "Projekt", "20": "Verksamhet"}
    assert header.objects[("1", "0142")] == "Expertstöd"
    assert header.objects[("6", "P17")] == "Nära vård"
    assert header.unknown_labels == {}


def test_quoting_unquoted_objects_empty_lists_and_missing_optional_fields(tmp_path):
    path = write_sie(
        tmp_path,
        """
        #FLAGGA 0
        #VER "" "" 20210301
        {
        #TRANS 3010\t{1 0100 20 "1 10"}\t-10.5\t20210302\t"Text med \\"citat\\" och  två mellanslag"\t2.5
        #TRANS 1930 {} 10.50 "" ""
        }
        #VER A 1 20210301 ""
        {
        #TRANS 1930 5
        #TRANS 3010 {} -5
        }
        """,
    )

    first, second = read_sie(path).vouchers

    assert (first.series, first.number, first.text, first.registered) == ("", "", None, None)
    assert first.transactions == (
        SieTransaction(
            "3010",
            (("1", "0100"), ("20", "1 10")),
            Decimal("-10.5"),
            dt.date(2021, 3, 2),
            'Text med "citat" och  två mellanslag',
            Decimal("2.5"),
            4,
        ),
        SieTransaction("1930", (), Decimal("10.50"), dt.date(2021, 3, 1), None, None, 5),
    )
    assert (second.label, second.text) == ("A 1", None)
    assert [(t.account, t.objects, t.amount) for t in second.transactions] == [
        ("1930", (), Decimal(5)),
        ("3010", (), Decimal(-5)),
    ]


def test_rtrans_counts_its_repeated_trans_is_skipped_and_btrans_never_counts(tmp_path):
    path = write_sie(
        tmp_path,
        """
        #FLAGGA 0
        #VER A 5 20210410 "Rättad"
        {
        #TRANS 3010 {} -100.00
        #BTRANS 1930 {} 100.00 20210410 "" "" "Anna"
        #RTRANS 1940 {} 60.00 20210410 "" "" "Anna"
        #TRANS 1940 {} 60.00 20210410 "" "" "Anna"
        #RTRANS 1941 {} 40.00
        #TRANS 1942 {} 40.00
        #TRANS 1942 {} -40.00
        }
        """,
    )

    document = read_sie(path)

    assert document.problems == []
    (voucher,) = document.vouchers
    assert [(t.account, t.amount, t.line) for t in voucher.transactions] == [
        ("3010", Decimal("-100.00"), 4),
        ("1940", Decimal("60.00"), 6),  # the #RTRANS row; its repeating #TRANS on line 7 is skipped
        ("1941", Decimal("40.00"), 8),
        ("1942", Decimal("40.00"), 9),  # not a repetition of the #RTRANS before it: a row of its own
        ("1942", Decimal("-40.00"), 10),
    ]


HEADER = """\
#FLAGGA 0
#SIETYP 4
#KONTO 1930 "Bank"
#KONTO 3010 "Försäljning"
#VER A 1 20210110 "Före"
{
#TRANS 3010 {} -100.00
#TRANS 1930 {} 100.00
}
"""
FRAGMENT_START = HEADER.count("\n") + 1
TRAILER = """\
#VER A 3 20210130 "Efter"
{
#TRANS 3010 {1 "0100"} -300.00
#TRANS 1930 {} 300.00
}
"""


def _ver_a2(*rows: str) -> str:
    return "\n".join(['#VER A 2 20210120 "Mitten"', "{", *rows, "}"]) + "\n"


BALANCED_ROWS = ("#TRANS 3010 {} -1.00", "#TRANS 1930 {} 1.00")

BROKEN = {
    "unbalanced voucher": (
        _ver_a2("#TRANS 3010 {} -1500.00", "#TRANS 1930 {} 1510.00"),
        1,
        "voucher A 2 (2021-01-20) does not balance: its #TRANS rows sum to 10.00, not 0",
        "A 2",
    ),
    "#TRANS outside a voucher": ("#TRANS 3010 {} -1.00\n", 1, "#TRANS outside a #VER { } block", None),
    "#RTRANS outside a voucher": ("#RTRANS 3010 {} -1.00\n", 1, "#RTRANS outside a #VER { } block", None),
    "'{' missing after #VER": (
        '#VER A 2 20210120 "Mitten"\n' + "\n".join(BALANCED_ROWS) + "\n}\n",
        2,
        "'{' missing after the #VER of voucher A 2 (2021-01-20)",
        "A 2",
    ),
    "a '}' without a voucher": ("}\n", 1, "a '}' line with no open voucher", None),
    "'}' missing before the next #VER": (
        '#VER A 2 20210120 "Mitten"\n{\n' + "\n".join(BALANCED_ROWS) + "\n",
        5,
        f"voucher A 2 (2021-01-20), opened on line {FRAGMENT_START}, has no closing '}}' before this #VER",
        "A 2",
    ),
    "amount with a decimal comma": (
        _ver_a2("#TRANS 3010 {} -1,50", "#TRANS 1930 {} 1.50"),
        3,
        "#TRANS: amount '-1,50' is not a number (decimal point, e.g. -1500.00)",
        "A 2",
    ),
    "amount with three decimals": (
        _ver_a2("#TRANS 3010 {} -1.505", "#TRANS 1930 {} 1.51"),
        3,
        "#TRANS: amount '-1.505' has more than 2 decimals",
        "A 2",
    ),
    "bad voucher date": (
        '#VER A 2 20210230 "Mitten"\n{\n' + "\n".join(BALANCED_ROWS) + "\n}\n",
        1,
        "#VER: '20210230' is not a valid date (YYYYMMDD)",
        "A 2",
    ),
    "bad transaction date": (
        _ver_a2("#TRANS 3010 {} -1.00 2021011", "#TRANS 1930 {} 1.00"),
        3,
        "#TRANS: '2021011' is not a valid date (YYYYMMDD)",
        "A 2",
    ),
    "bad period": (
        "#PSALDO 0 202113 3010 {} -1.00\n",
        1,
        "#PSALDO: '202113' is not a valid period (YYYYMM, month 01-12)",
        None,
    ),
    "unterminated quote": (
        _ver_a2('#TRANS 3010 {} -1.00 20210120 "Ej avslutad', "#TRANS 1930 {} 1.00"),
        3,
        "#TRANS: unterminated quoted string (a '\"' without its closing '\"')",
        "A 2",
    ),
    "unterminated object list": (
        _ver_a2('#TRANS 3010 {1 "0100" -1.00', "#TRANS 1930 {} 1.00"),
        3,
        "#TRANS: unterminated object list (a '{' without its closing '}')",
        "A 2",
    ),
    "object list not in pairs": (
        _ver_a2('#TRANS 3010 {1 "0100" 20} -1.00', "#TRANS 1930 {} 1.00"),
        3,
        "#TRANS: object list {1 0100 20} is not pairs of dimension number and object code",
        "A 2",
    ),
    "voucher without rows": (_ver_a2(), 1, "voucher A 2 (2021-01-20) has no transaction rows", "A 2"),
    "voucher with only removed rows": (
        _ver_a2("#BTRANS 3010 {} -1.00", "#BTRANS 1930 {} 1.00"),
        1,
        "voucher A 2 (2021-01-20) has no transaction rows",
        "A 2",
    ),
    "account not declared": (
        _ver_a2("#TRANS 3999 {} -1.00", "#TRANS 1930 {} 1.00"),
        3,
        "#TRANS: account 3999 is not declared by a #KONTO record",
        "A 2",
    ),
    "a line that is no record": (
        _ver_a2("3010 -1.00", *BALANCED_ROWS),
        3,
        "the line is not a SIE record (a record starts with a #label)",
        "A 2",
    ),
}


@pytest.mark.parametrize(("fragment", "offset", "rule", "voucher"), BROKEN.values(), ids=BROKEN.keys())
def test_broken_record_is_reported_and_the_valid_vouchers_still_read(tmp_path, fragment, offset, rule, voucher):
    path = write_sie(tmp_path, HEADER + fragment + TRAILER)
    reader = SieReader(path)

    labels = [v.label for v in reader.vouchers()]

    assert reader.problems == [SieProblem(FRAGMENT_START + offset - 1, rule, voucher)]
    assert labels == ["A 1", "A 3"]


def test_every_problem_is_reported_not_only_the_first(tmp_path):
    fragments = [case[0] for case in BROKEN.values()]
    path = write_sie(tmp_path, HEADER + "".join(fragments) + TRAILER)
    reader = SieReader(path)

    labels = [v.label for v in reader.vouchers()]

    assert labels == ["A 1", "A 3"]
    assert len(reader.problems) == len(BROKEN)


def test_missing_closing_brace_at_end_of_file(tmp_path):
    path = write_sie(tmp_path, HEADER + '#VER A 2 20210120 "Sist"\n{\n' + "\n".join(BALANCED_ROWS) + "\n")
    reader = SieReader(path)

    assert [v.label for v in reader.vouchers()] == ["A 1"]
    assert reader.problems == [
        SieProblem(
            FRAGMENT_START + 3,
            f"voucher A 2 (2021-01-20), opened on line {FRAGMENT_START}, is not closed: '}}' missing at end of file",
            "A 2",
        )
    ]


def test_first_record_must_be_flagga_and_sietyp_must_be_4(tmp_path):
    path = tmp_path / "utan_flagga.se"
    path.write_bytes(b"\r\n#SIETYP 3\r\n#FLAGGA 0\r\n")  # the blank first line is no record
    reader = SieReader(path)

    assert list(reader.vouchers()) == []
    assert reader.problems == [
        SieProblem(2, "the first record is not #FLAGGA"),
        SieProblem(2, "#SIETYP is 3, not 4: the file holds no vouchers by the standard"),
    ]


def test_empty_file_is_a_problem(tmp_path):
    reader = SieReader(write_sie(tmp_path, "\n\n"))

    assert list(reader.vouchers()) == []
    assert reader.problems == [SieProblem(1, "the file holds no SIE records (#FLAGGA expected first)")]


def test_problems_are_capped_per_rule_and_the_rest_counted(tmp_path):
    extra = 5
    vouchers = "".join(
        f"#VER A {n} 20210120\n{{\n#TRANS 3010 {{}} -1.00\n#TRANS 1930 {{}} 2.00\n}}\n"
        for n in range(2, MAX_PROBLEMS_PER_RULE + extra + 2)
    )
    path = write_sie(tmp_path, HEADER + vouchers + "#TRANS 3010 {} 1.00\n")
    reader = SieReader(path)

    assert [v.label for v in reader.vouchers()] == ["A 1"]
    assert len(reader.problems) == MAX_PROBLEMS_PER_RULE + 2
    assert reader.problems[-2].rule == "#TRANS outside a #VER { } block"
    assert reader.problems[-1].rule == f"{extra} more problems of kind 'unbalanced voucher' are not listed"


def test_unknown_labels_are_ignored_and_counted(tmp_path):
    path = write_sie(
        tmp_path,
        """
        #FLAGGA 0
        #ADRESS "Ekonomi" "Box 517" "301 80 Halmstad" "035-13 48 00"
        #SRU 1930 7281
        #SRU 3010 7410
        #VER A 1 20210110
        {
        #TRANS 3010 {} -100.00
        #KOMMENTAR "ett nytt fält"
        #TRANS 1930 {} 100.00
        }
        #KSUMMA 1234567
        """,
    )
    reader = SieReader(path)

    assert [v.label for v in reader.vouchers()] == ["A 1"]
    assert reader.problems == []
    assert reader.header.unknown_labels == {"#ADRESS": 1, "#SRU": 2, "#KOMMENTAR": 1, "#KSUMMA": 1}


def test_format_other_than_pc8_is_a_problem_unless_the_encoding_is_given(tmp_path):
    path = tmp_path / "utf8.se"
    path.write_bytes('#FLAGGA 0\n#FORMAT UTF8\n#FNAMN "Region Jämtland Härjedalen"\n'.encode())

    guessed = read_sie(path)
    told = read_sie(path, encoding="utf-8")

    assert guessed.problems == [
        SieProblem(2, "#FORMAT UTF8 is not PC8; SIE 4 files are codepage 437 and the file was read as such")
    ]
    assert told.problems == []
    assert told.header.company == "Region Jämtland Härjedalen"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"#FLAGGA 0\r\n#SIETYP 4\r\n", True),
        (b"\r\n\n  #FLAGGA 0\n", True),
        (b"\xef\xbb\xbf#FLAGGA 0\n", True),
        (b"Period;Ansvar;Konto;Belopp\n202101;0100;3010;-1 500,00\n", False),
        (b"#SIETYP 4\n#FLAGGA 0\n", False),
        (b"", False),
    ],
)
def test_is_sie(tmp_path, content, expected):
    path = tmp_path / "leverans.txt"
    path.write_bytes(content)

    assert is_sie(path) is expected


PERIOD_CHECK = """
    #FLAGGA 0
    #PSALDO 0 202101 3010 {} -1000.00
    #PSALDO 0 202101 3010 {1 "0100"} -7.00
    #PSALDO 0 202101 4010 {} 250.00
    #PSALDO 0 202101 4020 {} 5.00
    #PSALDO 0 202101 1930 {} 99999.00
    #PSALDO 0 202102 3010 {} -2000.00
    #PSALDO -1 202001 3010 {} -3000.00
    #VER A 1 20210110
    {
    #TRANS 3010 {1 "0100"} -600.00
    #TRANS 3010 {1 "0142"} -400.00
    #TRANS 1930 {} 1000.00
    }
    #VER A 2 20210125
    {
    #TRANS 4010 {1 "0100"} 200.00
    #TRANS 4010 {1 "0100"} 50.00
    #TRANS 1930 {} -250.00
    }
"""


def test_period_balances_that_agree_with_the_vouchers_pass(tmp_path):
    path = write_sie(tmp_path, PERIOD_CHECK.replace("4020 {} 5.00", "4020 {} 0.00"))
    reader = SieReader(path)
    list(reader.vouchers())

    # 1930 is a balance-sheet account (its #PSALDO is accumulated), 202102 and 202001 have no vouchers
    assert reader.check_period_balances() == []


def test_period_balance_mismatch_names_account_and_period(tmp_path):
    path = write_sie(tmp_path, PERIOD_CHECK.replace("4010 {} 250.00", "4010 {} 250.50"))
    reader = SieReader(path)
    list(reader.vouchers())

    problems = reader.check_period_balances()

    assert [(p.line, p.voucher) for p in problems] == [(4, None), (5, None)]
    assert problems[0].rule == (
        "#PSALDO of account 4010 for period 202101 is 250.50, "
        "but the vouchers of that period sum to 250.00 on the account"
    )
    assert problems[1].rule.startswith("#PSALDO of account 4020 for period 202101 is 5.00, but the vouchers")
    assert reader.problems == []
    assert [p.line for p in read_sie(path).problems] == [4, 5]


def test_period_balances_need_the_vouchers_read_first(tmp_path):
    reader = SieReader(write_sie(tmp_path, PERIOD_CHECK))

    with pytest.raises(RuntimeError, match="vouchers"):
        reader.check_period_balances()


def test_reading_again_starts_afresh(tmp_path):
    reader = SieReader(write_sie(tmp_path, HEADER + _ver_a2("#TRANS 3010 {} -1.00")))

    first = list(reader.vouchers())
    second = list(reader.vouchers())

    assert first == second
    assert len(reader.problems) == 1


def test_vouchers_stream_in_bounded_memory(tmp_path):
    count, window, sample = 200_000, 5_000, 1_000
    path = tmp_path / "helår.se"
    with path.open("w", encoding="cp437", newline="\r\n") as handle:
        handle.write(HEADER)
        handle.writelines(
            f'#VER A {n} 20210115 "Faktura {n} från leverantör"\n{{\n'
            f'#TRANS 3010 {{1 "0100" 20 "110"}} -{n % 9000}.50\n#TRANS 1930 {{}} {n % 9000}.50\n}}\n'
            for n in range(2, count + 2)
        )

    # type() rather than isinstance(): isinstance on every live object trips lazy module proxies
    # (Airflow's, when the DAG tests ran first in the same process) into importing optional modules.
    alive_before = sum(type(item) is SieVoucher for item in gc.get_objects())
    reader = SieReader(path)
    vouchers = reader.vouchers()
    collections.deque(itertools.islice(vouchers, count - window), maxlen=0)
    tracemalloc.start()
    (last,) = collections.deque(vouchers, maxlen=1)
    streaming_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    alive = sum(type(item) is SieVoucher for item in gc.get_objects()) - alive_before

    tracemalloc.start()
    held = list(itertools.islice(SieReader(path).vouchers(), sample))
    held_size = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()

    assert last.label == f"A {count + 1}"  # every voucher was read: the file's last is "A 200001"
    assert reader.problems == []
    assert alive <= 1  # none of the 200 001 vouchers is kept alive but the last
    assert len(held) == sample
    window_as_list = held_size * window // sample
    assert streaming_peak < 1_000_000 < window_as_list  # the window's vouchers alone would take far more
