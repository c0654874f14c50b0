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
