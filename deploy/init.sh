#!/usr/bin/env bash
# airflow-init (docker-compose.yml): everything before the Airflow services start. It runs as root on
# every `docker compose up` and is idempotent. Every setting comes from the environment the compose
# file sets (x-airflow-common); tests/test_celery_topology.py runs the same steps natively.
set -euo pipefail
uid="${AIRFLOW_UID:-50000}"
: "${AIRFLOW_ADMIN_PASSWORD:?AIRFLOW_ADMIN_PASSWORD is not set}"
: "${REGIONKPI_POSTGRES_ADMIN_URL:?REGIONKPI_POSTGRES_ADMIN_URL is not set}"

# 1. The data folders (bind mounts from the host) and Airflow's home, owned by the Airflow user.
data_dirs=("${REGIONKPI_LANDING_DIR}" "${REGIONKPI_WAREHOUSE_DIR}" "${REGIONKPI_QUARANTINE_DIR}"
    "${REGIONKPI_ARCHIVE_DIR}" "${AIRFLOW_HOME}/logs")
mkdir -p "${data_dirs[@]}"
chown "${uid}:0" "${AIRFLOW_HOME}" "${data_dirs[@]}"
as_airflow() { setpriv --reuid="${uid}" --regid=0 --init-groups "$@"; }

# 2. The admin's password for Airflow's SimpleAuthManager, from the environment (never from the image),
#    on the shared AIRFLOW_HOME volume where the api-server reads it. Mode 0600.
python - <<'PY'
import json
import os

path = os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]
with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
    json.dump({"admin": os.environ["AIRFLOW_ADMIN_PASSWORD"]}, handle)
PY
chown "${uid}:0" "${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE}"
chmod 0600 "${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE}"

# 3. Airflow's metadata and the pools the DAGs use.
as_airflow airflow db migrate
as_airflow airflow pools import /opt/regionkpi/deploy/pools.json

# 4. The serving database, its owner role and the read-only BI role (as the superuser), and CONNECT
#    on Airflow's metadata database revoked from PUBLIC.
as_airflow regionkpi serving setup --airflow-db airflow

# 5. The dbt manifest Cosmos renders build_kpi_marts from: the one parsed when the image was built,
#    or, when the image has none for this warehouse folder, `regionkpi manifest` (dbt parse, offline).
image_manifest=/opt/regionkpi/image/manifest.json
target="${REGIONKPI_WAREHOUSE_DIR}/dbt_target"
if [ -f "${image_manifest}" ] && grep -q "${REGIONKPI_WAREHOUSE_DIR}/raw/" "${image_manifest}"; then
    as_airflow mkdir -p "${target}"
    as_airflow cp "${image_manifest}" "${target}/manifest.json"
    echo "airflow-init: dbt manifest from the image"
else
    as_airflow regionkpi manifest
fi
echo "airflow-init: done"
