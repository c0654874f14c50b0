"""The follow-up report in a real browser: headless Chromium over the DevTools protocol (publish/chromium.py).

Renders the reports of the hand-built marts of tests/test_report.py, opens one, reads what a person
would see from the DOM and keeps a full-page screenshot in ``test-artifacts/`` for review (CI can
upload it). Without Chromium these tests fail, they do not skip: ``make test`` installs it
(``make browser``), and a browser test that silently never runs is worse than none.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from publish.report import render_reports
from tests.browser import Browser, BrowserNotFoundError, chromium_executable, png_size
from tests.test_report import ORG, PERIOD, REGION, build_marts

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="module")
def browser():
    missing = None
    try:
        chromium_executable()
    except BrowserNotFoundError as error:
        missing = str(error)
    if missing:  # fail, never skip: CI must really run the browser tests
        pytest.fail(missing, pytrace=False)
    with Browser() as running:
        yield running


@pytest.fixture(scope="module")
def report_set(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    marts = build_marts(tmp / "marts.duckdb")
    return render_reports(marts, tmp / "report", run_id="browser-test", published_at="2021-02-24T09:15:00+00:00")


@pytest.fixture(scope="module")
def page(browser, report_set):
    page = browser.new_page()
    page.navigate((report_set.out_dir / REGION / ORG / f"{PERIOD}.html").as_uri())
    return page


def _js(expression: str) -> str:
    """Wrap an expression returning JSON-able data, so lists and objects come back by value."""
    return f"JSON.stringify({expression})"


def test_report_renders_without_console_errors(page):
    assert page.console_errors == []
    assert page.evaluate("document.documentElement.lang") == "sv"
    assert page.evaluate("document.characterSet") == "UTF-8"
    assert page.evaluate("document.title") == "Årsredovisning 2020 – Regionledningskontoret, Region Jönköpings län"
    assert page.evaluate("document.querySelector('h1').innerText") == "Årsredovisning 2020"
    # nothing was fetched besides the file itself
    assert page.evaluate("performance.getEntriesByType('resource').length") == 0


def test_counts_table_reads_what_the_fixture_implies(page):
    rows = json.loads(
        page.evaluate(
            _js(
                "[...document.querySelectorAll('#counts tbody tr')].map(tr => "
                "[...tr.querySelectorAll('th, td')].map(c => c.innerText.replace(/\\u00a0/g, ' ').trim()))"
            )
        )
    )
    assert rows[:4] == [
        ["Antal mätetal som är uppfyllda", "2", "40 %", "4", "67 %"],
        ["Antal mätetal som är delvis uppfyllda", "1", "20 %", "1", "17 %"],
        ["Antal mätetal som inte är uppfyllda", "2", "40 %", "1", "17 %"],
        ["Antal mätetal som mäts", "5", "100 %", "6", "100 %"],
    ]
    assert rows[4][:2] == ["Antal mätetal som inte kan mätas", "1"]


def test_every_status_badge_shows_its_text(page):
    badges = json.loads(
        page.evaluate(
            _js(
                "[...document.querySelectorAll('tr.indicator .badge')].map(b => "
                "({status: b.dataset.status, text: b.innerText.trim(), visible: b.getBoundingClientRect().width > 0}))"
            )
        )
    )
    assert [b["status"] for b in badges] == ["met", "partly_met", "not_met", "not_met", "not_measurable", "met"]
    expected = {
        "met": "✔ Uppfyllt",
        "partly_met": "◐ Delvis uppfyllt",
        "not_met": "✘ Ej uppfyllt",
        "not_measurable": "– Ej mätbart",
    }
    for badge in badges:
        assert badge["visible"]
        assert " ".join(badge["text"].split()) == expected[badge["status"]]


def test_charts_have_accessible_titles_and_suppressed_cells_show_a_dash(page):
    titles = json.loads(
        page.evaluate(_js("[...document.querySelectorAll('td.trend svg title')].map(t => t.textContent)"))
    )
    assert titles and all(title.startswith("Utfall ") for title in titles)
    suppressed = json.loads(
        page.evaluate(_js("[...document.querySelectorAll('#sick-leave td[data-suppressed]')].map(td => td.innerText)"))
    )
    assert suppressed == ["–1", "–1", "–2", "–2"]  # the dash and its footnote number, never 0


def test_full_page_screenshot_is_kept(page):
    shot = ARTIFACTS / f"report_{REGION}_{ORG}_{PERIOD}.png"
    data = page.screenshot(shot)
    assert shot.read_bytes() == data
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 10_000
    width, height = png_size(data)
    assert width >= 800
    assert height > 1200  # the whole page, not just the first screen


def test_the_driver_sees_console_errors(browser, tmp_path):
    """The "no console errors" check can fail: a broken page is reported."""
    broken = tmp_path / "broken.html"
    broken.write_text(
        '<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8"><title>x</title></head><body>'
        '<img src="missing.png" alt=""><script>console.error("trasig"); undefinedFunction();</script></body></html>',
        encoding="utf-8",
    )
    page = browser.new_page()
    page.navigate(broken.as_uri())
    errors = " | ".join(page.console_errors)
    assert "missing.png" in errors
    assert "console.error: trasig" in errors
    assert "undefinedFunction" in errors


def test_index_links_to_every_report(browser, report_set):
    page = browser.new_page()
    page.navigate(report_set.index.as_uri())
    assert page.console_errors == []
    links = json.loads(page.evaluate(_js("[...document.querySelectorAll('.report-links a')].map(a => a.href)")))
    assert sorted(links) == sorted(path.as_uri() for path in report_set)
