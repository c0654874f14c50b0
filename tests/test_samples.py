"""Each source ingests its own sample: the sample delivers every source, and ingest takes it.

For every source of the registry, the sample files of that source (and of the sources it depends on,
same regions: the organisation first, since unit rules check against it; the GTFS feed before the
boardings) land in an empty warehouse and are ingested. Every file of the source must be loaded with
rows, except the ones the sample breaks on purpose (quarantined) and the organisation extract it
delivers twice (a duplicate). A new source without a sample fails :func:`test_every_source_has_a_sample`.

Three goal sources are not in the calibrated sample, because they would change the figures it
reproduces: a region's settings, its own indicators and its activities. Their sample is the
onboarding guide's worked example (docs/onboarding/exempelland/landing/, region 0099), with its own
organisation and goal structure before them.

Kolada is no landing source: its values come from an API (:mod:`ingest.kolada`), and its sample is a
saved API response loaded by :func:`ingest.kolada.load.load_file`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingest.kolada.load import SAMPLE_PATH, load_file
from ingest.landing import ingest_landing
from ingest.registry import registry
from samples import write_sample
from samples.finance.extracts import FINANCE_BROKEN_FILES
from samples.hr.extracts import BROKEN_FILE, DUPLICATE_FILES
from samples.ridership.extracts import RIDERSHIP_BROKEN_FILES

#: Files the sample breaks on purpose: ingest must quarantine them.
BROKEN = frozenset({BROKEN_FILE, *FINANCE_BROKEN_FILES, *RIDERSHIP_BROKEN_FILES})
#: Files the sample delivers a second time byte for byte: recorded as duplicates.
DUPLICATES = frozenset(DUPLICATE_FILES)
#: Sources the calibrated sample does not deliver, and why; their sample is the onboarding example.
WITHOUT_SAMPLE = {
    "goal_settings": "the sample's goal follow-up has no settings extract (defaults apply)",
    "goal_indicators": "the sample's goals use indicators of seeds/indicators.csv only, no region's own",
    "goal_activities": "the sample's goal follow-up has no activities",
}
#: The onboarding guide's worked example: a region's files for every goal source (docs/onboarding.md).
EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "onboarding" / "exempelland" / "landing"
SOURCES = list(registry())


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> dict[str, list[Path]]:
    """The whole sample, written once: source folder -> its files in delivery order."""
    landing = tmp_path_factory.mktemp("sample")
    files: dict[str, list[Path]] = {}
    for path in write_sample(landing):
        files.setdefault(path.relative_to(landing).parts[0], []).append(path)
    return files


def _needs(name: str) -> list[str]:
    """The sources ``name`` depends on, directly or not."""
    sources = registry()
    found: list[str] = []
    todo = list(sources[name].depends_on)
    while todo:
        dependency = todo.pop()
        if dependency not in found:
            found.append(dependency)
            todo += sources[dependency].depends_on
    return found


def test_every_source_has_a_sample(sample):
    assert set(sample) <= set(SOURCES), f"sample folders no source reads: {sorted(set(sample) - set(SOURCES))}"
    missing = {name for name in SOURCES if not sample.get(name)}
    assert missing == set(WITHOUT_SAMPLE), (
        f"sources without a sample file: {sorted(missing - set(WITHOUT_SAMPLE))} (write one in samples/); "
        f"listed as without but they have one: {sorted(set(WITHOUT_SAMPLE) - missing)} (take them off WITHOUT_SAMPLE)"
    )


def _example() -> dict[str, list[Path]]:
    return {folder.name: sorted(folder.glob("*/*")) for folder in EXAMPLE.iterdir() if folder.is_dir()}


@pytest.mark.parametrize("name", SOURCES)
def test_each_source_ingests_its_own_sample(name, sample, settings):
    if name in WITHOUT_SAMPLE:
        sample = _example()
        assert sample.get(name), f"{name}: neither the sample nor the onboarding example delivers it"
    own = sample[name]
    regions = {path.parent.name for path in own}
    needed = [path for source in _needs(name) for path in sample.get(source, []) if path.parent.name in regions]
    for path in own + needed:
        target = settings.landing_dir / path.parent.parent.name / path.parent.name / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)  # keeps the delivery time (mtime): ingest takes files oldest first

    report = ingest_landing(settings, source_names=[name])

    deliveries = {d.file_name: d for d in report.deliveries if d.source == name}
    assert sorted(deliveries) == sorted(path.name for path in own), report.summary()
    for file_name, delivery in deliveries.items():
        if file_name in BROKEN:
            assert delivery.status == "quarantined", f"{file_name} is broken on purpose: {delivery}"
        elif file_name in DUPLICATES:
            assert delivery.status == "duplicate", f"{file_name} repeats an earlier delivery: {delivery}"
        else:
            assert delivery.status == "loaded", f"{file_name}: {delivery.status}: {delivery.reason}"
            assert delivery.rows, f"{file_name}: loaded without rows"


def test_kolada_loads_its_sample_response(settings):
    load = load_file(settings, SAMPLE_PATH)
    assert load.rows > 0 and load.path is not None and load.path.is_file(), load.summary()
