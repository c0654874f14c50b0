"""Goal extracts on arrival: targets (målvärden), goal structure (målstruktur) and reported values.

Each test delivers region 0006's organisation first (units are checked against it), then a goal
file, and checks what reaches the raw layer, what is quarantined and what the report says: file,
line, column, rule.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ingest.goals.extracts import (
    GoalActivitySource,
    GoalIndicatorSource,
    GoalReportedValueSource,
    GoalSettingSource,
    GoalStructureSource,
    GoalTargetSource,
)
from ingest.landing import ingest_file
from ingest.organisation.source import OrganisationSource
from tests.extract_fixtures import assert_reported, raw_rows_of

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "extracts" / "examples"
ORGANISATION = (
    "Enhetskod;Enhetsnamn;Överordnad enhet;Nivå;Giltig från;Giltig till\n"
    "060000;Region Jönköpings län;;Region;2015-01-01;\n"
    "061000;Regionstyrelsen;060000;Nämnd/styrelse;2015-01-01;\n"
    "061100;Regionledningskontor med verksamhetsnära funktion;061000;Förvaltning;2015-01-01;\n"
    "062000;Nämnd för arbetsmarknad;060000;Nämnd/styrelse;2015-01-01;\n"
    "062100;Länstrafiken;062000;Förvaltning;2015-01-01;\n"
    "062140;Kund och marknad;062100;Område/avdelning;2020-06-01;2020-12-31\n"
)
TARGET_HEADER = "Enhet;Mätetal;År;Period;Målvärde;Jämförelse;Tolerans\n"
STRUCTURE_HEADER = "År;Perspektiv;Mål;Framgångsfaktor;Mätetal;Enhet;Ordning;Kommentar\n"
VALUE_HEADER = "Enhet;Mätetal;Period;Fönster;Värde;Kön;Kommentar\n"


def write(settings, source: str, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = settings.landing_dir / source / "0006" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding=encoding, newline="")
    return path


@pytest.fixture
def deliver(settings):
    """Region 0006's organisation, ingested; returns a writer of files into ``landing/<source>/0006/``."""
    delivery = ingest_file(write(settings, "organisation", "org.csv", ORGANISATION), OrganisationSource(), settings)
    assert delivery.status == "loaded", delivery.reason
    return lambda source, name, text, encoding="utf-8": write(settings, source, name, text, encoding)


def raw_rows(settings, source: str, columns: str) -> list[tuple]:
    return raw_rows_of(settings.raw_dir, source, columns)


def report(settings, source: str) -> str:
    (path,) = (settings.quarantine_dir / source / "0006").glob("*.report.txt")
    return path.read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------------------
# The region's own indicators
# --------------------------------------------------------------------------------------------------

INDICATOR_HEADER = (
    "Mätetal;Namn;Engelskt namn;Måttenhet;Decimaler;Riktning;Typ;Definition;Frekvens;Kolada-id;Rapporteras av\n"
)
INDICATOR_COLUMNS = (
    "indicator_id, name_sv, name_en, unit, decimals, direction, kind, frequency, kolada_kpi_id, reporting_unit_code"
)
OWN_INDICATORS = (
    INDICATOR_HEADER
    + "co2_business_travel;CO₂ från tjänsteresor;CO₂ from business travel;kg CO2e;;lägre är bättre;;;år;;061100\n"
    + "energy_kwh_per_m2;Energianvändning;;KWh/m2;1;Lower is better;Numeriskt;Atemp;tertial;;\n"
    + "patient_index;Patientindex;;Index;2;högre är bättre;numeriskt;Skala 1–5;år;;\n"
    + "prescriptions;Förskrivningar per 1 000 invånare;;per 1000 invånare;;;;;delår;U01234;\n"
    + "plan_adopted;Plan antagen;;antal;;;ja/nej;;år;;\n"
    + "dialogue;Dialog med patientföreningar;;antal;;;Kvalitativt;;;;\n"
)


def test_a_regions_own_indicators_load_with_units_decimals_and_kinds_normalised(settings, deliver):
    delivery = ingest_file(deliver("goal_indicators", "matetal.csv", OWN_INDICATORS), GoalIndicatorSource(), settings)
    assert delivery.status == "loaded", delivery.reason
    assert raw_rows(settings, "goal_indicators", INDICATOR_COLUMNS) == [
        ("co2_business_travel", "CO₂ från tjänsteresor", "CO₂ from business travel", "kg CO2e", 0,
         "lower_is_better", "numeric", "yearly", None, "061100"),
        ("energy_kwh_per_m2", "Energianvändning", None, "kWh/m²", 1, "lower_is_better", "numeric", "tertial",
         None, None),
        ("patient_index", "Patientindex", None, "index", 2, "higher_is_better", "numeric", "yearly", None, None),
        ("prescriptions", "Förskrivningar per 1 000 invånare", None, "per 1000 inhabitants", 1, "not_applicable",
         "numeric", "half_yearly", "U01234", None),
        ("plan_adopted", "Plan antagen", None, "count", 0, "not_applicable", "yes_no", "yearly", None, None),
        ("dialogue", "Dialog med patientföreningar", None, "count", 0, "not_applicable", "qualitative", "yearly",
         None, None),
    ]  # fmt: skip


def test_a_broken_indicator_file_names_each_rule(settings, deliver):
    name = "matetal_fel.csv"
    path = deliver(
        "goal_indicators",
        name,
        INDICATOR_HEADER
        + "Patient Index;Patientindex;;index;;;;;;;\n"
        + "sick_leave_rate;Sjukfrånvaro;;%;;;;;;;\n"
        + "nki;NKI;;stjärnor;9;uppåt;siffra;;varannan vecka;N123;999999\n"
        + "nki;NKI igen;;index;;;;;;;\n"
        + ";;;;;;;;;;\n",
    )
    assert ingest_file(path, GoalIndicatorSource(), settings).status == "quarantined"
    text = report(settings, "goal_indicators")
    assert_reported(
        text,
        f"{name}, line 2, column Mätetal: Mätetal must be lower-case letters a-z, digits and _",
        f"{name}, line 3, column Mätetal: Mätetal is an indicator of the shared catalogue",
        f"{name}, line 4, column Måttenhet: Måttenhet must be a unit of seeds/units.csv",
        f"{name}, line 4, column Decimaler: Decimaler must be 0-4",
        f"{name}, line 4, column Riktning: Riktning must be högre är bättre",
        f"{name}, line 4, column Typ: Typ must be numeriskt, ja/nej or kvalitativt",
        f"{name}, line 4, column Frekvens: Frekvens must be månad, tertial, delår or år",
        f"{name}, line 4, column Kolada-id: Kolada-id must be a Kolada KPI id",
        f"{name}, line 4, column Rapporteras av: Rapporteras av is not a unit of the region's organisation",
        f"{name}, line 5, column Mätetal: a Mätetal appears twice in the delivery",
        f"{name}, line 6, column Mätetal: Mätetal is required",
        f"{name}, line 6, column Namn: Namn is required",
        f"{name}, line 6, column Måttenhet: Måttenhet is required",
    )
    assert not raw_rows(settings, "goal_indicators", "indicator_id")


def test_a_target_on_an_unknown_indicator_loads_when_resent_unchanged_after_the_indicator_arrives(settings, deliver):
    """The region's own indicator is named by its targets, and both regions may use the same id."""
    targets = TARGET_HEADER + "061100;co2_business_travel;2020;;1200;högst;10\n"
    first = ingest_file(deliver("goal_targets", "malvarden.csv", targets), GoalTargetSource(), settings)
    assert first.status == "quarantined"
    assert_reported(
        report(settings, "goal_targets"),
        "malvarden.csv, line 2, column Mätetal: Mätetal must be an indicator_id of seeds/indicators.csv or of the "
        "region's goal_indicators extract",
    )
    indicators = ingest_file(deliver("goal_indicators", "m.csv", OWN_INDICATORS), GoalIndicatorSource(), settings)
    assert indicators.status == "loaded", indicators.reason
    again = ingest_file(deliver("goal_targets", "malvarden.csv", targets), GoalTargetSource(), settings)
    assert again.status == "loaded", again.reason
    assert again.sha256 == first.sha256
    assert raw_rows(settings, "goal_targets", "indicator_id, target_value") == [("co2_business_travel", 1200.0)]


def test_a_later_indicator_delivery_adds_and_revises_never_removes(settings, deliver):
    ingest_file(deliver("goal_indicators", "a.csv", OWN_INDICATORS), GoalIndicatorSource(), settings)
    revised = INDICATOR_HEADER + "patient_index;Patientindex (reviderat);;index;1;;;;;;\n"
    assert ingest_file(deliver("goal_indicators", "b.csv", revised), GoalIndicatorSource(), settings).status == "loaded"
    values = VALUE_HEADER.replace("\n", ";Status\n") + (
        "061100;patient_index;202012;år;4,63;;;\n061100;dialogue;202012;år;;;Två möten;Delvis uppfyllt\n"
    )
    delivery = ingest_file(deliver("goal_reported_values", "v.csv", values), GoalReportedValueSource(), settings)
    assert delivery.status == "loaded", delivery.reason


def test_yes_no_and_qualitative_targets_and_values_load_by_the_indicators_kind(settings, deliver):
    ingest_file(deliver("goal_indicators", "m.csv", OWN_INDICATORS), GoalIndicatorSource(), settings)
    targets = (
        TARGET_HEADER + "061100;plan_adopted;2020;;;;\n"  # ja/nej: Ja required, compared as equal
        "061100;dialogue;2020;;;;\n"  # qualitative: the unit reports its status
        "061100;patient_index;2020;;4,65;minst;\n"
    )
    delivery = ingest_file(deliver("goal_targets", "t.csv", targets), GoalTargetSource(), settings)
    assert delivery.status == "loaded", delivery.reason
    assert raw_rows(settings, "goal_targets", "indicator_id, target_value, comparison") == [
        ("plan_adopted", 1.0, "equal_to"),
        ("dialogue", None, None),
        ("patient_index", 4.65, "at_least"),
    ]
    values = (
        "Enhet;Mätetal;Period;Värde;Status;Kommentar\n"
        "061100;plan_adopted;202012;Nej;;Beslut i mars\n"
        "061100;dialogue;202012;;uppfyllt;Fyra möten\n"
    )
    delivery = ingest_file(deliver("goal_reported_values", "v.csv", values), GoalReportedValueSource(), settings)
    assert delivery.status == "loaded", delivery.reason
    assert raw_rows(settings, "goal_reported_values", "indicator_id, value, reported_status, comment") == [
        ("plan_adopted", 0.0, None, "Beslut i mars"),
        ("dialogue", None, "met", "Fyra möten"),
    ]


def test_values_and_targets_that_do_not_fit_the_indicators_kind_name_each_rule(settings, deliver):
    ingest_file(deliver("goal_indicators", "m.csv", OWN_INDICATORS), GoalIndicatorSource(), settings)
    targets = (
        TARGET_HEADER + "061100;plan_adopted;2020;;2;;\n"
        "061100;plan_adopted;2021;;ja;minst;\n"
        "061100;patient_index;2020;;ja;minst;\n"
        "061100;patient_index;2021;;fyra;minst;\n"
        "061100;patient_index;2022;;;;\n"
    )
    assert ingest_file(deliver("goal_targets", "t.csv", targets), GoalTargetSource(), settings).status == "quarantined"
    assert_reported(
        report(settings, "goal_targets"),
        "t.csv, line 2, column Målvärde: Målvärde of a ja/nej indicator must be ja or nej (or 1, 0)  [value: 2]",
        "t.csv, line 3, column Jämförelse: Jämförelse of a ja/nej indicator is lika med (or empty)",
        "t.csv, line 4, column Målvärde: Målvärde ja or nej is for ja/nej indicators",
        "t.csv, line 5, column Målvärde: Målvärde is not a number",
        "t.csv, line 6, column Målvärde: Målvärde is required",
        "t.csv, line 6, column Jämförelse: Jämförelse is required",
    )
    values = (
        "Enhet;Mätetal;Period;Värde;Status\n"
        "061100;dialogue;202012;;\n"
        "061100;dialogue;202012;;kanske\n"
        "061100;patient_index;202012;4,6;uppfyllt\n"
        "061100;plan_adopted;202012;;\n"
    )
    path = deliver("goal_reported_values", "v.csv", values)
    assert ingest_file(path, GoalReportedValueSource(), settings).status == "quarantined"
    assert_reported(
        report(settings, "goal_reported_values"),
        "v.csv, line 2, column Status: Status is required for a qualitative indicator",
        "v.csv, line 3, column Status: Status must be uppfyllt, delvis uppfyllt or ej uppfyllt",
        "v.csv, line 4, column Status: Status is reported for qualitative indicators only",
        "v.csv, line 5, column Värde: Värde is required",
    )


# --------------------------------------------------------------------------------------------------
# The region's settings
# --------------------------------------------------------------------------------------------------


def test_settings_load_normalised(settings, deliver):
    text = "Inställning;Värde\nTolerans %;10\nRäkna ja/nej;Nej\nräkna  kvalitativa;ja\n"
    delivery = ingest_file(deliver("goal_settings", "installningar.csv", text), GoalSettingSource(), settings)
    assert delivery.status == "loaded", delivery.reason
    assert raw_rows(settings, "goal_settings", "setting, value") == [
        ("tolerance_pct", "10.0"),
        ("count_yes_no", "false"),
        ("count_qualitative", "true"),
    ]


def test_broken_settings_name_each_rule(settings, deliver):
    text = "Inställning;Värde\nTolerans;0,5\nTolerans %;tio\nFärg;blå\nRäkna ja/nej;kanske\nräkna ja/nej;ja\n;1\n"
    path = deliver("goal_settings", "fel.csv", text)
    assert ingest_file(path, GoalSettingSource(), settings).status == "quarantined"
    assert_reported(
        report(settings, "goal_settings"),
        "fel.csv, line 3, column Inställning: tolerans and tolerans % are two ways of giving the one default band",
        "fel.csv, line 3, column Värde: Värde of tolerans and tolerans % must be a number ≥ 0",
        "fel.csv, line 4, column Inställning: Inställning must be regionnamn, tolerans, tolerans %, räkna ja/nej, "
        "räkna kvalitativa, räkna aktiviteter, nivåer, målstatus or statusbas",
        "fel.csv, line 5, column Värde: Värde of räkna ja/nej, räkna kvalitativa and räkna aktiviteter must be ja "
        "or nej",
        "fel.csv, line 6, column Inställning: an Inställning appears twice in the delivery",
        "fel.csv, line 7, column Inställning: Inställning is required",
    )


def test_levels_and_the_goal_status_rule_are_settings(settings, deliver):
    text = "Inställning;Värde\nNivåer; Strategi | Strategiskt område |Mål\nMålstatus;Majoritet\n"
    delivery = ingest_file(deliver("goal_settings", "s.csv", text), GoalSettingSource(), settings)
    assert delivery.status == "loaded", delivery.reason
    assert raw_rows(settings, "goal_settings", "setting, value") == [
        ("levels", "Strategi|Strategiskt område|Mål"),
        ("goal_status_rule", "majority"),
    ]
    bad = "Inställning;Värde\nNivåer;Strategi\nMålstatus;några\n"
    assert ingest_file(deliver("goal_settings", "b.csv", bad), GoalSettingSource(), settings).status == "quarantined"
    assert_reported(
        report(settings, "goal_settings"),
        "b.csv, line 2, column Värde: Värde of nivåer must name 2-5 levels from the top, separated by |",
        "b.csv, line 3, column Värde: Värde of målstatus must be alla or majoritet",
    )


def test_a_goal_structure_in_the_regions_own_levels(settings, deliver):
    text = (
        "År;Nivå 1;Nivå 2;Nivå 3;Mätetal;Enhet\n"
        "2020;Hållbar utveckling;Klimat;Minskade utsläpp;sick_leave_rate;061100\n"
        "2020;Hållbar utveckling;Klimat;;nki_travellers;062100\n"
    )
    delivery = ingest_file(deliver("goal_structure", "s.csv", text), GoalStructureSource(), settings)
    assert delivery.status == "loaded", delivery.reason
    assert raw_rows(settings, "goal_structure", "goal, level_1, level_2, level_3, level_4") == [
        (None, "Hållbar utveckling", "Klimat", "Minskade utsläpp", None),
        (None, "Hållbar utveckling", "Klimat", None, None),
    ]
    bad = (
        "År;Mål;Nivå 1;Nivå 2;Nivå 3;Mätetal;Enhet\n"
        "2021;Klimat;Hållbar utveckling;;;sick_leave_rate;061100\n"
        "2021;;Hållbar utveckling;;Minskade utsläpp;nki_travellers;062100\n"
        "2021;;;;;competence_plans_share;061100\n"
    )
    assert ingest_file(deliver("goal_structure", "b.csv", bad), GoalStructureSource(), settings).status == "quarantined"
    assert_reported(
        report(settings, "goal_structure"),
        "b.csv, line 2, column Mål, Nivå 1: give the place in the goal structure either as Perspektiv / Mål / "
        "Framgångsfaktor or as Nivå 1-5, not both",
        "b.csv, line 3, column Nivå 3: Nivå 3 needs Nivå 2: the levels are filled from the top",
        "b.csv, line 4, column Mål: Mål is required",
    )


def test_a_target_band_is_absolute_or_in_percent_of_the_target_never_both(settings, deliver):
    header = "Enhet;Mätetal;År;Målvärde;Jämförelse;Tolerans;Tolerans %\n"
    good = header + "061100;sick_leave_rate;2020;3,1;högst;;10\n061100;nki_travellers;2020;65;minst;5;\n"
    delivery = ingest_file(deliver("goal_targets", "band.csv", good), GoalTargetSource(), settings)
    assert delivery.status == "loaded", delivery.reason
    assert raw_rows(settings, "goal_targets", "indicator_id, tolerance, tolerance_pct") == [
        ("sick_leave_rate", None, 10.0),
        ("nki_travellers", 5.0, None),
    ]
    bad = header + "061100;sick_leave_rate;2021;3,1;högst;0,5;10\n061100;nki_travellers;2021;65;minst;;-5\n"
    assert ingest_file(deliver("goal_targets", "band2.csv", bad), GoalTargetSource(), settings).status == "quarantined"
    assert_reported(
        report(settings, "goal_targets"),
        "band2.csv, line 2, column Tolerans, Tolerans %: give the band as Tolerans (in the indicator's unit) or as "
        "Tolerans % (of the target), not both",
        "band2.csv, line 3, column Tolerans %: Tolerans % is never negative",
    )


# --------------------------------------------------------------------------------------------------
# Activities
# --------------------------------------------------------------------------------------------------

ACTIVITY_HEADER = "År;Mål;Aktivitet;Beskrivning;Enhet;Start;Slut;Period;Status;Kommentar\n"


def test_activities_load_with_a_status_per_period(settings, deliver):
    text = ACTIVITY_HEADER + (
        "2020;Attraktiv arbetsgivare;Chefsutbildning;Ledarskap för nya chefer;061100;2020-02-01;2020-11-30;"
        "202008;Pågående;Två av tre kurstillfällen hållna\n"
        "2020;Attraktiv arbetsgivare;Chefsutbildning;;061100;;;202012;Genomförd;\n"
        "2020;Nöjda resenärer;Ny tidtabell;;062100;;;202012;ej påbörjad;Flyttad till 2021\n"
    )
    delivery = ingest_file(deliver("goal_activities", "aktiviteter.csv", text), GoalActivitySource(), settings)
    assert delivery.status == "loaded", delivery.reason
    assert delivery.periods == ("2020-08", "2020-12")
    assert raw_rows(settings, "goal_activities", "goal, activity, unit_code, start_date, activity_status") == [
        ("Attraktiv arbetsgivare", "Chefsutbildning", "061100", dt.date(2020, 2, 1), "in_progress"),
        ("Attraktiv arbetsgivare", "Chefsutbildning", "061100", None, "done"),
        ("Nöjda resenärer", "Ny tidtabell", "062100", None, "not_started"),
    ]


def test_broken_activities_name_each_rule(settings, deliver):
    text = ACTIVITY_HEADER + (
        "2020;Mål A;Akt 1;;061100;2020-05-01;2020-04-01;202012;pågående;\n"
        "2020;Mål A;Akt 2;;061100;;;202112;pågående;\n"
        "2020;Mål A;Akt 3;;061100;;;202012;halvklar;\n"
        "2020;Mål A;Akt 4;;069999;;;202012;pausad;\n"
        "2020;Mål A;Akt 4;;069999;;;202012;pausad;\n"
    )
    path = deliver("goal_activities", "a.csv", text)
    assert ingest_file(path, GoalActivitySource(), settings).status == "quarantined"
    assert_reported(
        report(settings, "goal_activities"),
        "a.csv, line 2, column Start, Slut: Slut must not lie before Start",
        "a.csv, line 3, column Period: Period must lie in År",
        "a.csv, line 4, column Status: Status must be ej påbörjad, pågående, pausad or genomförd",
        "a.csv, line 5, column Enhet: Enhet is not a unit of the region's organisation extract",
        "a.csv, line 6, column Enhet, Mål, Aktivitet, Period: an Enhet, Mål, Aktivitet and Period appear twice",
    )


# --------------------------------------------------------------------------------------------------
# Targets
# --------------------------------------------------------------------------------------------------

TARGET_COLUMNS = "unit_code, indicator_id, target_year, period_month, target_value, comparison, tolerance, source_line"


def test_targets_load_with_comparisons_normalised_in_either_language(settings, deliver):
    path = deliver(
        "goal_targets",
        "malvarden_2020.csv",
        TARGET_HEADER.replace("\n", "\r\n")
        + "061100;competence_plans_share;2020;;90;Minst;\r\n"
        + "061100;sick_leave_rate;2020;;3,1;högst;0,5\r\n"
        + "062100;nki_travellers;2020;;65;AT  LEAST;5\r\n"
        + "062100;nki_travellers;2020;202008;62,5;minst;\r\n"
        + "062100;finance_budget_deviation;2020;2020-12;0;högre än;\r\n"
        + "061100;nki_general_public;2021;;3;Ökning med %;0\r\n"
        + "061100;vehicle_inspections_share;2021;;100;lika med;\r\n"
        + "061100;travel_time_general;2021;;60;lower than;\r\n",
        encoding="cp1252",
    )
    delivery = ingest_file(path, GoalTargetSource(), settings)
    assert delivery.status == "loaded", delivery.reason
    assert delivery.encoding == "cp1252"
    assert delivery.periods == ("2020-08", "2020-12", "2021-12")
    assert raw_rows(settings, "goal_targets", TARGET_COLUMNS) == [
        ("061100", "competence_plans_share", 2020, None, 90.0, "at_least", None, 2),
        ("061100", "sick_leave_rate", 2020, None, 3.1, "at_most", 0.5, 3),
        ("062100", "nki_travellers", 2020, None, 65.0, "at_least", 5.0, 4),
        ("062100", "nki_travellers", 2020, dt.date(2020, 8, 1), 62.5, "at_least", None, 5),
        ("062100", "finance_budget_deviation", 2020, dt.date(2020, 12, 1), 0.0, "higher_than", None, 6),
        ("061100", "nki_general_public", 2021, None, 3.0, "increase_by_pct", 0.0, 7),
        ("061100", "vehicle_inspections_share", 2021, None, 100.0, "equal_to", None, 8),
        ("061100", "travel_time_general", 2021, None, 60.0, "lower_than", None, 9),
    ]


def test_targets_without_the_optional_columns_load(settings, deliver):
    path = deliver(
        "goal_targets",
        "malvarden.csv",
        "\ufeffMätetal;Enhet;Målvärde;År;Jämförelse\nnki_travellers;062100;65;2020;minst\n",
    )
    delivery = ingest_file(path, GoalTargetSource(), settings)
    assert delivery.status == "loaded", delivery.reason
    assert delivery.encoding == "utf-8-sig"
    assert raw_rows(settings, "goal_targets", TARGET_COLUMNS) == [
        ("062100", "nki_travellers", 2020, None, 65.0, "at_least", None, 2)
    ]


def test_a_broken_target_file_names_each_rule(settings, deliver):
    path = deliver(
        "goal_targets",
        "malvarden_2020.csv",
        TARGET_HEADER
        + "061100;competence_plans_share;2020;;90;minst;\n"  # 2: fine
        + "069999;competence_plans_share;2020;;90;minst;\n"  # 3: unknown unit
        + "061100;no_such_indicator;2020;;90;minst;\n"  # 4: unknown indicator
        + "061100;sick_leave_rate;2020;;3;ungefär;\n"  # 5: bad comparison
        + "061100;sick_leave_rate;2020;202004;3;högst;-1\n"  # 6: negative tolerance
        + "061100;sick_leave_rate;2020;202104;3;högst;\n"  # 7: period outside År
        + "061100;sick_leave_rate;1999;;3;högst;\n"  # 8: year out of range
        + ";;;;;;\n"  # 9: every required value missing
        + "061100;competence_plans_share;2020;;95;at least;\n",  # 10: repeats line 2 in a later chunk
    )
    delivery = ingest_file(path, GoalTargetSource(), settings)
    assert delivery.status == "quarantined"
    assert raw_rows(settings, "goal_targets", "*") == []
    name = "malvarden_2020.csv"
    assert_reported(
        report(settings, "goal_targets"),
        f"{name}, line 3, column Enhet: Enhet is not a unit of the region's organisation extract  [value: 069999]",
        f"{name}, line 4, column Mätetal: Mätetal must be an indicator_id of seeds/indicators.csv "
        "or of the region's goal_indicators extract "
        "(deliver the region's own indicator there first, then this file again)  "
        "[value: no_such_indicator]",
        f"{name}, line 5, column Jämförelse: Jämförelse must be högst, minst, lägre än, högre än, ökning med % or "
        "lika med (or at most, at least, lower than, higher than, increase by %, equal to)  [value: ungefär]",
        f"{name}, line 6, column Tolerans: Tolerans is never negative  [value: -1]",
        f"{name}, line 7, column Period: Period must lie in År  [value: 2021-04]",
        f"{name}, line 8, column År: År must be a year 2000-2100  [value: 1999]",
        f"{name}, line 9, column Enhet: Enhet is required",
        f"{name}, line 9, column Mätetal: Mätetal is required",
        f"{name}, line 9, column År: År is required",
        f"{name}, line 9, column Målvärde: Målvärde is required",
        f"{name}, line 9, column Jämförelse: Jämförelse is required",
        f"{name}, line 10, column Enhet, Mätetal, År, Period: an Enhet, Mätetal, År and Period appear twice in the "
        "delivery  [value: 061100 competence_plans_share 2020 (whole year) (first on line 2)]",
    )
    assert "line 2," not in report(settings, "goal_targets")


def test_targets_before_the_organisation_is_delivered_are_rejected_saying_so(settings):
    path = write(settings, "goal_targets", "malvarden.csv", TARGET_HEADER + "061100;nki_travellers;2020;;65;minst;\n")
    delivery = ingest_file(path, GoalTargetSource(), settings)
    assert delivery.status == "quarantined"
    assert_reported(
        report(settings, "goal_targets"),
        "malvarden.csv, line 2, column Enhet: the region's organisation extract has not been delivered yet: deliver "
        "it first, then this file again  [value: 061100]",
    )


# --------------------------------------------------------------------------------------------------
# Goal structure
# --------------------------------------------------------------------------------------------------

STRUCTURE_COLUMNS = (
    "structure_year, perspective, goal, success_factor, indicator_id, unit_code, sort_order, comment, source_line"
)


def test_a_goal_structure_loads_per_year(settings, deliver):
    path = deliver(
        "goal_structure",
        "malstruktur_2020.csv",
        STRUCTURE_HEADER
        + "2020;Medarbetare;Attraktiv arbetsgivare;Kompetensförsörjning;competence_plans_share;061100;1;"
        + '"Andelen steg, men når inte målet; fortsatt arbete."\n'
        + "2020;Medarbetare;Attraktiv arbetsgivare;;sick_leave_rate;061100;2;\n"
        + "2020;;Nöjda resenärer;;nki_travellers;062100;;\n"
        + "2021;Medborgare och kund;Nöjda resenärer;Bra bemötande;nki_travellers;062100;0;\n",
    )
    delivery = ingest_file(path, GoalStructureSource(), settings)
    assert delivery.status == "loaded", delivery.reason
    assert delivery.periods == ("2020-12", "2021-12")
    assert raw_rows(settings, "goal_structure", STRUCTURE_COLUMNS) == [
        (
            2020,
            "Medarbetare",
            "Attraktiv arbetsgivare",
            "Kompetensförsörjning",
            "competence_plans_share",
            "061100",
            1,
            "Andelen steg, men når inte målet; fortsatt arbete.",
            2,
        ),
        (2020, "Medarbetare", "Attraktiv arbetsgivare", None, "sick_leave_rate", "061100", 2, None, 3),
        (2020, None, "Nöjda resenärer", None, "nki_travellers", "062100", None, None, 4),
        (2021, "Medborgare och kund", "Nöjda resenärer", "Bra bemötande", "nki_travellers", "062100", 0, None, 5),
    ]


def test_a_goal_structure_with_only_the_required_columns_loads(settings, deliver):
    path = deliver(
        "goal_structure", "malstruktur.csv", "År;Mål;Mätetal;Enhet\n2020;Nöjda resenärer;nki_travellers;062100\n"
    )
    delivery = ingest_file(path, GoalStructureSource(), settings)
    assert delivery.status == "loaded", delivery.reason
    assert raw_rows(settings, "goal_structure", STRUCTURE_COLUMNS) == [
        (2020, None, "Nöjda resenärer", None, "nki_travellers", "062100", None, None, 2)
    ]


def test_a_broken_goal_structure_names_each_rule(settings, deliver):
    path = deliver(
        "goal_structure",
        "malstruktur.csv",
        STRUCTURE_HEADER
        + "2020;Medarbetare;Attraktiv arbetsgivare;;competence_plans_share;061100;1;\n"  # 2: fine
        + "2020;Medarbetare;Attraktiv arbetsgivare;;competence_plans_share;069999;2;\n"  # 3: unknown unit
        + "2020;Medarbetare;Attraktiv arbetsgivare;;nki;061100;3;\n"  # 4: unknown indicator
        + "2020;Medarbetare;Attraktiv arbetsgivare;;sick_leave_rate;061100;-1;\n"  # 5: negative order
        + "2200;Medarbetare;Attraktiv arbetsgivare;;sick_leave_rate;061100;1;\n"  # 6: year out of range
        + ";Medarbetare;;;;;;\n"  # 7: required values missing
        + "2020;Ekonomi;Attraktiv arbetsgivare;;competence_plans_share;061100;9;\n",  # 8: repeats line 2
    )
    delivery = ingest_file(path, GoalStructureSource(), settings)
    assert delivery.status == "quarantined"
    assert raw_rows(settings, "goal_structure", "*") == []
    assert_reported(
        report(settings, "goal_structure"),
        "malstruktur.csv, line 3, column Enhet: Enhet is not a unit of the region's organisation extract  "
        "[value: 069999]",
        "malstruktur.csv, line 4, column Mätetal: Mätetal must be an indicator_id of seeds/indicators.csv "
        "or of the region's goal_indicators extract "
        "(deliver the region's own indicator there first, then this file again)  "
        "[value: nki]",
        "malstruktur.csv, line 5, column Ordning: Ordning is never negative  [value: -1]",
        "malstruktur.csv, line 6, column År: År must be a year 2000-2100  [value: 2200]",
        "malstruktur.csv, line 7, column År: År is required",
        "malstruktur.csv, line 7, column Mål: Mål is required",
        "malstruktur.csv, line 7, column Mätetal: Mätetal is required",
        "malstruktur.csv, line 7, column Enhet: Enhet is required",
        "malstruktur.csv, line 8, column År, Enhet, Mätetal, Mål: an År, Enhet, Mätetal and Mål appear twice in the "
        "delivery  [value: 2020 061100 competence_plans_share Attraktiv arbetsgivare (first on line 2)]",
    )


def test_a_goal_structure_before_the_organisation_is_rejected_saying_so(settings):
    path = write(
        settings, "goal_structure", "mal.csv", "År;Mål;Mätetal;Enhet\n2020;Nöjda resenärer;nki_travellers;062100\n"
    )
    assert ingest_file(path, GoalStructureSource(), settings).status == "quarantined"
    assert_reported(
        report(settings, "goal_structure"),
        "mal.csv, line 2, column Enhet: the region's organisation extract has not been delivered yet",
    )


# --------------------------------------------------------------------------------------------------
# Reported values
# --------------------------------------------------------------------------------------------------

VALUE_COLUMNS = "unit_code, indicator_id, period_month, window_name, value, gender, comment, source_line"


def test_reported_values_load_with_window_and_gender_defaults(settings, deliver):
    path = deliver(
        "goal_reported_values",
        "rapporterade_2020.csv",
        VALUE_HEADER
        + "061100;open_comparisons_indicators;202012;;71,7;;Öppna jämförelser 2020\n"
        + "061100;competence_plans_share;2020-12;år;54;k;\n"
        + "061100;competence_plans_share;202012;Year;50;M;\n"
        + "062100;nki_travellers;202008;tertial;60;;\n"
        + "062100;nki_travellers;202004;Ack;58;;\n"
        + "062100;fardtjanst_decision_days;202003;månad;12;T;\n"
        + "062100;fardtjanst_decision_days;202003;YTD;14;;\n",
    )
    delivery = ingest_file(path, GoalReportedValueSource(), settings)
    assert delivery.status == "loaded", delivery.reason
    assert delivery.periods == ("2020-03", "2020-04", "2020-08", "2020-12")
    december = dt.date(2020, 12, 1)
    assert raw_rows(settings, "goal_reported_values", VALUE_COLUMNS) == [
        ("061100", "open_comparisons_indicators", december, "year", 71.7, "T", "Öppna jämförelser 2020", 2),
        ("061100", "competence_plans_share", december, "year", 54.0, "K", None, 3),
        ("061100", "competence_plans_share", december, "year", 50.0, "M", None, 4),
        ("062100", "nki_travellers", dt.date(2020, 8, 1), "ytd", 60.0, "T", None, 5),
        ("062100", "nki_travellers", dt.date(2020, 4, 1), "ytd", 58.0, "T", None, 6),
        ("062100", "fardtjanst_decision_days", dt.date(2020, 3, 1), "month", 12.0, "T", None, 7),
        ("062100", "fardtjanst_decision_days", dt.date(2020, 3, 1), "ytd", 14.0, "T", None, 8),
    ]


def test_reported_values_with_only_the_required_columns_load(settings, deliver):
    path = deliver("goal_reported_values", "nki.csv", "Enhet;Mätetal;Period;Värde\n062100;nki_travellers;202012;60\n")
    delivery = ingest_file(path, GoalReportedValueSource(), settings)
    assert delivery.status == "loaded", delivery.reason
    assert raw_rows(settings, "goal_reported_values", VALUE_COLUMNS) == [
        ("062100", "nki_travellers", dt.date(2020, 12, 1), "year", 60.0, "T", None, 2)
    ]


def test_broken_reported_values_name_each_rule(settings, deliver):
    path = deliver(
        "goal_reported_values",
        "rapporterade.csv",
        VALUE_HEADER
        + "062100;nki_travellers;202012;;60;;\n"  # 2: fine
        + "069999;nki_travellers;202012;;60;;\n"  # 3: unknown unit
        + "062100;nki_resenarer;202012;;60;;\n"  # 4: unknown indicator
        + "061100;sick_leave_rate;202012;;3,4;;\n"  # 5: computed from the hr extracts
        + "061100;finance_budget_deviation;202012;;0;;\n"  # 6: computed from the finance extracts
        + "062100;nki_travellers;202008;;60;;\n"  # 7: a year window ending in August
        + "062100;nki_travellers;202008;vecka;60;;\n"  # 8: unknown window
        + "062100;nki_travellers;202008;ack;60;X;\n"  # 9: unknown gender
        + ";;;;;;\n"  # 10: every required value missing
        + "062100;nki_travellers;2020-12;År;61;t;\n",  # 11: repeats line 2 in a later chunk
    )
    delivery = ingest_file(path, GoalReportedValueSource(), settings)
    assert delivery.status == "quarantined"
    assert raw_rows(settings, "goal_reported_values", "*") == []
    name = "rapporterade.csv"
    assert_reported(
        report(settings, "goal_reported_values"),
        f"{name}, line 3, column Enhet: Enhet is not a unit of the region's organisation extract  [value: 069999]",
        f"{name}, line 4, column Mätetal: Mätetal must be an indicator_id of seeds/indicators.csv "
        "or of the region's goal_indicators extract "
        "(deliver the region's own indicator there first, then this file again)  "
        "[value: nki_resenarer]",
        f"{name}, line 5, column Mätetal: Mätetal sick_leave_rate is computed from the hr extracts: only indicators "
        "of domain goals are reported  [value: sick_leave_rate]",
        f"{name}, line 6, column Mätetal: Mätetal finance_budget_deviation is computed from the finance extracts: "
        "only indicators of domain goals are reported  [value: finance_budget_deviation]",
        f"{name}, line 7, column Fönster, Period: Fönster år (a whole year) needs a Period in December, the year's "
        "end  [value: 2020-08]",
        f"{name}, line 8, column Fönster: Fönster must be år, ack, månad, tertial or prognos (or year, ytd, month, "
        "forecast); empty = år  [value: vecka]",
        f"{name}, line 9, column Kön: Kön must be T (totalt), K (kvinnor) or M (män)  [value: X]",
        f"{name}, line 10, column Enhet: Enhet is required",
        f"{name}, line 10, column Mätetal: Mätetal is required",
        f"{name}, line 10, column Period: Period is required",
        f"{name}, line 10, column Värde: Värde is required",
        f"{name}, line 11, column Enhet, Mätetal, Period, Fönster, Kön: an Enhet, Mätetal, Period, Fönster and Kön "
        "appear twice in the delivery  [value: 062100 nki_travellers 2020-12 year T (first on line 2)]",
    )
    text = report(settings, "goal_reported_values")
    assert "line 2," not in text
    assert "line 8, column Fönster, Period" not in text  # an unknown window is not also a year window


def test_reported_values_before_the_organisation_are_rejected_saying_so(settings):
    path = write(
        settings, "goal_reported_values", "nki.csv", "Enhet;Mätetal;Period;Värde\n062100;nki_travellers;202012;60\n"
    )
    assert ingest_file(path, GoalReportedValueSource(), settings).status == "quarantined"
    assert_reported(
        report(settings, "goal_reported_values"),
        "nki.csv, line 2, column Enhet: the region's organisation extract has not been delivered yet",
    )


# --------------------------------------------------------------------------------------------------
# The documented examples
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("example", "source", "periods"),
    [
        ("goal_settings_example.csv", GoalSettingSource(), ()),
        ("goal_activities_example.csv", GoalActivitySource(), ("2020-08", "2020-12")),
        ("goal_indicators_example.csv", GoalIndicatorSource(), ()),
        ("goal_targets_example.csv", GoalTargetSource(), ("2020-08", "2020-12")),
        ("goal_structure_example.csv", GoalStructureSource(), ("2020-12",)),
        ("goal_reported_values_example.csv", GoalReportedValueSource(), ("2020-08", "2020-12")),
    ],
)
def test_each_documented_example_loads_cleanly_after_an_organisation(settings, deliver, example, source, periods):
    text = (EXAMPLES / example).read_text(encoding="utf-8")
    delivery = ingest_file(deliver(source.name, example, text), source, settings)
    assert delivery.status == "loaded", delivery.reason
    assert delivery.periods == periods
    assert delivery.rows == len(text.splitlines()) - 1
