# The regionkpi image: Airflow 3.3 (CeleryExecutor), dbt-duckdb, GX and the project, from
# requirements.lock with every hash checked. Nothing is installed or downloaded when a container
# starts (no extra requirements, no dbt deps): DuckDB's extensions are pinned wheels in the
# lock file, loaded from disk (ingest/duck.py), and the dbt manifest is parsed here, at build time.
#
# Runtime settings are not here: they are all in docker-compose.yml (x-airflow-common), so that the
# native test (tests/test_celery_topology.py) starts the same processes from that file alone.
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    AIRFLOW_HOME=/opt/airflow

# curl for the api-server's health check (docker-compose.yml); PID 1 is Docker's init (`init: true`);
# chromium and a font print each follow-up report as a PDF (publish/pdf.py), at build time, never at run time
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl chromium fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/regionkpi
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes --no-deps -r requirements.lock

# The project as the Makefile installs it (editable: the DAGs, the dbt project and deploy/ are found
# beside the package, under /opt/regionkpi).
COPY . .
RUN pip install --no-cache-dir --no-deps --no-build-isolation --editable . \
    && python -m compileall -q regionkpi ingest expectations publish dags

# The dbt manifest Cosmos renders the build DAG from (`dbt parse`: no database, no network). It names
# the warehouse folder, so it is parsed for the one the compose file mounts; airflow-init copies it
# into the warehouse volume (deploy/init.sh) and parses again only when the folder differs.
ARG MANIFEST_WAREHOUSE_DIR=/data/warehouse
RUN DO_NOT_TRACK=1 DBT_SEND_ANONYMOUS_USAGE_STATS=false REGIONKPI_WAREHOUSE_DIR="${MANIFEST_WAREHOUSE_DIR}" \
        regionkpi manifest \
    && mkdir -p /opt/regionkpi/image \
    && cp "${MANIFEST_WAREHOUSE_DIR}/dbt_target/manifest.json" /opt/regionkpi/image/manifest.json \
    && rm -rf "${MANIFEST_WAREHOUSE_DIR}" dbt_project/target dbt_project/logs

# The user of Airflow's official image: uid 50000, group 0 (so that any AIRFLOW_UID with group 0 can
# write AIRFLOW_HOME, as in the official image).
RUN useradd --uid 50000 --gid 0 --home-dir /opt/airflow --create-home --shell /bin/bash airflow \
    && mkdir -p /opt/airflow/logs \
    && chown -R 50000:0 /opt/airflow \
    && chmod -R g+rwX /opt/airflow

USER 50000
ENTRYPOINT ["airflow"]
CMD ["version"]
