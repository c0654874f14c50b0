"""
### ingest_kolada

Fetches benchmark values from **Kolada** (Sweden's national KPI database, API v3 at
`https://api.kolada.se/v3`) into the raw layer: one immutable Parquet file per fetch under
`warehouse/raw/kolada_values/`, for the whole country (Riket, `0000`) and the regions the warehouse
serves, by default for the sick-leave KPIs (N60030 sjukfrånvaro, N60031 andel långtidssjukfrånvaro,
the age bands N60027, N60029, N60028) and the public-transport KPIs (N60404 resor per invånare,
U85429 utbudskilometer per invånare). dbt publishes them as `kpi_benchmark_values`.

**Triggered by hand** (no schedule): it needs the internet, and Kolada publishes yearly. Trigger
with parameters to choose the KPIs, the municipality/region ids, the years, or `from_date`
(YYYY-MM-DD: only values Kolada changed since then, an incremental fetch). When anything was written
the `raw_kolada` asset is updated.

The same step without Airflow: `regionkpi kolada fetch --kpi N60030 ...` (docs/kolada.md).
"""

from __future__ import annotations

import logging
from typing import Any

from airflow.sdk import DAG, Param, task

from regionkpi.jobs.orchestration import DEFAULT_ARGS, RAW_KOLADA, START_DATE, settings
from regionkpi.seeds import kolada_kpis

log = logging.getLogger(__name__)

#: The Kolada KPIs the warehouse maps (seeds/kolada_kpis.csv: the indicators and the sick-leave age bands).
DEFAULT_KPIS = kolada_kpis(settings().dbt_project_dir / "seeds")

with DAG(
    dag_id="ingest_kolada",
    schedule=None,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["ingest", "kolada", "benchmark"],
    doc_md=__doc__,
    params={
        "kpis": Param(DEFAULT_KPIS, type="array", items={"type": "string"}, description="Kolada KPI ids"),
        "municipalities": Param(
            None,
            type=["null", "array"],
            items={"type": "string"},
            description="Kolada municipality/region ids; null = Riket (0000) and every region of seeds/regions.csv",
        ),
        "years": Param(None, type=["null", "array"], items={"type": "integer"}, description="null = every year"),
        "from_date": Param(
            None, type=["null", "string"], description="YYYY-MM-DD: only values changed since (incremental)"
        ),
    },
):

    @task(outlets=[RAW_KOLADA])
    def fetch_kolada(params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Fetch the chosen values into raw/kolada_values/; skip downstream when nothing was written."""
        import datetime as dt

        from airflow.sdk.exceptions import AirflowSkipException

        from ingest.kolada.load import fetch_to_raw

        params = params or {}
        from_date = dt.date.fromisoformat(params["from_date"]) if params.get("from_date") else None
        load = fetch_to_raw(
            settings(),
            params.get("kpis") or DEFAULT_KPIS,
            params.get("municipalities"),
            params.get("years"),
            from_date=from_date,
        )
        log.info("kolada: %s", load.summary())
        if load.path is None:
            raise AirflowSkipException(f"nothing new from Kolada ({load.summary()})")
        return {"fetch_id": load.fetch_id, "rows": load.rows, "path": str(load.path)}

    fetch_kolada()
