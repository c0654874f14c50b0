"""The follow-up report (publish.report) and Swedish number formatting (publish.swedish), without a browser.

``build_marts`` writes a small published marts.duckdb by hand, small enough to read: Region
Jönköpings län's Regionledningskontor (061100) in 2019 and 2020 with six indicators (seed 002's five
and a ridership one), one of them not measurable and one partly met; five years of KPI values; a
suppressed sick-leave cell; and, optionally, a national benchmark. tests/test_report_browser.py opens
the same reports in Chromium.
"""

from __future__ import annotations

import os
import re
from contextlib import closing
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from publish.report import ReportError, period_kind, period_label, render_reports
from publish.report import render as report_module
from publish.swedish import (
    MINUS,
    NBSP,
    format_band,
    format_number,
    format_share,
    format_target,
    format_tolerance,
    format_value,
)

REGION, ORG, PERIOD = "0006", "061100", "2020-12"

FCT_COLUMNS = """
    region_id varchar, organisation_id varchar, organisation_name varchar, indicator_id varchar,
    indicator_name_sv varchar, domain varchar, unit varchar, target_year integer, period varchar,
    "window" varchar, perspective varchar, goal varchar, success_factor varchar, sort_order integer,
    comment varchar, outcome double, outcome_previous_year double, target_value double,
    comparison varchar, tolerance double, status varchar, status_sv varchar, decided_by varchar,
    ratio_to_target double
"""

STATUS_SV = {
    "met": "uppfyllt",
    "partly_met": "delvis uppfyllt",
    "not_met": "ej uppfyllt",
    "not_measurable": "ej mätbart",
}

# indicator, name, domain, unit, perspective, goal, success factor, sort, comparison, target, tolerance
GOALS = [
    ("open_comparisons_indicators", "Indikatorer i öppna jämförelser", "goals", "%", "Medborgare och kund",
     "Kunskapsbaserad och ändamålsenlig vård", "Effektiva och ändamålsenliga processer", 1, "at_least", 60, None),
    ("appraisal_talks_share", "Medarbetarsamtal", "goals", "%", "Medarbetare", "Attraktiv arbetsgivare",
     "Medarbetarskap och delaktighet", 2, "at_least", 90, None),
    ("sick_leave_rate", "Sjukfrånvaro (sjukfrånvarokvot)", "hr", "%", "Medarbetare", "Attraktiv arbetsgivare",
     "Hälsa, delaktighet och likabehandling", 3, "at_most", 3.1, None),
    ("competence_plans_share", "Kompetensutvecklingsplan", "goals", "%", "Medarbetare", "Attraktiv arbetsgivare",
     "Kompetensförsörjning", 4, "at_least", 90, None),
    ("finance_budget_deviation", "Budgetavvikelse", "finance", "SEK", "Ekonomi",
     "God hushållning av resurser", "Kostnadseffektiv verksamhet", 5, "at_least", 0, None),
    ("boardings_excl_school_cards", "Antal resor exkl. skolkort", "ridership", "count", "Medborgare och kund",
     "Attraktiv kollektivtrafik", None, 6, "increase_by_pct", 2, 1.0),
]  # fmt: skip

# indicator → year → (outcome, status, decided_by)
OUTCOMES = {
    "open_comparisons_indicators": {2019: (64.0, "met"), 2020: (71.7, "met")},
    "appraisal_talks_share": {2019: (91.0, "met"), 2020: (65.0, "not_met")},
    "sick_leave_rate": {2019: (3.0, "met"), 2020: (3.3, "not_met")},
    "competence_plans_share": {2019: (85.0, "not_met"), 2020: (None, "not_measurable")},
    "finance_budget_deviation": {2019: (12_345_678.0, "met"), 2020: (47_582_000.0, "met")},
    "boardings_excl_school_cards": {2019: (1.2, "partly_met"), 2020: (1.5, "partly_met")},
}
# 2020: met 2 (öppna jämförelser, ekonomi), partly 1 (resor), not met 2, measured 5, not measurable 1
# 2019: met 4, partly 1, not met 1, measured 6

SICK_LEAVE_2016_2020 = [2.8, 2.9, 3.1, 3.0, 3.3]
BUDGET_DEVIATION_2016_2020 = [-2_000_000.0, 5_000_000.0, 8_250_000.0, 12_345_678.0, 47_582_000.0]
BOARDINGS_CHANGE_2016_2020 = [3.0, 2.5, 0.4, 1.2, 1.5]
COMMENT_SICK_LEAVE = "Sjukfrånvaron har legat på en jämn nivå under året.\n\nDock en aning över målvärdet."

# gender, age band, (2020 value or None when suppressed, reason), 2019 value
SICK_LEAVE_CELLS = [
    ("T", "all", 3.3, None, 3.0),
    ("K", "all", 3.9, None, 3.4),
    ("M", "all", 2.1, None, 2.2),
    ("T", "-29", None, "primary: 10 or fewer employees", 1.9),
    ("T", "30-49", None, "secondary: protects a suppressed cell", 2.8),
    ("T", "50-", 4.4, None, 3.9),
]


def _fct_rows() -> list[tuple]:
    rows = []
    for indicator, name, domain, unit, perspective, goal, factor, sort, comparison, target, tolerance in GOALS:
        for year, (outcome, status) in OUTCOMES[indicator].items():
            previous = OUTCOMES[indicator].get(year - 1, (None, None))[0]
            if indicator == "finance_budget_deviation" and year == 2019:
                previous = BUDGET_DEVIATION_2016_2020[2]
            decided_by = "no outcome delivered" if outcome is None else f"{comparison}: {status}"
            rows.append(
                (
                    REGION, ORG, "Regionledningskontoret", indicator, name, domain, unit, year, f"{year}-12",
                    "year", perspective, goal, factor, sort,
                    COMMENT_SICK_LEAVE if indicator == "sick_leave_rate" and year == 2020 else None,
                    outcome, previous, target, comparison, tolerance, status, STATUS_SV[status], decided_by,
                    None if outcome is None or not target else outcome / target,
                )
            )  # fmt: skip
    # a second region, a tertial report of another organisation
    rows.append(
        (
            "0013", "R13", "Region Halland", "sick_leave_rate", "Sjukfrånvaro (sjukfrånvarokvot)", "hr", "%", 2021,
            "2021-04", "ytd", "Medarbetare", "Hållbar arbetsgivare", None, 1, None, 5.4, 5.9, 5.0, "lower_than",
            0.5, "partly_met", "delvis uppfyllt", "lower_than: within the tolerance band of 0.5", 1.08,
        )
    )  # fmt: skip
    return rows


def _kpi_rows() -> list[tuple]:
    rows = []

    def add(indicator, year, value, unit, gender="T", age="all", reason=None, org=ORG, region=REGION, month=12):
        window = "year" if month == 12 else "ytd"
        rows.append(
            (
                region, "Region Jönköpings län" if region == REGION else "Region Halland", org,
                "Regionledningskontoret" if org == ORG else "Region Halland", "administration", indicator,
                f"{year}-{month:02d}", window, gender, age, value, None, None, unit, reason is not None, reason,
                "total", "all", None,
            )
        )  # fmt: skip

    for year, value in zip(range(2016, 2021), SICK_LEAVE_2016_2020, strict=True):
        add("sick_leave_rate", year, value, "%")
    for year, value in zip(range(2016, 2021), BUDGET_DEVIATION_2016_2020, strict=True):
        add("finance_budget_deviation", year, value, "SEK")
    for year, value in zip(range(2016, 2021), BOARDINGS_CHANGE_2016_2020, strict=True):
        add("boardings_excl_school_cards_change_pct", year, value, "%")
    for gender, age, value_2020, reason, value_2019 in SICK_LEAVE_CELLS:
        if (gender, age) != ("T", "all"):
            add("sick_leave_rate", 2020, value_2020, "%", gender, age, reason)
            add("sick_leave_rate", 2019, value_2019, "%", gender, age)
        add("long_term_sick_leave_share", 2020, None if reason else 30.5, "%", gender, age, reason)
        add("long_term_sick_leave_share", 2019, 28.25, "%", gender, age)
    add("sick_leave_rate", 2021, 5.4, "%", org="R13", region="0013", month=4)
    # a finance breakdown row must not be mistaken for the node's total
    rows.append(
        (
            REGION, "Region Jönköpings län", ORG, "Regionledningskontoret", "administration",
            "finance_budget_deviation", "2020-12", "year", "T", "all", 999.0, None, None, "SEK", False, None,
            "account_group", "5", "Personalkostnader",
        )
    )  # fmt: skip
    return rows


def build_marts(path: Path, *, benchmark: bool = True, extra_columns: bool = False) -> Path:
    """A published marts.duckdb (schema main) with the tables the report reads."""
    with closing(duckdb.connect(str(path))) as con:
        con.execute(f"create table fct_goal_fulfilment ({FCT_COLUMNS})")
        con.executemany(f"insert into fct_goal_fulfilment values ({', '.join(['?'] * 24)})", _fct_rows())
        if extra_columns:  # the columns the lead is adding
            con.execute("alter table fct_goal_fulfilment add column direction varchar")
            con.execute("alter table fct_goal_fulfilment add column period_kind varchar")
            con.execute(
                "update fct_goal_fulfilment set period_kind = case right(period, 2) when '04' then 'tertial' "
                "when '08' then 'delår' else 'år' end, direction = case indicator_id "
                "when 'sick_leave_rate' then 'lower_is_better' else 'higher_is_better' end"
            )
        # the same aggregation as the dbt model goal_fulfilment_counts
        con.execute(
            """
            create table goal_fulfilment_counts as
            with grouped as (
                select region_id, organisation_id, organisation_name, period, '(alla)' as goal, status
                from fct_goal_fulfilment
                union all
                select region_id, organisation_id, organisation_name, period, goal, status
                from fct_goal_fulfilment where goal is not null
            ), counted as (
                select region_id, organisation_id, any_value(organisation_name) as organisation_name, period, goal,
                    count(*) filter (where status = 'met') as met,
                    count(*) filter (where status = 'partly_met') as partly_met,
                    count(*) filter (where status = 'not_met') as not_met,
                    count(*) filter (where status != 'not_measurable') as measured,
                    count(*) filter (where status = 'not_measurable') as not_measurable
                from grouped group by region_id, organisation_id, period, goal
            )
            select *, 100.0 * met / nullif(measured, 0) as met_share,
                100.0 * partly_met / nullif(measured, 0) as partly_met_share,
                100.0 * not_met / nullif(measured, 0) as not_met_share
            from counted
            """
        )
        con.execute(
            """
            create table kpi_indicator_values (
                region_id varchar, region_name varchar, organisation_id varchar, organisation_name varchar,
                organisation_level varchar, indicator_id varchar, period varchar, "window" varchar,
                gender varchar, age_band varchar, value double, numerator double, denominator double,
                unit varchar, is_suppressed boolean, suppression_reason varchar, breakdown varchar,
                breakdown_id varchar, breakdown_name varchar)
            """
        )
        con.executemany(f"insert into kpi_indicator_values values ({', '.join(['?'] * 19)})", _kpi_rows())
        con.execute("create table dim_region (region_id varchar, region_name varchar)")
        con.execute("insert into dim_region values ('0006', 'Region Jönköpings län'), ('0013', 'Region Halland')")
        con.execute(
            "create table dim_indicator (indicator_id varchar, name_sv varchar, unit varchar, direction varchar)"
        )
        con.execute(
            "insert into dim_indicator values "
            "('sick_leave_rate', 'Sjukfrånvaro (sjukfrånvarokvot)', '%', 'lower_is_better'), "
            "('appraisal_talks_share', 'Medarbetarsamtal', '%', 'higher_is_better')"
        )
        if benchmark:
            con.execute(
                """
                create table kpi_benchmark_values (
                    indicator_id varchar, age_band varchar, kolada_kpi_id varchar, municipality_id varchar,
                    municipality_name varchar, period_year integer, period varchar, gender varchar,
                    value double, count integer, is_national boolean, fetched_at timestamp)
                """
            )
            con.execute(
                """
                insert into kpi_benchmark_values values
                    ('sick_leave_rate', 'all', 'N60030', '0000', 'Riket', 2020, '2020-12', 'T', 6.8, 21, true, null),
                    ('sick_leave_rate', 'all', 'N60030', '0000', 'Riket', 2020, '2020-12', 'K', 8.1, 21, true, null),
                    -- an age band's KPI (N60027, 29 and younger) is not the indicator's national value
                    ('sick_leave_rate', '-29', 'N60027', '0000', 'Riket', 2020, '2020-12', 'T', 5.2, 21, true,
                     null),
                    ('sick_leave_rate', 'all', 'N60030', '0006', 'Region Jönköpings län', 2020, '2020-12', 'T',
                     7.7, 1, false, null)
                """
            )
    return path


@pytest.fixture
def marts_db(tmp_path) -> Path:
    return build_marts(tmp_path / "marts.duckdb")


@pytest.fixture
def reports(marts_db, tmp_path):
    return render_reports(
        marts_db, tmp_path / "report", run_id="manual__2021-02-24T10:00:00", published_at="2021-02-24T09:15:00+00:00"
    )


def _html(reports, region=REGION, org=ORG, period=PERIOD) -> str:
    return (reports.out_dir / region / org / f"{period}.html").read_text(encoding="utf-8")


def _text(html: str) -> str:
    """Visible text (tags removed, entities resolved), whitespace collapsed."""

    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.parts: list[str] = []
            self.skip = 0

        def handle_starttag(self, tag, attrs):
            self.skip += tag in {"style", "title"}

        def handle_endtag(self, tag):
            self.skip -= tag in {"style", "title"}

        def handle_data(self, data):
            if not self.skip:
                self.parts.append(data)

    parser = Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts).replace(NBSP, " "))


def _row(html: str, attribute: str) -> str:
    """The HTML of the first table row with ``attribute`` (e.g. 'data-indicator="sick_leave_rate"')."""
    match = re.search(rf"<tr[^>]*{re.escape(attribute)}[^>]*>(.*?)</tr>", html, re.S)
    assert match, f"no row with {attribute}"
    return match.group(1)


# Swedish formatting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (3.2999, "%", f"3,3{NBSP}%"),
        (71.7, "%", f"71,7{NBSP}%"),
        (-39.04, "%", f"{MINUS}39,0{NBSP}%"),
        (-0.04, "%", f"0,0{NBSP}%"),  # rounds to zero: no minus sign
        (47_582_000, "SEK", f"47{NBSP}582{NBSP}tkr"),
        (-134_010_400, "SEK", f"{MINUS}134,0{NBSP}mnkr"),
        (171_400_000, "SEK", f"171,4{NBSP}mnkr"),
        (99_999_000, "SEK", f"99{NBSP}999{NBSP}tkr"),
        (1_234_567_890, "SEK", f"1{NBSP}234,6{NBSP}mnkr"),
        (0, "SEK", f"0{NBSP}tkr"),
        (22_088_050, "count", f"22{NBSP}088{NBSP}050"),
        (26.864, "SEK per passenger-km", f"26,86{NBSP}kr/km"),
        (3.456, "boardings per 10 km", f"3,5{NBSP}per mil"),
        (36.6, "days", f"37{NBSP}dagar"),
        (1, "days", f"1{NBSP}dag"),
        (20_345_678, "km", f"20{NBSP}346{NBSP}tusen km"),
        (9_876, "km", f"9{NBSP}876{NBSP}km"),
        (410.25, "FTE", f"410,3{NBSP}årsarbetare"),
        (-1.25, "percentage points", f"{MINUS}1,3{NBSP}procentenheter"),
        (1, "percentage points", f"1,0{NBSP}procentenhet"),
        (None, "%", "–"),
        (float("nan"), "SEK", "–"),
    ],
)
def test_format_value(value, unit, expected):
    assert format_value(value, unit) == expected


@pytest.mark.parametrize(
    ("value", "decimals", "trim", "expected"),
    [
        (1234567.891, 1, False, f"1{NBSP}234{NBSP}567,9"),
        (-1234.5, 0, False, f"{MINUS}1{NBSP}235"),  # half away from zero, as Excel
        (3.25, 1, False, "3,3"),
        (90.0, 1, True, "90"),
        (3.1, 1, True, "3,1"),
        (0.0, 2, False, "0,00"),
    ],
)
def test_format_number(value, decimals, trim, expected):
    assert format_number(value, decimals, trim=trim) == expected


@pytest.mark.parametrize(
    ("value", "unit", "comparison", "expected"),
    [
        (3.1, "%", "at_most", f"högst 3,1{NBSP}%"),
        (90, "%", "at_least", f"minst 90{NBSP}%"),
        (2, "count", "increase_by_pct", f"ökning med 2{NBSP}%"),
        (0, "SEK", "at_least", f"minst 0{NBSP}tkr"),
        (5, "%", "lower_than", f"lägre än 5{NBSP}%"),
        (75, "%", "higher_than", f"högre än 75{NBSP}%"),
        (14, "days", "equal_to", f"lika med 14{NBSP}dagar"),
        (None, "%", "at_most", "–"),
    ],
)
def test_format_target(value, unit, comparison, expected):
    assert format_target(value, unit, comparison) == expected


def test_format_share_is_whole_percent():
    assert format_share(40.0) == f"40{NBSP}%"
    assert format_share(200 / 3) == f"67{NBSP}%"
    assert format_share(None) == "–"


@pytest.mark.parametrize(
    ("period", "kind", "label"),
    [
        ("2020-04", "tertial", "Tertial 1 2020"),
        ("2020-08", "delår", "Delårsrapport augusti 2020"),
        ("2020-12", "år", "Årsredovisning 2020"),
        ("2020-06", "månad", "Månadsuppföljning juni 2020"),
    ],
)
def test_period_label(period, kind, label):
    assert period_kind(period) == kind
    assert period_label(period) == label


# The report ---------------------------------------------------------------------------------------


def test_one_report_per_region_organisation_period_and_an_index(reports):
    out = reports.out_dir
    assert sorted(p.relative_to(out).as_posix() for p in reports) == [
        "0006/061100/2019-12.html",
        "0006/061100/2020-12.html",
        "0013/R13/2021-04.html",
    ]
    assert all(path.is_file() for path in reports)
    index = reports.index.read_text(encoding="utf-8")
    for href in ("0006/061100/2020-12.html", "0006/061100/2019-12.html", "0013/R13/2021-04.html"):
        assert f'href="{href}"' in index
    text = _text(index)
    assert "Region Jönköpings län" in text and "Region Halland" in text
    assert text.index("Region Jönköpings län") < text.index("Region Halland")
    assert "Årsredovisning 2020" in text and "Tertial 1 2021" in text
    # newest period first within an organisation
    assert index.index("2020-12.html") < index.index("2019-12.html")


def test_report_is_swedish_utf8_and_self_contained(reports):
    for path in [*reports, reports.index]:
        html = path.read_text(encoding="utf-8")
        assert html.startswith("<!DOCTYPE html>")
        assert '<html lang="sv">' in html
        assert '<meta charset="utf-8">' in html
        assert not re.search(r"https?://", html), f"{path} refers to the web"
        assert not re.search(r"<(script|link|img|iframe|object|embed)\b", html), f"{path} loads something"
        assert "url(" not in html and "@import" not in html


def test_title_and_footer(reports):
    html = _html(reports)
    assert "<title>Årsredovisning 2020 – Regionledningskontoret, Region Jönköpings län</title>" in html
    text = _text(html)
    assert "Årsredovisning 2020" in text
    assert "januari–december 2020" in text
    assert "Publicerad körning: manual__2021-02-24T10:00:00" in text
    assert "Publicerad: 2021-02-24 10:15 (svensk tid)" in text
    assert "Tertial 1 2021" in _text(_html(reports, "0013", "R13", "2021-04"))


def _counts(html: str) -> dict[str, list[str]]:
    result = {}
    for key in ("met", "partly_met", "not_met", "measured", "not_measurable"):
        cells = re.findall(r'<td class="num[^"]*" data-part="\w+">([^<]*)</td>', _row(html, f'data-count="{key}"'))
        result[key] = [cell.replace(NBSP, " ") for cell in cells]
    return result


def test_counts_table_this_period_and_last_year(reports):
    html = _html(reports)
    counts = _counts(html)
    # Antal, Andel 2020-12-31, then Antal, Andel 2019-12-31
    assert counts["met"] == ["2", "40 %", "4", "67 %"]
    assert counts["partly_met"] == ["1", "20 %", "1", "17 %"]
    assert counts["not_met"] == ["2", "40 %", "1", "17 %"]
    assert counts["measured"] == ["5", "100 %", "6", "100 %"]
    assert counts["not_measurable"][0] == "1"
    text = _text(html)
    for label in (
        "Antal mätetal som är uppfyllda",
        "Antal mätetal som är delvis uppfyllda",
        "Antal mätetal som inte är uppfyllda",
        "Antal mätetal som mäts",
    ):
        assert label in text
    assert "2020-12-31" in text and "2019-12-31" in text


def test_counts_without_a_previous_year_show_dashes(reports):
    counts = _counts(_html(reports, period="2019-12"))
    assert counts["met"][:2] == ["4", "67 %"]
    assert counts["met"][2:] == ["–", "–"]


def test_goal_hierarchy_in_sort_order(reports):
    html = _html(reports)
    perspectives = re.findall(r'<h2><span class="label">Perspektiv:</span> ([^<]+)</h2>', html)
    assert perspectives == ["Medborgare och kund", "Medarbetare", "Ekonomi"]
    goals = re.findall(r'<h3><span class="label">Strategiskt mål:</span> ([^<]+)</h3>', html)
    assert goals == [
        "Kunskapsbaserad och ändamålsenlig vård",
        "Attraktiv kollektivtrafik",
        "Attraktiv arbetsgivare",
        "God hushållning av resurser",
    ]
    factors = re.findall(r'<h4><span class="label">Framgångsfaktor:</span> ([^<]+)</h4>', html)
    assert factors == [
        "Effektiva och ändamålsenliga processer",
        "Medarbetarskap och delaktighet",
        "Hälsa, delaktighet och likabehandling",
        "Kompetensförsörjning",
        "Kostnadseffektiv verksamhet",
    ]
    indicators = re.findall(r'<tr class="indicator" data-indicator="([^"]+)">', html)
    assert indicators == [
        "open_comparisons_indicators",
        "boardings_excl_school_cards",
        "appraisal_talks_share",
        "sick_leave_rate",
        "competence_plans_share",
        "finance_budget_deviation",
    ]


def test_indicator_rows_target_outcome_status_previous(reports):
    html = _html(reports)
    sick = _text(_row(html, 'data-indicator="sick_leave_rate"'))
    assert "Sjukfrånvaro (sjukfrånvarokvot)" in sick
    assert "högst 3,1 %" in sick
    assert "3,3 %" in sick  # utfall
    assert "✘ Ej uppfyllt" in sick
    assert "3,0 %" in sick  # föregående år
    assert "Lägre är bättre" in sick
    finance = _text(_row(html, 'data-indicator="finance_budget_deviation"'))
    assert "minst 0 tkr" in finance and "47 582 tkr" in finance and "12 346 tkr" in finance
    assert "✔ Uppfyllt" in finance
    boardings = _text(_row(html, 'data-indicator="boardings_excl_school_cards"'))
    assert "ökning med 2 %" in boardings and "1,5 %" in boardings and "1,2 %" in boardings
    assert "◐ Delvis uppfyllt" in boardings
    assert "tolerans 1 procentenhet: delvis uppfyllt från en ökning med 1 %" in boardings
    appraisal = _text(_row(html, 'data-indicator="appraisal_talks_share"'))
    assert "minst 90 %" in appraisal and "65,0 %" in appraisal and "91,0 %" in appraisal
    assert "Sjukfrånvaron har legat på en jämn nivå under året." in _text(html)
    assert "<p>Dock en aning över målvärdet.</p>" in html


@pytest.mark.parametrize(
    ("target", "tolerance", "pct", "unit", "comparison", "decimals", "expected"),
    [
        (4.65, 0.465, 10, "index", "at_least", 2, "tolerans 10 % av målvärdet: delvis uppfyllt från och med 4,185"),
        (3.1, 0.46, None, "%", "at_most", None, "tolerans 0,46 procentenheter: delvis uppfyllt till och med 3,56 %"),
        (18, 1, None, "days", "lower_than", None, "tolerans 1 dag: delvis uppfyllt under 19 dagar"),
        (60, 5, None, "%", "higher_than", None, "tolerans 5 procentenheter: delvis uppfyllt över 55 %"),
        (36, 2, None, "count", "equal_to", None, "tolerans 2: delvis uppfyllt 34–38"),
        (150, 15, 10, "kWh/m²", "at_most", None, "tolerans 10 % av målvärdet: delvis uppfyllt till och med 165 kWh/m²"),
        (3.1, None, None, "%", "at_most", None, None),
    ],
)
def test_the_band_is_stated_on_the_side_the_comparison_puts_it(
    target, tolerance, pct, unit, comparison, decimals, expected
):
    text = format_band(target, tolerance, unit, comparison, tolerance_pct=pct, decimals=decimals)
    assert (text.replace(NBSP, " ") if text else text) == expected


def test_targets_and_bands_are_printed_as_decided_never_rounded_to_the_units_decimals():
    assert format_target(4.65, "count", "at_least").replace(NBSP, " ") == "minst 4,65"
    assert format_target(4.65, "index", "at_least", decimals=1).replace(NBSP, " ") == "minst 4,65"
    assert format_value(4.634, "index", decimals=2) == "4,63", "an outcome keeps the indicator's decimals"
    assert format_tolerance(0.46, "%").replace(NBSP, " ") == "0,46 procentenheter"


def test_not_measurable_has_text_and_reason(reports):
    row = _text(_row(_html(reports), 'data-indicator="competence_plans_share"'))
    assert "– Ej mätbart" in row
    assert "Inget utfall har levererats." in row


def test_every_status_badge_carries_symbol_and_text(reports):
    html = _html(reports)
    badges = re.findall(
        r'<span class="badge ([\w-]+)" data-status="(\w+)"><span class="symbol" aria-hidden="true">(.)</span>'
        r'<span class="text">([^<]+)</span></span>',
        html,
    )
    assert len(badges) == 4 + 6  # legend + one per indicator
    expected = {
        "met": ("met", "✔", "Uppfyllt"),
        "partly_met": ("partly", "◐", "Delvis uppfyllt"),
        "not_met": ("not-met", "✘", "Ej uppfyllt"),
        "not_measurable": ("none", "–", "Ej mätbart"),
    }
    for css, code, symbol, text in badges:
        assert expected[code] == (css, symbol, text)
    assert html.count('class="badge') == len(badges)


def test_trend_chart_is_inline_svg_with_title_and_target(reports):
    row = _row(_html(reports), 'data-indicator="sick_leave_rate"')
    assert "<svg" in row and 'role="img"' in row
    title = re.search(r"<title[^>]*>([^<]+)</title>", row).group(1).replace(NBSP, " ")
    assert title == (
        "Utfall 2016–2020: 2016: 2,8 %, 2017: 2,9 %, 2018: 3,1 %, 2019: 3,0 %, 2020: 3,3 %. Målvärde högst 3,1 %."
    )
    assert row.count("<circle") == 5
    assert 'class="target"' in row
    # a reported indicator not in the KPI table: its trend comes from the goal rows (2018–2020)
    appraisal = _row(_html(reports), 'data-indicator="appraisal_talks_share"')
    assert appraisal.count("<circle") == 2
    # the change in % of an "increase by" target
    boardings = _row(_html(reports), 'data-indicator="boardings_excl_school_cards"')
    assert "2020: 1,5 %" in boardings.replace(NBSP, " ")


def test_benchmark_is_riket_gender_total_when_loaded(reports):
    html = _html(reports)
    assert ">Riket</th>" in html
    sick = _row(html, 'data-indicator="sick_leave_rate"')
    assert re.search(r'<td class="num benchmark">6,8\xa0%</td>', sick)
    assert "8,1" not in sick and "7,7" not in sick  # women's figure, the region's own Kolada value
    assert '<td class="num benchmark">–</td>' in _row(html, 'data-indicator="appraisal_talks_share"')


def test_a_tertial_report_compares_with_the_last_full_year_of_riket(tmp_path):
    """Kolada's values are whole years: beside January-April 2020 stands Riket 2019, labelled with its
    year, never the whole of 2020."""
    marts = build_marts(tmp_path / "marts.duckdb")
    with closing(duckdb.connect(str(marts))) as con:
        con.execute(
            "insert into fct_goal_fulfilment select * replace ('2020-04' as period, 'ytd' as \"window\") "
            "from fct_goal_fulfilment where period = '2020-12'"
        )
        con.execute(
            "insert into kpi_benchmark_values "
            "select * replace (2019 as period_year, '2019-12' as period, 6.1 as value) from kpi_benchmark_values "
            "where kolada_kpi_id = 'N60030' and municipality_id = '0000' and gender = 'T'"
        )
    reports = render_reports(marts, tmp_path / "report")
    sick = _row(_html(reports, period="2020-04"), 'data-indicator="sick_leave_rate"')
    assert re.search(r'<td class="num benchmark">6,1\xa0% \(2019\)</td>', sick)
    assert "6,8" not in sick
    assert re.search(
        r'<td class="num benchmark">6,8\xa0%</td>',
        _row(_html(reports, period="2020-12"), 'data-indicator="sick_leave_rate"'),
    )


def test_no_benchmark_column_without_benchmark_table(tmp_path):
    marts = build_marts(tmp_path / "marts.duckdb", benchmark=False)
    html = _html(render_reports(marts, tmp_path / "report"))
    assert "Riket" not in html
    assert 'class="num benchmark"' not in html


def test_sick_leave_by_gender_and_age_with_suppressed_cells(reports):
    html = _html(reports)
    match = re.search(r'<table class="sick-leave" id="sick-leave">(.*?)</table>', html, re.S)
    table = match.group(1)
    text = _text(table)
    for label in ("Totalt", "Kvinnor", "Män", "29 år och yngre", "30–49 år", "50 år och äldre"):
        assert label in text
    assert "3,3 % 3,0 % 30,5 % 28,3 %" in text  # Totalt: 2020, 2019, long-term 2020, 2019
    assert "Kvinnor 3,9 % 3,4 %" in text
    rows = re.findall(r"<tr>\s*<th scope=\"row\">([^<]+)</th>(.*?)</tr>", table, re.S)
    by_label = {label: cells for label, cells in rows}
    suppressed = re.findall(r'<td class="num[^"]*" data-suppressed="true">([^<]*)<sup>', by_label["29 år och yngre"])
    assert suppressed == ["–", "–"]  # sick leave and long-term share 2020, never 0
    assert "0,0" not in by_label["29 år och yngre"]
    notes = re.findall(r'<li id="note-(\d)" value="\d">([^<]+)</li>', html)
    assert notes == [
        ("1", "Dold: gruppen har färre än 11 anställda (röjandeskydd)."),
        ("2", "Dold för att en annan dold uppgift inte ska kunna räknas fram ur totalen (sekundärt röjandeskydd)."),
    ]
    assert 'href="#note-1"' in by_label["29 år och yngre"] and 'href="#note-2"' in by_label["30–49 år"]


def test_breakdown_rows_are_not_taken_for_the_total(reports):
    title = re.search(r"<title[^>]*>([^<]+)</title>", _row(_html(reports), 'data-indicator="finance_budget_deviation"'))
    assert "999" not in title.group(1) and "47\xa0582\xa0tkr" in title.group(1)


def test_new_columns_period_kind_and_direction_are_used(tmp_path):
    marts = build_marts(tmp_path / "marts.duckdb", extra_columns=True)
    reports = render_reports(marts, tmp_path / "report")
    html = _html(reports)
    assert "Årsredovisning 2020" in html
    assert "Högre är bättre" in _text(_row(html, 'data-indicator="finance_budget_deviation"'))


def test_footer_defaults_to_the_snapshot_manifest(tmp_path):
    snapshot = tmp_path / "run-7"
    snapshot.mkdir()
    marts = build_marts(snapshot / "marts.duckdb")
    (snapshot / "manifest.json").write_text('{"run_id": "run-7", "published_at": "2021-06-01T12:00:00+00:00"}')
    text = _text(_html(render_reports(marts, tmp_path / "report")))
    assert "Publicerad körning: run-7" in text and "2021-06-01 14:00" in text


def test_footer_through_current_names_the_snapshot_the_data_came_from(tmp_path, monkeypatch):
    """`current/marts.duckdb` is resolved once: a publish during rendering cannot lend its run id."""
    for run in ("run-7", "run-8"):
        (tmp_path / run).mkdir()
        build_marts(tmp_path / run / "marts.duckdb")
        (tmp_path / run / "manifest.json").write_text(f'{{"run_id": "{run}", "published_at": null}}')
    os.symlink("run-7", tmp_path / "current")
    load = report_module.read_marts

    def load_then_publish(marts):  # run-8 becomes current once the data has been read
        data = load(marts)
        os.symlink("run-8", tmp_path / ".current.tmp")
        os.replace(tmp_path / ".current.tmp", tmp_path / "current")
        return data

    monkeypatch.setattr(report_module, "read_marts", load_then_publish)
    text = _text(_html(render_reports(tmp_path / "current" / "marts.duckdb", tmp_path / "report")))
    assert "Publicerad körning: run-7" in text


# Atomic replacement -------------------------------------------------------------------------------


def test_rerender_replaces_the_whole_directory(marts_db, tmp_path):
    out = tmp_path / "report"
    render_reports(marts_db, out)
    stale = out / "0006" / "999999" / "2018-12.html"
    stale.parent.mkdir(parents=True)
    stale.write_text("old")
    inode = out.stat().st_ino
    render_reports(marts_db, out)
    assert not stale.exists()
    assert out.stat().st_ino != inode  # a new directory was moved in, not the old one edited
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_failure_leaves_the_previous_report_set(marts_db, tmp_path, monkeypatch):
    out = tmp_path / "report"
    first = render_reports(marts_db, out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    calls = []

    def failing_write(path, text):
        calls.append(path)
        if len(calls) == 2:
            raise OSError("disk full")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    monkeypatch.setattr(report_module, "_write", failing_write)
    with pytest.raises(OSError, match="disk full"):
        render_reports(marts_db, out, run_id="another-run")
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert first.index.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_fallback_swap_without_renameat2(marts_db, tmp_path, monkeypatch):
    out = tmp_path / "report"
    render_reports(marts_db, out)
    monkeypatch.setattr(report_module, "_exchange", lambda a, b: False)
    render_reports(marts_db, out, run_id="second")
    assert "second" in (out / "index.html").read_text(encoding="utf-8")
    assert sorted(os.listdir(tmp_path)) == ["marts.duckdb", "report"]


def test_marts_without_goal_fulfilment_is_refused(tmp_path):
    empty = tmp_path / "empty.duckdb"
    with closing(duckdb.connect(str(empty))) as con:
        con.execute("create table something (x integer)")
    with pytest.raises(ReportError, match="fct_goal_fulfilment"):
        render_reports(empty, tmp_path / "report")
    with pytest.raises(ReportError, match="no marts database"):
        render_reports(tmp_path / "missing.duckdb", tmp_path / "report")
    assert not (tmp_path / "report").exists()


def test_yes_no_and_qualitative_indicators_read_as_the_regions_print_them(tmp_path):
    """A ja/nej indicator shows ● Ja / ■ Nej and no band or chart; a qualitative one says its status was
    reported by the unit, not computed, with the unit's comment; a region's own indicator prints with
    its own decimals."""
    marts_db = build_marts(tmp_path / "marts.duckdb")
    with duckdb.connect(str(marts_db)) as con:
        for column, kind in (
            ("indicator_kind", "varchar"),
            ("status_source", "varchar"),
            ("reported_comment", "varchar"),
            ("decimals", "integer"),
            ("tolerance_pct", "double"),
        ):
            con.execute(f"alter table fct_goal_fulfilment add column {column} {kind}")
        con.execute("update fct_goal_fulfilment set indicator_kind = 'numeric', status_source = 'computed'")
        base = f"'{REGION}', '{ORG}', 'Regionledningskontoret', "
        con.execute(
            f"""insert into fct_goal_fulfilment (region_id, organisation_id, organisation_name, indicator_id,
                    indicator_name_sv, domain, unit, target_year, period, "window", perspective, goal, sort_order,
                    outcome, outcome_previous_year, target_value, comparison, tolerance, status, status_sv,
                    decided_by, indicator_kind, status_source, reported_comment, decimals, tolerance_pct)
                values
                ({base} 'plan_adopted', 'Klimatplan antagen', 'goals', 'count', 2020, '{PERIOD}', 'year',
                 'Hållbarhet', 'Minskad klimatpåverkan', 90, 0, 1, 1, 'equal_to', null, 'not_met',
                 'ej uppfyllt', 'equal_to: not met', 'yes_no', 'computed', 'Beslutas i februari', 0, null),
                ({base} 'dialogue', 'Dialog med resenärer', 'goals', 'count', 2020, '{PERIOD}', 'year',
                 'Hållbarhet', 'Minskad klimatpåverkan', 91, null, null, null, null, null, 'partly_met',
                 'delvis uppfyllt', 'reported by the unit', 'qualitative', 'reported', 'Två av fyra möten', 0,
                 null),
                ({base} 'staff_index', 'Medarbetarindex', 'goals', 'index', 2020, '{PERIOD}', 'year',
                 'Hållbarhet', 'Minskad klimatpåverkan', 92, 4.634, null, 4.65, 'at_least', 0.465, 'partly_met',
                 'delvis uppfyllt', 'at_least: within', 'numeric', 'computed', null, 2, 10)"""
        )
    html = _html(render_reports(marts_db, tmp_path / "report"))
    plan = _text(_row(html, 'data-indicator="plan_adopted"'))
    assert "● Ja" in plan and "■ Nej" in plan and "✘ Ej uppfyllt" in plan
    assert "tolerans" not in plan and "<svg" not in _row(html, 'data-indicator="plan_adopted"')
    dialogue = _text(_row(html, 'data-indicator="dialogue"'))
    assert "◐ Delvis uppfyllt" in dialogue and "Kvalitativt" in dialogue
    assert "Status rapporterad av enheten (kvalitativt mätetal), inte beräknad." in dialogue
    assert "Två av fyra möten" in _text(html) and "Beslutas i februari" in _text(html)
    staff = _text(_row(html, 'data-indicator="staff_index"'))
    assert "minst 4,65" in staff and "4,63" in staff and "4,6 " not in staff + " "
    assert "tolerans 10 % av målvärdet: delvis uppfyllt från och med 4,185" in staff


def test_the_regions_own_levels_head_the_structure_and_every_node_shows_its_status(tmp_path):
    marts_db = build_marts(tmp_path / "marts.duckdb")
    with duckdb.connect(str(marts_db)) as con:
        for n in range(1, 6):
            con.execute(f"alter table fct_goal_fulfilment add column level_{n} varchar")
        con.execute(
            "update fct_goal_fulfilment set level_1 = 'Hållbar region', level_2 = perspective, level_3 = goal, "
            "level_4 = success_factor"
        )
        con.execute(
            "create table dim_goal_level as select * from (values ('0006', 1, 'Strategi'), "
            "('0006', 2, 'Strategiskt område'), ('0006', 3, 'Mål'), ('0006', 4, 'Delmål'), ('0006', 5, 'Nivå 5')) "
            "as t (region_id, level, level_name)"
        )
        con.execute(
            "create table fct_goal_status as select * from (values "
            f"('{REGION}', '{ORG}', '{PERIOD}', 1, 'Hållbar region', 'Hållbar region', 2, 1, 2, 5, 'partly_met'), "
            f"('{REGION}', '{ORG}', '{PERIOD}', 2, 'Ekonomi', 'Hållbar region › Ekonomi', 1, 0, 0, 1, 'met')) "
            "as t (region_id, organisation_id, period, level, node_name, node_path, met, partly_met, not_met, "
            "measured, status)"
        )
    html = _html(render_reports(marts_db, tmp_path / "report"))
    assert re.findall(r'<h2><span class="label">Strategi:</span> ([^<]+)</h2>', html) == ["Hållbar region"]
    areas = re.findall(r'<h3><span class="label">Strategiskt område:</span> ([^<]+)</h3>', html)
    assert areas == ["Medborgare och kund", "Medarbetare", "Ekonomi"]
    assert '<h4><span class="label">Mål:</span> God hushållning av resurser</h4>' in html
    assert '<h5><span class="label">Delmål:</span> Kostnadseffektiv verksamhet</h5>' in html
    assert "Framgångsfaktor:" not in html and "Perspektiv:" not in html
    statuses = re.findall(r'<p class="goal-status" data-level="(\d)">.*?data-status="([a-z_]+)"', html)
    assert statuses == [("1", "partly_met"), ("2", "met")]
    assert "Uppfyllda: 2 av 5 som mäts · delvis uppfyllda: 1" in _text(html)


def test_activities_are_shown_under_their_goal_with_status_and_comment(tmp_path):
    marts_db = build_marts(tmp_path / "marts.duckdb")
    with duckdb.connect(str(marts_db)) as con:
        con.execute(
            "create table fct_goal_activities as select * from (values "
            f"('{REGION}', '{ORG}', '{PERIOD}', 'Attraktiv arbetsgivare', 'Chefsutbildning', 'För nya chefer', "
            "date '2020-02-01', date '2020-11-30', 'done', 'Alla kurstillfällen hållna', 2, 'Medarbetare', "
            "'Attraktiv arbetsgivare', null, null, null), "
            f"('{REGION}', '{ORG}', '{PERIOD}', 'Okänt mål', 'Städdag', null, null, null, 'paused', null, null, "
            "null, null, null, null, null)) as t (region_id, organisation_id, period, goal, activity, description, "
            "start_date, end_date, activity_status, comment, goal_level, level_1, level_2, level_3, level_4, level_5)"
        )
    html = _html(render_reports(marts_db, tmp_path / "report"))
    goal_at = html.index('<h3><span class="label">Strategiskt mål:</span> Attraktiv arbetsgivare</h3>')
    next_goal = html.index("<h3>", goal_at + 10)
    section = html[goal_at:next_goal]
    assert 'data-activity="Chefsutbildning"' in section
    activity = _text(_row(html, 'data-activity="Chefsutbildning"'))
    assert "✔ Genomförd" in activity and "2020-02-01–2020-11-30" in activity and "Alla kurstillfällen" in activity
    outside = html.index('<h2><span class="label">Aktiviteter:</span> Aktiviteter utanför målstrukturen</h2>')
    assert 'data-activity="Städdag"' in html[outside:] and "‖ Pausad" in _text(html[outside:])


def test_a_status_judged_on_the_full_year_forecast_says_so(tmp_path):
    marts_db = build_marts(tmp_path / "marts.duckdb")
    with duckdb.connect(str(marts_db)) as con:
        con.execute("alter table fct_goal_fulfilment add column forecast double")
        con.execute("alter table fct_goal_fulfilment add column status_basis varchar")
        con.execute(
            "update fct_goal_fulfilment set forecast = 3.6, status_basis = 'forecast', status = 'not_met' "
            "where indicator_id = 'sick_leave_rate'"
        )
    html = _html(render_reports(marts_db, tmp_path / "report"))
    sick = _text(_row(html, 'data-indicator="sick_leave_rate"'))
    assert "prognos helår 3,6 %; status bedömd på prognosen" in sick
