"""The CLI says an expected failure in one line, and a bug in one line with a hint; ``-v`` shows the
traceback. Every error the product raises on purpose derives from one base class."""

from __future__ import annotations

import pytest

from expectations.gate import GateError, GateFailed
from ingest.duck import ExtensionMissing
from ingest.kolada.client import KoladaError
from ingest.landing import OutsideLanding
from ingest.ledger import LedgerMissing
from publish.chromium import BrowserError
from publish.kolada_export import KoladaExportError
from publish.pdf import PdfError
from publish.report import ReportError
from publish.serving import ServingError
from publish.snapshot import NothingPublishedError, PublishError
from regionkpi.errors import RegionkpiError
from regionkpi.jobs import cli, pipeline
from regionkpi.jobs.catalogue import CatalogueError
from regionkpi.settings import ConfigurationError


@pytest.fixture
def empty_root(tmp_path, monkeypatch):
    for name in ("REGIONKPI_ARCHIVE_MAX_EXPANDED_MB", "REGIONKPI_LEDGER_URL", "REGIONKPI_SERVING_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REGIONKPI_ROOT", str(tmp_path))
    return tmp_path


def test_every_expected_error_is_a_regionkpi_error_and_keeps_its_builtin_base():
    expected = [
        ConfigurationError, pipeline.StepFailed, CatalogueError, ReportError, KoladaExportError, ServingError,
        BrowserError, PdfError, PublishError, NothingPublishedError, GateError, GateFailed, KoladaError,
        LedgerMissing, ExtensionMissing, OutsideLanding,
    ]  # fmt: skip
    assert [e.__name__ for e in expected if not issubclass(e, RegionkpiError)] == []
    assert issubclass(NothingPublishedError, FileNotFoundError) and issubclass(OutsideLanding, ValueError)


def test_an_expected_failure_is_one_line_and_exit_2(empty_root, capsys):
    assert cli.main(["show", "--region", "0013"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err


def test_a_bad_setting_is_one_line_naming_it(empty_root, monkeypatch, capsys):
    monkeypatch.setenv("REGIONKPI_ARCHIVE_MAX_EXPANDED_MB", "many")
    assert cli.main(["deliveries"]) == 2
    err = capsys.readouterr().err
    assert "REGIONKPI_ARCHIVE_MAX_EXPANDED_MB" in err and err.count("\n") == 1


def test_a_bug_is_one_line_with_a_hint_and_its_traceback_with_v(empty_root, monkeypatch, capsys):
    def broken(settings, args):
        return 1 // 0

    monkeypatch.setattr(cli, "cmd_deliveries", broken)
    parser = cli.parser

    def patched_parser():
        top = parser()
        for action in top._subparsers._group_actions:  # point the deliveries command at the broken handler
            action.choices["deliveries"].set_defaults(handler=broken)
        return top

    monkeypatch.setattr(cli, "parser", patched_parser)
    assert cli.main(["deliveries"]) == 1
    err = capsys.readouterr().err
    assert "ZeroDivisionError" in err and "rerun with -v" in err and "Traceback" not in err
    with pytest.raises(ZeroDivisionError):
        cli.main(["-v", "deliveries"])
