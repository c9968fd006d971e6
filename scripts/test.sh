#!/usr/bin/env bash
# Every check and test suite: lint, types, frontend units, API tests, browser tests.
# TEST_DATABASE_URL set: tests use that server; unset: the local PostgreSQL on 127.0.0.1:5432
# when one answers, else an embedded PostgreSQL under var/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
started=$(date +%s)

say "ruff"
.venv/bin/ruff check api tests migrations bench
.venv/bin/ruff format --check api tests migrations bench
say "mypy"
.venv/bin/mypy
say "frontend: vue-tsc and vitest"
(cd frontend && npm run --silent typecheck && npm test --silent)

if [[ -z "${TEST_DATABASE_URL:-}" ]] && .venv/bin/python - <<'PY' 2>/dev/null
import psycopg
psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=3).close()
PY
then
  export TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:5432/postgres"
fi
say "pytest (API, migrations, browser) on ${TEST_DATABASE_URL:-the embedded PostgreSQL}"
.venv/bin/pytest -n "${PYTEST_WORKERS:-2}" --dist loadgroup --durations=30 "$@"
echo "whole suite took $(( $(date +%s) - started )) s"
