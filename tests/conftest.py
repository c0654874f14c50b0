"""Shared fixtures: every test gets its own landing, warehouse and quarantine under tmp_path."""

from __future__ import annotations

import os

import pytest

from regionkpi.settings import TELEMETRY_OFF, Settings, load_settings

os.environ.update(TELEMETRY_OFF)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return load_settings(
        {
            "REGIONKPI_ROOT": str(tmp_path),
            "REGIONKPI_PSEUDONYM_KEY": "test-key-only-for-tests",
        }
    )


def pytest_collection_modifyitems(config, items):
    """Slow tests first (the Airflow end-to-end run above all), keeping the order within each group.

    ``make test`` spreads test files over the cores (pytest-xdist, ``--dist loadfile``), handing them out
    in this order: the longest file starts at once, beside everything else, instead of last.
    """
    items.sort(key=lambda item: (item.get_closest_marker("slow") is None, item.fspath.basename != "test_end_to_end.py"))
