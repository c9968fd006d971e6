#!/usr/bin/env bash
# The performance budgets (docs/performance.md): fresh databases on a local PostgreSQL server,
# the API and its references under wrk on 127.0.0.1, a table and bench/results/<date>.json.
#   scripts/bench.sh [--smoke] [--only B1 ...]      BENCH_SERVER: where databases may be made
set -euo pipefail
cd "$(dirname "$0")/.."

# The test tools include wrk (the HTTP load generator) and Chromium.
scripts/setup.sh --test
command -v wrk >/dev/null 2>&1 || { echo "install wrk (the HTTP load generator)" >&2; exit 1; }
exec .venv/bin/python -m bench --server "${BENCH_SERVER:-postgresql://postgres@127.0.0.1:5432/postgres}" "$@"
