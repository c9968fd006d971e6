#!/usr/bin/env bash
# Run the whole system with demo data on http://127.0.0.1:8000.
# DATABASE_URL unset: an embedded PostgreSQL keeps its data under var/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

firstset=.venv/bin/firstset
host=${HOST:-127.0.0.1}
port=${PORT:-8000}
# Links in e-mails and on certificates point at this server unless told otherwise.
export PUBLIC_BASE_URL=${PUBLIC_BASE_URL:-http://$host:$port}

$firstset migrate
$firstset load-demo

# The worker and the API each join the embedded server (when used); it stops after both exit.
$firstset worker &
worker=$!
cleanup() { kill "$worker" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

echo "FirstSet on http://$host:$port  (API docs: http://$host:$port/api/docs)"
# Two workers when REDIS_URL gives them shared rate-limit counters, one otherwise.
$firstset serve --host "$host" --port "$port" ${WEB_CONCURRENCY:+--workers "$WEB_CONCURRENCY"}
