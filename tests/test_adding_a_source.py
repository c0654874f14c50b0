"""The places a new extract touches (docs/adding_a_source.md), checked for every registered source, so a
forgotten one fails here with the place named: its contract page and example, a dbt source table with a
staging model reading it, and an ingest DAG (by its package, tests/test_dags.py). Its sample and its bad
files are checked by tests/test_samples.py and tests/test_bad_corpus.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from ingest.registry import registry

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "dbt_project" / "models"
SOURCES = sorted(registry())


def _dbt_source_tables() -> dict[str, str]:
    """raw table name → the dbt source (group) that declares it."""
    tables = {}
    for path in MODELS.rglob("*.yml"):
        for source in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("sources") or []:
            for table in source.get("tables") or []:
                tables[table["name"]] = source["name"]
    return tables


def _staging_readers() -> dict[str, set[str]]:
    """raw table name → the staging models that call source() on it."""
    readers: dict[str, set[str]] = {}
    for path in (MODELS / "staging").rglob("*.sql"):
        for table in re.findall(r"source\(\s*'[^']+'\s*,\s*'([^']+)'\s*\)", path.read_text(encoding="utf-8")):
            readers.setdefault(table, set()).add(path.stem)
    return readers


def test_the_walk_finds_what_is_there():
    assert "hr_sick_leave" in SOURCES and "organisation" in SOURCES
    assert _dbt_source_tables()["goal_activities"] == "goals"
    assert "stg_hr__employee_months" in _staging_readers()["hr_sick_leave"]


@pytest.mark.parametrize("source", SOURCES)
def test_a_registered_source_has_its_contract_page_and_example(source):
    """The source names its contract page (``contract_doc``, which the quarantine report cites), the
    page exists, and it shows an example file that exists."""
    named = registry()[source].contract_doc.split()[0]
    page = ROOT / named
    assert named.startswith("docs/extracts/") and page.is_file(), f"{source}: write its contract page, {named}"
    text = page.read_text(encoding="utf-8")
    linked = re.findall(r"examples/([\w.-]+_example\.\w+)", text)
    assert linked, f"{source}: {named} shows no example file (docs/extracts/examples/<name>_example.csv)"
    assert all((page.parent / "examples" / name).is_file() for name in linked), f"{source}: a linked example is missing"


@pytest.mark.parametrize("source", SOURCES)
def test_a_registered_source_is_read_by_a_staging_model(source):
    assert source in _dbt_source_tables(), f"{source}: declare it in its staging folder's _<domain>__sources.yml"
    assert _staging_readers().get(source), f"{source}: add its staging model, stg_<domain>__<things>.sql"
