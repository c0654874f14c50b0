"""Write the corpus of bad extracts (tests/corpus/<source>/) and its expectations (tests/corpus/expected.csv).

The committed corpus is the files themselves: this script only documents how each was made and lets a
reviewer regenerate them (``.venv/bin/python tests/corpus/make_corpus.py``). Every file is broken in one
way, named by its ``what``; ``expected.csv`` says what the contract demands of it: the status, a
distinctive part of the broken rule as the quarantine report prints it, the line (empty: a rule about
the whole file) and the column the report names (empty: not checked). Files of a header only are
``empty``, not quarantined: nothing of them is loaded and nothing is replaced.

Every file lands in region 0006 (Jönköpings län: the GTFS example, the ticket products and the traffic
areas of the seeds are its own), after the prerequisites of its source: the organisation of
``fixtures/organisation_0006.csv`` (the units of every documented example, and unit 0199, closed at the
end of 2019) or the documented GTFS example feed. ``fixtures/huvudbok_2021.se`` is the good SIE 4 ledger
the bad ones are made from (their codepage-437 text holds an Å, byte 0x8F, which Windows-1252 lacks).
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from regionkpi.personnummer import luhn_is_valid

CORPUS = Path(__file__).resolve().parent
REGION = "0006"
ZIP_TIME = (2020, 12, 14, 4, 0, 0)


@dataclass(frozen=True)
class Case:
    source: str
    name: str
    data: bytes
    what: str
    rule: str = ""
    line: int | None = None
    column: str = ""
    status: str = "quarantined"


def text(lines: list[str], *, newline: str = "\n", encoding: str = "utf-8", final: bool = True) -> bytes:
    """``lines`` joined by ``newline`` (ending with one unless ``final`` is false), encoded."""
    body = newline.join(lines) + (newline if final else "")
    return body.encode(encoding)


def personnummer(birth: str, serial: str) -> str:
    """The 12 digits of a personnummer with a valid check digit (the date is not checked here)."""
    for check in range(10):
        digits = birth + serial + str(check)
        if luhn_is_valid(digits[2:]):
            return digits
    raise AssertionError("unreachable")


def dashed(digits: str) -> str:
    """A 12-digit personnummer as people write it: ``YYYYMMDD-NNNN``."""
    return f"{digits[:8]}-{digits[8:]}"


def zipped(members: dict[str, bytes], *, stored: bool = False) -> bytes:
    """A zip of ``members`` in the given order, with fixed timestamps (the same bytes every time)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------------
# The prerequisite organisation of region 0006
# --------------------------------------------------------------------------------------------------

PREREQUISITE_ORGANISATION = [
    "Enhetskod;Enhetsnamn;Överordnad enhet;Nivå;Giltig från;Giltig till",
    "060000;Region Jönköpings län;;Region;2015-01-01;",
    "061000;Regionstyrelsen;060000;Nämnd/styrelse;2015-01-01;",
    "061100;Regionledningskontoret;061000;Förvaltning;2015-01-01;",
    "062000;Nämnd för arbetsmarknad;060000;Nämnd/styrelse;2015-01-01;",
    "062100;Länstrafiken;062000;Förvaltning;2015-01-01;",
    "0100;Regionkontoret;061000;Förvaltning;2015-01-01;",
    "0111;Ekonomiavdelningen;0100;Enhet;2015-01-01;",
    "0121;Ekonomitjänster;0100;Enhet;2015-01-01;",
    "0122;Revision;0100;Enhet;2015-01-01;",
    "0130;HR-avdelningen;0100;Område/avdelning;2015-01-01;",
    "0132;Lön och pension;0130;Enhet;2015-01-01;",
    "0140;Hälso- och sjukvårdsavdelningen;0100;Område/avdelning;2015-01-01;",
    "0141;Utvecklingsenheten;0140;Enhet;2015-01-01;",
    "0142;Expertstöd;0140;Enhet;2015-01-01;",
    "0150;IT- och digitaliseringsavdelningen;0100;Område/avdelning;2015-01-01;",
    "0151;Digitala tjänster;0150;Enhet;2015-01-01;",
    "0161;Kultur;0100;Enhet;2015-01-01;",
    "0199;Avvecklad enhet;0100;Enhet;2015-01-01;2019-12-31",
    "0411;Fastigheter;0100;Enhet;2015-01-01;",
    "0511;Länssjukhuset Ryhov;0100;Enhet;2015-01-01;",
]

# --------------------------------------------------------------------------------------------------
# organisation
# --------------------------------------------------------------------------------------------------

ORG_HEADER = "Enhetskod;Enhetsnamn;Överordnad enhet;Nivå;Giltig från;Giltig till"
ORG_ROWS = [
    "0001;Region Halland;;Region;2011-01-01;",
    "0010;Regionstyrelsen;0001;Nämnd/styrelse;2011-01-01;",
    "0100;Regionkontoret;0010;Förvaltning;2017-01-01;",
    "0130;HR-avdelningen;0100;Område/avdelning;2017-01-01;",
    "0132;Lön och pension;0130;Enhet;2017-01-01;",
]


def org(*rows: str, header: str = ORG_HEADER, **kw) -> bytes:
    return text([header, *rows], **kw)


def organisation_cases() -> list[Case]:
    s = "organisation"
    r = ORG_ROWS
    return [
        Case(
            s,
            "org_undefined_byte.csv",
            org(*r[:3], "0130;HR-avdelningen \x81;0100;Område/avdelning;2017-01-01;", r[4], encoding="latin-1"),
            "byte 0x81 on line 5: neither UTF-8 nor Windows-1252",
            "is undefined in Windows-1252",
        ),
        Case(
            s,
            "org_utf16.csv",
            org(*r, newline="\r\n", encoding="utf-16"),
            "the whole file in UTF-16 with its byte-order mark (what Windows tools call 'Unicode')",
            "UTF-16 text",
        ),
        Case(
            s,
            "org_misspelt_header.csv",
            org(*r, header=ORG_HEADER.replace("Enhetsnamn", "Enhetsnman")),
            "Enhetsnamn misspelt Enhetsnman in the header",
            "required column 'Enhetsnamn' is missing from the header",
            1,
        ),
        Case(
            s,
            "org_unknown_level.csv",
            org(*r[:4], "0132;Lön och pension;0130;Sektion;2017-01-01;"),
            "Nivå Sektion is none of the five levels",
            "level must be Region, Nämnd/styrelse, Förvaltning, Område/avdelning or Enhet",
            6,
            "Nivå",
        ),
        Case(
            s,
            "org_unknown_parent.csv",
            org(*r[:3], "0130;HR-avdelningen;0999;Område/avdelning;2017-01-01;", r[4]),
            "the parent 0999 is no unit of the file",
            "parent unit must be a unit code of this file",
            5,
            "Överordnad enhet",
        ),
        Case(
            s,
            "org_duplicate_key.csv",
            org(*r, "0132;Lön, pension och förmåner;0130;Enhet;2017-01-01;"),
            "unit 0132 twice with the same Giltig från",
            "a unit appears twice with the same valid-from date",
            6,
            "Enhetskod, Giltig från",
        ),
        Case(
            s,
            "org_broken_quote.csv",
            org(*r[:3], '0130;"HR-avdelningen;0100;Område/avdelning;2017-01-01;', r[4]),
            "a quoted name whose quote is never closed",
            "unreadable CSV",
            5,
        ),
        Case(
            s,
            "org_parent_cycle.csv",
            org(*r[:3], "0130;HR-avdelningen;0132;Område/avdelning;2017-01-01;", r[4]),
            "0130's parent is 0132 and 0132's parent is 0130: the tree has a cycle off the region",
            "cycle",
            5,
            "Överordnad enhet",
        ),
        Case(
            s,
            "org_valid_to_before_valid_from.csv",
            org(*r[:4], "0132;Lön och pension;0130;Enhet;2017-01-01;2016-12-31"),
            "Giltig till 2016-12-31 before Giltig från 2017-01-01",
            "valid to must not be before valid from",
            6,
            "Giltig till, Giltig från",
        ),
        Case(
            s,
            "org_two_regions.csv",
            org(*r, "0002;Region Halland Syd;;Region;2011-01-01;"),
            "a second unit of level Region",
            "exactly one unit of level Region is required, found 2",
            None,
            "Nivå",
        ),
        Case(
            s,
            "org_overlapping_validity.csv",
            org(
                *r[:4],
                "0132;Lön och pension;0130;Enhet;2017-01-01;2019-12-31",
                "0132;Lön, pension och förmåner;0130;Enhet;2019-06-01;",
            ),
            "unit 0132's second version starts in June 2019, before its first ends at the end of 2019",
            "validity of unit 0132 overlaps its previous row",
            7,
            "Giltig från",
        ),
        Case(
            s,
            "org_unit_without_parent.csv",
            org(*r[:3], "0130;HR-avdelningen;;Område/avdelning;2017-01-01;", r[4]),
            "a department without Överordnad enhet: only the region has none",
            "parent unit is required: Överordnad enhet is empty only for the unit of level Region",
            5,
            "Överordnad enhet",
        ),
        Case(s, "org_header_only.csv", org(), "a header and no units", status="empty"),
    ]


# --------------------------------------------------------------------------------------------------
# hr_sick_leave
# --------------------------------------------------------------------------------------------------

SICK_HEADER = (
    "Personnummer;Anställningsnummer;Ansvar;Period;Anställningsform;Anställd från;Anställd till;"
    "Ordinarie timmar;Sjuktimmar;Sjuktimmar dag 1-14;Sjuktimmar dag 15-59;Sjuktimmar dag 60-"
)
SPELL_HEADER = "Personnummer;Ansvar;Period;Anställningsform;Anställd från;Ordinarie timmar;Sjuktimmar;Sjukperiod från"
WOMAN = "198403121281"
MAN = "196207043834"


def sick_row(
    pnr: str = WOMAN,
    unit: str = "0142",
    period: str = "202109",
    form: str = "Månadsavlönad",
    start: str = "2012-09-01",
    end: str = "",
    ordinary: str = "176,00",
    sick: str = "16,00",
    split: tuple[str, str, str] = ("16,00", "0,00", "0,00"),
    number: str = "001204",
) -> str:
    return ";".join([pnr, number, unit, period, form, start, end, ordinary, sick, *split])


def sick(*rows: str, header: str = SICK_HEADER, **kw) -> bytes:
    return text([header, *rows], newline="\r\n", **kw)


def spell_row(sick_hours: str = "16,00", spell: str = "2021-09-06", period: str = "202109") -> str:
    """A row of the Sjukperiod-från layout (:data:`SPELL_HEADER`)."""
    return ";".join([WOMAN, "0142", period, "Månadsavlönad", "2012-09-01", "176,00", sick_hours, spell])


def hr_cases() -> list[Case]:
    s = "hr_sick_leave"
    ok = sick_row(MAN, number="001187", sick="88,00", split=("0,00", "0,00", "88,00"))
    bad_check = WOMAN[:-1] + str((int(WOMAN[-1]) + 1) % 10)
    return [
        Case(
            s,
            "hr_bad_check_digit.csv",
            sick(ok, sick_row(bad_check)),
            "the personnummer's check digit is wrong",
            "not a valid personnummer (12 digits, valid birth date and check digit)",
            3,
            "Personnummer",
        ),
        Case(
            s,
            "hr_ten_digit_personnummer.csv",
            sick(sick_row(WOMAN[2:]), ok),
            "a personnummer of 10 digits (no century)",
            "not a valid personnummer",
            2,
            "Personnummer",
        ),
        Case(
            s,
            "hr_unknown_unit.csv",
            sick(ok, sick_row(unit="9999")),
            "Ansvar 9999 is no unit of the organisation",
            "unit code is not in region 0006's organisation extract",
            3,
            "Ansvar",
        ),
        Case(
            s,
            "hr_unknown_employment_type.csv",
            sick(sick_row(form="Visstidsanställd"), ok),
            "Anställningsform Visstidsanställd is none of the four",
            "employment type must be Månadsavlönad",
            2,
            "Anställningsform",
        ),
        Case(
            s,
            "hr_negative_split_hours.csv",
            sick(ok, sick_row(split=("20,00", "-4,00", "0,00"))),
            "negative hours in days 15-59 (the split still adds up)",
            "hours must not be negative",
            3,
            "Sjuktimmar dag 15-59",
        ),
        Case(
            s,
            "hr_duplicate_employee_month.csv",
            sick(sick_row(), ok, sick_row(sick="8,00", split=("8,00", "0,00", "0,00"))),
            "the same personnummer twice for 202109",
            "the same employee appears twice for one period",
            2,
            "Personnummer, Period",
        ),
        Case(
            s,
            "hr_month_13.csv",
            sick(ok, sick_row(period="202113")),
            "Period 202113",
            "is not a valid period (YYYYMM, month 01-12)",
            3,
            "Period",
        ),
        Case(
            s,
            "hr_missing_period_column.csv",
            sick(
                *[";".join(row.split(";")[:3] + row.split(";")[4:]) for row in (ok, sick_row())],
                header=SICK_HEADER.replace("Period;", ""),
            ),
            "no Period column",
            "required column 'Period' is missing from the header",
            1,
        ),
        Case(
            s,
            "hr_too_many_fields.csv",
            sick(ok, sick_row() + ";0,00"),
            "a row of 13 fields under a header of 12",
            "row has 13 fields, the header has 12",
            3,
        ),
        Case(
            s,
            "hr_future_period.csv",
            sick(ok, sick_row(period="203001")),
            "payroll for January 2030: a month that has not happened",
            "in the future",
            3,
            "Period",
        ),
        Case(
            s,
            "hr_employment_ends_before_it_starts.csv",
            sick(ok, sick_row(end="2011-12-31")),
            "Anställd till 2011-12-31 before Anställd från 2012-09-01",
            "employment end date must not be before its start date",
            3,
            "Anställd till, Anställd från",
        ),
        Case(
            s,
            "hr_split_does_not_add_up.csv",
            sick(ok, sick_row(split=("8,00", "0,00", "0,00"))),
            "16 sick hours split into 8 + 0 + 0",
            "the spell-length columns must add up to Sjuktimmar",
            3,
            "Sjuktimmar dag 1-14/15-59/60-",
        ),
        Case(
            s,
            "hr_split_left_empty.csv",
            sick(ok, sick_row(split=("", "", ""))),
            "16 sick hours with the three split cells empty (loaded as 0 + 0 + 0)",
            "the spell-length columns must add up to Sjuktimmar",
            3,
            "Sjuktimmar dag 1-14/15-59/60-",
        ),
        Case(
            s,
            "hr_sick_hours_without_spell_start.csv",
            sick(spell_row(), spell_row(spell="").replace(WOMAN, MAN), header=SPELL_HEADER),
            "sick hours without Sjukperiod från in the spell-start layout",
            "sick-leave hours need a spell start date",
            3,
            "Sjukperiod från",
        ),
        Case(
            s,
            "hr_spell_starts_after_the_period.csv",
            sick(spell_row(), spell_row(spell="2021-10-04").replace(WOMAN, MAN), header=SPELL_HEADER),
            "a spell starting 4 October for sick hours in September",
            "spell starts after the period",
            3,
            "Sjukperiod från",
        ),
        Case(
            s,
            "hr_no_spell_columns.csv",
            sick(
                *[";".join(row.split(";")[:9]) for row in (ok, sick_row())],
                header=";".join(SICK_HEADER.split(";")[:9]),
            ),
            "neither the three split columns nor Sjukperiod från",
            "one of these column sets is required: Sjuktimmar dag 1-14+Sjuktimmar dag 15-59+Sjuktimmar dag 60- "
            "or Sjukperiod från",
            1,
        ),
        Case(s, "hr_header_only.csv", sick(), "a header and no employees", status="empty"),
    ]


# --------------------------------------------------------------------------------------------------
# finance_ledger: CSV
# --------------------------------------------------------------------------------------------------

LEDGER_HEADER = "Period;Ansvar;Konto;Verksamhet;Aktivitet;Projekt;Motpart;Belopp;Text;Verifikation"
DATED_HEADER = "Bokföringsdatum;Ansvar;Konto;Verksamhet;Belopp;Text;Verifikation"
L1 = "202104;0111;5011;110;;;;525986,11;Månadslöner april;L 4"
L2 = "202104;0111;5610;110;;;;166046,39;Arbetsgivaravgifter april;L 4"
L3 = "202104;0141;4610;410;;;900;1480000,00;Utvecklingsmedel;A 140"


def ledger(*rows: str, header: str = LEDGER_HEADER, **kw) -> bytes:
    return text([header, *rows], **kw)


def ledger_cases() -> list[Case]:
    s = "finance_ledger"
    return [
        Case(
            s,
            "ledger_missing_amount_column.csv",
            ledger(
                *[row.replace(";525986,11", "").replace(";166046,39", "") for row in (L1, L2)],
                header=LEDGER_HEADER.replace(";Belopp", ""),
            ),
            "no Belopp column",
            "required column 'Belopp' is missing from the header",
            1,
        ),
        Case(
            s,
            "ledger_mixed_encoding.csv",
            text([DATED_HEADER, "2021-04-30;0111;5011;110;525986,11;Månadslöner april;L 4"])
            + "2021-04-30;0111;5610;110;166046,39;Arbetsgivaravgifter för april;L 4\n".encode("cp1252"),
            "a UTF-8 export with a Windows-1252 line appended: read as Windows-1252, the header's ö is garbled",
            "one of these column sets is required: Period or Bokföringsdatum",
            1,
        ),
        Case(
            s,
            "ledger_short_account.csv",
            ledger(L1, L2.replace(";5610;", ";561;")),
            "Konto of 3 digits",
            "Konto must be a Region-Bas account of 4-6 digits in classes 1-8",
            3,
            "Konto",
        ),
        Case(
            s,
            "ledger_unknown_ansvar.csv",
            ledger(L1, L2.replace(";0111;", ";9999;")),
            "Ansvar 9999 is no unit of the organisation",
            "Ansvar is not a unit of the region's organisation extract",
            3,
            "Ansvar",
        ),
        Case(
            s,
            "ledger_closed_unit.csv",
            ledger(L1, L2.replace(";0111;", ";0199;")),
            "Ansvar 0199 closed at the end of 2019, posted in April 2021",
            "Ansvar is not valid in the row's month",
            3,
            "Ansvar",
        ),
        Case(
            s,
            "ledger_three_decimals.csv",
            ledger(L1, L2.replace("166046,39", "166046,395")),
            "an amount in thousandths of a krona",
            "is not a number with at most 2 decimals",
            3,
            "Belopp",
        ),
        Case(
            s,
            "ledger_future_postings.csv",
            text(
                [
                    DATED_HEADER,
                    "2021-04-30;0111;5011;110;525986,11;Månadslöner april;L 4",
                    "2031-04-30;0111;5610;110;166046,39;Arbetsgivaravgifter april;L 4",
                ]
            ),
            "postings dated 2031",
            "in the future",
            3,
        ),
        Case(
            s,
            "ledger_amount_too_large.csv",
            ledger(L1, L2.replace("166046,39", "99 999 999 999 999 999 999,00")),
            "an amount beyond DECIMAL(18,2), the warehouse's amount type",
            "too large",
            3,
            "Belopp",
        ),
        Case(
            s,
            "ledger_cut_last_line.csv",
            ledger(L1, L2, L3[: L3.rindex("A 140") + 3], final=False),
            "the file ends in the middle of its last line (no final line end): Verifikation 'A 140' cut to 'A 1'",
            "incomplete last line",
            4,
        ),
        Case(
            s,
            "ledger_nul_in_text.csv",
            ledger(L1, L2.replace("Arbetsgivaravgifter", "Arbetsgivar\x00avgifter"), L3),
            "a NUL byte inside the Text of line 3",
            "control character",
            3,
            "Text",
        ),
        Case(s, "ledger_header_only.csv", ledger(), "a header and no postings", status="empty"),
    ]


# --------------------------------------------------------------------------------------------------
# finance_ledger: SIE 4
# --------------------------------------------------------------------------------------------------

SIE_HEAD = [
    "#FLAGGA 0",  # 1
    '#PROGRAM "Raindance" 2021.1',  # 2
    "#FORMAT PC8",  # 3
    '#GEN 20210505 "EKONOMI"',  # 4
    "#SIETYP 4",  # 5
    '#FNAMN "Region Jönköpings län"',  # 6
    "#RAR 0 20210101 20211231",  # 7
    '#KONTO 1930 "Bank, Ålandsbanken"',  # 8: Å is 0x8F in codepage 437, a byte Windows-1252 lacks
    '#KONTO 3010 "Patientavgifter"',  # 9
    '#KONTO 5011 "Månadslöner"',  # 10
    '#DIM 1 "Ansvar"',  # 11
    '#OBJEKT 1 "0142" "Expertstöd"',  # 12
]
SIE_VOUCHERS = [
    '#VER A 1 20210115 "Patientavgifter januari" 20210118',  # 13
    "{",  # 14
    '#TRANS 3010 {1 "0142"} -24500.00 20210115 "Patientavgifter"',  # 15
    '#TRANS 1930 {} 24500.00 20210115 "Inbetalning"',  # 16
    "}",  # 17
    '#VER A 2 20210125 "Löner januari" 20210125',  # 18
    "{",  # 19
    '#TRANS 5011 {1 "0132"} 182400.00',  # 20
    "#TRANS 1930 {} -182400.00",  # 21
    "}",  # 22
]


def sie(head: list[str] = SIE_HEAD, vouchers: list[str] = SIE_VOUCHERS, **replace: str) -> bytes:
    """The SIE file in codepage 437 with CRLF; ``replace`` maps a line number (``l15``) to its new text
    (an empty text drops the line)."""
    lines = [*head, *vouchers]
    for key, value in sorted(replace.items(), key=lambda item: -int(item[0][1:])):
        index = int(key[1:]) - 1
        if value:
            lines[index] = value
        else:
            del lines[index]
    return text(lines, newline="\r\n", encoding="cp437")


def sie_cases() -> list[Case]:
    s = "finance_ledger"
    return [
        Case(
            s,
            "sie_unbalanced_voucher.se",
            sie(l16='#TRANS 1930 {} 24400.00 20210115 "Inbetalning"'),
            "voucher A 1 sums to -100.00",
            "voucher A 1 (2021-01-15) does not balance: its #TRANS rows sum to -100.00, not 0",
            13,
            "#VER A 1",
        ),
        Case(
            s,
            "sie_missing_closing_brace.se",
            sie(l17=""),
            "voucher A 1 is never closed before the next #VER",
            "has no closing '}' before this #VER",
            17,
            "#VER A 1",
        ),
        Case(
            s,
            "sie_format_not_pc8.se",
            sie(l3="#FORMAT UTF8"),
            "#FORMAT UTF8 (SIE 4 is codepage 437)",
            "#FORMAT UTF8 is not PC8",
            3,
        ),
        Case(
            s,
            "sie_undeclared_account.se",
            sie(l15='#TRANS 3011 {1 "0142"} -24500.00 20210115 "Patientavgifter"'),
            "account 3011 without a #KONTO while the file declares its accounts",
            "account 3011 is not declared by a #KONTO record",
            15,
            "#VER A 1",
        ),
        Case(
            s,
            "sie_psaldo_mismatch.se",
            sie(
                [*SIE_HEAD, "#PSALDO 0 202101 3010 {} -20000.00"],
            ),
            "#PSALDO says -20000.00 for 3010 in January, the vouchers -24500.00",
            "#PSALDO of account 3010 for period 202101 is -20000.00",
            13,
        ),
        Case(
            s,
            "sie_unknown_ansvar.se",
            sie(l20='#TRANS 5011 {1 "0999"} 182400.00'),
            "the Ansvar object 0999 is no unit of the organisation",
            "Ansvar is not a unit of the region's organisation extract",
            20,
            "#TRANS objekt Ansvar",
        ),
        Case(
            s,
            "sie_flagga_not_first.se",
            sie(l1='#PROGRAM "Raindance" 2021.1', l2="#FLAGGA 0", l8='#KONTO 1930 "Bank"'),
            "#PROGRAM before #FLAGGA",
            "the first record is not #FLAGGA",
            1,
        ),
        Case(
            s,
            "sie_stray_opening_brace.se",
            sie([*SIE_HEAD, "{"]),
            "a '{' line before the first #VER",
            "a '{' line that does not follow a #VER record",
            13,
        ),
        Case(
            s,
            "sie_record_inside_voucher.se",
            sie(vouchers=[*SIE_VOUCHERS[:3], '#KONTO 3011 "Patientavgifter öppenvård"', *SIE_VOUCHERS[3:]]),
            "a #KONTO record inside voucher A 1's block, before its closing '}'",
            "has no closing '}' before this #KONTO",
            16,
            "#VER A 1",
        ),
        Case(
            s,
            "sie_amount_too_large.se",
            sie(
                l15='#TRANS 3010 {1 "0142"} -10000000000000000.00 20210115 "Patientavgifter"',
                l16='#TRANS 1930 {} 10000000000000000.00 20210115 "Inbetalning"',
            ),
            "a balanced voucher of 10^16 kronor, beyond DECIMAL(18,2)",
            "is too large: at most 9 999 999 999 999 999,99",
            15,
            "#TRANS belopp",
        ),
    ]


# --------------------------------------------------------------------------------------------------
# finance_budget, finance_forecast, finance_investments
# --------------------------------------------------------------------------------------------------

BUDGET_HEADER = "År;Månad;Ansvar;Konto;Rapportrad;Verksamhet;Belopp"
B1 = "2021;1;0111;5011;;110;540000,00"
B2 = "2021;1;0141;3610;;410;-9000000,00"
B3 = "2021;1;0511;;personalkostnader;;2215000,00"


def budget(*rows: str, header: str = BUDGET_HEADER, **kw) -> bytes:
    return text([header, *rows], **kw)


def budget_cases() -> list[Case]:
    s = "finance_budget"
    return [
        Case(
            s,
            "budget_month_13.csv",
            budget(B1, B2.replace("2021;1;", "2021;13;")),
            "Månad 13",
            "År must be 2000-2100 and Månad 1-12",
            3,
            "År, Månad",
        ),
        Case(
            s,
            "budget_no_account_columns.csv",
            budget("2021;1;0111;110;540000,00", header="År;Månad;Ansvar;Verksamhet;Belopp"),
            "neither Konto nor Rapportrad",
            "one of these column sets is required: Konto or Rapportrad",
            1,
        ),
        Case(
            s,
            "budget_unknown_report_line.csv",
            budget(B1, B3.replace("personalkostnader", "lonekostnader")),
            "Rapportrad lonekostnader is no report line",
            "Rapportrad must be a report line of seeds/report_lines.csv for the region",
            3,
            "Rapportrad",
        ),
        Case(
            s,
            "budget_duplicated_amount_column.csv",
            budget(B1 + ";1,00", header=BUDGET_HEADER + ";Belopp"),
            "Belopp twice in the header",
            "column 'Belopp' appears twice in the header",
            1,
        ),
        Case(
            s,
            "budget_neither_account_nor_report_line.csv",
            budget(B1, B2.replace(";3610;", ";;")),
            "a row with both Konto and Rapportrad empty",
            "a row needs a Konto or a Rapportrad",
            3,
            "Konto, Rapportrad",
        ),
        Case(
            s,
            "budget_closed_unit.csv",
            budget(B1, B2.replace(";0141;", ";0199;")),
            "a budget for January 2021 on Ansvar 0199, closed at the end of 2019",
            "Ansvar is not valid in the row's month",
            3,
            "Ansvar",
        ),
        Case(s, "budget_header_only.csv", budget(), "a header and no budget rows", status="empty"),
    ]


FORECAST_HEADER = "Prognostillfälle;Ansvar;Konto;Rapportrad;Verksamhet;Helårsprognos"
F1 = "202104;0111;5011;;110;6480000,00"
F2 = "202104;0141;3610;;410;-108000000,00"


def forecast(*rows: str, header: str = FORECAST_HEADER, **kw) -> bytes:
    return text([header, *rows], **kw)


def forecast_cases() -> list[Case]:
    s = "finance_forecast"
    return [
        Case(
            s,
            "forecast_month_13.csv",
            forecast(F1, F2.replace("202104", "202113")),
            "Prognostillfälle 202113",
            "is not a valid period",
            3,
            "Prognostillfälle",
        ),
        Case(
            s,
            "forecast_amount_in_words.csv",
            forecast(F1.replace("6480000,00", "sex miljoner"), F2),
            "Helårsprognos in words",
            "is not a number",
            2,
            "Helårsprognos",
        ),
        Case(
            s,
            "forecast_account_with_leading_zero.csv",
            forecast(F1.replace(";5011;", ";05011;"), F2),
            "Konto 05011",
            "Konto must be a Region-Bas account",
            2,
            "Konto",
        ),
        Case(
            s,
            "forecast_comma_separated.csv",
            text([FORECAST_HEADER.replace(";", ","), F1.replace(",", ".").replace(";", ",")]),
            "comma-separated instead of ;",
            "required column 'Prognostillfälle' is missing from the header",
            1,
        ),
        Case(
            s,
            "forecast_closed_unit.csv",
            forecast(F1, F2.replace(";0141;", ";0199;")),
            "a forecast made after April 2021 for Ansvar 0199, closed at the end of 2019",
            "Ansvar is not valid in the row's month",
            3,
            "Ansvar",
        ),
    ]


INVESTMENT_HEADER = "Period;Projekt;Projektnamn;Ansvar;Årsbudget;Utfall ackumulerat;Årsprognos"
I1 = "202102;91001;Möbler och utrustning Regionkontoret;0111;1440000,00;387180,00;1440000,00"
I2 = "202102;91002;Framtidens vårdinformationssystem;0151;3000000,00;0,00;3000000,00"


def investments(*rows: str, header: str = INVESTMENT_HEADER, **kw) -> bytes:
    return text([header, *rows], **kw)


def investment_cases() -> list[Case]:
    s = "finance_investments"
    return [
        Case(
            s,
            "investments_negative_budget.csv",
            investments(I1, I2.replace(";3000000,00;0,00", ";-3000000,00;0,00")),
            "a negative Årsbudget",
            "a budget or forecast is never negative",
            3,
            "Årsbudget",
        ),
        Case(
            s,
            "investments_duplicate_project.csv",
            investments(I1, I2, I1.replace("387180,00", "400000,00")),
            "project 91001 twice in 202102",
            "a project appears twice for the same period",
            2,
            "Period, Projekt",
        ),
        Case(
            s,
            "investments_missing_name.csv",
            investments(I1, I2.replace("Framtidens vårdinformationssystem", "")),
            "a project without its name",
            "a value is required",
            3,
            "Projektnamn",
        ),
        Case(
            s,
            "investments_period_with_day.csv",
            investments(I1.replace("202102", "20210228"), I2),
            "Period given as a date, 20210228",
            "is not a valid period",
            2,
            "Period",
        ),
        Case(
            s,
            "investments_closed_unit.csv",
            investments(I1, I2.replace(";0151;", ";0199;")),
            "a project of February 2021 owned by Ansvar 0199, closed at the end of 2019",
            "Ansvar is not valid in the row's month",
            3,
            "Ansvar",
        ),
    ]


# --------------------------------------------------------------------------------------------------
# gtfs
# --------------------------------------------------------------------------------------------------

AGENCY = "agency_id,agency_name,agency_url,agency_timezone\n505000000000000006,Länstrafiken Jönköping,https://www.jlt.se,Europe/Stockholm\n"
ROUTES = (
    "route_id,agency_id,route_short_name,route_long_name,route_type\n"
    "9011006000100000,505000000000000006,1,,700\n"
    "9011006010100000,505000000000000006,101,,701\n"
)
STOPS = (
    "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
    "9021006004100000,Jönköping Resecentrum,57.784750,14.162150,1,\n"
    "9022006004100001,Jönköping Resecentrum,57.784870,14.161970,0,9021006004100000\n"
    "9022006004514001,Huskvarna Centrum,57.791200,14.273900,0,\n"
)
TRIPS = (
    "route_id,service_id,trip_id,trip_headsign,direction_id\n"
    "9011006000100000,1,141006000100000001,Huskvarna Öxnehaga,0\n"
    "9011006010100000,1,141006010100000001,Huskvarna,0\n"
)
FEED_INFO = (
    "feed_publisher_name,feed_publisher_url,feed_lang,feed_start_date,feed_end_date\n"
    "Samtrafiken i Sverige AB,https://www.samtrafiken.se,sv,20201214,20210612\n"
)


def feed(**members: str | bytes | None) -> bytes:
    """The small feed with members replaced (``stops_txt="..."``) or left out (``None``)."""
    base: dict[str, str | bytes | None] = {
        "agency.txt": AGENCY,
        "routes.txt": ROUTES,
        "stops.txt": STOPS,
        "trips.txt": TRIPS,
        "feed_info.txt": FEED_INFO,
    }
    base.update({key.replace("_txt", ".txt"): value for key, value in members.items()})
    return zipped({k: v.encode("utf-8") if isinstance(v, str) else v for k, v in base.items() if v is not None})


def corrupt_member_zip() -> bytes:
    """The feed with stops.txt stored uncompressed and one byte of its data changed: its CRC fails."""
    data = bytearray(
        zipped(
            {
                "agency.txt": AGENCY.encode(),
                "routes.txt": ROUTES.encode(),
                "stops.txt": STOPS.encode(),
                "trips.txt": TRIPS.encode(),
            },
            stored=True,
        )
    )
    at = data.index(b"Huskvarna Centrum")
    data[at] = ord("h")
    return bytes(data)


def gtfs_cases() -> list[Case]:
    s = "gtfs"
    return [
        Case(
            s,
            "gtfs_not_a_zip.zip",
            text(["agency_id,agency_name", "1,JLT"]),
            "a text file named .zip",
            "the file is not a readable zip archive",
        ),
        Case(
            s,
            "gtfs_missing_stops.zip",
            feed(stops_txt=None),
            "no stops.txt",
            "required member stops.txt is missing from the zip",
        ),
        Case(
            s,
            "gtfs_members_in_a_folder.zip",
            zipped(
                {
                    f"jlt/{name}": data.encode()
                    for name, data in (
                        ("agency.txt", AGENCY),
                        ("routes.txt", ROUTES),
                        ("stops.txt", STOPS),
                        ("trips.txt", TRIPS),
                    )
                }
            ),
            "the members in a subfolder jlt/",
            "GTFS files lie at the root of the zip",
        ),
        Case(
            s,
            "gtfs_stops_in_cp1252.zip",
            feed(stops_txt=STOPS.encode("cp1252")),
            "stops.txt saved as Windows-1252",
            "stops.txt must be UTF-8 encoded",
            2,
        ),
        Case(
            s,
            "gtfs_corrupt_member.zip",
            corrupt_member_zip(),
            "stops.txt fails its CRC check (a damaged download)",
            "stops.txt cannot be unpacked from the zip",
        ),
        Case(
            s,
            "gtfs_unknown_route_type.zip",
            feed(routes_txt=ROUTES.replace(",,701", ",,3000")),
            "route_type 3000",
            "routes.txt: route_type must be a GTFS route type",
            3,
            "route_type",
        ),
        Case(
            s,
            "gtfs_trip_of_unknown_route.zip",
            feed(trips_txt=TRIPS.replace("9011006010100000,1", "9011006099900000,1")),
            "a trip on a route that routes.txt does not have",
            "trips.txt: route_id must be a route_id of routes.txt",
            3,
            "route_id",
        ),
        Case(
            s,
            "gtfs_duplicate_stop_id.zip",
            feed(stops_txt=STOPS.replace("9022006004514001", "9022006004100001")),
            "stop_id 9022006004100001 twice",
            "stops.txt: stop_id must be unique",
            3,
            "stop_id",
        ),
        Case(
            s,
            "gtfs_latitude_out_of_range.zip",
            feed(stops_txt=STOPS.replace("57.791200", "157.791200")),
            "stop_lat 157.79",
            "stops.txt: stop_lat must be within -90 to 90",
            4,
            "stop_lat",
        ),
        Case(
            s,
            "gtfs_feed_ends_before_it_starts.zip",
            feed(feed_info_txt=FEED_INFO.replace("20210612", "20201201")),
            "feed_end_date before feed_start_date",
            "feed_info.txt: the feed ends (20201201) before it starts",
            2,
        ),
        Case(
            s,
            "gtfs_second_agency_without_id.zip",
            feed(agency_txt=AGENCY + ",Västtrafik,https://www.vasttrafik.se,Europe/Stockholm\n"),
            "a second agency without agency_id",
            "agency.txt: agency_id is required when the feed has more than one agency",
            3,
            "agency_id",
        ),
        Case(
            s,
            "gtfs_duplicate_agency_id.zip",
            feed(agency_txt=AGENCY + "505000000000000006,Västtrafik,https://www.vasttrafik.se,Europe/Stockholm\n"),
            "agency_id 505000000000000006 twice",
            "agency.txt: agency_id must be unique",
            3,
            "agency_id",
        ),
        Case(
            s,
            "gtfs_agency_without_timezone.zip",
            feed(agency_txt=AGENCY.replace(",Europe/Stockholm", ",")),
            "an agency with an empty agency_timezone",
            "agency.txt: agency_timezone is required",
            2,
            "agency_timezone",
        ),
        Case(
            s,
            "gtfs_trip_without_service.zip",
            feed(trips_txt=TRIPS.replace("9011006010100000,1,", "9011006010100000,,")),
            "a trip with an empty service_id",
            "trips.txt: service_id is required",
            3,
            "service_id",
        ),
        Case(
            s,
            "gtfs_longitude_out_of_range.zip",
            feed(stops_txt=STOPS.replace("14.273900", "214.273900")),
            "stop_lon 214.27",
            "stops.txt: stop_lon must be within -180 to 180",
            4,
            "stop_lon",
        ),
        Case(
            s,
            "gtfs_routes_without_rows.zip",
            feed(routes_txt=ROUTES.splitlines(keepends=True)[0]),
            "routes.txt of a header only",
            "routes.txt has no rows: at least one is required",
            2,
        ),
        Case(
            s,
            "gtfs_empty_agency.zip",
            feed(agency_txt=""),
            "agency.txt of no bytes at all",
            "agency.txt is empty: a header row is required",
            1,
        ),
    ]


# --------------------------------------------------------------------------------------------------
# ridership_boardings
# --------------------------------------------------------------------------------------------------

VALIDATION_HEADER = "Tidpunkt;Linje;Tur;Hållplats;Biljettprodukt;Valideringstyp;Transaktion;Källa"
V1 = "2020-03-02 05:27:14;1;141006000100000001;9022006004261001;PERIOD30;kortläsare;V0302-000001;validering"
V2 = "2020-03-02 05:31:02;1;141006000100000001;9022006004123001;REKASSA;kortläsare;V0302-000002;validering"
V3 = "2020-03-02 05:37:05;101;141006010100000001;9022006004100001;PERIOD365;kortläsare;V0302-000004;validering"
COUNT_HEADER = "Trafikdag;Linje;Tur;Hållplats;Påstigande;Avstigande;Källa"
C1 = "2020-03-02;1;141006000100000001;9022006004261001;4;0;räknare"
C2 = "2020-03-02;1;141006000100000001;9022006004123001;6;1;räknare"


def validations(*rows: str, header: str = VALIDATION_HEADER, **kw) -> bytes:
    return text([header, *rows], **kw)


def counts(*rows: str, header: str = COUNT_HEADER, **kw) -> bytes:
    return text([header, *rows], **kw)


def boarding_cases() -> list[Case]:
    s = "ridership_boardings"
    period_rule = "the file name must end with the period it delivers"
    return [
        Case(s, "valideringar.csv", validations(V1, V2), "a file name without its period", period_rule),
        Case(
            s,
            "valideringar_tab_separated_2020-03-02.csv",
            text([VALIDATION_HEADER.replace(";", "\t"), V1.replace(";", "\t")]),
            "tab-separated instead of ;",
            "one of these column sets is required: Tidpunkt or Påstigande",
            1,
        ),
        Case(
            s,
            "valideringar_both_layouts_2020-03-02.csv",
            validations(V1 + ";1", header=VALIDATION_HEADER + ";Påstigande"),
            "Tidpunkt and Påstigande in one header",
            "a file has either Tidpunkt (one row per validation) or Påstigande (counts), not both",
            1,
            "Tidpunkt, Påstigande",
        ),
        Case(
            s,
            "valideringar_unknown_line_2020-03-02.csv",
            validations(V1, V3.replace(";101;141006010100000001;", ";555;;")),
            "line 555 is in no GTFS feed",
            "Linje is not a line (route_short_name) of the region's GTFS feeds",
            3,
            "Linje",
        ),
        Case(
            s,
            "valideringar_unknown_stop_2020-03-02.csv",
            validations(V1, V2.replace("9022006004123001", "9022006009999001")),
            "a stop that no GTFS feed has",
            "Hållplats is not a stop_id of the region's GTFS feeds",
            3,
            "Hållplats",
        ),
        Case(
            s,
            "valideringar_trip_on_other_line_2020-03-02.csv",
            validations(V1, V2.replace(";1;1410", ";2;1410")),
            "trip 141006000100000001 runs on line 1, the row says 2",
            "Tur runs on another line than Linje (GTFS trips.txt)",
            3,
            "Tur, Linje",
        ),
        Case(
            s,
            "valideringar_unknown_product_2020-03-02.csv",
            validations(V1, V2.replace("REKASSA", "GULDKORT")),
            "Biljettprodukt GULDKORT",
            "Biljettprodukt is not a product_code of seeds/ticket_products.csv",
            3,
            "Biljettprodukt",
        ),
        Case(
            s,
            "valideringar_outside_period_2020-03-02.csv",
            validations(V1, V2.replace("2020-03-02 05:31:02", "2020-03-03 10:31:02")),
            "a validation of 3 March in a file of 2 March",
            "the traffic day is outside the delivery's period 2020-03-02",
            3,
            "Trafikdag, Tidpunkt",
        ),
        Case(
            s,
            "valideringar_time_zone_2020-03-02.csv",
            validations(V1, V2.replace("2020-03-02 05:31:02", "2020-03-02T05:31:02+01:00")),
            "a Tidpunkt with a time zone",
            "is not a valid timestamp (YYYY-MM-DD HH:MM:SS)",
            3,
            "Tidpunkt",
        ),
        Case(
            s,
            "valideringar_duplicate_transaction_2020-03-02.csv",
            validations(V1, V2, V3.replace("V0302-000004", "V0302-000001")),
            "transaction V0302-000001 twice",
            "Transaktion appears more than once in the delivery",
            4,
            "Transaktion",
        ),
        Case(
            s,
            "pastigande_negative_2020-03.csv",
            counts(C1, C2.replace(";6;1;", ";-6;1;")),
            "Påstigande -6",
            "Påstigande is a count: never negative",
            3,
            "Påstigande",
        ),
        Case(
            s,
            "pastigande_counted_twice_2020-03.csv",
            counts(C1, C2, C1.replace(";4;0;", ";5;0;")),
            "the same day, line, trip and stop counted twice",
            "a traffic day, line, trip, stop and product is counted twice in the delivery",
            4,
            "Trafikdag, Linje, Tur, Hållplats, Biljettprodukt",
        ),
        Case(
            s,
            "valideringar_counter_source_2020-03-02.csv",
            validations(V1, V2.replace(";validering", ";räknare")),
            "Källa räknare (a passenger counter) on a row of a validation file",
            "Källa must be validering (validation) in a validation file",
            3,
            "Källa",
        ),
        Case(s, "pastigande_header_only_2020-03.csv", counts(), "a header and no counts", status="empty"),
    ]


# --------------------------------------------------------------------------------------------------
# ridership_service_trips, ridership_production, population
# --------------------------------------------------------------------------------------------------

TRIP_HEADER = "Resdatum;Restyp;Resenär;Antal resenärer;Km;Kostnad;Beställning"
T1 = "2020-03-02;Färdtjänst;FT-7f3a9c;1;12,4;386,50;B-2003-0001"
T2 = "2020-03-03;Sjukresa;FT-21be04;2;48,0;1104,00;B-2003-0003"
SUMMARY_HEADER = "Månad;Restyp;Antal resor;Resenärkm;Kostnad"
S1 = "2019-01;Färdtjänst;21450;245300;7842000,00"
S2 = "2019-01;Sjukresor;9120;310400;6120500,00"


def trips(*rows: str, header: str = TRIP_HEADER, **kw) -> bytes:
    return text([header, *rows], **kw)


def service_trip_cases() -> list[Case]:
    s = "ridership_service_trips"
    return [
        Case(
            s,
            "serviceresor.csv",
            trips(T1, T2),
            "a file name without its period",
            "the file name must end with the period it delivers",
        ),
        Case(
            s,
            "serviceresor_mixed_layouts_2020-03.csv",
            trips(T1 + ";1", header=TRIP_HEADER + ";Antal resor"),
            "Antal resor (summary) in a per-trip header",
            "the header mixes the per-trip layout",
            1,
        ),
        Case(
            s,
            "serviceresor_personnummer_2020-03.csv",
            trips(T1, T2.replace("FT-21be04", dashed(personnummer("19850312", "128")))),
            "a Resenär that is a personnummer",
            "Resenär must be a pseudonymised id, not a personal identity number",
            3,
            "Resenär",
        ),
        Case(
            s,
            "serviceresor_no_passengers_2020-03.csv",
            trips(T1, T2.replace(";2;48,0;", ";0;48,0;")),
            "Antal resenärer 0",
            "Antal resenärer is at least 1",
            3,
            "Antal resenärer",
        ),
        Case(
            s,
            "serviceresor_outside_period_2020-03.csv",
            trips(T1, T2.replace("2020-03-03", "2020-04-01")),
            "a trip of 1 April in a file of March",
            "Resdatum is outside the delivery's period 2020-03",
            3,
            "Resdatum",
        ),
        Case(
            s,
            "serviceresor_unknown_trip_type_2020-03.csv",
            trips(T1.replace("Färdtjänst", "Taxi"), T2),
            "Restyp Taxi",
            "Restyp must be Färdtjänst, Riksfärdtjänst, Sjukresa or Närtrafik",
            2,
            "Restyp",
        ),
        Case(
            s,
            "serviceresor_summary_duplicate_2019.csv",
            text([SUMMARY_HEADER, S1, S2, S2.replace("Sjukresor", "Sjukresa").replace("9120", "10")]),
            "Sjukresor and Sjukresa (the same trip type) twice in January",
            "a Månad and Restyp appear twice in the delivery",
            4,
            "Månad, Restyp",
        ),
    ]


PRODUCTION_HEADER = "Månad;Avtal;Trafikområde;Fordonskm;Operatör"
P1 = "202003;STAD-2014;;512340,5;Vy Buss"
P2 = "202003;RB-2011;;1320450,0;Arriva"


def production(*rows: str, header: str = PRODUCTION_HEADER, **kw) -> bytes:
    return text([header, *rows], **kw)


def production_cases() -> list[Case]:
    s = "ridership_production"
    return [
        Case(
            s,
            "produktion.csv",
            production(P2, P1),
            "a file name without its period",
            "the file name must end with the period it delivers",
        ),
        Case(
            s,
            "produktion_2020-03-15.csv",
            production(P1, P2),
            "a file named for a day, which no month fits into",
            "Månad is outside the delivery's period 2020-03-15",
            2,
            "Månad",
        ),
        Case(
            s,
            "produktion_both_codes_2020-03.csv",
            production(P1, P2.replace(";;", ";regionbussar;")),
            "a row with Avtal and Trafikområde",
            "a row names an Avtal or a Trafikområde, not both",
            3,
            "Avtal, Trafikområde",
        ),
        Case(
            s,
            "produktion_unknown_contract_2020-03.csv",
            production(P1, P2.replace("RB-2011", "BUSS-2011")),
            "Avtal BUSS-2011 matches no contract pattern",
            "Avtal must match a contract pattern",
            3,
            "Avtal",
        ),
        Case(
            s,
            "produktion_outside_period_2020-03.csv",
            production(P1, P2.replace("202003", "202004")),
            "April in a file of March",
            "Månad is outside the delivery's period 2020-03",
            3,
            "Månad",
        ),
        Case(
            s,
            "produktion_negative_2020-03.csv",
            production(P1, P2.replace("1320450,0", "-1320450,0")),
            "negative vehicle-km",
            "Fordonskm is never negative",
            3,
            "Fordonskm",
        ),
        Case(
            s,
            "produktion_two_decimals_2020-03.csv",
            production(P1.replace("512340,5", "512340,55"), P2),
            "Fordonskm with two decimals",
            "is not a number with at most 1 decimals",
            2,
            "Fordonskm",
        ),
    ]


POPULATION_HEADER = "År;Kön;Folkmängd"


def population_cases() -> list[Case]:
    s = "population"
    ok = "2019;T;363599"
    return [
        Case(
            s,
            "population_year_1850.csv",
            text([POPULATION_HEADER, "1850;T;120000", ok]),
            "År 1850",
            "År must be a year 1900-2100",
            2,
            "År",
        ),
        Case(
            s,
            "population_negative.csv",
            text([POPULATION_HEADER, ok, "2019;K;-180361"]),
            "a negative Folkmängd",
            "Folkmängd is never negative",
            3,
            "Folkmängd",
        ),
        Case(
            s,
            "population_unknown_gender.csv",
            text([POPULATION_HEADER, ok, "2019;X;1"]),
            "Kön X",
            "Kön must be T (totalt), K (kvinnor) or M (män)",
            3,
            "Kön",
        ),
        Case(
            s,
            "population_duplicate_after_default.csv",
            text([POPULATION_HEADER, "2019;;363599", ok]),
            "2019 twice: an empty Kön is T",
            "an År and Kön appear twice in the file",
            3,
            "År, Kön",
        ),
        Case(
            s,
            "population_decimal.csv",
            text([POPULATION_HEADER, ok, "2020;T;365010,5"]),
            "Folkmängd 365010,5",
            "is not a whole number",
            3,
            "Folkmängd",
        ),
    ]


# --------------------------------------------------------------------------------------------------
# goal_indicators, goal_structure, goal_targets, goal_reported_values
# --------------------------------------------------------------------------------------------------

SETTING_HEADER = "Inställning;Värde"


def setting_cases() -> list[Case]:
    s = "goal_settings"

    def f(*rows: str) -> bytes:
        return text([SETTING_HEADER, *rows])

    return [
        Case(s, "settings_unknown.csv", f("Tolerans %;10", "Färg;blå"), "Inställning Färg",
             "Inställning must be regionnamn, tolerans, tolerans %, räkna ja/nej, räkna kvalitativa", 3, "Inställning"),
        Case(s, "settings_both_bands.csv", f("Tolerans;0,5", "Tolerans %;10"), "both tolerans and tolerans %",
             "tolerans and tolerans % are two ways of giving the one default band", 3, "Inställning"),
        Case(s, "settings_negative_band.csv", f("Tolerans %;-10"), "Tolerans % -10",
             "Värde of tolerans and tolerans % must be a number ≥ 0", 2, "Värde"),
        Case(s, "settings_not_yes_no.csv", f("Räkna ja/nej;kanske"), "Räkna ja/nej kanske",
             "Värde of räkna ja/nej, räkna kvalitativa and räkna aktiviteter must be ja or nej", 2, "Värde"),
    ]  # fmt: skip


ACTIVITY_HEADER = "År;Mål;Aktivitet;Beskrivning;Enhet;Start;Slut;Period;Status;Kommentar"
GA1 = "2020;Attraktiv arbetsgivare;Chefsutbildning;;061100;2020-02-01;2020-11-30;202012;Genomförd;"
GA2 = "2020;Attraktiv kollektivtrafik;Ny tidtabell;;062100;;;202012;Pågående;Klar i mars"


def activity_cases() -> list[Case]:
    s = "goal_activities"

    def f(*rows: str) -> bytes:
        return text([ACTIVITY_HEADER, *rows])

    return [
        Case(s, "activities_unknown_status.csv", f(GA1, GA2.replace("Pågående", "Halvklar")), "Status Halvklar",
             "Status must be ej påbörjad, pågående, pausad or genomförd", 3, "Status"),
        Case(s, "activities_end_before_start.csv", f(GA1.replace("2020-11-30", "2020-01-15"), GA2),
             "Slut before Start", "Slut must not lie before Start", 2, "Start, Slut"),
        Case(s, "activities_period_outside_year.csv", f(GA1, GA2.replace(";202012;", ";202112;")),
             "Period 202112 in a 2020 structure", "Period must lie in År", 3, "Period"),
        Case(s, "activities_no_goal.csv", f(GA1, GA2.replace("Attraktiv kollektivtrafik", "")),
             "an activity without its goal", "Mål is required", 3, "Mål"),
    ]  # fmt: skip


INDICATOR_HEADER = (
    "Mätetal;Namn;Engelskt namn;Måttenhet;Decimaler;Riktning;Typ;Definition;Frekvens;Kolada-id;Rapporteras av"
)
GI1 = "co2_business_travel;Koldioxidutsläpp från tjänsteresor;;kg CO2e;;lägre är bättre;;;år;;061100"
GI2 = "staff_survey_index;Medarbetarindex;;index;2;högre är bättre;numeriskt;Skala 1–5;år;;"


def indicator_cases() -> list[Case]:
    s = "goal_indicators"

    def f(*rows: str) -> bytes:
        return text([INDICATOR_HEADER, *rows])

    return [
        Case(
            s,
            "indicators_catalogue_id.csv",
            f(GI1, GI2.replace("staff_survey_index", "sick_leave_rate")),
            "Mätetal sick_leave_rate, an id of the shared catalogue",
            "Mätetal is an indicator of the shared catalogue",
            3,
            "Mätetal",
        ),
        Case(
            s,
            "indicators_unknown_unit.csv",
            f(GI1.replace("kg CO2e", "stjärnor"), GI2),
            "Måttenhet stjärnor",
            "Måttenhet must be a unit of seeds/units.csv",
            2,
            "Måttenhet",
        ),
        Case(
            s,
            "indicators_bad_id.csv",
            f(GI1, GI2.replace("staff_survey_index", "Medarbetar index")),
            "Mätetal with a capital and a space",
            "Mätetal must be lower-case letters a-z, digits and _",
            3,
            "Mätetal",
        ),
        Case(
            s,
            "indicators_duplicate.csv",
            f(GI1, GI2, GI1.replace("Koldioxidutsläpp", "Utsläpp")),
            "the same Mätetal twice",
            "a Mätetal appears twice in the delivery",
            4,
            "Mätetal",
        ),
        Case(
            s,
            "indicators_too_many_decimals.csv",
            f(GI1, GI2.replace(";2;", ";7;")),
            "Decimaler 7",
            "Decimaler must be 0-4",
            3,
            "Decimaler",
        ),
    ]


STRUCTURE_HEADER = "År;Perspektiv;Mål;Framgångsfaktor;Mätetal;Enhet;Ordning;Kommentar"
G1 = "2020;Medborgare och kund;Nöjda resenärer;Attraktiv kollektivtrafik;nki_travellers;062100;1;Sjönk under pandemin"
G2 = "2020;Medarbetare;Attraktiv arbetsgivare;Kompetensförsörjning;competence_plans_share;061100;2;"


def structure_cases() -> list[Case]:
    s = "goal_structure"

    def f(*rows: str) -> bytes:
        return text([STRUCTURE_HEADER, *rows])

    return [
        Case(
            s,
            "structure_year_1999.csv",
            f(G1, G2.replace("2020;", "1999;", 1)),
            "År 1999",
            "År must be a year 2000-2100",
            3,
            "År",
        ),
        Case(
            s,
            "structure_unknown_indicator.csv",
            f(G1, G2.replace("competence_plans_share", "kompetensplaner")),
            "Mätetal kompetensplaner",
            "Mätetal must be an indicator_id of seeds/indicators.csv",
            3,
            "Mätetal",
        ),
        Case(
            s,
            "structure_unknown_unit.csv",
            f(G1.replace(";062100;", ";069999;"), G2),
            "Enhet 069999 is no unit of the organisation",
            "Enhet is not a unit of the region's organisation extract",
            2,
            "Enhet",
        ),
        Case(
            s,
            "structure_duplicate.csv",
            f(G1, G2, G1.replace(";1;", ";3;")),
            "the same year, unit, indicator and goal twice",
            "an År, Enhet, Mätetal and Mål appear twice",
            4,
            "År, Enhet, Mätetal, Mål",
        ),
        Case(
            s,
            "structure_unquoted_semicolon.csv",
            f(G1.replace("Sjönk under", "Sjönk; under"), G2),
            "a Kommentar holding ; without quotes",
            "row has 9 fields, the header has 8",
            2,
        ),
    ]


TARGET_HEADER = "Enhet;Mätetal;År;Period;Målvärde;Jämförelse;Tolerans"
GT1 = "061100;competence_plans_share;2020;;90;minst;"
GT2 = "062100;nki_travellers;2020;202008;62;minst;5"


def target_cases() -> list[Case]:
    s = "goal_targets"

    def f(*rows: str) -> bytes:
        return text([TARGET_HEADER, *rows])

    return [
        Case(
            s,
            "targets_unknown_comparison.csv",
            f(GT1, GT2.replace("minst", "ungefär")),
            "Jämförelse ungefär",
            "Jämförelse must be högst, minst",
            3,
            "Jämförelse",
        ),
        Case(
            s,
            "targets_period_outside_year.csv",
            f(GT1, GT2.replace("202008", "202108")),
            "Period 202108 for År 2020",
            "Period must lie in År",
            3,
            "Period",
        ),
        Case(
            s,
            "targets_negative_tolerance.csv",
            f(GT1, GT2.replace(";5", ";-5")),
            "Tolerans -5",
            "Tolerans is never negative",
            3,
            "Tolerans",
        ),
        Case(
            s,
            "targets_duplicate.csv",
            f(GT1, GT2, GT1.replace(";90;", ";95;")),
            "the same unit, indicator and whole year twice",
            "an Enhet, Mätetal, År and Period appear twice in the delivery",
            4,
            "Enhet, Mätetal, År, Period",
        ),
        Case(s, "targets_header_only.csv", f(), "a header and no targets", status="empty"),
    ]


VALUE_HEADER = "Enhet;Mätetal;Period;Fönster;Värde;Kön;Kommentar"
R1 = "061100;competence_plans_share;202012;år;54;;"
R2 = "062100;nki_travellers;202008;tertial;58;;Kollektivtrafikbarometern"


def reported_value_cases() -> list[Case]:
    s = "goal_reported_values"

    def f(*rows: str) -> bytes:
        return text([VALUE_HEADER, *rows])

    return [
        Case(
            s,
            "values_computed_indicator.csv",
            f(R1, R2.replace("nki_travellers", "sick_leave_rate")),
            "a value of sick_leave_rate, which dbt computes from the hr extracts",
            "Mätetal sick_leave_rate is computed from the hr extracts",
            3,
            "Mätetal",
        ),
        Case(
            s,
            "values_unknown_window.csv",
            f(R1, R2.replace("tertial", "kvartal")),
            "Fönster kvartal",
            "Fönster must be år, ack, månad, tertial or prognos",
            3,
            "Fönster",
        ),
        Case(
            s,
            "values_year_not_december.csv",
            f(R1.replace("202012", "202011"), R2),
            "a whole-year value for a Period in November",
            "Fönster år (a whole year) needs a Period in December",
            2,
            "Fönster, Period",
        ),
        Case(
            s,
            "values_duplicate_after_defaults.csv",
            f(R1, R2, "061100;competence_plans_share;2020-12;;55;t;"),
            "the same value twice once Fönster and Kön take their defaults",
            "an Enhet, Mätetal, Period, Fönster and Kön appear twice in the delivery",
            4,
            "Enhet, Mätetal, Period, Fönster, Kön",
        ),
    ]


def all_cases() -> list[Case]:
    return [
        *organisation_cases(),
        *hr_cases(),
        *ledger_cases(),
        *sie_cases(),
        *budget_cases(),
        *forecast_cases(),
        *investment_cases(),
        *gtfs_cases(),
        *boarding_cases(),
        *service_trip_cases(),
        *production_cases(),
        *population_cases(),
        *setting_cases(),
        *activity_cases(),
        *indicator_cases(),
        *structure_cases(),
        *target_cases(),
        *reported_value_cases(),
    ]


FIELDS = ("source", "region", "file", "status", "rule", "line", "column", "what")


def main() -> None:
    cases = all_cases()
    names = [(c.source, c.name) for c in cases]
    assert len(set(names)) == len(names), "every file name is unique within its source"
    assert len({c.data for c in cases}) == len(cases), "every file is distinct"
    fixtures = CORPUS / "fixtures"
    fixtures.mkdir(exist_ok=True)
    (fixtures / "organisation_0006.csv").write_bytes(text(PREREQUISITE_ORGANISATION))
    (fixtures / "huvudbok_2021.se").write_bytes(sie())
    for case in cases:
        folder = CORPUS / case.source
        folder.mkdir(exist_ok=True)
        (folder / case.name).write_bytes(case.data)
    with (CORPUS / "expected.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(FIELDS)
        for c in cases:
            writer.writerow(
                [c.source, REGION, c.name, c.status, c.rule, "" if c.line is None else c.line, c.column, c.what]
            )
    print(f"{len(cases)} files in {len({c.source for c in cases})} sources")


if __name__ == "__main__":
    main()
