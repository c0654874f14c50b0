"""dbt's layers the way the dbt structure guide draws them, checked on the parsed manifest.

The rules are dbt-project-evaluator's, on this project's own layer order (a layer is the first folder
under ``models/``; dbt_project.yml gives each its schema)::

    staging  <-  intermediate  <-  marts  <-  kpi

* ``source_outside_staging``: only staging models call ``source()`` (evaluator:
  fct_marts_or_intermediate_dependent_on_source, fct_direct_join_to_source);
* ``reads_a_later_layer``: a model reads models of its own layer or an earlier one only, and a
  staging model reads no model at all (evaluator: fct_staging_dependent_on_staging,
  fct_staging_dependent_on_marts_or_intermediate, fct_intermediate_dependent_on_marts);
* ``missing_primary_key_test``: every model has a primary-key test: ``unique`` and ``not_null`` on
  the same column, or the project's ``unique_combination`` (evaluator: fct_missing_primary_key_tests);
* ``undocumented_model``: every model has a description (evaluator: fct_undocumented_models);
* ``models_yml_per_folder``: the models of a folder are described in exactly one
  ``_<folder>__models.yml`` of that folder (the structure guide's one config file per folder).

Documented exceptions are rows of seeds/dbt_project_evaluator_exceptions.csv (rule, model, reason);
an exception that no longer matches a violation fails too, so the file only ever shrinks. The
manifest comes from the one ``dbt parse`` of tests/test_dbt_docs.py's fixture (no database, no build).
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath
from typing import Any

import pytest

from tests.dbt_fixtures import DBT_PROJECT_DIR
from tests.test_dbt_docs import manifest  # noqa: F401 - the module's parsed-manifest fixture, reused

#: Build order: a model may read its own layer or an earlier one.
LAYERS = ("staging", "intermediate", "marts", "kpi")
RULES = (
    "source_outside_staging",
    "reads_a_later_layer",
    "missing_primary_key_test",
    "undocumented_model",
    "models_yml_per_folder",
)
EXCEPTIONS_SEED = DBT_PROJECT_DIR / "seeds" / "dbt_project_evaluator_exceptions.csv"
_MODELS_YML = re.compile(r"^_[a-z0-9_]+__models\.yml$")

Violations = dict[str, set[str]]


def _models(parsed: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {key: node for key, node in parsed["nodes"].items() if node["resource_type"] == "model"}


def layer(node: Mapping[str, Any]) -> str:
    """The first folder under models/ (``models/kpi/hr/x.sql`` -> ``kpi``)."""
    parts = PurePosixPath(node["original_file_path"]).parts
    return parts[1] if len(parts) > 2 else ""


def _folder(path: str) -> PurePosixPath:
    return PurePosixPath(path.split("://", 1)[-1]).parent


def _primary_key_tested(parsed: Mapping[str, Any]) -> set[str]:
    """Models with unique + not_null (a test, or a constraint of an enforced contract) on one column, or a
    unique_combination test."""
    unique: dict[str, set[str]] = defaultdict(set)
    not_null: dict[str, set[str]] = defaultdict(set)
    tested: set[str] = set()
    for node in parsed["nodes"].values():
        if node["resource_type"] != "test" or not node.get("test_metadata"):
            continue
        name = node["test_metadata"]["name"]
        model = node.get("attached_node") or ""
        column = node.get("column_name") or node["test_metadata"].get("kwargs", {}).get("column_name")
        if name in {"unique_combination", "unique_combination_of_columns"}:
            tested.add(model)
        elif name == "unique" and column:
            unique[model].add(column)
        elif name == "not_null" and column:
            not_null[model].add(column)
    for key, node in _models(parsed).items():
        # a not_null constraint of an enforced contract is checked by the database on every build
        if (node.get("config", {}).get("contract") or {}).get("enforced"):
            for column, spec in (node.get("columns") or {}).items():
                if any(c.get("type") in {"not_null", "primary_key"} for c in spec.get("constraints") or []):
                    not_null[key].add(column)
    return tested | {model for model, columns in unique.items() if columns & not_null[model]}


def violations(parsed: Mapping[str, Any]) -> Violations:
    """Every rule -> the names of the models that break it (the folder's path for models_yml_per_folder)."""
    models = _models(parsed)
    found: Violations = {rule: set() for rule in RULES}
    keyed = _primary_key_tested(parsed)
    folders: dict[PurePosixPath, set[str]] = defaultdict(set)
    for key, node in models.items():
        name, own_layer = node["name"], layer(node)
        parents = node["depends_on"]["nodes"]
        if own_layer != "staging" and any(parent.startswith("source.") for parent in parents):
            found["source_outside_staging"].add(name)
        for parent in parents:
            if parent not in models:
                continue
            parent_layer = layer(models[parent])
            if (
                own_layer not in LAYERS
                or parent_layer not in LAYERS
                or own_layer == "staging"
                or LAYERS.index(parent_layer) > LAYERS.index(own_layer)
            ):
                found["reads_a_later_layer"].add(name)
        if key not in keyed:
            found["missing_primary_key_test"].add(name)
        if not (node.get("description") or "").strip():
            found["undocumented_model"].add(name)
        folder = _folder(node["original_file_path"])
        patch = node.get("patch_path")
        folders[folder].add(patch.split("://", 1)[-1] if patch else "")
    for folder, ymls in folders.items():
        if len(ymls) != 1 or not all(
            yml and PurePosixPath(yml).parent == folder and _MODELS_YML.match(PurePosixPath(yml).name) for yml in ymls
        ):
            found["models_yml_per_folder"].add(str(folder))
    return found


def read_exceptions(path=EXCEPTIONS_SEED) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def unexcused(found: Violations, exceptions: Iterable[Mapping[str, str]]) -> Violations:
    excused = {(row["rule"], row["model"]) for row in exceptions}
    return {rule: {name for name in names if (rule, name) not in excused} for rule, names in found.items()}


def counts(found: Violations) -> dict[str, int]:
    return {rule: len(names) for rule, names in found.items()}


# The project ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("rule", RULES)
def test_the_project_keeps_the_rule(manifest: dict[str, Any], rule: str) -> None:  # noqa: F811
    broken = unexcused(violations(manifest), read_exceptions())[rule]
    assert not broken, f"{rule}: {sorted(broken)} (fix them, or add a row with a reason to {EXCEPTIONS_SEED.name})"


def test_every_exception_has_a_reason_and_is_still_needed(manifest: dict[str, Any]) -> None:  # noqa: F811
    found = violations(manifest)
    rows = read_exceptions()
    for row in rows:
        assert set(row) == {"rule", "model", "reason"}, row
        assert row["rule"] in RULES, row
        assert len(row["reason"].strip()) >= 20, f"an exception needs a real reason: {row}"
        assert row["model"] in found[row["rule"]], f"stale exception, the rule holds now: {row}"
    assert len(rows) == len({(row["rule"], row["model"]) for row in rows}), "duplicate exception rows"


def test_the_layers_are_the_folders_under_models(manifest: dict[str, Any]) -> None:  # noqa: F811
    assert {layer(node) for node in _models(manifest).values()} == set(LAYERS)


def test_only_the_published_models_land_in_marts(manifest: dict[str, Any]) -> None:  # noqa: F811
    """Helpers of the kpi layer build into `intermediate`: publish copies the whole `marts` schema."""
    for node in _models(manifest).values():
        if node["schema"] in {"marts", "restricted"}:
            assert layer(node) in {"marts", "kpi"}, node["name"]
            assert not node["name"].startswith(("stg_", "int_")), node["name"]
        elif layer(node) in {"marts", "kpi"}:
            assert node["name"].startswith("int_"), f"{node['name']} is a mart outside the published schemas"


# The checker on hand-made manifests ------------------------------------------------------------------


def _model(name: str, path: str, parents: Iterable[str] = (), description: str = "A model.") -> dict[str, Any]:
    folder = str(PurePosixPath(path).parent)
    yml = f"_{PurePosixPath(folder).name}__models.yml"
    return {
        "resource_type": "model",
        "name": name,
        "original_file_path": path,
        "patch_path": f"regionkpi://{folder}/{yml}",
        "description": description,
        "depends_on": {"nodes": list(parents)},
    }


def _test(name: str, model: str, column: str | None = None) -> dict[str, Any]:
    return {
        "resource_type": "test",
        "attached_node": f"model.p.{model}",
        "column_name": column,
        "test_metadata": {"name": name, "kwargs": {}},
    }


def _tiny_manifest() -> dict[str, Any]:
    """A source, a staging model, an intermediate model, a mart and a kpi model: every rule holds."""
    nodes = {
        "model.p.stg_a__rows": _model("stg_a__rows", "models/staging/a/stg_a__rows.sql", ["source.p.a.rows"]),
        "model.p.int_a_joined": _model(
            "int_a_joined", "models/intermediate/a/int_a_joined.sql", ["model.p.stg_a__rows", "seed.p.codes"]
        ),
        "model.p.fct_a": _model("fct_a", "models/marts/a/fct_a.sql", ["model.p.int_a_joined", "model.p.stg_a__rows"]),
        "model.p.kpi_a": _model("kpi_a", "models/kpi/kpi_a.sql", ["model.p.fct_a"]),
        "test.p.unique_stg": _test("unique", "stg_a__rows", "row_id"),
        "test.p.not_null_stg": _test("not_null", "stg_a__rows", "row_id"),
        "test.p.pk_int": _test("unique_combination", "int_a_joined"),
        "test.p.pk_fct": _test("unique_combination", "fct_a"),
        "test.p.pk_kpi": _test("unique_combination", "kpi_a"),
    }
    return {"nodes": nodes}


def test_the_checker_passes_a_clean_manifest() -> None:
    assert counts(violations(_tiny_manifest())) == dict.fromkeys(RULES, 0)


def test_the_checker_catches_a_mart_calling_source() -> None:
    tiny = _tiny_manifest()
    tiny["nodes"]["model.p.fct_a"]["depends_on"]["nodes"].append("source.p.a.rows")
    assert violations(tiny)["source_outside_staging"] == {"fct_a"}


def test_the_checker_catches_reads_of_a_later_layer() -> None:
    tiny = _tiny_manifest()
    tiny["nodes"]["model.p.int_a_joined"]["depends_on"]["nodes"].append("model.p.fct_a")
    tiny["nodes"]["model.p.fct_a"]["depends_on"]["nodes"].append("model.p.kpi_a")
    tiny["nodes"]["model.p.stg_a__other"] = _model(
        "stg_a__other", "models/staging/a/stg_a__other.sql", ["model.p.stg_a__rows"]
    )
    assert violations(tiny)["reads_a_later_layer"] == {"int_a_joined", "fct_a", "stg_a__other"}


def test_the_checker_catches_a_missing_primary_key_test_and_description() -> None:
    tiny = _tiny_manifest()
    del tiny["nodes"]["test.p.not_null_stg"]  # unique alone is no primary key
    tiny["nodes"]["model.p.kpi_a"]["description"] = " "
    found = violations(tiny)
    assert found["missing_primary_key_test"] == {"stg_a__rows"}
    assert found["undocumented_model"] == {"kpi_a"}


def test_a_not_null_constraint_counts_only_under_an_enforced_contract() -> None:
    tiny = _tiny_manifest()
    del tiny["nodes"]["test.p.not_null_stg"]
    tiny["nodes"]["model.p.stg_a__rows"]["columns"] = {"row_id": {"constraints": [{"type": "not_null"}]}}
    tiny["nodes"]["model.p.stg_a__rows"]["config"] = {"contract": {"enforced": False}}
    assert violations(tiny)["missing_primary_key_test"] == {"stg_a__rows"}
    tiny["nodes"]["model.p.stg_a__rows"]["config"] = {"contract": {"enforced": True}}
    assert violations(tiny)["missing_primary_key_test"] == set()


def test_the_checker_catches_a_second_models_yml_in_a_folder() -> None:
    tiny = _tiny_manifest()
    tiny["nodes"]["model.p.fct_b"] = {
        **_model("fct_b", "models/marts/a/fct_b.sql", ["model.p.int_a_joined"]),
        "patch_path": "regionkpi://models/marts/a/_b__models.yml",
    }
    tiny["nodes"]["model.p.kpi_b"] = {**_model("kpi_b", "models/kpi/kpi_b.sql"), "patch_path": None}
    assert violations(tiny)["models_yml_per_folder"] == {"models/marts/a", "models/kpi"}


def test_an_exception_excuses_only_its_own_rule_and_model(tmp_path) -> None:
    tiny = _tiny_manifest()
    tiny["nodes"]["model.p.fct_a"]["depends_on"]["nodes"].append("source.p.a.rows")
    seed = tmp_path / "exceptions.csv"
    seed.write_text("rule,model,reason\nsource_outside_staging,fct_a,reads the raw files on purpose\n")
    assert unexcused(violations(tiny), read_exceptions(seed))["source_outside_staging"] == set()
    seed.write_text("rule,model,reason\nundocumented_model,fct_a,reads the raw files on purpose\n")
    assert unexcused(violations(tiny), read_exceptions(seed))["source_outside_staging"] == {"fct_a"}
