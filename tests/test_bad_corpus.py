"""The corpus of bad extracts (tests/corpus/): every file is rejected as its contract demands, and a good
file of the same source still loads after it.

Each file of ``tests/corpus/<source>/`` is broken in one way; ``tests/corpus/expected.csv`` names the way
(``what``) and the outcome the contract demands: the status (``quarantined``, or ``empty`` for a header
without rows), a distinctive part of the broken rule as the quarantine report prints it, the line (empty:
a rule about the whole file) and the column the report names (empty: not checked). The files were written
by ``tests/corpus/make_corpus.py``; the committed corpus is the files themselves.

Every case starts from a fresh root: a copy of a template in which the source's prerequisites are
ingested once per module (region 0006's organisation of ``tests/corpus/fixtures/``, or the documented
GTFS example feed). The bad file lands in ``landing/<source>/0006/`` and is ingested: it must get its
status, leave nothing in the raw layer, and (quarantined) its ``.report.json`` must list the expected
violation. Then a good file of the source lands and must load: its documented example (for a SIE 4
ledger, the good SIE file the bad ones are made from).
"""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from ingest.landing import ingest_file
from ingest.registry import registry
from regionkpi.settings import Settings, load_settings

CORPUS = Path(__file__).resolve().parent / "corpus"
EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "extracts" / "examples"

FIXTURES = CORPUS / "fixtures"

#: The prerequisite each source depends on, delivered before its files: (file, delivered as).
PREREQUISITES = {
    "organisation": (FIXTURES / "organisation_0006.csv", "organisation.csv"),
    "goal_indicators": (EXAMPLES / "goal_indicators_example.csv", "matetal.csv"),
    "gtfs": (EXAMPLES / "ridership_gtfs_example.zip", "gtfs_2020-12-14.zip"),
}
#: The good file delivered after each bad one: (documented example, delivered as).
GOOD: dict[str, tuple[str, str]] = {
    "organisation": ("organisation_example.csv", "organisation.csv"),
    "hr_sick_leave": ("hr_sick_leave_example.csv", "sjukfranvaro_2021.csv"),
    "finance_ledger": ("finance_ledger_example.csv", "huvudbok_2021-04.csv"),
    "finance_budget": ("finance_budget_example.csv", "budget_2021.csv"),
    "finance_forecast": ("finance_forecast_example.csv", "prognos_2021-04.csv"),
    "finance_investments": ("finance_investments_example.csv", "investeringar_2021-02.csv"),
    "gtfs": ("ridership_gtfs_example.zip", "jlt_gtfs.zip"),
    "ridership_boardings": ("ridership_boardings_validations_example.csv", "valideringar_2020-03-02.csv"),
    "ridership_service_trips": ("ridership_service_trips_example.csv", "serviceresor_2020-03.csv"),
    "ridership_production": ("ridership_production_example.csv", "produktion_2020-03.csv"),
    "population": ("population_example.csv", "folkmangd.csv"),
    "goal_settings": ("goal_settings_example.csv", "installningar.csv"),
    "goal_activities": ("goal_activities_example.csv", "aktiviteter.csv"),
    "goal_indicators": ("goal_indicators_example.csv", "matetal_rattad.csv"),
    "goal_structure": ("goal_structure_example.csv", "malstruktur.csv"),
    "goal_targets": ("goal_targets_example.csv", "malvarden.csv"),
    "goal_reported_values": ("goal_reported_values_example.csv", "rapporterade_varden.csv"),
}
#: A bad SIE 4 ledger is followed by a good one: the file its corpus files are made from.
GOOD_SIE = (FIXTURES / "huvudbok_2021.se", "huvudbok_2021.se")


@dataclass(frozen=True)
class Expected:
    source: str
    region: str
    file: str
    status: str
    rule: str
    line: int | None
    column: str
    what: str

    @property
    def path(self) -> Path:
        return CORPUS / self.source / self.file


def corpus() -> list[Expected]:
    with (CORPUS / "expected.csv").open(encoding="utf-8", newline="") as handle:
        return [
            Expected(**{**row, "line": int(row["line"]) if row["line"] else None}) for row in csv.DictReader(handle)
        ]


CASES = corpus()


def make_settings(root: Path) -> Settings:
    return load_settings({"REGIONKPI_ROOT": str(root), "REGIONKPI_PSEUDONYM_KEY": "test-key-only-for-tests"})


def land(settings: Settings, source: str, region: str, original: Path, name: str | None = None) -> Path:
    """Copy ``original`` into ``landing/<source>/<region>/`` byte for byte."""
    path = settings.landing_dir / source / region / (name or original.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(original.read_bytes())
    return path


def raw_files(settings: Settings, source: str) -> set[Path]:
    """The source's delivery Parquet files in the raw layer (not the empty schema files)."""
    folder = settings.raw_dir / source
    return {p for p in folder.rglob("*.parquet") if "_schema" not in p.parts} if folder.is_dir() else set()


def shown(violation: dict) -> str:
    return f"line {violation.get('line')}, column {violation.get('column')}: {violation.get('rule')}"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Callable[[str, str], Path]:
    """A root per set of prerequisites (none, the organisation, the GTFS feed), ingested once."""
    built: dict[tuple[tuple[str, ...], str], Path] = {}

    def root_for(source: str, region: str) -> Path:
        needs = tuple(registry()[source].depends_on)
        if (needs, region) not in built:
            root = tmp_path_factory.mktemp("template")
            settings = make_settings(root)
            for prerequisite in needs:
                original, name = PREREQUISITES[prerequisite]
                delivery = ingest_file(land(settings, prerequisite, region, original, name), prerequisite, settings)
                assert delivery.status == "loaded", f"prerequisite {prerequisite}: {delivery.reason}"
            built[needs, region] = root
        return built[needs, region]

    return root_for


def test_the_corpus_covers_every_source_with_listed_distinct_files():
    sources = {case.source for case in CASES}
    assert sources == set(registry()), "every source has bad files"
    for source in sources:
        assert sum(case.source == source for case in CASES) >= 3, source
    assert len(CASES) >= 60
    listed = {case.path for case in CASES}
    assert len(listed) == len(CASES), "every file is listed once"
    on_disk = {p for source in sources for p in (CORPUS / source).iterdir() if p.is_file()}
    assert on_disk == listed, "every corpus file is listed in expected.csv, and every listed file exists"
    assert len({p.read_bytes() for p in on_disk}) == len(on_disk), "no two files are the same bytes"
    for case in CASES:
        assert case.status in ("quarantined", "empty"), case
        assert (case.status == "quarantined") == bool(case.rule), f"{case.file}: a quarantined file names its rule"


@pytest.mark.parametrize("case", CASES, ids=[f"{c.source}/{c.file}" for c in CASES])
def test_a_bad_file_is_rejected_and_a_good_one_loads_after_it(case: Expected, template, tmp_path):
    root = tmp_path / "root"
    shutil.copytree(template(case.source, case.region), root)
    settings = make_settings(root)
    problems: list[str] = []

    before = raw_files(settings, case.source)
    path = land(settings, case.source, case.region, case.path)
    try:
        delivery = ingest_file(path, case.source, settings)
    except Exception as error:  # a crash is a finding like any other: the good file is still tried
        delivery = None
        problems.append(f"ingest crashed: {type(error).__name__}: {error}")
    if delivery is not None:
        if delivery.status != case.status:
            problems.append(f"status {delivery.status!r} ({delivery.reason}), the contract demands {case.status!r}")
        new = sorted(p.name for p in raw_files(settings, case.source) - before)
        if new:
            problems.append(f"the bad file reached the raw layer: {new}")
        if case.status == "quarantined" and delivery.status == "quarantined":
            report = json.loads(Path(delivery.stored_path + ".report.json").read_text(encoding="utf-8"))
            violations = report["violations"]
            if not any(
                case.rule in (v.get("rule") or "")
                and v.get("line") == case.line
                and (not case.column or v.get("column") == case.column)
                for v in violations
            ):
                problems.append(
                    f"no violation 'line {case.line}, column {case.column or '(any)'}: ...{case.rule}...' "
                    "in the report, which lists:\n    " + "\n    ".join(shown(v) for v in violations[:12])
                )

    example, name = GOOD_SIE if case.path.suffix == ".se" else (EXAMPLES / GOOD[case.source][0], GOOD[case.source][1])
    good = ingest_file(land(settings, case.source, case.region, example, name), case.source, settings)
    if good.status != "loaded" or not good.rows:
        problems.append(
            f"the good file {example.name} after it: status {good.status!r}, rows {good.rows} ({good.reason})"
        )

    if problems:
        pytest.fail(f"{case.file} ({case.what}):\n  " + "\n  ".join(problems), pytrace=False)
