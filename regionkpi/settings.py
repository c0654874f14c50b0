"""Where things live and which keys are used, read from the environment with sane defaults.

Every job (ingest, dbt build, gate, publish) takes a :class:`Settings` so that tests can point a
whole run at a temporary directory, and so Airflow tasks and the CLI resolve the same paths.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from regionkpi.errors import RegionkpiError

REPO_ROOT = Path(__file__).resolve().parents[1]

#: Used only when REGIONKPI_PSEUDONYM_KEY is unset and dev keys are explicitly allowed (the demo).
DEV_PSEUDONYM_KEY = "regionkpi-dev-key-NOT-FOR-PRODUCTION"

TELEMETRY_OFF = {
    "DO_NOT_TRACK": "1",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "GX_ANALYTICS_ENABLED": "false",
}


class ConfigurationError(RegionkpiError, RuntimeError):
    """Raised when the environment lacks something a job needs (for example the pseudonym key)."""


@dataclass(frozen=True)
class Settings:
    root: Path
    landing_dir: Path
    warehouse_dir: Path
    quarantine_dir: Path
    archive_dir: Path
    dbt_project_dir: Path
    pseudonym_key: str | None = field(repr=False)
    allow_dev_key: bool
    #: DuckDB's memory cap for dbt and the gate (it spills to disk beyond it).
    duckdb_memory_limit: str = "512MB"
    #: DuckDB's memory cap while ingest checks and writes an extract. Lower than dbt's: the ingest
    #: process also holds GX (about 250 MB once imported); 384 MB keeps a 22 M-row year under 1 GiB in
    #: all (0.82 GB; 512 MB: 0.97-1.09 GB), at some 10-15 % more ingest time (make bench).
    ingest_memory_limit: str = "384MB"
    #: The most an archive delivery (a GTFS zip) may expand to, in MB, checked from its directory
    #: before any member is read: a small zip that unpacks to gigabytes is refused, not unpacked.
    archive_max_expanded_mb: int = 1024
    #: Where the delivery ledger lives: unset, the SQLite file ``warehouse/deliveries/ledger.sqlite``
    #: (one machine); ``postgresql://user:password@host:5432/db`` for several workers (the Celery
    #: deployment: docs/deployment.md). Not shown in a repr: it may hold a password.
    ledger_url: str | None = field(default=None, repr=False)
    #: PostgreSQL serving of the published marts (docs/bi.md): unset, publish writes files only; set,
    #: every publish also loads the marts into ``serving_schema`` of this database, as the role in the
    #: URL (the serving schema's owner).
    serving_url: str | None = field(default=None, repr=False)
    serving_schema: str = "marts"
    #: The read-only role BI tools log in as (created by ``regionkpi serving setup``).
    bi_user: str = "regionkpi_bi"
    bi_password: str | None = field(default=None, repr=False)
    #: Each follow-up report also as an A4 PDF (printed by Chromium) and an Excel workbook; off with
    #: ``REGIONKPI_REPORT_EXPORTS=0`` (HTML only, no browser needed).
    report_exports: bool = True
    #: The Chromium that prints the PDFs (default ``/usr/bin/chromium``, Debian's package).
    chromium: str | None = None

    # Derived locations -------------------------------------------------------------------------
    @property
    def raw_dir(self) -> Path:
        return self.warehouse_dir / "raw"

    @property
    def ledger_path(self) -> Path:
        return self.warehouse_dir / "deliveries" / "ledger.sqlite"

    @property
    def build_db_path(self) -> Path:
        return self.warehouse_dir / "build.duckdb"

    @property
    def published_dir(self) -> Path:
        return self.warehouse_dir / "published"

    @property
    def reports_dir(self) -> Path:
        """The follow-up reports (HTML) rendered from the current published snapshot."""
        return self.warehouse_dir / "reports"

    @property
    def gx_dir(self) -> Path:
        return self.warehouse_dir / "gx"

    @property
    def build_next_path(self) -> Path:
        """Where a build runs: a copy of ``build.duckdb`` (same file name, so dbt's database name stays
        ``build``), renamed over it only when the whole build succeeded."""
        return self.warehouse_dir / ".building" / "build.duckdb"

    @property
    def dbt_target_dir(self) -> Path:
        return self.warehouse_dir / "dbt_target"

    def require_pseudonym_key(self) -> bytes:
        """The HMAC key for personal identifiers. Refuses to run without one unless dev keys are allowed."""
        if self.pseudonym_key:
            return self.pseudonym_key.encode("utf-8")
        if self.allow_dev_key:
            return DEV_PSEUDONYM_KEY.encode("utf-8")
        raise ConfigurationError(
            "REGIONKPI_PSEUDONYM_KEY is not set. Personal identifiers are replaced by a keyed hash and the "
            "key must come from the environment (a secret store), never from the repository. For a local "
            "demo only, set REGIONKPI_ALLOW_DEV_KEY=1."
        )

    def dbt_env(self) -> dict[str, str]:
        """Environment for a dbt subprocess: where the warehouse is, telemetry off."""
        return {
            **TELEMETRY_OFF,
            "REGIONKPI_WAREHOUSE_DIR": str(self.warehouse_dir),
            "DBT_PROFILES_DIR": str(self.dbt_project_dir),
            "DBT_TARGET_PATH": str(self.dbt_target_dir),
            "DBT_LOG_PATH": str(self.warehouse_dir / "dbt_logs"),
            "REGIONKPI_DUCKDB_MEMORY_LIMIT": self.duckdb_memory_limit,
        }


def _path(env: dict[str, str], name: str, default: Path) -> Path:
    value = env.get(name)
    return Path(value).expanduser().resolve() if value else default


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Build settings from environment variables (``REGIONKPI_*``); defaults sit inside the repo."""
    env = dict(os.environ if env is None else env)
    root = _path(env, "REGIONKPI_ROOT", REPO_ROOT)
    return Settings(
        root=root,
        landing_dir=_path(env, "REGIONKPI_LANDING_DIR", root / "landing"),
        warehouse_dir=_path(env, "REGIONKPI_WAREHOUSE_DIR", root / "warehouse"),
        quarantine_dir=_path(env, "REGIONKPI_QUARANTINE_DIR", root / "quarantine"),
        # Delivered files as they arrived (personal identifiers in clear): kept apart from the warehouse.
        archive_dir=_path(env, "REGIONKPI_ARCHIVE_DIR", root / "archive"),
        dbt_project_dir=_path(env, "REGIONKPI_DBT_PROJECT_DIR", REPO_ROOT / "dbt_project"),
        pseudonym_key=env.get("REGIONKPI_PSEUDONYM_KEY") or None,
        allow_dev_key=env.get("REGIONKPI_ALLOW_DEV_KEY", "") in {"1", "true", "yes"},
        duckdb_memory_limit=env.get("REGIONKPI_DUCKDB_MEMORY_LIMIT") or "512MB",
        ingest_memory_limit=env.get("REGIONKPI_INGEST_MEMORY_LIMIT") or "384MB",
        archive_max_expanded_mb=int(env_number(env, "REGIONKPI_ARCHIVE_MAX_EXPANDED_MB", 1024, minimum=1)),
        ledger_url=env.get("REGIONKPI_LEDGER_URL") or None,
        serving_url=env.get("REGIONKPI_SERVING_URL") or None,
        serving_schema=env.get("REGIONKPI_SERVING_SCHEMA") or "marts",
        bi_user=env.get("REGIONKPI_BI_USER") or "regionkpi_bi",
        bi_password=env.get("REGIONKPI_BI_PASSWORD") or None,
        report_exports=env.get("REGIONKPI_REPORT_EXPORTS", "1").strip().lower() not in {"0", "false", "no", "off"},
        chromium=env.get("REGIONKPI_CHROMIUM") or None,
    )


def env_number(env: Mapping[str, str], name: str, default: float, *, minimum: float = 0, whole: bool = True) -> float:
    """The number setting ``name`` (``default`` when unset or empty): a whole number, or with
    ``whole=False`` any finite number, of at least ``minimum``; anything else is refused by name."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value: float | None = int(raw) if whole else float(raw)
    except ValueError:
        value = None
    if value is None or not minimum <= value < float("inf"):  # NaN fails the comparison too
        kind = "a whole number" if whole else "a number"
        raise ConfigurationError(f"{name} must be {kind} of at least {minimum:g}, not {raw!r}")
    return value
