"""Finance extracts on arrival: ledger CSV and SIE 4, budget, forecast and investments.

Each test delivers files into a fresh landing area (after a small organisation extract) and checks
what reaches the raw layer, what is quarantined and what the report says: file, line, column, rule.
"""

from __future__ import annotations

import duckdb
import pytest

from ingest.finance.ledger import LedgerSource
from ingest.landing import ingest_file, ingest_landing

ORGANISATION = (
    "Enhetskod;Enhetsnamn;Överordnad enhet;Nivå;Giltig från;Giltig till\n"
    "060000;Region Jönköpings län;;Region;2015-01-01;\n"
    "062000;Nämnd för arbetsmarknad;060000;Nämnd/styrelse;2015-01-01;\n"
    "062100;Länstrafiken;062000;Förvaltning;2015-01-01;\n"
    "062110;Allmän kollektivtrafik;062100;Område/avdelning;2015-01-01;\n"
    "062140;Kund och marknad;062100;Område/avdelning;2020-06-01;\n"
)


@pytest.fixture
def landing(settings):
    """A landing area holding region 0006's organisation, ingested; returns a file writer."""
    folder = settings.landing_dir / "organisation" / "0006"
    folder.mkdir(parents=True)
    (folder / "org.csv").write_text(ORGANISATION, encoding="utf-8")
    assert ingest_landing(settings).count("loaded") == 1

    def deliver(source: str, name: str, text: str | bytes, encoding: str = "utf-8"):
        path = settings.landing_dir / source / "0006" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding=encoding, newline="")
        return path

    return deliver


def raw_rows(settings, source: str) -> list[tuple]:
    files = sorted((settings.raw_dir / source / "0006").glob("*.parquet"))
    if not files:
        return []
    with duckdb.connect() as con:
        return con.execute(
            "select * exclude (_delivery_id, _ingested_at, _source_file) from read_parquet(?) order by source_line",
            [[str(f) for f in files]],
        ).fetchall()


def report_of(delivery) -> str:
    return (delivery.stored_path + ".report.txt") if isinstance(delivery.stored_path, str) else ""


def test_a_cp1252_ledger_with_posting_dates_loads_with_exact_amounts(settings, landing):
    landing(
        "finance_ledger",
        "huvudbok.csv",
        "Bokföringsdatum;Ansvar;Konto;Verksamhet;Motpart;Belopp;Text\r\n"
        '2020-01-15;062110;4610;711;;1 234 567,89;"Köpt trafik; januari"\r\n'
        "2020-02-03;062110;3110;;;-500,5;Biljettintäkter\r\n"
        "\r\n"
        "2020-02-03;;1930;;;-1 234 067,39;Bank\r\n",
        encoding="cp1252",
    )
    (delivery,) = ingest_landing(settings, source_names=["finance_ledger"]).deliveries
    assert delivery.status == "loaded", delivery.reason
    assert delivery.periods == ("2020-01", "2020-02")
    assert delivery.encoding == "cp1252"
    rows = raw_rows(settings, "finance_ledger")
    assert [(r[2].isoformat(), r[3], r[4], r[5], r[9], r[10], r[13]) for r in rows] == [
        ("2020-01-15", "062110", "4610", "711", 1234567.89, "Köpt trafik; januari", 2),
        ("2020-02-03", "062110", "3110", None, -500.5, "Biljettintäkter", 3),
        ("2020-02-03", None, "1930", None, -1234067.39, "Bank", 5),
    ]
    assert {r[1].isoformat() for r in rows} == {"2020-01-01", "2020-02-01"}


def test_a_broken_ledger_is_quarantined_whole_with_file_line_column_and_rule(settings, landing):
    landing(
        "finance_ledger",
        "broken.csv",
        "Period;Ansvar;Konto;Belopp\n"
        "202001;062110;4610;100,00\n"
        "202001;999999;4610;5,00\n"
        "202013;062110;4610;5,00\n"
        "202001;062110;461;5,00\n"
        "201901;062140;4610;5,00\n"
        "202001;;3110;5,001\n",
    )
    (delivery,) = ingest_landing(settings, source_names=["finance_ledger"]).deliveries
    assert delivery.status == "quarantined"
    assert raw_rows(settings, "finance_ledger") == []
    report = (settings.quarantine_dir / "finance_ledger" / "0006").glob("*.report.txt")
    text = next(report).read_text(encoding="utf-8")
    for expected in (
        "broken.csv, line 3, column Ansvar: Ansvar is not a unit of the region's organisation extract  [value: 999999]",
        "broken.csv, line 4, column Period: is not a valid period (YYYYMM, month 01-12)  [value: 202013]",
        "broken.csv, line 5, column Konto: Konto must be a Region-Bas account",
        "broken.csv, line 6, column Ansvar: Ansvar is not valid in the row's month",
        "broken.csv, line 7, column Ansvar: Ansvar is required",
        "broken.csv, line 7, column Belopp: is not a number with at most 2 decimals",
    ):
        assert expected in text, text


def test_a_violation_in_a_late_chunk_leaves_nothing_half_loaded(settings, landing):
    lines = ["Period;Ansvar;Konto;Belopp"] + [f"202001;062110;4610;{n},00" for n in range(1, 10)]
    lines.append("202001;062110;4610;tio")  # line 11, in the fifth chunk of two rows
    path = landing("finance_ledger", "late.csv", "\n".join(lines) + "\n")
    delivery = ingest_file(path, LedgerSource(), settings)
    assert delivery.status == "quarantined"
    assert "line 11, column Belopp" in delivery.reason
    assert list((settings.raw_dir / "finance_ledger").rglob("0006/*")) == []


SIE = """#FLAGGA 0
#PROGRAM "Raindance" 2021.1
#FORMAT PC8
#GEN 20210505
#SIETYP 4
#FNAMN "Region Jönköpings län"
#RAR 0 20200101 20201231
#DIM 1 "Ansvar"
#DIM 20 "Verksamhet"
#DIM 22 "Motpart"
#KONTO 1930 "Bank"
#KONTO 3110 "Biljettintäkter Åkersberga"
#KONTO 4610 "Köpt trafik"
#VER A 1 20200115 "Januari"
{
#TRANS 4610 {1 "062110" 20 "711"} 1500.00
#TRANS 3110 {1 "062110" 22 "120"} -500.25
#TRANS 1930 {} -999.75
}
#VER A 2 20200210 "Februari"
{
#TRANS 4610 {1 "062110"} 10.00 20200212 "egen text"
#TRANS 1930 {} -10.00
}
"""


def test_a_sie4_file_in_codepage_437_becomes_ledger_rows(settings, landing):
    landing("finance_ledger", "halland.se", SIE.encode("cp437"))
    (delivery,) = ingest_landing(settings, source_names=["finance_ledger"]).deliveries
    assert delivery.status == "loaded", delivery.reason
    assert delivery.periods == ("2020-01", "2020-02")
    rows = raw_rows(settings, "finance_ledger")
    shaped = [(r[3], r[4], r[5], r[8], r[9], r[10], r[11], r[12]) for r in rows]
    assert shaped == [
        ("062110", "4610", "711", None, 1500.0, "Januari", "A 1", "sie4"),
        ("062110", "3110", None, "120", -500.25, "Januari", "A 1", "sie4"),
        (None, "1930", None, None, -999.75, "Januari", "A 1", "sie4"),
        ("062110", "4610", None, None, 10.0, "egen text", "A 2", "sie4"),
        (None, "1930", None, None, -10.0, "Februari", "A 2", "sie4"),
    ]
    assert rows[3][2].isoformat() == "2020-02-12", "the transaction date wins over the voucher date"


def test_sie_records_the_reader_ignores_are_listed_in_the_delivery_record(settings, landing):
    unknown = SIE.replace("#SIETYP 4\n", '#SIETYP 4\n#TAXAR 2020\n#PROSA "Bokslut"\n#PROSA "Rad 2"\n')
    landing("finance_ledger", "halland.se", unknown.encode("cp437"))
    (delivery,) = ingest_landing(settings, source_names=["finance_ledger"]).deliveries
    assert delivery.status == "loaded", delivery.reason
    assert "#PROSA (2), #TAXAR (1)" in delivery.reason


def test_an_unbalanced_sie_voucher_rejects_the_file_and_names_the_voucher(settings, landing):
    broken = SIE.replace("#TRANS 1930 {} -10.00", "#TRANS 1930 {} -9.00")
    landing("finance_ledger", "halland.se", broken.encode("cp437"))
    (delivery,) = ingest_landing(settings, source_names=["finance_ledger"]).deliveries
    assert delivery.status == "quarantined"
    assert "A 2" in delivery.reason
    assert "does not balance" in delivery.reason
    assert raw_rows(settings, "finance_ledger") == []


def test_budget_forecast_and_investments_are_checked_against_their_contracts(settings, landing):
    landing(
        "finance_budget",
        "budget.csv",
        "År;Månad;Ansvar;Konto;Rapportrad;Verksamhet;Belopp\n"
        "2020;1;062110;4610;;711;100\n"
        "2020;2;062110;;biljettintakter;;-50,5\n",
    )
    landing(
        "finance_forecast",
        "prognos.csv",
        "Prognostillfälle;Ansvar;Rapportrad;Helårsprognos\n202008;062110;ingen_sadan_rad;5\n",
    )
    landing(
        "finance_investments",
        "inv.csv",
        "Period;Projekt;Projektnamn;Ansvar;Årsbudget;Utfall ackumulerat;Årsprognos\n"
        "202008;P1;Laddstolpar;062100;1000;10;900\n"
        "202008;P1;Laddstolpar igen;062100;1000;10;-1\n",
    )
    report = ingest_landing(settings)
    status = {d.source: d for d in report.deliveries}
    assert status["finance_budget"].status == "loaded"
    assert status["finance_budget"].periods == ("2020-01", "2020-02")
    budget = raw_rows(settings, "finance_budget")
    assert [(r[3], r[4], r[8]) for r in budget] == [("4610", None, 100.0), (None, "biljettintakter", -50.5)]
    assert status["finance_forecast"].status == "quarantined"
    assert "Rapportrad must be a report line" in status["finance_forecast"].reason
    assert status["finance_investments"].status == "quarantined"
    text = next((settings.quarantine_dir / "finance_investments").rglob("*.report.txt")).read_text(encoding="utf-8")
    assert "a project appears twice for the same period" in text
    assert "line 3, column Årsprognos: a budget or forecast is never negative" in text
