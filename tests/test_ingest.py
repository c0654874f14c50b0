"""Ingest end to end on hand-written files: contracts, quarantine, duplicates, re-delivery, pseudonyms."""

from __future__ import annotations

import os

import duckdb
import pytest

from ingest.landing import ingest_landing
from ingest.ledger import open_ledger
from regionkpi.settings import ConfigurationError, load_settings
from tests.extract_fixtures import MAN_1960, SICK_HEADER, WOMAN_1985, sick_rows, write_org, write_sick


def _raw(settings, source):
    files = sorted((settings.raw_dir / source).rglob("*.parquet"))
    if not files:
        return None
    return duckdb.sql(f"select * from read_parquet({[str(f) for f in files]!r}) order by source_line").df()


def _ingest(settings):
    return ingest_landing(settings)


def test_good_files_are_loaded_pseudonymised_and_archived(settings):
    write_org(settings.landing_dir)
    write_sick(settings.landing_dir, sick_rows(), encoding="cp1252")
    report = _ingest(settings)
    assert [d.status for d in report.deliveries] == ["loaded", "loaded"], report.deliveries
    assert [d.source for d in report.deliveries] == ["organisation", "hr_sick_leave"]

    org = _raw(settings, "organisation")
    assert list(org["unit_code"]) == ["0013", "1000", "1100", "1110", "0111", "0111"]
    assert org.loc[5, "unit_name"] == "Lön, pension och förmåner"
    assert list(org["organisation_level"])[:3] == ["region", "board", "administration"]

    sick = _raw(settings, "hr_sick_leave")
    assert list(sick["gender"]) == ["K", "M"]
    assert list(sick["age_band"]) == ["30-49", "50-"]  # 36 and 61 at the end of April 2021
    assert list(sick["employment_type"]) == ["monthly_paid", "hourly_scheduled"]
    assert list(sick["ordinary_hours"]) == [168.0, 1120.5]
    assert list(sick["source_line"]) == [2, 3]
    assert set(sick["region_id"]) == {"0013"}
    assert "personnummer" not in sick.columns and "employee_number" not in sick.columns
    raw_bytes = b"".join(p.read_bytes() for p in settings.raw_dir.rglob("*.parquet"))
    for number in (WOMAN_1985, MAN_1960):
        assert number.replace("-", "").encode() not in raw_bytes
        assert number.encode() not in raw_bytes

    assert not any(settings.landing_dir.rglob("*.csv")), "processed files leave landing"
    assert len(list(settings.archive_dir.rglob("*.csv"))) == 2
    ledger = open_ledger(settings).deliveries()
    assert ledger[1].periods == ("2021-04",) and ledger[1].rows == 2 and len(ledger[1].sha256) == 64


def test_same_file_twice_changes_nothing(settings):
    write_org(settings.landing_dir)
    sick = write_sick(settings.landing_dir, sick_rows())
    content = sick.read_bytes()
    _ingest(settings)
    before = sorted(p.name for p in settings.raw_dir.rglob("*.parquet"))
    sick.parent.mkdir(parents=True, exist_ok=True)
    sick.with_name("sjuk_again.csv").write_bytes(content)
    report = _ingest(settings)
    assert [d.status for d in report.deliveries] == ["duplicate"]
    assert "same content as delivery 2" in report.deliveries[0].reason
    assert sorted(p.name for p in settings.raw_dir.rglob("*.parquet")) == before
    assert not report.changed


def test_broken_file_is_quarantined_with_line_column_and_rule(settings):
    write_org(settings.landing_dir)
    bad_checksum = WOMAN_1985[:-1] + str((int(WOMAN_1985[-1]) + 1) % 10)
    rows = [
        f"{bad_checksum};A1;0111;202104;Månadsavlönad;2010-01-01;;168,0;16,0;8,0;8,0;0,0",
        f"{MAN_1960};A2;9999;202104;Månadsavlönad;2015-06-01;;160,0;170,0;170,0;0;0",
        f"{WOMAN_1985};A3;0111;202113;Månadsavlönad;2010-01-01;;abc;0;0;0;0",
    ]
    write_sick(settings.landing_dir, rows, name="trasig.csv")
    report = _ingest(settings)
    assert [d.status for d in report.deliveries] == ["loaded", "quarantined"]
    assert _raw(settings, "hr_sick_leave") is None, "nothing of a broken file is loaded"
    reports = list(settings.quarantine_dir.rglob("*.report.txt"))
    assert len(reports) == 1
    text = reports[0].read_text(encoding="utf-8")
    assert "trasig.csv, line 2, column Personnummer: not a valid personnummer" in text
    assert bad_checksum not in text, "a report never repeats a personnummer in clear"
    assert f"[value: {bad_checksum[:6]}*******]" in text
    assert "line 3, column Ansvar: unit code is not in region 0013's organisation extract" in text
    assert "line 3, column Ordinarie timmar, Sjuktimmar: sick-leave hours must not exceed ordinary hours" in text
    assert "line 4, column Period: '202113' is not a valid period" in text
    assert "line 4, column Ordinarie timmar: 'abc' is not a number" in text
    assert "line 3, column Sjuktimmar dag 1-14/15-59/60-: the spell-length columns must add up" not in text
    assert list(settings.quarantine_dir.rglob("*trasig.csv"))
    assert not list(settings.landing_dir.rglob("*.csv"))


def test_missing_required_column_is_reported_on_the_header_line(settings):
    write_org(settings.landing_dir)
    header = SICK_HEADER.replace("Ansvar;", "")
    rows = [";".join(r.split(";")[:2] + r.split(";")[3:]) for r in sick_rows()]
    path = settings.landing_dir / "hr_sick_leave" / "0013" / "no_unit.csv"
    path.parent.mkdir(parents=True)
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    report = _ingest(settings)
    assert report.deliveries[-1].status == "quarantined"
    assert "line 1: required column 'Ansvar' is missing" in report.deliveries[-1].reason


def test_sick_leave_before_its_organisation_is_quarantined_with_advice(settings):
    write_sick(settings.landing_dir, sick_rows())
    report = _ingest(settings)
    assert report.deliveries[0].status == "quarantined"
    assert "deliver landing/organisation/0013/ first" in report.deliveries[0].reason


def test_quarantined_file_sent_again_unchanged_after_its_cause_is_fixed_is_loaded(settings):
    """The advice "deliver the organisation first, then this file again" is true: the same bytes are
    checked again, not taken for a duplicate of the quarantined attempt; once loaded, they are."""
    content = write_sick(settings.landing_dir, sick_rows()).read_bytes()
    first = _ingest(settings).deliveries[0]
    assert first.status == "quarantined"

    write_org(settings.landing_dir)
    again = settings.landing_dir / "hr_sick_leave" / "0013" / "sjuk_igen.csv"
    again.write_bytes(content)
    report = _ingest(settings)
    assert [(d.source, d.status) for d in report.deliveries] == [
        ("organisation", "loaded"),
        ("hr_sick_leave", "loaded"),
    ]
    assert report.deliveries[1].sha256 == first.sha256 and report.deliveries[1].seq > first.seq
    assert len(_raw(settings, "hr_sick_leave")) == 2

    again.write_bytes(content)
    third = _ingest(settings).deliveries
    assert [d.status for d in third] == ["duplicate"]
    assert third[0].duplicate_of == report.deliveries[1].seq, "a duplicate of the loaded attempt"
    statuses = [(d.source, d.status) for d in open_ledger(settings).deliveries()]
    assert statuses == [
        ("hr_sick_leave", "quarantined"),
        ("organisation", "loaded"),
        ("hr_sick_leave", "loaded"),
        ("hr_sick_leave", "duplicate"),
    ], "the ledger keeps every attempt"


def test_redelivery_replaces_the_period_and_keeps_the_first_for_audit(settings):
    write_org(settings.landing_dir)
    write_sick(settings.landing_dir, sick_rows(), name="april.csv")
    _ingest(settings)
    corrected = [sick_rows()[0].replace(";16,0;8,0;8,0;0,0", ";24,0;8,0;8,0;8,0")]
    write_sick(settings.landing_dir, corrected, name="april_rattad.csv")
    _ingest(settings)
    raw = _raw(settings, "hr_sick_leave")
    assert sorted(raw["_delivery_seq"].unique()) == [2, 3], "both deliveries stay in the raw layer"
    latest = raw[raw["_delivery_seq"] == raw["_delivery_seq"].max()]
    assert list(latest["sick_hours"]) == [24.0]
    statuses = [(d.file_name, d.status) for d in open_ledger(settings).deliveries()]
    assert statuses == [
        ("organisation.csv", "loaded"),
        ("april.csv", "loaded"),
        ("april_rattad.csv", "loaded"),
    ]


def test_spell_start_variant_derives_long_term_hours(settings):
    write_org(settings.landing_dir)
    header = "Personnummer;Ansvar;Period;Anställningsform;Anställd från;Ordinarie timmar;Sjuktimmar;Sjukperiod från"
    rows = [
        f"{WOMAN_1985};0111;202104;Månadsavlönad;2010-01-01;168;30;2021-02-01",
        f"{MAN_1960};0111;202104;Månadsavlönad;2010-01-01;168;0;",
    ]
    path = settings.landing_dir / "hr_sick_leave" / "0013" / "spell.csv"
    path.parent.mkdir(parents=True)
    path.write_text("\ufeff" + "\n".join([header, *rows]) + "\n", encoding="utf-8")
    report = _ingest(settings)
    assert report.deliveries[-1].status == "loaded", report.deliveries[-1].reason
    raw = _raw(settings, "hr_sick_leave")
    assert list(raw["sick_hours_days_60_plus"]) == [30.0, 0.0]


def test_file_outside_a_region_folder_is_quarantined(settings):
    path = settings.landing_dir / "organisation" / "org.csv"
    path.parent.mkdir(parents=True)
    path.write_text("x\n", encoding="utf-8")
    report = _ingest(settings)
    assert report.deliveries[0].status == "quarantined"
    assert "4-digit Kolada region id" in report.deliveries[0].reason


def test_no_key_no_ingest(tmp_path):
    settings = load_settings({"REGIONKPI_ROOT": str(tmp_path)})
    write_org(settings.landing_dir)
    write_sick(settings.landing_dir, sick_rows())
    with pytest.raises(ConfigurationError, match="REGIONKPI_PSEUDONYM_KEY"):
        ingest_landing(settings)
    assert not list(settings.raw_dir.rglob("hr_sick_leave/**/*.parquet"))


def test_files_are_ingested_oldest_first(settings):
    write_org(settings.landing_dir)
    newer = write_sick(settings.landing_dir, sick_rows(), name="a_newer.csv")
    older = write_sick(
        settings.landing_dir,
        [sick_rows()[0].replace(";16,0;8,0;8,0;0,0", ";10,0;10,0;0;0")],
        name="b_older.csv",
    )
    os.utime(older, (1_600_000_000, 1_600_000_000))
    os.utime(newer, (1_700_000_000, 1_700_000_000))
    _ingest(settings)
    names = [d.file_name for d in open_ledger(settings).deliveries("hr_sick_leave")]
    assert names == ["b_older.csv", "a_newer.csv"]


def test_file_in_no_known_encoding_is_quarantined_and_quarantined_again_when_sent_again(settings):
    import hashlib

    write_org(settings.landing_dir)
    content = SICK_HEADER.encode("cp1252") + b"\r\n\x81broken\r\n"
    path = settings.landing_dir / "hr_sick_leave" / "0013" / "odd.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    report = _ingest(settings)
    quarantined = report.deliveries[-1]
    assert quarantined.status == "quarantined"
    assert "undefined in Windows-1252" in quarantined.reason
    assert quarantined.sha256 == hashlib.sha256(content).hexdigest()
    assert quarantined.size_bytes == len(content)
    path.write_bytes(content)
    again = _ingest(settings).deliveries
    assert [d.status for d in again] == ["quarantined"], "checked again, not a duplicate of a rejected attempt"
    assert again[0].sha256 == quarantined.sha256 and again[0].seq > quarantined.seq
