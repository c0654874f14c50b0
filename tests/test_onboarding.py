"""docs/onboarding.md's worked example end to end: the invented fifth region, Region Exempelland (0099),
onboards by files alone. Its landing folder (docs/onboarding/exempelland/landing) is copied into an empty
warehouse's landing as the guide says, then ingest, dbt build, the gate, publish and the reports run as
`regionkpi run` runs them; nothing of the repository changes. The figures asserted are the ones the guide
prints, worked out by hand there.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from regionkpi.jobs import pipeline
from regionkpi.settings import load_settings
from tests.test_report import _row, _text

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "onboarding" / "exempelland" / "landing"
REGION = "0099"


@pytest.fixture(scope="module")
def onboarded(tmp_path_factory):
    root = tmp_path_factory.mktemp("exempelland")
    shutil.copytree(EXAMPLE, root / "landing")
    settings = load_settings({"REGIONKPI_ROOT": str(root), "REGIONKPI_PSEUDONYM_KEY": "onboarding-test-key"})
    report = pipeline.ingest(settings)
    pipeline.build(settings)
    pipeline.validate(settings, "onboarding_test")
    snapshot = pipeline.publish(settings, "onboarding_test")
    reports = pipeline.report(settings)
    marts = duckdb.connect(str(Path(snapshot.path) / "marts.duckdb"), read_only=True)
    yield settings, report, reports, marts
    marts.close()


def test_every_example_file_loads_in_the_documented_order(onboarded):
    _, report, _, _ = onboarded
    assert [(d.source, d.status) for d in report.deliveries] == [
        ("organisation", "loaded"),
        ("goal_settings", "loaded"),
        ("goal_indicators", "loaded"),
        ("goal_structure", "loaded"),
        ("goal_targets", "loaded"),
        ("goal_reported_values", "loaded"),
        ("goal_activities", "loaded"),
    ]


def test_the_region_its_levels_and_its_own_indicators_come_from_its_files(onboarded):
    _, _, _, marts = onboarded
    assert marts.execute("select region_name from dim_region where region_id = ?", [REGION]).fetchall() == [
        ("Region Exempelland",)
    ]
    levels = marts.execute(
        "select level_name from dim_goal_level where region_id = ? and not is_unused order by level", [REGION]
    ).fetchall()
    assert levels == [("Strategi",), ("Strategiskt område",), ("Mål",)]
    own = marts.execute(
        "select indicator_id, unit, decimals, kind from dim_indicator where region_id = ? order by indicator_id",
        [REGION],
    ).fetchall()
    assert len(own) == 9
    assert ("medarbetarindex", "index", 2, "numeric") in own
    assert ("klimatplan_antagen", "count", 0, "yes_no") in own
    assert ("dialog_resenarer", "count", 0, "qualitative") in own


def test_the_counts_and_statuses_the_guide_prints(onboarded):
    _, _, _, marts = onboarded
    counts = marts.execute(
        "select organisation_id, period, met, partly_met, not_met, measured from goal_fulfilment_counts "
        "where region_id = ? and goal = '(alla)' order by 1, 2",
        [REGION],
    ).fetchall()
    assert counts == [
        ("991100", "2025-04", 0, 2, 0, 2),
        ("991100", "2025-08", 1, 1, 0, 2),
        ("991100", "2025-12", 2, 2, 1, 5),
        ("992100", "2025-04", 0, 2, 1, 3),
        ("992100", "2025-08", 2, 1, 0, 3),
        ("992100", "2025-12", 1, 2, 0, 3),
        ("993100", "2025-04", 0, 0, 1, 1),
        ("993100", "2025-08", 0, 1, 0, 1),
        ("993100", "2025-12", 0, 3, 1, 4),
    ]
    forecast = marts.execute(
        "select period, outcome, forecast, status, status_basis from fct_goal_fulfilment "
        "where region_id = ? and indicator_id = 'kostnad_per_resa' order by period",
        [REGION],
    ).fetchall()
    assert forecast[0] == ("2025-04", 43.2, 51.0, "not_met", "forecast"), "met so far, not on the forecast"
    yearly = marts.execute(
        "select distinct period from fct_goal_fulfilment where region_id = ? and indicator_id = 'medarbetarindex'",
        [REGION],
    ).fetchall()
    assert yearly == [("2025-12",)], "a yearly survey is judged in December only"


def test_the_report_in_the_regions_words_with_pdf_and_workbook(onboarded):
    _, _, reports, _ = onboarded
    html_path = reports.out_dir / REGION / "991100" / "2025-12.html"
    html = html_path.read_text(encoding="utf-8")
    assert '<h2><span class="label">Strategi:</span> Hållbar region</h2>' in html
    assert '<h3><span class="label">Strategiskt område:</span> Klimat och miljö</h3>' in html
    assert '<h4><span class="label">Mål:</span> Minskad klimatpåverkan</h4>' in html
    staff = _text(_row(html, 'data-indicator="medarbetarindex"'))
    assert "minst 4,65" in staff and "4,63" in staff and "◐ Delvis uppfyllt" in staff
    assert "tolerans 0,1: delvis uppfyllt från och med 4,55" in staff
    plan = _text(_row(html, 'data-indicator="klimatplan_antagen"'))
    assert "● Ja" in plan and "■ Nej" in plan and "✘ Ej uppfyllt" in plan
    assert 'data-activity="Resepolicy med tåg före flyg"' in html

    pdf = html_path.with_suffix(".pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    text = text.replace("\u00a0", " ")
    assert "Region Exempelland" in text and f"Sida {pages} av {pages}" in text
    assert re.search(r"Antal mätetal som är uppfyllda\s+2\s+40 %", text)
    workbook = load_workbook(html_path.with_suffix(".xlsx"))
    whole = next(r for r in workbook["Antal"].iter_rows(values_only=True) if r[0] == "Hela organisationen")
    assert whole[1:5] == (2, 2, 1, 5)
    header = next(workbook["Måluppfyllelse"].iter_rows(values_only=True))
    assert header[:4] == ("Strategi", "Strategiskt område", "Mål", "Mätetal"), "the region's own level names"

    traffic = (reports.out_dir / REGION / "993100" / "2025-04.html").read_text(encoding="utf-8")
    cost = _text(_row(traffic, 'data-indicator="kostnad_per_resa"'))
    assert "prognos helår 51,0 kr; status bedömd på prognosen" in cost and "✘ Ej uppfyllt" in cost
