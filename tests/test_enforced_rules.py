"""Contract rules that were promised and are now enforced (issue #12): each file is quarantined with
file, line, column and rule, nothing of it reaches the raw layer, and the good file after it loads."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from ingest.extract import not_in_future
from ingest.landing import ingest_landing
from tests.extract_fixtures import ORG_HEADER, ORG_ROWS, SICK_HEADER, personnummer, sick_rows, write, write_org

LEDGER_ORG = (
    "Enhetskod;Enhetsnamn;Överordnad enhet;Nivå;Giltig från;Giltig till\n"
    "060000;Region Jönköpings län;;Region;2015-01-01;\n"
    "062000;Nämnd för arbetsmarknad;060000;Nämnd/styrelse;2015-01-01;\n"
)
LEDGER_HEADER = "Period;Ansvar;Konto;Belopp;Text\n"


@pytest.fixture
def ledger_landing(settings):
    folder = settings.landing_dir / "organisation" / "0006"
    folder.mkdir(parents=True)
    (folder / "org.csv").write_text(LEDGER_ORG, encoding="utf-8")
    assert ingest_landing(settings).count("loaded") == 1

    def deliver(name: str, body: bytes) -> Path:
        path = settings.landing_dir / "finance_ledger" / "0006" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        return path

    return deliver


def _violations(delivery) -> list[dict]:
    report = Path(delivery.stored_path).with_name(Path(delivery.stored_path).name + ".report.json")
    return json.loads(report.read_text(encoding="utf-8"))["violations"]


def _one(settings) -> object:
    report = ingest_landing(settings)
    (delivery,) = report.deliveries
    return delivery


def _no_raw(settings, source: str) -> bool:
    return not list((settings.raw_dir / source).rglob("*.parquet"))


GOOD_LEDGER = (LEDGER_HEADER + "202003;062000;4610;100,00;Köpt trafik\n").encode()


def test_a_ledger_cut_in_its_last_line_is_rejected_and_the_whole_file_then_loads(settings, ledger_landing):
    ledger_landing("cut.csv", GOOD_LEDGER + b"202003;062000;4610;47")
    delivery = _one(settings)
    assert delivery.status == "quarantined"
    assert any("incomplete last line" in v["rule"] and v["line"] == 3 for v in _violations(delivery))
    assert _no_raw(settings, "finance_ledger")

    ledger_landing("whole.csv", GOOD_LEDGER + b"202003;062000;4610;477,00;Resten\n")
    delivery = _one(settings)
    assert delivery.status == "loaded" and delivery.rows == 2


def test_an_amount_beyond_eighteen_digits_is_rejected(settings, ledger_landing):
    ledger_landing("huge.csv", GOOD_LEDGER + b"202003;062000;4610;99 999 999 999 999 999 999,00;Stort\n")
    delivery = _one(settings)
    assert delivery.status == "quarantined"
    (violation,) = _violations(delivery)
    assert "too large" in violation["rule"] and violation["line"] == 3 and violation["column"] == "Belopp"
    assert _no_raw(settings, "finance_ledger")


def test_a_nul_byte_in_a_text_cell_is_rejected_with_its_line_and_column(settings, ledger_landing):
    ledger_landing("nul.csv", GOOD_LEDGER + b"202003;062000;4610;1,00;K\x00pt\n")
    delivery = _one(settings)
    assert delivery.status == "quarantined"
    (violation,) = _violations(delivery)
    assert "control character" in violation["rule"] and violation["line"] == 3 and violation["column"] == "Text"
    assert "\x00" not in violation["value"]


def test_ledger_postings_in_the_future_are_rejected(settings, ledger_landing):
    ledger_landing("future.csv", GOOD_LEDGER + b"203101;062000;4610;1,00;Sen\n")
    delivery = _one(settings)
    assert delivery.status == "quarantined"
    violations = _violations(delivery)
    assert any("in the future" in v["rule"] and v["line"] == 3 and v["value"] == "2031-01" for v in violations)


def test_a_ledger_with_one_posting_of_the_next_year_is_rejected_and_whole_years_load(settings, ledger_landing):
    ledger_landing("stray.csv", GOOD_LEDGER + b"202101;062000;4610;1,00;Nytt \xc3\xa5r\n")
    delivery = _one(settings)
    assert delivery.status == "quarantined"
    stray = [v for v in _violations(delivery) if "not whole" in v["rule"]]
    assert [(v["line"], v["value"]) for v in stray] == [(2, "2020-03"), (3, "2021-01")]

    whole = "".join(f"{year}{month:02d};062000;4610;1,00;x\n" for year in (2019, 2020) for month in range(1, 13))
    ledger_landing("two_years.csv", (LEDGER_HEADER + whole).encode())
    assert _one(settings).status == "loaded"
    ledger_landing("to_date.csv", (LEDGER_HEADER + "202101;062000;4610;1,00;x\n202102;062000;4610;1,00;x\n").encode())
    assert _one(settings).status == "loaded"


def test_payroll_for_a_future_month_is_rejected(settings):
    write_org(settings.landing_dir)
    ingest_landing(settings)
    future = f"{personnummer('19850312', '128')};A1;0111;203001;Månadsavlönad;2010-01-01;;168,0;0;0;0;0"
    write(settings.landing_dir / "hr_sick_leave" / "0013" / "sjuk.csv", SICK_HEADER, [*sick_rows(), future])
    delivery = _one(settings)
    assert delivery.status == "quarantined"
    (violation,) = _violations(delivery)
    assert "in the future" in violation["rule"] and violation["line"] == 4 and violation["column"] == "Period"
    assert _no_raw(settings, "hr_sick_leave")


def test_the_future_means_after_the_month_following_the_ingest():
    rule = not_in_future("period_month", today=dt.date(2026, 12, 6))
    assert "DATE '2027-01-01'" in rule.where and "after 2027-01" in rule.rule


def test_an_organisation_whose_parent_links_form_a_cycle_is_rejected_and_replaces_nothing(settings):
    write_org(settings.landing_dir, name="a_good.csv")
    assert _one(settings).status == "loaded"
    raw_before = sorted((settings.raw_dir / "organisation").rglob("*.parquet"))

    rows = [r.replace("1100;Regionkontoret;1000", "1100;Regionkontoret;1110") for r in ORG_ROWS]
    write(settings.landing_dir / "organisation" / "0013" / "b_cycle.csv", ORG_HEADER, rows)
    delivery = _one(settings)
    assert delivery.status == "quarantined"
    cycles = [v for v in _violations(delivery) if "cycle" in v["rule"]]
    assert [(v["line"], v["value"]) for v in cycles][:2] == [
        (4, "1100 -> 1110 -> 1100"),
        (5, "1110 -> 1100 -> 1110"),
    ]
    assert all(v["column"] == "Överordnad enhet" for v in cycles)
    assert sorted((settings.raw_dir / "organisation").rglob("*.parquet")) == raw_before
