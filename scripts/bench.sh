#!/usr/bin/env bash
# The performance budgets (docs/performance.md): fresh databases on a local PostgreSQL server,
# the API and its references under wrk on 127.0.0.1, a table and bench/results/<date>.json.
#   scripts/bench.sh [--smoke] [--only B1 ...]      BENCH_SERVER: where databases may be made
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get -o DPkg::Lock::Timeout=300 update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
    --no-install-recommends "${missing[@]}"
}

scripts/setup.sh --test
if ! command -v wrk >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || { echo "install wrk (the HTTP load generator)" >&2; exit 1; }
  apt_install wrk
fi
exec .venv/bin/python -m bench --server "${BENCH_SERVER:-postgresql://postgres@127.0.0.1:5432/postgres}" "$@"
