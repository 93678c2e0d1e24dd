#!/usr/bin/env bash
# Container entry point: wait for PostgreSQL, then exec the given command (default: uvicorn).
#   entrypoint.sh uvicorn --ws websockets-sansio --ws-max-size 65536 … --host 0.0.0.0 --port 8000 backend.asgi:application
#   entrypoint.sh python manage.py run_message_worker
#   entrypoint.sh healthcheck        (the image's HEALTHCHECK; no database wait)
# Migrations are not run here: compose runs them once, in the one-shot `migrate` service.
set -euo pipefail

if [ "${1:-}" = "healthcheck" ]; then
    exec python - <<'PY'
import os
import sys
import urllib.request

hosts = [h.strip().lstrip(".") for h in os.environ.get("ALLOWED_HOSTS", "").split(",")]
host = next((h for h in hosts if h and h != "*"), "localhost")
port = os.environ.get("HEALTHCHECK_PORT", "8000")
request = urllib.request.Request(
    f"http://127.0.0.1:{port}/", headers={"Host": host, "X-Forwarded-Proto": "https"}
)
try:
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (fixed local URL)
        sys.exit(0 if response.status == 200 else 1)
except Exception as exc:  # noqa: BLE001
    print(f"healthcheck failed: {exc}", file=sys.stderr)
    sys.exit(1)
PY
fi

if [ "$#" -eq 0 ]; then
    echo "entrypoint.sh: no command given" >&2
    exit 64
fi

# Wait for PostgreSQL when DATABASE_URL points at it (SQLite needs no wait).
case "${DATABASE_URL:-}" in
postgres://* | postgresql://*)
    python - <<'PY'
import os
import sys
import time

import psycopg

url = os.environ["DATABASE_URL"]
timeout = float(os.environ.get("DB_WAIT_TIMEOUT", "60"))
deadline = time.monotonic() + timeout
while True:
    try:
        psycopg.connect(url, connect_timeout=3).close()
        break
    except psycopg.OperationalError as exc:
        if time.monotonic() >= deadline:
            print(f"PostgreSQL not reachable after {timeout:g} s: {exc}", file=sys.stderr)
            sys.exit(1)
        print("waiting for PostgreSQL ...", file=sys.stderr)
        time.sleep(1)
PY
    ;;
esac

exec "$@"
