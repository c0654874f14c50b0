#!/usr/bin/env bash
# airflow-init (docker-compose.yml): everything before the Airflow services start. Idempotent: it
# runs on every `docker compose up`. Settings come from the environment the compose file sets.
set -euo pipefail
uid="${AIRFLOW_UID:-50000}"
mkdir -p /data/landing /data/warehouse /data/quarantine /data/archive /opt/airflow/logs
chown -R "${uid}:0" /data/landing /data/warehouse /data/quarantine /data/archive /opt/airflow/logs
as_airflow() { setpriv --reuid="${uid}" --regid=0 --init-groups "$@"; }

# The admin's password for Airflow's SimpleAuthManager, from the environment (never from the image).
python - <<'PY'
import json, os
path = os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]
with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
    json.dump({"admin": os.environ["AIRFLOW_ADMIN_PASSWORD"]}, handle)
PY
chown "${uid}:0" "${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE}"

as_airflow airflow db migrate
as_airflow airflow pools import /opt/regionkpi/deploy/pools.json
as_airflow regionkpi serving setup --airflow-db airflow
as_airflow regionkpi manifest
echo "airflow-init: done"
