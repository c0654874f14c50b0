# The regionkpi image: Airflow 3.3, dbt-duckdb, GX and the project, from requirements.lock (hashes
# checked), nothing installed or downloaded when a container starts.
# DuckDB's extensions are pinned wheels in the lock file, loaded from disk (ingest/duck.py). The
# project is installed editable: settings, DAGs and the dbt project are found beside the package.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    AIRFLOW_HOME=/opt/airflow \
    DO_NOT_TRACK=1 \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false \
    GX_ANALYTICS_ENABLED=false

# curl for the health checks; tini as PID 1 so that signals reach Airflow and Celery
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl tini \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/regionkpi
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock

COPY . .
RUN pip install --no-deps --no-build-isolation --editable . \
    && useradd --uid 50000 --gid 0 --home-dir /opt/airflow --create-home airflow \
    && chown -R 50000:0 /opt/airflow

USER 50000
ENTRYPOINT ["/usr/bin/tini", "--", "airflow"]
CMD ["version"]
