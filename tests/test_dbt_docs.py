"""dbt docs for analysts: every published column described, the indicator catalogue current, the exposures.

One ``dbt parse`` (no database needed: parse never connects) writes a manifest into a temporary target
directory; the tests read descriptions, doc blocks and exposures from it. "Published" is what publish
copies: every model dbt builds into schema ``marts`` (expectations.gate.MARTS_SCHEMA); models in
``restricted`` (fct_sick_leave, fct_service_trips) are never published and are not checked here.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from expectations.gate import MARTS_SCHEMA
from regionkpi.jobs import catalogue
from tests.dbt_fixtures import DBT_PROJECT_DIR, dbt_env, run_dbt

SEED = DBT_PROJECT_DIR / catalogue.SEED_PATH
CATALOGUE_FILE = DBT_PROJECT_DIR / catalogue.OUTPUT_PATH

#: exposure -> the models its consumer reads (at least these).
EXPOSURES = {
    "follow_up_report": {
        "fct_goal_fulfilment",
        "goal_fulfilment_counts",
        "kpi_indicator_values",
        "dim_indicator",
        "kpi_benchmark_values",
    },
    "published_kpi_table": {
        "kpi_indicator_values",
        "dim_indicator",
        "dim_organisation",
        "dim_period",
        "dim_region",
        "dim_gender",
        "dim_age_band",
    },
    "kolada_export": {"kpi_indicator_values", "dim_kolada_kpi"},
}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict[str, Any]:
    work_dir = tmp_path_factory.mktemp("dbt_docs")
    env = dbt_env(work_dir / "warehouse", work_dir)
    result = run_dbt(["parse"], env, timeout=300)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return json.loads((work_dir / "dbt_target" / "manifest.json").read_text(encoding="utf-8"))


def _models(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {node["name"]: node for node in manifest["nodes"].values() if node["resource_type"] == "model"}


def _published(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: node for name, node in _models(manifest).items() if node["schema"] == MARTS_SCHEMA}


def _indicators() -> list[dict[str, str]]:
    with open(SEED, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# (a) descriptions --------------------------------------------------------------------------------------


def test_the_published_models_are_the_marts_schema(manifest: dict[str, Any]) -> None:
    published = _published(manifest)
    # guards the other tests against checking nothing, or the wrong set
    assert {"kpi_indicator_values", "dim_indicator", "fct_goal_fulfilment", "fct_ledger_balances"} <= set(published)
    assert not {"fct_sick_leave", "fct_service_trips"} & set(published), "restricted models are never published"


def test_every_published_model_and_column_has_a_description(manifest: dict[str, Any]) -> None:
    missing = []
    for name, node in sorted(_published(manifest).items()):
        if not node["description"].strip():
            missing.append(name)
        assert node["columns"], f"{name} declares no columns (published marts have enforced contracts)"
        missing += [f"{name}.{column}" for column, spec in node["columns"].items() if not spec["description"].strip()]
    assert not missing, f"published models or columns without a description: {', '.join(missing)}"


# (b) the indicator catalogue ---------------------------------------------------------------------------


def test_the_catalogue_file_is_up_to_date() -> None:
    expected = catalogue.render_from_project(DBT_PROJECT_DIR)
    assert CATALOGUE_FILE.read_text(encoding="utf-8") == expected, (
        f"{CATALOGUE_FILE.relative_to(DBT_PROJECT_DIR.parent)} is stale: run `python -m regionkpi.jobs.catalogue`"
    )


def test_the_catalogue_names_every_indicator_of_the_seed() -> None:
    text = CATALOGUE_FILE.read_text(encoding="utf-8")
    indicators = _indicators()
    assert len(indicators) > 40
    missing = [row["indicator_id"] for row in indicators if f"`{row['indicator_id']}`" not in text]
    assert not missing, f"indicators missing from the catalogue: {missing}"
    unnamed = [row["name_sv"] for row in indicators if row["name_sv"] not in text]
    assert not unnamed, f"Swedish names missing from the catalogue: {unnamed}"


def test_dim_indicator_shows_the_catalogue_in_the_docs_site(manifest: dict[str, Any]) -> None:
    assert f"doc.regionkpi.{catalogue.BLOCK_NAME}" in manifest["docs"]
    description = _models(manifest)["dim_indicator"]["description"]
    assert "Indikatorkatalog" in description
    assert "| `sick_leave_rate` |" in description


def test_the_staleness_check_fails_when_the_seed_changes(tmp_path: Path, capsys) -> None:
    project = tmp_path / "dbt_project"
    (project / catalogue.SEED_PATH).parent.mkdir(parents=True)
    (project / catalogue.OUTPUT_PATH).parent.mkdir(parents=True)
    shutil.copy(SEED, project / catalogue.SEED_PATH)
    shutil.copy(CATALOGUE_FILE, project / catalogue.OUTPUT_PATH)
    assert catalogue.main(["--project-dir", str(project), "--check"]) == 0

    seed = project / catalogue.SEED_PATH
    seed.write_text(seed.read_text(encoding="utf-8").replace("Sjukfrånvaro (sjukfrånvarokvot)", "Sjukfrånvaro"))
    assert catalogue.main(["--project-dir", str(project), "--check"]) == 1
    assert "stale" in capsys.readouterr().err

    assert catalogue.main(["--project-dir", str(project)]) == 0
    assert catalogue.main(["--project-dir", str(project), "--check"]) == 0


def _row(**overrides: str) -> dict[str, str]:
    row = dict.fromkeys(catalogue.REQUIRED_COLUMNS, "")
    row.update(
        indicator_id="x_rate",
        name_sv="Kvot",
        name_en="Rate",
        unit="%",
        direction="lower_is_better",
        definition="a / b",
        source_model="fct_x",
        source_measure="a / b",
        roll_up="ratio_of_sums",
        frequency="monthly",
        domain="hr",
    )
    row.update(overrides)
    return row


def test_render_escapes_pipes_and_marks_missing_kolada_ids() -> None:
    text = catalogue.render_catalogue([_row(definition="a | b\non two lines")])
    assert text.startswith("{% docs indicator_catalogue %}")
    assert text.rstrip().endswith("{% enddocs %}")
    assert "a \\| b on two lines" in text
    assert "| **Kvot** | Rate | `x_rate` | `%` | lägre är bättre (`lower_is_better`) | – |" in text
    assert "Ekonomi" not in text, "a domain without indicators gets no table"


def test_render_refuses_jinja_and_unknown_domains() -> None:
    with pytest.raises(catalogue.CatalogueError, match="Jinja"):
        catalogue.render_catalogue([_row(definition="{{ ref('x') }}")])
    with pytest.raises(catalogue.CatalogueError, match="unknown domains"):
        catalogue.render_catalogue([_row(domain="weather")])


# (c) exposures -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPOSURES))
def test_exposure_has_an_owner_and_depends_on_its_models(manifest: dict[str, Any], name: str) -> None:
    exposure = manifest["exposures"].get(f"exposure.regionkpi.{name}")
    assert exposure is not None, f"exposure {name} is missing from models/exposures.yml"
    assert exposure["owner"].get("name") and "@" in (exposure["owner"].get("email") or "")
    assert exposure["description"].strip() and exposure["label"] and exposure["url"]
    depends_on = {node.split(".")[-1] for node in exposure["depends_on"]["nodes"]}
    assert EXPOSURES[name] <= depends_on, f"{name} lacks {sorted(EXPOSURES[name] - depends_on)}"
    published = _published(manifest)
    unpublished = sorted(depends_on - set(published))
    assert not unpublished, f"{name} reads models that are never published: {unpublished}"


def test_the_follow_up_report_exposure(manifest: dict[str, Any]) -> None:
    report = manifest["exposures"]["exposure.regionkpi.follow_up_report"]
    assert report["label"] == "Uppföljningsrapport"
    assert report["type"] in {"application", "dashboard"}
    assert report["url"].endswith("index.html")


# (d) every indicator comes from a model ----------------------------------------------------------------


def test_every_indicator_source_model_is_a_model(manifest: dict[str, Any]) -> None:
    models = set(_models(manifest))
    unknown = sorted({row["source_model"] for row in _indicators()} - models)
    assert not unknown, f"seeds/indicators.csv names source models that do not exist: {unknown}"
