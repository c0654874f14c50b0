"""Kolada values into the raw layer: one immutable Parquet file per fetch.

```
warehouse/raw/kolada_values/<fetch id>.parquet        one file per fetch (API) or per loaded response file
warehouse/raw/kolada_values/_schema/empty.parquet     zero rows, so dbt reads the source before any fetch
```

A file is written under a temporary name, fsynced and renamed into place (as ``ingest.landing`` does),
so dbt never reads half a fetch. Staging keeps, per KPI × municipality × year × gender, the row of the
latest fetch (``fetched_at``, then ``_fetch_id``): an incremental fetch (``from_date``) replaces only the
values it brings. Loading the same response file twice changes nothing: its fetch id comes from the
file's sha256, and a fetch id already in the raw layer is not written again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ingest.kolada.client import (
    DEFAULT_BASE_URL,
    KoladaClient,
    KoladaResponseError,
    KoladaValue,
    PageProgress,
    parse_page,
)
from ingest.reference import seed_rows
from regionkpi.fsio import written_atomically
from regionkpi.seeds import kolada_kpis
from regionkpi.settings import Settings

log = logging.getLogger(__name__)

SOURCE = "kolada_values"
#: The whole country in Kolada.
NATIONAL_ID = "0000"
#: The bundled illustrative sample (Riket and Region Jönköpings län, 2016-2020).
SAMPLE_PATH = Path(__file__).with_name("sample_benchmark.json")
BATCH_ROWS = 50_000

KOLADA_SCHEMA = pa.schema(
    [
        pa.field("kpi_id", pa.string()),
        pa.field("municipality_id", pa.string()),
        pa.field("period_year", pa.int32()),
        pa.field("gender", pa.string()),
        pa.field("value", pa.float64()),
        pa.field("count", pa.int32()),
        pa.field("status", pa.string()),
        pa.field("fetched_at", pa.timestamp("us")),
        pa.field("_fetch_id", pa.string()),
    ]
)


@dataclass(frozen=True)
class KoladaLoad:
    """What one fetch or file load wrote: ``path`` is None when there was nothing to write."""

    fetch_id: str
    fetched_at: dt.datetime
    rows: int
    path: Path | None
    duplicate: bool = False

    def summary(self) -> str:
        if self.duplicate:
            return f"{self.fetch_id}: loaded before ({self.path}); nothing written"
        if self.path is None:
            return f"{self.fetch_id}: no values; nothing written"
        return f"{self.fetch_id}: {self.rows} value(s) written to {self.path}"


def source_dir(settings: Settings) -> Path:
    return settings.raw_dir / SOURCE


def raw_file(settings: Settings, fetch_id: str) -> Path:
    return source_dir(settings) / f"{fetch_id}.parquet"


def _utc_now() -> dt.datetime:
    """Naive UTC with microseconds, as TIMESTAMP columns hold it."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def new_fetch_id(fetched_at: dt.datetime) -> str:
    """An id that sorts by fetch time and is unique: ``api_20240501T101500123456Z_1a2b3c4d``."""
    return f"api_{fetched_at:%Y%m%dT%H%M%S%fZ}_{uuid.uuid4().hex[:8]}"


def ensure_kolada_schema(settings: Settings) -> Path:
    """Write ``raw/kolada_values/_schema/empty.parquet`` (zero rows, the raw schema) unless it is there."""
    from ingest.sources import write_empty_schema

    return write_empty_schema(source_dir(settings) / "_schema" / "empty.parquet", KOLADA_SCHEMA)


def write_values(
    settings: Settings,
    records: Iterable[KoladaValue],
    *,
    fetch_id: str | None = None,
    fetched_at: dt.datetime | None = None,
) -> KoladaLoad:
    """Write ``records`` as ``raw/kolada_values/<fetch id>.parquet``, batch by batch, atomically.

    Nothing is written when ``records`` is empty (an incremental fetch with no changes). An existing
    file of the same fetch id is left alone and reported as a duplicate.
    """
    fetched_at = (fetched_at or _utc_now()).replace(tzinfo=None)
    fetch_id = fetch_id or new_fetch_id(fetched_at)
    target = raw_file(settings, fetch_id)
    if target.exists():
        return KoladaLoad(fetch_id, fetched_at, pq.read_metadata(target).num_rows, target, duplicate=True)
    rows = 0
    iterator = iter(records)
    with written_atomically(target) as temporary:
        with pq.ParquetWriter(temporary, KOLADA_SCHEMA, compression="zstd") as writer:
            while batch := list(islice(iterator, BATCH_ROWS)):
                writer.write_table(_table(batch, fetch_id, fetched_at))
                rows += len(batch)
        if not rows:
            temporary.unlink()  # nothing fetched: nothing written
    if not rows:
        log.info("kolada: fetch %s brought no values; nothing written", fetch_id)
        return KoladaLoad(fetch_id, fetched_at, 0, None)
    log.info("kolada: wrote %d value(s) of fetch %s to %s", rows, fetch_id, target)
    return KoladaLoad(fetch_id, fetched_at, rows, target)


def _table(batch: list[KoladaValue], fetch_id: str, fetched_at: dt.datetime) -> pa.Table:
    n = len(batch)
    columns = {
        "kpi_id": [r.kpi for r in batch],
        "municipality_id": [r.municipality_id for r in batch],
        "period_year": [r.period_year for r in batch],
        "gender": [r.gender for r in batch],
        "value": [r.value for r in batch],
        "count": [r.count for r in batch],
        "status": [r.status for r in batch],
        "fetched_at": [fetched_at] * n,
        "_fetch_id": [fetch_id] * n,
    }
    return pa.Table.from_pydict(columns, schema=KOLADA_SCHEMA)


def fetch_to_raw(
    settings: Settings,
    kpis: Iterable[str] | None = None,
    municipalities: Iterable[str] | None = None,
    years: Iterable[int | str] | None = None,
    *,
    from_date: dt.date | None = None,
    base_url: str = DEFAULT_BASE_URL,
    client: KoladaClient | None = None,
    progress: Callable[[PageProgress], None] | None = None,
) -> KoladaLoad:
    """Fetch ``kpis`` (default: :func:`regionkpi.seeds.kolada_kpis`) for ``municipalities`` (default: the whole
    country and every region of the regions seed) and ``years`` (default: all) from Kolada into the
    raw layer, as one fetch.

    The file is written only when the whole fetch succeeded: a failure on page 7 leaves nothing.
    """
    kpis = list(kpis) if kpis else kolada_kpis(settings.dbt_project_dir / "seeds")
    municipalities = list(municipalities) if municipalities else default_municipalities(settings)
    fetched_at = _utc_now()
    owned = client is None
    client = client or KoladaClient(base_url, progress=progress)
    try:
        records = client.fetch_values(kpis, municipalities, years, from_date=from_date)
        load = write_values(settings, records, fetched_at=fetched_at)
    finally:
        if owned:
            client.close()
    ensure_kolada_schema(settings)
    return load


def read_response_file(path: Path) -> Iterator[KoladaValue]:
    """The records of a saved API response: one page (Kolada's envelope) or a JSON list of pages."""
    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise KoladaResponseError(f"{path}: cannot read a Kolada response ({error})") from error
    pages = payload if isinstance(payload, list) else [payload]
    if not pages:
        raise KoladaResponseError(f"{path}: an empty list holds no Kolada page")
    for number, page in enumerate(pages, start=1):
        source = f"{path}" if len(pages) == 1 else f"{path}, page {number}"
        records, deleted = parse_page(page, source)
        if deleted:
            log.info("kolada: %s: dropped %d deleted value(s)", source, deleted)
        yield from records


def load_file(settings: Settings, path: Path) -> KoladaLoad:
    """Load a saved Kolada API response (JSON) into the raw layer, through the client's parsing.

    The fetch id is ``file_<sha256[:16]>`` of the file, so loading it again writes nothing.
    """
    path = Path(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    records = list(read_response_file(path))  # parse it all first: a broken file writes nothing
    load = write_values(settings, records, fetch_id=f"file_{digest[:16]}")
    ensure_kolada_schema(settings)
    return load


def default_municipalities(settings: Settings) -> list[str]:
    """The whole country ('0000') and every region of ``seeds/regions.csv``."""
    regions = [row["region_id"].strip() for row in seed_rows(settings, "regions") if row.get("region_id")]
    return [NATIONAL_ID, *regions]
