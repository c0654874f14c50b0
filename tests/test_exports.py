"""PDF and Excel exports of the follow-up report (publish.pdf, publish.excel).

The reports of the hand-built marts of tests/test_report.py are printed with one headless Chromium
(the same browser the browser tests need; without it the PDF tests fail, they do not skip) and read
back with poppler's ``pdftotext`` and ``pdfinfo``; the workbooks are read back with openpyxl and
compared with the marts themselves.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
from contextlib import closing
from pathlib import Path

import duckdb
import openpyxl
import pytest

from publish import pdf as pdf_module
from publish.excel import COUNTS, GOALS, KPI, number_format, write_workbooks
from publish.pdf import PdfError, print_pdfs
from publish.report import render_reports
from tests.test_report import ORG, PERIOD, REGION, _row, build_marts

TITLE = "Årsredovisning 2020 – Regionledningskontoret, Region Jönköpings län"
FIGURES = (("Målvärde", "target_value"), ("Utfall", "outcome"), ("Föregående år", "outcome_previous_year"))
COUNT_KEYS = ("met", "partly_met", "not_met", "measured", "not_measurable")


def _poppler(tool: str, *args: str | Path) -> str:
    if shutil.which(tool) is None:
        pytest.fail(
            f"{tool} not found: the PDF tests read the PDFs with poppler-utils, which `make test` installs "
            "(or `apt-get install -y --no-install-recommends poppler-utils`)",
            pytrace=False,
        )
    return subprocess.run([tool, *map(str, args)], capture_output=True, text=True, check=True).stdout


def _pdf_text(path: Path) -> str:
    """The PDF's text in reading order per line, whitespace (also no-break spaces) collapsed."""
    return re.sub(r"\s+", " ", _poppler("pdftotext", "-layout", path, "-").replace("\xa0", " "))


def _snapshot(directory: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in sorted(directory.rglob("*.html"))}


def _render(tmp: Path):
    return render_reports(
        build_marts(tmp / "marts.duckdb"), tmp / "report", run_id="export-test", published_at="2021-02-24T09:15:00Z"
    )


@pytest.fixture(scope="module")
def report_set(tmp_path_factory):
    reports = _render(tmp_path_factory.mktemp("exports"))
    reports.html = _snapshot(reports.out_dir)
    return reports


@pytest.fixture(scope="module")
def pdfs(report_set):
    try:
        return print_pdfs(report_set)
    except PdfError as error:  # fail, never skip: a PDF test that silently never runs proves nothing
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="module")
def workbooks(report_set):
    return write_workbooks(report_set.out_dir.parent / "marts.duckdb", report_set)


def _marts_rows(report_set, sql: str, parameters=()) -> list[dict]:
    with closing(duckdb.connect(str(report_set.out_dir.parent / "marts.duckdb"), read_only=True)) as con:
        cursor = con.execute(sql, list(parameters))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# PDF ----------------------------------------------------------------------------------------------


@pytest.mark.browser
def test_one_pdf_beside_each_report_and_the_html_untouched(report_set, pdfs, workbooks):
    assert pdfs == [path.with_suffix(".pdf") for path in report_set]
    for path in pdfs:
        assert path.read_bytes()[:5] == b"%PDF-"
    assert _snapshot(report_set.out_dir) == report_set.html
    assert [p for p in report_set.out_dir.rglob(".*")] == []  # no temporary files left


@pytest.mark.browser
def test_pdf_is_a4_with_the_report_title(report_set, pdfs):
    info = _poppler("pdfinfo", pdfs[1])
    assert re.search(r"^Pages:\s+[1-9]\d*$", info, re.M)
    # A4 in the report's print styles' orientation (@page { size: A4 landscape }), 842 × 595 pt
    size = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts \(A4\)", info, re.M)
    assert size, info
    assert float(size.group(1)) == pytest.approx(841.9, abs=1) and float(size.group(2)) == pytest.approx(595, abs=1)
    assert re.search(rf"^Title:\s+{re.escape(TITLE)}$", info, re.M)


@pytest.mark.browser
def test_pdf_text_shows_what_the_html_shows(report_set, pdfs):
    path = report_set.out_dir / REGION / ORG / f"{PERIOD}.pdf"
    text = _pdf_text(path)
    pages = int(re.search(r"^Pages:\s+(\d+)$", _poppler("pdfinfo", path), re.M).group(1))
    assert "Regionledningskontoret" in text and "Årsredovisning 2020" in text and "januari–december 2020" in text
    html = (report_set.out_dir / REGION / ORG / f"{PERIOD}.html").read_text(encoding="utf-8")
    for key in COUNT_KEYS:  # each counts row as the HTML shows it: "Antal mätetal som är uppfyllda 2 40 % 4 67 %"
        cells = re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", _row(html, f'data-count="{key}"'))
        line = " ".join(cell.replace("\xa0", " ") for cell in cells if cell)
        assert line in text, line
    assert "Antal mätetal som är uppfyllda 2 40 % 4 67 %" in text  # the fixture's counts, not just "as shown"
    # an indicator's row: target, outcome, status, last year, Riket (its long name wraps in its cell)
    assert "Sjukfrånvaro högst 3,1 % 3,3 % ✘ Ej uppfyllt 3,0 % 6,8 %" in text
    assert "Budgetavvikelse minst 0 tkr 47 582 tkr ✔ Uppfyllt 12 346 tkr" in text
    # the page header names the report on every page, the footer numbers the pages
    assert text.count(TITLE) == pages
    assert [int(n) for n in re.findall(rf"Sida (\d+) av {pages}\b", text)] == list(range(1, pages + 1))
    tertial = _pdf_text(report_set.out_dir / "0013" / "R13" / "2021-04.pdf")
    assert "Tertial 1 2021" in tertial and "Region Halland" in tertial and "Sida 1 av" in tertial


def test_missing_chromium_is_a_one_line_error_naming_the_setting(tmp_path, monkeypatch):
    reports = _render(tmp_path)
    before = _snapshot(reports.out_dir)
    monkeypatch.setenv("REGIONKPI_CHROMIUM", str(tmp_path / "no-chromium"))
    with pytest.raises(PdfError, match="REGIONKPI_CHROMIUM") as raised:
        print_pdfs(reports)
    assert "apt-get install chromium" in str(raised.value) and "\n" not in str(raised.value)
    assert "no-chromium" in str(raised.value)
    monkeypatch.delenv("REGIONKPI_CHROMIUM")
    with pytest.raises(PdfError, match="elsewhere"):  # the argument wins over the default
        print_pdfs(reports, chromium=str(tmp_path / "elsewhere"))
    assert _snapshot(reports.out_dir) == before
    assert list(reports.out_dir.rglob("*.pdf")) == []


def test_a_browser_that_dies_is_reported_and_leaves_the_reports(tmp_path, monkeypatch):
    reports = _render(tmp_path)
    before = _snapshot(reports.out_dir)
    broken = tmp_path / "broken-chromium"
    broken.write_text("#!/bin/sh\necho 'cannot open display' >&2\nexit 3\n")
    broken.chmod(0o755)
    profiles = tmp_path / "tmp"
    profiles.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(profiles))
    with pytest.raises(PdfError, match=r"exited with code 3: cannot open display"):
        print_pdfs(reports, chromium=str(broken))
    assert _snapshot(reports.out_dir) == before
    assert list(reports.out_dir.rglob("*.pdf")) == []
    assert list(profiles.iterdir()) == []


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if text in cmdline.read_bytes().decode(errors="replace"):
                found.append(cmdline.parent.name)
        except OSError:  # the process ended meanwhile
            continue
    return found


@pytest.mark.browser
def test_failure_while_printing_keeps_the_reports_and_ends_the_browser(tmp_path, monkeypatch, caplog):
    reports = _render(tmp_path)
    before = _snapshot(reports.out_dir)
    profiles = tmp_path / "tmp"
    profiles.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(profiles))  # the browser's profile goes here
    monkeypatch.setattr(pdf_module, "PROGRESS_EVERY", 1)
    write = pdf_module._write_atomic
    calls = []

    def disk_full_on_the_second(path, data):
        calls.append(path)
        if len(calls) == 2:
            raise OSError("disk full")
        write(path, data)

    monkeypatch.setattr(pdf_module, "_write_atomic", disk_full_on_the_second)
    with caplog.at_level(logging.INFO, logger="publish.pdf"), pytest.raises(OSError, match="disk full"):
        print_pdfs(reports)
    assert "printed 1/3 PDFs" in caplog.text
    assert _snapshot(reports.out_dir) == before
    assert sorted(reports.out_dir.rglob("*.pdf")) == [reports[0].with_suffix(".pdf")]  # printed before: kept
    assert [p for p in reports.out_dir.rglob(".*")] == []
    assert list(profiles.iterdir()) == []  # profile removed
    assert _processes_mentioning(str(profiles)) == []  # the browser and its helpers are gone


def test_pdf_write_is_atomic(tmp_path, monkeypatch):
    target = tmp_path / "2020-12.pdf"
    target.write_bytes(b"%PDF-old")
    pdf_module._write_atomic(target, b"%PDF-new")
    assert target.read_bytes() == b"%PDF-new"

    def no_rename(src, dst):
        raise OSError("rename failed")

    monkeypatch.setattr(os, "replace", no_rename)
    with pytest.raises(OSError, match="rename failed"):
        pdf_module._write_atomic(target, b"%PDF-newer")
    assert target.read_bytes() == b"%PDF-new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2020-12.pdf"]


# Excel --------------------------------------------------------------------------------------------


def _sheet_rows(sheet) -> list[dict]:
    rows = list(sheet.iter_rows())
    header = [cell.value for cell in rows[0]]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def test_one_workbook_beside_each_report_with_three_sheets(report_set, workbooks):
    assert workbooks == [path.with_suffix(".xlsx") for path in report_set]
    for path in workbooks:
        book = openpyxl.load_workbook(path)
        assert book.sheetnames == [GOALS, COUNTS, KPI] == ["Måluppfyllelse", "Antal", "KPI-värden"]
        for sheet in book:
            assert all(cell.font.bold for cell in sheet[1])
            assert sheet.freeze_panes == "A2"
            assert sheet.auto_filter.ref == sheet.dimensions
            for column in range(1, sheet.max_column + 1):
                assert sheet.column_dimensions[openpyxl.utils.get_column_letter(column)].width >= 8
    assert openpyxl.load_workbook(workbooks[1]).properties.title == "Årsredovisning 2020 – Regionledningskontoret"


def test_goal_sheet_holds_the_marts_figures_as_numbers(report_set, workbooks):
    path = report_set.out_dir / REGION / ORG / f"{PERIOD}.xlsx"
    rows = _sheet_rows(openpyxl.load_workbook(path)[GOALS])
    marts = {
        r["indicator_name_sv"]: r
        for r in _marts_rows(
            report_set,
            "select * from fct_goal_fulfilment where region_id = ? and organisation_id = ? and period = ?",
            [REGION, ORG, PERIOD],
        )
    }
    # the order of the report: perspective, goal, success factor as in the HTML
    html = (report_set.out_dir / REGION / ORG / f"{PERIOD}.html").read_text(encoding="utf-8")
    order = re.findall(r'<tr class="indicator" data-indicator="([^"]+)">', html)
    assert [marts[r["Mätetal"].value]["indicator_id"] for r in rows] == order
    for row in rows:
        expected = marts[row["Mätetal"].value]
        for column, field in FIGURES:
            cell = row[column]
            if expected[field] is None:
                assert cell.value is None  # an empty cell, never 0
            else:
                assert _is_number(cell.value), (column, cell.value)
                assert cell.value == pytest.approx(expected[field])
        assert row["Perspektiv"].value == expected["perspective"] and row["Strategiskt mål"].value == expected["goal"]
    by_id = {marts[r["Mätetal"].value]["indicator_id"]: r for r in rows}
    sick = by_id["sick_leave_rate"]
    assert sick["Jämförelse"].value == "högst" and sick["Status"].value == "✘ Ej uppfyllt"
    assert sick["Utfall"].number_format == '0.0" %"' and sick["Enhet"].value == "%"
    finance = by_id["finance_budget_deviation"]
    assert finance["Utfall"].value == 47_582_000 and finance["Utfall"].number_format == "#,##0"
    assert finance["Status"].value == "✔ Uppfyllt" and finance["Enhet"].value == "kr"
    boardings = by_id["boardings_excl_school_cards"]
    assert boardings["Jämförelse"].value == "ökning med" and boardings["Status"].value == "◐ Delvis uppfyllt"
    assert boardings["Tolerans"].value == 1.0 and boardings["Tolerans"].number_format == "#,##0.0"
    assert by_id["competence_plans_share"]["Status"].value == "– Ej mätbart"
    assert {r["Jämförelse"].value for r in rows} <= {"högst", "minst", "lägre än", "högre än", "lika med", "ökning med"}


def test_counts_sheet_equals_goal_fulfilment_counts(report_set, workbooks):
    rows = _sheet_rows(openpyxl.load_workbook(report_set.out_dir / REGION / ORG / f"{PERIOD}.xlsx")[COUNTS])
    marts = {
        r["goal"]: r
        for r in _marts_rows(
            report_set,
            "select * from goal_fulfilment_counts where region_id = ? and organisation_id = ? and period = ?",
            [REGION, ORG, PERIOD],
        )
    }
    assert rows[0]["Strategiskt mål"].value == "Hela organisationen"
    assert len(rows) == len(marts) == 5
    columns = {
        "Uppfyllda": "met", "Delvis uppfyllda": "partly_met", "Ej uppfyllda": "not_met", "Mäts": "measured",
        "Ej mätbara": "not_measurable", "Andel uppfyllda": "met_share", "Andel delvis uppfyllda": "partly_met_share",
        "Andel ej uppfyllda": "not_met_share",
    }  # fmt: skip
    for row in rows:
        goal = row["Strategiskt mål"].value
        expected = marts["(alla)" if goal == "Hela organisationen" else goal]
        for column, field in columns.items():
            cell = row[column]
            assert _is_number(cell.value) and cell.value == pytest.approx(expected[field]), (goal, column)
            assert cell.number_format == ('0.0" %"' if field.endswith("_share") else "#,##0")
    whole = rows[0]
    assert [whole[c].value for c in ("Uppfyllda", "Delvis uppfyllda", "Ej uppfyllda", "Mäts", "Ej mätbara")] == [
        2, 1, 2, 5, 1,
    ]  # fmt: skip
    assert whole["Andel uppfyllda"].value == pytest.approx(40.0)


def test_kpi_sheet_holds_the_organisations_totals_for_the_period(report_set, workbooks):
    rows = _sheet_rows(openpyxl.load_workbook(report_set.out_dir / REGION / ORG / f"{PERIOD}.xlsx")[KPI])
    values = {row["Mätetal-id"].value: row["Värde"].value for row in rows}
    assert values == {
        "boardings_excl_school_cards_change_pct": pytest.approx(1.5),
        "finance_budget_deviation": 47_582_000,  # the node total, not the account group's 999
        "long_term_sick_leave_share": pytest.approx(30.5),
        "sick_leave_rate": pytest.approx(3.3),  # gender T, all ages: not the women's 3,9
    }
    assert all(_is_number(value) for value in values.values())
    assert {row["Period"].value for row in rows} == {PERIOD} and {row["Fönster"].value for row in rows} == {"helår"}
    sick = next(row for row in rows if row["Mätetal-id"].value == "sick_leave_rate")
    assert sick["Mätetal"].value == "Sjukfrånvaro (sjukfrånvarokvot)" and sick["Värde"].number_format == '0.0" %"'


def test_workbook_without_optional_tables_and_columns(tmp_path):
    reports = _render(tmp_path)
    marts = tmp_path / "marts.duckdb"
    with closing(duckdb.connect(str(marts))) as con:
        con.execute("drop table goal_fulfilment_counts")
        con.execute("alter table kpi_indicator_values drop column breakdown")
        con.execute("alter table kpi_indicator_values drop column suppression_reason")
        con.execute("alter table fct_goal_fulfilment drop column comment")
    book = openpyxl.load_workbook(write_workbooks(marts, reports)[1])
    whole = _sheet_rows(book[COUNTS])[0]  # counted from the goal rows instead
    assert [whole[c].value for c in ("Uppfyllda", "Delvis uppfyllda", "Ej uppfyllda", "Mäts", "Ej mätbara")] == [
        2, 1, 2, 5, 1,
    ]  # fmt: skip
    assert "Analys" not in [cell.value for cell in book[GOALS][1]]
    kpi = _sheet_rows(book[KPI])
    assert {row["Skäl"].value for row in kpi} == {None}
    # without a breakdown column every row of gender T and all ages is there, the account group's too
    assert sorted(row["Värde"].value for row in kpi if row["Mätetal-id"].value == "finance_budget_deviation") == [
        999,
        47_582_000,
    ]
    with closing(duckdb.connect(str(marts))) as con:
        con.execute("drop table kpi_indicator_values")
    kpi_sheet = openpyxl.load_workbook(write_workbooks(marts, reports)[1])[KPI]
    assert kpi_sheet.max_row == 1 and kpi_sheet["A1"].value == "Mätetal-id"


def test_workbook_write_is_atomic(tmp_path, monkeypatch):
    reports = _render(tmp_path)
    marts = tmp_path / "marts.duckdb"
    first = write_workbooks(marts, reports)
    before = {path: path.read_bytes() for path in first}

    def failing_save(self, filename):
        Path(filename).write_bytes(b"half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", failing_save)
    with pytest.raises(OSError, match="disk full"):
        write_workbooks(marts, reports)
    assert {path: path.read_bytes() for path in first} == before
    assert [p for p in reports.out_dir.rglob(".*")] == []


def test_a_workbook_shows_ja_nej_as_words_and_a_reported_status_as_reported(tmp_path):
    marts_db = build_marts(tmp_path / "marts.duckdb")
    with duckdb.connect(str(marts_db)) as con:
        for column in ("indicator_kind", "status_source", "reported_comment"):
            con.execute(f"alter table fct_goal_fulfilment add column {column} varchar")
        con.execute(
            f"""insert into fct_goal_fulfilment (region_id, organisation_id, organisation_name, indicator_id,
                    indicator_name_sv, domain, unit, target_year, period, "window", goal, sort_order, outcome,
                    target_value, comparison, status, status_sv, indicator_kind, status_source, reported_comment)
                values ('{REGION}', '061100', 'Regionledningskontoret', 'plan_adopted', 'Klimatplan antagen',
                        'goals', 'count', 2020, '{PERIOD}', 'year', 'Hållbarhet', 90, 0, 1, 'equal_to', 'not_met',
                        'ej uppfyllt', 'yes_no', 'computed', null),
                       ('{REGION}', '061100', 'Regionledningskontoret', 'dialogue', 'Dialog med resenärer',
                        'goals', 'count', 2020, '{PERIOD}', 'year', 'Hållbarhet', 91, null, null, null,
                        'partly_met', 'delvis uppfyllt', 'qualitative', 'reported', 'Två av fyra möten')"""
        )
    reports = render_reports(marts_db, tmp_path / "report")
    (workbook_path,) = [p for p in write_workbooks(marts_db, reports) if p.parent.name == ORG and PERIOD in p.name]
    rows = list(openpyxl.load_workbook(workbook_path)[GOALS].iter_rows(values_only=True))
    header = rows[0]
    by_name = {row[header.index("Mätetal")]: row for row in rows[1:]}
    plan, dialogue = by_name["Klimatplan antagen"], by_name["Dialog med resenärer"]
    assert (plan[header.index("Målvärde")], plan[header.index("Utfall")]) == ("Ja", "Nej")
    assert plan[header.index("Status")] == "✘ Ej uppfyllt"
    assert dialogue[header.index("Utfall")] is None
    assert dialogue[header.index("Status")] == "◐ Delvis uppfyllt (rapporterad av enheten)"


def test_the_kpi_sheet_names_a_regions_own_indicator_by_its_own_region_with_its_decimals(tmp_path):
    """Two regions may both have an indicator ``nki``: each region's workbook names (and rounds) its own."""
    marts_db = build_marts(tmp_path / "marts.duckdb")
    with duckdb.connect(str(marts_db)) as con:
        con.execute("alter table dim_indicator add column region_id varchar")
        con.execute("alter table dim_indicator add column decimals integer")
        con.execute(
            f"insert into dim_indicator values ('nki', 'Vårt NKI', 'index', 'higher_is_better', '{REGION}', 2), "
            "('nki', 'Hallands NKI', 'count', 'higher_is_better', '0013', 0)"
        )
        con.execute(
            f"""insert into kpi_indicator_values (region_id, organisation_id, indicator_id, period, "window",
                    gender, age_band, value, unit, is_suppressed, breakdown)
                values ('{REGION}', '{ORG}', 'nki', '{PERIOD}', 'year', 'T', 'all', 4.634, 'index', false, 'total')"""
        )
    reports = render_reports(marts_db, tmp_path / "report")
    (path,) = [p for p in write_workbooks(marts_db, reports) if p.parent.name == ORG and PERIOD in p.name]
    sheet = openpyxl.load_workbook(path)[KPI]
    header = [cell.value for cell in sheet[1]]
    (row,) = [r for r in sheet.iter_rows(min_row=2) if r[0].value == "nki"]
    assert row[header.index("Mätetal")].value == "Vårt NKI"
    value = row[header.index("Värde")]
    assert value.value == pytest.approx(4.634) and value.number_format == number_format("index", 2)
