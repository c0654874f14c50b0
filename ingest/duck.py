"""DuckDB connections for ingest and publish, with the pinned extensions loaded from their wheels.

DuckDB fetches extensions from the internet by default (``INSTALL``/autoload); these machines and a
region's servers have no such access. The extensions the project uses are pinned in
``requirements.lock`` as registry packages (``duckdb-extension-<name>==<duckdb version>``), each
holding ``<package>/extensions/v<version>/<name>.duckdb_extension``; ``LOAD '<that path>'`` passes
DuckDB's signature check. :func:`connect` is the one way the project opens DuckDB outside dbt: it
turns auto-install and auto-load off (nothing is ever downloaded) and loads what the caller names.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from regionkpi.errors import RegionkpiError

if TYPE_CHECKING:
    import duckdb

#: Extension name -> the registry package that carries it.
EXTENSION_PACKAGES = {
    "encodings": "duckdb_extension_encodings",
    "postgres_scanner": "duckdb_extension_postgres_scanner",
    "excel": "duckdb_extension_excel",
    "ducklake": "duckdb_extension_ducklake",
}


class ExtensionMissing(RegionkpiError, RuntimeError):
    """A pinned DuckDB extension is not installed beside DuckDB (the lock file was not applied)."""


@cache
def extension_path(name: str) -> Path:
    """The ``.duckdb_extension`` file of extension ``name`` for the installed DuckDB version."""
    import duckdb

    package = EXTENSION_PACKAGES.get(name)
    if package is None:
        raise ValueError(f"unknown DuckDB extension {name!r}; known: {sorted(EXTENSION_PACKAGES)}")
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ExtensionMissing(
            f"DuckDB extension {name!r} is not installed: pip package "
            f"{package.replace('_', '-')}=={duckdb.__version__} "
            "is pinned in requirements.lock (run `make env`)"
        )
    version = duckdb.__version__
    path = Path(next(iter(spec.submodule_search_locations))) / "extensions" / f"v{version}" / f"{name}.duckdb_extension"
    if not path.is_file():
        found = sorted(p.parent.name for p in path.parents[1].glob("v*/*.duckdb_extension"))
        raise ExtensionMissing(
            f"DuckDB {version} needs {path}, but {package} carries versions {found}: pin "
            f"{package.replace('_', '-')}=={version} beside duckdb=={version}"
        )
    return path


def connect(
    database: str | Path = ":memory:",
    *,
    extensions: Iterable[str] = (),
    memory_limit: str | None = None,
    threads: int | None = None,
    temp_directory: str | Path | None = None,
    read_only: bool = False,
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that never downloads anything, with ``extensions`` loaded from the wheels."""
    import duckdb

    config: dict[str, Any] = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    if memory_limit:
        config["memory_limit"] = memory_limit
    if threads:
        config["threads"] = threads
    if temp_directory:
        Path(temp_directory).mkdir(parents=True, exist_ok=True)
        config["temp_directory"] = str(temp_directory)
    connection = duckdb.connect(str(database), read_only=read_only, config=config)
    try:
        for name in extensions:
            load(connection, name)
    except BaseException:
        connection.close()
        raise
    return connection


def load(connection: duckdb.DuckDBPyConnection, name: str) -> None:
    """Load a pinned extension into the connection's database, unless it is loaded already."""
    loaded = connection.execute(
        "SELECT count(*) FROM duckdb_extensions() WHERE extension_name = ? AND loaded", [name]
    ).fetchone()[0]
    if not loaded:
        connection.execute(f"LOAD '{extension_path(name)}'")
